# hosts.py - reach a host: ssh, http or a local path, within a time bound
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""connections to the hosts of a resource

One peer per host serves a whole sync: the host's snapshot, the pull, the
push and the host's update all travel over it.  Reaching a host is bounded
by the ``timeout`` of the SilverMirror file (ssh's ConnectTimeout covers
the TCP connection and the ssh handshake; keepalives cover a host that
stops answering).  With ``password = false`` ssh runs in batch mode and
never prompts.  On first contact the resource's repository is created on
the host; a host whose base directory is missing (an unmounted disk: a
local path, or an ssh URL with a path) is unreachable, and nothing is
created on the file system beneath.
"""

import concurrent.futures
import contextlib
import hashlib
import io
import os
import re
import subprocess
import sys

from mercurial.i18n import _
from mercurial import (
    encoding,
    error,
    pycompat,
    util,
)
from mercurial.repo import factory as repo_factory
from mercurial.utils import (
    procutil,
    stringutil,
    urlutil,
)

from . import (
    diskvfs,
    hostrepo,
    recovery,
    redact,
    remote,
    wire,
)

# what talking to a host raises when it is down, goes away, hangs beyond
# the timeout or answers what is not Mercurial's protocol: a refused or
# reset connection, a timeout, a bad status line, a reply cut short or
# undecodable.  None of them stops the sync with the other hosts.
ERRORS = (
    error.Abort,
    error.RepoError,
    error.ResponseError,
    error.StorageError,
    OSError,
    ValueError,
)


def preload(urls=()):
    """load what reaching the hosts at ``urls`` uses before threads do it

    hg imports modules on first use, and two threads must not race to
    load the same one.  http.client, with ssl and email, costs an ssh
    sync a share of its time users feel: it loads with the first http
    host, whose errors then join ERRORS.
    """
    global ERRORS
    from mercurial import sshpeer, wireprotov1peer
    from mercurial.utils import cborutil

    for mod in (sshpeer, wireprotov1peer, cborutil, procutil, urlutil):
        dir(mod)
    if any(_scheme(u) in (b'http', b'https') for u in urls):
        import http.client
        from mercurial import httppeer

        dir(httppeer)
        if http.client.HTTPException not in ERRORS:
            ERRORS += (http.client.HTTPException,)


class Unreachable(error.Abort):
    """the host could not be reached; the sync goes on with the others"""


def reason(inst):
    """why an operation on a host failed, in one line, passwords masked

    urllib wraps the system's error (``<urlopen error [Errno 111]
    Connection refused>``): the error inside says it plainly.
    """
    inst = getattr(inst, 'reason', None) or inst
    if isinstance(inst, OSError) and inst.strerror:
        msg = encoding.strtolocal(inst.strerror)
    elif isinstance(inst, error.Error):
        msg = inst.message
    elif isinstance(inst, error.ResponseError):
        # (what failed, what the host answered)
        msg = b' '.join(stringutil.forcebytestr(a).strip() for a in inst.args)
    else:
        msg = stringutil.forcebytestr(inst)
    # http.client never loaded raised nothing (``preload``)
    http = sys.modules.get('http.client')
    if http and isinstance(inst, http.HTTPException) and not isinstance(inst, OSError):
        msg = _(b'not an answer of Mercurial (%s)') % (
            msg or pycompat.sysbytes(type(inst).__name__)
        )
    lines = [l.strip() for l in msg.splitlines() if l.strip()]
    if len(lines) > 1 and lines[0].endswith(b':'):
        # ``remote error:`` and, on the next line, what the host said
        lines[:2] = [b'%s %s' % (lines[0], lines[1])]
    line = lines[0] if lines else pycompat.sysbytes(type(inst).__name__)
    # a peer's bytes: no terminal control sequence gets through
    line = _CONTROL.sub(lambda m: b'\\x%02x' % ord(m.group()), line)
    return redact.text(line)


_CONTROL = re.compile(br'[\x00-\x1f\x7f]')


def sshcommand(ui, timeout, batch, url):
    """``ui.ssh`` with the options a sync relies on, to reach ``url``"""
    cmd = ui.config(b'ui', b'ssh') or b'ssh'
    t = max(1, int(round(timeout)))
    opts = [
        b'-o ConnectTimeout=%d' % t,
        b'-o ServerAliveInterval=%d' % max(1, t // 2),
        b'-o ServerAliveCountMax=2',
        b'-o LogLevel=ERROR',
    ]
    if batch:
        opts.append(b'-o BatchMode=yes')
    if ui.configbool(b'silvermirror', b'ssh-control'):
        path = controlpath(url, cmd)
        if path is not None:
            persist = ui.configint(b'silvermirror', b'ssh-persist')
            opts.append(
                b'-o ControlMaster=auto -o ControlPath=%s '
                b'-o ControlPersist=%d' % (path, persist)
            )
    return b'%s %s' % (cmd, b' '.join(opts))


def controlpath(url, sshcmd):
    """the socket of the shared ssh connection to ``url``, or None

    Named after the URL as written and the ssh command: two ssh aliases
    of one machine (other users, other ``SetEnv``) or two ssh
    configurations must not share a session.  ssh's own ``%C`` (a hash of
    the resolved address, port and user) follows, so a master left from
    before an address changed is not reused either.
    """
    sockdir = controldir()
    if sockdir is None:
        return None
    key = hashlib.sha1(b'%s\0%s' % (sshcmd, url)).hexdigest()[:12]
    return b'%s/%s-%%C' % (sockdir, key.encode('ascii'))


def controldir():
    """a private directory for shared ssh connections, or None"""
    path = os.path.join(b'/tmp', b'silvermirror-%d' % os.getuid())
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return path


class connection:
    """an open peer to one host of one resource"""

    def __init__(self, entry, peer, created):
        self.entry = entry
        self.peer = peer
        self.created = created
        # a local path runs the host side in-process, named after the entry
        self.node = entry.label if peer.local() is not None else None

    @property
    def url(self):
        return self.entry.url

    def call(self, name, args, payload=None):
        return wire.call(self.peer, name, args, node=self.node, payload=payload)

    @property
    def reusable(self):
        """worth keeping open between syncs: an ssh session costs a login
        and an ``hg serve`` start, a local path or http request nothing"""
        return self.node is None and self.url.startswith(b'ssh:')

    def close(self):
        # a host that went away (a Ctrl-C reaches the ssh client too) has
        # nothing left to close, and the error that ends the run, an
        # interrupt among them, must not be replaced by this one
        try:
            self.peer.close()
        except ERRORS:
            pass


def closeall(conns):
    """close connections together

    Closing an ssh peer waits for the host's hg to exit; with several
    hosts those waits overlap instead of adding up.
    """
    conns = list(conns)
    if len(conns) < 2:
        for conn in conns:
            conn.close()
        return
    with concurrent.futures.ThreadPoolExecutor(len(conns)) as workers:
        for future in [workers.submit(conn.close) for conn in conns]:
            future.result()


def _scheme(url):
    if b'://' not in url:
        return b'file'
    return url.split(b'://', 1)[0]


def connect(ui, entry, timeout, batch, create=True, bigfile=None):
    """a ``connection`` to ``entry``, creating the repository if allowed

    A repository created is set up for big files from ``bigfile`` bytes
    (``hostrepo``).
    """
    scheme = _scheme(entry.url)
    if scheme == b'file':
        return _connectlocal(ui, entry, create, bigfile)
    if scheme == b'ssh':
        return _connectssh(ui, entry, timeout, batch, create, bigfile)
    if scheme in (b'http', b'https'):
        return _connecthttp(ui, entry, timeout)
    raise Unreachable(
        _(b'%s: unsupported host URL %s') % (entry.label, entry.url),
        hint=_(b'use a host name, ssh://, http(s):// or a local path'),
    )


def _checkcaps(entry, peer):
    if peer.local() is None and not peer.capable(wire.CAPABILITY):
        peer.close()
        raise wire.HostError(
            _(b'%s does not have the SilverMirror extension enabled')
            % entry.label,
            hint=_(
                b"add 'hgext_silvermirror =' to the [extensions] section of "
                b"the hgrc of the user hg runs as on %s"
            )
            % entry.label,
        )


def _connectlocal(ui, entry, create, bigfile):
    path = util.expandpath(entry.url)
    if path.startswith(b'file://'):
        path = path[7:]
    hostrepo.checkbase(hostrepo.localbase(entry), Unreachable)
    created = False
    if not os.path.isdir(os.path.join(path, b'.hg')):
        if not create:
            return None
        if os.path.exists(path) and not os.path.isdir(path):
            raise wire.HostError(_(b'%s is not a directory') % path)
        hostrepo.make(ui, path, bigfile)
        created = True
    try:
        # a shell that a disk pulled out mid-sync left: the disk is away
        recovery.checkwhole(path)
    except error.Abort as inst:
        raise Unreachable(inst.message, hint=inst.hint)
    peer = repo_factory.peer(ui, {}, path)
    diskvfs.guard(peer.local())
    return connection(entry, peer, created)


def away(entry):
    """a local-path host whose base directory went away (its disk pulled
    out): an operation that failed on it failed for that"""
    if _scheme(entry.url) != b'file':
        return False
    return not os.path.isdir(hostrepo.localbase(entry))


def _tryssh(ui, opts, url):
    """(peer, None), or (None, why the connection failed)

    What the remote side printed is captured rather than shown: it is the
    reason given for an unreachable host, and it tells a missing
    repository from a host that cannot be reached.
    """
    probe = ui.copy()
    captured = io.BytesIO()
    probe.ferr = captured
    try:
        peer = repo_factory.peer(probe, opts, url)
    except ERRORS as inst:
        lines = [l.strip() for l in captured.getvalue().splitlines() if l.strip()]
        why = lines[-1] if lines else reason(inst)
        if why.startswith(b'remote: '):
            why = why[8:]
        return None, why
    peer.ui.ferr = ui.ferr
    return peer, None


def _sshopts(ui, entry, timeout, batch, create, bigfile):
    chosen = remote.chosen(ui)
    opts = {b'ssh': sshcommand(ui, timeout, batch, entry.url), b'remotecmd': chosen}
    if create and chosen == remote.DEFAULT:
        # one command makes a missing repository and serves it (hostrepo)
        opts[b'remotecmd'] = remote.making(hostrepo.sshbase(entry.label), bigfile)
    return chosen, opts


def start(ui, entry, timeout, batch, create=True, bigfile=None):
    """start the ssh login ``connect`` makes, ahead of it: what to
    ``unpark`` if it is never made"""
    if _scheme(entry.url) != b'ssh':
        return []
    opts = _sshopts(ui, entry, timeout, batch, create, bigfile)[1]
    try:
        return remote.park(lambda: repo_factory.peer(ui, opts, entry.url))
    except ERRORS:
        return []  # ``connect`` says why


unpark = remote.unpark


def _connectssh(ui, entry, timeout, batch, create, bigfile):
    chosen, opts = _sshopts(ui, entry, timeout, batch, create, bigfile)
    peer, why = _tryssh(ui, opts, entry.url)
    if peer is None and remote.refused(opts[b'remotecmd'], why):
        opts[b'remotecmd'] = chosen = b'hg'
        peer, why = _tryssh(ui, opts, entry.url)
    created = False
    if peer is None:
        missing = why.startswith(b'abort: repository') and b'not found' in why
        if not missing:
            raise Unreachable(why)
        if not create:
            return None
        opts[b'remotecmd'] = chosen
        _checksshbase(ui, entry, opts[b'ssh'], timeout)
        ok, reason = _sshrun(ui, entry, opts[b'ssh'], timeout, b'init')
        if not ok:
            raise Unreachable(reason)
        peer, why = _tryssh(ui, opts, entry.url)
        if peer is None:
            raise Unreachable(why)
        created = True
    _checkcaps(entry, peer)
    return connection(entry, peer, created)


def _checksshbase(ui, entry, sshcmd, timeout):
    """refuse to create a repository where the entry's base is missing

    ``hg init`` makes every missing directory of its path: with the disk
    of ``ssh://server//media/usb`` not mounted, the copy would fill the
    host's root file system instead, and the next sync with the disk
    mounted would see every file deleted.  As for a local path, the base
    must exist; the resource's directories inside it are created.
    """
    base = hostrepo.sshbase(entry.label)
    if base is None:
        return
    ok, _out = _sshrun(ui, entry, sshcmd, timeout, b'version -q --cwd', path=base)
    if not ok:
        host = urlutil.url(entry.url).host
        raise Unreachable(
            _(b'%s does not exist on %s (not mounted?)') % (base, host),
            hint=_(b'mount it, or leave it out with -H'),
        )


def _sshrun(ui, entry, sshcmd, timeout, verb, output=False, path=None):
    """run ``hg VERB PATH`` on an ssh host: (succeeded, last error line)

    Used to create the repository on first contact; with ``output``, a
    success gives what the command printed (``hg mirror-clone``).  PATH
    is the entry's, or ``path``.
    """
    u = urlutil.url(entry.url, parsequery=False, parsefragment=False)
    path = path or u.path or b'.'
    args = procutil.sshargs(sshcmd, u.host, u.user, u.port)
    hgline = remote.line(
        remote.chosen(ui), b'%s %s' % (verb, procutil.shellquote(path))
    )
    cmd = b'%s %s %s' % (sshcmd, args, procutil.shellquote(hgline))
    ui.debug(b'running %s\n' % cmd)
    try:
        proc = subprocess.run(
            procutil.tonativestr(cmd),
            shell=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout + 5,
            env=procutil.tonativeenv(procutil.shellenviron()),
        )
    except subprocess.TimeoutExpired:
        return False, _(b'no answer within %d seconds') % timeout
    lines = [l.strip() for l in proc.stderr.splitlines() if l.strip()]
    if proc.returncode == 0:
        return True, proc.stdout if output else None
    reason = lines[-1] if lines else _(b'ssh exited with status %d') % proc.returncode
    return False, reason


def _connecthttp(ui, entry, timeout):
    """a peer to an http(s) host, or Unreachable

    A host that refuses, resets, hangs or answers what is not hg's
    protocol is unreachable, as a dead ssh host is: the others sync.
    """
    preload([entry.url])
    with ui.configoverride({(b'http', b'timeout'): b'%d' % max(1, timeout)}):
        try:
            peer = repo_factory.peer(ui, {}, entry.url)
            _checkcaps(entry, peer)
        except wire.HostError:
            raise
        except ERRORS as inst:
            raise Unreachable(reason(inst))
    return connection(entry, peer, False)


@contextlib.contextmanager
def quiet(*uis):
    """hg's own chatter for exchanges, shown with -v only"""
    with contextlib.ExitStack() as stack:
        for ui in uis:
            if not ui.verbose:
                stack.enter_context(
                    ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror')
                )
        yield


def parallel(ui, func, items, warm=False):
    """``func(item)`` for every item; items over ssh or http at once

    Reaching a host and asking it to snapshot or update is mostly waiting
    on the network and on the host, so hosts are served together (at most
    ``silvermirror.parallel``).  Local-path hosts run in this thread: they
    work in-process on repositories of this machine.  With ``warm``, the
    first remote item runs alone first: it loads the modules hg imports on
    demand, which threads must not race to load.
    """
    results = [None] * len(items)
    remote = [i for i, item in enumerate(items) if b'://' in item[0].url]
    serial = [i for i in range(len(items)) if i not in remote]
    if warm and remote:
        serial.append(remote.pop(0))
    workers = min(len(remote), ui.configint(b'silvermirror', b'parallel'))
    if workers <= 1:
        serial, remote = sorted(serial + remote), []
    for i in serial:
        results[i] = func(items[i])
    if remote:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = {i: pool.submit(func, items[i]) for i in remote}
            for i, future in futures.items():
                results[i] = future.result()
    return results

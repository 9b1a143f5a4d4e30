# wireproto.py - what a host does for a sync, and the commands that ask it
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the host side of a sync, as wire-protocol commands

A host acts in its own repository: it repairs an interrupted run,
snapshots its pending changes before they are pulled, and updates its
working copy after a push.  These run as wire-protocol commands over the
peer connection that also carries the pull and the push (as
``hgext/largefiles`` adds ``putlfile``), so a sync opens one connection
per host.  Everything a host needs arrives as arguments, except what it
keeps private: a host that has a SilverMirror file of its own also leaves
out of a snapshot every resource of that file inside the repository
(``privacy``), whatever the client's file says.  For a host that is a
local path the same functions run in-process.

Requests and replies are CBOR maps.
"""

import base64
import contextlib

from mercurial.i18n import _
from mercurial import (
    error,
    exthelper,
    util,
    wireprototypes,
    wireprotov1server,
)
from mercurial.node import bin, hex, nullrev
from mercurial.utils import cborutil, stringutil

from . import (
    compat,
    config as configmod,
    confine,
    delivery,
    identity,
    locks,
    prefill,
    privacy,
    recovery,
    seed,
    workingcopy,
)

eh = exthelper.exthelper()

CAPABILITY = b'silvermirror'
PROTOCOL = 1
# the argument that carries a request (base64 CBOR: http sends arguments
# in headers); not ``data``, which hg's http peer sends as the body
ARGS = b'request'


class HostError(error.Abort):
    """a host refused or failed an operation"""

    def __init__(self, message, hint=None, kind=b'failed'):
        super().__init__(message, hint=hint)
        self.kind = kind


def encode(obj):
    return b''.join(cborutil.streamencode(obj))


def decode(data):
    """the map of a request or reply; HostError if it is not CBOR"""
    try:
        values = cborutil.decodeall(data)
    except (cborutil.CBORDecodeError, ValueError, TypeError) as inst:
        raise HostError(
            _(b'malformed message (%s)') % stringutil.forcebytestr(inst)
        )
    return values[0] if values else {}


@contextlib.contextmanager
def hostlock(repo, timeout, caller=None):
    """the host's wlock, waited for at most ``timeout`` seconds

    A sync holds its own resource's lock while it talks to hosts, so a
    host never waits long for its lock, and not at all when its holder may
    be waiting for ``caller``'s (``locks.crossing``).
    """
    for msg in recovery.freeleftlocks(repo):
        repo.ui.warn(b'%s: %s\n' % (repo.root, msg))
    try:
        lock = locks.wlock(
            repo,
            max(0, int(timeout)),
            refuse=lambda locker: locks.crossing(repo, locker, caller),
        )
    except locks.Crossing as inst:
        raise HostError(
            _(b'repository %s is syncing with its hosts (locked by %s)')
            % (repo.root, stringutil.forcebytestr(inst.locker)),
            hint=_(b'its sync brings the changes of the hosts it reaches'),
            kind=b'busy',
        )
    except error.LockHeld as inst:
        raise HostError(
            _(b'repository %s is locked by %s')
            % (repo.root, stringutil.forcebytestr(inst.locker)),
            hint=_(
                b"another sync is running there; if none is, free the "
                b"lock with 'hg -R %s debuglocks --force-free-wlock'"
            )
            % repo.root,
            kind=b'busy',
        )
    with recovery.holding(repo, lock):
        yield


@contextlib.contextmanager
def syncing(repo, args):
    """the host's lock for one operation of a sync, marked as the sync's

    The marker (``silvermirror.in-sync``, for hooks) encloses the lock:
    commit hooks run when it is released.
    """
    with repo.ui.configoverride(
        {(b'silvermirror', b'in-sync'): True}, b'silvermirror'
    ), hostlock(repo, args.get(b'locktimeout', 5), args.get(b'caller')):
        yield


def ensureconfig(repo):
    """resources are non-publishing, so snapshots can be amended or folded"""
    data = repo.vfs.tryread(b'hgrc')
    if b'[phases]' in data:
        return
    sep = b'\n' if data and not data.endswith(b'\n') else b''
    repo.vfs.write(
        b'hgrc', data + sep + b'[phases]\npublish = False\n', atomictemp=True
    )
    repo.ui.setconfig(b'phases', b'publish', False, b'silvermirror')


# the cache of ``sidesok``: how many changesets were looked at, the last
# one's node, and the answer
ROOTSCACHE = b'silvermirror-roots'


def sidesok(repo):
    """may an unrelated history be joined with this repository?

    Only if it is empty or was started by SilverMirror (first contact with
    a copy that was snapshotted on its own), never a user's own project:
    every root carries SilverMirror's mark.  Roots are looked for only
    among the changesets added since the last answer (kept in
    ``.hg/cache``), so the question costs what changed, not the length of
    the history.
    """
    unfi = repo.unfiltered()
    cl = unfi.changelog
    start, ok = _checkedroots(unfi)
    # a "no" stays a "no" for as long as its root is there
    rev = start
    while ok and rev < len(cl):
        if cl.parentrevs(rev) == (nullrev, nullrev):
            ok = workingcopy.NODE_EXTRA in unfi[rev].extra()
        rev += 1
    if start != len(cl):
        line = b'%d %s %d\n' % (len(cl), hex(cl.node(len(cl) - 1)), ok)
        try:
            unfi.cachevfs.write(ROOTSCACHE, line, atomictemp=True)
        except OSError:
            pass
    return ok


def _checkedroots(unfi):
    """(changesets already looked at, their answer) from the cache

    A cache that does not match the history (stripped, rebuilt) counts
    for nothing.
    """
    try:
        count, node, ok = unfi.cachevfs.read(ROOTSCACHE).split(b' ')
        count = int(count)
        if 0 < count <= len(unfi) and unfi.changelog.node(count - 1) == bin(node):
            return count, ok.strip() == b'1'
    except (OSError, ValueError):
        pass
    return 0, True


def notself(repo, args):
    """refuse a client that is this very repository, before any lock

    Its sync holds the lock: waiting for it would end in "locked by".
    """
    client = args.get(b'client')
    if client is not None and client == identity.token(repo.root, create=False):
        raise HostError(
            _(b"%s is the syncing node's own copy") % repo.root, kind=b'self'
        )


def prepare(repo, args, node=None):
    """repair, then snapshot the host's pending changes"""
    notself(repo, args)
    with syncing(repo, args):
        # a server kept open between syncs (the daemon's) caches the store
        # as it was at the last sync: others may have pushed since
        repo.invalidate()
        repaired = recovery.preamble(repo)
        ensureconfig(repo)
        name = node or configmod.nodename(repo.ui)
        snap = workingcopy.snapshot(
            repo,
            name,
            ignore=args.get(b'ignore', []),
            children=sorted(
                set(args.get(b'children', [])).union(privacy.ownchildren(repo))
            ),
            maxdelete=_maxdelete(args.get(b'maxdelete')),
            force=args.get(b'force', False),
            dryrun=args.get(b'dryrun', False),
        )
        reply = {
            b'protocol': PROTOCOL,
            b'node': name,
            b'repaired': repaired,
            b'snapshot': snap.todict(),
            b'parent': repo[b'.'].hex(),
            b'joinable': sidesok(repo),
            b'empty': seed.wanted(repo),
        }
        reply.update(delivery.summary(repo))
        return reply


def _maxdelete(value):
    """the share a client sent (its text, as ``formatmaxdelete`` writes it)"""
    if value is None:
        return None
    try:
        return configmod.parse_maxdelete(value)
    except (ValueError, AttributeError):
        raise HostError(_(b'malformed maxdelete in the request'))


def update(repo, args, node=None):
    """bring the host's working copy to the pushed head, if it is clean"""
    with syncing(repo, args):
        return {b'update': workingcopy.update(repo, bin(args[b'node']))}


def deliver(repo, args, node=None, payload=None):
    """apply the pushed changesets, then update the working copy"""
    url = payload.client() if isinstance(payload, _payload) else repo.url()
    with syncing(repo, args):
        try:
            return delivery.receive(repo, args, payload, url)
        except error.PushRaced:
            raise HostError(
                _(b'%s changed during the sync') % repo.root,
                hint=_(b'the next sync brings its changes'),
                kind=b'busy',
            )


def seedrepo(repo, args, node=None, payload=None):
    """take a stream of the client's store, if this repository is empty"""
    with syncing(repo, args):
        return seed.receive(repo, args, payload)


def prefillrepo(repo, args, node=None, payload=None):
    """write the client's files, if this repository is empty"""
    with syncing(repo, args):
        return prefill.receive(repo, args, payload)


def status(repo, args, node=None):
    """what a client would pull, and the host's uncommitted changes, by file"""
    notself(repo, args)
    unfi = repo.unfiltered()
    common = [bin(h) for h in args.get(b'common', []) if bin(h) in unfi]
    if common:
        incoming = len(repo.revs(b'only(head(), %ln)', common))
    else:
        incoming = len(repo)
    st = repo.status(unknown=True)
    pending = sum(
        len(l) for l in (st.modified, st.added, st.removed, st.deleted, st.unknown)
    )
    return {
        b'node': node or configmod.nodename(repo.ui),
        b'incoming': incoming,
        b'uncommitted': pending,
        b'joinable': sidesok(repo),
        b'state': recovery.state(repo),
        # what the host's next snapshot would record, for a dry run's plan
        b'parent': repo[b'.'].hex(),
        b'files': {
            b'added': sorted(st.added + st.unknown),
            b'modified': sorted(st.modified),
            b'removed': sorted(st.removed + st.deleted),
        },
    }


# name: (function, permission, takes a payload)
OPERATIONS = {
    b'smprepare': (prepare, b'push', False),
    b'smupdate': (update, b'push', False),
    b'smdeliver': (deliver, b'push', True),
    b'smseed': (seedrepo, b'push', True),
    b'smprefill': (prefillrepo, b'push', True),
    b'smstatus': (status, b'pull', False),
}


def _operate(func, repo, args, **kwargs):
    """run a host operation; a dead worker of hg's reads as a failure

    Every operation first refuses the shell of a repository that a removed
    disk left behind, before anything reads or writes it.
    """
    recovery.checkwhole(repo.root)
    try:
        return func(repo, args, **kwargs)
    except error.WorkerError as inst:
        raise HostError(
            _(b'a worker writing the working copy failed (status %d)')
            % inst.status_code,
            hint=_(b'the next sync finishes the update'),
        )


class _payload:
    """the data pushed with a command, asked of the client when first read"""

    def __init__(self, proto):
        self._proto = proto
        self._buf = None

    def _open(self):
        if self._buf is None:
            self._buf = util.chunkbuffer(self._proto.getpayload())
        return self._buf

    def read(self, size=None):
        return self._open().read(size)

    def client(self):
        """the pushing client, as hg's unbundle names it to hooks"""
        return self._proto.client()

    def tell(self):
        return self._open().tell()

    def drain(self):
        """read what a failed command left, so the connection stays in step"""
        if self._buf is None:
            return
        try:
            while self._buf.read(1 << 16):
                pass
        except (ValueError, OSError):
            # the client went away mid-payload: there is no one to answer
            pass


def _request(name, data):
    """the arguments of a request, checked; ``BadArgument`` if malformed"""
    try:
        args = decode(base64.b64decode(data, validate=True))
    except (ValueError, cborutil.CBORDecodeError):
        raise confine.BadArgument(_(b'malformed %s request') % name)
    return confine.checkargs(name, args)


def _serve(func, payload=False, name=b'SilverMirror', permission=b'pull'):
    """the wire command running ``func``: its request checked, and, for a
    command that needs push permission, the host's hooks asked first"""

    def command(repo, proto, data):
        kwargs = {}
        if payload:
            kwargs['payload'] = _payload(proto)
        try:
            args = _request(name, data)
            if permission == b'push':
                confine.mayopen(repo, b'silvermirror-' + name[2:])
            reply = _operate(func, repo, args, **kwargs)
        except HostError as inst:
            reply = {b'error': inst.message, b'hint': inst.hint, b'kind': inst.kind}
        except error.Abort as inst:
            reply = {b'error': inst.message, b'hint': inst.hint, b'kind': b'failed'}
        except (
            OSError,
            error.LockError,
            # a node id or file a request names that is not there
            error.RepoError,
            error.StorageError,
        ) as inst:
            reply = {
                b'error': stringutil.forcebytestr(inst),
                b'hint': getattr(inst, 'hint', None),
                b'kind': b'failed',
            }
        if payload:
            kwargs['payload'].drain()
        return wireprototypes.bytesresponse(encode(reply))

    return command


@eh.uisetup
def _uisetup(ui):
    for name, (func, permission, payload) in OPERATIONS.items():
        if name not in wireprotov1server.commands:
            wireprotov1server.wireprotocommand(
                name, ARGS, permission=permission
            )(_serve(func, payload, name, permission))


@eh.wrapfunction(wireprotov1server, compat.SERVERCAPABILITIES)
def _capabilities(orig, repo, proto):
    caps = orig(repo, proto)
    caps.append(b'%s=%d' % (CAPABILITY, PROTOCOL))
    caps.append(seed.CAPABILITY)
    caps.append(delivery.CAPABILITY)
    caps.append(prefill.CAPABILITY)
    return caps


def call(peer, name, args, node=None, payload=None):
    """run a host operation over ``peer``; in-process for a local path

    ``payload`` (a file object) goes with the operations that take one,
    as a push sends its bundle.
    """
    kwargs = {} if payload is None else {'payload': payload}
    # the host's lock may be held by a sync waiting for ours (locks.crossing)
    args = dict(args)
    args.setdefault(b'caller', configmod.nodename(peer.ui))
    if peer.local() is not None:
        func = OPERATIONS[name][0]
        try:
            return _operate(func, peer.local(), args, node=node, **kwargs)
        except error.LockError as inst:
            raise HostError(stringutil.forcebytestr(inst), kind=b'busy')
    if payload is not None:
        # ssh: the host answers at once (a refusal) or after the payload
        _ret, data = compat.callpush(
            peer, name, payload, request=base64.b64encode(encode(args))
        )
        return _reply(name, decode(data))
    # the wire-protocol v1 call, as hgext/largefiles does for its commands
    # over http an (empty) body makes it a POST, which push permission
    # needs, as hg's own pushkey does
    post = {'data': b''} if peer.url().startswith((b'http:', b'https:')) else {}
    request = base64.b64encode(encode(args))
    try:
        reply = decode(compat.call(peer, name, request=request, **post))
    except error.Abort as inst:
        # hg's http peer reports a 401 so; the read before it succeeded
        if not post or inst.message != _(b'authorization failed'):
            raise
        raise HostError(
            _(b'%s refuses pushes (authorization failed)') % peer.url(),
            hint=_(
                b'allow them on the hub (web.allow-push; web.push_ssl = '
                b'false without https), or give credentials in [auth]'
            ),
        )
    return _reply(name, reply)


def _reply(name, reply):
    if not isinstance(reply, dict):
        raise HostError(_(b'unexpected reply to %s') % name)
    if reply.get(b'error') is not None:
        raise HostError(reply[b'error'], hint=reply.get(b'hint'), kind=reply.get(b'kind', b'failed'))
    return reply

# sendahead.py - a delivery's small files, sent while this node commits them
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the changed files of a sync, at the host before their changesets

A host's update writes each file the delivery changed from the revlog the
delivery just filled: a revlog opened and read, then the file written,
for every file, after this node's commit and the delivery's application,
on the sync's critical path.  While this node commits, the host has
already taken its own snapshot and waits.  So an ssh host whose head is
this node's parent gets the changed files as they are in this working
copy while they are committed, and writes each into a file of its own in
``.hg`` (nothing in the working copy changes), noting the file node a
revision of that content with that parent has (hg's hash of the parents
and the text).  Its update then moves a copy into place wherever the
delivered head has that very node and the copy is unchanged since it was
written: the same hash proves the same content.  Everything else (a file
changed here while it was sent, a rename, a link, a file over the size
this sends) is written by hg's update as before, and the write guard
checks each file before it is replaced, as for any write.

The copies belong to the process that received them: its delivery uses
or removes them, and the preamble of a later sync removes those of a
process that died first.  Only small files go ahead, and only while this
node commits: there hg's work for each file costs more than its bytes,
which travel twice (ahead, then in the bundle), and on a slow link what
is still to send once the commit is done would hold the delivery back.
"""

import errno
import os
import stat

from mercurial.i18n import _
from mercurial import (
    error,
    extensions,
    util,
)
from mercurial.dirstateutils import timestamp
from mercurial.merge_utils import update as updatemod
from mercurial.node import bin, hex
from mercurial.utils import hashutil, procutil

from .. import (
    bigfiles,
    checkout,
    compat,
    recovery,
    state,
)
from . import (
    firstcheckout,
    shape,
)

# what a host that takes ``smstage`` advertises
CAPABILITY = b'silvermirror-sendahead'
COMMAND = b'smstage'
# what goes ahead, at most: files of this size, this many files and
# bytes in all (a host keeps no more, whatever it is sent)
MAXFILE = 256 << 10
MAXFILES = 10000
MAXBYTES = 4 << 20
# the frames they go in: what is on its way when the commit is done
FRAME = 64 << 10
# the host's copies: one directory per process, named for it
PREFIX = b'staged-'

# the copies this process holds, by repository root: {path: staged}
_held = {}


class staged:
    """one file's copy, and what it is known to be"""

    __slots__ = ('path', 'node', 'digest', 'size', 'stat')

    def __init__(self, path, node, digest, st):
        self.path = path
        self.node = node
        self.digest = digest
        self.size = st.st_size
        self.stat = (st.st_ino, st.st_size, st.st_mtime_ns)

    def unchanged(self):
        try:
            st = os.lstat(self.path)
        except OSError:
            return False
        return (st.st_ino, st.st_size, st.st_mtime_ns) == self.stat

    def read(self):
        with open(self.path, 'rb') as fp:
            return fp.read()


# the client's part --------------------------------------------------------


def candidates(repo, snap):
    """(files, parents) a host may get ahead of what ``snap`` records

    The changed and new files small enough, each with the file node of
    the working copy's parent (null for a new file), which the commit
    gives as its revision's parent.  Read in this thread, before the
    commit changes the repository another thread must not read.
    """
    if bigfiles.enabled(repo):
        return [], []
    big = set(snap.big)
    mf = repo[b'.'].manifest()
    files, parents, total = [], [], 0
    for f in sorted(set(snap.modified) | set(snap.added) | set(snap.unknown)):
        if f in big:
            continue
        try:
            st = repo.wvfs.lstat(f)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAXFILE:
            continue
        total += st.st_size
        if total > MAXBYTES or len(files) == MAXFILES:
            break
        files.append(f)
        parents.append(mf.get(f, repo.nullid))
    return files, parents


def wanted(peer, reply, parent):
    """may the host behind ``peer`` get files ahead of its delivery?

    Over ssh only, where the host's own process serves the delivery
    next, and only a host whose single head and working copy are this
    node's parent: the delivery is then this node's snapshot alone.
    """
    return (
        peer.local() is None
        and shape.offers(peer, CAPABILITY)
        and reply.get(b'parent') == hex(parent)
        and reply.get(b'heads') == [hex(parent)]
    )


def send(repo, conn, parent, files, parents, locktimeout, going):
    """send ``files`` to the host of ``conn`` while ``going()``: the
    host's reply (how many it keeps, ``staged``, or why none, ``refused``)

    The files go while this node commits them and no longer: on a slow
    link the rest would hold the delivery back, not speed it.
    """
    args = {
        b'node': hex(parent),
        b'parents': [hex(p) for p in parents],
        b'locktimeout': locktimeout,
    }
    payload = firstcheckout.feed(repo, files, going, FRAME)
    return conn.call(COMMAND, args, payload=payload)


# the host's part ----------------------------------------------------------


def refusal(repo, args):
    """why this host keeps no copies ahead, or None"""
    if repo.dirstate.p1() != bin(args[b'node']):
        return _(b'its working copy is elsewhere')
    if bigfiles.enabled(repo):
        return _(b'it keeps big files')
    if firstcheckout.filters(repo):
        return _(b'its hg filters files (encode, decode)')
    if any(name == b'keyword' for name, _m in extensions.extensions(repo.ui)):
        return _(b'its hg expands keywords')
    return None


def receive(repo, args, payload):
    """host side: keep the files of ``payload`` as copies in ``.hg``

    Caller holds the wlock.  The working copy's parent manifest is read
    meanwhile (``checkout.warm``), as the update will want it.  Returns
    how many files were kept, or ``refused`` with the reason.
    """
    checkout.warm(repo)
    why = refusal(repo, args)
    if why is not None:
        return {b'staged': 0, b'refused': why}
    _install()
    discard(repo)
    where = repo.vfs.join(_dirname())
    util.makedirs(where)
    held = _held[repo.root] = {}
    parents = [bin(p) for p in args[b'parents']]
    total = 0
    try:
        for i, (f, size, flag) in enumerate(firstcheckout.frames(payload)):
            if i >= len(parents):
                raise error.Abort(_(b'more files than parents in the request'))
            total += size
            if (
                flag not in (firstcheckout.PLAIN, firstcheckout.EXEC)
                or size > MAXFILE
                or total > MAXBYTES
                or len(held) == MAXFILES
            ):
                _skip(payload, size)
                continue
            data = firstcheckout.readexactly(payload, size)
            path = os.path.join(where, b'%d' % i)
            with open(path, 'xb') as fp:
                fp.write(data)
            node = firstcheckout.revnode(repo, [data], parents[i])
            held[f] = staged(path, node, hashutil.sha1(data).digest(), os.lstat(path))
    except BaseException:
        discard(repo)
        raise
    return {b'staged': len(held)}


def _skip(payload, size):
    while size:
        size -= len(firstcheckout.readexactly(payload, min(size, firstcheckout.CHUNK)))


def _dirname(pid=None):
    """the copies' directory of process ``pid`` of this machine (this
    one's by default), relative to ``.hg``: named as hg's locks name a
    process (host and pid namespace), for the pid to mean this one"""
    prefix = compat.lockprefix().replace(b'/', b'_')
    return b'%s/%s%s-%d' % (state.DIR, PREFIX, prefix, os.getpid() if pid is None else pid)


def discard(repo):
    """remove the copies this process holds for ``repo``"""
    held = _held.pop(repo.root, None)
    if held is not None or repo.vfs.isdir(_dirname()):
        repo.vfs.rmtree(_dirname(), ignore_errors=True)


def recover(repo):
    """remove the copies of processes of this machine that died first

    Caller holds the wlock.  Copies are not the user's: nothing to say.
    """
    # this machine's directories: the name up to the pid
    mine = _dirname(0)[: -len(b'0')]
    try:
        names = repo.vfs.listdir(state.DIR)
    except OSError:
        return []
    for name in names:
        path = b'%s/%s' % (state.DIR, name)
        pid = path[len(mine):]
        if path.startswith(mine) and pid.isdigit() and not _alive(int(pid)):
            repo.vfs.rmtree(path, ignore_errors=True)
    return []


def _alive(pid):
    return pid == os.getpid() or procutil.testpid(pid)


# the host's update --------------------------------------------------------


# is hg's batchget wrapped in this process?
_wrapped = []


def _install():
    if not _wrapped:
        # hg 7.2: ``batchget(repo, mctx, wctx, wantfiledata, actions)``
        # writes an update's files, a generator of (False, (count, file))
        # then (True, filedata); public but internal (``compat``)
        extensions.wrapfunction(updatemod, 'batchget', _batchget)
        _wrapped.append(True)


def _batchget(orig, repo, mctx, wctx, wantfiledata, actions):
    held = _held.get(repo.root)
    if not held:
        yield from orig(repo, mctx, wctx, wantfiledata, actions)
        return
    mf = mctx.manifest()
    rest, filedata = [], {}
    for action in actions:
        f, (flags, backup), _msg = action
        s = held.pop(f, None)
        if (
            s is None
            or backup
            or b'l' in flags
            or mf.get(f) != s.node
            or not s.unchanged()
            or not _place(repo, wctx, f, flags, s)
        ):
            rest.append(action)
            continue
        if wantfiledata:
            st = wctx[f].lstat()
            filedata[f] = (st.st_mode, s.size, timestamp.mtime_of(st))
        yield False, (1, f)
    for final, value in orig(repo, mctx, wctx, wantfiledata, rest):
        if final:
            filedata.update(value)
        else:
            yield final, value
    yield True, filedata


def _place(repo, wctx, f, flags, s):
    """move the copy ``s`` to ``f``, as hg's atomic write puts a file
    there (its permissions kept, ``flags`` set); False: not moved"""
    wctx[f].clearunknown()
    dest = repo.wjoin(f)
    try:
        mode = stat.S_IMODE(os.lstat(dest).st_mode)
    except OSError:
        mode = None
    try:
        util.makedirs(os.path.dirname(dest), repo.wvfs.createmode)
        if mode is not None:
            os.chmod(s.path, mode)
        with recovery.writing(repo, f, s.read, s.digest):
            os.rename(s.path, dest)
    except OSError as inst:
        # another disk, or the copy went: hg's update writes the file
        if inst.errno not in (errno.EXDEV, errno.ENOENT, errno.EACCES, errno.EPERM):
            raise
        return False
    repo.wvfs.setflags(f, False, b'x' in flags)
    return True

# replay.py - an empty host makes the first snapshot too, at the same time
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""an empty host commits a resource's first snapshot alongside this node

A resource's first sync commits every file, a revlog each (20,000 small
files take hg about 19 s of Python), then streams the store to an empty
host, which writes its working copy from those revlogs (14 s more).  But
a commit is deterministic: the same files, flags, user, date, message,
branch and extras make the same changeset on any machine.  So a host over
ssh whose repository and working copy are both empty gets the files this
node commits, as they are in its working copy, with the commit's
metadata, and commits them itself, on its own CPU, while this node
commits: each file is written, then committed as it arrives (a
``memctx`` whose files come off the wire), and the working copy is left
known clean at the new changeset, with no update.

The node the host made is compared with this node's.  The same node
proves every file and every byte of metadata equal.  Another one (a file
changed here while it was sent, a host whose hg commits otherwise) is a
first snapshot of the host's own with the same files: the sync pulls and
merges it, as any host's.  A host that refuses (not empty, its hg
filters files) or fails before its commit removes the files it wrote
(those nothing changed since) and is streamed to instead (``seed``).

Each file is written to a temporary file in ``.hg`` and linked into
place, never over an existing file, so an interrupted run leaves only
complete copies of this node's files, which the host's next snapshot
records (and the sync joins the two roots: the same files, a clean
merge).
"""

import concurrent.futures
import errno
import os
import stat
import struct

from mercurial.i18n import _
from mercurial import (
    context,
    error,
    pathutil,
    util,
)
from mercurial.dirstateutils import timestamp
from mercurial.node import hex
from mercurial.utils import cborutil

from . import (
    delivery,
    workingcopy,
)

# what a host that takes ``smreplay`` advertises
CAPABILITY = b'silvermirror-replay'
# where a file is written before it is linked into the working copy
TEMPFILE = b'silvermirror/replay.tmp'
# the payload: the list of files (a length, CBOR), then a frame for each
# file in that order (the path's length, the data's length, a flag, the
# path, the data), then a zero length
LENGTH = struct.Struct('>I')
HEADER = struct.Struct('>IQc')
CHUNK = 1 << 20
# the flags of a frame: a plain file, an executable, a symlink, and a
# file this node could not read (the host then cannot commit)
PLAIN, EXEC, LINK, UNREADABLE = b'\0', b'x', b'l', b'-'


def wanted(repo):
    """is the next snapshot of ``repo`` its first?"""
    return len(repo.unfiltered()) == 0


def capable(peer, reply):
    """may ``peer``'s host make the first snapshot alongside?"""
    return (
        peer.local() is None
        and peer.url().startswith(b'ssh:')
        and peer.capable(CAPABILITY)
        and reply.get(b'empty', False)
    )


class _feed:
    """one host's payload: the files, as they are in this working copy

    Read by the thread that talks to the host.  Reading never fails: a
    file that cannot be read goes as unreadable.
    """

    def __init__(self, repo, files):
        self._repo = repo
        self._files = files
        self._buf = util.chunkbuffer(self._chunks())

    def read(self, size=None):
        return self._buf.read(size)

    def _chunks(self):
        listed = b''.join(cborutil.streamencode(self._files))
        yield LENGTH.pack(len(listed)) + listed
        for f in self._files:
            yield from _frame(self._repo.wvfs.join(f), f)
        yield LENGTH.pack(0)


def _frame(path, f):
    """a file as it is in the working copy, as the commit reads it

    Exactly the size first seen is sent: a file changed meanwhile makes
    the host's node differ, which is all it takes.
    """
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            data = os.fsencode(os.readlink(path))
            yield HEADER.pack(len(f), len(data), LINK) + f + data
            return
        fp = open(path, 'rb')
    except OSError:
        yield HEADER.pack(len(f), 0, UNREADABLE) + f
        return
    with fp:
        flag = EXEC if st.st_mode & 0o100 else PLAIN
        yield HEADER.pack(len(f), st.st_size, flag) + f
        left = st.st_size
        while left:
            try:
                chunk = fp.read(min(left, CHUNK))
            except OSError:
                chunk = b''
            # a file that shrank is padded: its node differs anyway
            chunk = chunk or b'\0' * min(left, CHUNK)
            left -= len(chunk)
            yield chunk


class alongside:
    """the empty hosts that make a first snapshot with this node

    ``reached()`` gives the hosts reached so far, as (hostresult,
    connection, reply of ``smprepare``).  The snapshot enters
    ``alongside(repo, files, commitargs)`` around its commit; ``of(hr)``
    then is the host's reply, the error it failed with, or None if it was
    not asked.
    """

    def __init__(self, reached, locktimeout):
        self._reached = reached
        self._locktimeout = locktimeout
        self._replies = {}

    def __call__(self, repo, files, commitargs):
        return _replaying(self, repo, files, commitargs)

    def of(self, hr):
        return self._replies.get(id(hr))


class _replaying:
    """the hosts' replays, running while this node commits"""

    def __init__(self, owner, repo, files, commitargs):
        self._owner = owner
        self._repo = repo
        self._files = sorted(files)
        self._args = commitargs
        self._pool = None

    def __enter__(self):
        targets = [
            (hr, conn)
            for hr, conn, reply in self._owner._reached()
            if capable(conn.peer, reply)
        ]
        if not targets:
            return
        args = {k.encode(): v for k, v in self._args.items()}
        args[b'date'] = list(args[b'date'])
        args[b'branch'] = self._repo.dirstate.branch()
        args[b'locktimeout'] = self._owner._locktimeout
        self._pool = concurrent.futures.ThreadPoolExecutor(len(targets))
        self._futures = [
            (hr, self._pool.submit(
                conn.call, b'smreplay', args, payload=_feed(self._repo, self._files)
            ))
            for hr, conn in targets
        ]

    def __exit__(self, exctype, exc, tb):
        if self._pool is None:
            return False
        for hr, future in self._futures:
            try:
                self._owner._replies[id(hr)] = future.result()
            except Exception as inst:
                self._owner._replies[id(hr)] = inst
        self._pool.shutdown()
        return False


def refusal(repo):
    """why this host cannot make the first snapshot itself, or None"""
    if len(repo.unfiltered()):
        return _(b'the repository is not empty')
    if repo.ui.configitems(b'encode') or repo.ui.configitems(b'decode'):
        return _(b'its hg filters files (encode, decode)')
    st = repo.status(unknown=True)
    if any((st.modified, st.added, st.removed, st.deleted, st.unknown)):
        return _(b'its working copy is not empty')
    return None


class _Unreadable(Exception):
    """a file the client could not read: no commit can be the client's"""


def receive(repo, args, payload):
    """host side: write the files and commit them as they arrive

    Caller holds the wlock.  ``payload`` is read only if the host takes
    part.  Returns ``replayed``, the node made and what ``smprepare`` says
    of the history; or ``refused`` with the reason (the client then
    streams).  Anything that fails before the commit is complete (which
    is the transaction's close, with the working copy's state) removes the
    files written.
    """
    why = refusal(repo)
    if why is not None:
        return {b'replayed': False, b'refused': why}
    placed = _placement(repo, payload)
    try:
        files = placed.listed()
        mctx = context.memctx(
            repo,
            (None, None),
            args[b'text'],
            files,
            placed.filectx,
            user=args[b'user'],
            date=tuple(args[b'date']),
            extra=args[b'extra'],
            branch=args[b'branch'],
        )
        with repo.lock(), repo.transaction(b'silvermirror-replay') as tr:
            node = repo.commitctx(mctx)
            placed.finish()
            placed.record(node, args[b'branch'], tr)
    except _Unreadable:
        placed.undo()
        return {b'replayed': False, b'refused': _(b'a file could not be read there')}
    except BaseException:
        placed.undo()
        raise
    workingcopy.materializedirs(repo, set(), workingcopy.recordeddirs(repo[node]))
    reply = {b'replayed': True, b'parent': hex(node), b'empty': False}
    reply.update(delivery.summary(repo))
    return reply


def _readexactly(fp, size):
    data = fp.read(size)
    if len(data) != size:
        raise error.Abort(_(b'the client stopped mid-snapshot'))
    return data


class _placedfile(context.memfilectx):
    """a file just written to the working copy

    A small one's data is kept for the commit to read once; anything else
    is read from the working copy.
    """

    def __init__(self, repo, mctx, path, flag, data):
        super().__init__(
            repo, mctx, path, data, islink=flag == LINK, isexec=flag == EXEC
        )

    def data(self):
        data, self._data = self._data, None
        if data is not None:
            return data
        if self.islink():
            return os.fsencode(os.readlink(self._repo.wvfs.join(self._path)))
        return self._repo.wvfs.read(self._path)

    def size(self):
        if self._data is not None:
            return len(self._data)
        return self._repo.wvfs.lstat(self._path).st_size


class _placement:
    """the files written into an empty working copy, and their undoing

    Every path is checked as hg's own update checks it (no ``.hg``, no
    way out of the working copy, no symlink on the way): its words with
    no look at the disk, its directories on the disk, each once.
    """

    def __init__(self, repo, payload):
        self._repo = repo
        self._payload = payload
        self._words = pathutil.pathauditor(repo.root, realfs=False)
        self._tmp = repo.vfs.join(TEMPFILE)
        self._dirs = set()
        self._flags = {}
        # the data of the small files written and not yet committed
        self._small = {}
        # (path, stat) of each file written, in order
        self._placed = []
        self._made = []
        self._done = False

    def listed(self):
        """the files the payload brings"""
        (size,) = LENGTH.unpack(_readexactly(self._payload, LENGTH.size))
        files = cborutil.decodeall(_readexactly(self._payload, size))[0]
        self._repo.vfs.makedirs(os.path.dirname(TEMPFILE))
        util.tryunlink(self._tmp)
        return files

    def filectx(self, repo, mctx, path):
        """the commit's file ``path``: written first, if it is still to come"""
        while path not in self._flags and self._next():
            pass
        flag = self._flags.get(path)
        if flag is None or flag == UNREADABLE:
            raise _Unreadable()
        return _placedfile(repo, mctx, path, flag, self._small.pop(path, None))

    def finish(self):
        """read the payload to its end: every file listed came"""
        while self._next():
            pass

    def _next(self):
        """write the next file of the payload; False at its end"""
        if self._done:
            return False
        payload = self._payload
        (length,) = LENGTH.unpack(_readexactly(payload, LENGTH.size))
        if not length:
            self._done = True
            return False
        size, flag = HEADER.unpack(
            LENGTH.pack(length) + _readexactly(payload, HEADER.size - LENGTH.size)
        )[1:]
        f = _readexactly(payload, length)
        if flag != UNREADABLE:
            self.put(payload, f, size, flag)
        self._flags[f] = flag
        return True

    def put(self, payload, f, size, flag):
        """write one file of ``size`` bytes from ``payload`` at ``f``"""
        self._words(f)
        self._makedirs(os.path.dirname(f))
        dest = self._repo.wvfs.join(f)
        if flag == LINK:
            os.symlink(_readexactly(payload, size), dest)
            st = os.lstat(dest)
        else:
            st, data = self._write(payload, size, flag == EXEC)
            self._link(dest)
            if data is not None:
                self._small[f] = data
        self._placed.append((f, st))

    def _makedirs(self, d):
        if d in self._dirs:
            return
        wvfs = self._repo.wvfs
        if d:
            self._makedirs(os.path.dirname(d))
            wvfs.audit(d)
            if not wvfs.isdir(d):
                wvfs.mkdir(d)
                self._made.append(wvfs.join(d))
        self._dirs.add(d)

    def _write(self, payload, size, executable):
        """the next file, in the temporary file: its stat, and its data if
        it is small"""
        data = None
        with open(self._tmp, 'xb') as fp:
            if size <= CHUNK:
                data = _readexactly(payload, size)
                fp.write(data)
            else:
                left = size
                while left:
                    chunk = _readexactly(payload, min(left, CHUNK))
                    fp.write(chunk)
                    left -= len(chunk)
        if executable:
            util.setflags(self._tmp, False, True)
        return os.lstat(self._tmp), data

    def _link(self, dest):
        """put the temporary file at ``dest``, which must not exist"""
        try:
            os.link(self._tmp, dest)
        except OSError as inst:
            if inst.errno == errno.EEXIST:
                raise
            # no hard links here (some disks)
            if os.path.lexists(dest):
                raise
            os.rename(self._tmp, dest)
            return
        os.unlink(self._tmp)

    def record(self, node, branch, tr):
        """the working copy is at ``node``, every file written known clean

        As hg's update records what it wrote: a file whose time is not
        safely before now is left for the next status to read.
        """
        repo = self._repo
        ds = repo.dirstate
        boundary = timestamp.get_fs_now(repo.vfs)
        with ds.changing_parents(repo):
            repo.setparents(node)
            ds.setbranch(branch, tr)
            for f, st in self._placed:
                mtime = timestamp.reliable_mtime_of(st, boundary)
                if mtime is None:
                    ds.update_file(f, wc_tracked=True, p1_tracked=True, possibly_dirty=True)
                else:
                    ds.update_file(
                        f,
                        wc_tracked=True,
                        p1_tracked=True,
                        parentfiledata=(st.st_mode, st.st_size, mtime),
                    )

    def undo(self):
        """remove what was written, unless it changed since"""
        repo = self._repo
        for f, st in reversed(self._placed):
            dest = repo.wvfs.join(f)
            try:
                now = os.lstat(dest)
            except OSError:
                continue
            if (now.st_ino, now.st_size, now.st_mtime_ns) == (
                st.st_ino,
                st.st_size,
                st.st_mtime_ns,
            ):
                util.tryunlink(dest)
        for d in reversed(self._made):
            try:
                os.rmdir(d)
            except OSError:
                pass
        util.tryunlink(self._tmp)
        repo.invalidate()
        repo.dirstate.invalidate()

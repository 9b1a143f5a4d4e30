# firstcheckout.py - an empty host gets its working copy while this node commits
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""an empty host's working copy, written from this node's files

A resource's first sync commits every file here (a revlog each), streams
the store to an empty host (``streamstore``), and the host's hg then
writes its working copy from those revlogs, opening one per file, which
costs about as much again.  Instead, a host over
ssh whose repository and working copy are both empty gets the files as
they are in this working copy while this node commits them, and writes
them on its own CPU meanwhile.  For each, it computes the file node a
first revision of that content has (hg's hash of the two null parents
and the text).

Once the stream is in, the host adopts the files it wrote: if every file
of the streamed head is there, with that node and its flags, and nothing
changed since it was written, the working copy is at the head and known
clean, with no update.  The same hash proves the same content.  Anything
else (a file changed here while it was sent, so the commit has another
version) and the files it wrote that nothing changed since are removed,
and hg's update writes the working copy as for any host.

Each file goes through a temporary file in ``.hg``, linked into place,
never over an existing file, and is noted in ``.hg/silvermirror/
prefilled`` once it is there.  The next preamble that finds the note
(the run was interrupted before the host adopted them) removes the
files it lists that nothing changed since: copies of this node's files,
which the next sync brings again.
"""

import concurrent.futures
import errno
import os
import stat
import struct

from mercurial.i18n import _
from mercurial import (
    error,
    util,
)
from mercurial.dirstateutils import timestamp
from mercurial.utils import hashutil, storageutil

from .. import (
    confine,
    hosts as hostsmod,
    state,
    wire,
)
from . import shape

# what a host that takes ``smprefill`` advertises
CAPABILITY = b'silvermirror-prefill'
COMMAND = b'smprefill'
# the payload: a frame for each file (the path's length, the data's
# length, a flag, the path, the data), then a zero length
LENGTH = struct.Struct('>I')
HEADER = struct.Struct('>IQc')
CHUNK = 1 << 20
# the flags of a frame: a plain file, an executable, a symlink, and a
# file this node could not read
PLAIN, EXEC, LINK, UNREADABLE = b'\0', b'x', b'l', b'-'
MANIFESTFLAGS = {PLAIN: b'', EXEC: b'x', LINK: b'l'}


def wanted(repo, peer, reply):
    """may ``peer``'s host, empty by its reply, be prefilled?

    Only over ssh: a local path is written on this machine anyway.
    """
    return (
        peer.local() is None
        and shape.offers(peer, CAPABILITY)
        and reply.get(b'empty', False)
    )


class feed:
    """one host's payload: the files, as they are in this working copy

    Read by the thread that talks to the host.  Reading never fails: a
    file that cannot be read goes as unreadable.  ``going()``, if given,
    is asked before each file: once it says no, the payload ends there;
    ``most`` bounds what one read returns.
    """

    def __init__(self, repo, files, going=None, most=None):
        self._repo = repo
        self._files = files
        self._going = going
        self._most = most
        self._buf = util.chunkbuffer(self._chunks())

    def read(self, size=None):
        if self._most is not None and (size is None or size > self._most):
            size = self._most
        return self._buf.read(size)

    def _chunks(self):
        for f in self._files:
            if self._going is not None and not self._going():
                break
            yield from _frame(self._repo.wvfs.join(f), f)
        yield LENGTH.pack(0)


def _frame(path, f):
    """a file as it is in the working copy, as the commit reads it

    Exactly the size first seen is sent: a file changed meanwhile has
    another node in the commit, which is all it takes.
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


def send(reached, locktimeout):
    """the context the first snapshot's ``record`` runs in (``alongside``)"""
    return alongside(reached, locktimeout)


class alongside:
    """the empty hosts that get their working copy while this node commits

    ``reached()`` gives the hosts reached so far, as (hostresult,
    connection, reply of ``smprepare``).  The snapshot's ``record`` runs
    inside ``alongside(repo, files)``; ``taken(ui, hr)`` then takes in each
    host's answer.
    """

    def __init__(self, reached, locktimeout):
        self._reached = reached
        self._locktimeout = locktimeout
        self._replies = {}
        self._pool = None

    def __call__(self, repo, files):
        targets = [
            (hr, conn)
            for hr, conn, reply in self._reached()
            if wanted(repo, conn.peer, reply)
        ]
        if targets:
            args = {b'locktimeout': self._locktimeout}
            files = sorted(files)
            self._pool = concurrent.futures.ThreadPoolExecutor(len(targets))
            self._futures = [
                (hr, self._pool.submit(
                    conn.call, COMMAND, args, payload=feed(repo, files)
                ))
                for hr, conn in targets
            ]
        return self

    def __enter__(self):
        return self

    def __exit__(self, exctype, exc, tb):
        if self._pool is None:
            return False
        for hr, future in self._futures:
            try:
                self._replies[id(hr)] = future.result()
            except Exception as inst:
                self._replies[id(hr)] = inst
        self._pool.shutdown()
        self._pool = None
        return False

    def taken(self, ui, hr):
        """take in a host's answer to getting this node's files

        A host that wrote them adopts them after the stream.  One that
        refused or gave up gets its working copy from hg's update, as any
        host.
        """
        answer = self._replies.get(id(hr))
        if answer is None:
            return
        if isinstance(answer, dict) and answer.get(b'prefilled'):
            ui.note(
                _(b"%s: %s: wrote this node's %d files there\n")
                % (hr.resource, hr.host, answer[b'files'])
            )
            return
        if isinstance(answer, wire.HostError):
            answer = answer.message
        elif isinstance(answer, hostsmod.ERRORS):
            # the connection broke mid-payload: in no state to go on
            hr.failed(answer)
            return
        elif not isinstance(answer, dict):
            raise answer
        else:
            answer = answer.get(b'refused', b'')
        ui.note(_(b'%s: %s: not prefilled: %s\n') % (hr.resource, hr.host, answer))


def refusal(repo):
    """why this host cannot be prefilled, or None"""
    if len(repo.unfiltered()):
        return _(b'the repository is not empty')
    if filters(repo):
        return _(b'its hg filters files (encode, decode)')
    if repo.vfs.exists(state.PREFILLED):
        return _(b'it was prefilled already')
    st = repo.status(unknown=True)
    if any((st.modified, st.added, st.removed, st.deleted, st.unknown)):
        return _(b'its working copy is not empty')
    return None


def filters(repo):
    """does ``repo``'s hg filter files between store and working copy?
    Then a working copy's file is not the text its revision hashes."""
    return bool(repo.ui.configitems(b'encode') or repo.ui.configitems(b'decode'))


def receive(repo, args, payload):
    """host side: write the files of ``payload`` into the working copy

    Caller holds the wlock.  ``payload`` is read only if the host takes
    them.  Returns ``prefilled`` and how many files, or ``refused`` with
    the reason.  A failure removes what was written.
    """
    why = refusal(repo)
    if why is not None:
        return {b'prefilled': False, b'refused': why}
    placed = _placement(repo, payload)
    try:
        count = placed.take()
    except BaseException:
        placed.undo()
        raise
    return {b'prefilled': True, b'files': count}


def readexactly(fp, size):
    data = fp.read(size)
    if len(data) != size:
        raise error.Abort(_(b'the client stopped mid-payload'))
    return data


def frames(payload):
    """(path, size, flag) of each file of ``payload`` (``feed``)

    The caller reads the file's ``size`` bytes before the next.
    """
    while True:
        (length,) = LENGTH.unpack(readexactly(payload, LENGTH.size))
        if not length:
            return
        size, flag = HEADER.unpack(
            LENGTH.pack(length) + readexactly(payload, HEADER.size - LENGTH.size)
        )[1:]
        yield readexactly(payload, length), size, flag


class _placement:
    """the files written into an empty working copy, and their undoing

    Every path is checked as hg's own update checks it, on the disk (no
    ``.hg``, no way out of the working copy, no symlink on the way, with
    the links this payload wrote itself counting), before its directories
    are made; each file is created where nothing is, so a link at its
    own name is never written through.
    """

    def __init__(self, repo, payload):
        self._repo = repo
        self._payload = payload
        self._audit = confine.auditor(repo)
        self._tmp = repo.vfs.join(state.PREFILLTMP)
        self._dirs = set()
        self._made = []
        self._note = None

    def take(self):
        """write every file of the payload; how many there were"""
        repo, payload = self._repo, self._payload
        util.tryunlink(self._tmp)
        count = 0
        with state.openjournal(repo, state.PREFILLED) as self._note:
            for f, size, flag in frames(payload):
                if flag == UNREADABLE:
                    raise error.Abort(_(b'%s could not be read there') % f)
                self.put(f, size, flag)
                count += 1
        return count

    def put(self, f, size, flag):
        """write one file of ``size`` bytes from the payload at ``f``"""
        confine.checkpath(self._repo, f, self._audit)
        self._makedirs(os.path.dirname(f))
        dest = self._repo.wvfs.join(f)
        if flag == LINK:
            target = readexactly(self._payload, size)
            node = revnode(self._repo, [target])
            os.symlink(target, dest)
        else:
            node = self._write(size, flag == EXEC)
            self._link(dest)
        st = os.lstat(dest)
        state.append(self._note, [f, flag, node, st.st_ino, st.st_size, st.st_mtime_ns])
        self._note.flush()

    def _makedirs(self, d):
        if d in self._dirs:
            return
        wvfs = self._repo.wvfs
        if d:
            self._makedirs(os.path.dirname(d))
            # the file's audit found no link up to here
            if not wvfs.isdir(d):
                wvfs.mkdir(d)
                self._made.append(wvfs.join(d))
        self._dirs.add(d)

    def _write(self, size, executable):
        """the next file, in the temporary file: its first-revision node"""

        def read():
            left = size
            while left:
                chunk = readexactly(self._payload, min(left, CHUNK))
                fp.write(chunk)
                left -= len(chunk)
                yield chunk

        with open(self._tmp, 'xb') as fp:
            node = revnode(self._repo, read())
        if executable:
            util.setflags(self._tmp, False, True)
        return node

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

    def undo(self):
        """remove what was written, unless it changed since"""
        if self._note is not None and not self._note.closed:
            self._note.close()
        _remove(self._repo, state.records(self._repo, state.PREFILLED))
        for d in reversed(self._made):
            try:
                os.rmdir(d)
            except OSError:
                pass


def revnode(repo, chunks, p1=None):
    """the node of a file's revision with this content and parent ``p1``
    (a first revision without: both parents null), without copy data

    hg's hash of a revision (``storageutil.hashrevisionsha1``: its
    parents, the lesser first, then its text), over the chunks as they
    come; a filelog escapes a text that begins as metadata would with
    empty metadata (``storageutil.packmeta``).
    """
    p1 = p1 or repo.nullid
    s = hashutil.sha1(min(p1, repo.nullid) + max(p1, repo.nullid))
    first = True
    for chunk in chunks:
        if first and chunk.startswith(b'\1\n'):
            s.update(storageutil.packmeta({}, b''))
        first = False
        s.update(chunk)
    return s.digest()


def _unchanged(repo, record):
    """the stat of a file written here, if nothing changed it since"""
    f, _flag, _node, ino, size, mtime = record
    try:
        st = repo.wvfs.lstat(f)
    except OSError:
        return None
    return st if (st.st_ino, st.st_size, st.st_mtime_ns) == (ino, size, mtime) else None


def _remove(repo, records):
    """remove the files written here that nothing changed since, the
    directories that leaves empty, and the note"""
    for record in records:
        if _unchanged(repo, record) is not None:
            repo.wvfs.unlinkpath(record[0], ignoremissing=True)
    util.tryunlink(repo.vfs.join(state.PREFILLTMP))
    repo.vfs.unlinkpath(state.PREFILLED, ignoremissing=True)


def pending(repo):
    """were files written here that are not adopted yet?"""
    return repo.vfs.exists(state.PREFILLED)


def adopt(repo, node):
    """the files written here are ``node``'s: the working copy is there

    Caller holds the wlock.  True if they were adopted; otherwise (the
    working copy has a parent, or no file was written here) the files are
    removed, and the caller updates as usual.
    """
    records = state.records(repo, state.PREFILLED)
    if not records or repo.dirstate.p1() != repo.nullid:
        _remove(repo, records)
        return False
    ctx = repo[node]
    mf = ctx.manifest()
    stats = {}
    if len(records) == len(mf):
        for record in records:
            f, flag, filenode = record[:3]
            st = _unchanged(repo, record)
            if st is None or mf.get(f) != filenode or mf.flags(f) != MANIFESTFLAGS[flag]:
                break
            stats[f] = st
    if len(stats) != len(mf):
        _remove(repo, records)
        return False
    ds = repo.dirstate
    boundary = timestamp.get_fs_now(repo.vfs)
    # as hg's update records the files it wrote
    with ds.changing_parents(repo):
        repo.setparents(node)
        ds.setbranch(ctx.branch(), None)
        for f, st in stats.items():
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
    repo.vfs.unlinkpath(state.PREFILLED)
    return True


def recover(repo):
    """remove the files of a prefill that was never adopted

    Caller holds the wlock.  Returns the messages of what was repaired.
    """
    records = state.records(repo, state.PREFILLED)
    if not repo.vfs.exists(state.PREFILLED):
        return []
    _remove(repo, records)
    if not records:
        return []
    return [_(b'removed the copies of an interrupted first sync')]

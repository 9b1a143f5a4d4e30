# bigcopy.py - a big file's content moved in as few passes as it needs
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""how a big file's content is copied, hashed and sent

hg's ``largefiles`` reads a new content once to hash it and once more
to copy it into the store, in Python; a host reads what it received
again to check its hash; a push over ssh goes out in frames of 4 KiB,
one poll of the pipes and two writes each (a quarter of a million for a
gigabyte).  The wrappers here (``install``) do with fewer passes:

- a commit copies a largefile into the store and hashes the copy
  (``_updatestandin``), so the store holds exactly what the standin
  names, even if the file changes meanwhile; so does largefiles' own
  copy of a committed file missing there (``_copytostoreabsolute``);
- a host hashes what it receives as it writes it (``_putlfile``);
- a push over ssh sends frames of ``wire.FRAME`` (``_put``), as every
  payload of SilverMirror's own commands goes;
- the working copy's file is written from the store (``_copyfromcache``)
  and read back to check it, as hg checks it, unless this process
  checked that store file as it wrote it (``checked``: a host's update
  right after the push that brought the content), or renamed into place
  where this process wrote it as the content arrived (``bigplace``).

A copy is a copy-on-write clone where the file system makes one (XFS,
Btrfs: the store and the working copy share blocks), else the kernel's
``copy_file_range``, the content never passing through Python, else
chunks.  A content enters the store under a temporary name and is
renamed to its hash once checked, so a kill leaves no partial content
under a hash.
"""

import errno
import fcntl
import os
import queue
import re
import threading
import time

from mercurial.i18n import _
from mercurial import (
    encoding,
    extensions,
    pycompat,
    util,
    wireprotov1server,
)
from mercurial.node import hex
from mercurial.utils import hashutil

from . import bigplace, compat, confine, dropbehind, wire
from .collision import Collision, refusing

# chunks of a copy through Python; larger writes to a file cost the kernel
# more here
CHUNK = util.DEFAULT_FILE_CHUNK
# how much a commit's copy writes before the hash that follows it reads on
STEP = 64 << 20
# reads to hash: larger than hg's chunks, fewer calls for the same bytes
# (docs/performance.md)
READ = 1 << 20
# the received frames waiting for their write (``wire.FRAME`` each): a few
# MiB of memory
TAKEAHEAD = 8
# linux/fs.h: _IOW(0x94, 9, int)
FICLONE = 0x40049409
# what says a file system or kernel cannot clone or copy in place
_UNSUPPORTED = (errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS)


def _lf():
    from hgext.largefiles import lfutil, wirestore

    return lfutil, wirestore


def clone(src, dst):
    """make the open file ``dst`` share ``src``'s blocks; False where the
    file system cannot (then ``dst`` is left empty)"""
    try:
        fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
    except OSError as inst:
        if inst.errno in _UNSUPPORTED:
            return False
        raise
    return True


def copy(src, dst):
    """copy the open file ``src`` into the empty ``dst``

    A clone where the file system makes one; else the kernel copies
    (``copy_file_range``), without the file passing through this process;
    else chunks are read and written."""
    if clone(src, dst):
        return
    first = True
    try:
        while os.copy_file_range(src.fileno(), dst.fileno(), 1 << 30):
            first = False
    except OSError as inst:
        if not first or inst.errno not in _UNSUPPORTED:
            raise
        for chunk in util.filechunkiter(src):
            dst.write(chunk)


def copyrange(src, dst, start, end):
    """copy bytes ``start`` to ``end`` of the open file ``src`` to the same
    place in ``dst``, by the kernel where it can"""
    while start < end:
        try:
            done = os.copy_file_range(src.fileno(), dst.fileno(), end - start, start, start)
        except OSError as inst:
            if inst.errno not in _UNSUPPORTED:
                raise
            done = os.pwrite(dst.fileno(), os.pread(src.fileno(), min(end - start, CHUNK), start), start)
        if not done:
            return
        start += done


def hashfile(path):
    """the sha1 (hex) of the file ``path``, as largefiles' ``hashfile``"""
    hasher = hashutil.sha1()
    with open(path, 'rb') as fp, refusing():
        for chunk in util.filechunkiter(fp, READ):
            hasher.update(chunk)
        return hex(hasher.digest())


def copyhash(src, path):
    """copy the open file ``src`` to the new file ``path``; the sha1 (hex)
    of what ``path`` holds, read back as it is written

    The kernel copies in steps (``STEP``) in a thread while this one
    hashes what each step wrote: the hash costs about the copy's time,
    not its own after it."""
    with open(path, 'wb') as dst:
        if clone(src, dst):
            return hashfile(path)
        steps, stop = queue.Queue(), threading.Event()
        worker = threading.Thread(target=_copysteps, args=(src, dst, steps, stop), daemon=True)
        worker.start()
        try:
            hasher = hashutil.sha1()
            with open(path, 'rb') as written, refusing():
                for end in iter(steps.get, None):
                    if isinstance(end, BaseException):
                        raise end
                    while written.tell() < end:
                        data = written.read(min(READ, end - written.tell()))
                        if not data:
                            break
                        hasher.update(data)
                    dropbehind.drop(written.fileno(), written.tell() - dropbehind.LAG)
                return hex(hasher.digest())
        finally:
            # an interrupted hash stops the copy at its next step
            stop.set()
            worker.join()


def _copysteps(src, dst, steps, stop):
    """copy ``src`` to ``dst`` (``copy``'s ways), putting in ``steps``
    how far ``dst`` is written after each step, then None (or the error);
    until ``stop`` is set"""
    try:
        first = True
        try:
            while not stop.is_set() and os.copy_file_range(src.fileno(), dst.fileno(), STEP):
                first = False
                steps.put(os.lseek(dst.fileno(), 0, os.SEEK_CUR))
        except OSError as inst:
            if not first or inst.errno not in _UNSUPPORTED:
                raise
            for chunk in util.filechunkiter(src):
                dst.write(chunk)
            dst.flush()
            steps.put(dst.tell())
        steps.put(None)
    except BaseException as inst:
        steps.put(inst)


def tempfile(repo):
    """(fd, path) of a new temporary file in ``repo``'s store

    Its name holds this process's id, so that ``sweep`` can tell a file
    whose writer died from one being written."""
    storedir = _lf()[0].storepath(repo, b'')
    util.makedirs(storedir)
    return pycompat.mkstemp(prefix=b'.new-%d-' % os.getpid(), suffix=b'~', dir=storedir)


def enter(repo, tmp, h):
    """rename the checked temporary file ``tmp`` to the content ``h`` of
    ``repo``'s store, with the store's file mode"""
    lfutil = _lf()[0]
    mode = repo.store.createmode
    os.chmod(tmp, 0o666 & ~util.umask if mode is None else mode & 0o666)
    path = lfutil.storepath(repo, h)
    util.rename(tmp, path)
    lfutil.linktousercache(repo, h)
    # after the link, which changes the file's change time
    checked(path, h)


def store(repo, path, expected=None):
    """copy the file ``path`` into ``repo``'s store; its hash

    The copy is hashed once made and renamed to that hash: the store
    holds exactly the content the standin names, even if the file changes
    meanwhile.  A content already there (or in hg's per-user cache) is
    linked, the copy dropped.  With ``expected``, a copy of any other
    content is dropped too, and the answer is None."""
    lfutil = _lf()[0]
    fd, tmp = tempfile(repo)
    os.close(fd)
    try:
        with open(path, 'rb') as src:
            h = copyhash(src, tmp)
        if expected is not None and h != expected:
            os.unlink(tmp)
            return None
        if lfutil.findfile(repo, h):
            os.unlink(tmp)
            return h
        enter(repo, tmp, h)
    except BaseException:
        util.tryunlink(tmp)
        raise
    return h


def _updatestandin(orig, repo, lfile, standin):
    """a commit's hash of a largefile, made while it is stored"""
    lfutil = _lf()[0]
    if not repo.wvfs.isfile(lfile) or repo.wvfs.islink(lfile):
        return orig(repo, lfile, standin)
    path = repo.wjoin(lfile)
    try:
        h = store(repo, path)
    except Collision:
        raise Collision(lfile) from None
    lfutil.writestandin(repo, standin, h, lfutil.getexecutable(path))


def _hashfile(orig, file):
    """largefiles' hash of a file: none for a content hg refuses to hash,
    as for a missing file (its status calls the file modified, and the
    commit leaves it out: ``Collision``)"""
    try:
        with refusing():
            return orig(file)
    except Collision:
        return b''


def _copytostoreabsolute(orig, repo, file, hash):
    """largefiles' copy of a working-copy file into the store, under the
    hash its standin names (a commit's, for a content not there): kept
    only if the file holds that content"""
    if _lf()[0].inusercache(repo.ui, hash):
        return orig(repo, file, hash)
    if store(repo, file, expected=hash) is None:
        repo.ui.warn(_(b'%s: changed since it was recorded, not stored\n') % file)


# {hash: stat key} of the store files this process checked as it wrote
# them: a copy of one made by the kernel is not read again
_checked = {}


def checked(path, hash):
    """``path`` in the store was just checked to hold ``hash``"""
    _checked[hash] = bigplace.statkey(path)


def _copyfromcache(orig, repo, hash, filename):
    """write a largefile of the working copy from the store, copied by
    the kernel (or cloned), and read back to check it against its hash
    unless this process checked that store file as it wrote it"""
    lfutil = _lf()[0]
    path = lfutil.findfile(repo, hash)
    if path is None:
        return False
    wvfs = repo.wvfs
    # hg's audit of the path before anything is made on it (a rename is
    # no vfs write, and the directories are made first)
    wvfs.audit(filename)
    wvfs.makedirs(wvfs.dirname(wvfs.join(filename)))
    if bigplace.put(hash, wvfs.join(filename), 0o666 & ~util.umask):
        repo.ui.log(b'silvermirror', b'big file %s placed as it arrived\n', hash)
        return True
    # as hg's: written in place, unlinked if it does not match
    with open(path, 'rb') as srcfd, wvfs(filename, b'wb') as destfd:
        trusted = _checked.get(hash) == bigplace.statkey(path)
        copy(srcfd, destfd)
    if trusted:
        return True
    gothash = hashfile(wvfs.join(filename))
    if gothash != hash:
        repo.ui.warn(
            _(b'%s: data corruption in %s with hash %s\n') % (filename, path, gothash)
        )
        wvfs.unlink(filename)
        return False
    return True


def _put(orig, self, hash, fd):
    """an upload over ssh, in frames of ``wire.FRAME``"""
    return orig(self, hash, wire.framed(self.remote, fd))


def _putlfile(orig, repo, proto, sha):
    """a host's ``putlfile``: ``_receive`` in place of hg's, under the
    checks of ``confine`` (a hash, a host that may be changed, a full
    disk's error answered)"""
    return confine.putlfile(_receive, repo, proto, sha)


def _receive(repo, proto, sha):
    """hg's putlfile, but what it receives is hashed as it is written
    (``keep``); ``confine`` answers ``confine.Unstored`` with the reason"""
    from mercurial import wireprototypes

    with proto.mayberedirectstdio() as output:
        _h, size = keep(repo, proto.getpayload(), sha=sha)
        repo.ui.log(b'silvermirror', b'big file %s received whole: %d bytes\n', sha, size)
    return wireprototypes.pushres(0, output.getvalue() if output else b'')


def keep(repo, chunks, sha=None, size=None, beside=None):
    """store what ``chunks`` give in ``repo``'s store under its SHA-1:
    (that SHA-1, its size)

    Every chunk is read whatever happens, so a connection stays in step.
    A content that cannot be stored (a full disk, a collision attack), or
    is not the ``sha`` or ``size`` announced, raises ``confine.Unstored``
    with the reason and leaves nothing behind.  ``beside``: a
    ``bigplace.Beside`` that gets a copy for the working copy."""
    fd, tmp = tempfile(repo)
    try:
        fp = os.fdopen(fd, 'wb')
        store = dropbehind.writer(fp)
        got, n, failed = take(chunks, beside(store) if beside else store)
        try:
            fp.close()
        except OSError as inst:
            failed = failed or inst
        if isinstance(failed, Collision):
            raise confine.Unstored(Collision.REASON)
        if failed is not None:
            raise confine.Unstored(encoding.strtolocal(failed.strerror or str(failed)))
        if sha is not None and got != sha:
            raise confine.Unstored(_(b'largefile contents do not match hash'))
        if size is not None and n != size:
            raise confine.Unstored(_(b'%d bytes of %d announced') % (n, size))
        enter(repo, tmp, got)
        if beside:
            beside.keep(got)
    finally:
        util.tryunlink(tmp)
        if beside:
            beside.drop()
    return got, n


def take(chunks, fp):
    """write ``chunks`` to the new file ``fp``, hashing them: (sha1 hex,
    size, the ``OSError`` or ``Collision`` that stopped the writes, or
    None), all read; the caller's close may fail too

    The writes run in a thread (``_writes``), which a write lets this one
    go on meanwhile: the kernel's part of a write (finding pages for it)
    overlaps the reading and hashing of what follows."""
    hasher = hashutil.sha1()
    size = 0
    refused = None
    pending = queue.Queue(TAKEAHEAD)
    failed = []
    writer = threading.Thread(target=_writes, args=(pending, fp, failed), daemon=True)
    writer.start()
    try:
        for p in chunks:
            size += len(p)
            if refused is None and not failed:
                try:
                    with refusing():
                        hasher.update(p)
                except Collision as inst:
                    refused = inst
                    continue
                pending.put(p)
    finally:
        pending.put(None)
        writer.join()
    failed = failed[0] if failed else refused
    try:
        with refusing():
            return hex(hasher.digest()), size, failed
    except Collision as inst:
        return None, size, failed or inst


def _writes(pending, fp, failed):
    """write to ``fp`` what ``pending`` gives until None; the first error
    in ``failed``, after which the rest is dropped"""
    for p in iter(pending.get, None):
        if not failed:
            try:
                fp.write(p)
            except OSError as inst:
                failed.append(inst)


# a temporary file of the store whose writer died: ``.new-PID-...~``
_OURS = re.compile(br'\.new-(\d+)-.*~\Z')
# hg's own temporary files (``util.atomictempfile``) are ``.NAME-...~``
_TEMP = re.compile(br'\..*~\Z')
# a writer on another computer writes on: its file's mtime moves
DEADAGE = 300
# what no transfer lasts
OLDAGE = 86400


def sweep(repo):
    """remove the store's temporary files that no transfer writes any more

    One whose writer (by the id in its name) no longer runs and that was
    not written for ``DEADAGE`` seconds, or any not written for a day: a
    killed transfer leaves its partial content under a temporary name,
    which nothing else removes.  Returns how many were removed."""
    storedir = _lf()[0].storepath(repo, b'')
    try:
        names = os.listdir(storedir)
    except FileNotFoundError:
        return 0
    now = time.time()
    removed = 0
    for name in names:
        if not _TEMP.match(name):
            continue
        path = os.path.join(storedir, name)
        try:
            age = now - os.lstat(path).st_mtime
        except FileNotFoundError:
            continue
        ours = _OURS.match(name)
        if age > OLDAGE or ours and age > DEADAGE and not _running(int(ours.group(1))):
            util.tryunlink(path)
            removed += 1
    return removed


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        # another user's process: it runs
        pass
    return True


_installed = []


def install():
    """put the wrappers in place, once largefiles is loaded"""
    if _installed:
        return
    lfutil, wirestore = _lf()
    extensions.wrapfunction(lfutil, 'updatestandin', _updatestandin)
    extensions.wrapfunction(lfutil, 'hashfile', _hashfile)
    extensions.wrapfunction(lfutil, 'copyfromcache', _copyfromcache)
    extensions.wrapfunction(lfutil, 'copytostoreabsolute', _copytostoreabsolute)
    extensions.wrapfunction(wirestore.wirestore, compat.LFPUT, _put)
    entry = wireprotov1server.commands[b'putlfile']
    extensions.wrapfunction(entry, 'func', _putlfile)
    _installed.append(True)

# bigsettle.py - big files written in the second they were recorded
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""big files a sync wrote in the second it recorded them

largefiles' dirstate keeps mtimes in whole seconds: a big file that a
commit stored, or an update wrote, in the second of the moment taken
after gets no mtime there, and the next status hashes it again: a
gigabyte read for nothing, at the host's snapshot of the next sync.

So ``note`` keeps the stat such a file had then (size, mtime and ctime
in nanoseconds, inode), and before the next status ``settle`` records
clean each one whose stat is the same, once its mtime is in a past
second.  Any write to the file since changes its ctime: that one is
hashed as before.  The note holds only while the working copy's parent
is the one it names.
"""

from mercurial.dirstateutils import timestamp

from .. import state

NAME = state.BIGSETTLE


def _key(st):
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _lstat(repo, lfile):
    try:
        return repo.wvfs.lstat(lfile)
    except OSError:
        return None


def note(repo, lfiles, boundary):
    """note which of ``lfiles`` (just recorded clean, or not for want of
    a reliable mtime) the next status would hash; caller holds the wlock"""
    found = []
    for lfile in lfiles:
        st = _lstat(repo, lfile)
        if st is None:
            continue
        mtime = timestamp.reliable_mtime_of(st, boundary)
        if mtime is None or mtime[2]:
            found.append([lfile] + _key(st))
    if found:
        state.write(repo, NAME, [repo.dirstate.p1()] + found)
    else:
        repo.vfs.tryunlink(NAME)


def settle(repo, lfdirstate):
    """record clean the noted files whose stat is unchanged and whose
    mtime is now reliable; caller holds the wlock, in a status"""
    value = state.read(repo, NAME, list)
    if not value:
        return
    repo.vfs.tryunlink(NAME)
    if value[0] != repo.dirstate.p1():
        return
    boundary = timestamp.get_fs_now(repo.vfs)
    left = []
    for item in value[1:]:
        if not isinstance(item, list) or len(item) != 5 or not isinstance(item[0], bytes):
            continue
        lfile = item[0]
        st = _lstat(repo, lfile)
        if st is None or _key(st) != item[1:] or not lfdirstate.get_entry(lfile).tracked:
            continue
        mtime = timestamp.reliable_mtime_of(st, boundary)
        if mtime is None or mtime[2]:
            left.append(item)
        else:
            lfdirstate.set_clean(lfile, (st.st_mode, st.st_size, mtime))
    if left:
        state.write(repo, NAME, [value[0]] + left)

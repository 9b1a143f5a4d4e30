# bigplace.py - a host writes a big file's working copy as its content arrives
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the working copy's file of a content sent ahead, written as it arrives

A host that receives a new big file ahead of the push (``bigstage``)
writes it into its store; the update that follows the push then copies
the store's file into the working copy: a second pass over the whole
content, after the transfer, while the sync waits.  Where the file system
cannot clone (ext4), the host writes each frame it receives to a second
temporary file as well (``Beside``), while the transfer runs, and the
update renames that file into place instead of copying (``put``).

Only what this process wrote and checked: the second file gets the same
frames as the store's, whose SHA-1 the host computed, and it is used only
if nothing touched it since (its device, inode, size, mtime and change
time as they were when the content was checked).  A write that fails (a full disk)
drops the second file at once, never the store's; without room for both
copies none is made.  An unused file (the push failed, the update wrote
nothing) keeps its temporary name, ``.new-PID-...~`` in the store, and
``bigcopy.sweep`` removes it once this process is gone.
"""

import os

from mercurial import util

# room left beyond the two copies, for the rest of the sync
MARGIN = 64 << 20

# {hash: (path, stat key)} of the files this process wrote beside its store
_placed = {}


def statkey(path):
    """what changes when anything writes to ``path`` or replaces it: its
    change time too, which no ``utime`` puts back"""
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def worthwhile(storedir, size):
    """is there room in ``storedir`` for a second copy of ``size`` bytes?"""
    try:
        st = os.statvfs(storedir)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize >= 2 * size + MARGIN


class Beside:
    """writes what the store's file gets to the temporary file ``path``
    (open as ``fd``) too; ``clone(src, dst)`` tells a file system whose
    copies cost nothing, where none is made"""

    def __init__(self, fd, path, clone):
        self.path = path
        self._fp = os.fdopen(fd, 'wb')
        self._clone = clone
        self._store = None
        self._kept = False

    def __call__(self, store):
        """the file object the transfer writes to, given the store's
        (still empty)"""
        self._store = store
        try:
            with open(self.path, 'rb') as empty:
                clones = self._clone(empty, store)
        except OSError:
            clones = False
        if clones:
            # the update's copy is a clone: nothing to gain here
            self.drop()
        return self

    def write(self, data):
        self._store.write(data)
        if self._fp is not None:
            try:
                self._fp.write(data)
            except OSError:
                self.drop()

    def drop(self):
        """no copy: the file goes (unless ``keep`` noted it)"""
        if self._kept:
            return
        if self._fp is not None:
            try:
                self._fp.close()
            except OSError:
                pass
            self._fp = None
        util.tryunlink(self.path)

    def keep(self, h):
        """the store got content ``h``: note the copy for the update"""
        if self._fp is None:
            return
        try:
            self._fp.close()
        except OSError:
            self._fp = None
            self.drop()
            return
        self._fp = None
        _placed[h] = (self.path, statkey(self.path))
        self._kept = True


def put(h, dest, mode):
    """rename the copy of ``h`` written beside the store, if untouched, to
    ``dest`` with ``mode``: True, else False (then the caller copies)"""
    path, key = _placed.pop(h, (None, None))
    if path is None:
        return False
    try:
        if statkey(path) != key:
            raise OSError
        os.chmod(path, mode)
        util.rename(path, dest)
    except OSError:
        util.tryunlink(path)
        return False
    return True

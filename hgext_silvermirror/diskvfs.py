# diskvfs.py - a host's repository on a disk that may be pulled out
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""writes into a local-path host that never make its repository anew

hg's vfs makes the missing parent directories of every file it writes.
When the disk of a local-path host is pulled out mid-sync, the writes
that follow (the rest of a transaction, the update's files, the
dirstate and caches at the lock's release, SilverMirror's state files)
would make the repository's directories anew at the same path, on the
file system under the mount point: a shell of a repository (no
``requires``, no store), hidden while the disk is mounted, back each
time it is out, where the host then looks reachable.

The vfs of a host's repository here makes a missing directory only
below a directory that exists and stays in place: the working copy's
below its root, the others below ``.hg``, one ``mkdir`` at a time from
that floor down, so a floor gone (renamed away with its disk) fails the
write with ENOENT instead of making it again.
"""

import errno
import os

from mercurial import (
    pycompat,
    util,
    vfs as vfsmod,
)


def _makebelow(floor, name, mode=None, notindexed=False):
    """make directory ``name`` and its missing parents, never ``floor`` or above"""
    if os.path.isdir(name):
        return
    rel = os.path.relpath(name, floor)
    if rel == b'.' or rel.startswith(b'..'):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    path = floor
    for part in rel.split(pycompat.ossep):
        path = os.path.join(path, part)
        try:
            util.makedir(path, notindexed)
        except FileExistsError:
            continue
        if mode is not None:
            os.chmod(path, mode)


class _floored(vfsmod.vfs):
    """a vfs that makes directories only below ``self._floor``"""

    def __call__(self, path, mode=b'rb', *args, makeparentdirs=True, **kwargs):
        if makeparentdirs and mode not in (b'r', b'rb'):
            dirname = os.path.dirname(self.join(path))
            _makebelow(self._floor, dirname, self.createmode, kwargs.get('notindexed'))
        return super().__call__(path, mode, *args, makeparentdirs=False, **kwargs)

    def makedirs(self, path=None, mode=None):
        _makebelow(self._floor, self.join(path), mode)

    def prepare_streamed_file(self, path, known_directories):
        dirname = os.path.dirname(self.join(path))
        if dirname not in known_directories:
            _makebelow(self._floor, dirname, self.createmode, True)
            known_directories.add(dirname)
        return super().prepare_streamed_file(path, known_directories)

    def symlink(self, src, dst):
        _makebelow(self._floor, os.path.dirname(self.join(dst)), self.createmode)
        return super().symlink(src, dst)


_classes = {}


def guard(repo):
    """make the vfs of ``repo`` (a local-path host's) keep to its floors"""
    repo = repo.unfiltered()
    found = list(vars(repo).values()) + list(vars(repo.store).values())
    found += [getattr(v, 'vfs', None) for v in found]
    seen = set()
    for v in found:
        if not isinstance(v, vfsmod.vfs) or id(v) in seen or isinstance(v, _floored):
            continue
        seen.add(id(v))
        cls = type(v)
        if cls not in _classes:
            _classes[cls] = type('floored' + cls.__name__, (_floored, cls), {})
        v.__class__ = _classes[cls]
        v._floor = repo.root if v.base == repo.root else repo.path
    return repo

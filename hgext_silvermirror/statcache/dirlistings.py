# dirlistings.py - the working copy's directories, listed only when they change
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""what each directory of a working copy holds, re-read only if it changed

Empty directories are not tracked by hg, so every snapshot has to find
them; listing every directory costs as much as hg's own status walk,
and with fsmonitor it would be the only walk left.  A directory's entries change only with its
mtime and ctime, so ``.hg/silvermirror/dirs`` keeps, for each directory,
its inode and times, whether it has entries, whether it holds another
version control system's marker, and its subdirectories; a snapshot then
costs one ``lstat`` per directory and a listing of those that changed.

As for hg's dirstate, a directory changed at or after the moment taken
before the walk is not kept, since a change in the same clock tick would
not show in its times.
"""

import os

from mercurial.dirstateutils import timestamp

from .. import state

# flags of an entry
NONEMPTY = 1
MARKED = 2


class listing:
    """what one directory holds: ``flags`` and its subdirectories' names"""

    __slots__ = ('key', 'flags', 'subdirs')

    def __init__(self, key, flags, subdirs):
        self.key = key
        self.flags = flags
        self.subdirs = subdirs


def _key(st):
    return b'%d %d %d' % (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)


def _settled(st, boundary):
    """were both times of ``st`` before ``boundary``, beyond a doubt?"""
    for ns in (st.st_mtime_ns, st.st_ctime_ns):
        t = timestamp.timestamp((ns // 10**9, ns % 10**9, False))
        if timestamp.make_mtime_reliable(t, boundary) is None:
            return False
    return True


def read(repo):
    """the cache as ``{relative path: listing}`` (the root is ``b''``)"""
    fields = state.readraw(repo, state.DIRS).split(b'\0')
    cache = {}
    i = 0
    try:
        while i + 2 < len(fields):
            rel, key, flags = fields[i : i + 3]
            end = fields.index(b'', i + 3)
            cache[b'' if rel == b'.' else rel] = listing(
                key, int(flags), fields[i + 3 : end]
            )
            i = end + 1
    except ValueError:
        # a damaged file: list everything again
        return {}
    return cache


def write(repo, cache):
    """store ``cache``; caller holds the wlock"""
    fields = []
    for rel in sorted(cache):
        entry = cache[rel]
        fields.append(rel or b'.')
        fields.append(entry.key)
        fields.append(b'%d' % entry.flags)
        fields.extend(entry.subdirs)
        fields.append(b'')
    state.writeraw(repo, state.DIRS, b'\0'.join(fields))


def walk(repo, markers, visit, keep=True):
    """call ``visit(relative path, listing)`` for each directory, root first

    ``visit`` returns the names of the subdirectories to go into;
    ``markers`` are the names that set ``MARKED``.  With ``keep``, what
    was listed goes back to the cache (caller holds the wlock).
    """
    old = read(repo)
    new = {}
    # a read-only look (mirror-status) writes nothing, not even hg's probe
    boundary = timestamp.get_fs_now(repo.vfs) if keep else None
    stack = [b'']
    while stack:
        rel = stack.pop()
        path = repo.wjoin(rel) if rel else repo.root
        try:
            st = os.lstat(path)
            key = _key(st)
            entry = old.get(rel)
            if entry is None or entry.key != key:
                entry = _list(path, key, markers)
        except OSError:
            continue
        if keep and _settled(st, boundary):
            new[rel] = entry
        for sub in visit(rel, entry):
            stack.append(rel + b'/' + sub if rel else sub)
    if keep and _changed(old, new):
        write(repo, new)


def _list(path, key, markers):
    entries = list(os.scandir(path))
    flags = NONEMPTY if entries else 0
    if any(e.name in markers for e in entries):
        flags |= MARKED
    subdirs = [
        e.name
        for e in entries
        if e.name != b'.hg' and e.is_dir(follow_symlinks=False)
    ]
    return listing(key, flags, subdirs)


def _changed(old, new):
    if old.keys() != new.keys():
        return True
    return any(old[rel].key != entry.key for rel, entry in new.items())

# state.py - every file SilverMirror keeps under .hg/silvermirror
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the files under ``.hg/silvermirror``: their names, format and helpers

A file holds one CBOR value (``mercurial.utils.cborutil``, as the wire
does), written whole through ``write``: a reader sees the old file or the
new one, never a part, so a run interrupted anywhere leaves every file
readable.  ``read`` takes the kind of value expected; anything else (a
damaged file, or one in the format an earlier version wrote) is None, or
what ``legacy`` makes of it where an interrupted run of that version must
still be finished.

The files, what each holds and the module that writes it:

``INTERRUPTED``
    an update or merge of a sync in progress, for the next preamble:
    [kind, target hex, origin hex] (recovery)
``SEEDING``
    a stream into an empty store in progress: {requirements, heads} (seed)
``PREFILLED``, ``PREFILLTMP``
    the files an empty host wrote before their commit, and the one being
    written before it is linked into place (prefill)
``TALKING``
    the wlock's content while the sync holding it talks to hosts (locks)
``NESTED``
    nested checkouts found by earlier snapshots: [path] (workingcopy)
``CHECKED``
    where the last look for newly excluded tracked files ended:
    [changeset hex, key of the exclusions] (workingcopy)
``IGNORE``
    the resource's ignore patterns (workingcopy)
``DIRS``, ``RECHECK``
    each directory's listing, and the files written in the second they
    were recorded (statcache)
``ORIG``
    a directory: hg's backups of the files a sync merge overwrote
``BIGFILES``
    the hgrc text enabling largefiles with the resource's threshold,
    included by ``.hg/hgrc`` (bigfiles)
``BIGFETCHED``
    how far the contents of pulled largefiles were fetched:
    [changeset count, its last changeset's hex] (bigfiles)
``BIGSETTLE``
    the big files written in the second they were recorded: [parent
    node, [path, size, mtime ns, ctime ns, inode]...] (statcache)
``CREATED``
    True: a host's repository made by a sync's first contact, until a
    sync reports it (hostrepo)

Four files keep another format, for a reason each:

- ``IGNORE`` is in hgignore syntax: hg reads it itself
  (``ui.ignore.silvermirror``);
- ``BIGFILES`` is in hgrc syntax: hg reads it itself (``%include``);
- ``DIRS`` and ``RECHECK`` (``statcache``) are fields separated by NUL,
  written and read by their modules through ``writeraw``/``readraw``:
  every snapshot reads them, and cborutil decodes in pure Python, far
  slower than a split of one byte string;
- ``PREFILLED`` is a journal: a CBOR record appended per file written,
  each after a length (``append``/``records``), since rewriting it whole
  for each of thousands of files would cost their square.
"""

import struct

from mercurial.utils import cborutil

DIR = b'silvermirror'

# one CBOR value each, through ``write`` and ``read``
INTERRUPTED = b'silvermirror/interrupted'
SEEDING = b'silvermirror/seeding'
TALKING = b'silvermirror/talking'
NESTED = b'silvermirror/nested'
CHECKED = b'silvermirror/checked'
# another format, each for its reason above
PREFILLED, PREFILLTMP = b'silvermirror/prefilled', b'silvermirror/prefill.tmp'
IGNORE = b'silvermirror/ignore'
DIRS, RECHECK = b'silvermirror/dirs', b'silvermirror/recheck'
BIGFETCHED = b'silvermirror/bigfetched'
BIGSETTLE = b'silvermirror/bigsettle'
CREATED = b'silvermirror/created'
BIGFILES = b'silvermirror/bigfiles.rc'
# a directory that hg fills
ORIG = b'silvermirror/orig'

# what a damaged CBOR file raises in cborutil
_DAMAGED = (cborutil.CBORDecodeError, ValueError, TypeError, OverflowError)
# a journal record's length
_LENGTH = struct.Struct('>I')


def encode(value):
    return b''.join(cborutil.streamencode(value))


def decode(data, kind):
    """the one value of type ``kind`` in ``data``, else None"""
    try:
        values = cborutil.decodeall(data)
    except _DAMAGED:
        return None
    if len(values) == 1 and isinstance(values[0], kind):
        return values[0]
    return None


def writeraw(repo, name, data, makedirs=True):
    """replace ``name`` with ``data`` at once (atomictemp: a rename)

    Without ``makedirs``, a ``.hg/silvermirror`` that went away (a disk
    unplugged under a resource) is not made again.
    """
    if makedirs:
        repo.vfs.makedirs(DIR)
    repo.vfs.write(name, data, atomictemp=True, makeparentdirs=makedirs)


def readraw(repo, name):
    """``name``'s bytes, empty if it is missing"""
    return repo.vfs.tryread(name)


def write(repo, name, value, makedirs=True):
    """store ``value`` as ``name``, whole or not at all"""
    writeraw(repo, name, encode(value), makedirs)


def read(repo, name, kind, legacy=None):
    """``name``'s value if it is a ``kind``; None if the file is missing

    A file that holds no such value gives ``legacy(data)`` with
    ``legacy``, else None.
    """
    data = repo.vfs.tryread(name)
    if not data:
        return None
    value = decode(data, kind)
    if value is None and legacy is not None:
        return legacy(data)
    return value


def exists(repo, name):
    return repo.vfs.exists(name)


def remove(repo, name):
    repo.vfs.unlinkpath(name, ignoremissing=True)


def openjournal(repo, name):
    """``name`` emptied and open for ``append``"""
    repo.vfs.makedirs(DIR)
    return repo.vfs(name, b'wb')


def append(fp, value):
    """add one record to a journal open for writing"""
    data = encode(value)
    fp.write(_LENGTH.pack(len(data)) + data)


def records(repo, name):
    """a journal's records, up to its last complete one"""
    data = repo.vfs.tryread(name)
    out, pos = [], 0
    while pos + _LENGTH.size <= len(data):
        (size,) = _LENGTH.unpack_from(data, pos)
        pos += _LENGTH.size
        if pos + size > len(data):
            break
        out.append(cborutil.decodeall(data[pos : pos + size])[0])
        pos += size
    return out

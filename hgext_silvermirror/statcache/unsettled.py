# unsettled.py - check the files hg would read again, without the whole manifest
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the files a sync wrote in the second it recorded them

hg's dirstate (v1) keeps mtimes in whole seconds, so a file that an update
wrote, or a commit recorded, in the current second gets no mtime: the next
status compares it with the parent's version, and to find that version hg
reads the parent's whole manifest, then writes the dirstate, which the
same process parses again at its next lock: in a large tree that costs as
much again as the rest of the host's part of a sync.

So the commit and the update note those files, with the file node each
has in the new parent (``.hg/silvermirror/recheck``), and before its status
the next snapshot compares each with that node itself, as hg's look-up
would, and records the clean ones.  The note holds only while the working
copy's parent is the one it names; it is read once and removed.

Most notes carry a proof that spares the look-up its reads.  A file the
commit recorded has, in hg's dirstate entry, an mtime in nanoseconds that
precedes the moment taken before the commit read it.  A later write gives
the file a later mtime, but ``utime`` can put the old one back, so the
proof also asks for a change time (set by every write and every
``utime``, and never set back) no later than that mtime: then the same
size and mode show the recorded content (a v1 dirstate cannot keep
nanoseconds).  A file the update wrote has no mtime (hg drops it within
the second), but the update's guard knows the SHA-1 of the text it
wrote: the file is read and hashed, without the revlog.  Without a
proof, or when it does not hold, the file is compared with its file
node as before.

``untouched`` is the same rule for any entry recorded clean: what the
update's write guard and the checks of big files trust without reading.
"""

import hashlib

from mercurial import node as nodemod
from mercurial.dirstateutils import timestamp

# the flags of an entry's v2 data, which every implementation gives
from mercurial.pure import parsers

from .. import state

# past this many files the next status's one read of the manifest costs
# less than a look-up of each file node
MAXFILES = 1000

_MTIMEBITS = parsers.DIRSTATE_V2_HAS_MTIME | parsers.DIRSTATE_V2_MTIME_SECOND_AMBIGUOUS
# the first field of a note: its format, then the parent
_FORMAT = b'2:'


def _unsettled(entry):
    """is ``entry`` tracked, believed clean, but without a usable mtime?"""
    if not (entry.tracked and entry.p1_tracked and entry.maybe_clean):
        return False
    return bool((entry.v2_data()[0] & _MTIMEBITS) ^ parsers.DIRSTATE_V2_HAS_MTIME)


def note(repo, ctx, files, written=None):
    """note which of ``files`` (committed to, or updated to, ``ctx``) hg
    will read again; caller holds the wlock and ``ctx`` is the parent

    ``written``: {path: SHA-1 of the text an update wrote} (its guard's).
    """
    ds = repo.dirstate
    found = [(f, ds.get_entry(f)) for f in files]
    found = [(f, e) for f, e in found if _unsettled(e)]
    if not found or len(found) > MAXFILES:
        repo.vfs.tryunlink(state.RECHECK)
        return
    fields = [_FORMAT + ctx.hex()]
    written = written or {}
    for f, entry in found:
        proof = _proof(entry, written.get(f))
        fields.extend([nodemod.hex(ctx.filenode(f)), ctx.flags(f), proof, f])
    state.writeraw(repo, state.RECHECK, b'\0'.join(fields))


def _proof(entry, digest):
    """what shows, at the next snapshot, that the file still holds the
    noted version without reading it back from the store: b'' if nothing"""
    flags, size, seconds, nanos = entry.v2_data()
    if flags & _MTIMEBITS == _MTIMEBITS and entry.mode:
        # hg's entry: an mtime in nanoseconds before the commit's moment
        return b's%d:%d:%d' % (entry.mode, size, seconds * 10**9 + nanos)
    if digest is not None:
        return b'd' + nodemod.hex(digest)
    return b''


def _parse(data):
    """``(parent, [(file node, flags, proof, path)])``, or ``(None, [])``
    if damaged or of another format"""
    fields = data.split(b'\0')
    if len(fields) < 5 or (len(fields) - 1) % 4 or not fields[0].startswith(_FORMAT):
        return None, []
    try:
        return nodemod.bin(fields[0][len(_FORMAT):]), [
            (nodemod.bin(fields[i]), fields[i + 1], fields[i + 2], fields[i + 3])
            for i in range(1, len(fields), 4)
        ]
    except ValueError:
        return None, []


def settle(repo):
    """record as clean the noted files that still hold the parent's
    version; caller holds the wlock, before its status"""
    data = state.readraw(repo, state.RECHECK)
    if not data:
        return
    repo.vfs.unlink(state.RECHECK)
    parent, entries = _parse(data)
    ds = repo.dirstate
    if parent is None or ds.parents() != [parent, repo.nullid]:
        return
    wctx = repo[None]
    boundary = timestamp.get_fs_now(repo.vfs)
    with ds.running_status(repo):
        for fnode, flags, proof, f in entries:
            if not _unsettled(ds.get_entry(f)):
                continue
            try:
                if not _holds(repo, wctx, f, flags, proof) and (
                    wctx.flags(f) != flags
                    or repo.filectx(f, fileid=fnode).cmp(wctx[f])
                ):
                    continue
            except OSError:
                continue
            # as hg's look-up: the times read after the content
            recordclean(repo, f, boundary)


def _holds(repo, wctx, f, flags, proof):
    """does ``proof`` (``_proof``) show ``f`` unchanged? False: look it up"""
    if proof.startswith(b's'):
        st = repo.wvfs.lstat(f)
        mode, size, mtime = (int(v) for v in proof[1:].split(b':'))
        same = (st.st_mode, st.st_size, st.st_mtime_ns) == (mode, size, mtime)
        return same and st.st_ctime_ns <= mtime
    if proof.startswith(b'd') and not flags and wctx.flags(f) == flags:
        return hashlib.sha1(wctx[f].data()).hexdigest().encode('ascii') == proof[1:]
    return False


# what hg's status compares of a file's mode: its type and exec bit
_MODEBITS = 0o170100


def untouched(entry, st):
    """is the file ``st`` describes unchanged since ``entry`` (of hg's
    dirstate or largefiles') recorded it clean?

    hg's status rule (size, type, exec bit and mtime as recorded) cannot
    see a rewrite that puts the old mtime back (``touch -r``, ``cp -p``,
    ``rsync -t``), and a sync that trusted it would overwrite that edit.
    The inode's change time is set by every write and every ``utime`` and
    cannot be set back: an entry recorded with an unambiguous mtime was
    checked in a later second than that mtime's, so a change time within
    the mtime's own second shows nothing has touched the file since.
    """
    if not (entry.tracked and entry.p1_tracked and entry.maybe_clean):
        return False
    if entry.v2_data()[0] & parsers.DIRSTATE_V2_MTIME_SECOND_AMBIGUOUS:
        return False
    return (
        entry.size == st.st_size
        and not (entry.mode ^ st.st_mode) & _MODEBITS
        and entry.mtime_likely_equal_to(timestamp.mtime_of(st))
        and st.st_ctime_ns // 10**9 == st.st_mtime_ns // 10**9
    )


def recordclean(repo, f, boundary, dirstate=None):
    """record ``f`` clean with its size and mtime, if that mtime is before
    ``boundary`` beyond a doubt (else hg reads the file again next time);
    caller is in a status or change of the dirstate, under the wlock.
    ``dirstate``: another than the repository's (largefiles' own)."""
    try:
        st = repo.wvfs.lstat(f)
    except OSError:
        return
    mtime = timestamp.reliable_mtime_of(st, boundary)
    if mtime is not None:
        (dirstate or repo.dirstate).set_clean(f, (st.st_mode, st.st_size, mtime))

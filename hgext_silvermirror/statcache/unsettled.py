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
"""

from mercurial import node as nodemod
from mercurial.dirstateutils import timestamp

# the flags of an entry's v2 data, which every implementation gives
from mercurial.pure import parsers

from .. import state

# past this many files the next status's one read of the manifest costs
# less than a look-up of each file node
MAXFILES = 1000

_MTIMEBITS = parsers.DIRSTATE_V2_HAS_MTIME | parsers.DIRSTATE_V2_MTIME_SECOND_AMBIGUOUS


def _unsettled(entry):
    """is ``entry`` tracked, believed clean, but without a usable mtime?"""
    if not (entry.tracked and entry.p1_tracked and entry.maybe_clean):
        return False
    return bool((entry.v2_data()[0] & _MTIMEBITS) ^ parsers.DIRSTATE_V2_HAS_MTIME)


def note(repo, ctx, files):
    """note which of ``files`` (committed to, or updated to, ``ctx``) hg
    will read again; caller holds the wlock and ``ctx`` is the parent"""
    ds = repo.dirstate
    found = [f for f in files if _unsettled(ds.get_entry(f))]
    if not found or len(found) > MAXFILES:
        repo.vfs.tryunlink(state.RECHECK)
        return
    fields = [ctx.hex()]
    for f in found:
        fields.extend([nodemod.hex(ctx.filenode(f)), ctx.flags(f), f])
    state.writeraw(repo, state.RECHECK, b'\0'.join(fields))


def _parse(data):
    """``(parent, [(file node, flags, path)])``, or ``(None, [])`` if damaged"""
    fields = data.split(b'\0')
    if len(fields) < 4 or (len(fields) - 1) % 3:
        return None, []
    try:
        return nodemod.bin(fields[0]), [
            (nodemod.bin(fields[i]), fields[i + 1], fields[i + 2])
            for i in range(1, len(fields), 3)
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
        for fnode, flags, f in entries:
            if not _unsettled(ds.get_entry(f)):
                continue
            try:
                if wctx.flags(f) != flags or repo.filectx(f, fileid=fnode).cmp(wctx[f]):
                    continue
            except OSError:
                continue
            # as hg's look-up: the times read after the content
            recordclean(repo, f, boundary)


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

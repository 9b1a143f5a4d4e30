# restore.py - bring an old version of a file back into the working copy
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the restore engine: versions of a file, and writing one back

Every version a sync ever recorded is in the resource's history; this
module finds them and writes one back into the working copy, where it is
an ordinary change that the next sync records and mirrors.  It never
commits the restored file itself, and it never overwrites content that
history does not hold: an unrecorded edit of a file about to be replaced
is recorded first, in a snapshot of its own.  A big file is named by its
path, its versions being its standin's (``restorebig``).  ``restorecmd``
renders.
"""

import os

from mercurial.i18n import _
from mercurial import (
    error,
    match as matchmod,
)

from . import (
    bigfiles,
    restorebig,
    snapshot as snapshotmod,
)

# what ``restore`` did with a file
RESTORED = b'restored'
PRESENT = b'present'
CURRENT = b'current'
REFUSED = b'refused'
# what stands where a restored file goes
BLOCKFILE = b'file'
BLOCKDIR = b'directory'


class version:
    """one version of a file in history, or the changeset that deleted it"""

    def __init__(self, path, ctx, fctx, big=False):
        self.path = path
        self.rev = ctx.rev()
        self.node = ctx.hex()
        self.date = ctx.date()
        extra = ctx.extra()
        self.writer = extra.get(snapshotmod.NODE_EXTRA) or ctx.user()
        self.description = ctx.description().split(b'\n', 1)[0]
        self.deleted = fctx is None
        # a deletion of a big file is one too
        self.big = big or restorebig.isbig(path, fctx)
        if fctx is None:
            self.size = None
        elif self.big:
            # None when the content is not here
            self.size = restorebig.size(ctx.repo(), fctx)
        else:
            self.size = fctx.size()


class outcome:
    """what ``restore`` did with one file"""

    def __init__(self, path, action, source=None, blocker=None):
        self.path = path
        self.action = action
        # the version written back (a ``version``), if any
        self.source = source
        # for REFUSED: (path, BLOCKFILE or BLOCKDIR) in the way
        self.blocker = blocker


class result:
    def __init__(self):
        self.files = []
        # the changeset that recorded unrecorded edits first, if one was made
        self.snapshot = None
        self.recorded = []


def _patterns(repo, match):
    """revset patterns for the paths a matcher names, files or directories,
    and for their standins"""
    files = [f for f in match.files() if f]
    return [b'path:' + f for f in files + restorebig.patterns(repo, files)]


def _files(repo, ctx, match):
    """(path, name in ``ctx``) of the files ``ctx`` changes that ``match``
    names; a big file's name is its standin's"""
    for f in ctx.files():
        path = restorebig.named(repo, match, f)
        if path is not None:
            yield path, f


def _touching(repo, match, revs=b'::.'):
    """revisions among ``revs`` that change a file ``match`` names, newest first"""
    pats = _patterns(repo, match)
    if not pats:
        return []
    spec = b' or '.join([b'file(%s)'] * len(pats))
    found = repo.revs(b'(%r) and (' + spec + b')', revs, *pats)
    return sorted(found, reverse=True)


def versions(repo, match):
    """each matching file's versions and deletions, oldest first

    A mapping path -> list of ``version``; a version is listed at the
    revision that first wrote it.
    """
    out = {}
    seen = {}
    for rev in reversed(_touching(repo, match, b'all()')):
        ctx = repo[rev]
        for path, f in _files(repo, ctx, match):
            fctx = ctx[f] if f in ctx else None
            key = None if fctx is None else fctx.filenode()
            if path in seen and seen[path] == key:
                continue
            if fctx is None and path not in seen:
                continue
            seen[path] = key
            out.setdefault(path, []).append(version(path, ctx, fctx, f != path))
    return out


def lastversions(repo, match):
    """path -> (ctx, fctx) of each matching file's last version in ``::.``

    The last version of a deleted file is the one its deletion removed.
    """
    found = {}
    for rev in _touching(repo, match):
        ctx = repo[rev]
        for path, f in _files(repo, ctx, match):
            if path in found:
                continue
            if f in ctx:
                found[path] = (ctx, ctx[f])
                continue
            for p in ctx.parents():
                if f in p:
                    found[path] = (p, p[f])
                    break
    return found


def _blocked(repo, path):
    """what stands where ``path`` goes: (path, BLOCKFILE or BLOCKDIR), or None"""
    parts = path.split(b'/')
    for i in range(1, len(parts)):
        prefix = b'/'.join(parts[:i])
        full = repo.wjoin(prefix)
        if os.path.islink(full) or (
            os.path.lexists(full) and not os.path.isdir(full)
        ):
            return prefix, BLOCKFILE
    full = repo.wjoin(path)
    if os.path.isdir(full) and not os.path.islink(full):
        return path, BLOCKDIR
    return None


def _same(repo, path, fctx):
    """the working copy already holds this version"""
    if not repo.wvfs.lexists(path):
        return False
    if restorebig.isbig(path, fctx):
        return restorebig.same(repo, path, fctx)
    if b'l' in fctx.flags():
        return repo.wvfs.islink(path) and repo.wvfs.readlink(path) == fctx.data()
    if repo.wvfs.islink(path):
        return False
    return repo.wvfs.read(path) == fctx.data()


def sources(repo, match, rev=None):
    """path -> (ctx, fctx) to restore, and the named paths with no version

    Without ``rev``: each file's last version (for a file still present,
    the one it has).  With ``rev``: the version in that revision.
    """
    if rev is None:
        found = lastversions(repo, match)
    else:
        ctx = repo[rev]
        found = {f: (ctx, fctx) for f, fctx in restorebig.matches(repo, ctx, match).items()}
    missing = [
        f
        for f in match.files()
        if f not in found and not any(p.startswith(f + b'/') for p in found)
    ]
    return found, missing


def restore(repo, match, node, rev=None):
    """write back the chosen versions; returns a ``result``

    Without ``rev`` a file still in the working copy is left alone.  A
    file whose working copy content is not in history (an edit not yet
    synced, an ignored or untracked file) is recorded first.  Caller holds
    the wlock.
    """
    res = result()
    found, _missing = sources(repo, match, rev)
    todo = []
    for f in sorted(found):
        ctx, fctx = found[f]
        src = version(f, ctx, fctx)
        why = _blocked(repo, f)
        if why is not None:
            res.files.append(outcome(f, REFUSED, src, why))
        elif rev is None and repo.wvfs.lexists(f):
            res.files.append(outcome(f, PRESENT, src))
        elif _same(repo, f, fctx):
            res.files.append(outcome(f, CURRENT, src))
        else:
            todo.append((f, fctx, src))
    big = [(f, fctx) for f, fctx, src in todo if src.big]
    restorebig.fetch(repo, big)
    paths = [f for f, _fctx, _src in todo]
    if paths:
        _recordfirst(repo, res, node, paths, [f for f, _fctx in big])
    _write(repo, todo)
    res.files.extend(outcome(f, RESTORED, src) for f, _fctx, src in todo)
    res.files.sort(key=lambda o: o.path)
    return res


def _write(repo, todo):
    """write the versions of ``todo`` [(path, fctx, version)] back"""
    ds = repo.dirstate
    untracked = []
    for f, fctx, src in todo:
        if src.big:
            restorebig.write(repo, f, fctx)
            continue
        repo.wwrite(f, fctx.data(), fctx.flags())
        if not ds.get_entry(f).tracked:
            untracked.append(f)
    if untracked:
        # a removal marked in the dirstate would otherwise be recorded
        with ds.changing_files(repo):
            repo[None].add(untracked)
    restorebig.track(repo, [f for f, _fctx, src in todo if src.big])


def _inhistory(repo, path):
    """some revision holds the working copy's content of ``path``

    A version restored before and not synced since is one of them.  hg
    compares a text with a stored version by hash, without reading it.
    """
    if repo.wvfs.islink(path):
        return False
    if restorebig.tracked(repo, path):
        return restorebig.inhistory(repo, path)
    fl = repo.file(path)
    if not len(fl):
        return False
    data = repo.wread(path)
    return any(not fl.cmp(fl.node(r), data) for r in fl)


def _recordfirst(repo, res, node, paths, big):
    """commit what the working copy holds at ``paths`` that history does not

    A new file where a big file of ``big`` goes is recorded as a big file.
    """
    with bigfiles.status(repo):
        st = repo.status(match=matchmod.exact(paths), unknown=True, ignored=True)
    unrecorded = sorted(
        f for f in set(st.modified) | set(st.added) if not _inhistory(repo, f)
    )
    fresh = sorted(set(st.unknown) | set(st.ignored))
    if not (unrecorded or fresh):
        return
    ui = repo.ui
    if fresh:
        with repo.dirstate.changing_files(repo):
            bigfiles.addlarge(repo, [f for f in fresh if f in big])
            repo[None].add([f for f in fresh if f not in big])
    files = sorted(unrecorded + fresh)
    with repo.lock():
        res.snapshot = snapshotmod.commit(
            repo,
            text=b'mirror: snapshot on %s before a restore' % node,
            user=snapshotmod.username(ui, node),
            match=matchmod.exact(files),
            extra=snapshotmod.dirsextra(
                snapshotmod.emptydirs(repo), {snapshotmod.NODE_EXTRA: node}, repo
            ),
        )
    if res.snapshot is None:
        raise error.Abort(_(b'could not record the edits of %s') % b', '.join(files))
    res.recorded = files

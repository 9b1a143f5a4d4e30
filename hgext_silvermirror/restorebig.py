# restorebig.py - big files in a restore: standins in history, contents aside
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""what ``restore`` needs to know of big files

History holds a big file as its standin (``.hglf/PATH``, the content's
sha1); the content is in the repository's largefiles store, or, once
``mirror-gc`` freed it, on a host (``bigsource``).  Here a standin's versions are named
by the big file's path, a content is fetched before anything is written,
and it is copied into the working copy in chunks, checked against its
hash, never whole in memory.
"""

import os

from mercurial.i18n import _
from mercurial import (
    error,
    match as matchmod,
)

from . import (
    bigfiles,
    bigsource,
)


def _lfutil():
    return bigfiles._lf()[1]


def named(repo, match, f):
    """the path ``f`` of a changeset's files stands for if ``match``
    names it: a standin stands for its big file; or None"""
    if bigfiles.enabled(repo):
        lfutil = _lfutil()
        if lfutil.isstandin(f):
            lfile = lfutil.splitstandin(f)
            return lfile if match(lfile) else None
    return f if match(f) else None


def patterns(repo, files):
    """``files``' standins, for a revset that finds their changesets"""
    if not bigfiles.enabled(repo):
        return []
    return [_lfutil().standin(f) for f in files if f]


def matches(repo, ctx, match):
    """path -> fctx of the files of ``ctx`` that ``match`` names,
    a big file's being its standin's

    A path ``ctx`` lacks is for the caller to report: a big file's is.
    """
    quiet = matchmod.badmatch(match, lambda f, msg: None)
    found = {f: ctx[f] for f in ctx.matches(quiet)}
    if bigfiles.enabled(repo):
        lfutil = _lfutil()
        m = matchmod.match(repo.root, b'', [b'path:' + lfutil.shortname])
        for f in ctx.matches(m):
            lfile = lfutil.splitstandin(f)
            if match(lfile):
                found.pop(f, None)
                found[lfile] = ctx[f]
    return found


def isbig(path, fctx):
    """is ``fctx`` the standin of the big file ``path``?"""
    return fctx is not None and fctx.path() != path


def size(repo, fctx):
    """the size of a standin's content, or None when it is not here

    Unlike ``lfutil.findfile`` this links nothing into the store, where
    ``mirror-gc`` freed it.
    """
    lfutil, h = _lfutil(), bigfiles.hashof(fctx)
    path, exists = lfutil.findstorepath(repo, h)
    if not exists:
        if not lfutil.inusercache(repo.ui, h):
            return _inworkingcopy(repo, fctx.path(), h)
        path = lfutil.usercachepath(repo.ui, h)
    return os.stat(path).st_size


def _inworkingcopy(repo, standin, h):
    """the size of content ``h`` where the working copy holds it unedited
    (``keep = current`` freed the store's copy), or None"""
    lfile = _lfutil().splitstandin(standin)
    parent = repo[b'.']
    if standin not in parent or bigfiles.hashof(parent[standin]) != h:
        return None
    if lfile not in bigfiles.unedited(repo, [lfile]):
        return None
    return repo.wvfs.lstat(lfile).st_size


def same(repo, path, fctx):
    """the working copy already holds the content of standin ``fctx``"""
    if not repo.wvfs.isfileorlink(path) or repo.wvfs.islink(path):
        return False
    return _lfutil().hashfile(repo.wjoin(path)) == bigfiles.hashof(fctx)


def tracked(repo, path):
    """is ``path`` a big file of the working copy?"""
    if not bigfiles.enabled(repo):
        return False
    return repo.dirstate.get_entry(_lfutil().standin(path)).tracked


def inhistory(repo, path):
    """is the working copy's content of big file ``path`` in history?

    Its standin's versions name every content it had, by hash.
    """
    lfutil = _lfutil()
    fl = repo.file(lfutil.standin(path))
    if not len(fl):
        return False
    have = lfutil.hashfile(repo.wjoin(path))
    return any(fl.read(fl.node(r)).strip().lower() == have for r in fl)


def fetch(repo, wanted):
    """have the contents of ``wanted`` [(path, fctx)] here, or abort

    A content ``mirror-gc`` freed is fetched as hg's own commands fetch
    it: from the default path, then each host of the resource in turn
    (``bigsource``).  Nothing is written to the working copy before
    every content is here.
    """
    lfutil = _lfutil()
    toget = sorted(
        {(f, bigfiles.hashof(fctx)) for f, fctx in wanted if not lfutil.findfile(repo, bigfiles.hashof(fctx))}
    )
    if not toget:
        return
    store = bigsource.ondemand(repo, warn=False)
    missing = store.get(toget)[1]
    if missing:
        raise bigsource.unavailable(
            missing, store, _(b'sync with a host that holds it, then restore again')
        )


def write(repo, path, fctx):
    """copy the content of standin ``fctx`` to ``path``, in chunks

    The content is here (``fetch``).  What stands at ``path`` is in
    history (``restore`` recorded it first); a link there is replaced,
    never written through.
    """
    lfutil = _lfutil()
    if repo.wvfs.islink(path):
        repo.wvfs.unlink(path)
    if not lfutil.copyfromcache(repo, bigfiles.hashof(fctx), path):
        raise error.Abort(
            _(b'%s: the stored content is damaged') % path,
            hint=_(b"'hg verify --large' names the damaged contents"),
        )
    repo.wvfs.setflags(path, False, b'x' in fctx.flags())


def track(repo, paths):
    """make the restored ``paths`` tracked big files again where a
    deletion left them unknown; caller holds the wlock"""
    lfutil = _lfutil()
    ds = repo.dirstate
    todo = [f for f in paths if not ds.get_entry(lfutil.standin(f)).tracked]
    if todo:
        with ds.changing_files(repo):
            bigfiles.addlarge(repo, todo)

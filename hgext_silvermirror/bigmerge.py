# bigmerge.py - big files in a sync's merges and updates
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""big files where two histories meet

``largefiles`` settles a conflict of big files, or a path that is big on
one side and small on the other, by asking the user; a sync has no one to
ask.  Here the sync's handler answers instead (``guard`` puts the
wrappers on top of the extension's, once it is loaded), and a linear
update that turns a big file into a small one makes way for it.
"""

from mercurial.i18n import _
from mercurial import (
    error,
    extensions,
    filemerge,
    ui as uimod,
    util,
)

from . import (
    bigcopy,
    bigdelta,
    bigfiles,
    bigrestock,
    confine,
    conflicts,
    mergetool,
)


def _lfutil():
    """largefiles' helpers, once the extension is loaded"""
    from hgext.largefiles import lfutil

    return lfutil


def turnedsmall(repo, parent, files):
    """the big files of ``parent`` that an update among ``files`` makes
    small files: hg sees each as an unknown file in the way"""
    if not bigfiles.enabled(repo):
        return set()
    lfutil = _lfutil()
    names = set(files)
    return {
        lfutil.splitstandin(f)
        for f in files
        if lfutil.isstandin(f) and f in parent and lfutil.splitstandin(f) in names
    }


def makeway(repo, parent, turned):
    """take out of the working copy the unedited big files ``turned``, for
    the update to write their small successors

    Their contents are in the store first (``mirror-gc`` may have freed
    them: the working copy held them), for ``putback`` and for history.
    Caller holds the update's guard: a run that dies here leaves the next
    preamble to finish the update; the versions removed are in history.
    """
    if not turned:
        return
    lfutil = _lfutil()
    if bigfiles.dirty(repo, [lfutil.standin(f) for f in turned]):
        raise error.Abort(_(b'local changes were made during the sync'))
    wanted = [(f, bigfiles.hashof(parent[lfutil.standin(f)])) for f in sorted(turned)]
    if bigrestock.restock(repo, wanted):
        raise error.Abort(_(b'local changes were made during the sync'))
    for f in sorted(turned):
        repo.wvfs.unlinkpath(f, ignoremissing=True)


def putback(repo, parent, turned):
    """the big files ``makeway`` took out, back from the store: the update
    was refused before it wrote anything"""
    lfutil = _lfutil()
    for f in sorted(turned):
        standin = parent[lfutil.standin(f)]
        source = lfutil.findfile(repo, bigfiles.hashof(standin))
        if source is not None and not repo.wvfs.lexists(f):
            util.copyfile(source, repo.wjoin(f))
            repo.wvfs.setflags(f, False, b'x' in standin.flags())


def _hash(repo, fctx):
    if fctx is None or fctx.isabsent() or fctx.filenode() == repo.nullid:
        return b''
    return bigfiles.hashof(fctx)


def _bigmerge(orig, repo, wctx, mynode, origpath, fcd, fco, fca, labels=None):
    """a largefile's conflict in a sync: never the extension's prompt

    The clobber handlers keep their side; every other handler keeps both,
    the other version beside the local one as a largefile of its own.
    The side not kept is named by the command that restores it.
    """
    ctx = mergetool.current()
    lfutil = _lfutil()
    if ctx is None or not lfutil.isstandin(origpath) or fcd.isabsent() or fco.isabsent():
        return orig(repo, wctx, mynode, origpath, fcd, fco, fca, labels=labels)
    ahash, dhash, ohash = (_hash(repo, f) for f in (fca, fcd, fco))
    if ohash in (ahash, dhash):
        return 0, False
    if dhash == ahash:
        repo.wwrite(fcd.path(), fco.data(), fco.flags())
        return 0, False
    path = lfutil.splitstandin(origpath)
    decision = conflicts.BOTH
    if isinstance(ctx.handler, conflicts._oneside):
        decision = ctx.handler.side
    if decision == conflicts.OTHER:
        repo.wwrite(fcd.path(), fco.data(), fco.flags())
        ctx.record(path, b'took remote', mergetool.restorecmd(repo[b'.'].hex(), path))
        return 0, False
    copy = _copylarge(repo, ctx, path, fco) if decision == conflicts.BOTH else None
    if copy is None:
        reason = None if decision == conflicts.LOCAL else _(b'its content is not here')
        other = mergetool.restorecmd(fco.changectx().hex(), path)
        ctx.record(path, b'kept local', other, reason=reason)
        return 0, False
    ctx.record(path, b'kept both', copy=copy)
    return 0, False


def _copylarge(repo, ctx, path, fco):
    """the other side's big file beside ``path``, a largefile of its own

    ``fco`` is its standin; None when its content is not here.
    """
    lfutil = _lfutil()
    source = lfutil.findfile(repo, bigfiles.hashof(fco))
    if source is None:
        return None
    when = repo[fco.introrev()].date()[0]
    copy = conflicts.conflictname(repo, path, ctx.host, when)
    # a path of history, written past hg's vfs: checked on the disk first
    confine.checkpath(repo, copy)
    repo.wvfs.makedirs(repo.wvfs.dirname(copy))
    util.copyfile(source, repo.wjoin(copy))
    if b'x' in fco.flags():
        repo.wvfs.setflags(copy, False, True)
    ctx.copies.append(copy)
    ctx.large.add(copy)
    return copy


def _mixedkinds(repo, ctx):
    """the paths that are big on one side of the merge and small on the
    other, each with whether the local side's is the big one"""
    lfutil = _lfutil()
    sides = repo[ctx.localnode].manifest(), repo[ctx.othernode].manifest()
    mixed = {}
    for localbig, (big, small) in ((True, sides), (False, sides[::-1])):
        for f in big:
            lfile = lfutil.splitstandin(f)
            if lfile is not None and lfile in small:
                mixed[lfile] = localbig
    return mixed


def _kindprompt(orig, ui, msg, default=0):
    """largefiles' question for a path big on one side and small on the
    other, answered in a sync by its handler

    Either question's first answer is the largefile.  The clobber
    handlers keep their side's kind; every other handler keeps the local
    version at its path and the other one beside it.
    """
    ctx = mergetool.current()
    mixed = _mixedkinds(ctx.repo, ctx) if ctx is not None else {}
    found = [p for p in mixed if b' %s ' % p in msg]
    if not found:
        return orig(ui, msg, default)
    path = max(found, key=len)
    localbig = mixed[path]
    repo = ctx.repo
    other = repo[ctx.othernode][path if localbig else _lfutil().standin(path)]
    decision = conflicts.BOTH
    if isinstance(ctx.handler, conflicts._oneside):
        decision = ctx.handler.side
    if decision == conflicts.OTHER:
        ctx.record(path, b'took remote', mergetool.restorecmd(ctx.localnode, path))
        return 1 if localbig else 0
    copy = None
    if decision == conflicts.BOTH:
        if localbig:
            copy = conflicts.writecopy(repo, other, ctx.host)
            ctx.copies.append(copy)
        else:
            copy = _copylarge(repo, ctx, path, other)
    if copy is None:
        reason = None if decision == conflicts.LOCAL else _(b'its content is not here')
        restore = mergetool.restorecmd(ctx.othernode, path)
        ctx.record(path, b'kept local', restore, reason=reason)
    else:
        ctx.record(path, b'kept both', copy=copy)
    return 0 if localbig else 1


# are this module's wrappers in place?
_wrapped = []


def guard():
    """put this module's wrappers around the extension's, once it is loaded

    The extension wraps hg's file merge when it loads, after this one:
    ``_bigmerge`` goes on top then, before the first merge of a sync.
    ``bigcopy`` makes the extension's copies of a content fewer passes,
    ``bigdelta`` its uploads of an edited content smaller.
    """
    if _wrapped or not bigfiles.loaded():
        return
    lfutil = _lfutil()
    bigcopy.install()
    bigdelta.install()
    extensions.wrapfunction(filemerge, 'filemerge', _bigmerge)
    extensions.wrapfunction(lfutil, 'openlfdirstate', bigfiles.openlfdirstate)
    extensions.wrapfunction(uimod.ui, 'promptchoice', _kindprompt)
    _wrapped.append(True)

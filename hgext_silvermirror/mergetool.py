# mergetool.py - the :silvermirror merge tool and hg's merge wrapped for it
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""where hg's file merge meets the conflict handlers

``merging`` runs one sync's merge with its handler; the internal merge
tool ``:silvermirror`` asks that handler for each conflicting file and
records what became of it.  hg's merge is wrapped so that no conflict of
a sync reaches hg's own prompt, a directory moved to the root merges,
and the files a ``[merge-tools]`` tool merged are recorded too.
"""

import contextlib
import threading

from mercurial.i18n import _
from mercurial import (
    copies as copiesmod,
    error,
    exthelper,
    extensions,
    filemerge,
    mergestate as mergestatemod,
    registrar,
)
from mercurial.utils import (
    procutil,
    stringutil,
)

from . import compat, state
from .conflicts import (
    BOTH,
    LOCAL,
    OTHER,
    TOOL,
    conflict,
    fallback,
    keepboth,
    merged,
    writecopy,
)

eh = exthelper.exthelper()
internalmerge = registrar.internalmerge()

NODE_EXTRA = b'silvermirror-node'


class mergecontext:
    """the handler and the record of one sync merge"""

    def __init__(self, repo, handler, host, local, other):
        self.repo = repo
        self.handler = handler
        self.host = host
        self.localnode = local
        self.othernode = other
        self.copies = []
        # the copies that are largefiles, as the versions they keep
        self.large = set()
        self.paths = set()
        self._results = []

    @property
    def results(self):
        """the records, by path"""
        return sorted(self._results, key=lambda r: r[b'path'])

    def record(self, path, outcome, restore=None, copy=None, reason=None):
        self.paths.add(path)
        if reason:
            outcome = b'%s, %s' % (outcome, reason)
        self._results.append(
            {
                b'path': path,
                b'handler': self.handler.name,
                b'host': self.host,
                b'outcome': outcome,
                b'reason': reason,
                b'restore': restore,
                b'copy': copy,
            }
        )


_current = threading.local()


def current():
    return getattr(_current, 'ctx', None)


@contextlib.contextmanager
def merging(repo, handler, host, local, other):
    """run a merge with ``handler`` deciding its conflicts

    Sets the merge tool on ``repo.ui`` (the repo's own copy of the ui, the
    one filemerge reads).  A failed merge tool leaves its file unresolved
    for ``unresolved_to_both``, never with conflict markers committed.
    """
    ctx = mergecontext(repo, handler, host, local, other)
    tool = getattr(handler, 'tool', None) or TOOL
    overrides = {
        (b'ui', b'forcemerge'): tool,
        (b'ui', b'merge'): tool,
        (b'merge', b'checkunknown'): b'abort',
        (b'merge', b'checkignored'): b'abort',
        (b'merge', b'on-failure'): b'continue',
        (b'ui', b'origbackuppath'): repo.vfs.join(state.ORIG),
    }
    if tool != TOOL:
        overrides[(b'merge-tools', tool + b'.checkconflicts')] = b'true'
    _current.ctx = ctx
    try:
        with repo.ui.configoverride(overrides, b'silvermirror'):
            yield ctx
    finally:
        _current.ctx = None


# largefiles' directory of standins
_STANDINS = b'.hglf/'


def reportpath(repo, path):
    """the path a conflict in ``path`` is reported by

    A big file's conflict between a change and a deletion is its
    standin's; the report, and the restore, name the big file.
    """
    if path.startswith(_STANDINS) and compat.largefilesrepo(repo):
        return path[len(_STANDINS) :]
    return path


def restorecmd(node, path):
    """the command that brings the other version back, from anywhere inside

    ``path:`` names the file from the resource's root, whatever the
    directory the command is run in.
    """
    return b'hg mirror-restore -r %s path:%s' % (node[:12], procutil.shellquote(path))


def _data(fctx):
    return None if fctx.isabsent() else fctx.data()


def _decide(hdl, c):
    """the handler's decision; a failing or confused handler keeps both"""
    try:
        decision = hdl.changedelete(c) if c.changedelete else hdl.resolve(c)
    except (error.Abort, KeyboardInterrupt):
        raise
    except Exception as inst:
        return fallback(
            c, _(b'handler failed: %s') % stringutil.forcebytestr(inst)
        )
    if isinstance(decision, merged):
        if c.changedelete:
            return fallback(c, _(b'handler merged with a deletion'))
        return decision
    if decision in (LOCAL, OTHER, BOTH):
        return decision
    return fallback(c, _(b'handler gave no decision'))


def _conflictof(repo, ctx, fcd, fco, fca):
    """what the handler is told about the conflict of ``fcd`` and ``fco``"""
    if ctx is not None:
        host = ctx.host
    else:
        host = fco.changectx().extra().get(NODE_EXTRA, b'other')
    present = [f for f in (fcd, fco) if not f.isabsent()]
    return conflict(
        repo.ui,
        fcd.path(),
        _data(fcd),
        _data(fco),
        None if fca.filenode() == repo.nullid else fca.data(),
        host,
        any(f.isbinary() for f in present),
        any(b'l' in f.flags() for f in present),
    )


@internalmerge(b'silvermirror', internalmerge.nomerge)
def _silvermirrortool(repo, mynode, local, other, base, toolconf):
    """Lets the conflict handler of the running SilverMirror sync decide
    (see :hg:`help -e hgext_silvermirror`), change/delete conflicts
    included, without prompting. Outside a sync it keeps both versions:
    the local one at its path, the other one beside it as the untracked
    file ``NAME.conflict-HOST-YYYYMMDD-HHMMSS.EXT``."""
    ctx = current()
    hdl = ctx.handler if ctx is not None else keepboth()
    fcd, fco = local.fctx, other.fctx
    c = _conflictof(repo, ctx, fcd, fco, base.fctx)
    path, host = c.path, c.host
    decision = _decide(hdl, c)
    # a locally deleted file is written through the working copy's fctx
    wfctx = fcd.changectx()[path] if fcd.isabsent() else fcd
    localnode = repo[b'.'].hex()
    othernode = fco.changectx().hex()

    shown = reportpath(repo, path)

    def note(outcome, restore=None, copy=None):
        if ctx is not None:
            ctx.record(shown, outcome, restore, copy, c.reason)

    if isinstance(decision, merged):
        wfctx.write(bytes(decision), fcd.flags())
        note(b'merged')
        return 0, False
    if c.local is None:
        # deleted here, changed there: BOTH keeps the changed file
        if decision == LOCAL:
            note(b'kept local deletion', restorecmd(othernode, shown))
            return 0, True
        wfctx.write(c.other, fco.flags())
        note(b'took remote' if decision == OTHER else b'kept remote change')
        return 0, False
    if c.other is None:
        # changed here, deleted there
        if decision == OTHER:
            wfctx.remove()
            note(b'took remote deletion', restorecmd(localnode, shown))
            return 0, True
        note(b'kept local' if decision == LOCAL else b'kept local change')
        return 0, False
    if decision == OTHER:
        wfctx.write(c.other, fco.flags())
        note(b'took remote', restorecmd(localnode, shown))
        return 0, False
    if decision == LOCAL:
        note(b'kept local', restorecmd(othernode, shown))
        return 0, False
    copy = writecopy(repo, fco, host)
    if ctx is not None:
        ctx.copies.append(copy)
    note(b'kept both', copy=copy)
    return 0, False


@eh.wrapfunction(copiesmod, compat.DIRRENAMES)
def _dirrenames(orig, repo, ctx, copy, fullcopy, addedfilesfn):
    """no directory rename into the root

    hg 7.2 maps the files of a directory moved to the root to ``/name``,
    which then aborts the merge ("path contains illegal component"); such
    files are merged where they are instead.
    """
    dirmove, movewithdir = orig(repo, ctx, copy, fullcopy, addedfilesfn)
    dirmove = {k: v for k, v in dirmove.items() if v != b'/'}
    movewithdir = {
        k: v for k, v in movewithdir.items() if not v.startswith(b'/')
    }
    return dirmove, movewithdir


@eh.extsetup
def _extsetup(ui):
    extensions.wrapfunction(filemerge, compat.PICKTOOL, _picktool)
    extensions.wrapfunction(filemerge, 'filemerge', _filemerge)


def _filemerge(orig, repo, wctx, mynode, origpath, fcd, fco, fca, labels=None):
    """record the files a ``[merge-tools]`` tool merged during a sync"""
    r, deleted = orig(repo, wctx, mynode, origpath, fcd, fco, fca, labels)
    ctx = current()
    if ctx is not None and not r and fcd.path() not in ctx.paths:
        ctx.record(fcd.path(), b'merged')
    return r, deleted


def _picktool(orig, repo, ui, path, binary, symlink, changedelete):
    """during a sync, no conflict ever reaches hg's own prompt

    hg falls back to ``:prompt`` for a change/delete conflict a merge tool
    cannot take and for a file no configured tool can merge; the handler
    decides those instead.
    """
    tool = orig(repo, ui, path, binary, symlink, changedelete)
    if current() is not None and tool[0] in (b':prompt', b'internal:prompt'):
        return TOOL, None
    return tool


def unresolved_to_both(repo, ctx):
    """keep both versions of files a merge tool left unresolved

    The local version goes back to its path (so no conflict markers are
    ever committed), the other one beside it as a conflict copy.
    """
    ms = mergestatemod.mergestate.read(repo)
    pending = list(ms.unresolved())
    if not pending:
        return
    p1 = repo[b'.']
    other = repo[ctx.othernode]
    reason = _(b'merge tool %s failed') % ctx.handler.name
    for path in pending:
        copy = None
        if path in other:
            copy = writecopy(repo, other[path], ctx.host)
            ctx.copies.append(copy)
        if path in p1:
            fctx = p1[path]
            repo.wvfs.write(path, fctx.data())
            repo.wvfs.setflags(path, b'l' in fctx.flags(), b'x' in fctx.flags())
        ms.mark(path, mergestatemod.MERGE_RECORD_RESOLVED)
        ctx.record(path, b'kept both', copy=copy, reason=reason)
    ms.commit()

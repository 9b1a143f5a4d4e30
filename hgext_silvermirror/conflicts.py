# conflicts.py - conflict handlers, run as Mercurial merge tools
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""conflict handlers: what the working copy shows when both sides changed

A handler chooses what the user sees, never what is kept: both versions
of a conflicting file are in history whatever it decides.  Handlers are
found through the setuptools entry point group
``silvermirror.conflict_handlers`` (the shipped ones use it too) and run
inside Mercurial's merge as the internal merge tool ``:silvermirror``,
which asks the handler of the current sync for a decision.  A name that
is not a handler but a tool of ``[merge-tools]`` is used as that merge
tool; its change/delete conflicts keep the changed file.
"""

import contextlib
import threading
import time

from mercurial.i18n import _
from mercurial import (
    error,
    exthelper,
    extensions,
    filemerge,
    registrar,
    scmutil,
)
from mercurial.utils import stringutil

eh = exthelper.exthelper()
internalmerge = registrar.internalmerge()

ENTRY_POINT_GROUP = 'silvermirror.conflict_handlers'
TOOL = b':silvermirror'

# decisions a handler returns
LOCAL = 'local'
OTHER = 'other'
BOTH = 'both'


class merged(bytes):
    """a decision: this text is the merged file"""


class conflict:
    """what a handler is told about one conflicting file"""

    def __init__(self, ui, path, local, other, base, host, binary):
        self.ui = ui
        self.path = path
        # contents, or None where that side deleted the file
        self.local = local
        self.other = other
        self.base = base
        self.host = host
        self.binary = binary

    @property
    def changedelete(self):
        return self.local is None or self.other is None


class handler:
    """base class of conflict handlers; plugins subclass it

    ``resolve(conflict)`` returns ``LOCAL``, ``OTHER``, ``BOTH`` or a
    ``merged(text)``.  A change/delete conflict is decided with
    ``changedelete(conflict)``, which by default keeps the changed file.
    """

    name = None
    description = b''

    def resolve(self, c):
        raise NotImplementedError

    def changedelete(self, c):
        return BOTH


class clobberlocal(handler):
    name = b'ClobberLocal'
    description = _(b'the remote version replaces the local one')

    def resolve(self, c):
        return OTHER

    changedelete = resolve


class clobberremote(handler):
    name = b'ClobberRemote'
    description = _(b'the local version stays, the remote one is history')

    def resolve(self, c):
        return LOCAL

    changedelete = resolve


class keepboth(handler):
    name = b'KeepBoth'
    description = _(b'the local version stays, the remote one becomes a copy')

    def resolve(self, c):
        return BOTH


class merge(handler):
    name = b'Merge'
    description = _(b'three-way text merge, else keep both')

    def resolve(self, c):
        text = threewaymerge(c.local, c.base, c.other)
        if text is None:
            c.ui.status(
                _(b'%s: cannot merge cleanly, keeping both\n') % c.path
            )
            return BOTH
        return merged(text)


class prompt(handler):
    name = b'Prompt'
    description = _(b'ask for each file; without a terminal keep both')

    def resolve(self, c):
        ui = c.ui
        if not ui.interactive():
            ui.status(
                _(b'%s: no terminal to ask, keeping both\n') % c.path
            )
            return BOTH
        index = ui.promptchoice(
            _(
                b'%s changed here and on %s: keep (l)ocal, take (r)emote, '
                b'keep (b)oth or (m)erge?'
                b'$$ &Local $$ &Remote $$ &Both $$ &Merge'
            )
            % (c.path, c.host),
            2,
        )
        if index == 0:
            return LOCAL
        if index == 1:
            return OTHER
        if index == 3:
            return merge().resolve(c)
        return BOTH


def threewaymerge(local, base, other):
    """merged text, or None for binaries and overlapping edits"""
    from mercurial import simplemerge

    texts = [t for t in (local, base, other) if t is not None]
    if len(texts) < 2 or local is None or other is None:
        return None
    if any(stringutil.binary(t) for t in texts):
        return None
    m3 = simplemerge.Merge3Text(base or b'', local, other)
    lines, conflicts = simplemerge.render_minimized(m3, b'local', b'other')
    if conflicts:
        return None
    return b''.join(lines)


BUILTIN = {h.name.lower(): h for h in (clobberlocal, clobberremote, keepboth, merge, prompt)}


class externaltool(handler):
    """a ``[merge-tools]`` tool used as a handler"""

    def __init__(self, name):
        self.name = name
        self.tool = name


class registry:
    """handler names -> handlers, from the entry point group"""

    def __init__(self):
        self._plugins = None

    def _entrypoints(self):
        if self._plugins is None:
            from importlib import metadata

            self._plugins = {}
            for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
                self._plugins[ep.name.lower().encode('utf-8')] = ep
        return self._plugins

    def known(self):
        names = {h.name for h in BUILTIN.values()}
        names.update(ep.name.encode('utf-8') for ep in self._entrypoints().values())
        return sorted(names, key=lambda n: n.lower())

    def _find(self, name):
        key = name.lower()
        if key in BUILTIN:
            return BUILTIN[key]()
        ep = self._entrypoints().get(key)
        if ep is None:
            return None
        obj = ep.load()
        return obj() if isinstance(obj, type) else obj

    def get(self, ui, name, where=None):
        """the handler called ``name`` (any case), or abort listing them"""
        found = self._find(name)
        if found is not None:
            if found.name is None:
                found.name = name
            elif isinstance(found.name, str):
                found.name = found.name.encode('utf-8')
            return found
        if any(k.startswith(name + b'.') for k, _v in ui.configitems(b'merge-tools')) or (
            ui.config(b'merge-tools', name) is not None
        ):
            return externaltool(name)
        msg = _(b'unknown conflict handler: %s') % name
        hint = _(b'known handlers: %s') % b', '.join(self.known())
        if where:
            raise error.ConfigError(msg, where, hint=hint)
        raise error.InputError(msg, hint=hint)

    def canonical(self, ui, name, where=None):
        return self.get(ui, name, where).name


handlers = registry()


class mergecontext:
    """the handler and the record of one sync merge"""

    def __init__(self, repo, handler, host, local, other):
        self.repo = repo
        self.handler = handler
        self.host = host
        self.localnode = local
        self.othernode = other
        self.results = []
        self.copies = []

    def record(self, path, outcome, restore=None, copy=None):
        self.results.append(
            {
                b'path': path,
                b'handler': self.handler.name,
                b'host': self.host,
                b'outcome': outcome,
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
    one filemerge reads) and makes every prompt non-interactive except the
    Prompt handler's own.
    """
    ctx = mergecontext(repo, handler, host, local, other)
    tool = getattr(handler, 'tool', None) or TOOL
    overrides = {
        (b'ui', b'forcemerge'): tool,
        (b'ui', b'merge'): tool,
        (b'merge', b'checkunknown'): b'abort',
        (b'merge', b'checkignored'): b'abort',
        (b'merge', b'on-failure'): b'continue',
        (b'ui', b'origbackuppath'): repo.vfs.join(b'silvermirror/orig'),
    }
    _current.ctx = ctx
    try:
        with repo.ui.configoverride(overrides, b'silvermirror'):
            yield ctx
    finally:
        _current.ctx = None


def _restorecmd(node, path):
    return b'hg cat -r %s %s' % (node[:12], stringutil.forcebytestr(path))


def conflictname(repo, path, host, when):
    """a free name for the other side's copy: NAME.conflict-HOST-DATE.EXT"""
    stamp = time.strftime('%Y%m%d-%H%M%S', time.gmtime(when)).encode('ascii')
    head, slash, base = path.rpartition(b'/')
    stem, dot, ext = base.rpartition(b'.')
    if not dot or not stem:
        stem, ext = base, b''
    safehost = b''.join(
        bytes([c]) if chr(c).isalnum() or c in b'-_' else b'_' for c in host
    )
    wctx = repo[None]
    n = 0
    while True:
        suffix = b'-%d' % n if n else b''
        name = b'%s.conflict-%s-%s%s' % (stem, safehost, stamp, suffix)
        if ext:
            name += b'.' + ext
        candidate = head + slash + name
        if candidate not in wctx and not repo.wvfs.lexists(candidate):
            return candidate
        n += 1


def _data(fctx):
    return None if fctx.isabsent() else fctx.data()


@internalmerge(b'silvermirror', internalmerge.nomerge)
def _silvermirrortool(repo, mynode, local, other, base, toolconf):
    """Lets the conflict handler of the running SilverMirror sync decide.
    Outside a sync it keeps both versions, the other one as a conflict
    copy."""
    ctx = current()
    hdl = ctx.handler if ctx is not None else keepboth()
    host = ctx.host if ctx is not None else b'other'
    fcd, fco = local.fctx, other.fctx
    path = fcd.path()
    c = conflict(
        repo.ui,
        path,
        _data(fcd),
        _data(fco),
        _data(base.fctx) if base.fctx is not None else None,
        host,
        any(
            f is not None and not f.isabsent() and f.isbinary()
            for f in (fcd, fco)
        ),
    )
    decision = hdl.changedelete(c) if c.changedelete else hdl.resolve(c)
    othernode = fco.changectx().hex() if not fco.isabsent() else None
    localnode = repo[b'.'].hex()
    wfctx = filemerge._underlyingfctxifabsent(fcd)

    def note(outcome, restore=None, copy=None):
        if ctx is not None:
            ctx.record(path, outcome, restore, copy)

    if decision == OTHER or (decision == BOTH and c.local is None):
        if c.other is None:
            wfctx.remove()
            note(b'took remote deletion', _restorecmd(localnode, path))
            return 0, True
        wfctx.write(c.other, fco.flags())
        restore = _restorecmd(localnode, path) if c.local is not None else None
        note(b'took remote', restore)
        return 0, False
    if decision == LOCAL or (decision == BOTH and c.other is None):
        restore = _restorecmd(othernode, path) if othernode else None
        note(b'kept local' if c.local is not None else b'kept local deletion', restore)
        return 0, fcd.isabsent()
    if decision == BOTH:
        when = fco.changectx().date()[0]
        copy = conflictname(repo, path, host, when)
        repo.wvfs.write(copy, c.other)
        if b'x' in fco.flags():
            repo.wvfs.setflags(copy, False, True)
        if ctx is not None:
            ctx.copies.append(copy)
        note(b'kept both', copy=copy)
        return 0, False
    if isinstance(decision, (merged, bytes)):
        wfctx.write(bytes(decision), fcd.flags())
        note(b'merged')
        return 0, False
    raise error.ProgrammingError(b'conflict handler %s returned %r' % (hdl.name, decision))


@eh.extsetup
def _extsetup(ui):
    extensions.wrapfunction(filemerge, '_picktool', _picktool)


def _picktool(orig, repo, ui, path, binary, symlink, changedelete):
    """during a sync, change/delete conflicts never reach a prompt"""
    tool = orig(repo, ui, path, binary, symlink, changedelete)
    if current() is not None and changedelete and tool[0] == b':prompt':
        return TOOL, None
    return tool


def unresolved_to_both(repo, ctx):
    """keep both versions of files an external merge tool left unresolved"""
    from mercurial import mergestate as mergestatemod

    ms = mergestatemod.mergestate.read(repo)
    pending = list(ms.unresolved())
    if not pending:
        return
    p1 = repo[b'.']
    other = repo[ctx.othernode]
    for path in pending:
        if path in other:
            copy = conflictname(repo, path, ctx.host, other.date()[0])
            repo.wvfs.write(copy, other[path].data())
            ctx.copies.append(copy)
        else:
            copy = None
        if path in p1:
            repo.wvfs.write(path, p1[path].data())
        ms.mark(path, mergestatemod.MERGE_RECORD_RESOLVED)
        ctx.record(path, b'kept both', copy=copy)
    ms.commit()

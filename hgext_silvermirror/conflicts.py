# conflicts.py - conflict handlers, run as Mercurial merge tools
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""conflict handlers: what the working copy shows when both sides changed

A handler chooses what the user sees, never what is kept: both versions
of a conflicting file are in history whatever it decides.  Handlers are
found through the setuptools entry point group
``silvermirror.conflict_handlers`` (the shipped ones are declared there
too) and run inside Mercurial's merge as the internal merge tool
``:silvermirror``, which asks the handler of the current sync for a
decision.  A name that is not a handler but a tool of ``[merge-tools]``
is used as that merge tool; what it cannot resolve, and its
change/delete conflicts, keep both versions.

A plugin subclasses ``handler`` and declares it in its package's
``entry_points={'silvermirror.conflict_handlers': ['Longer = mypkg:Longer']}``::

    from hgext_silvermirror import conflicts

    class Longer(conflicts.handler):
        '''the longer version wins'''

        def resolve(self, c):
            if len(c.local) >= len(c.other):
                return conflicts.LOCAL
            return conflicts.OTHER
"""

import contextlib
import threading
import time

from mercurial.i18n import _
from mercurial import (
    copies as copiesmod,
    error,
    exthelper,
    extensions,
    filemerge,
    mergestate as mergestatemod,
    registrar,
    simplemerge,
)
from mercurial.utils import (
    procutil,
    stringutil,
    urlutil,
)

eh = exthelper.exthelper()
internalmerge = registrar.internalmerge()

ENTRY_POINT_GROUP = 'silvermirror.conflict_handlers'
TOOL = b':silvermirror'
NODE_EXTRA = b'silvermirror-node'

# decisions a handler returns
LOCAL = 'local'
OTHER = 'other'
BOTH = 'both'


class merged(bytes):
    """a decision: this text is the merged file"""


class conflict:
    """what a handler is told about one conflicting file

    ``local`` is the version of the node running the sync, ``other`` the
    host's; either is None where that side deleted the file (a
    change/delete conflict); ``base`` is the common ancestor's version,
    None for a file both sides added.
    """

    def __init__(self, ui, path, local, other, base, host, binary, symlink=False):
        self.ui = ui
        self.path = path
        self.local = local
        self.other = other
        self.base = base
        self.host = host
        self.binary = binary
        self.symlink = symlink
        # why the handler fell back to keeping both, for the report
        self.reason = None

    @property
    def changedelete(self):
        return self.local is None or self.other is None


def fallback(c, reason):
    """keep both versions, saying why; handlers return its result"""
    c.reason = reason
    return BOTH


class handler:
    """base class of conflict handlers; plugins subclass it

    ``resolve(conflict)`` returns ``LOCAL``, ``OTHER``, ``BOTH`` or a
    ``merged(text)``.  A change/delete conflict is decided with
    ``changedelete(conflict)``, which by default keeps the changed file.
    Whatever is decided, both versions stay in history.
    """

    name = None
    description = b''

    def resolve(self, c):
        raise NotImplementedError

    def changedelete(self, c):
        return BOTH

    def foresee(self, localdeleted, otherdeleted):
        """what the handler would do, known before any merge runs

        A phrase that follows "would" in a dry run's plan, and whether
        the other version would become a conflict copy.
        """
        return _(b'let %s decide') % self.name, False


def _keepchanged(localdeleted, otherdeleted):
    return (_(b'keep the changed file'), False) if localdeleted or otherdeleted else None


class clobberlocal(handler):
    name = b'ClobberLocal'
    description = _(b'the remote version replaces the local one')

    def resolve(self, c):
        return OTHER

    changedelete = resolve

    def foresee(self, localdeleted, otherdeleted):
        if otherdeleted:
            return _(b'take the remote deletion'), False
        return _(b'take remote'), False


class clobberremote(handler):
    name = b'ClobberRemote'
    description = _(b'the local version stays, the remote one is history')

    def resolve(self, c):
        return LOCAL

    changedelete = resolve

    def foresee(self, localdeleted, otherdeleted):
        if localdeleted:
            return _(b'keep the local deletion'), False
        return _(b'keep local'), False


class keepboth(handler):
    name = b'KeepBoth'
    description = _(b'the local version stays, the remote one becomes a copy')

    def resolve(self, c):
        return BOTH

    def foresee(self, localdeleted, otherdeleted):
        return _keepchanged(localdeleted, otherdeleted) or (_(b'keep both'), True)


class merge(handler):
    name = b'Merge'
    description = _(b'three-way text merge, else keep both')

    def resolve(self, c):
        if c.symlink:
            return fallback(c, _(b'symlink'))
        if c.binary:
            return fallback(c, _(b'binary file'))
        if c.base is None:
            return fallback(c, _(b'added on both sides'))
        m3 = simplemerge.Merge3Text(c.base, c.local, c.other)
        lines, overlapping = simplemerge.render_minimized(m3)
        if overlapping:
            return fallback(c, _(b'overlapping edits'))
        return merged(b''.join(lines))

    def foresee(self, localdeleted, otherdeleted):
        return _keepchanged(localdeleted, otherdeleted) or (
            _(b'merge (falls back to keep both if it overlaps)'),
            False,
        )


class prompt(handler):
    name = b'Prompt'
    description = _(b'ask for each file; without a terminal keep both')

    def resolve(self, c):
        ui = c.ui
        if not ui.interactive():
            return fallback(c, _(b'no terminal to ask'))
        try:
            index = ui.promptchoice(
                _(
                    b'%s changed here and on %s: keep (l)ocal, take (r)emote, '
                    b'keep (b)oth or (m)erge?'
                    b'$$ &Local $$ &Remote $$ &Both $$ &Merge'
                )
                % (c.path, c.host),
                2,
            )
        except error.ResponseExpected:
            ui.write_err(b'\n')
            return fallback(c, _(b'no answer'))
        if index == 3:
            return merge().resolve(c)
        return (LOCAL, OTHER, BOTH)[index]

    def foresee(self, localdeleted, otherdeleted):
        return _(b'ask'), False


SHIPPED = (clobberlocal, clobberremote, keepboth, merge, prompt)


class externaltool(handler):
    """a ``[merge-tools]`` tool used as a handler

    The tool merges; ``:silvermirror`` only sees what it cannot take, the
    change/delete conflicts, and keeps the changed file.
    """

    def __init__(self, name):
        self.name = self.tool = name

    def resolve(self, c):
        return fallback(c, _(b'not for merge tool %s') % self.name)

    def foresee(self, localdeleted, otherdeleted):
        return _keepchanged(localdeleted, otherdeleted) or (
            _(b'merge with %s') % self.name,
            False,
        )


def _mergetool(ui, name):
    """the ``[merge-tools]`` tool called ``name`` in any case, or None"""
    key = name.lower()
    for item, _value in ui.configitems(b'merge-tools'):
        tool = item.split(b'.', 1)[0]
        if tool.lower() == key:
            return tool
    return None


class registry:
    """handler names -> handlers, from the entry point group"""

    def __init__(self):
        self._handlers = None

    def _table(self):
        """lower-case name -> entry point or class; shipped names win"""
        if self._handlers is None:
            from importlib import metadata

            table = {}
            for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
                table.setdefault(ep.name.lower().encode('utf-8'), ep)
            # the shipped handlers, also when the package is not installed
            for cls in SHIPPED:
                table[cls.name.lower()] = cls
            self._handlers = table
        return self._handlers

    def known(self):
        names = []
        for found in self._table().values():
            name = found.name
            names.append(name.encode('utf-8') if isinstance(name, str) else name)
        return sorted(names, key=lambda n: n.lower())

    def _find(self, name):
        found = self._table().get(name.lower())
        if found is None:
            return None
        if isinstance(found, type):
            return found()
        try:
            obj = found.load()
        except Exception as inst:
            raise error.Abort(
                _(b'cannot load conflict handler %s: %s')
                % (name, stringutil.forcebytestr(inst)),
                hint=_(b'check the package that provides %s')
                % found.value.encode('utf-8'),
            )
        if isinstance(obj, type):
            obj = obj()
        if not isinstance(obj, handler):
            raise error.Abort(
                _(b'%s is not a conflict handler') % found.value.encode('utf-8'),
                hint=_(b'a handler subclasses hgext_silvermirror.conflicts.handler'),
            )
        if not obj.name:
            obj.name = found.name
        if isinstance(obj.name, str):
            obj.name = obj.name.encode('utf-8')
        return obj

    def get(self, ui, name, where=None):
        """the handler called ``name`` (any case), or abort listing them

        ``where`` is the config file and line the name comes from: a bad
        name there is a configuration error, else bad input.
        """
        found = self._find(name)
        if found is not None:
            return found
        tool = _mergetool(ui, name)
        if tool is not None:
            return externaltool(tool)
        msg = _(b'unknown conflict handler: %s') % name
        hint = _(b'known handlers: %s; or a tool of [merge-tools]') % b', '.join(
            self.known()
        )
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
        self.copies = []
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
        (b'ui', b'origbackuppath'): repo.vfs.join(b'silvermirror/orig'),
    }
    if tool != TOOL:
        overrides[(b'merge-tools', tool + b'.checkconflicts')] = b'true'
    _current.ctx = ctx
    try:
        with repo.ui.configoverride(overrides, b'silvermirror'):
            yield ctx
    finally:
        _current.ctx = None


def _restorecmd(node, path):
    """the command that brings the other version back, from anywhere inside

    ``path:`` names the file from the resource's root, whatever the
    directory the command is run in.
    """
    return b'hg mirror-restore -r %s path:%s' % (node[:12], procutil.shellquote(path))


def shorthost(label):
    """a host's name for file names: the host of a URL, the last part of a path"""
    if b'://' in label:
        return urlutil.url(label).host or label
    return label.rstrip(b'/').rsplit(b'/', 1)[-1] or label


def conflictname(repo, path, host, when):
    """a free name for the other side's copy: NAME.conflict-HOST-DATE.EXT"""
    stamp = time.strftime('%Y%m%d-%H%M%S', time.gmtime(when)).encode('ascii')
    head, slash, base = path.rpartition(b'/')
    stem, dot, ext = base.rpartition(b'.')
    if not dot or not stem:
        stem, ext = base, b''
    safehost = b''.join(
        bytes([c]) if chr(c).isalnum() or c in b'-_' else b'_'
        for c in shorthost(host)
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


def writecopy(repo, fctx, host):
    """write ``fctx`` (the other side's version) beside its path; its name"""
    when = repo[fctx.introrev()].date()[0]
    copy = conflictname(repo, fctx.path(), host, when)
    repo.wvfs.write(copy, fctx.data())
    flags = fctx.flags()
    if flags:
        repo.wvfs.setflags(copy, b'l' in flags, b'x' in flags)
    return copy


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
    path = fcd.path()
    if ctx is not None:
        host = ctx.host
    else:
        host = fco.changectx().extra().get(NODE_EXTRA, b'other')
    present = [f for f in (fcd, fco) if not f.isabsent()]
    c = conflict(
        repo.ui,
        path,
        _data(fcd),
        _data(fco),
        None if base.fctx.filenode() == repo.nullid else base.fctx.data(),
        host,
        any(f.isbinary() for f in present),
        any(b'l' in f.flags() for f in present),
    )
    decision = _decide(hdl, c)
    wfctx = filemerge._underlyingfctxifabsent(fcd)
    localnode = repo[b'.'].hex()
    othernode = fco.changectx().hex()

    def note(outcome, restore=None, copy=None):
        if ctx is not None:
            ctx.record(path, outcome, restore, copy, c.reason)

    if isinstance(decision, merged):
        wfctx.write(bytes(decision), fcd.flags())
        note(b'merged')
        return 0, False
    if c.local is None:
        # deleted here, changed there: BOTH keeps the changed file
        if decision == LOCAL:
            note(b'kept local deletion', _restorecmd(othernode, path))
            return 0, True
        wfctx.write(c.other, fco.flags())
        note(b'took remote' if decision == OTHER else b'kept remote change')
        return 0, False
    if c.other is None:
        # changed here, deleted there
        if decision == OTHER:
            wfctx.remove()
            note(b'took remote deletion', _restorecmd(localnode, path))
            return 0, True
        note(b'kept local' if decision == LOCAL else b'kept local change')
        return 0, False
    if decision == OTHER:
        wfctx.write(c.other, fco.flags())
        note(b'took remote', _restorecmd(localnode, path))
        return 0, False
    if decision == LOCAL:
        note(b'kept local', _restorecmd(othernode, path))
        return 0, False
    copy = writecopy(repo, fco, host)
    if ctx is not None:
        ctx.copies.append(copy)
    note(b'kept both', copy=copy)
    return 0, False


@eh.wrapfunction(copiesmod, '_dir_renames')
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
    extensions.wrapfunction(filemerge, '_picktool', _picktool)
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

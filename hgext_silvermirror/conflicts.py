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
``:silvermirror`` (``mergetool``), which asks the handler of the current
sync for a decision.  A name that is not a handler but a tool of ``[merge-tools]``
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

import time

from mercurial.i18n import _
from mercurial import (
    error,
    simplemerge,
)
from mercurial.utils import (
    stringutil,
    urlutil,
)

ENTRY_POINT_GROUP = 'silvermirror.conflict_handlers'
TOOL = b':silvermirror'

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


class _oneside(handler):
    """one side's version wins, its deletion included"""

    side = None
    # what a dry run says: when the winning side deleted the file, else
    phrases = (None, None)

    def resolve(self, c):
        return self.side

    def changedelete(self, c):
        return self.side

    def foresee(self, localdeleted, otherdeleted):
        deleted = otherdeleted if self.side == OTHER else localdeleted
        return self.phrases[0 if deleted else 1], False


class clobberlocal(_oneside):
    name = b'ClobberLocal'
    description = _(b'the remote version replaces the local one')
    side = OTHER
    phrases = (_(b'take the remote deletion'), _(b'take remote'))


class clobberremote(_oneside):
    name = b'ClobberRemote'
    description = _(b'the local version stays, the remote one is history')
    side = LOCAL
    phrases = (_(b'keep the local deletion'), _(b'keep local'))


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
        # a shipped name wins over any plugin's: it needs no search of
        # the installed packages' entry points (a sync's default handler)
        shipped = next((c for c in SHIPPED if c.name.lower() == name.lower()), None)
        if shipped is not None:
            return shipped()
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

# workingcopy.py - record and update the working copy of a resource
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""what a sync does to one working copy, on this node or on a host

``snapshot`` records the working copy as a changeset (new files added,
missing ones removed, renames detected), leaving out ignored files, names
Mercurial cannot store and directories under another version control
system.  A tracked file that an ignore pattern or a child resource comes
to cover stops being tracked: the changeset that forgets it names it
(``silvermirror-untracked``), so that every node updating to it keeps the
file on disk, as Syncthing leaves an ignored file alone.  ``update`` brings a working copy to a new head only if nothing
in it would be overwritten.  Both run on the local repository and, through
the wire-protocol commands, on a host's repository.
"""

import contextlib
import hashlib
import os
import re

from mercurial.i18n import _
from mercurial import (
    context,
    error,
    match as matchmod,
    merge as mergemod,
    scmutil,
)
from mercurial.dirstateutils import timestamp
from mercurial.node import bin, nullrev
from mercurial.utils import stringutil

from . import (
    compat,
    config as configmod,
    confine,
    prefill,
    recovery,
    state as statefiles,
)
from .statcache import dirlistings, unsettled

NODE_EXTRA = b'silvermirror-node'
EMPTYDIRS_EXTRA = b'silvermirror-emptydirs'
UNTRACKED_EXTRA = b'silvermirror-untracked'
# directories that hold another version control system's checkout
VCS_MARKERS = frozenset([b'.git', b'.svn', b'.bzr', b'_darcs', b'CVS', b'.hg'])


class MassDeletion(error.StateError):
    """a snapshot would delete more of the resource than allowed"""


class snapshotresult:
    def __init__(self):
        self.node = None
        self.added = []
        self.removed = []
        self.modified = []
        # tracked files now excluded (ignored, or a child's): kept on disk
        self.untracked = []
        # (path, reason) of files left out
        self.skipped = []
        self.nested = []
        self.emptydirs = None

    @property
    def changes(self):
        return (
            len(self.added)
            + len(self.removed)
            + len(self.modified)
            + len(self.untracked)
        )

    def todict(self):
        return {
            b'node': self.node,
            b'added': len(self.added),
            b'removed': len(self.removed),
            b'modified': len(self.modified),
            b'untracked': self.untracked,
            b'skipped': [[p, r] for p, r in self.skipped],
            b'nested': self.nested,
        }


def ignorefile(repo):
    return repo.vfs.join(statefiles.IGNORE)


def _dirpattern(path):
    """an hgignore line for one directory and everything below it"""
    return b're:^%s(?:/|$)' % re.escape(path)


_UNESCAPEDHASH = re.compile(br'(?<!\\)#')


def setignore(repo, patterns, dirs=()):
    """write the resource's ignore patterns where hg reads them

    ``reposetup`` points ``ui.ignore.silvermirror`` at this file, so the
    user's own ``hg status`` in a resource agrees with the sync.  Patterns
    use hgignore syntax, glob by default; ``dirs`` (nested resources and
    checkouts) are left out whole.  A pattern that would make hg read a
    file is refused (``confine.checkignore``): patterns come from the
    SilverMirror file, which other nodes send.  Caller holds the wlock.
    """
    confine.checkignore(patterns)
    lines = [b'syntax: glob']
    # a # starts a comment in an hgignore file: *# would read as *
    lines.extend(_UNESCAPEDHASH.sub(br'\\#', p) for p in patterns)
    lines.extend(_dirpattern(d) for d in sorted(set(dirs)))
    return _writestate(repo, statefiles.IGNORE, b'\n'.join(lines) + b'\n')


# how an hgignore file reads a prefixed line
_IGNOREKINDS = {b're': b'relre', b'regexp': b'relre', b'glob': b'relglob'}


def _ignorematcher(repo, patterns, dirs):
    """a matcher for what ``setignore`` would write"""
    confine.checkignore(patterns)
    pats = []
    for p in list(patterns) + [_dirpattern(d) for d in dirs]:
        kind, sep, rest = p.partition(b':')
        if sep and kind in matchmod.allpatternkinds + tuple(_IGNOREKINDS):
            pats.append(_IGNOREKINDS.get(kind, kind) + b':' + rest)
        else:
            pats.append(b'relglob:' + p)
    if not pats:
        return None
    return matchmod.match(repo.root, b'', include=pats)


def _writestate(repo, name, data):
    """write one of our files under .hg/silvermirror if it changed"""
    if repo.vfs.tryread(name) == data:
        return False
    statefiles.writeraw(repo, name, data)
    if name == statefiles.IGNORE:
        useignore(repo)
        # hg keeps the ignore matcher as long as ``.hgignore`` is unchanged,
        # through ``invalidate`` too: a matcher read earlier in this process
        # (a preamble's repair) would still see the old patterns
        compat.forgetignorematcher(repo)
    # the dirstate caches its ignore matcher
    repo.dirstate.invalidate()
    return True


def useignore(repo):
    """make hg read the resource's ignore file, once it exists"""
    path = ignorefile(repo)
    if os.path.exists(path):
        repo.ui.setconfig(b'ui', b'ignore.silvermirror', path, b'silvermirror')


def knownnested(repo):
    """nested checkouts found by earlier snapshots"""
    old = lambda data: [l for l in data.splitlines() if l]
    return statefiles.read(repo, statefiles.NESTED, list, old) or []


def _nestedroot(path):
    """the checkout directory holding ``path``, if it is inside one"""
    parts = path.split(b'/')
    for i, part in enumerate(parts[:-1]):
        if part in VCS_MARKERS and i > 0:
            return b'/'.join(parts[:i])
    return None


def _badname(path):
    if b'\n' in path or b'\r' in path:
        return _(b'name contains a newline or carriage return')
    return None


def snapshot(
    repo,
    node,
    ignore=(),
    message=None,
    user=None,
    maxdelete=configmod.DEFAULT_MAXDELETE,
    force=False,
    dryrun=False,
    children=(),
    alongside=None,
):
    """commit what changed in the working copy; caller holds the wlock

    ``ignore`` are the resource's patterns, ``children`` the directories of
    nested resources (never recorded here).  Deleting more than
    ``maxdelete`` percent of the files raises ``MassDeletion`` unless
    ``force``.  ``alongside(repo, files)``, if given, is a context
    entered around the adding and the commit (``prefill``).
    """
    ui = repo.ui
    res = snapshotresult()
    nested = [n for n in knownnested(repo) if _isnested(repo, n)]
    excluded = None
    if dryrun:
        # read-only: what the ignore file would say, without writing it
        excluded = _ignorematcher(repo, ignore, list(children) + nested)
    else:
        setignore(repo, ignore, list(children) + nested)
        unsettled.settle(repo)
    st = repo.status(unknown=True)

    unknown = []
    found = set()
    for path in st.unknown:
        if excluded is not None and excluded(path):
            continue
        root = _nestedroot(path)
        if root is not None:
            found.add(root)
            continue
        reason = _badname(path)
        if reason is None and not os.access(repo.wjoin(path), os.R_OK, follow_symlinks=False):
            reason = _(b'file is not readable')
        if reason is not None:
            res.skipped.append((path, reason))
            continue
        unknown.append(path)
    nested = sorted(set(nested) | found)
    unknown = [p for p in unknown if not any(p.startswith(n + b'/') for n in found)]
    checked, untracked = _leftbehind(repo, ignore, children, st.added)
    if not dryrun:
        _writestate(repo, statefiles.NESTED, statefiles.encode(nested) if nested else b'')
        if found:
            setignore(repo, ignore, list(children) + nested)
    res.nested = nested
    for path, reason in res.skipped:
        ui.warn(
            _(b'skipping %s: %s\n') % (stringutil.escapestr(path), reason)
        )

    res.untracked = untracked
    untracked = set(untracked)
    deleted = [p for p in st.deleted if p not in untracked]
    unreadable = [
        p
        for p in st.modified
        if p not in untracked
        and not os.access(repo.wjoin(p), os.R_OK, follow_symlinks=False)
    ]
    for path in unreadable:
        res.skipped.append((path, _(b'file is not readable')))
        ui.warn(_(b'skipping %s: file is not readable\n') % path)
    leftout = untracked.union(unreadable)
    res.modified = [p for p in st.modified if p not in leftout]
    res.added = [p for p in st.added if p not in untracked] + unknown
    res.removed = [p for p in st.removed if p not in untracked] + deleted
    _checkdeletions(repo, len(res.removed), maxdelete, force)

    marked = []
    res.emptydirs = emptydirs(repo, keep=not dryrun, marked=marked)
    res.nested = sorted(set(nested).union(marked))
    if not dryrun and set(marked) - set(nested):
        _writestate(repo, statefiles.NESTED, statefiles.encode(res.nested))
    dirschanged = set(res.emptydirs) != recordeddirs(repo[b'.'])
    if dryrun or not (res.changes or dirschanged):
        if not dryrun:
            _notechecked(repo, checked % repo[b'.'].hex())
        return res

    if message is None:
        message = b'mirror: snapshot on %s' % node
    changed = res.added + res.removed + res.modified + res.untracked
    extra = {NODE_EXTRA: node}
    if res.untracked:
        extra[UNTRACKED_EXTRA] = b'\0'.join(res.untracked)
    with alongside(repo, changed) if alongside else contextlib.nullcontext():
        if res.untracked:
            # hg forget: the files stay on disk, for the child or the user
            with repo.dirstate.changing_files(repo):
                for path in res.untracked:
                    repo.dirstate.set_untracked(path)
        if unknown or deleted:
            m = matchmod.exact(unknown + deleted)
            uipathfn = scmutil.getuipathfn(repo, legacyrelativevalue=True)
            # a rename is a deleted file found again: without a deletion, hg
            # would still read and hash every new file (an initial snapshot)
            similarity = b'100' if deleted else b'0'
            with repo.dirstate.changing_files(repo):
                scmutil.addremove(repo, m, b'', uipathfn, {b'similarity': similarity})
        with ui.configoverride({(b'ui', b'allowemptycommit'): True}, b'silvermirror'):
            res.node = commit(
                repo,
                text=message,
                user=user or username(ui, node),
                match=matchmod.exact(changed),
                extra=dirsextra(res.emptydirs, extra, repo),
            )
    _notechecked(repo, checked % repo[b'.'].hex())
    return res


def _notechecked(repo, line):
    """remember where ``_leftbehind`` looked last

    Not through ``_writestate``: the dirstate does not depend on it, and
    invalidating the dirstate would make fsmonitor forget its state.  A
    directory that went away meanwhile (a disk unplugged) is not made
    again: the check is only done once more.
    """
    if statefiles.read(repo, statefiles.CHECKED, list) == line.split() or not repo.vfs.isdir(statefiles.DIR):
        return
    statefiles.write(repo, statefiles.CHECKED, line.split(), makedirs=False)


def _leftbehind(repo, ignore, children, added):
    """(state line, tracked files the patterns or children now exclude)

    The tracked files are matched against what SilverMirror leaves out
    only when that changed, or against the files that arrived since the
    last check: a snapshot costs what changed, not the size of the tree.
    Nested checkouts are not among the exclusions: a checkout made inside
    tracked files keeps them tracked.  The state line takes the parent the
    check ends at (``%s``).
    """
    key = hashlib.sha1(
        b'\0'.join(list(ignore) + [b''] + sorted(children))
    ).hexdigest().encode('ascii')
    checked = b'%s ' + key + b'\n'
    m = _ignorematcher(repo, ignore, children)
    if m is None:
        return checked, []
    p1 = repo[b'.']
    state = statefiles.read(repo, statefiles.CHECKED, list, bytes.split) or []
    unfi = repo.unfiltered()
    if len(state) == 2 and state[1] == key and state[0] == p1.hex():
        candidates = []
    elif len(state) == 2 and state[1] == key and _known(unfi, state[0]):
        candidates = repo.status(bin(state[0]), p1.node()).added
    else:
        candidates = iter(p1.manifest())
    ds = repo.dirstate
    found = {f for f in candidates if m(f) and ds.get_entry(f).tracked}
    found.update(f for f in added if m(f))
    return checked, sorted(found)


def _known(unfi, hexnode):
    try:
        return bin(hexnode) in unfi
    except ValueError:
        return False


def untrackedby(ctx):
    """the files ``ctx`` stopped tracking and left on disk"""
    value = ctx.extra().get(UNTRACKED_EXTRA, b'')
    return {f for f in value.split(b'\0') if f}


def keepuntracked(repo, old, new):
    """write back the files an update from ``old`` to ``new`` removed
    although the changeset removing them only stopped tracking them

    The working copy held ``old``'s version of each (an update or merge
    writes over no uncommitted change), so that version is the file as it
    was on disk.  Caller holds the wlock.
    """
    names = set()
    for rev in repo.revs(b'only(%n, %n)', new.node(), old.node()):
        names.update(untrackedby(repo[rev]))
    kept = []
    for f in sorted(names):
        if f in old and f not in new and not repo.wvfs.lexists(f):
            fctx = old[f]
            repo.wwrite(f, fctx.data(), fctx.flags())
            kept.append(f)
    return kept


def commit(repo, **kwargs):
    """``repo.commit`` that leaves the committed files known clean

    hg's commit forgets their size and mtime, so the next status would
    read every committed file again (seconds for an initial snapshot).
    A file written after the moment taken before the commit has an mtime
    at or past it and is left to be read again, as hg's own status does.
    Caller holds the wlock.
    """
    boundary = timestamp.get_fs_now(repo.vfs)
    node = repo.commit(**kwargs)
    if node is None:
        return None
    ds = repo.dirstate
    ctx = repo[node]
    with ds.running_status(repo):
        for f in ctx.files():
            entry = ds.get_entry(f)
            if entry.tracked and entry.p1_tracked:
                unsettled.recordclean(repo, f, boundary)
    unsettled.note(repo, ctx, ctx.files())
    return node


def emptydirs(repo, keep=True, marked=None):
    """directories with nothing in them, which hg itself does not track

    Their names travel in the extra ``silvermirror-emptydirs`` of each
    snapshot and merge, so no placeholder file litters the tree.  Ignored
    directories, nested repositories and other checkouts are left out.
    Only directories changed since the last look are listed (``dirlistings``;
    ``keep`` updates it, under the wlock).  The checkouts met on the way
    (a nested Mercurial repository too, whose files hg's status never
    lists) are appended to ``marked``.
    """
    ignore = compat.ignorematcher(repo)
    found = []

    def visit(rel, entry):
        if rel and not entry.flags & dirlistings.NONEMPTY:
            found.append(rel)
            return ()
        if rel and entry.flags & dirlistings.MARKED:
            if marked is not None:
                marked.append(rel)
            return ()
        base = rel + b'/' if rel else b''
        return [s for s in entry.subdirs if not ignore(base + s)]

    dirlistings.walk(repo, VCS_MARKERS, visit, keep)
    return sorted(found)


def recordeddirs(ctx):
    """the empty directories recorded in a changeset

    Only SilverMirror's own changesets record them.  hg does not track
    directories, so any other changeset (the user's ``hg commit``, an
    import, a rebase) leaves them as its first parent had them.
    """
    extra = ctx.extra()
    while NODE_EXTRA not in extra:
        ctx = ctx.p1()
        if ctx.rev() == nullrev:
            return set()
        extra = ctx.extra()
    value = extra.get(EMPTYDIRS_EXTRA, b'')
    return {d for d in value.split(b'\0') if d}


def dirsextra(dirs, extra, repo=None):
    """``extra`` with the empty directories ``dirs`` recorded

    With ``repo``, a commit of SilverMirror's stays out of the user's
    active topic (topic extension), which would otherwise capture it and
    hide it from the branch heads a sync merges.
    """
    extra = dict(extra)
    if repo is not None and getattr(repo, 'currenttopic', b''):
        # an empty value: no topic; the extension drops it when storing
        extra[b'topic'] = b''
    if dirs:
        extra[EMPTYDIRS_EXTRA] = b'\0'.join(sorted(dirs))
    return extra


def materializedirs(repo, old, new):
    """create the empty directories of ``new``, drop those only in ``old``

    The records come with history, from any node: a directory outside the
    tree (``..``, absolute, through a link, in ``.hg``) is neither made
    nor removed, only warned about; the next snapshot records the
    directories as they are.
    """
    audit = confine.auditor(repo)
    bad = {d for d in new | old if not confine.safepath(repo, d, audit)}
    # said once, when the record arrives
    for d in sorted(bad & new):
        repo.ui.warn(
            _(b'ignoring the empty directory %s recorded in history: '
              b'it is outside the working copy\n')
            % stringutil.escapestr(d)
        )
    new, old = new - bad, old - bad
    for d in sorted(new):
        if not repo.wvfs.lexists(d):
            try:
                repo.wvfs.makedirs(d)
            except OSError as inst:
                # a file where the record has a directory: the file wins
                repo.ui.warn(
                    _(b'cannot create the empty directory %s: %s\n')
                    % (stringutil.escapestr(d), stringutil.forcebytestr(inst))
                )
    for d in sorted(old - new, reverse=True):
        try:
            os.rmdir(repo.wjoin(d))
        except OSError:
            pass


def mergeddirs(base, local, other):
    """three-way merge of sets: a removal on either side wins"""
    return (local & other) | (local - base) | (other - base)


def _isnested(repo, path):
    return any(repo.wvfs.isdir(path + b'/' + m) for m in VCS_MARKERS)


def _checkdeletions(repo, count, share, force):
    if force or share is None or count <= configmod.MAXDELETE_FLOOR:
        return
    total = len(repo[b'.'].manifest())
    if total and count * 100.0 > share * total:
        raise MassDeletion(
            _(b'refusing to record the deletion of %d of %d files in %s')
            % (count, total, repo.root),
            hint=_(
                b'if the files are really gone, run again with --force '
                b'(limit: maxdelete = %g%%)'
            )
            % share,
        )


def username(ui, node):
    """the person's hg username if set, else a name that says which node"""
    user = ui.config(b'ui', b'username')
    if not user:
        from mercurial import encoding

        user = encoding.environ.get(b'HGUSER')
    return user or b'silvermirror@%s' % node


def touched(ctx, target):
    """the files an update from ``ctx`` to ``target`` writes or removes"""
    return sorted(ctx.manifest().diff(target.manifest()))


def pendingamong(repo, files):
    """the working copy's uncommitted changes among ``files``

    One lstat per file and no walk of the tree: an update touches only
    these, so a change anywhere else cannot be overwritten by it and
    waits for the next snapshot.  The result is a working context whose
    status is this narrow one, for the update to work from.
    """
    if files:
        st = repo.status(match=matchmod.exact(files), unknown=True)
    else:
        # an exact matcher of no file would walk the whole tree
        st = scmutil.status([], [], [], [], [], [], [])
    return context.workingctx(repo, changes=st), any(
        (st.modified, st.added, st.removed, st.deleted, st.unknown)
    )


def leadsto(repo, node, target):
    """does ``target`` descend from ``node``, or from a rewrite of it?

    A snapshot amended elsewhere (evolve) reaches us as its successor and
    a marker; moving on to it is an update, not a merge with an obsolete
    changeset (which would make an orphan).
    """
    if repo.changelog.isancestor(node, target):
        return True
    return bool(repo.unfiltered().revs(b'successors(%n) and ::%n', node, target))


def update(repo, node):
    """move the working copy to ``node`` if that overwrites nothing

    Returns ``b'updated'``, ``b'current'``, ``b'dirty'`` (uncommitted
    changes to files it would write: left alone) or ``b'diverged'`` (the
    working copy's parent is not an ancestor of ``node``).  Caller holds
    the wlock.
    """
    parents = repo[None].parents()
    target = repo[node]
    if len(parents) > 1:
        return b'dirty'
    # files written while the first snapshot was made: kept if they are its
    if prefill.pending(repo) and prefill.adopt(repo, target.node()):
        materializedirs(repo, set(), recordeddirs(target))
        return b'updated'
    if parents[0].node() == target.node():
        return b'current'
    if not leadsto(repo, parents[0].node(), target.node()):
        return b'diverged'
    files = touched(parents[0], target)
    wctx, dirty = pendingamong(repo, files)
    if dirty:
        return b'dirty'
    overrides = {
        (b'merge', b'checkunknown'): b'abort',
        (b'merge', b'checkignored'): b'abort',
        (b'commands', b'update.check'): b'noconflict',
    }
    with repo.ui.configoverride(overrides, b'silvermirror'), recovery.guard(
        repo, b'update', target.node()
    ):
        # refused before any file is written: the guard has nothing to
        # leave for the next preamble
        try:
            mergemod.update(target, updatecheck=b'noconflict', wc=wctx)
        except error.StateError:
            return b'dirty'
        except error.Abort as inst:
            if b'untracked file' not in inst.message:
                raise
            return b'dirty'
        # inside the guard: a run that dies before the write-back leaves
        # the next preamble to redo it
        keepuntracked(repo, parents[0], target)
    unsettled.note(repo, target, files)
    materializedirs(repo, recordeddirs(parents[0]), recordeddirs(target))
    return b'updated'


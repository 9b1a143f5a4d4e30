# snapshot.py - record the working copy of a resource as a changeset
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""a snapshot: what changed in a working copy, recorded as a changeset

``scan`` finds what changed (new files added, missing ones removed,
renames detected), leaving out ignored files, names Mercurial cannot
store and directories under another version control system; ``record``
commits it.  They are apart so that a sync starts first contact with an
empty host between them (``firstcontact``), while the commit runs.  A
tracked file that an ignore pattern or a child resource comes to cover
stops being tracked: the changeset that forgets it names it
(``silvermirror-untracked``), so that every node updating to it keeps the
file on disk, as Syncthing leaves an ignored file alone.  Both run on the
local repository and, through ``host``, on a host's repository.
"""

import hashlib
import os

from mercurial.i18n import _
from mercurial import (
    error,
    match as matchmod,
    scmutil,
)
from mercurial.dirstateutils import timestamp
from mercurial.node import bin, nullrev

from . import (
    bigfiles,
    compat,
    config as configmod,
    ignorefile,
    state as statefiles,
)
from .collision import Collision
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
        # what ``scan`` leaves for ``record``: the files addremove takes
        # (new, deleted), whether the empty directories changed, and the
        # state line of ``_leftbehind``
        self.unknown = []
        self.deleted = []
        # the new files at or above the threshold: largefiles
        self.big = []
        self.dirschanged = False
        self.checked = None

    @property
    def pending(self):
        """is there anything for ``record`` to commit?"""
        return bool(self.changes or self.dirschanged)

    @property
    def files(self):
        """the files the commit records"""
        return self.added + self.removed + self.modified + self.untracked

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


def scan(
    repo,
    ignore=(),
    maxdelete=configmod.DEFAULT_MAXDELETE,
    force=False,
    dryrun=False,
    children=(),
    bigfile=None,
):
    """what changed in the working copy, to be recorded; caller holds the wlock

    ``ignore`` are the resource's patterns, ``children`` the directories of
    nested resources (never recorded here), ``bigfile`` the size from which
    a new file becomes a largefile (``bigfiles``).  Deleting more than
    ``maxdelete`` percent of the files raises ``MassDeletion`` unless
    ``force``.  Nothing is committed: ``record`` does, so that a caller
    can start work of its own between the two (first contact sends the
    files while they are committed).  A dry run writes nothing.
    """
    res = snapshotresult()
    nested = [n for n in knownnested(repo) if _isnested(repo, n)]
    excluded = None
    if dryrun:
        # read-only: what the ignore file would say, without writing it
        excluded = ignorefile.matcher(repo, ignore, list(children) + nested)
    else:
        ignorefile.setignore(repo, ignore, list(children) + nested)
        unsettled.settle(repo)
        bigfiles.resettle(repo)
    with bigfiles.status(repo):
        st = repo.status(unknown=True)
    unknown, found = _unknown(repo, st.unknown, excluded, res)
    nested = sorted(set(nested) | found)
    unknown = [p for p in unknown if not any(p.startswith(n + b'/') for n in found)]
    res.checked, untracked = _leftbehind(repo, ignore, children, st.added)
    if not dryrun:
        ignorefile.writestate(repo, statefiles.NESTED, statefiles.encode(nested) if nested else b'')
        if found:
            ignorefile.setignore(repo, ignore, list(children) + nested)
    res.nested = nested

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
    leftout = untracked.union(unreadable)
    res.modified = [p for p in st.modified if p not in leftout]
    res.added = [p for p in st.added if p not in untracked] + unknown
    res.removed = [p for p in st.removed if p not in untracked] + deleted
    res.unknown, res.deleted = unknown, deleted
    res.big = bigfiles.split(repo, unknown, bigfile)[0]
    _checkdeletions(repo, len(res.removed), maxdelete, force)

    marked = []
    res.emptydirs = emptydirs(repo, keep=not dryrun, marked=marked)
    res.nested = sorted(set(nested).union(marked))
    if not dryrun and set(marked) - set(nested):
        ignorefile.writestate(repo, statefiles.NESTED, statefiles.encode(res.nested))
    res.dirschanged = set(res.emptydirs) != recordeddirs(repo[b'.'])
    return res


def _unknown(repo, paths, excluded, res):
    """(files to add, nested checkouts found) among the unknown ``paths``

    A file hg cannot store or this process cannot read is left out, noted
    in ``res.skipped``.
    """
    unknown = []
    found = set()
    for path in paths:
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
    return unknown, found


def record(repo, res, node, message=None, user=None):
    """commit what ``scan`` found in ``res``; caller holds the wlock"""
    if not res.pending:
        _notechecked(repo, res.checked % repo[b'.'].hex())
        return res
    ui = repo.ui
    if message is None:
        message = b'mirror: snapshot on %s' % node
    extra = {NODE_EXTRA: node}
    if res.untracked:
        extra[UNTRACKED_EXTRA] = b'\0'.join(res.untracked)
        # hg forget: the files stay on disk, for the child or the user
        with repo.dirstate.changing_files(repo):
            for path in res.untracked:
                repo.dirstate.set_untracked(path)
    if res.unknown or res.deleted:
        with repo.dirstate.changing_files(repo):
            _track(repo, res)
    with ui.configoverride({(b'ui', b'allowemptycommit'): True}, b'silvermirror'):
        while res.pending:
            try:
                res.node = commit(
                    repo,
                    text=message,
                    user=user or username(ui, node),
                    match=matchmod.exact(res.files),
                    extra=dirsextra(res.emptydirs, extra, repo),
                )
                break
            except Collision as inst:
                bigfiles.leaveout(repo, res, inst)
    _notechecked(repo, res.checked % repo[b'.'].hex())
    return res


def _track(repo, res):
    """track the new files ``scan`` found, forget the deleted ones

    Only new files: hg's add tracks them (its checks of each: there, a
    file or a link, portable), without the walk of the whole match that
    addremove does again (the scan just listed them).
    """
    big = set(res.big)
    rest = [p for p in res.unknown if p not in big] + res.deleted
    bigfiles.addlarge(repo, res.big)
    if not res.deleted and not bigfiles.enabled(repo):
        repo[None].add(rest)
    elif rest:
        uipathfn = scmutil.getuipathfn(repo, legacyrelativevalue=True)
        # a rename is a deleted file found again: without a deletion, hg
        # would still read and hash every new file (an initial snapshot)
        opts = bigfiles.addremoveopts(repo)
        opts[b'similarity'] = b'100' if res.deleted else b'0'
        scmutil.addremove(repo, matchmod.exact(rest), b'', uipathfn, opts)


def snapshot(repo, node, message=None, user=None, dryrun=False, **scanargs):
    """commit what changed in the working copy (``scan``, then ``record``)

    ``scanargs`` are ``scan``'s.  A dry run records nothing.  Caller holds
    the wlock.
    """
    res = scan(repo, dryrun=dryrun, **scanargs)
    if not dryrun:
        record(repo, res, node, message=message, user=user)
    return res


def _notechecked(repo, line):
    """remember where ``_leftbehind`` looked last

    Not through ``ignorefile.writestate``: the dirstate does not depend on it, and
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
    m = ignorefile.matcher(repo, ignore, children)
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
    The same holds for largefiles (``bigfiles.settle``).  Caller holds the
    wlock.
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
    bigfiles.settle(repo, ctx.files(), boundary)
    bigfiles.dropstandins(repo, ctx.files())
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


def ensureconfig(repo):
    """resources are non-publishing, so snapshots can be amended or folded"""
    data = repo.vfs.tryread(b'hgrc')
    if b'[phases]' in data:
        return
    sep = b'\n' if data and not data.endswith(b'\n') else b''
    repo.vfs.write(
        b'hgrc', data + sep + b'[phases]\npublish = False\n', atomictemp=True
    )
    repo.ui.setconfig(b'phases', b'publish', False, b'silvermirror')

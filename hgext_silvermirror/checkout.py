# checkout.py - move a working copy to a new head, overwriting nothing
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the one route of a working copy to a new head, here or on a host

``update`` brings a working copy to a head that descends from it only if
nothing in it would be overwritten; ``integrate`` brings the local
working copy to the single head of its branch, updating or merging.  A
host's update (``host``: after a push, or with a delivered bundle) and
this node's after a pull both come here.  The empty directories
snapshots record are made and removed with the files.
"""

import os

from mercurial.i18n import _
from mercurial import (
    context,
    error,
    match as matchmod,
    merge as mergemod,
    scmutil,
)
from mercurial.dirstateutils import timestamp
from mercurial.node import hex
from mercurial.utils import stringutil

from . import (
    bigfiles,
    bigmerge,
    confine,
    hosts as hostsmod,
    mergetool,
    recovery,
    snapshot as snapshotmod,
)
from .statcache import unsettled
from .firstcontact import firstcheckout

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


# the host's command for ``warm`` asked on its own, and its capability
WARM = b'smwarm'


def warm(repo):
    """read the working copy's parent manifest ahead of an update

    A host reads it while the client still commits what it will deliver:
    the update then finds it in hg's manifest cache, and reads the new
    manifest as the one delta from it that the delivery stored.
    """
    repo[b'.'].manifest()


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
    ) or bigfiles.dirty(repo, files)


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
    if firstcheckout.pending(repo) and firstcheckout.adopt(repo, target.node()):
        materializedirs(repo, set(), snapshotmod.recordeddirs(target))
        return b'updated'
    if parents[0].node() == target.node():
        return b'current'
    if not leadsto(repo, parents[0].node(), target.node()):
        return b'diverged'
    files = touched(parents[0], target)
    # their edits show in their standins' check
    turned = bigmerge.turnedsmall(repo, parents[0], files)
    wctx, dirty = pendingamong(repo, [f for f in files if f not in turned])
    if dirty:
        return b'dirty'
    overrides = {
        (b'merge', b'checkunknown'): b'abort',
        (b'merge', b'checkignored'): b'abort',
        (b'commands', b'update.check'): b'noconflict',
    }
    # hostsmod.quiet: largefiles says what it wrote, the sync's report does
    with repo.ui.configoverride(overrides, b'silvermirror'), recovery.guard(
        repo, b'update', target.node()
    ) as guard, hostsmod.quiet(repo.ui):
        # refused before any file is written: the guard has nothing to
        # leave for the next preamble
        try:
            bigmerge.makeway(repo, parents[0], turned)
            mergemod.update(target, updatecheck=b'noconflict', wc=wctx)
        except error.Abort as inst:
            if not isinstance(inst, error.StateError) and b'untracked file' not in inst.message:
                raise
            bigmerge.putback(repo, parents[0], turned)
            return b'dirty'
        # inside the guard: a run that dies before the write-back leaves
        # the next preamble to redo it
        snapshotmod.keepuntracked(repo, parents[0], target)
    unsettled.note(repo, target, files, guard.written)
    bigfiles.settle(repo, files, timestamp.get_fs_now(repo.vfs))
    materializedirs(repo, snapshotmod.recordeddirs(parents[0]), snapshotmod.recordeddirs(target))
    return b'updated'


def integrate(ui, repo, handler, host, node):
    """bring the working copy to the single head of its branch

    A head that descends from the working copy is updated to; any other
    head is merged, ``handler`` deciding the conflicts.  Returns the
    conflict records.
    """
    records = []
    while True:
        p1 = repo[b'.']
        heads = repo.branchmap().branchheads(p1.branch())
        others = [h for h in heads if h != p1.node()]
        if not others:
            return records
        head = others[0]
        if leadsto(repo, p1.node(), head):
            state = update(repo, head)
            if state not in (b'updated', b'current'):
                raise error.Abort(
                    _(b'local changes were made during the sync'),
                    hint=_(b'run the sync again to record them'),
                )
            continue
        records.extend(merge(ui, repo, handler, host, node, head))


def merge(ui, repo, handler, host, node, head):
    """merge ``head`` into the working copy and commit the merge"""
    p1 = repo[b'.']
    bigmerge.guard()
    with mergetool.merging(repo, handler, host, p1.hex(), hex(head)) as ctx:
        with hostsmod.quiet(repo.ui), recovery.guard(repo, b'merge', head):
            stats = mergemod.merge(repo[head], labels=[node, host])
            snapshotmod.keepuntracked(repo, p1, repo[head])
        if stats.unresolvedcount:
            mergetool.unresolved_to_both(repo, ctx)
        if ctx.copies:
            with repo.dirstate.changing_files(repo):
                repo[None].add([c for c in ctx.copies if c not in ctx.large])
                bigfiles.addlarge(repo, sorted(ctx.large))
        other = repo[head]
        local = snapshotmod.recordeddirs(p1)
        dirs = mergeddirs(
            snapshotmod.recordeddirs(p1.ancestor(other)),
            local,
            snapshotmod.recordeddirs(other),
        )
        materializedirs(repo, local | snapshotmod.recordeddirs(other), dirs)
        snapshotmod.commit(
            repo,
            text=b'mirror: merge with %s on %s' % (host, node),
            user=snapshotmod.username(ui, node),
            extra=snapshotmod.dirsextra(
                snapshotmod.emptydirs(repo), {snapshotmod.NODE_EXTRA: node}, repo
            ),
        )
    return ctx.results

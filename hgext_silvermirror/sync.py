# sync.py - the sync engine: one resource with its hosts
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the sync engine

``sync`` takes one resource through the steps of a sync and returns what
happened as data (``results``); commands, the daemon and hooks render or
log it.

1. the local part, under the resource's lock (``locks``): repair what an
   interrupted run left (``recovery``), find what changed in the working
   copy (``snapshot.scan``) and record it (``snapshot.record``), while the
   hosts are reached and snapshot their own pending changes (``reach``)
   and an empty host gets this node's files (``firstcontact``);
2. the exchange, for each host over one connection: we pull what it
   recorded and merge (``checkout.integrate``), the conflict handler of
   the direction deciding each conflicting file;
3. for a push, bring the merged head to every host reached and update
   each host's working copy if nothing there would be overwritten
   (``firstcontact.pushall``).

A host that cannot be reached, is busy or fails is reported and the sync
goes on with the others.
"""

import contextlib
import os

from mercurial.i18n import _
from mercurial import (
    error,
    exchange,
)
from mercurial.repo import factory as repo_factory

from . import (
    bigfiles,
    bigmerge,
    bigsource,
    bigstage,
    checkout,
    config as configmod,
    conflicts,
    firstcontact,
    hosts as hostsmod,
    locks,
    plan as planmod,
    reach as reachmod,
    recovery,
    resources as resourcesmod,
    snapshot as snapshotmod,
    wire,
)
from .firstcontact import pushupdate, sendahead
from .results import (
    FAILED,
    SKIPPED,
    SYNCED,
    UNREACHABLE,
    hostresult,
    resourceresult,
)


class options:
    """what a caller asks of a sync"""

    def __init__(
        self,
        direction=b'push',
        hosts=(),
        handler=None,
        dryrun=False,
        message=None,
        force=False,
        pool=None,
        alone=False,
        named=False,
        listener=None,
    ):
        self.direction = direction
        self.hosts = list(hosts)
        self.handler = handler
        self.dryrun = dryrun
        self.message = message
        self.force = force
        # a daemon.pool.pool keeps ssh connections open for the next sync
        self.pool = pool
        # the process runs nothing but syncs (silvermirrord)
        self.alone = alone
        # the resources were named on the command line: one that cannot
        # sync here is a failure, not a note
        self.named = named
        # ``listener(stage, result)``: told each stage as it is done, so
        # that its report comes before what the next stage asks or warns
        # (a prompt, a merge tool); ``report.reporter.tell``
        self.listener = listener
        # this node's snapshot has changes for the hosts and records them:
        # a host asked meanwhile reads ahead for its update, and may get
        # the files ahead: (repo, its parent, files, their parents), None
        # outside the record
        self.coming = False
        self.ahead = None

    def tell(self, stage, result):
        if self.listener is not None:
            self.listener(stage, result)


def selecthosts(res, wanted):
    """the resource's hosts, or those named by -H (a label, URL or path)"""
    if not wanted:
        return list(res.hosts)
    chosen = []
    for label in wanted:
        entry = next(
            (h for h in res.hosts if label in (h.label, h.url)), None
        )
        if entry is None:
            entry = res.entry(label)
        if entry not in chosen:
            chosen.append(entry)
    return chosen


def openrepo(ui, res, create=True):
    """the resource's repository; its directory must exist

    A missing directory is never created: it may be an unmounted disk,
    and syncing it would look like the deletion of every file.
    """
    root = res.root
    if not os.path.isdir(root):
        if os.path.exists(root):
            raise error.Abort(
                _(b'resource %s: %s is not a directory') % (res.name, root)
            )
        raise error.Abort(
            _(b'resource %s: directory %s is missing') % (res.name, root),
            hint=_(b'create or mount it; nothing is synced until it exists'),
        )
    if not os.path.isdir(os.path.join(root, b'.hg')):
        if not create:
            return None
        repo = repo_factory.repository(ui, root, create=True)
        snapshotmod.ensureconfig(repo)
    recovery.checkwhole(root)
    repo = repo_factory.repository(ui, root)
    if create and bigfiles.configure(repo, res.bigfile):
        # the extension loads with the repository
        repo = repo_factory.repository(ui, root)
    bigmerge.guard()
    return repo


def hostlabels(cfg, res):
    """the ``hosts`` entries of a resource as written, this node's included"""
    for section in configmod.lineage(res.name):
        labels = cfg.list(section, b'hosts')
        if labels is not None:
            return labels
    return []


def meantfor(cfg, res, node):
    """is ``res`` mirrored to ``node``?

    Yes when its hosts name the node, however the entry is written (a
    bare name or an ``ssh://`` URL, ``resources.nodenames``).  A top-level
    resource whose hosts name no node at all (only a hub or a disk) serves
    every node; a namespaced resource never does: it is meant only for
    the nodes it names, so that no form of entry can give a private
    resource to a machine it does not name.
    """
    named = set()
    for label in hostlabels(cfg, res):
        named.update(resourcesmod.nodenames(label))
    if node in named:
        return True
    return res.parent is None and not named


def notmirrored(cfg, res, node):
    """(why, hint): ``res`` is for other nodes and absent here"""
    hosts = b' '.join(hostlabels(cfg, res))
    return (
        _(b'not mirrored to %s: its directory %s is missing') % (node, res.root),
        _(
            b"its hosts (%s) do not name this node, whose silvermirror.name "
            b"is '%s': add it to hosts, or get the files with "
            b"'hg mirror-clone HOST %s'"
        )
        % (hosts, node, res.name),
    )


def checkstable(repo, res):
    """stop before a sync builds on orphan or divergent changesets

    Merging or pushing them would spread the instability to every host;
    the user resolves it with evolve first.  Without obsolescence markers
    no changeset is unstable, and the revsets are not computed.
    """
    if not repo.obsstore:
        return
    unstable = repo.revs(b'orphan() or contentdivergent() or phasedivergent()')
    if unstable:
        raise error.StateError(
            _(b'resource %s has %d unstable changesets') % (res.name, len(unstable)),
            hint=_(b"see 'hg -R %s evolve --list', stabilize them, then sync again")
            % res.root,
        )


def sync(ui, cfg, res, opts, result=None):
    """sync one resource with its hosts; returns a ``resourceresult``

    ``result``: the one to fill, so that a caller whose sync aborts still
    has what it did until then.
    """
    if result is None:
        result = resourceresult(res)
    direction = opts.direction
    handler = conflicts.handlers.get(ui, opts.handler or res.handler(direction))
    node = result.node = configmod.nodename(ui)
    if not os.path.exists(res.root) and not meantfor(cfg, res, node):
        # another node's resource (mirror-clone left it out): not an error,
        # unless the user asked for it by name
        result.elsewhere = True
        if opts.named:
            result.skipped = notmirrored(cfg, res, node)
        return result
    fresh = not os.path.isdir(os.path.join(res.root, b'.hg'))
    entries = selecthosts(res, opts.hosts)
    # the logins to the hosts of a resource this node has start at once
    with reachmod.started(ui, cfg, res, opts, [] if fresh else entries):
        repo = openrepo(ui, res, create=not opts.dryrun)
        result.created = fresh
        opts.tell(b'repository', result)
        if repo is None:
            result.hosts = status(ui, cfg, res, entries)
            return result
        checkstable(repo, res)
        # the override encloses the lock: commit hooks run when it is released
        with repo.ui.configoverride(
            {(b'silvermirror', b'in-sync'): True}, b'silvermirror'
        ), locks.resourcelock(repo, res, alone=opts.alone):
            reaching, filling = _local(ui, cfg, res, opts, repo, result, entries)
            if reaching is not None:
                _exchange(ui, cfg, res, opts, repo, result, reaching, filling, handler)
    return result


def _local(ui, cfg, res, opts, repo, result, entries):
    """repair and snapshot here while the hosts are reached

    Returns the hosts being reached (``reach.reaching``) and the first
    checkout sent to empty hosts meanwhile (``firstcontact.alongside``),
    or (None, None) when the snapshot refused a mass deletion.
    """
    result.repaired = recovery.preamble(repo)
    opts.tell(b'repaired', result)
    snapshotmod.ensureconfig(repo)
    opts.coming = False
    reaching = reachmod.reaching(ui, cfg, res, opts, entries)
    filling = None
    try:
        snap = result.snapshot = snapshotmod.scan(
            repo,
            ignore=res.ignore,
            children=res.childdirs(),
            maxdelete=res.maxdelete,
            force=opts.force,
            dryrun=opts.dryrun,
            bigfile=res.bigfile,
        )
        if not opts.dryrun:
            ahead = []
            if opts.direction == b'push' and snap.pending:
                opts.ahead = (repo, repo[b'.'].node()) + sendahead.candidates(repo, snap)
                opts.coming = True
            if opts.coming:
                filling = firstcontact.alongside(repo, reaching.reached, cfg.timeout)
                ahead = bigstage.wanted(repo, snap)
            try:
                with filling(repo, snap.files) if filling else contextlib.nullcontext():
                    with firstcontact.firstcommit(repo), bigstage.alongside(
                        repo, reaching.reached, ahead
                    ):
                        snapshotmod.record(
                            repo, snap, configmod.nodename(ui), message=opts.message
                        )
            finally:
                # recorded: a host asked now has no time left to read ahead
                opts.coming = False
                opts.ahead = None
    except BaseException as inst:
        reaching.abandon()
        if not isinstance(inst, snapshotmod.MassDeletion):
            raise
        result.error, result.hint = inst.message, inst.hint
        return None, None
    if opts.dryrun:
        result.plan = planmod.local(repo, result.snapshot)
    opts.tell(b'snapshot', result)
    return reaching, filling


def _exchange(ui, cfg, res, opts, repo, result, reaching, filling, handler):
    """pull from every host reached and merge, then push to them all"""
    direction = opts.direction
    conns = []
    done = False
    try:
        result.hosts = reaching.hrs
        reached = reaching.finish()
        for hr in result.hosts:
            if hr.selfcopy:
                hr.isself(configmod.nodename(ui))
        conns = [(hr, conn) for hr, conn, _reply in reached]
        if filling is not None:
            for hr, _conn, _reply in reached:
                filling.taken(ui, hr)
        with ui.makeprogress(
            _(b'syncing %s') % res.name, unit=_(b'hosts'), total=len(reached)
        ) as progress:
            for hr, conn, reply in reached:
                progress.increment(item=hr.host)
                if hr.status != SYNCED:
                    continue
                if opts.dryrun:
                    _foresee(repo, handler, hr, conn, result.plan, direction)
                else:
                    others = _others(reached, conn)
                    _bring(ui, repo, res, handler, hr, conn, reply, opts.tell, others)
        if opts.dryrun:
            for hr in result.hosts:
                if hr.plan is None and hr.reachable and hr.status == SYNCED:
                    # reached, with no repository there yet
                    hr.plan = planmod.fresh(repo, result.plan, direction)
        elif direction == b'push':
            firstcontact.pushall(ui, repo, conns, cfg.timeout)
        done = True
    finally:
        # a connection interrupted mid-command is in no state to reuse
        closing = []
        for hr, conn in conns:
            if done and opts.pool is not None and hr.status != FAILED:
                opts.pool.give(conn)
            else:
                closing.append(conn)
        hostsmod.closeall(closing)


def _others(reached, conn):
    """[(label, peer)] of the hosts reached but ``conn``'s, still synced:
    a failed host's connection may be out of step"""
    return [(h.host, c.peer) for h, c, _r in reached if c is not conn and h.status == SYNCED]


def _foresee(repo, handler, hr, conn, local, direction):
    """a dry run: what the host would send and receive, and the conflicts"""
    try:
        with hostsmod.quiet(repo.ui, conn.peer.ui):
            hr.plan = planmod.host(repo, conn, hr.host, handler, local, direction)
    except hostsmod.ERRORS as inst:
        hr.fail(FAILED, inst)
        return
    hr.incoming = hr.plan.incoming
    hr.outgoing = hr.plan.outgoing
    hr.uncommitted = hr.plan.uncommitted


def _bring(ui, repo, res, handler, hr, conn, reply, tell, others):
    """pull what a host recorded and merge it here

    A big file's content the host lacks may come from ``others`` [(label,
    peer)], the other hosts reached.
    """
    hr.repaired = reply.get(b'repaired', [])
    hr.reply = reply
    skipped = hr.leftout = reply.get(b'snapshot', {}).get(b'skipped', [])
    hr.untracked = reply.get(b'snapshot', {}).get(b'untracked', [])
    tell(b'host', hr)
    try:
        hr.pulled = _pull(repo, conn, reply)
        store = bigsource.over(repo, [(hr.host, conn.peer)] + others)
        with hostsmod.quiet(repo.ui, conn.peer.ui):
            missing = bigfiles.fetch(repo, store)
        bigfiles.checkfetched(store, missing)
        hr.conflicts = checkout.integrate(
            ui, repo, handler, hr.host, configmod.nodename(ui)
        )
        tell(b'conflicts', hr)
    except hostsmod.ERRORS as inst:
        hr.failed(inst)
        return
    if skipped:
        hr.status = SKIPPED
        hr.message = _(b'%d files left out on the host') % len(skipped)


def _pull(repo, conn, reply):
    """pull what the host has; not even ask if its reply says it is here"""
    if pushupdate.hasall(repo, reply):
        return 0
    unfi = repo.unfiltered()
    before = len(unfi)
    with hostsmod.quiet(repo.ui, conn.peer.ui):
        if firstcontact.pull(repo, conn.peer):
            return len(repo.unfiltered()) - before
        try:
            exchange.pull(repo, conn.peer)
        except error.Abort as inst:
            if b'unrelated' not in inst.message:
                raise
            # both sides must have been started by SilverMirror
            if not (reply.get(b'joinable', False) and firstcontact.sidesok(repo)):
                raise error.Abort(
                    _(b'the repository on the host is unrelated to this one'),
                    hint=_(b'it was not made by SilverMirror; check the host path'),
                )
            exchange.pull(repo, conn.peer, force=True)
    return len(repo.unfiltered()) - before


def status(ui, cfg, res, entries):
    """connect to each host and report, without changing anything"""
    results = []
    repo = openrepo(ui, res, create=False) if os.path.isdir(res.root) else None
    for entry in entries:
        hr = hostresult(res, entry)
        results.append(hr)
        try:
            conn = hostsmod.connect(ui, entry, cfg.timeout, batch=True, create=False)
        except hostsmod.Unreachable as inst:
            hr.fail(UNREACHABLE, inst)
            hr.reachable = False
            continue
        except wire.HostError as inst:
            hr.fail(FAILED, inst)
            continue
        hr.reachable = True
        if conn is None:
            hr.message = _(b'no repository there yet')
            continue
        try:
            reachmod.remotestatus(repo, conn, hr)
        except hostsmod.ERRORS as inst:
            hr.fail(FAILED, inst)
        finally:
            conn.close()
    return results

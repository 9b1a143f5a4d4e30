# sync.py - the sync engine: one resource with its hosts
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the sync engine

``sync`` takes one resource through the steps of a sync and returns what
happened as data; commands, the daemon and hooks render or log it.

1. under the resource's lock, repair what an interrupted run left
   (``recovery``) and snapshot the working copy (``workingcopy``);
2. for each host, over one connection: the host repairs and snapshots its
   own pending changes, we pull them and merge, the conflict handler of
   the direction deciding each conflicting file;
3. for a push, push the merged head to every host reached and update each
   host's working copy if nothing there would be overwritten.

A host that cannot be reached, is busy or fails is reported and the sync
goes on with the others.
"""

import concurrent.futures
import contextlib
import os

from mercurial.i18n import _
from mercurial import (
    discovery,
    error,
    exchange,
    merge as mergemod,
    util,
)
from mercurial.node import hex
from mercurial.repo import factory as repo_factory
from mercurial.utils import stringutil

from . import (
    config as configmod,
    conflicts,
    delivery,
    hosts as hostsmod,
    identity,
    plan as planmod,
    locks,
    mergetool,
    prefill,
    recovery,
    resources as resourcesmod,
    redact,
    seed,
    wireproto,
    workingcopy,
)

# what a host failing mid-sync raises here (a dead connection, a damaged
# store, a reply that is not hg's protocol)
HOSTERRORS = hostsmod.ERRORS

SYNCED = b'synced'
UNREACHABLE = b'unreachable'
FAILED = b'failed'
SKIPPED = b'skipped'


class hostresult:
    def __init__(self, res, entry):
        self.resource = res.name
        # to tell a local disk pulled out mid-sync; its URL is never shown
        self._entry = entry
        # what is shown, logged and written into merge commits: no password
        self.host = redact.url(entry.label)
        self.url = redact.url(entry.url)
        self.status = SYNCED
        self.message = None
        self.hint = None
        self.pulled = 0
        self.pushed = 0
        self.conflicts = []
        self.update = None
        self.created = False
        self.repaired = []
        self.reachable = None
        self.incoming = None
        self.outgoing = None
        self.uncommitted = None
        # the files the host's snapshot stopped tracking
        self.untracked = []
        # the host is this node's own repository (reached by a wrong name)
        self.selfcopy = False
        # a dry run's ``plan.hostplan``
        self.plan = None
        # skipped because its repository was locked: worth trying again soon
        self.busy = False
        # the host's smprepare reply: its state after its snapshot, and
        # what its history holds (delivery.summary)
        self.reply = {}
        # (path, why) of the files the host's snapshot left out
        self.leftout = []

    def fail(self, status, inst):
        self.status = status
        self.message = hostsmod.reason(inst)
        self.hint = redact.text(getattr(inst, 'hint', None))

    @property
    def hostparent(self):
        """the host's working-copy parent after its snapshot"""
        return self.reply.get(b'parent')

    @property
    def hostempty(self):
        """the host's repository has no changeset yet"""
        return self.reply.get(b'empty', False)

    def failed(self, inst):
        """an operation on the host failed; a busy host is only skipped"""
        kind = inst.kind if isinstance(inst, wireproto.HostError) else None
        # skipped because its repository was locked: worth trying again soon
        self.busy = kind == b'busy'
        self.fail(SKIPPED if kind in (b'busy', b'self') else FAILED, inst)
        self.selfcopy = kind == b'self'
        if hostsmod.away(self._entry):
            self.status = UNREACHABLE
            self.message = _(b'%s went away during the sync (%s)') % (
                hostsmod.localbase(self._entry),
                self.message,
            )
            self.hint = _(b'mount it again: the next sync finishes what this one began')

    def isself(self, node):
        """say that the host was this node itself, naming silvermirror.name"""
        self.message = _(b'this is the same repository as the local one')
        self.hint = _(
            b"'%s' reaches this node itself, whose silvermirror.name is "
            b"'%s': set silvermirror.name in this node's hgrc to the name "
            b"the hosts use for it, or take '%s' out of hosts"
        ) % (self.host, node, self.host)


class resourceresult:
    def __init__(self, res):
        self.resource = res
        self.snapshot = None
        # a dry run's changes the snapshot would record (``plan.change``)
        self.plan = None
        self.hosts = []
        self.repaired = []
        self.error = None
        self.hint = None
        # the resource is for other nodes and absent here
        self.elsewhere = False
        # (why, hint): such a resource named on the command line
        self.skipped = None
        # this node's name, as the resource's hosts would name it
        self.node = None
        # the repository was created here (would be, in a dry run)
        self.created = False
        # the abort that stopped a run of this resource alone
        self.aborted = None

    @property
    def complete(self):
        """every host synced and every file recorded"""
        return (
            self.error is None
            and self.skipped is None
            and all(h.status == SYNCED for h in self.hosts)
            and not (self.snapshot and self.snapshot.skipped)
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
        # a hosts.pool keeps ssh connections open for the next sync
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
        wireproto.ensureconfig(repo)
    recovery.checkwhole(root)
    return repo_factory.repository(ui, root)


@contextlib.contextmanager
def resourcelock(repo, res, alone=False):
    """the resource's lock, waited for at most ``silvermirror.lock-timeout``

    ``alone``: this process runs nothing but syncs, so a lock naming it
    that no sync holds was left on a disk that went away.
    """
    if alone:
        for msg in recovery.freeleftlocks(repo):
            repo.ui.warn(b'%s: %s\n' % (res.name, msg))
    timeout = repo.ui.configint(b'silvermirror', b'lock-timeout')
    warn = repo.ui.configint(b'ui', b'timeout.warn')
    try:
        lock = locks.wlock(repo, timeout, warn=warn)
    except error.LockHeld as inst:
        raise error.StateError(
            _(b'resource %s is being synced by another process (%s)')
            % (res.name, stringutil.forcebytestr(inst.locker)),
            hint=_(
                b"wait for it to finish; if none is running, free the lock "
                b"with 'hg -R %s debuglocks --force-free-wlock'"
            )
            % res.root,
        )
    with recovery.holding(repo, lock), locks.talking(repo):
        yield


@contextlib.contextmanager
def _quiet(*uis):
    """hg's own chatter for exchanges, shown with -v only"""
    with contextlib.ExitStack() as stack:
        for ui in uis:
            if not ui.verbose:
                stack.enter_context(
                    ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror')
                )
        yield


def hostargs(res, opts, timeout):
    # CBOR as hg encodes it has no floats: the share travels as its text
    return {
        b'client': identity.token(res.root),
        b'ignore': list(res.ignore),
        b'children': res.childdirs(),
        b'maxdelete': configmod.formatmaxdelete(res.maxdelete),
        b'force': opts.force,
        b'dryrun': opts.dryrun,
        b'locktimeout': min(5, int(timeout)),
    }


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
    the user resolves it with evolve first.
    """
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
    repo = openrepo(ui, res, create=not opts.dryrun)
    result.created = fresh
    opts.tell(b'repository', result)
    entries = selecthosts(res, opts.hosts)
    if repo is None:
        result.hosts = status(ui, cfg, res, entries)
        return result
    checkstable(repo, res)
    # the override encloses the lock: commit hooks run when it is released
    with repo.ui.configoverride(
        {(b'silvermirror', b'in-sync'): True}, b'silvermirror'
    ), resourcelock(repo, res, alone=opts.alone):
        result.repaired = recovery.preamble(repo)
        opts.tell(b'repaired', result)
        wireproto.ensureconfig(repo)
        reaching = _reaching(ui, cfg, res, opts, entries)
        filling = None
        if direction == b'push' and not opts.dryrun and prefill.wanted(repo):
            filling = prefill.alongside(reaching.reached, min(5, int(cfg.timeout)))
        try:
            result.snapshot = workingcopy.snapshot(
                repo,
                node,
                ignore=res.ignore,
                children=res.childdirs(),
                message=opts.message,
                maxdelete=res.maxdelete,
                force=opts.force,
                dryrun=opts.dryrun,
                alongside=filling,
            )
        except BaseException as inst:
            reaching.abandon()
            if not isinstance(inst, workingcopy.MassDeletion):
                raise
            result.error, result.hint = inst.message, inst.hint
            return result
        if opts.dryrun:
            result.plan = planmod.local(repo, result.snapshot)
        opts.tell(b'snapshot', result)
        conns = []
        done = False
        try:
            result.hosts = reaching.hrs
            reached = reaching.finish()
            for hr in result.hosts:
                if hr.selfcopy:
                    hr.isself(node)
            conns = [(hr, conn) for hr, conn, _reply in reached]
            if filling is not None:
                for hr, _conn, _reply in reached:
                    _prefilled(ui, hr, filling.of(hr))
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
                        _bring(ui, repo, res, handler, hr, conn, reply, opts.tell)
            if opts.dryrun:
                for hr in result.hosts:
                    if hr.plan is None and hr.reachable and hr.status == SYNCED:
                        # reached, with no repository there yet
                        hr.plan = planmod.fresh(repo, result.plan, direction)
            elif direction == b'push':
                _pushall(ui, repo, res, conns, cfg.timeout)
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
    return result


def _prefilled(ui, hr, answer):
    """take in a host's answer to getting this node's files

    A host that wrote them adopts them after the stream.  One that refused
    or gave up gets its working copy from hg's update, as any host.
    """
    if answer is None:
        return
    if isinstance(answer, dict) and answer.get(b'prefilled'):
        ui.note(
            _(b"%s: %s: wrote this node's %d files there\n")
            % (hr.resource, hr.host, answer[b'files'])
        )
        return
    if isinstance(answer, wireproto.HostError):
        answer = answer.message
    elif isinstance(answer, HOSTERRORS):
        # the connection broke mid-payload: in no state to go on
        hr.failed(answer)
        return
    elif not isinstance(answer, dict):
        raise answer
    else:
        answer = answer.get(b'refused', b'')
    ui.note(_(b'%s: %s: not prefilled: %s\n') % (hr.resource, hr.host, answer))


def _parallel(ui, func, items, warm=False):
    """``func(item)`` for every item; items over ssh or http at once

    Reaching a host and asking it to snapshot or update is mostly waiting
    on the network and on the host, so hosts are served together (at most
    ``silvermirror.parallel``).  Local-path hosts run in this thread: they
    work in-process on repositories of this machine.  With ``warm``, the
    first remote item runs alone first: it loads the modules hg imports on
    demand, which threads must not race to load.
    """
    results = [None] * len(items)
    remote = [i for i, item in enumerate(items) if b'://' in item[0].url]
    serial = [i for i in range(len(items)) if i not in remote]
    if warm and remote:
        serial.append(remote.pop(0))
    workers = min(len(remote), ui.configint(b'silvermirror', b'parallel'))
    if workers <= 1:
        serial, remote = sorted(serial + remote), []
    for i in serial:
        results[i] = func(items[i])
    if remote:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = {i: pool.submit(func, items[i]) for i in remote}
            for i, future in futures.items():
                results[i] = future.result()
    return results


class _reaching:
    """reach the hosts of a resource while this thread takes its snapshot

    An ssh host's login and ``hg serve`` start, then its own snapshot,
    take about as long as the local snapshot and little of this machine's
    time, so the ssh and http hosts are reached (and snapshot) in the
    background meanwhile.  Local-path hosts are reached afterwards, in
    this thread: they work in-process on this machine's repositories.
    """

    def __init__(self, ui, cfg, res, opts, entries):
        self.hrs = [hostresult(res, e) for e in entries]
        self._items = list(zip(self.hrs, entries))

        def reach(item):
            return _reach(ui, cfg, res, opts, *item)

        self._reach = reach
        self._remote = [it for it in self._items if b'://' in it[0].url]
        self._pool = None
        self._done = {}
        if self._remote:
            hostsmod.preload()
            self._pool = concurrent.futures.ThreadPoolExecutor(1)
            self._future = self._pool.submit(_parallel, ui, reach, self._remote, True)

    def _remotedone(self):
        if self._pool is not None:
            try:
                done = self._future.result()
            finally:
                self._pool.shutdown()
                self._pool = None
            self._done = {id(hr): r for (hr, _e), r in zip(self._remote, done)}
        return self._done

    def reached(self):
        """(hr, conn, reply) of the ssh and http hosts reached, once they are"""
        done = self._remotedone()
        return [
            (hr, done[id(hr)][0], done[id(hr)][1])
            for hr, _e in self._remote
            if done[id(hr)] is not None
        ]

    def finish(self):
        """(hr, conn, reply) of every host reached, in the hosts' order"""
        remote = self._remotedone()
        out = []
        for item in self._items:
            hr = item[0]
            r = remote[id(hr)] if id(hr) in remote else self._reach(item)
            if r is not None:
                out.append((hr, r[0], r[1]))
        return out

    def abandon(self):
        """close what was reached: the snapshot failed

        The snapshot's error (an interrupt among them) is the one to
        report: none raised here takes its place.
        """
        try:
            done = self._remotedone()
        except Exception:
            return
        for r in done.values():
            if r is not None:
                r[0].close()


def _reach(ui, cfg, res, opts, hr, entry):
    """open a connection and snapshot the host: (conn, reply), or None"""
    conn = opts.pool.take(entry.url) if opts.pool is not None else None
    if conn is not None and not opts.dryrun:
        ui.debug(b'%s: %s: reusing the open connection\n' % (res.name, hr.host))
        try:
            reply = conn.call(b'smprepare', hostargs(res, opts, cfg.timeout))
            hr.reachable = True
            return conn, reply
        except wireproto.HostError as inst:
            # the host answered: the connection is good
            hr.reachable = True
            hr.failed(inst)
            opts.pool.give(conn)
            return None
        except HOSTERRORS:
            # the host side went away since the last sync: open anew
            conn.close()
    elif conn is not None:
        conn.close()
    try:
        conn = hostsmod.connect(
            ui,
            entry,
            cfg.timeout,
            batch=not cfg.password or not ui.interactive(),
            create=not opts.dryrun,
        )
    except hostsmod.Unreachable as inst:
        hr.fail(UNREACHABLE, inst)
        hr.reachable = False
        return None
    except wireproto.HostError as inst:
        hr.fail(FAILED, inst)
        return None
    hr.reachable = True
    if conn is None:
        hr.message = _(b'would create the repository')
        return None
    hr.created = conn.created
    try:
        if opts.dryrun:
            return conn, None
        return conn, conn.call(b'smprepare', hostargs(res, opts, cfg.timeout))
    except HOSTERRORS as inst:
        hr.failed(inst)
        # a host that answered (busy, refusing) kept the connection good
        if isinstance(inst, wireproto.HostError) and opts.pool is not None:
            opts.pool.give(conn)
            return None
    conn.close()
    return None


def _foresee(repo, handler, hr, conn, local, direction):
    """a dry run: what the host would send and receive, and the conflicts"""
    try:
        with _quiet(repo.ui, conn.peer.ui):
            hr.plan = planmod.host(repo, conn, hr.host, handler, local, direction)
    except HOSTERRORS as inst:
        hr.fail(FAILED, inst)
        return
    hr.incoming = hr.plan.incoming
    hr.outgoing = hr.plan.outgoing
    hr.uncommitted = hr.plan.uncommitted


def _bring(ui, repo, res, handler, hr, conn, reply, tell):
    """pull what a host recorded and merge it here"""
    hr.repaired = reply.get(b'repaired', [])
    hr.reply = reply
    skipped = hr.leftout = reply.get(b'snapshot', {}).get(b'skipped', [])
    hr.untracked = reply.get(b'snapshot', {}).get(b'untracked', [])
    tell(b'host', hr)
    try:
        hr.pulled = _pull(repo, conn, reply)
        hr.conflicts = integrate(
            ui, repo, res, handler, hr.host, configmod.nodename(ui)
        )
        tell(b'conflicts', hr)
    except HOSTERRORS as inst:
        hr.failed(inst)
        return
    if skipped:
        hr.status = SKIPPED
        hr.message = _(b'%d files left out on the host') % len(skipped)


def _pull(repo, conn, reply):
    """pull what the host has; not even ask if its reply says it is here"""
    if delivery.hasall(repo, reply):
        return 0
    unfi = repo.unfiltered()
    before = len(unfi)
    with _quiet(repo.ui, conn.peer.ui):
        if seed.wanted(repo) and seed.fetch(repo, conn.peer):
            return len(repo.unfiltered()) - before
        try:
            exchange.pull(repo, conn.peer)
        except error.Abort as inst:
            if b'unrelated' not in inst.message:
                raise
            # both sides must have been started by SilverMirror
            if not (reply.get(b'joinable', False) and wireproto.sidesok(repo)):
                raise error.Abort(
                    _(b'the repository on the host is unrelated to this one'),
                    hint=_(b'it was not made by SilverMirror; check the host path'),
                )
            exchange.pull(repo, conn.peer, force=True)
    return len(repo.unfiltered()) - before


def integrate(ui, repo, res, handler, host, node):
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
        if workingcopy.leadsto(repo, p1.node(), head):
            state = workingcopy.update(repo, head)
            if state not in (b'updated', b'current'):
                raise error.Abort(
                    _(b'local changes were made during the sync'),
                    hint=_(b'run the sync again to record them'),
                )
            continue
        records.extend(merge(ui, repo, res, handler, host, node, head))


def merge(ui, repo, res, handler, host, node, head):
    """merge ``head`` into the working copy and commit the merge"""
    p1 = repo[b'.']
    with mergetool.merging(repo, handler, host, p1.hex(), hex(head)) as ctx:
        with _quiet(repo.ui), recovery.guard(repo, b'merge', head):
            stats = mergemod.merge(repo[head], labels=[node, host])
            workingcopy.keepuntracked(repo, p1, repo[head])
        if stats.unresolvedcount:
            mergetool.unresolved_to_both(repo, ctx)
        if ctx.copies:
            with repo.dirstate.changing_files(repo):
                repo[None].add(ctx.copies)
        other = repo[head]
        local = workingcopy.recordeddirs(p1)
        dirs = workingcopy.mergeddirs(
            workingcopy.recordeddirs(p1.ancestor(other)),
            local,
            workingcopy.recordeddirs(other),
        )
        workingcopy.materializedirs(repo, local | workingcopy.recordeddirs(other), dirs)
        workingcopy.commit(
            repo,
            text=b'mirror: merge with %s on %s' % (host, node),
            user=workingcopy.username(ui, node),
            extra=workingcopy.dirsextra(
                workingcopy.emptydirs(repo), {workingcopy.NODE_EXTRA: node}, repo
            ),
        )
    return ctx.results


def _pushall(ui, repo, res, conns, timeout):
    """bring the merged head to every host and update them all at once

    A host that takes a delivery gets its changesets with its update; the
    others are pushed to first, one after the other.
    """
    head = repo[b'.'].node()
    todo = []
    made = delivery.bundles(repo, head)
    try:
        for hr, conn in conns:
            if hr.status not in (SYNCED, SKIPPED):
                continue
            try:
                bundle = _send(repo, hr, conn, head, timeout, made)
            except HOSTERRORS as inst:
                hr.failed(inst)
                continue
            if bundle is None and hr.hostparent == hex(head):
                # already there: spare the host a status walk
                hr.update = b'current'
            else:
                todo.append((hr, conn, bundle))

        def update(item):
            hr, conn, bundle = item
            args = {b'node': hex(head), b'locktimeout': min(5, int(timeout))}
            try:
                if bundle is None:
                    reply = conn.call(b'smupdate', args)
                else:
                    with bundle.open() as payload:
                        reply = conn.call(b'smdeliver', args, payload=payload)
                    hr.pushed = bundle.changesets
            except HOSTERRORS as inst:
                hr.failed(inst)
                return
            hr.update = reply.get(b'update')
            if hr.update in (b'dirty', b'diverged'):
                hr.message = _(b'working copy not updated: %s has local changes') % hr.host

        _parallel(ui, update, todo)
    finally:
        made.close()


def _send(repo, hr, conn, head, timeout, made):
    """seed or push to the host now, or return the bundle its update takes

    None when the host already has everything (or got it just now).
    """
    if hr.hostempty:
        seeded = _seed(repo, hr, conn, timeout)
        if seeded is not None:
            hr.pushed = seeded
            return None
    if delivery.capable(repo, conn.peer, hr.reply, head):
        return made.get(conn.peer, hr.reply[b'heads'])
    hr.pushed = _push(repo, hr, conn, head)
    return None


def _push(repo, hr, conn, head):
    """push ``head`` to a host; the number of changesets it got"""
    with _quiet(repo.ui, conn.peer.ui):
        pushop = exchange.push(repo, conn.peer, revs=[head], newbranch=True)
    if pushop.cgresult == 0:
        raise error.Abort(_(b'push to %s failed') % hr.host)
    outgoing = getattr(pushop, 'outgoing', None)
    return len(outgoing.missing) if outgoing is not None and pushop.cgresult else 0


def _seed(repo, hr, conn, timeout):
    """stream the store to an empty host: changesets it got, or None

    None when the host cannot take the stream: then it gets a push.
    """
    if not seed.streamable(repo, conn.peer):
        return None
    args, chunks = seed.generate(repo, seed.obsmarkers(repo, conn.peer))
    args[b'locktimeout'] = min(5, int(timeout))
    try:
        reply = conn.call(b'smseed', args, payload=util.chunkbuffer(chunks))
    finally:
        chunks.close()
    if not reply.get(b'seeded'):
        repo.ui.note(
            _(b'%s: %s: pushing instead of streaming: %s\n')
            % (hr.resource, hr.host, reply.get(b'refused', b''))
        )
        return None
    repo.ui.note(
        _(b'%s: %s: streamed the store (%d files, %s)\n')
        % (hr.resource, hr.host, args[b'files'], util.bytecount(args[b'bytes']))
    )
    return reply.get(b'changesets', 0)


def remotestatus(repo, conn, hr):
    """fill ``hr`` with what would be pulled and pushed, changing nothing

    ``repo`` is None when the resource has no local repository yet.
    """
    common = []
    if repo is not None:
        with _quiet(repo.ui, conn.peer.ui):
            common, _anyinc, _heads = discovery.findcommonincoming(
                repo.unfiltered(), conn.peer
            )
        common = [n for n in common if n != repo.nullid]
    args = {b'common': [hex(n) for n in common]}
    if repo is not None:
        args[b'client'] = identity.token(repo.root)
    reply = conn.call(b'smstatus', args)
    hr.incoming = reply.get(b'incoming', 0)
    if repo is None:
        hr.outgoing = 0
    elif common:
        hr.outgoing = len(repo.revs(b'only(head(), %ln)', common))
    else:
        hr.outgoing = len(repo)
    hr.uncommitted = reply.get(b'uncommitted', 0)


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
        except wireproto.HostError as inst:
            hr.fail(FAILED, inst)
            continue
        hr.reachable = True
        if conn is None:
            hr.message = _(b'no repository there yet')
            continue
        try:
            remotestatus(repo, conn, hr)
        except HOSTERRORS as inst:
            hr.fail(FAILED, inst)
        finally:
            conn.close()
    return results

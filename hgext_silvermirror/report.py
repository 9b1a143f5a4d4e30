# report.py - what a sync or a status did, for people and for -T
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""render the engine's results: lines for people, records for ``-T``

The engine (``run``, ``sync``) returns what happened as data and writes
only progress and ``-v``/``--debug`` notes; every line a user reads about
a result is written here.  With ``-T`` stdout holds the template's output
only: the lines a person reads besides the records go to stderr.
"""

from mercurial.i18n import _
from mercurial import (
    pycompat,
    util,
)
from mercurial.utils import stringutil

from . import (
    keep as keepmod,
    plan as planmod,
    redact,
    sync as syncmod,
)


def _leftout(ui, where, skipped):
    """the files a snapshot left out, and why (unreadable, a bad name)"""
    for path, reason in skipped:
        ui.warn(_(b'%s: skipped %s: %s\n') % (where, stringutil.escapestr(path), reason))


def _say(ui, fm, line, verbose=False):
    """a status line (``verbose``: a note), on stderr with ``-T``"""
    if fm.isplain():
        (ui.note if verbose else ui.status)(line)
    elif not ui.quiet and (ui.verbose or not verbose):
        ui.write_err(line)


def _hostline(h):
    if h.status == syncmod.UNREACHABLE:
        return _(b'unreachable: %s') % h.message
    if h.status in (syncmod.FAILED, syncmod.SKIPPED) and h.message:
        return b'%s: %s' % (h.status, h.message)
    if h.incoming is not None:
        return _(b'would pull %d, push %d changesets; %d uncommitted there') % (
            h.incoming,
            h.outgoing,
            h.uncommitted,
        )
    if h.message and not (h.pulled or h.pushed):
        return h.message
    parts = []
    if h.created:
        parts.append(_(b'created'))
    if h.pulled:
        parts.append(_(b'pulled %d changesets') % h.pulled)
    if h.pushed:
        parts.append(_(b'pushed %d changesets') % h.pushed)
    if h.conflicts:
        parts.append(_(b'%d conflicts resolved') % len(h.conflicts))
    if h.message:
        parts.append(h.message)
    return b', '.join(parts) or _(b'up to date')


def results(ui, fm, direction, results, dryrun=False):
    """render each result as it comes, then the summary; the exit status

    ``results(listener)`` gives the results, syncing as they are taken,
    with the reporter's ``tell`` as the ``sync.options`` listener.  A run
    of one resource that aborted raises its abort once what the sync did
    before it is said.
    """
    report = reporter(ui, fm, direction, dryrun=dryrun)
    for r in results(report.tell):
        report.add(r)
        if r.aborted is not None:
            raise r.aborted
    report.summary()
    return report.exitcode


class reporter:
    """render sync results as they come: one record per resource and host

    What a sync did on the way (a repository created, repairs, the
    snapshot, each host's own snapshot and the conflicts) is said when
    the engine tells that stage, else with the rest in ``add``.
    """

    def __init__(self, ui, fm, direction, dryrun=False):
        self.ui = ui
        self.fm = fm
        self.direction = direction
        self.dryrun = dryrun
        self.counts = {}
        self.resources = 0
        self.exitcode = 0
        self._told = set()
        self._stages = {
            b'repository': self._repository,
            b'repaired': self._repaired,
            b'snapshot': self._snapshot,
            b'host': self._hostfacts,
            b'conflicts': self._conflicts,
        }

    def tell(self, stage, result):
        """say what the engine just did (a ``sync.options`` listener)"""
        self._told.add((stage, id(result)))
        self._stages[stage](result)

    def _once(self, stage, result):
        if (stage, id(result)) not in self._told:
            self._stages[stage](result)

    def add(self, r):
        self.resources += 1
        self._happened(r)
        if r.aborted is not None:
            return
        self._outcome(r)
        if r.plan is not None:
            _planlocal(self.ui, self.fm, r.resource.name, r.plan)
        for h in r.hosts or [None]:
            self.fm.startitem()
            self.fm.data(resource=r.resource.name, direction=self.direction)
            if r.plan is not None:
                self.fm.data(plan=_planrecord(r.plan, h.plan if h else None))
            if h is None:
                self._nohost(r)
            else:
                self._host(r, h)

    def _happened(self, r):
        """what the sync did on the way and was not told yet"""
        self._once(b'repository', r)
        if r.elsewhere and r.skipped is None:
            _say(self.ui, self.fm, _(b'%s: not mirrored to %s\n') % (r.resource.name, r.node))
        self._once(b'repaired', r)
        self._once(b'snapshot', r)
        for h in r.hosts:
            self._once(b'host', h)
            self._once(b'conflicts', h)
        if not self.dryrun:
            _past(self.ui, self.fm, r)
        self._told.difference_update(
            [(s, id(o)) for s in self._stages for o in [r] + r.hosts]
        )

    def _repository(self, r):
        if not r.created:
            return
        if self.dryrun:
            line = _(b'%s: would create repository in %s\n')
        else:
            line = _(b'%s: created repository in %s\n')
        _say(self.ui, self.fm, line % (r.resource.name, r.resource.root))

    def _repaired(self, r):
        for msg in r.repaired:
            _say(self.ui, self.fm, b'%s: %s\n' % (r.resource.name, msg))

    def _snapshot(self, r):
        if r.snapshot is None:
            return
        _leftout(self.ui, r.resource.name, r.snapshot.skipped)
        if not self.dryrun:
            _snapshot(self.ui, self.fm, r.resource.name, r.snapshot)

    def _hostfacts(self, h):
        """a host's repairs and the files its snapshot let go or left out"""
        where = b'%s: %s' % (h.resource, h.host)
        for msg in h.repaired:
            _say(self.ui, self.fm, b'%s: %s\n' % (where, msg))
        _untracked(self.ui, self.fm, where, h.untracked)
        _leftout(self.ui, where, h.leftout)

    def _conflicts(self, h):
        for rec in h.conflicts:
            _say(self.ui, self.fm, _conflictline(h.resource, h.host, rec))

    def _outcome(self, r):
        """an error, a skip or a host left out sets the exit status"""
        ui, name = self.ui, r.resource.name
        if r.error is not None:
            ui.warn(_(b'error: %s: %s\n') % (name, r.error))
            if r.hint:
                ui.warn(b'(%s)\n' % r.hint)
            self.exitcode = 255
        elif r.skipped is not None:
            ui.warn(b'%s: %s\n' % (name, r.skipped[0]))
            ui.warn(b'(%s)\n' % r.skipped[1])
            self.exitcode = max(self.exitcode, 1)
        elif not r.complete:
            self.exitcode = max(self.exitcode, 1)

    def _nohost(self, r):
        self.fm.data(
            host=None,
            url=None,
            status=syncmod.FAILED
            if r.error
            else syncmod.SKIPPED
            if r.skipped
            else self._statusword(syncmod.SYNCED),
            pulled=0,
            pushed=0,
            conflicts=[],
        )
        if r.error is None and not r.elsewhere and not self.ui.quiet:
            self.fm.plain(_(b'%s: no hosts to sync with\n') % r.resource.name)

    def _host(self, r, h):
        ui, fm = self.ui, self.fm
        self.counts[h.status] = self.counts.get(h.status, 0) + 1
        fm.data(
            host=h.host,
            url=h.url,
            status=self._statusword(h.status),
            pulled=h.pulled,
            pushed=h.pushed,
            conflicts=[
                {
                    k: c.get(k)
                    for k in (b'path', b'handler', b'outcome', b'reason', b'copy', b'restore')
                }
                for c in h.conflicts
            ],
        )
        if h.message:
            fm.data(message=h.message)
        if h.incoming is not None:
            fm.data(incoming=h.incoming, outgoing=h.outgoing)
        line = b'%s: %s: %s\n' % (r.resource.name, h.host, _hostline(h))
        if h.status != syncmod.SYNCED:
            ui.warn(line, label=b'silvermirror.%s' % h.status)
            if h.hint:
                ui.warn(b'(%s)\n' % h.hint)
        elif not ui.quiet:
            fm.plain(line, label=b'silvermirror.synced')
        if h.plan is not None and not ui.quiet:
            _planhost(fm, h.host, h.plan)

    def _statusword(self, status):
        if self.dryrun and status == syncmod.SYNCED:
            return _(b'would sync')
        return status

    def summary(self):
        if self.fm.isplain() and not self.ui.quiet:
            total = sum(self.counts.values())
            detail = b', '.join(
                b'%d %s' % (n, self._statusword(s))
                for s, n in sorted(self.counts.items())
            )
            self.fm.plain(
                _(b'%d resources, %d host syncs%s\n')
                % (self.resources, total, (b': ' + detail) if detail else b'')
            )


def _snapshot(ui, fm, name, snap):
    """what the snapshot recorded"""
    if snap.changes > len(snap.untracked):
        _say(
            ui,
            fm,
            _(b'%s: recorded %d added, %d modified, %d removed\n')
            % (name, len(snap.added), len(snap.modified), len(snap.removed)),
        )
    for path in snap.added:
        _say(ui, fm, _(b'%s: adding %s\n') % (name, path), verbose=True)
    for path in snap.removed:
        _say(ui, fm, _(b'%s: removing %s\n') % (name, path), verbose=True)
    for path in snap.nested:
        _say(ui, fm, _(b'%s: skipping nested checkout %s\n') % (name, path), verbose=True)
    _untracked(ui, fm, name, snap.untracked)


def _untracked(ui, fm, where, paths):
    """say which tracked files were let go

    ``where`` names the resource, with the host whose snapshot did it.
    """
    if not paths:
        return
    _say(
        ui,
        fm,
        _(b'%s: stopped tracking %d files that an ignore pattern or a '
          b'namespaced resource now covers (they stay on disk)\n')
        % (where, len(paths)),
    )
    for path in paths:
        _say(
            ui,
            fm,
            _(b'%s: no longer tracking %s\n') % (where, stringutil.escapestr(path)),
            verbose=True,
        )


def _past(ui, fm, result):
    """where the versions of the files a run stopped tracking remain"""
    res = result.resource
    local = result.snapshot is not None and result.snapshot.untracked
    if not (local or any(h.untracked for h in result.hosts)):
        return
    hosts = b', '.join(h.label for h in res.hosts) or _(b'none')
    _say(
        ui,
        fm,
        _(b"%s: their earlier versions remain in the history of %s on this "
          b"node and on its hosts (%s); to erase them, rewrite that history "
          b"everywhere (see 'hg help -v mirror-push')\n")
        % (res.name, res.name, hosts),
    )


def _conflictline(name, host, rec):
    line = _(b'%s: conflict in %s with %s: %s (%s)') % (
        name,
        rec[b'path'],
        host,
        rec[b'outcome'],
        rec[b'handler'],
    )
    if rec[b'copy']:
        line += _(b'; remote version in %s') % rec[b'copy']
    if rec[b'restore']:
        line += _(b"; other version: '%s'") % rec[b'restore']
    return line + b'\n'


def _changeline(c):
    if c.source:
        return b'%-9s %s (from %s)' % (c.action, c.path, c.source)
    return b'%-9s %s' % (c.action, c.path)


def _planlocal(ui, fm, name, changes):
    """a dry run's changes the snapshot would record, one line a file"""
    if ui.quiet or not changes:
        return
    counts = {}
    for c in changes:
        counts[c.action] = counts.get(c.action, 0) + 1
    fm.plain(
        _(b'%s: would record %d added, %d modified, %d removed, %d renamed\n')
        % tuple(
            [name]
            + [counts.get(a, 0) for a in (planmod.ADDED, planmod.MODIFIED, planmod.REMOVED, planmod.RENAMED)]
        )
    )
    for c in changes:
        fm.plain(b'  %s\n' % _changeline(c))


def _planhost(fm, host, plan):
    """a dry run's plan of one host: what it gets and sends, the conflicts"""
    for verb, changes in ((_(b'would receive'), plan.receive), (_(b'would send'), plan.send)):
        for c in changes:
            fm.plain(b'  %s %s %s\n' % (host, verb, _changeline(c)))
    for c in plan.conflicts:
        line = _(b'  conflict in %s (%s here, %s on %s): %s would %s') % (
            c.path,
            c.local,
            c.other,
            host,
            c.handler,
            c.decision,
        )
        if c.copy:
            line += _(b'; remote version in %s') % c.copy
        fm.plain(line + b'\n')


def _planrecord(changes, plan):
    """the plan of a dry run for ``-T``: the same as the lines say"""
    rec = {b'record': [c.todict() for c in changes]}
    if plan is not None:
        rec[b'receive'] = [c.todict() for c in plan.receive]
        rec[b'send'] = [c.todict() for c in plan.send]
        rec[b'conflicts'] = [c.todict() for c in plan.conflicts]
    return rec


def status(ui, fm, res, info, entries, remote):
    """one resource of ``hg mirror-status``

    ``info``: ``run.localstatus``; ``remote``: the ``hostresult`` of each
    host entry asked with ``--remote``.
    """
    fm.startitem()
    fm.write(b'resource', b'%s\n', res.name, label=b'silvermirror.resource')
    fm.write(b'directory', b'  directory: %s\n', res.root)
    fm.plain(
        _(b'  repository: %s\n')
        % (_(b'yes') if info[b'repository'] else _(b'not yet'))
    )
    fm.data(repository=info[b'repository'])
    fm.write(
        b'conflict_push conflict_pull',
        b'  conflict: push %s, pull %s\n',
        res.handler(b'push'),
        res.handler(b'pull'),
    )
    _statushosts(fm, entries, remote)
    fm.data(ignore=list(res.ignore))
    if res.ignore:
        fm.plain(_(b'  ignore: %s\n') % b' '.join(res.ignore))
    fm.write(
        b'uncommitted',
        _(b'  uncommitted changes: %d\n'),
        info[b'uncommitted'],
    )
    fm.data(
        nested=fm.formatlist(info[b'nested'], name=b'path'),
        conflictcopies=fm.formatlist(info[b'conflictcopies'], name=b'path'),
    )
    for path in info[b'conflictcopies']:
        fm.plain(_(b'  conflict copy: %s\n') % path)
    if info.get(b'bigfiles'):
        _statusbig(fm, res, *info[b'bigfiles'])
    if ui.verbose:
        for path in info[b'nested']:
            fm.plain(_(b'  nested checkout skipped: %s\n') % path)
        for child in res.children:
            fm.plain(_(b'  namespaced resource: %s\n') % child.name)


def _statusbig(fm, res, stored, size, spare, sparesize):
    """the disk big files' history uses, and what ``keep`` lets go"""
    fm.data(bigstored=stored, bigsize=size, bigspare=spare, bigsparesize=sparesize)
    fm.plain(
        _(b'  big files: %d contents, %s; keep = %s: mirror-gc may free %d, %s\n')
        % (
            stored,
            util.bytecount(size),
            keepmod.label(res.keep),
            spare,
            util.bytecount(sparesize),
        )
    )


def _statushosts(fm, entries, remote):
    """the hosts of a resource, with what ``--remote`` learnt of each"""
    hostrecs = []
    for entry in entries:
        rec = {b'host': redact.url(entry.label), b'url': redact.url(entry.url)}
        line = b'  host %s: %s' % (rec[b'host'], rec[b'url'])
        h = remote.get(entry)
        if h is not None:
            rec[b'reachable'] = bool(h.reachable)
            if h.incoming is not None:
                rec[b'incoming'] = h.incoming
                rec[b'outgoing'] = h.outgoing
                line += _(b' (%d incoming, %d outgoing)') % (
                    h.incoming,
                    h.outgoing,
                )
            elif h.reachable:
                line += b' (%s)' % h.message
            else:
                line += _(b' (unreachable: %s)') % h.message
        hostrecs.append(rec)
        fm.plain(line + b'\n')
    if not hostrecs:
        fm.plain(_(b'  hosts: none\n'))
    # records, not a plain list, so that templates can map them
    with fm.nested(b'hosts') as fn:
        for rec in hostrecs:
            fn.startitem()
            fn.data(**pycompat.strkwargs(rec))

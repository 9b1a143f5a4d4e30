# commands.py - hg mirror-push, mirror-pull and mirror-status
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the hg commands: parse options, pick resources, call the engine, render"""

import os

from mercurial.i18n import _
from mercurial import (
    cmdutil,
    encoding,
    error,
    exthelper,
    pycompat,
    registrar,
    util,
)

from . import (
    config as configmod,
    conflicts,
    redact,
    plan as planmod,
    resources as resourcesmod,
    sync as syncmod,
    snapshot as snapshotmod,
)

eh = exthelper.exthelper()
command = registrar.command  # for the category constants

syncopts = [
    (
        b'H',
        b'host',
        [],
        _(b'sync with this host only (a configured name, a URL or a path)'),
        _(b'HOST'),
    ),
    (
        b'd',
        b'conflict',
        b'',
        _(b'conflict handler for this run (e.g. ClobberRemote)'),
        _(b'HANDLER'),
    ),
    (b'm', b'message', b'', _(b'message of the snapshot'), _(b'TEXT')),
    (
        b'f',
        b'force',
        None,
        _(b'record deletions even above the mass-deletion limit'),
    ),
] + cmdutil.dryrunopts + cmdutil.formatteropts

_EXITCODES = """
    Returns 0 when every selected resource synced with every selected host,
    1 when the run finished but a host was unreachable, busy or failed, or
    a file was left out (a name hg cannot store, an unreadable file), and
    255 when it stopped on an error: bad configuration, an unknown resource
    or handler, a missing resource directory, or a mass deletion refused
    without ``--force``. With ``ui.detailed-exit-code`` hg's detailed codes
    apply: 10 bad input, 20 a lock held or a deletion refused, 30 bad
    configuration. Nothing is changed on bad input.
"""


def loadconfig(ui):
    """the SilverMirror file and its resources, all validated"""
    cfg = configmod.load(ui)
    resourcesmod.validate_main(ui, cfg, conflicts.handlers)
    return cfg, resourcesmod.build(ui, cfg, conflicts.handlers)


def _cwd():
    return os.path.normpath(encoding.getcwd())


def run(ui, direction, names, opts):
    """sync the selected resources; the command's exit status"""
    cfg, resources = loadconfig(ui)
    if not cfg.exists:
        raise configmod.nofile(cfg.path)
    names = list(names)
    selected = resourcesmod.select(resources, names, _cwd())
    handler = opts.get('conflict') or None
    if handler:
        handler = conflicts.handlers.canonical(ui, handler)
    sopts = syncmod.options(
        direction=direction,
        hosts=opts.get('host') or [],
        handler=handler,
        dryrun=opts.get('dry_run'),
        message=opts.get('message') or None,
        force=opts.get('force'),
        named=bool(names) and b'all' not in names,
    )
    with _machineoutput(ui, opts), ui.formatter(
        b'mirror', pycompat.byteskwargs(opts)
    ) as fm:
        report = reporter(ui, fm, direction, dryrun=sopts.dryrun)
        # the SilverMirror file travels with a resource: sync that one
        # first, then read the file again, so the others sync with the
        # newest version
        home = next(
            (
                r
                for r in sorted(selected, key=lambda r: -len(r.root))
                if r.contains(cfg.path)
            ),
            None,
        )
        if home is not None and len(selected) > 1 and not sopts.dryrun:
            report.add(_syncone(ui, cfg, home, sopts, len(selected)))
            cfg, resources = loadconfig(ui)
            selected = [
                r
                for r in resourcesmod.select(resources, names, _cwd())
                if r.name != home.name
            ]
        for res in selected:
            report.add(_syncone(ui, cfg, res, sopts, len(selected)))
        report.summary()
    return report.exitcode


def _machineoutput(ui, opts):
    """with -T, progress messages go to stderr: stdout is the template's"""
    if not opts.get('template'):
        return util.nullcontextmanager()
    return ui.configoverride({(b'ui', b'message-output'): b'stderr'}, b'silvermirror')


def _syncone(ui, cfg, res, sopts, count):
    try:
        return syncmod.sync(ui, cfg, res, sopts)
    except error.Abort as inst:
        if count == 1:
            raise
        result = syncmod.resourceresult(res)
        result.error, result.hint = redact.text(inst.message), redact.text(inst.hint)
        return result


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


class reporter:
    """render sync results as they come: one record per resource and host"""

    def __init__(self, ui, fm, direction, dryrun=False):
        self.ui = ui
        self.fm = fm
        self.direction = direction
        self.dryrun = dryrun
        self.counts = {}
        self.resources = 0
        self.exitcode = 0

    def add(self, r):
        ui, fm = self.ui, self.fm
        res = r.resource
        self.resources += 1
        if r.error is not None:
            ui.warn(_(b'error: %s: %s\n') % (res.name, r.error))
            if r.hint:
                ui.warn(b'(%s)\n' % r.hint)
            self.exitcode = 255
        elif r.skipped is not None:
            ui.warn(b'%s: %s\n' % (res.name, r.skipped[0]))
            ui.warn(b'(%s)\n' % r.skipped[1])
            self.exitcode = max(self.exitcode, 1)
        elif not r.complete:
            self.exitcode = max(self.exitcode, 1)
        if r.plan is not None:
            _planlocal(ui, fm, res.name, r.plan)
        for h in r.hosts or [None]:
            fm.startitem()
            fm.data(resource=res.name, direction=self.direction)
            if r.plan is not None:
                fm.data(plan=_planrecord(r.plan, h.plan if h else None))
            if h is None:
                fm.data(
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
                if r.error is None and not r.elsewhere and not ui.quiet:
                    fm.plain(_(b'%s: no hosts to sync with\n') % res.name)
                continue
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
            line = b'%s: %s: %s\n' % (res.name, h.host, _hostline(h))
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


@eh.command(
    b'mirror-push',
    syncopts,
    _(b'[OPTION]... [RESOURCE]...'),
    helpcategory=command.CATEGORY_REMOTE_REPO_MANAGEMENT,
    helpbasic=True,
    norepo=True,
)
def mirrorpush(ui, *names, **opts):
    """mirror resources to every host, merging their changes first

    A resource is a directory tree that SilverMirror keeps identical on
    several hosts. Resources are listed in the SilverMirror file
    (``~/.silvermirror``, see :hg:`help -e hgext_silvermirror`).

    For each selected resource this command:

    - records the local changes as a snapshot changeset: new files are
      added, missing files removed, renames detected; ignored files,
      names hg cannot store and directories under another version control
      system are left out;
    - for each host in turn: snapshots the host's own pending changes,
      pulls them and merges, letting the conflict handler (``conflict.push``
      or ``conflict``, or ``--conflict``) decide what the working copy
      shows for files changed on both sides; both versions always stay in
      history;
    - sends the result to every host reached, all at once, and updates
      each host's working copy, unless a file the update would write was
      changed there meanwhile (it is never overwritten; the next sync
      records it). A host that committed meanwhile is left for the next
      sync, which merges its work.

    On first contact the host's repository is created. While a host has no
    changeset it gets the store itself, as ``hg clone --stream`` would,
    which is much faster than pushing every revision; a node whose
    repository is empty gets its first history from a host the same way.
    A stream that was interrupted is undone by the next sync, which
    streams again. While a resource's first snapshot is made, an empty
    host over ssh also gets the files and writes them: it keeps each that
    the stream then shows to be the same (by its hash), instead of
    writing its working copy anew (``-v`` says so).

    With no RESOURCE, the innermost resource containing the current
    directory is synced; outside every resource, all of them. ``all``
    names every resource. When the SilverMirror file itself lies in one of
    the selected resources, that resource is synced first and the file
    read again, so the others sync with the newest configuration.

    A host that cannot be reached within ``timeout`` seconds is reported
    and the others go on. ``--host`` limits the run to the given hosts,
    which may also be a URL or path not in the configuration (a USB disk
    you carry today).

    ``--dry-run`` shows the plan, file by file, and changes nothing
    anywhere: what the snapshot would record (added, modified, removed,
    renamed), what each host would receive and send (its changes since
    the last sync, its unsynced edits included), and each file changed on
    both sides with what the conflict handler would decide. ``-T json``
    gives the same plan under the key ``plan``.

    A snapshot that would delete more than ``maxdelete`` percent of a
    resource's files (default 50%, only above 20 files) stops that
    resource: an unmounted disk or a half-failed ``rm`` must not delete
    the files everywhere. ``--force`` records the deletion anyway.

    A tracked file that an ``ignore`` pattern or a namespaced resource
    comes to cover stops being tracked: it stays on disk on every node and
    later edits no longer sync. Its earlier versions remain in the
    resource's history on this node and its hosts (``-v`` says how to
    erase them).

    .. container:: verbose

      A sync never rewrites history. To erase the earlier versions of
      files that are no longer tracked, rewrite the history on one node
      and replace it everywhere:

      - ``hg convert --config extensions.convert= --filemap MAP RES NEW``
        (``MAP`` holds a line such as ``exclude private``), then move
        ``RES/.hg`` out of the resource (a backup), move ``NEW/.hg`` in
        its place and run ``hg -R RES debugrebuilddirstate -r tip``;
      - on every other node and host, move ``RES/.hg`` out of the
        resource before it syncs again (the old history would come back
        with its next sync); the next :hg:`mirror-push` from the first
        node gives each the new history and adopts its files as a first
        sync does.

      Examples:

      - mirror the resource you are in::

          hg mirror-push

      - mirror everything, keeping the remote version on conflicts::

          hg mirror-push all -d ClobberLocal

      - see what would happen with one host::

          hg mirror-push docs -H desktop -n

      - machine-readable results::

          hg mirror-push all -T json
    """
    return run(ui, b'push', list(names), opts)


mirrorpush.__doc__ += _EXITCODES


@eh.command(
    b'mirror-pull',
    syncopts,
    _(b'[OPTION]... [RESOURCE]...'),
    helpcategory=command.CATEGORY_REMOTE_REPO_MANAGEMENT,
    helpbasic=True,
    norepo=True,
)
def mirrorpull(ui, *names, **opts):
    """bring every host's changes into the local resources

    Records local changes as a snapshot first (so no local edit can be
    lost), then, for each host in turn, snapshots the host's pending
    changes, pulls them and merges with the ``conflict.pull`` handler (or
    ``conflict``, or ``--conflict``), and updates the local working copy.
    Nothing is pushed and no host's working copy changes.

    Resources, hosts and options are chosen as for :hg:`mirror-push`.
    """
    return run(ui, b'pull', list(names), opts)


mirrorpull.__doc__ += _EXITCODES


@eh.command(
    b'mirror-status',
    [
        (b'r', b'remote', None, _(b'also ask every host (incoming, outgoing)')),
        (
            b'H',
            b'host',
            [],
            _(b'with --remote, ask this host only'),
            _(b'HOST'),
        ),
    ]
    + cmdutil.formatteropts,
    _(b'[-r] [OPTION]... [RESOURCE]...'),
    helpcategory=command.CATEGORY_REMOTE_REPO_MANAGEMENT,
    norepo=True,
)
def mirrorstatus(ui, *names, **opts):
    """show the configured resources and how they stand

    For each selected resource: its directory, its hosts and the URLs they
    map to, its ignore patterns, the conflict handlers for push and pull,
    whether its repository exists, how many uncommitted changes it has,
    conflict copies still present, and (with ``-v``) the nested checkouts
    of other version control systems that are left out.

    With ``--remote`` every host is asked too (changing nothing): whether
    it is reachable and how many changesets would be pulled (incoming) and
    pushed (outgoing).

    Without ``--remote`` nothing but this machine is looked at, so it
    works offline; nothing is recorded in either case. Resources are
    selected as for :hg:`mirror-push`. ``-T json`` gives one record per
    resource with the keys ``resource``, ``directory``, ``hosts`` (each
    with ``host`` and ``url``), ``ignore``, ``conflict_push``,
    ``conflict_pull``, ``repository``, ``uncommitted``, ``nested`` and
    ``conflictcopies``.

    Returns 0, 1 if a host asked with ``--remote`` is unreachable, and
    255 on bad configuration or an unknown resource (with
    ``ui.detailed-exit-code``: 30 and 10).
    """
    cfg, resources = loadconfig(ui)
    if not cfg.exists:
        nofile = configmod.nofile(cfg.path)
        ui.status(b'%s\n(%s)\n' % (nofile.message, nofile.hint))
    selected = resourcesmod.select(resources, list(names), _cwd())
    exitcode = 0
    with _machineoutput(ui, opts), ui.formatter(
        b'mirror-status', pycompat.byteskwargs(opts)
    ) as fm:
        for res in selected:
            info = localstatus(ui, res)
            remote = {}
            entries = syncmod.selecthosts(res, opts.get('host') or [])
            if opts.get('remote'):
                for entry, h in zip(entries, syncmod.status(ui, cfg, res, entries)):
                    remote[entry] = h
                    if h.status != syncmod.SYNCED:
                        exitcode = 1
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
            if ui.verbose:
                for path in info[b'nested']:
                    fm.plain(_(b'  nested checkout skipped: %s\n') % path)
                for child in res.children:
                    fm.plain(_(b'  namespaced resource: %s\n') % child.name)
    return exitcode


def localstatus(ui, res):
    """the local facts about a resource, reading but never recording"""
    from mercurial.repo import factory as repo_factory

    info = {
        b'repository': False,
        b'uncommitted': 0,
        b'nested': [],
        b'conflictcopies': [],
    }
    if not os.path.isdir(os.path.join(res.root, b'.hg')):
        return info
    repo = repo_factory.repository(ui, res.root)
    info[b'repository'] = True
    snap = snapshotmod.snapshot(
        repo,
        configmod.nodename(ui),
        ignore=res.ignore,
        children=res.childdirs(),
        maxdelete=None,
        dryrun=True,
    )
    info[b'uncommitted'] = snap.changes
    info[b'nested'] = snap.nested
    info[b'conflictcopies'] = sorted(
        f for f in repo[None] if b'.conflict-' in f.rsplit(b'/', 1)[-1]
    )
    return info

# commands.py - hg mirror-push, mirror-pull and mirror-status
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the hg commands: parse options, pick resources, call ``run``, ``report``"""

import os

from mercurial.i18n import _
from mercurial import (
    cmdutil,
    encoding,
    exthelper,
    pycompat,
    registrar,
)

from . import (
    config as configmod,
    conflicts,
    quickexit,
    report,
    resources as resourcesmod,
    run as runmod,
    sync as syncmod,
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


def _cwd():
    return os.path.normpath(encoding.getcwd())


def run(ui, direction, names, opts):
    """sync the selected resources; the command's exit status"""
    quickexit.register()
    cfg, resources = runmod.loadconfig(ui)
    if not cfg.exists:
        raise configmod.nofile(cfg.path)
    names = list(names)

    def select(resources):
        return resourcesmod.select(resources, names, _cwd())

    handler = opts.get('conflict') or None
    if handler:
        handler = conflicts.handlers.canonical(ui, handler)

    def syncs(listener):
        sopts = syncmod.options(
            direction=direction,
            hosts=opts.get('host') or [],
            handler=handler,
            dryrun=opts.get('dry_run'),
            message=opts.get('message') or None,
            force=opts.get('force'),
            named=bool(names) and b'all' not in names,
            listener=listener,
        )
        return runmod.syncall(ui, cfg, select(resources), sopts, select)

    with ui.formatter(b'mirror', pycompat.byteskwargs(opts)) as fm:
        return report.results(
            ui, fm, direction, syncs, dryrun=opts.get('dry_run')
        )


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
    cfg, resources = runmod.loadconfig(ui)
    if not cfg.exists:
        nofile = configmod.nofile(cfg.path)
        ui.status(b'%s\n(%s)\n' % (nofile.message, nofile.hint))
    selected = resourcesmod.select(resources, list(names), _cwd())
    exitcode = 0
    with ui.formatter(b'mirror-status', pycompat.byteskwargs(opts)) as fm:
        for res in selected:
            info = runmod.localstatus(ui, res)
            remote = {}
            entries = syncmod.selecthosts(res, opts.get('host') or [])
            if opts.get('remote'):
                for entry, h in zip(entries, syncmod.status(ui, cfg, res, entries)):
                    remote[entry] = h
                    if h.status != syncmod.SYNCED:
                        exitcode = 1
            report.status(ui, fm, res, info, entries, remote)
    return exitcode

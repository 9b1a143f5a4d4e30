# gccmd.py - hg mirror-gc
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the ``hg mirror-gc`` command: pick resources, call ``budget``, render"""

from mercurial.i18n import _
from mercurial import (
    cmdutil,
    exthelper,
    pycompat,
    registrar,
    util,
)

from . import (
    budget,
    commands,
    config as configmod,
    keep as keepmod,
    resources as resourcesmod,
    run as runmod,
)

eh = exthelper.exthelper()
command = registrar.command  # for the category constants


@eh.command(
    b'mirror-gc',
    cmdutil.dryrunopts + cmdutil.formatteropts,
    _(b'[-n] [RESOURCE]...'),
    helpcategory=command.CATEGORY_MAINTENANCE,
    norepo=True,
)
def mirrorgc(ui, *names, **opts):
    """free the disk old versions of big files use, as ``keep`` allows

    A resource with ``bigfile`` keeps the content of every version of its
    big files in its repository (``.hg/largefiles``). Its ``keep`` setting
    in the SilverMirror file says which of them this node keeps:

    :all:     every version (the default)
    :current: only what the working copy holds edited, not yet synced
    :N:       the N most recent versions of each big file besides,
              such as ``keep = 5``
    :Nd:      what every snapshot of the last N days needs besides,
              such as ``keep = 30d`` (or ``4w``)

    This command frees the other contents, but only those a host of the
    resource holds: it asks each reachable host in turn, and the host
    that holds one keeps it from then on, whatever its own ``keep`` says
    (it needs push permission there). A content no reachable host holds
    stays, and the command says why; so does every content of a
    resource whose hosts are all away, and one that another node freed
    its own copy of, counting on this one: two nodes that are each
    other's host, running this command at the same moment, never both
    free a version.

    With ``keep = current`` that includes the content of each big file of
    the working copy that is unedited, as its size and modification time
    show: the working copy holds it. It is copied back from there when a
    host that lacks it is synced, or when an update takes the file away;
    edited meanwhile, it comes from the host that holds it.

    A freed version is still in history. :hg:`cat -r REV FILE`,
    :hg:`revert -r REV FILE`, :hg:`update -r REV` and
    :hg:`mirror-restore` fetch its content from the repository's default
    path if one is set, then from each host of the resource in the
    SilverMirror file's order, passing over a host that cannot be
    reached, until one gives it; a sync that pulls changesets whose
    contents the host lacks asks the other hosts it reached. Such a
    fetched content is old again for the next :hg:`mirror-gc`.

    With no RESOURCE, the resource of the current directory, or all of
    them outside every resource, as for :hg:`mirror-push`. ``-n`` lists
    what would be freed, and changes nothing. ``-T json`` gives one record
    per content considered, with the keys ``resource``, ``path``,
    ``hash``, ``size``, ``host`` (the host that holds it, or null),
    ``current`` (the working copy holds it) and ``freed``.

    .. container:: verbose

      Examples:

      - see what a disk budget would free, then free it::

          hg mirror-gc -n docs
          hg mirror-gc docs

    Returns 0 when every content the policy lets go was freed (or would
    be, with ``-n``), 1 when a host could not be reached, or could not
    keep what it holds, and some stayed.
    """
    cfg, resources = runmod.loadconfig(ui)
    if not cfg.exists:
        raise configmod.nofile(cfg.path)
    chosen = resourcesmod.select(resources, list(names), commands._cwd())
    dryrun = opts.get('dry_run')
    exitcode = 0
    with ui.formatter(b'mirror-gc', pycompat.byteskwargs(opts)) as fm:
        for res in chosen:
            out = budget.collect(ui, cfg, res, dryrun=dryrun)
            if _render(ui, fm, out, dryrun):
                exitcode = 1
    return exitcode


def _render(ui, fm, out, dryrun):
    """show one resource's ``budget.result``; True if a host was away
    while contents stayed"""
    name = out.resource
    policy = keepmod.label(out.policy)
    if out.stored is None:
        fm.plain(_(b'%s: no big files\n') % name)
        return False
    for c in out.candidates:
        fm.startitem()
        fm.data(resource=name, path=c.path, hash=c.hash, size=c.size, host=c.holder)
        fm.data(freed=c in out.freed, current=c.current)
        if c.holder is None:
            fm.plain(_(b'%s: %s (%s): no host holds it, kept\n') % (name, c.path, c.hash[:12]))
        elif c in out.relied:
            fm.plain(
                _(b'%s: %s (%s): kept, another node freed its copy counting on this one\n')
                % (name, c.path, c.hash[:12])
            )
        elif dryrun or ui.verbose:
            fm.plain(
                _(b'%s: %s (%s): %s, on %s%s\n')
                % (
                    name, c.path, c.hash[:12], util.bytecount(c.size), c.holder,
                    _(b' (the working copy holds it)') if c.current else b'',
                )
            )
    held = out.held if dryrun else out.freed
    size = util.bytecount(sum(c.size for c in held))
    verb = _(b'would free') if dryrun else _(b'freed')
    if not ui.quiet:
        fm.plain(
            _(b'%s: %d big contents stored, %s; keep = %s: %s %d, %s\n')
            % (name, out.stored, util.bytecount(out.storedsize), policy, verb, len(held), size)
        )
    for label, why in out.unreached:
        fm.plain(_(b'%s: %s: %s\n') % (name, label, why))
    return bool(out.unheld and out.unreached)

# restorecmd.py - hg mirror-restore
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the ``hg mirror-restore`` command: parse, lock, call ``restore``, render"""

from mercurial.i18n import _
from mercurial import (
    cmdutil,
    error,
    exthelper,
    pycompat,
    registrar,
    scmutil,
)
from mercurial.utils import dateutil

from . import (
    config as configmod,
    restore as restoremod,
)

eh = exthelper.exthelper()
command = registrar.command  # for the category constants


@eh.command(
    b'mirror-restore',
    [
        (b'r', b'rev', b'', _(b'bring back the version of this revision'), _(b'REV')),
        (
            b'd',
            b'date',
            b'',
            _(b'bring back the version of the tipmost revision matching date'),
            _(b'DATE'),
        ),
        (b'l', b'list', None, _(b'list the versions of the files instead')),
    ]
    + cmdutil.formatteropts,
    _(b'[-r REV | --date DATE] PATH... | --list PATH...'),
    helpcategory=command.CATEGORY_WORKING_DIRECTORY,
    helpbasic=True,
)
def mirrorrestore(ui, repo, *pats, **opts):
    """bring back an old version of a file or directory

    Every version a sync recorded stays in the resource's history; this
    command writes one back into the working copy. PATH is relative to
    the current directory, as for any hg command, and may name a directory,
    whose files are restored; ``path:DIR/FILE`` names it from the
    resource's root wherever the command runs, as the conflict report
    prints it.

    Without ``--rev`` or ``--date`` a deleted file comes back as its last
    version (the one its deletion removed) and a file still present is
    left alone. With ``-r REV`` or ``--date DATE`` (as :hg:`help dates`
    describes; the tipmost matching revision) the file gets the version of
    that revision, replacing what it holds.

    Nothing is lost: when the working copy holds content of such a file
    that history does not (an edit not yet synced, an untracked or ignored
    file), that content is recorded first in a snapshot changeset of its
    own, and :hg:`mirror-restore --list` shows it among the versions.

    The restored file is an ordinary change of the working copy: the next
    :hg:`mirror-push` records it and mirrors it to every host.

    ``--list`` shows, for each file, its versions, oldest first: the
    revision that wrote it, its date, the node that wrote it (or the
    committer for your own commits), its size and the changeset's
    description, and the revisions that deleted it. ``-T json`` gives one
    record per version with the keys ``path``, ``rev``, ``node``,
    ``date``, ``writer``, ``size``, ``deleted``, ``big`` and
    ``description``.

    A big file (see ``bigfile`` in :hg:`help -e hgext_silvermirror`) is
    restored the same way. Its size is listed as ``not here`` (``null``
    in JSON) for a version whose content is not stored here, as after
    :hg:`mirror-gc`: restoring such a version fetches the content first,
    from the repository's default path if one is set, then from each
    reachable host of the resource in turn, and aborts, changing
    nothing, when no host gives it.

    .. container:: verbose

      Examples:

      - bring back a deleted file::

          hg mirror-restore notes.txt

      - see the versions of a file, then take one of them::

          hg mirror-restore --list notes.txt
          hg mirror-restore -r 0 notes.txt

      - the version as it was before noon on 2 March::

          hg mirror-restore --date '<2026-03-02 12:00' notes.txt

    Returns 0 on success, 1 when a file could not be written back (a
    directory or a file stands where it goes), 255 on an error (with
    ``ui.detailed-exit-code``: 10 for a path with no version).
    """
    cmdutil.check_at_most_one_arg(opts, 'rev', 'date', 'list')
    if not pats:
        raise error.InputError(
            _(b'no file named'),
            hint=_(b"name the files to restore, e.g. 'hg mirror-restore notes.txt'"),
        )
    match = scmutil.match(repo[None], pats, {})
    if opts.get('list'):
        return _list(ui, repo, match, opts)
    rev = opts.get('rev') or None
    if opts.get('date'):
        rev = cmdutil.finddate(ui, repo, opts['date'])
    if rev is not None:
        rev = scmutil.revsingle(repo, rev).rev()
    found, missing = restoremod.sources(repo, match, rev)
    uipath = scmutil.getuipathfn(repo, legacyrelativevalue=True)
    for f in missing:
        where = _(b'revision %d') % rev if rev is not None else _(b'history')
        ui.warn(_(b'%s: not in %s\n') % (uipath(f), where))
    if not found:
        raise error.InputError(
            _(b'nothing to restore'),
            hint=_(b"'hg mirror-restore --list PATH' shows the versions of a file"),
        )
    with repo.wlock():
        result = restoremod.restore(repo, match, configmod.nodename(ui), rev)
    return _render(ui, repo, opts, result, uipath)


def _describe(v):
    return _(b'revision %d (%s, written by %s)') % (
        v.rev,
        dateutil.datestr(v.date, b'%Y-%m-%d %H:%M'),
        v.writer,
    )


def _render(ui, repo, opts, result, uipath):
    exitcode = 0
    if result.snapshot is not None:
        ui.status(
            _(b'recorded the unsynced content of %s in revision %d first\n')
            % (b', '.join(uipath(f) for f in result.recorded), repo[result.snapshot].rev())
        )
    with ui.formatter(b'mirror-restore', pycompat.byteskwargs(opts)) as fm:
        for o in result.files:
            fm.startitem()
            fm.data(path=o.path, action=o.action, rev=o.source.rev, node=o.source.node)
            path = uipath(o.path)
            if o.action == restoremod.RESTORED:
                fm.plain(_(b'restored %s from %s\n') % (path, _describe(o.source)))
            elif o.action == restoremod.CURRENT:
                fm.plain(_(b'%s already holds that version\n') % path)
            elif o.action == restoremod.PRESENT:
                fm.plain(
                    _(b'%s is present: left alone (-r REV or --date DATE brings another version)\n')
                    % path
                )
            else:
                exitcode = 1
                where, kind = o.blocker
                if kind == restoremod.BLOCKDIR:
                    why = _(b'%s is a directory now') % uipath(where)
                else:
                    why = _(b'%s is a file now') % uipath(where)
                fm.data(message=why)
                ui.warn(_(b'%s not restored: %s\n') % (path, why))
        if any(o.action == restoremod.RESTORED for o in result.files):
            fm.plain(_(b'the next sync records and mirrors it\n'))
    return exitcode


def _list(ui, repo, match, opts):
    found = restoremod.versions(repo, match)
    if not found:
        raise error.InputError(
            _(b'no version of %s in history') % b' '.join(match.files()),
        )
    uipath = scmutil.getuipathfn(repo, legacyrelativevalue=True)
    with ui.formatter(b'mirror-restore', pycompat.byteskwargs(opts)) as fm:
        for path in sorted(found):
            if len(found) > 1:
                fm.plain(b'%s:\n' % uipath(path), label=b'silvermirror.resource')
            for v in found[path]:
                fm.startitem()
                fm.data(path=path, node=v.node, deleted=v.deleted, big=v.big)
                fm.write(b'rev', b'%5d  ', v.rev)
                fm.write(b'date', b'%s  ', fm.formatdate(v.date, b'%Y-%m-%d %H:%M'))
                fm.write(b'writer', b'%-10s ', v.writer)
                if v.deleted:
                    fm.data(size=None)
                    fm.plain(_(b'   deleted  '))
                elif v.size is None:
                    fm.data(size=None)
                    fm.plain(_(b'  not here  '))
                else:
                    fm.write(b'size', b'%9d  ', v.size)
                fm.write(b'description', b'%s\n', v.description)
    return 0

# __init__.py - SilverMirror: keep directory trees identical across hosts
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""keep directory trees identical across computers, with full history

SilverMirror mirrors *resources* (directory trees) between any number of
hosts. Every sync is a commit, every conflict a merge, every overwritten
version is still in :hg:`log`.

Enable it in any hgrc::

  [extensions]
  hgext_silvermirror =

  [silvermirror]
  # this machine's name (default: the short host name)
  name = laptop

Resources are listed in the SilverMirror file, ``~/.silvermirror`` (or the
file named by ``silvermirror.config``), read with Mercurial's config
parser (``%include``, ``%unset`` and continuation lines work)::

  [::SilverMirror::]
  hosts = desktop server /media/usb/mirror
  ignore = *.tmp .cache
  conflict = ClobberRemote

  [docs]
  directory = Documents

  [docs:private]
  hosts = desktop

As in any hg config file, ``#`` starts a comment only at the beginning of
a line: put comments on lines of their own. A value with ``#`` at its
start or after a space is refused rather than taken with the comment in
it. :hg:`mirror-check` lists every mistake of the file and of the
``[silvermirror]`` hgrc section at once, then asks each host how it
stands.

Main section ``[::SilverMirror::]``:

``basedir``
  Directory that relative resource directories join (default: home).

``hosts``
  Whitespace-separated hosts: a bare name (reached as ``ssh://NAME/`` plus
  the resource's path relative to ``basedir``), an explicit base URL
  (``ssh://user@host:2222/base``, ``http://hub/base``) or an absolute path
  (``/media/usb/mirror``) to which that relative path is appended. The
  entry equal to this node's name is skipped. A base that does not exist
  (a disk not mounted, here or on an ssh host) makes the host
  unreachable: nothing is created in its place. A password in a URL is
  shown as ``***``; ``[auth]`` in hgrc keeps it out of this file.

``ignore``
  Patterns never recorded, hgignore syntax, glob by default. Kinds that
  read a file (``include:``, ``subinclude:``, ``listfile:``, ``set:``) and
  ``syntax:`` lines are refused: hosts get the patterns from other nodes.

``conflict``, ``conflict.push``, ``conflict.pull``
  Conflict handler: ``ClobberRemote`` (default: the local version stays),
  ``ClobberLocal`` (the remote version wins), ``Merge`` (three-way merge,
  else keep both), ``KeepBoth`` (the remote version becomes a conflict
  copy), ``Prompt`` (ask; keep both without a terminal), a handler
  installed through the ``silvermirror.conflict_handlers`` entry point
  group, or a tool of ``[merge-tools]``.

``timeout``
  Seconds to reach a host (default 10).

``password``
  ``false`` never prompts for an ssh password (batch mode).

``maxdelete``
  Largest share of a resource's files a snapshot may delete (default
  ``50%``; deletions of 20 files or fewer always pass; ``off``).

``bigfile``
  Size from which a new file is kept out of the history's revlogs, as a
  largefile of hg's ``largefiles`` extension (``10MB``, ``500kB``,
  ``2GB``; default ``off``).  Its content is copied, hashed and sent in
  chunks, never whole in memory, and lives in ``.hg/largefiles``; a file
  already tracked stays as it is.  Every node's file should say the same.
  On a file system with copy-on-write clones (XFS, Btrfs) the store and
  the working copy share the content's blocks; elsewhere the store holds
  a second copy.

``keep``
  Which contents of big files' old versions this node keeps: ``all``
  (default), ``current`` (no second copy of what the working copy holds
  unedited), ``5`` (the 5 most recent versions of each big file),
  ``30d`` (what the snapshots of the last 30 days need).
  :hg:`mirror-gc` frees the others that a host holds; an old version is
  fetched back when needed, from the default path if set, then from the
  first reachable host that has it, in the order of ``hosts``; a freed
  current one is copied back from the working copy when a host lacks it.

``interval``, ``debounce``
  Seconds between daemon syncs (default 300) and of quiet after a file
  event before the daemon syncs (default 0.25).

Each other section is a resource with ``directory`` (default: the section
name), and ``hosts``, ``ignore``, ``conflict``, ``conflict.push``,
``conflict.pull``, ``maxdelete``, ``bigfile`` and ``keep`` overriding (or, for ``ignore``, adding
to) what it inherits. ``[docs:private]`` is a resource inside ``[docs]``,
in its own repository; a host left out of its ``hosts`` never receives
its files.

hgrc items of this machine (section ``[silvermirror]``): ``config``,
``name``, ``lock-timeout`` (seconds to wait for another sync of the same
resource, default 30), ``ssh-control`` (share one ssh connection per host
across runs with ssh's ControlMaster, default on), ``ssh-persist`` (seconds
an idle shared connection stays open, default 60), ``parallel`` (how many
ssh and http hosts are served at the same time, default 4).

With Watchman installed (Debian's ``watchman``), a resource of about
10,000 files or more runs hg's ``fsmonitor`` extension, here and on each
host, with no setting: a status asks Watchman what changed instead of
walking the tree.  The first one starts the user's Watchman server if none
runs; it stays until ``watchman shutdown-server`` (``watchman watch-del
DIR`` ends one tree's watch).  ``fsmonitor`` in ``[silvermirror]``:
``auto`` (default: from ``fsmonitor-files`` tracked files, default
10000, estimated from the size of ``.hg/dirstate``, and only where
``watchman`` is on ``PATH``; fsmonitor's warnings off), ``on`` (every
resource), ``off``.  A line for ``fsmonitor`` in ``[extensions]``
(enabled, or ``!`` to disable) always wins, and no other repository is
changed.  Resources with big files (``bigfile``) walk their tree:
fsmonitor does not run next to largefiles.

An ssh host serves each sync through its chg (Mercurial's client of a
resident hg, which spares the host hg's start) where it has one, and
through hg otherwise, decided by the host's shell in the same command;
``ui.remotecmd``, when set, names the command instead (``hg``: never chg).

A host acts only on what a peer may ask of it: every command that
changes it needs push permission (``web.allow-push`` over http) and
fires ``pretxnopen`` first, as a transaction does, so ``hg-ssh
--read-only`` refuses it over ssh; no path a peer names (files of a
first sync, empty directories recorded in history) is written or
removed outside the resource's tree.

Hooks to enable in hgrc::

  [hooks]
  # mirror the resource after each of your own commits in it
  commit.silvermirror = python:hgext_silvermirror.hooks.mirror_on_commit
"""

from mercurial import exthelper

from . import (
    bigrestock,
    bigsource,
    boundary,
    check,
    clone,
    commands,
    configitems,
    confine,
    gccmd,
    hooks,
    host,
    hostrepo,
    ignorefile,
    mergetool,
    metadata,
    privacy,
    redact,
    remote,
    restorecmd,
    wire,
    zstdcontext,
)
from .statcache import fsmonitorauto, fsmonitorstate

__version__ = metadata.__version__
testedwith = metadata.testedwith
minimumhgversion = metadata.minimumhgversion
buglink = metadata.buglink

eh = exthelper.exthelper()
for _module in (
    configitems,
    commands,
    mergetool,
    fsmonitorstate,
    fsmonitorauto,
    hooks,
    redact,
    remote,
    wire,
    host,
    hostrepo,
    clone,
    check,
    restorecmd,
    gccmd,
    confine,
    bigsource,
    bigrestock,
    zstdcontext,
):
    eh.merge(_module.eh)


@eh.reposetup
def _reposetup(ui, repo):
    """point hg's ignore machinery at the resource's patterns

    Set on every local repository, so that the user's own ``hg status``
    in a resource agrees with what a sync records; and refuse history
    naming files outside the tree, whichever way it comes in (a pull, a
    push to this host, a delivery).
    """
    if repo.local():
        ignorefile.useignore(repo)
        privacy.install(repo)
        repo.ui.setconfig(
            b'hooks',
            b'pretxnchangegroup.silvermirror',
            b'python:hgext_silvermirror.confine.incoming',
            b'silvermirror',
        )


cmdtable = eh.cmdtable
# a bug in any of our commands is one line and a hint, not hg's report block
boundary.guardall(cmdtable)
configtable = eh.configtable
uisetup = eh.finaluisetup
extsetup = eh.finalextsetup
reposetup = eh.finalreposetup
internalmerge = mergetool.internalmerge
colortable = {
    b'silvermirror.resource': b'bold',
    b'silvermirror.synced': b'green',
    b'silvermirror.unreachable': b'yellow',
    b'silvermirror.failed': b'red',
    b'silvermirror.skipped': b'yellow',
}

# hooks.py - hg hooks that trigger a sync
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""ready-made Python hooks for hgrc

``mirror_on_commit`` mirrors the resource a user just committed in::

  [hooks]
  commit.silvermirror = python:hgext_silvermirror.hooks.mirror_on_commit

SilverMirror's own commits never trigger it, so it never recurses: hg
runs ``commit`` hooks when the outermost lock is released, which for a
sync's snapshots and merges (and for a host's snapshot over the wire) is
after the sync's ``silvermirror.in-sync`` mark has been lifted, so the
hook also recognises those changesets by their ``silvermirror-node``
extra.  A rebase or histedit that commits many changesets mirrors once.
"""

import os

from mercurial.i18n import _
from mercurial import (
    error,
    exthelper,
)
from mercurial.node import bin

from . import (
    redact,
    snapshot as snapshotmod,
)

eh = exthelper.exthelper()

# repository root -> number of revisions it had when a hook last mirrored
# it: hooks for changesets below that were mirrored by that sync
_mirrored = {}


def _resource_of(ui, root):
    """(the SilverMirror file, the resource whose repository is ``root``)"""
    from . import run

    cfg, resources = run.loadconfig(ui)
    for res in resources:
        if res.root == os.path.normpath(root):
            return cfg, res
    return cfg, None


def _ownchange(repo, node):
    """was this changeset made by a sync (or already mirrored by a hook)?"""
    if repo.ui.configbool(b'silvermirror', b'in-sync'):
        return True
    if node is None:
        return False
    unfi = repo.unfiltered()
    rev = unfi.changelog.index.get_rev(bin(node))
    if rev is None:
        return False
    if rev < _mirrored.get(repo.root, 0):
        return True
    return snapshotmod.NODE_EXTRA in unfi[rev].extra()


def mirror_on_commit(ui, repo, hooktype, node=None, **kwargs):
    """mirror-push the resource whose repository was committed to"""
    if _ownchange(repo, node):
        return False
    from . import report

    try:
        cfg, res = _resource_of(ui, repo.root)
        if res is None:
            ui.debug(b'silvermirror: %s is not a resource\n' % repo.root)
            return False
        _mirrored[repo.root] = len(repo.unfiltered())
        ui.status(_(b'mirroring %s after commit\n') % res.name)
        with ui.formatter(b'mirror', {}) as fm:
            report.results(ui, fm, b'push', lambda listener: _push(ui, cfg, res, listener))
    except error.Abort as inst:
        ui.warn(_(b'silvermirror: %s\n') % redact.text(inst.message))
        if inst.hint:
            ui.warn(b'(%s)\n' % redact.text(inst.hint))
    return False


def _push(ui, cfg, res, listener):
    """the result of mirror-pushing ``res`` alone"""
    from . import run, sync

    sopts = sync.options(direction=b'push', named=True, listener=listener)
    yield run.syncone(ui, cfg, res, sopts, alone=True)

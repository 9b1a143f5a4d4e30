# hooks.py - hg hooks that trigger a sync
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""ready-made Python hooks for hgrc

``mirror_on_commit`` mirrors the resource a user just committed in::

  [hooks]
  commit.silvermirror = python:hgext_silvermirror.hooks.mirror_on_commit

SilverMirror's own commits never trigger it (a sync marks its operations
with ``silvermirror.in-sync``), so it never recurses.
"""

import os

from mercurial.i18n import _
from mercurial import (
    error,
    exthelper,
)

eh = exthelper.exthelper()


def _resource_of(ui, root):
    from . import commands

    _cfg, resources = commands.loadconfig(ui)
    for res in resources:
        if res.root == os.path.normpath(root):
            return res
    return None


def mirror_on_commit(ui, repo, hooktype, **kwargs):
    """mirror-push the resource whose repository was committed to"""
    if repo.ui.configbool(b'silvermirror', b'in-sync'):
        return False
    from . import commands

    try:
        res = _resource_of(ui, repo.root)
        if res is None:
            ui.debug(b'silvermirror: %s is not a resource\n' % repo.root)
            return False
        ui.status(_(b'mirroring %s after commit\n') % res.name)
        commands.run(ui, b'push', [res.name], {})
    except error.Abort as inst:
        ui.warn(_(b'silvermirror: %s\n') % inst.message)
    return False

# privacy.py - what this node keeps out of a resource, whatever peers send
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the directories this node's own SilverMirror file keeps out of a resource

A peer's SilverMirror file may be older than this node's or differ from
it, so what a peer sends is not enough to keep a namespaced resource's
files out of its parent: the snapshot a host makes at a peer's request
leaves out this node's own children too (``ownchildren``), and no
changeset that records a file under them enters the repository from a
pull or a push (``guard``, a ``pretxnchangegroup`` hook).
"""

import os

from mercurial.i18n import _
from mercurial import error
from mercurial.node import short

from . import (
    config as configmod,
    conflicts,
    resources as resourcesmod,
    state,
)

HOOK = b'pretxnchangegroup.silvermirror-private'


def ownchildren(repo):
    """the directories inside ``repo`` that this node's own file keeps out

    The resources this node declares inside the repository, relative to
    it.  A node without a file (a hub) declares none.  A file that cannot
    be read stops the caller: it may be the one that keeps a directory
    private.
    """
    try:
        cfg = configmod.load(repo.ui)
        resources = resourcesmod.build(repo.ui, cfg, conflicts.handlers)
    except error.ConfigError as inst:
        where = b'%s: ' % inst.location if inst.location else b''
        raise error.Abort(
            _(b"%s: this node's SilverMirror file is broken: %s%s")
            % (repo.root, where, inst.message),
            hint=_(b'fix it; it may be what keeps a directory private'),
        )
    real = os.path.realpath(repo.root)
    dirs = []
    for res in resources:
        inner = os.path.realpath(res.root)
        if inner.startswith(real + b'/'):
            dirs.append(os.path.relpath(inner, real))
    return dirs


def guard(ui, repo, hooktype, node=None, node_last=None, **kwargs):
    """refuse incoming changesets that record a file of a child resource

    Only in a resource's repository (one SilverMirror has worked in).  A
    changeset that removes such a file passes: it is how a node with the
    newer file lets it go.
    """
    if node is None or not repo.vfs.isdir(state.DIR):
        return False
    dirs = ownchildren(repo)
    if not dirs:
        return False
    prefixes = tuple(d + b'/' for d in dirs)
    unfi = repo.unfiltered()
    last = node_last or node
    for rev in unfi.revs(b'%s:%s', node, last):
        ctx = unfi[rev]
        for f in ctx.files():
            if f.startswith(prefixes) and f in ctx:
                raise error.Abort(
                    _(b'changeset %s records %s, which is in a namespaced '
                      b'resource of this node (%s)')
                    % (short(ctx.node()), f, repo.root),
                    hint=_(b'the node that recorded it has an older '
                           b'SilverMirror file: give it this node\'s, then '
                           b'rewrite its history without the file '
                           b"(see 'hg help -v mirror-push')"),
                )
    return False


def install(repo):
    """check every incoming changeset of ``repo`` (``guard``)"""
    repo.ui.setconfig(b'hooks', HOOK, guard, b'silvermirror')

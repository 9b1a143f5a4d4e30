# recovery.py - repair what an interrupted run left, before anything else
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the recovery preamble run at the start of every sync on every repository

An interrupted run can leave an abandoned transaction, a half-done update
(whose half-written and missing files must never be snapshot as edits) or
a merge in progress.  ``preamble`` puts the repository back to a state
the sync can start from, keeping any version it cannot find in history as
a conflict copy, and says what it repaired.
"""

import time

from mercurial.i18n import _
from mercurial import (
    merge as mergemod,
    mergestate as mergestatemod,
)

from . import conflicts


def _preserve(repo, candidates, label):
    """save working-copy files whose content is in none of ``candidates``

    ``candidates`` are changesets; a file equal to its version in one of
    them, or a prefix of one (a write cut short), is safe to overwrite.
    Returns the copies written.
    """
    st = repo.status(unknown=True)
    saved = []
    for path in sorted(set(st.modified) | set(st.added) | set(st.unknown)):
        if not repo.wvfs.isfileorlink(path):
            continue
        data = repo.wvfs.read(path) if not repo.wvfs.islink(path) else repo.wvfs.readlink(path)
        known = [c[path].data() for c in candidates if path in c]
        if not known:
            continue
        if any(data == k or (data and k.startswith(data)) or not data for k in known):
            continue
        copy = conflicts.conflictname(repo, path, label, time.time())
        repo.wvfs.write(copy, data)
        saved.append(copy)
    return saved


def preamble(repo):
    """repair an interrupted run; caller holds the wlock

    Returns a list of messages, one per repair.
    """
    repaired = []
    ui = repo.ui
    if repo.svfs.exists(b'journal'):
        with ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror'):
            repo.recover()
        repo.invalidate()
        repaired.append(_(b'rolled back an interrupted transaction'))
    if repo.vfs.exists(b'updatestate'):
        target = repo.vfs.tryread(b'updatestate').strip()
        unfi = repo.unfiltered()
        p1 = repo[b'.']
        if target and target in unfi:
            dest = unfi[target]
            saved = _preserve(repo, [p1, dest], b'interrupted')
            mergemod.clean_update(dest)
            repaired.append(
                _(b'finished an interrupted update to %s') % dest.hex()[:12]
            )
            repaired.extend(_(b'kept an edit as %s') % s for s in saved)
        else:
            repo.vfs.unlinkpath(b'updatestate', ignoremissing=True)
    ms = mergestatemod.mergestate.read(repo)
    parents = repo[None].parents()
    if len(parents) > 1 or ms.active():
        saved = _preserve(repo, parents, b'merge')
        mergemod.clean_update(parents[0])
        repaired.append(
            _(b'abandoned an interrupted merge, back to %s')
            % parents[0].hex()[:12]
        )
        repaired.extend(_(b'kept an edit as %s') % s for s in saved)
    return repaired

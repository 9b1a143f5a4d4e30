# fsmonitorstate.py - keep hg's fsmonitor state across one process's locks
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""keep what Watchman told hg's fsmonitor when a dirstate is re-read

A sync takes a repository's wlock several times in one process (snapshot,
merge, update).  Each time, hg re-reads a dirstate that changed on disk
(``dirstate.refresh``), and fsmonitor, which overrides
``dirstate.invalidate``, deletes ``.hg/fsmonitor.state`` with it: the next
status asks Watchman for every file since the epoch, slower than no
fsmonitor at all.

Re-reading is not discarding: the dirstate and ``fsmonitor.state`` on disk
were both written under the wlock, by this process or another, so they
still agree.  Only the re-read keeps the state; a real ``invalidate`` (a
failed transaction throws away dirstate changes) still deletes it.

A status of named files (a commit's, the check before an update) needs
no Watchman: hg looks at those files alone, where fsmonitor would first
go through every dirstate entry, each time.
"""

from mercurial import (
    dirstate,
    exthelper,
    extensions,
)

from .. import compat

eh = exthelper.exthelper()


def _keep():
    pass


def _refresh(orig, self):
    state = compat.fsmonitorstate(self)
    if state is None:
        return orig(self)
    # an instance attribute shadows fsmonitor's method for this call only
    state.invalidate = _keep
    try:
        return orig(self)
    finally:
        del state.invalidate


def _walk(orig, walk, self, match, *args, **kwargs):
    if match.isexact():
        return walk(match, *args, **kwargs)
    return orig(walk, self, match, *args, **kwargs)


def fsmonitorloaded(loaded):
    """wrap fsmonitor's walk, once, when the extension loads"""
    if not loaded:
        return
    fsmonitor = extensions.find(b'fsmonitor')
    if _walk not in extensions.getwrapperchain(fsmonitor, 'overridewalk'):
        extensions.wrapfunction(fsmonitor, 'overridewalk', _walk)


@eh.extsetup
def _extsetup(ui):
    extensions.wrapfunction(dirstate.dirstate, 'refresh', _refresh)
    extensions.afterloaded(b'fsmonitor', fsmonitorloaded)

# locks.py - waiting for a repository's lock, and not waiting into a deadlock
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""how a sync and a host wait for a repository's wlock

A sync holds its resource's wlock while it talks to its hosts, and each
host takes its own wlock for its part.  Two nodes that sync with each
other at the same moment (two daemons started together, two saves) each
hold their lock and ask for the other's: both would wait until the host
gives up, and both syncs would skip.  So while a sync talks to hosts its
lock carries a mark (``talking``), and a host whose lock is held by such
a sync refuses at once a caller whose node name sorts after its own, and
lets the others wait (``crossing``).  Along any chain of waits the names
grow, so no chain closes into a cycle: the refused sync ends and frees
its lock, and the other takes it and goes on, bringing both nodes'
changes.

hg waits for a lock in steps of a second; ``wlock`` looks more often, so
a lock freed a moment later is taken a moment later.
"""

import contextlib
import time

from mercurial.i18n import _
from mercurial import error

from . import config as configmod
from . import state

# seconds between two looks at a held lock
POLL = 0.02


class Crossing(error.LockHeld):
    """the lock's holder may be waiting for the caller: waiting could deadlock"""


def wlock(repo, timeout, refuse=None, warn=None):
    """``repo``'s wlock, waited for at most ``timeout`` seconds

    Raises ``error.LockHeld`` when the time is up, and ``Crossing`` at
    once when ``refuse(locker)`` says waiting for that holder could
    deadlock.  After ``warn`` seconds, if given, the wait is announced
    once, as hg announces it.
    """
    start = time.monotonic()
    announced = False
    while True:
        try:
            return repo.wlock(wait=False)
        except error.LockHeld as inst:
            if refuse is not None and refuse(inst.locker):
                raise Crossing(inst.errno, inst.filename, inst.desc, inst.locker)
            waited = time.monotonic() - start
            if waited >= timeout:
                raise
            if warn is not None and not announced and waited >= warn:
                announced = True
                repo.ui.warn(
                    _(b'waiting for lock on %s held by %s\n') % (inst.desc, inst.locker)
                )
        time.sleep(POLL)


@contextlib.contextmanager
def talking(repo):
    """mark the wlock this process holds as a sync's that talks to hosts"""
    state.write(repo, state.TALKING, repo.vfs.readlock(b'wlock'))
    try:
        yield
    finally:
        repo.vfs.tryunlink(state.TALKING)


def crossing(repo, locker, caller):
    """would ``caller`` (a node name) deadlock by waiting for ``locker``?

    Only if the holder is a sync of this node talking to its hosts, which
    may be waiting for ``caller``'s lock; of the two, the node whose name
    sorts first goes on.  A mark left by a sync that died names a holder
    that no longer holds the lock.
    """
    if not (caller and locker) or state.read(repo, state.TALKING, bytes, bytes) != locker:
        return False
    return caller > configmod.nodename(repo.ui)

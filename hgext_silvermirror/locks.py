# locks.py - a repository's lock, waited for in bounds, never into a deadlock
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""how a sync and a host take a repository's wlock

A sync takes its resource's lock (``resourcelock``) and a host its
repository's for each operation (``hostlock``): both are the one
lock-with-timeout ``take``, and differ only in what they tell the user
when the lock stays taken.  A lock this process left on a disk that went
away is freed first (``freeleftlocks``).

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

import collections
import contextlib
import os
import time

from mercurial.i18n import _
from mercurial import error
from mercurial.utils import (
    procutil,
    stringutil,
)

from . import (
    compat,
    config as configmod,
    state,
    wire,
)

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


def take(repo, timeout, where, freeleft=True, refuse=None, warn=None):
    """``repo``'s wlock, waited for at most ``timeout`` seconds

    Locks this process left on a directory that went away are freed
    first (``freeleftlocks``), each said with ``where``.  Raises as
    ``wlock`` does when the lock stays taken; the caller holds the lock
    it gets through ``holding``.
    """
    if freeleft:
        for msg in freeleftlocks(repo):
            repo.ui.warn(b'%s: %s\n' % (where, msg))
    return wlock(repo, timeout, refuse=refuse, warn=warn)


@contextlib.contextmanager
def resourcelock(repo, res, alone=False):
    """the resource's lock, waited for at most ``silvermirror.lock-timeout``

    ``alone``: this process runs nothing but syncs, so a lock naming it
    that no sync holds was left on a disk that went away.
    """
    timeout = repo.ui.configint(b'silvermirror', b'lock-timeout')
    warn = repo.ui.configint(b'ui', b'timeout.warn')
    try:
        lock = take(repo, timeout, res.name, freeleft=alone, warn=warn)
    except error.LockHeld as inst:
        raise error.StateError(
            _(b'resource %s is being synced by another process (%s)')
            % (res.name, stringutil.forcebytestr(inst.locker)),
            hint=_freehint(_(b'wait for it to finish; if none is running'), res.root),
        )
    with holding(repo, lock), talking(repo):
        yield


@contextlib.contextmanager
def hostlock(repo, timeout, caller=None):
    """the host's wlock, waited for at most ``timeout`` seconds

    A sync holds its own resource's lock while it talks to hosts, so a
    host never waits long for its lock, and not at all when its holder may
    be waiting for ``caller``'s (``crossing``).
    """
    try:
        lock = take(
            repo,
            max(0, int(timeout)),
            repo.root,
            refuse=lambda locker: crossing(repo, locker, caller),
        )
    except Crossing as inst:
        raise wire.HostError(
            _(b'repository %s is syncing with its hosts (locked by %s)')
            % (repo.root, stringutil.forcebytestr(inst.locker)),
            hint=_(b'its sync brings the changes of the hosts it reaches'),
            kind=b'busy',
        )
    except error.LockHeld as inst:
        raise wire.HostError(
            _(b'repository %s is locked by %s')
            % (repo.root, stringutil.forcebytestr(inst.locker)),
            hint=_freehint(_(b'another sync is running there; if none is'), repo.root),
            kind=b'busy',
        )
    with holding(repo, lock):
        yield


def _freehint(when, root):
    """a hint that ends with how to free the lock of ``root`` by hand"""
    return when + _(b", free the lock with 'hg -R %s debuglocks --force-free-wlock'") % root


# the roots whose wlock this process holds through a sync, by count
_held = collections.Counter()


@contextlib.contextmanager
def holding(repo, lock):
    """note that this process holds ``lock``, the wlock of ``repo``"""
    root = os.path.realpath(repo.root)
    with lock:
        _held[root] += 1
        try:
            yield
        finally:
            _held[root] -= 1


def freeleftlocks(repo):
    """free the locks this process left on a directory that went away

    hg removes a lock file when the lock is released; if the directory
    was gone at that moment (a disk unplugged mid-sync), the file comes
    back with the disk, naming this very process.  hg takes that process,
    alive, for the holder, and silvermirrord would wait for it forever.
    A lock naming this process on a repository it holds nothing of is
    such a leftover.  Call it only where no hg command of this process can
    hold a lock: a host's repository, or a resource's own in silvermirrord
    (in an hg command, a resource's repository can be locked by the
    command whose hook runs the sync).  Returns messages, one per lock
    freed.
    """
    if _held[os.path.realpath(repo.root)]:
        return []
    me = b'%s:%d' % (compat.lockprefix(), procutil.getpid())
    freed = []
    for vfs, name in ((repo.vfs, b'wlock'), (repo.svfs, b'lock')):
        try:
            locker = vfs.readlock(name)
        except OSError:
            continue
        if locker == me:
            vfs.unlinkpath(name, ignoremissing=True)
            freed.append(
                _(b'freed a lock this process left when the directory went away')
            )
    return freed

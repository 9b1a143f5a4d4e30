"""two syncs that want each other's lock: one goes on at once

A host whose wlock is held by a sync of its own node that talks to hosts
(``locks.talking``) refuses at once a caller named after it, and lets the
others wait, at most their timeout.  Real repositories, in-process: a
second repository object of the same directory is another holder.
"""

import time

import pytest

from mercurial import error, ui as uimod

from hgext_silvermirror import locks, state


def test_only_a_crossing_caller_named_after_the_host_is_refused_at_once(mkrepo):
    ui = uimod.ui()
    ui.setconfig(b'silvermirror', b'name', b'beta', b'test')
    holder = mkrepo('docs', ui=ui)
    host = mkrepo('docs', create=False, ui=ui)

    def wlock(caller, timeout):
        return locks.wlock(host, timeout, refuse=lambda l: locks.crossing(host, l, caller))

    with holder.wlock():
        locker = holder.vfs.readlock(b'wlock')
        # held, but not by a sync talking to hosts: nothing to cross
        assert not locks.crossing(host, locker, b'gamma')
        with locks.talking(holder):
            assert locks.crossing(host, locker, b'gamma')
            assert not locks.crossing(host, locker, b'alpha')
            assert not locks.crossing(host, locker, None)
            # a mark that names another holder (its sync died) counts for nothing
            assert not locks.crossing(host, b'elsewhere:1', b'gamma')
            start = time.monotonic()
            with pytest.raises(locks.Crossing):
                wlock(b'gamma', 5)
            assert time.monotonic() - start < 1
            with pytest.raises(error.LockHeld) as inst:
                wlock(b'alpha', 0.3)
            assert not isinstance(inst.value, locks.Crossing)
            assert time.monotonic() - start >= 0.3
        assert not holder.vfs.exists(state.TALKING)
    with wlock(b'gamma', 1):
        pass

"""the hosts are reached while this node gets ready (reach.py)

This node runs in the test's own process, its host over the real sshd;
functions are wrapped only to record what is sent, or to hold a step
until another has happened, so that the order under test is the one
that runs (every wait is bounded).
"""

import contextlib
import glob
import os
import sys
import threading

import pytest

from mercurial import extensions

from hgext_silvermirror import bigstage, checkout, reach, remote, snapshot, wire
from hgext_silvermirror.firstcontact import sendahead

import nodes

WAIT = 30


@contextlib.contextmanager
def sent(hold=None):
    """the (command, its ``warm``) this node sends its hosts, in order;
    ``hold(name)`` runs before each is sent"""
    seen = []

    def call(orig, peer, name, args, **kwargs):
        seen.append((name, args.get(b'warm')))
        if hold is not None:
            hold(name)
        return orig(peer, name, args, **kwargs)

    with extensions.wrappedfunction(wire, 'call', call):
        yield seen


@contextlib.contextmanager
def before(container, name, event=None, wait=None):
    """``container.name`` sets ``event``, then waits for ``wait``, before
    it runs"""

    def wrapper(orig, *args, **kwargs):
        if event is not None:
            event.set()
        if wait is not None:
            assert wait.wait(WAIT), 'the step waited for did not happen'
        return orig(*args, **kwargs)

    with extensions.wrappedfunction(container, name, wrapper):
        yield


def askedbefore(c, *args, **sync):
    """sync ``a`` (``args``, ``sync``: ``cluster.sync``'s) with its host
    asked before this node's scan has found its change, and answered
    while the commit runs: what ``a`` sent, and the sync's process"""
    asked, recording, answered = threading.Event(), threading.Event(), threading.Event()

    def hold(name):
        if name == b'smprepare':
            asked.set()
            assert recording.wait(WAIT)

    def done(orig, peer, name, args, **kwargs):
        try:
            return orig(peer, name, args, **kwargs)
        finally:
            if name in (checkout.WARM, sendahead.COMMAND):
                answered.set()

    with extensions.wrappedfunction(wire, 'call', done), sent(hold) as seen, before(
        snapshot, 'scan', wait=asked
    ), before(snapshot, 'record', event=recording, wait=answered):
        proc = c.sync('a', *args, **{'check': 0, **sync})
    return seen, proc


def test_a_host_asked_before_the_scan_knew_gets_the_files_while_this_node_records(ssh_pair):
    """once answered, a host at this node's parent gets the changed file
    ahead (and reads its manifest), while the commit runs"""
    c = ssh_pair
    c.write('a', 'f00.txt', b'changed\n')
    assert askedbefore(c)[0][:2] == [(b'smprepare', False), (sendahead.COMMAND, None)]
    assert read(c.root('b'), 'f00.txt') == b'changed\n'


def test_a_host_that_filters_files_keeps_none_ahead_and_says_why(ssh_pair):
    c = ssh_pair
    with open(os.path.join(c.root('b'), '.hg', 'hgrc'), 'a') as fp:
        fp.write('[encode]\n**.nothing = cat\n')
    c.write('a', 'f00.txt', b'changed\n')
    seen, proc = askedbefore(c, '--debug')
    assert (sendahead.COMMAND, None) in seen
    text = (proc.stdout + proc.stderr).decode()
    assert 'r: b: files not sent ahead: its hg filters files (encode, decode)' in text, text
    assert read(c.root('b'), 'f00.txt') == b'changed\n'


def test_a_host_with_changes_of_its_own_reads_ahead_while_this_node_records(ssh_pair):
    """a host whose snapshot recorded its own change gets nothing ahead
    (its delivery is a merge's): it reads its manifest ahead"""
    c = ssh_pair
    c.write('a', 'f00.txt', b'changed\n')
    c.write('b', 'f01.txt', b'changed on b\n')
    assert askedbefore(c)[0][:2] == [(b'smprepare', False), (checkout.WARM, None)]
    assert read(c.root('b'), 'f00.txt') == b'changed\n'
    assert read(c.root('a'), 'f01.txt') == b'changed on b\n'


def staged(c, name):
    return glob.glob(os.path.join(c.root(name), '.hg', 'silvermirror', 'staged-*'))


@pytest.mark.parametrize('point', ['update.start', 'update.after-file:2'])
def test_a_host_that_dies_with_files_sent_ahead_is_repaired_by_the_next_sync(ssh_pair, point):
    """the host dies once this node's changed files arrived ahead, before
    or while they are moved into place: the next sync finishes the job,
    the host's edit in between is kept, and no copy stays"""
    c = ssh_pair
    for i in range(3):
        c.write('a', 'f%02d.txt' % i, b'changed %d\n' % i)
    seen, _proc = askedbefore(c, check=1, hostfault=(point, 'kill'))
    assert (sendahead.COMMAND, None) in seen
    assert c.fired(point)
    assert staged(c, 'b')
    c.write('b', 'f07.txt', b'edited on b\n')
    c.sync('a', check=0)
    c.check()
    assert staged(c, 'b') == []
    assert read(c.root('b'), 'f01.txt') == b'changed 1\n'
    assert read(c.root('a'), 'f07.txt') == b'edited on b\n'


def test_a_host_asked_after_the_scan_reads_ahead_in_the_same_request(ssh_pair):
    c = ssh_pair
    c.write('a', 'f00.txt', b'changed\n')
    scanned, answered = threading.Event(), threading.Event()

    def hold(name):
        if name == b'smprepare':
            answered.set()

    # what the sync asks once its scan found changes, and knows it
    with before(bigstage, 'wanted', event=scanned), sent(hold) as seen, before(
        reach, 'hostargs', wait=scanned
    ), before(snapshot, 'record', wait=answered):
        c.sync('a', check=0)
    assert seen[0] == (b'smprepare', True)
    assert checkout.WARM not in [name for name, _w in seen]
    assert read(c.root('b'), 'f00.txt') == b'changed\n'


def test_nothing_to_send_reads_nothing_ahead(ssh_pair):
    c = ssh_pair
    with sent() as seen:
        c.sync('a', check=0)
    assert seen == [(b'smprepare', False)]


def test_the_switch_interval_is_short_only_while_the_hosts_are_reached(ssh_pair):
    c = ssh_pair
    intervals = []
    before_sync = sys.getswitchinterval()
    with sent(lambda name: intervals.append(sys.getswitchinterval())):
        c.sync('a', check=0)
    assert intervals == [reach.SWITCHINTERVAL] != [before_sync]
    assert sys.getswitchinterval() == before_sync


def test_a_sync_that_cannot_start_asks_its_hosts_nothing(ssh_pair):
    """the host's login starts while this node takes its lock; another
    sync holds it: the login's process ends unused, the host is asked
    nothing, and its pending edit is not recorded"""
    c = ssh_pair
    c.write('b', 'f01.txt', b'edited on b\n')
    history = c.history('b')
    procs = []

    def park(orig, make):
        keys = orig(make)
        procs.extend(remote._PARKED[k][0] for k in keys)
        return keys

    repo = nodes.repository(c.root('a'))
    with extensions.wrappedfunction(remote, 'park', park), repo.wlock(), sent() as seen:
        proc = c.sync('a', '--config', 'silvermirror.lock-timeout=0', check=None)
    out = (proc.stdout + proc.stderr).decode()
    assert proc.returncode != 0 and 'being synced by another process' in out, out
    assert len(procs) == 1 and procs[0].returncode is not None
    assert remote._PARKED == {}
    assert seen == []
    assert c.history('b') == history
    assert read(c.root('b'), 'f01.txt') == b'edited on b\n'


def test_the_login_started_ahead_serves_the_sync(ssh_pair):
    """one ssh process per host for a sync: the one started before the
    lock"""
    c = ssh_pair
    c.write('a', 'f00.txt', b'changed\n')
    parked, taken = [], []

    def park(orig, make):
        keys = orig(make)
        parked.extend(keys)
        return keys

    def connection(orig, *args, **kwargs):
        before = len(remote._PARKED)
        started = orig(*args, **kwargs)
        taken.append(len(remote._PARKED) < before)
        return started

    with extensions.wrappedfunction(remote, 'park', park), extensions.wrappedfunction(
        remote.sshpeer, remote.compat.SSHCONNECTION, connection
    ):
        c.sync('a', check=0)
    # the parking raises through the wrapper: only the connection made counts
    assert len(parked) == 1 and taken == [True]
    assert read(c.root('b'), 'f00.txt') == b'changed\n'


def read(root, rel):
    with open(os.path.join(root, rel), 'rb') as fp:
        return fp.read()

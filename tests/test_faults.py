"""faults of matrix 5.2 (shared/research/reliability.md): nothing is ever lost

Each case breaks a sync on purpose, here a SIGKILL, a Ctrl-C or a failure
at a named point of a sync or of a first contact with an empty host,
then checks what the user sees (exit status, message) and
the invariants of ``invariants.py``: no version lost, ``hg verify`` clean,
nothing left half-done, and at most two rounds of plain syncs to identical
trees.  Cases run over local paths and over the real sshd.

Hosts and network (B, C) are in ``test_faults_hosts.py``; user edits,
disks, configuration and content (D-H) in ``test_faults_files.py``.
"""

import os
import signal
import subprocess
import time

import pytest

import invariants
from cluster import BASE, FAULTINJECT, TRANSPORTS, changes, output as out


# A. interruption ------------------------------------------------------------

# (transport, point, where, action): where the fault fires on a push from
# alpha; a local-path host runs in alpha's process, so over local paths a
# host point kills alpha itself
KILLS = [
    ('local', 'lock.acquired', 'here', 'kill'),
    ('local', 'snapshot.in-txn', 'here', 'kill'),
    ('local', 'pull.in-txn', 'here', 'kill'),
    ('local', 'merge.after-file:1', 'here', 'kill'),
    ('local', 'merge.in-txn', 'here', 'kill'),
    ('local', 'push.server-in-txn', 'host', 'kill'),
    ('local', 'update.after-file:2', 'host', 'kill'),
    ('local', 'update.after-file:2', 'host', 'raise:ENOSPC'),
    ('local', 'snapshot.in-txn', 'here', 'interrupt'),
    ('ssh', 'pull.in-txn', 'here', 'kill'),
    ('ssh', 'lock.acquired', 'host', 'kill'),
    ('ssh', 'snapshot.in-txn', 'host', 'kill'),
    ('ssh', 'push.server-in-txn', 'host', 'kill'),
    ('ssh', 'update.after-file:2', 'host', 'kill'),
    ('ssh', 'update.after-file:2', 'host', 'raise:ENOSPC'),
]


@pytest.mark.parametrize('transport,point,where,action', KILLS)
def test_interrupted_sync_recovers(mkcluster, transport, point, where, action):
    """A1-A9, A11, B9, F2: the next plain run repairs and converges"""
    c = mkcluster(transport)
    c.setup()
    changes(c)
    if where == 'here':
        proc = c.sync('alpha', fault=(point, action))
    else:
        proc = c.sync('alpha', hostfault=(point, action))
    assert c.fired(point), out(proc)
    inprocess = where == 'here' or c.transport == 'local'
    if action == 'kill' and inprocess:
        assert proc.returncode == -signal.SIGKILL
    elif action == 'interrupt':
        assert proc.returncode == 255 and 'interrupted' in out(proc)
    else:
        # a host that dies or fails is reported, the run finishes
        assert proc.returncode == 1, out(proc)
    # the user keeps working on the host in between
    c.write('beta', 'f07.txt', b'beta edit between the runs\n')
    again = c.sync('alpha')
    assert again.returncode == 0, out(again)
    c.check()


def test_ctrl_c_while_hosts_are_reached(mkcluster):
    """A9 as from a terminal: SIGINT to the whole foreground process group
    (hg and its ssh clients) while the snapshot is taken and the host is
    reached in parallel; the run stops with 255 and the next one repairs"""
    c = mkcluster('ssh')
    c.setup()
    changes(c)
    proc = c.nodes['alpha'].popen(
        'mirror-push', 'docs', *c.faultargs('snapshot.in-txn', 'sleep:10'),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    c.firedpid('snapshot.in-txn')
    os.killpg(proc.pid, signal.SIGINT)
    text = proc.communicate(timeout=60)[0].decode('utf-8', 'replace')
    assert proc.returncode == 255 and 'interrupted' in text, text
    again = c.sync('alpha')
    assert again.returncode == 0, out(again)
    c.check()


@pytest.mark.parametrize('action', ['kill', 'raise:ENOSPC'])
def test_worker_dies_mid_update(cluster, action):
    """A7 with hg's workers: a first population of many files is written by
    forked workers (each guarded); one dying stops the update, and the next
    run finishes it"""
    c = cluster
    c.setup()
    for i in range(WORKERFILES):
        c.write('alpha', 'many/d%d/f%04d.txt' % (i % 10, i), b'file %d\n' % i)
    workers = ('--config', 'worker.numcpus=2')
    point = 'update.after-file:50'
    if c.transport == 'ssh':
        with open(c.nodes['beta'].path('.hgrc'), 'a') as fp:
            fp.write('[worker]\nnumcpus = 2\n')
    proc = c.sync('alpha', *workers, hostfault=(point, action))
    assert c.fired(point), out(proc)
    if c.transport == 'local' and action == 'kill':
        # hg's worker pool dies of the signal its worker died of
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 1, out(proc)
    if action != 'kill':
        assert 'a worker writing the working copy failed' in out(proc), out(proc)
    again = c.sync('beta', *workers, check=0)
    assert 'finished an interrupted update' in out(again), out(again)
    c.check()


# enough files for hg to fork workers for the update (its cost model)
WORKERFILES = 1000


def test_kill_after_finalize(cluster):
    """A2: the snapshot committed, the journal not yet cleaned up"""
    c = cluster
    c.setup()
    changes(c)
    proc = c.sync('alpha', '--config', 'devel.debug.abort-transaction=kill-9-post-finalize')
    assert proc.returncode == -signal.SIGKILL
    again = c.sync('alpha', check=0)
    assert 'rolled back an interrupted transaction' in out(again)
    c.check()


def test_kill_before_a_file_is_written_back(cluster):
    """alpha declares a child over files docs tracked: beta's update to
    the changeset that stops tracking them removes them and the sync
    writes them back; a kill in between leaves the next run to do it"""
    c = cluster
    if c.transport == 'local':
        pytest.skip('a local-path host has no SilverMirror file of its own')
    c.setup(dict(BASE, **{'sub/x.txt': b'x\n'}))
    child = '[docs:sub]\nhosts = alpha\n'
    alpha = c.nodes['alpha']
    alpha.config(alpha.read('.silvermirror').decode() + child)
    proc = c.sync('beta', fault=('update.after-write', 'kill'))
    assert c.fired('update.after-write'), out(proc)
    kept = os.path.join(c.root('beta'), 'sub', 'x.txt')
    assert not os.path.exists(kept)
    beta = c.nodes['beta']
    beta.config(beta.read('.silvermirror').decode() + child)
    again = c.sync('beta', check=0)
    assert 'finished an interrupted update' in out(again), out(again)
    with open(kept, 'rb') as fp:
        assert fp.read() == b'x\n'


def test_sleep_then_sigkill_mid_update(cluster):
    """A7: paused at the host's update, SIGKILLed from outside; H1 holds"""
    c = cluster
    c.setup()
    changes(c)
    if c.transport == 'ssh':
        c.hostfault('beta', 'update.after-file:3', 'sleep:30')
        proc = c.popen('alpha')
    else:
        proc = c.popen('alpha', *c.faultargs('update.after-file:3', 'sleep:30'))
    pid = c.firedpid('update.after-file:3')
    os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    c.clearfaults()
    # half the files are written; a real edit happens before the next run
    c.write('beta', 'f05.txt', b'the user edited this after the crash\n')
    again = c.sync('beta', check=0)
    text = out(again)
    assert 'finished an interrupted update' in text, text
    # the half-written tree was never recorded as edits: beta's last
    # snapshot holds the one file the user really edited, kept in place
    last = c.nodes['beta'].hg(
        'log', '-r', "last(extra('silvermirror-node', 'beta'))", '-T', '{files}',
        cwd=c.root('beta'), check=0,
    )
    assert last.stdout == b'f05.txt', out(last)
    c.check()


def test_client_killed_mid_push(mkcluster):
    """A5: the host sees EOF inside its transaction; nothing half-applied"""
    c = mkcluster('ssh')
    c.setup()
    changes(c)
    c.hostfault('beta', 'push.server-in-txn', 'sleep:2')
    proc = c.popen('alpha')
    serverpid = c.firedpid('push.server-in-txn')
    proc.kill()
    proc.communicate(timeout=30)
    _waitgone(serverpid)
    c.clearfaults()
    c.sync('alpha', check=0)
    c.check()


def _waitgone(pid, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError('process %d still running' % pid)


def test_kill_mid_local_pull_update(cluster):
    """A8: mirror-pull killed while it updates the local working copy"""
    c = cluster
    c.setup()
    for i in range(6):
        c.write('beta', 'f%02d.txt' % i, b'beta edit %d\n' % i)
    proc = c.sync('alpha', cmd='mirror-pull', fault=('update.after-file:2', 'kill'))
    assert proc.returncode == -signal.SIGKILL
    again = c.sync('alpha', cmd='mirror-pull', check=0)
    assert 'finished an interrupted update' in out(again)
    c.check()


# the first push to an empty host: a stream of the store ----------------------

SEEDKILLS = [
    ('local', 'kill'),
    ('local', 'raise:ENOSPC'),
    ('ssh', 'kill'),
    ('ssh', 'raise:ENOSPC'),
]


@pytest.mark.parametrize('transport,action', SEEDKILLS)
def test_interrupted_seed_recovers(mkcluster, transport, action):
    """A5 for the stream: a host dying (or its disk filling) amid the store
    it is taking keeps no half-written store; the next run streams again"""
    c = mkcluster(transport)
    for rel, data in BASE.items():
        c.write('alpha', rel, data)
    point = 'seed.after-file:3'
    proc = c.sync('alpha', hostfault=(point, action))
    assert c.fired(point), out(proc)
    if c.transport == 'local' and action == 'kill':
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 1, out(proc)
    store = os.path.join(c.root('beta'), '.hg', 'store')
    if action != 'kill':
        # emptied at once: nothing of the stream is left
        assert sorted(os.listdir(store)) == ['requires'], os.listdir(store)
    again = c.sync('alpha', '-v', check=0)
    if action == 'kill':
        assert 'emptied the store of an interrupted first sync' in out(again), out(again)
    assert 'beta: streamed the store' in out(again), out(again)
    c.check()


@pytest.mark.parametrize('action', ['kill', 'raise:ENOSPC'])
def test_interrupted_prefill_recovers(mkcluster, action):
    """an empty ssh host dying (or its disk filling) while it writes this
    node's files during the first snapshot keeps only complete copies of
    them, which the next run removes; a full disk removes them at once and
    the host gets its working copy from hg's update"""
    c = mkcluster('ssh')
    for rel, data in BASE.items():
        c.write('alpha', rel, data)
    point = 'prefill.after-file:3'
    proc = c.sync('alpha', '-v', hostfault=(point, action))
    assert c.fired(point), out(proc)
    beta = c.root('beta')
    left = sorted(f for f in os.listdir(beta) if f != '.hg')
    if action == 'kill':
        assert proc.returncode == 1, out(proc)
        assert left == sorted(BASE)[:3], left
        for f in left:
            with open(os.path.join(beta, f), 'rb') as fp:
                assert fp.read() == BASE[f]
    else:
        assert proc.returncode == 0, out(proc)
        assert 'beta: not prefilled' in out(proc), out(proc)
        assert 'beta: streamed the store' in out(proc), out(proc)
        assert left == sorted(BASE)
    assert not os.path.exists(os.path.join(beta, '.hg', 'silvermirror', 'prefill.tmp'))
    again = c.sync('alpha', check=0)
    if action == 'kill':
        assert 'removed the copies of an interrupted first sync' in out(again), out(again)
    c.check()


def test_host_no_longer_empty_gets_a_push(cluster):
    """a host that got changesets between its snapshot and the stream (another
    node pushed) refuses the stream; the sync pushes to it instead"""
    c = cluster
    c.setup()
    changes(c)
    args = ['-v']
    if c.transport == 'ssh':
        with open(c.nodes['beta'].path('.hgrc'), 'a') as fp:
            fp.write(
                '[extensions]\nfaultinject = %s\n[faultinject]\nclaim-empty = true\n'
                % FAULTINJECT
            )
    else:
        args += ['--config', 'extensions.faultinject=%s' % FAULTINJECT,
                 '--config', 'faultinject.claim-empty=true']
    proc = c.nodes['alpha'].hg('mirror-push', 'docs', *args, check=0)
    c.clearfaults()
    c.ledger.observe()
    assert 'pushing instead of streaming: the repository is not empty' in out(proc), out(proc)
    c.check()


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_interrupted_first_pull_recovers(mkcluster, mknode, transport):
    """a new node's first pull is a stream of the host's store: killed amid
    it, the next run empties the half-written store and pulls again"""
    c = mkcluster(transport)
    c.setup()
    point = 'seed.after-file:3'
    gamma = mknode('gamma')
    gamma.config(
        '[::SilverMirror::]\nhosts = %s\ntimeout = 5\n[docs]\n' % c.hostof('alpha')
    )
    os.makedirs(gamma.path('docs'))
    proc = gamma.hg('mirror-pull', 'docs', *c.faultargs(point, 'kill'))
    assert c.fired(point), out(proc)
    assert proc.returncode == -signal.SIGKILL, out(proc)
    again = gamma.hg('mirror-pull', 'docs', check=0)
    assert 'emptied the store of an interrupted first sync' in out(again), out(again)
    gamma.hg('verify', '-q', cwd=gamma.path('docs'), check=0)
    assert invariants.identical([c.root('alpha'), gamma.path('docs')])

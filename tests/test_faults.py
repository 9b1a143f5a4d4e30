"""faults of matrix 5.2 (shared/research/reliability.md): nothing is ever lost

Each case breaks a sync on purpose (a SIGKILL at a named point, a host
that is down or hangs, a full disk, a lock held, a user editing at the
worst moment), then checks what the user sees (exit status, message) and
the invariants of ``invariants.py``: no version lost, ``hg verify`` clean,
nothing left half-done, and at most two rounds of plain syncs to identical
trees.  Cases run over local paths and over the real sshd.
"""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

import invariants
from invariants import Ledger

TESTS = os.path.dirname(os.path.abspath(__file__))
FAULTINJECT = os.path.join(TESTS, 'faultinject.py')
BASE = {'f%02d.txt' % i: b'base %d\n' % i for i in range(10)}
TRANSPORTS = ['local', 'ssh']


class Cluster:
    """nodes syncing resource ``docs``, with a ledger of every version"""

    def __init__(self, testenv, mknode, transport, names=('alpha', 'beta'), timeout=5):
        self.tmp, self.env = testenv
        if transport == 'ssh' and not self.env.get('SM_SSHD_PORT'):
            pytest.skip('sshd is not installed')
        self.transport = transport
        self.nodes = {n: mknode(n) for n in names}
        self.names = list(names)
        self.ledger = Ledger()
        self.marker = os.path.join(self.tmp, 'markers')
        self.hgrc = {}
        for name, node in self.nodes.items():
            # over ssh every node lists all (its own name is skipped)
            hosts = [self.hostof(o) for o in names if transport == 'ssh' or o != name]
            node.config(
                '[::SilverMirror::]\nhosts = %s\ntimeout = %d\n[docs]\n'
                % (' '.join(hosts), timeout)
            )
            with open(node.path('.hgrc'), 'a') as fp:
                fp.write('lock-timeout = 2\n')
            self.hgrc[name] = open(node.path('.hgrc')).read()
            os.makedirs(self.root(name), exist_ok=True)

    def hostof(self, name):
        return name if self.transport == 'ssh' else self.nodes[name].home

    def root(self, name):
        return self.nodes[name].path('docs')

    def roots(self):
        return [self.root(n) for n in self.names]

    def write(self, name, rel, data):
        self.ledger.write(self.root(name), rel, data)

    def faultargs(self, point, action):
        return [
            '--config', 'extensions.faultinject=%s' % FAULTINJECT,
            '--config', 'faultinject.point=%s' % point,
            '--config', 'faultinject.action=%s' % action,
            '--config', 'faultinject.marker=%s' % self.marker,
        ]

    def hostfault(self, name, point, action):
        """a fault in the host's own hg (the remote ``hg serve`` over ssh)"""
        with open(self.nodes[name].path('.hgrc'), 'a') as fp:
            fp.write(
                '[extensions]\nfaultinject = %s\n[faultinject]\npoint = %s\n'
                'action = %s\nmarker = %s\n'
                % (FAULTINJECT, point, action, self.marker)
            )

    def clearfaults(self):
        for name, text in self.hgrc.items():
            with open(self.nodes[name].path('.hgrc'), 'w') as fp:
                fp.write(text)

    def fired(self, point):
        return os.path.exists(os.path.join(self.marker, point + '.pid'))

    def firedpid(self, point, timeout=20):
        path = os.path.join(self.marker, point + '.pid')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(path):
                data = open(path).read().strip()
                if data:
                    return int(data)
            time.sleep(0.02)
        raise AssertionError('fault point %s not reached' % point)

    def sync(self, name, *args, check=None, fault=None, hostfault=None, cmd='mirror-push'):
        """one sync; ``fault`` here, ``hostfault`` on the hosts' side"""
        argv = [cmd, 'docs'] + list(args)
        if fault is not None:
            argv += self.faultargs(*fault)
        if hostfault is not None:
            if self.transport == 'ssh':
                for other in self.names:
                    if other != name:
                        self.hostfault(other, *hostfault)
            else:
                # a local-path host runs in the syncing process
                argv += self.faultargs(*hostfault)
        proc = self.nodes[name].hg(*argv, check=check)
        if hostfault is not None:
            self.clearfaults()
        if proc.returncode in (0, 1):
            self.ledger.observe()
        return proc

    def popen(self, name, *args):
        return self.nodes[name].popen(
            'mirror-push', 'docs', *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    def setup(self, files=BASE):
        """``files`` on the first node, mirrored to all"""
        first = self.names[0]
        for rel, data in files.items():
            self.write(first, rel, data)
        self.sync(first, check=0)
        assert invariants.identical(self.roots())

    def verify(self, root):
        name = next(n for n in self.names if self.root(n) == root)
        proc = self.nodes[name].hg('verify', '-q', cwd=root)
        return proc.returncode, (proc.stdout + proc.stderr).decode('utf-8', 'replace')

    def check(self, rounds=2):
        syncs = [lambda n=n: self.sync(n) for n in self.names]
        return invariants.check(self.ledger, self.roots(), self.verify, syncs, rounds)

    def history(self, name):
        return invariants.history(self.root(name))


def out(proc):
    return (proc.stdout + proc.stderr).decode('utf-8', 'replace')


def changes(c, here='alpha', there='beta'):
    """edits on both sides, so that a sync pulls, merges, pushes, updates"""
    for i in range(6):
        c.write(here, 'f%02d.txt' % i, b'%s edit %d\n' % (here.encode(), i) * 50)
    c.write(here, 'new/added.txt', b'added on %s\n' % here.encode())
    c.ledger.delete(c.root(here), 'f09.txt')
    c.write(there, 'f08.txt', b'%s edit\n' % there.encode())


@pytest.fixture(params=TRANSPORTS)
def cluster(request, testenv, mknode):
    return Cluster(testenv, mknode, request.param)


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
def test_interrupted_sync_recovers(testenv, mknode, transport, point, where, action):
    """A1-A9, A11, B9, F2: the next plain run repairs and converges"""
    c = Cluster(testenv, mknode, transport)
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


def test_ctrl_c_while_hosts_are_reached(testenv, mknode):
    """A9 as from a terminal: SIGINT to the whole foreground process group
    (hg and its ssh clients) while the snapshot is taken and the host is
    reached in parallel; the run stops with 255 and the next one repairs"""
    c = Cluster(testenv, mknode, 'ssh')
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


def test_client_killed_mid_push(testenv, mknode):
    """A5: the host sees EOF inside its transaction; nothing half-applied"""
    c = Cluster(testenv, mknode, 'ssh')
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


# B. hosts and network ---------------------------------------------------------


def _alias(c, name, **options):
    """an extra ssh alias ``name`` in the test's ssh config"""
    lines = ['Host %s' % name] + ['  %s %s' % kv for kv in options.items()]
    with open(os.path.join(c.tmp, '.ssh', 'config'), 'a') as fp:
        fp.write('\n'.join(lines) + '\n')


def _unreachable_case(c, host, budget):
    """a push to ``host`` (and beta) reports it and still syncs beta"""
    c.setup()
    c.write('alpha', 'f00.txt', b'changed\n')
    start = time.monotonic()
    proc = c.sync('alpha', '-H', 'beta', '-H', host)
    elapsed = time.monotonic() - start
    assert proc.returncode == 1, out(proc)
    assert host in out(proc)
    assert elapsed < budget, 'took %.1fs' % elapsed
    assert c.nodes['beta'].read('docs/f00.txt') == b'changed\n'
    return proc


def test_host_down(testenv, mknode):
    """B1: connection refused is reported within the timeout"""
    c = Cluster(testenv, mknode, 'ssh', timeout=3)
    port = _freeport()
    _alias(c, 'downhost', HostName='127.0.0.1', Port=port, BatchMode='yes')
    _unreachable_case(c, 'downhost', 3 + 5)


def _freeport():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_host_tarpit(testenv, mknode):
    """B2: a server that accepts and never answers costs at most the timeout"""
    c = Cluster(testenv, mknode, 'ssh', timeout=2)
    with socket.socket() as tarpit:
        tarpit.bind(('127.0.0.1', 0))
        tarpit.listen(8)
        _alias(c, 'tarpit', HostName='127.0.0.1', Port=tarpit.getsockname()[1])
        _unreachable_case(c, 'tarpit', 2 + 2 + 3)
    sshconfig = os.fsencode(os.path.join(c.tmp, '.ssh', 'config'))
    assert not _processes_with(b'tarpit', sshconfig), 'an ssh to the tarpit outlived the sync'


def _processes_with(*words):
    """processes whose command line has every one of ``words`` (this
    test's ssh config among them: other test runs may reach a tarpit too)"""
    found = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as fp:
                    argv = fp.read().split(b'\0')
            except OSError:
                continue
            if all(w in argv for w in words):
                found.append(int(pid))
    return found


def test_host_does_not_resolve(testenv, mknode):
    """B3: a resolver error names the host; nothing changes"""
    c = Cluster(testenv, mknode, 'ssh')
    _alias(
        c,
        'nowhere',
        ProxyCommand="sh -c 'echo \"ssh: Could not resolve hostname nowhere: "
        "Name or service not known\" >&2; exit 255'",
    )
    # ssh's last line (kex_exchange_identification) is what gets reported
    _unreachable_case(c, 'nowhere', 10)


def test_host_without_extension(testenv, mknode):
    """B5: the message says the extension is missing and how to enable it"""
    c = Cluster(testenv, mknode, 'ssh')
    bare = os.path.join(c.tmp, 'bare.hgrc')
    with open(bare, 'w') as fp:
        fp.write('[ui]\nusername = test\n')
    _alias(
        c,
        'plainhg',
        HostName='127.0.0.1',
        Port=c.env['SM_SSHD_PORT'],
        User=c.env['SM_SSH_USER'],
        IdentityFile=c.env['SM_SSH_KEY'],
        StrictHostKeyChecking='no',
        UserKnownHostsFile='/dev/null',
        SetEnv='SM_NODE_HOME=%s HGRCPATH=%s' % (c.nodes['beta'].home, bare),
    )
    c.setup()
    before = invariants.tree(c.root('beta'))
    proc = c.sync('alpha', '-H', 'plainhg')
    assert proc.returncode == 1
    assert 'does not have the SilverMirror extension enabled' in out(proc)
    assert 'hgext_silvermirror' in out(proc)
    assert invariants.tree(c.root('beta')) == before


@pytest.fixture
def mounts():
    """mount points to undo at the end of the test, innermost first"""
    done = []
    yield done
    for path in reversed(done):
        subprocess.run(['umount', '-l', path], capture_output=True)


def _mount(mounts, *args):
    """``mount ARGS`` as root; the last argument is the mount point"""
    if os.getuid() != 0:
        return 'mounting needs root'
    proc = subprocess.run(['mount'] + list(args), capture_output=True, timeout=30)
    if proc.returncode:
        return proc.stderr.decode('utf-8', 'replace').strip() or 'mount failed'
    mounts.append(args[-1])
    return None


def _readonly(mounts, path):
    return _mount(mounts, '--bind', path, path) or _mount(
        mounts, '-o', 'remount,ro,bind', path
    )


def test_host_read_only(cluster, mounts):
    """B6: the host's transaction fails; local snapshot kept; host unchanged"""
    c = cluster
    c.setup()
    why = _readonly(mounts, c.root('beta'))
    if why:
        pytest.skip('cannot make a read-only bind mount: %s' % why)
    before = invariants.tree(c.root('beta'))
    c.write('alpha', 'f00.txt', b'changed while beta is read-only\n')
    proc = c.sync('alpha')
    assert proc.returncode == 1, out(proc)
    assert 'beta' in out(proc) or c.nodes['beta'].home in out(proc)
    assert invariants.tree(c.root('beta')) == before
    assert (b'f00.txt', b'changed while beta is read-only\n') in c.history('alpha')
    subprocess.run(['umount', c.root('beta')], check=True)
    mounts.clear()
    c.check()


def test_host_lost_mid_sync_others_synced(testenv, mknode):
    """A11, B7: one host dies mid-push; the others are synced; exit 1"""
    c = Cluster(testenv, mknode, 'ssh', names=('alpha', 'beta', 'gamma'))
    c.setup()
    changes(c)
    c.hostfault('beta', 'push.server-in-txn', 'kill')
    proc = c.sync('alpha')
    c.clearfaults()
    assert proc.returncode == 1, out(proc)
    assert c.fired('push.server-in-txn')
    assert invariants.tree(c.root('gamma')) == invariants.tree(c.root('alpha'))
    c.sync('alpha', check=0)
    c.check()


def test_local_host_not_mounted(testenv, mknode):
    """B8: a local-path host whose base is missing; nothing created"""
    c = Cluster(testenv, mknode, 'local')
    c.setup()
    usb = os.path.join(c.tmp, 'usb', 'mirror')
    proc = c.sync('alpha', '-H', usb)
    assert proc.returncode == 1
    assert 'does not exist (not mounted?)' in out(proc)
    assert not os.path.exists(os.path.join(c.tmp, 'usb'))


def test_a_shell_of_a_repository_is_never_filled(cluster):
    """B8, after a disk went away mid-sync: the .hg that hg's last writes
    made anew where it was (no requires, no store) is refused, not filled
    with a second copy"""
    c = cluster
    c.setup()
    dothg = os.path.join(c.root('beta'), '.hg')
    shutil.rmtree(dothg)
    os.makedirs(os.path.join(dothg, 'silvermirror'))
    for cmd, args in (('mirror-push', ()), ('mirror-status', ('--remote',))):
        proc = c.sync('alpha', *args, check=1, cmd=cmd)
        assert 'not a whole repository (no .hg/requires)' in out(proc), out(proc)
        assert os.listdir(dothg) == ['silvermirror']


def test_disk_pulled_out_mid_sync_leaves_no_shell(testenv, mknode):
    """B8, a disk pulled out while a sync writes to it (in hg's transaction,
    before SilverMirror's state file, before the dirstate and caches of the
    lock's release): none of the sync's later writes makes the repository
    or its directory anew where the disk was (a shell, back whenever the
    disk is out); the host is unreachable, and back, it catches up"""
    c = Cluster(testenv, mknode, 'local')
    c.setup()
    usb = os.path.join(c.tmp, 'usb')
    mirror = os.path.join(usb, 'docs')
    os.mkdir(usb)
    c.sync('alpha', '-H', usb, check=0)
    for point in ('push.server-in-txn', 'update.start', 'update.after-write'):
        for i in range(3):
            c.write('alpha', 'sub/f%d.txt' % i, b'before %s\n' % point.encode())
        proc = c.sync('alpha', '-H', usb, hostfault=(point, 'unplug:%s' % usb))
        assert c.fired(point)
        assert proc.returncode == 1, out(proc)
        assert not os.path.exists(usb), (point, list(os.walk(usb)))
        assert 'unreachable: %s went away during the sync' % usb in out(proc), out(proc)
        os.rename(usb + '-away', usb)
        c.sync('alpha', '-H', usb, check=0)
        assert invariants.tree(mirror) == invariants.tree(c.root('alpha'))
    assert c.nodes['alpha'].hg('verify', '-q', cwd=mirror).returncode == 0


# C. concurrency ---------------------------------------------------------------


def test_two_syncs_of_one_resource(cluster):
    """C1: the second waits at most lock-timeout, then says who holds it"""
    c = cluster
    c.setup()
    first = c.popen('alpha', *c.faultargs('lock.acquired', 'sleep:6'))
    pid = c.firedpid('lock.acquired')
    start = time.monotonic()
    second = c.sync('alpha')
    assert time.monotonic() - start < 2 + 3
    assert second.returncode == 20, out(second)
    assert 'being synced by another process' in out(second)
    assert str(pid) in out(second)
    assert first.wait(30) == 0
    c.check()


def test_push_to_each_other_at_once(cluster):
    """C3, H3: A->B and B->A at the same moment never deadlock"""
    c = cluster
    c.setup()
    changes(c)
    fault = c.faultargs('pull.before', 'sleep:1')
    start = time.monotonic()
    procs = [c.popen(n, *fault) for n in ('alpha', 'beta')]
    codes = [p.wait(60) for p in procs]
    for p in procs:
        p.communicate()
    assert time.monotonic() - start < 30
    assert all(code in (0, 1) for code in codes), codes
    c.ledger.observe()
    c.check()


def test_stale_lock_of_dead_process(cluster):
    """C5: a sync killed while holding the lock does not block the next"""
    c = cluster
    c.setup()
    proc = c.sync('alpha', fault=('lock.acquired', 'kill'))
    assert proc.returncode == -signal.SIGKILL
    assert os.path.lexists(os.path.join(c.root('alpha'), '.hg', 'wlock'))
    c.sync('alpha', check=0)
    c.check()


@pytest.mark.parametrize('where', ['here', 'host'])
def test_lock_of_another_host(cluster, where):
    """C6, H4: the message names host, pid and the command that frees it"""
    c = cluster
    c.setup()
    name = 'alpha' if where == 'here' else 'beta'
    lock = os.path.join(c.root(name), '.hg', 'wlock')
    os.symlink('otherhost:4242', lock)
    before = {n: invariants.tree(c.root(n)) for n in c.names}
    c.write('alpha', 'f00.txt', b'not synced while locked\n')
    start = time.monotonic()
    proc = c.sync('alpha')
    assert time.monotonic() - start < 15
    text = out(proc)
    assert proc.returncode == (20 if where == 'here' else 1), text
    assert 'otherhost' in text and '4242' in text and 'debuglocks' in text
    assert invariants.tree(c.root('beta')) == before['beta']
    os.unlink(lock)
    c.check()


# D. user edits during a sync ------------------------------------------------------


@pytest.mark.parametrize('where', ['here', 'host'])
def test_edit_between_check_and_write(cluster, where):
    """D1, D2, H5: an edit after the clean check is never overwritten"""
    c = cluster
    c.setup()
    if where == 'here':
        # alpha pulls beta's change of f03; alpha's user edits f03 meanwhile
        c.write('beta', 'f03.txt', b'beta changed f03\n')
        c.write('alpha', 'f05.txt', b'alpha change, so that a merge runs\n')
        c.write('beta', 'f06.txt', b'beta change, so that a merge runs\n')
        proc = c.sync('alpha', fault=('merge.before-write', 'edit:f03.txt'))
        point, node = 'merge.before-write', 'alpha'
    else:
        c.write('alpha', 'f03.txt', b'alpha changed f03\n')
        proc = c.sync('alpha', hostfault=('update.before-write', 'edit:f03.txt'))
        point, node = 'update.before-write', 'beta'
    assert c.fired(point), out(proc)
    c.ledger.record(c.root(node), 'f03.txt', _edit_text())
    assert proc.returncode in (0, 1), out(proc)
    assert 'changed during the sync' in out(proc)
    c.check()


@pytest.mark.parametrize('edited', ['f03.txt', 'f07.txt'])
def test_host_edit_before_its_update(cluster, edited):
    """D3: the host's update checks only the files it writes

    An edit of a file the update writes keeps the whole working copy where
    it is; an edit elsewhere is left for the next snapshot, and the update
    goes ahead.
    """
    c = cluster
    c.setup()
    c.write('alpha', 'f03.txt', b'alpha changed f03\n')
    proc = c.sync('alpha', hostfault=('update.start', 'edit:%s' % edited))
    assert c.fired('update.start'), out(proc)
    c.ledger.record(c.root('beta'), edited, _edit_text())
    with open(os.path.join(c.root('beta'), 'f03.txt'), 'rb') as fp:
        f03 = fp.read()
    assert proc.returncode == 0, out(proc)
    if edited == 'f03.txt':
        assert 'working copy not updated' in out(proc)
        assert f03 == _edit_text()
    else:
        assert 'not updated' not in out(proc)
        assert f03 == b'alpha changed f03\n'
        with open(os.path.join(c.root('beta'), edited), 'rb') as fp:
            assert fp.read() == _edit_text()
    c.check()


def _edit_text():
    import faultinject

    return faultinject.EDIT_TEXT


def test_same_size_same_mtime_rewrite(cluster):
    """D5, H6: a rewrite hg status cannot see is not overwritten unchecked"""
    c = cluster
    c.setup()
    path = os.path.join(c.root('beta'), 'f04.txt')
    st = os.stat(path)
    c.write('beta', 'f04.txt', b'BASE 4\n')
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    c.write('alpha', 'f04.txt', b'alpha changed f04\n')
    proc = c.sync('alpha')
    assert proc.returncode in (0, 1), out(proc)
    c.check()


# E. both sides edited (handlers in depth: test_conflicts.py) ----------------------


@pytest.mark.parametrize('handler', ['ClobberLocal', 'ClobberRemote', 'Merge', 'KeepBoth', 'Prompt'])
def test_both_sides_edited(testenv, mknode, handler):
    """E1-E3: whatever the handler shows, both versions are kept"""
    c = Cluster(testenv, mknode, 'local')
    c.setup()
    c.write('alpha', 'f01.txt', b'alpha text\n')
    c.write('beta', 'f01.txt', b'beta text\n')
    c.write('alpha', 'bin.dat', b'\0alpha')
    c.write('beta', 'bin.dat', b'\0beta')
    c.write('alpha', 'f02.txt', b'alpha changed, beta deletes\n')
    c.ledger.delete(c.root('beta'), 'f02.txt')
    proc = c.sync('alpha', '-d', handler)
    assert proc.returncode == 0, out(proc)
    c.check()
    for _path, data in c.history('alpha'):
        assert b'<<<<<<<' not in data


# F. disk and file system ------------------------------------------------------------


def _fill_case(c, mounts, method):
    """a push of more than the host's disk holds"""
    if method == 'tmpfs':
        why = _mount(mounts, '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', c.root('beta'))
        if why:
            if os.environ.get('CI') == 'true':
                method = 'inject'
            else:
                pytest.skip('cannot mount a tmpfs (%s); the inject variant runs' % why)
    c.setup()
    big = os.urandom(3 << 20)
    c.write('alpha', 'big.bin', big)
    hostfault = ('push.server-in-txn', 'raise:ENOSPC') if method == 'inject' else None
    proc = c.sync('alpha', hostfault=hostfault)
    assert proc.returncode == 1, out(proc)
    if method == 'tmpfs' and c.transport == 'local':
        # over ssh the host's reason is lost: 'stream ended unexpectedly'
        assert 'No space left on device' in out(proc), out(proc)
    assert not os.path.exists(os.path.join(c.root('beta'), 'big.bin'))
    # a journal the failed rollback could not remove is repaired next run
    if method == 'tmpfs':
        subprocess.run(['mount', '-o', 'remount,size=64m', c.root('beta')], check=True)
    c.sync('alpha', check=0)
    c.check()


@pytest.mark.parametrize('method', ['tmpfs', 'inject'])
def test_host_disk_full(cluster, mounts, method):
    """F1: the host's transaction rolls back; after space is freed, converges"""
    _fill_case(cluster, mounts, method)


def test_local_disk_full_snapshot(testenv, mknode):
    """F4: a snapshot that fails rolls back; the files are untouched"""
    c = Cluster(testenv, mknode, 'local')
    c.setup()
    changes(c)
    before = invariants.tree(c.root('alpha'))
    proc = c.sync('alpha', fault=('snapshot.in-txn', 'raise:ENOSPC'))
    assert proc.returncode == 255, out(proc)
    assert 'No space left on device' in out(proc)
    assert invariants.tree(c.root('alpha')) == before
    assert invariants.leftovers(c.root('alpha')) == []
    c.sync('alpha', check=0)
    c.check()


def test_resource_directory_missing(cluster):
    """F6, H9: a missing resource never deletes anything anywhere"""
    c = cluster
    c.setup()
    subprocess.run(['rm', '-rf', c.root('alpha')], check=True)
    before = invariants.tree(c.root('beta'))
    proc = c.sync('alpha')
    assert proc.returncode not in (0, 1)
    assert 'missing' in out(proc)
    assert not os.path.exists(c.root('alpha'))
    assert invariants.tree(c.root('beta')) == before


def test_mass_deletion_refused(cluster):
    """F7: deleting most files needs --force; nothing is propagated"""
    c = cluster
    c.setup({'doc%02d.txt' % i: b'%d\n' % i for i in range(30)})
    for i in range(25):
        c.ledger.delete(c.root('alpha'), 'doc%02d.txt' % i)
    before = invariants.tree(c.root('beta'))
    proc = c.sync('alpha')
    assert proc.returncode not in (0, 1)
    assert '--force' in out(proc)
    assert invariants.tree(c.root('beta')) == before
    c.sync('alpha', '--force', check=0)
    c.check()


def test_corrupted_host(cluster):
    """F8: a damaged host is reported; its damage never spreads"""
    c = cluster
    c.setup()
    changelog = os.path.join(c.root('beta'), '.hg', 'store', '00changelog.i')
    with open(changelog, 'r+b') as fp:
        fp.truncate(os.path.getsize(changelog) // 2)
    c.write('alpha', 'f00.txt', b'alpha goes on\n')
    proc = c.sync('alpha')
    assert proc.returncode == 1, out(proc)
    code, text = c.verify(c.root('alpha'))
    assert code == 0, text
    assert invariants.lost(c.ledger, [c.root('alpha')]) == []


# G. bad configuration ----------------------------------------------------------------


def _hashes(c):
    return {n: invariants.tree(c.nodes[n].home) for n in c.names}


@pytest.mark.parametrize(
    'text',
    [
        '[::SilverMirror::]\nhosts beta\n[docs]\n',
        '[::SilverMirror::]\ntimeout = abc\n[docs]\n',
        '[::SilverMirror::]\nconflict = NoSuchHandler\n[docs]\n',
        '%include nowhere.rc\n[docs]\n',
    ],
    ids=['no-equals', 'bad-timeout', 'unknown-handler', 'missing-include'],
)
def test_bad_config_changes_nothing(testenv, mknode, text):
    """G1-G3: one error line, a failure status, every tree byte-identical"""
    c = Cluster(testenv, mknode, 'local')
    c.setup()
    c.write('alpha', 'f00.txt', b'pending edit\n')
    c.nodes['alpha'].config(text)
    before = _hashes(c)
    proc = c.nodes['alpha'].hg('mirror-push', 'docs')
    assert proc.returncode in (10, 30, 255), out(proc)
    assert proc.stderr.strip(), out(proc)
    assert _hashes(c) == before


# H. content edge cases ---------------------------------------------------------------


def test_content_round_trips(cluster):
    """H2, H3, H4, H6: links, exec bit, empty, binary, odd names, deletions"""
    c = cluster
    c.setup()
    outside = os.path.join(c.tmp, 'sentinel.txt')
    with open(outside, 'wb') as fp:
        fp.write(b'outside every resource\n')
    c.write('alpha', 'empty', b'')
    c.write('alpha', 'binary.bin', bytes(range(256)) * 4)
    c.write('alpha', 'with space.txt', b'space\n')
    c.write('alpha', 'caf\u00e9 \u2603.txt'.encode('utf-8'), b'unicode\n')
    c.write('alpha', '-leading.txt', b'dash\n')
    c.write('alpha', 'crlf.txt', b'a\r\nb\r\n')
    c.write('alpha', 'run.sh', b'#!/bin/sh\necho hi\n')
    os.chmod(os.path.join(c.root('alpha'), 'run.sh'), 0o755)
    c.ledger.symlink(c.root('alpha'), 'link-rel', 'f01.txt')
    c.ledger.symlink(c.root('alpha'), 'link-abs', outside)
    c.ledger.symlink(c.root('alpha'), 'link-dangling', 'no/such/file')
    c.ledger.delete(c.root('alpha'), 'f02.txt')
    bad = os.path.join(c.root('alpha'), 'bad\nname.txt')
    with open(bad, 'wb') as fp:
        fp.write(b'hg cannot store this name\n')
    proc = c.sync('alpha')
    assert proc.returncode == 1, out(proc)
    assert 'bad\\nname.txt' in out(proc)
    assert os.path.exists(bad)
    os.unlink(bad)
    c.check()
    assert invariants.tree(c.root('beta')) == invariants.tree(c.root('alpha'))
    assert os.stat(os.path.join(c.root('beta'), 'run.sh')).st_mode & 0o100
    with open(outside, 'rb') as fp:
        assert fp.read() == b'outside every resource\n'


def test_unreadable_file_is_not_deleted():
    """H7: needs a file the test user cannot read"""
    if os.getuid() == 0:
        pytest.skip('root reads every file, so EACCES cannot happen here; '
                    'workingcopy.snapshot checks os.access before recording')


# the first push to an empty host: a stream of the store ----------------------

SEEDKILLS = [
    ('local', 'kill'),
    ('local', 'raise:ENOSPC'),
    ('ssh', 'kill'),
    ('ssh', 'raise:ENOSPC'),
]


@pytest.mark.parametrize('transport,action', SEEDKILLS)
def test_interrupted_seed_recovers(testenv, mknode, transport, action):
    """A5 for the stream: a host dying (or its disk filling) amid the store
    it is taking keeps no half-written store; the next run streams again"""
    c = Cluster(testenv, mknode, transport)
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
def test_interrupted_prefill_recovers(testenv, mknode, action):
    """an empty ssh host dying (or its disk filling) while it writes this
    node's files during the first snapshot keeps only complete copies of
    them, which the next run removes; a full disk removes them at once and
    the host gets its working copy from hg's update"""
    c = Cluster(testenv, mknode, 'ssh')
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
def test_interrupted_first_pull_recovers(testenv, mknode, transport):
    """a new node's first pull is a stream of the host's store: killed amid
    it, the next run empties the half-written store and pulls again"""
    c = Cluster(testenv, mknode, transport)
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

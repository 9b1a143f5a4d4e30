"""faults of matrix 5.2, B and C: hosts down, hanging, unknown or lost
mid-sync, locks and syncs at the same moment

Each case checks what the user sees and the invariants, as
``test_faults.py`` says.
"""

import os
import shutil
import signal
import socket
import time

import pytest

import invariants
from cluster import changes, output as out


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


def test_host_down(mkcluster):
    """B1: connection refused is reported within the timeout"""
    c = mkcluster('ssh', timeout=3)
    port = _freeport()
    _alias(c, 'downhost', HostName='127.0.0.1', Port=port, BatchMode='yes')
    _unreachable_case(c, 'downhost', 3 + 5)


def _freeport():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_host_tarpit(mkcluster):
    """B2: a server that accepts and never answers costs at most the timeout"""
    c = mkcluster('ssh', timeout=2)
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


def test_host_does_not_resolve(mkcluster):
    """B3: a resolver error names the host; nothing changes"""
    c = mkcluster('ssh')
    _alias(
        c,
        'nowhere',
        ProxyCommand="sh -c 'echo \"ssh: Could not resolve hostname nowhere: "
        "Name or service not known\" >&2; exit 255'",
    )
    # ssh's last line (kex_exchange_identification) is what gets reported
    _unreachable_case(c, 'nowhere', 10)


def test_host_without_extension(mkcluster):
    """B5: the message says the extension is missing and how to enable it"""
    c = mkcluster('ssh')
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



def test_host_lost_mid_sync_others_synced(mkcluster):
    """A11, B7: one host dies mid-push; the others are synced; exit 1"""
    c = mkcluster('ssh', names=('alpha', 'beta', 'gamma'))
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


def test_local_host_not_mounted(mkcluster):
    """B8: a local-path host whose base is missing; nothing created"""
    c = mkcluster('local')
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


# C. concurrency ---------------------------------------------------------------


def test_disk_pulled_out_mid_sync_leaves_no_shell(mkcluster):
    """B8, a disk pulled out while a sync writes to it (in hg's transaction,
    before SilverMirror's state file, before the dirstate and caches of the
    lock's release): none of the sync's later writes makes the repository
    or its directory anew where the disk was (a shell, back whenever the
    disk is out); the host is unreachable, and back, it catches up"""
    c = mkcluster('local')
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

"""silvermirrord as a real process on nodes reached over the real sshd

Every wait is bounded; every process a test starts is stopped by its pid
at the end of the test.
"""

import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import sshd as sshdmod

DAEMON = os.path.join(sshdmod.VENV_BIN, 'silvermirrord')
FAULTINJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'faultinject.py')
WAIT = 30.0


def waitfor(pred, what, timeout=WAIT, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    raise AssertionError('waited %.0f s for %s' % (timeout, what))


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def statefiles(node, suffix):
    d = os.path.join(node.home, '.local', 'state', 'silvermirror')
    if not os.path.isdir(d):
        return []
    return [os.path.join(d, f) for f in os.listdir(d) if f.endswith(suffix)]


class Daemon:
    def __init__(self, node, proc, logpath):
        self.node = node
        self.proc = proc
        self.logpath = logpath

    @property
    def log(self):
        with open(self.logpath, 'rb') as fp:
            return fp.read().decode('utf-8', 'replace')

    def waitlog(self, pattern, count=1, timeout=WAIT):
        try:
            return waitfor(
                lambda: len(re.findall(pattern, self.log)) >= count,
                '%r in the log of %s' % (pattern, self.node.name),
                timeout,
            )
        except AssertionError:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGUSR1)  # stacks into the log
                time.sleep(1)
            raise AssertionError('%r not in the log of %s:\n%s' % (pattern, self.node.name, self.log))

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout=WAIT):
        return self.proc.wait(timeout)


@pytest.fixture
def daemons(sshd):
    """start silvermirrord on a node: ``daemons(node, '--watch')``"""
    started = []

    def start(node, *args, foreground=True):
        n = sum(1 for d in started if d.node is node)
        logpath = node.path('daemon-%d.log' % n)
        env = dict(node.env)
        env.pop('XDG_STATE_HOME', None)
        argv = [DAEMON] + (['--foreground'] if foreground else []) + list(args)
        with open(logpath, 'ab') as err:
            proc = subprocess.Popen(
                argv,
                cwd=node.home,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )
        d = Daemon(node, proc, logpath)
        started.append(d)
        return d

    yield start
    for d in started:
        sshdmod.terminate(d.proc, 15)
    for d in started:
        for bad in ('Traceback', 'devel-warn'):
            assert bad not in d.log, d.log


MAIN = '[::SilverMirror::]\nhosts = alpha beta\n'
# silvermirror.lock-timeout's default: how long a sync waits for a lock
LOCKWAIT = 30


@pytest.fixture
def synced_once(mknode, sshd):
    """alpha and beta sharing the resource docs, already synced once"""
    alpha, beta = mknode('alpha'), mknode('beta')
    for node in (alpha, beta):
        node.config(MAIN + 'debounce = 0.5\n[docs]\n')
    alpha.write('docs/first.txt', 'first\n')
    alpha.hg('mirror-push', 'docs', check=0)
    assert beta.read('docs/first.txt') == b'first\n'
    return alpha, beta


def exists(node, rel):
    return os.path.exists(node.path(rel))


def snapshots(node, where='docs'):
    out = node.hg('log', '-R', node.path(where), '-T', '{desc}\n', check=0).stdout
    return out.decode().count('mirror: snapshot on %s' % node.name)


@pytest.mark.parametrize('fsmonitor', [False, True], ids=['walk', 'fsmonitor'])
def test_watch_mirrors_saves_both_ways(synced_once, daemons, fsmonitor, request):
    """with hg's fsmonitor too: its Watchman and the daemon's watch of
    the same trees"""
    alpha, beta = synced_once
    if fsmonitor:
        exe = request.getfixturevalue('watchman')
        with open(os.path.join(alpha.testtmp, '.hgrc'), 'a') as fp:
            fp.write('[silvermirror]\nfsmonitor = on\n[fsmonitor]\nwatchman_exe = %s\n' % exe)
    a = daemons(alpha, '--watch', '-s', '300')
    b = daemons(beta, '--watch', '-s', '300')
    a.waitlog(r'docs: syncing \(every 300 s\)')
    b.waitlog(r'docs: syncing \(every 300 s\)')
    a.waitlog(r'host syncs')
    b.waitlog(r'host syncs')
    alpha.write('docs/from-alpha.txt', 'a\n')
    waitfor(lambda: exists(beta, 'docs/from-alpha.txt'), 'alpha -> beta')
    beta.write('docs/sub/from-beta.txt', 'b\n')
    waitfor(lambda: exists(alpha, 'docs/sub/from-beta.txt'), 'beta -> alpha')
    os.unlink(alpha.path('docs/first.txt'))
    waitfor(lambda: not exists(beta, 'docs/first.txt'), 'a deletion')
    assert beta.read('docs/from-alpha.txt') == b'a\n'
    # a host's update of the other working copy is no change to sync back:
    # once quiet, neither daemon syncs again
    time.sleep(3)
    counts = (a.log.count('syncing (files changed)'), b.log.count('syncing (files changed)'))
    time.sleep(3)
    assert (
        a.log.count('syncing (files changed)'),
        b.log.count('syncing (files changed)'),
    ) == counts
    for d in (a, b):
        d.signal(signal.SIGTERM)
        assert d.wait() == 0
        assert 'Traceback' not in d.log
    if fsmonitor:
        roots = subprocess.run([exe, 'watch-list'], capture_output=True, timeout=WAIT).stdout
        assert roots.count(b'/docs"') == 2, roots


def test_warm_connection_sees_what_changed_on_the_host(synced_once, daemons):
    """the daemon keeps its ssh connection open between syncs; the host's
    ``hg serve`` behind it must not answer from a stale cache"""
    alpha, beta = synced_once
    a = daemons(alpha, '--watch', '-s', '300', '-vv')
    a.waitlog(r'host syncs')
    alpha.write('docs/one.txt', '1\n')
    waitfor(lambda: exists(beta, 'docs/one.txt'), 'the first save on beta')
    # beta commits in a process of its own, then edits again, unsynced
    beta.write('docs/first.txt', 'beta 1\n')
    beta.hg('mirror-pull', 'docs', check=0)
    beta.write('docs/first.txt', 'beta 2\n')
    alpha.write('docs/two.txt', '2\n')
    waitfor(lambda: exists(beta, 'docs/two.txt'), 'the second save on beta')
    waitfor(lambda: alpha.read('docs/first.txt') == b'beta 2\n', "beta's edit on alpha")
    assert 'reusing the open connection' in a.log, a.log
    assert beta.read('docs/first.txt') == b'beta 2\n'
    beta.hg('verify', '-q', '-R', beta.path('docs'))
    a.signal(signal.SIGTERM)
    assert a.wait() == 0


def test_debounce_burst_is_one_sync(synced_once, daemons):
    alpha, beta = synced_once
    alpha.config(MAIN + 'debounce = 1.5\n[docs]\n')
    a = daemons(alpha, '--watch', '-s', '300')
    a.waitlog(r'host syncs')
    before = snapshots(alpha)
    for i in range(8):
        alpha.write('docs/burst-%d.txt' % i, 'x%d\n' % i)
        time.sleep(0.1)
    waitfor(
        lambda: all(exists(beta, 'docs/burst-%d.txt' % i) for i in range(8)),
        'the burst on beta',
    )
    time.sleep(2.5)
    assert snapshots(alpha) == before + 1
    assert a.log.count('syncing (files changed)') == 1, a.log


def test_single_instance_and_stale_pid_file(mknode, daemons):
    alpha = mknode('alpha')
    alpha.config(MAIN + '[docs]\n')
    os.makedirs(alpha.path('docs'))
    first = daemons(alpha, '-s', '300')
    first.waitlog(r'started \(pid %d\), log: standard error; every 300 s' % first.proc.pid)
    pidpath = waitfor(lambda: statefiles(alpha, '.pid'), 'the pid file')[0]
    waitfor(lambda: open(pidpath).read().strip() == str(first.proc.pid), 'the pid')
    second = daemons(alpha, '-s', '300')
    assert second.wait() == 20  # detailed exit code: state
    assert 'silvermirrord is already running (pid %d)' % first.proc.pid in second.log
    # killed without a chance to clean up: the next start takes over
    first.proc.kill()
    first.wait()
    assert os.path.exists(pidpath)
    third = daemons(alpha, '-s', '300')
    third.waitlog(r'taking over from pid %d, which is not running' % first.proc.pid)
    waitfor(lambda: open(pidpath).read().strip() == str(third.proc.pid), 'the new pid')
    third.signal(signal.SIGTERM)
    assert third.wait() == 0
    assert not os.path.exists(pidpath)


def test_detached_daemon_pid_and_log_files(mknode, daemons):
    alpha = mknode('alpha')
    alpha.config(MAIN + '[docs]\n')
    os.makedirs(alpha.path('docs'))
    starter = daemons(alpha, '-s', '300', foreground=False)
    assert starter.wait() == 0
    pidpath = waitfor(lambda: statefiles(alpha, '.pid'), 'the pid file')[0]
    pid = int(open(pidpath).read())
    assert pid != starter.proc.pid and alive(pid)
    logpath = pidpath[: -len('.pid')] + '.log'
    try:
        # the shell hears where the daemon went; its log says the same
        assert starter.log == 'silvermirrord: started (pid %d), log: %s\n' % (pid, logpath)
        waitfor(lambda: 'started (pid %d), log: %s; every 300 s' % (pid, logpath) in open(logpath).read(), 'the log')
    finally:
        os.kill(pid, signal.SIGTERM)
    waitfor(lambda: not alive(pid), 'the daemon to exit')
    assert re.search(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} .* stopped$', open(logpath).read(), re.M)


def test_sigterm_finishes_the_sync_then_second_abandons(synced_once, daemons):
    alpha, beta = synced_once
    with open(alpha.path('.hgrc'), 'a') as fp:
        fp.write('[hooks]\npretxncommit.slow = sleep 4\n')
    # finish: the first SIGTERM during a sync lets it complete
    alpha.write('docs/slow.txt', 'slow\n')
    a = daemons(alpha, '-s', '300')
    a.waitlog(r'docs: syncing')
    time.sleep(1)
    a.signal(signal.SIGTERM)
    assert a.wait() == 0
    assert 'finishing the sync of docs' in a.log
    assert exists(beta, 'docs/slow.txt')
    # abandon: a second SIGTERM rolls the sync back, the next one repairs
    alpha.write('docs/abandoned.txt', 'x\n')
    a = daemons(alpha, '-s', '300')
    a.waitlog(r'docs: syncing')
    time.sleep(1)
    a.signal(signal.SIGTERM)
    time.sleep(0.5)
    a.signal(signal.SIGTERM)
    assert a.wait() == 0
    assert 'abandoning the sync of docs' in a.log
    assert not exists(beta, 'docs/abandoned.txt')
    assert alpha.read('docs/abandoned.txt') == b'x\n'
    with open(alpha.path('.hgrc'), 'a') as fp:
        fp.write('[hooks]\npretxncommit.slow =\n')
    alpha.hg('mirror-push', 'docs', check=0)
    assert exists(beta, 'docs/abandoned.txt')


def test_sighup_rereads_config_and_keeps_a_broken_one(synced_once, daemons):
    alpha, beta = synced_once
    a = daemons(alpha, '--watch', '-s', '300')
    a.waitlog(r'host syncs')
    alpha.write('notes/n.txt', 'n\n')
    good = MAIN + 'debounce = 0.5\n[docs]\n[notes]\n'
    # write it where the watcher does not see it, then move it in place
    alpha.write('.silvermirror.new', good)
    os.rename(alpha.path('.silvermirror.new'), alpha.path('.silvermirror'))
    a.signal(signal.SIGHUP)
    a.waitlog(r'configuration reloaded \(SIGHUP\): docs, notes')
    waitfor(lambda: exists(beta, 'notes/n.txt'), 'the new resource on beta')
    alpha.write('.silvermirror', good + 'bogus = 1\n')
    a.signal(signal.SIGHUP)
    a.waitlog(r'unknown option bogus in section \[notes\]')
    a.waitlog(r'keeping the previous configuration \(SIGHUP\)')
    assert a.proc.poll() is None
    alpha.write('notes/m.txt', 'm\n')
    waitfor(lambda: exists(beta, 'notes/m.txt'), 'a change under the old config')
    a.signal(signal.SIGTERM)
    assert a.wait() == 0


def test_host_down_backs_off_and_recovers(synced_once, daemons, tmp_path):
    alpha, beta = synced_once
    usb = tmp_path / 'usb'
    usb.mkdir()
    alpha.config(MAIN.replace('beta', 'beta %s' % usb) + '[docs]\n')
    a = daemons(alpha, '-v', '-s', '1', '--max-backoff', '4')
    waitfor(lambda: (usb / 'docs' / 'first.txt').exists(), 'the disk to be synced')
    os.rename(usb, tmp_path / 'usb-away')
    a.waitlog(r'docs: %s is down, backing off for 2 s' % usb)
    a.waitlog(r'docs: %s is down, backing off for 4 s' % usb)
    # beta keeps being synced meanwhile
    alpha.write('docs/while-down.txt', 'd\n')
    waitfor(lambda: exists(beta, 'docs/while-down.txt'), 'beta while the disk is away')
    a.waitlog(r'backing off for 4 s', count=2)
    assert 'backing off for 8 s' not in a.log
    os.rename(tmp_path / 'usb-away', usb)
    a.waitlog(r'%s is reachable again' % usb)
    try:
        waitfor(lambda: (usb / 'docs' / 'while-down.txt').exists(), 'the disk to catch up')
    except AssertionError as inst:
        raise AssertionError('%s; the daemon said:\n%s' % (inst, a.log[-4000:]))
    a.signal(signal.SIGTERM)
    assert a.wait() == 0


def pauseupdates(node, tmp_path):
    """``node``'s updates pause 3 s after their first file; the marker
    directory tells when"""
    markers = tmp_path / 'markers'
    with open(node.path('.hgrc'), 'a') as fp:
        fp.write(
            '[extensions]\nfaultinject = %s\n[faultinject]\n'
            'point = update.after-file:1\naction = sleep:3\nmarker = %s\n'
            % (FAULTINJECT, markers)
        )
    return markers


def test_disk_unplugged_mid_update(synced_once, daemons, tmp_path):
    """a disk pulled out while the daemon writes to it takes the daemon's
    lock file along (the release cannot remove it); back, the lock names
    the daemon itself, which frees it and finishes the update"""
    alpha, beta = synced_once
    usb = tmp_path / 'usb'
    usb.mkdir()
    alpha.config(MAIN.replace('beta', 'beta %s' % usb) + '[docs]\n')
    markers = pauseupdates(alpha, tmp_path)
    a = daemons(alpha, '-v', '-s', '1', '--max-backoff', '2')
    waitfor(lambda: (markers / 'update.after-file:1.pid').exists(), 'the update to the disk')
    os.rename(usb, tmp_path / 'usb-away')
    a.waitlog(r'docs: %s is down' % usb)
    assert (tmp_path / 'usb-away' / 'docs' / '.hg' / 'wlock').is_symlink()
    os.rename(tmp_path / 'usb-away', usb)
    a.waitlog(r'freed a lock this process left when the directory went away')
    waitfor(lambda: not (usb / 'docs' / '.hg' / 'silvermirror' / 'interrupted').exists(), 'the update to finish')
    assert (usb / 'docs' / 'first.txt').read_bytes() == b'first\n'
    a.signal(signal.SIGTERM)
    assert a.wait() == 0
    assert alpha.hg('verify', '-q', cwd=str(usb / 'docs')).returncode == 0


def test_own_disk_unplugged_mid_update(synced_once, daemons, tmp_path):
    """the same, when the disk holds the resource itself: the lock left
    in it names the daemon, which frees it and finishes the update"""
    alpha, beta = synced_once
    usb = tmp_path / 'usb'
    usb.mkdir()
    os.rename(alpha.path('docs'), usb / 'docs')
    # the resource's path below basedir is the same on beta, in its home
    alpha.config(MAIN + 'basedir = %s\n[docs]\n' % usb)
    beta.write('docs/second.txt', 'second\n')
    markers = pauseupdates(alpha, tmp_path)
    a = daemons(alpha, '-v', '-s', '1', '--max-backoff', '2')
    waitfor(lambda: (markers / 'update.after-file:1.pid').exists(), 'the update of the disk')
    os.rename(usb, tmp_path / 'usb-away')
    # hg's last writes of that sync make the directories anew, where the
    # disk was: a shell of a repository, which no sync may fill
    a.waitlog(r'not a whole repository|directory %s is missing' % (usb / 'docs'))
    assert (tmp_path / 'usb-away' / 'docs' / '.hg' / 'wlock').is_symlink()
    if usb.exists():
        assert not (usb / 'docs' / '.hg' / 'data').exists()
        shutil.rmtree(usb)  # what the disk, mounted again, covers
    os.rename(tmp_path / 'usb-away', usb)
    a.waitlog(r'docs: freed a lock this process left when the directory went away')
    interrupted = usb / 'docs' / '.hg' / 'silvermirror' / 'interrupted'
    waitfor(lambda: not interrupted.exists(), 'the update to finish')
    assert (usb / 'docs' / 'second.txt').read_bytes() == b'second\n'
    a.signal(signal.SIGTERM)
    assert a.wait() == 0
    assert alpha.hg('verify', '-q', cwd=str(usb / 'docs')).returncode == 0


def test_once_never_prompts(synced_once, daemons):
    alpha, beta = synced_once
    alpha.config(MAIN + 'conflict = Prompt\n[docs]\n')
    alpha.write('docs/first.txt', 'alpha version\n')
    beta.write('docs/first.txt', 'beta version\n')
    a = daemons(alpha, '--once', '-vv')
    assert a.wait() == 0, a.log
    assert re.search(r'first\.txt.*no terminal to ask', a.log), a.log
    assert 'BatchMode=yes' in a.log
    copies = [f for f in os.listdir(alpha.path('docs')) if '.conflict-' in f]
    assert len(copies) == 1
    assert alpha.read('docs/first.txt') == b'alpha version\n'


def test_once_skips_a_mass_deletion_and_syncs_the_rest(mknode, daemons, sshd):
    alpha, beta = mknode('alpha'), mknode('beta')
    for node in (alpha, beta):
        node.config(MAIN + '[docs]\n[notes]\n')
    for i in range(30):
        alpha.write('docs/f%02d.txt' % i, '%d\n' % i)
    alpha.write('notes/n.txt', 'n\n')
    alpha.hg('mirror-push', 'all', check=0)
    for i in range(30):
        os.unlink(alpha.path('docs/f%02d.txt' % i))
    alpha.write('notes/m.txt', 'm\n')
    a = daemons(alpha, '--once')
    assert a.wait() == 255
    assert 'refusing to record the deletion of 30 of 30 files' in a.log
    assert "docs: skipped; run 'hg mirror-push docs' yourself" in a.log
    assert exists(beta, 'docs/f00.txt')
    assert exists(beta, 'notes/m.txt')


def test_pid_file_never_follows_a_link(tmp_path):
    """a symbolic link where the pid file goes: refused, its target intact"""
    from mercurial import error

    from hgext_silvermirror.daemon import process

    target = tmp_path / 'precious'
    target.write_bytes(b'keep me\n')
    path = tmp_path / 'state' / 'sm.pid'
    path.parent.mkdir()
    path.symlink_to(target)
    with pytest.raises(error.StateError, match='symbolic link'):
        process.pidfile(str(path)).acquire()
    assert target.read_bytes() == b'keep me\n'


def test_daemons_started_together_never_wait_each_other_out(synced_once, daemons):
    """two nodes' daemons start at the same moment, each syncing with the
    other: their first syncs cross, and a save made then on each node
    reaches the other long before a lock wait would end (the time it
    takes is the benchmark's to measure: bench/README)"""
    alpha, beta = synced_once
    a = daemons(alpha, '--watch', '-s', '300')
    b = daemons(beta, '--watch', '-s', '300')
    a.waitlog(r'docs: syncing \(every 300 s\)')
    b.waitlog(r'docs: syncing \(every 300 s\)')
    saves = {(alpha, beta): 'from alpha\n' * 1000, (beta, alpha): 'from beta\n' * 1000}
    for (src, _dst), data in saves.items():
        src.write('docs/saved-on-%s.txt' % src.name, data)

    def arrived():
        return all(
            exists(dst, 'docs/saved-on-%s.txt' % src.name)
            and dst.read('docs/saved-on-%s.txt' % src.name) == data.encode()
            for (src, dst), data in saves.items()
        )

    # a sync that waited the other out would wait lock-timeout (30 s)
    waitfor(arrived, 'the saves on the other node', timeout=LOCKWAIT / 2, step=0.02)


def test_watch_carries_a_big_file(synced_once, daemons):
    """a photo saved while the daemon watches reaches beta whole, a big
    file there too, and so does its edit: the daemon's process loads hg's
    largefiles at its first sync with the setting and keeps it"""
    alpha, beta = synced_once
    for node in (alpha, beta):
        node.config(MAIN + 'debounce = 0.5\n[docs]\nbigfile = 1MB\n')
    a = daemons(alpha, '--watch', '-s', '300')
    a.waitlog(r'host syncs')
    for take in (b'a photo of the lake ', b'the lake, cropped '):
        photo = take * 100000
        alpha.write('docs/lake.jpg', photo)
        waitfor(lambda: exists(beta, 'docs/lake.jpg') and beta.read('docs/lake.jpg') == photo,
                'the photo on beta')
    files = beta.hg('manifest', '-R', beta.path('docs'), '-r', 'tip', check=0).stdout
    assert files.split() == [b'.hglf/lake.jpg', b'first.txt'], files
    beta.hg('verify', '-q', '--large', '-R', beta.path('docs'), check=0)
    a.signal(signal.SIGTERM)
    assert a.wait() == 0

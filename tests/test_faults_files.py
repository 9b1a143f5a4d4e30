"""faults of matrix 5.2, B6 and D-H: a user editing at the worst moment,
both sides edited, read-only and full disks, bad configuration, odd
content

Each case checks what the user sees and the invariants, as
``test_faults.py`` says.
"""

import os
import subprocess
import time

import pytest

import invariants
from cluster import changes, output as out


# B6. a read-only host ---------------------------------------------------------


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
    # beta's hg records f04 clean with its size and mtime (a status in a
    # later second than the write): from then on no stat check sees the
    # rewrite below, which puts the mtime back
    time.sleep(1.05 - time.time() % 1)
    c.hg('beta', 'status', check=0)
    entry = [
        line for line in out(c.hg('beta', 'debugdirstate', check=0)).splitlines()
        if line.endswith(' f04.txt')
    ]
    assert entry and 'unset' not in entry[0], entry
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
def test_both_sides_edited(mkcluster, handler):
    """E1-E3: whatever the handler shows, both versions are kept"""
    c = mkcluster('local')
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


def test_local_disk_full_snapshot(mkcluster):
    """F4: a snapshot that fails rolls back; the files are untouched"""
    c = mkcluster('local')
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
def test_bad_config_changes_nothing(mkcluster, text):
    """G1-G3: one error line, a failure status, every tree byte-identical"""
    c = mkcluster('local')
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
                    'snapshot.scan checks os.access before recording')

"""big files (issue 22): a content's transfer cut by a kill

A resource with ``bigfile`` keeps its big files as hg's largefiles: the
changesets hold hashes, the contents travel apart.  A sync killed while a
content is on its way leaves every repository valid and the next sync
finishes, with no version lost (``invariants``, which read a largefile's
versions from each store).
"""

import glob
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import invariants
import nodes
from cluster import output as out
from shattered import SHATTERED

BIG = 2 << 20


def big(text):
    """a big file's content, a few MB of ``text`` over and over"""
    return (text * (BIG // len(text) + 1))[:BIG]


def bigcluster(mkcluster, transport, settings='', disk=None, prepare=None):
    """alpha and beta syncing ``docs``, big files from 1MB on; ``disk``: a
    directory both list as their first host, by path (a USB disk);
    ``prepare(cluster)`` runs before the first sync"""
    c = mkcluster(transport)
    for node in c.nodes.values():
        text = node.read('.silvermirror').decode()
        if disk is not None:
            text = text.replace('hosts = ', 'hosts = %s ' % disk, 1)
        node.config(text + 'bigfile = 1MB\n' + settings)
    if prepare is not None:
        prepare(c)
    c.setup()
    return c


def stored(root):
    """the contents in the largefiles store of the repository at ``root``"""
    return glob.glob(os.path.join(root, '.hg', 'largefiles', '[0-9a-f]' * 40))


@pytest.mark.parametrize(
    'point, action',
    [('bigfile.upload', 'kill'), ('bigfile.upload', 'interrupt'), ('bigfile.fetch', 'kill')],
)
def test_kill_mid_transfer(mkcluster, point, action):
    """alpha killed (or interrupted) while it sends beta a photo, or
    killed while it fetches beta's edit"""
    c = bigcluster(mkcluster, 'ssh')
    c.write('alpha', 'photos/beach.jpg', big(b'beach, first take '))
    if point == 'bigfile.fetch':
        c.sync('alpha', check=0)
        c.write('beta', 'photos/beach.jpg', big(b'beach, cropped on beta '))
    c.write('alpha', 'notes.txt', b'the photos of the summer\n')
    proc = c.sync('alpha', fault=(point, action))
    if action == 'kill':
        assert proc.returncode == -signal.SIGKILL, out(proc)
    else:
        assert proc.returncode == 255 and 'interrupted' in out(proc), out(proc)
    again = c.sync('alpha', check=0)
    assert 'failed' not in out(again), out(again)
    c.check()


def test_conflict_keeps_both_and_the_history(mkcluster):
    """a photo edited on both sides, over local paths: both versions stay
    in both working copies, each a largefile, and every version in each
    store"""
    c = bigcluster(mkcluster, 'local', 'conflict = KeepBoth\n')
    c.write('alpha', 'lake.jpg', big(b'lake '))
    c.sync('alpha', check=0)
    c.write('alpha', 'lake.jpg', big(b'lake at dawn '))
    c.write('beta', 'lake.jpg', big(b'lake at dusk '))
    proc = c.sync('alpha', '--config', 'ui.interactive=true', check=0)
    assert 'kept both' in out(proc), out(proc)
    c.check()
    for name in c.names:
        files = c.hg(name, 'manifest', '-r', '.', check=0)
        copies = [f for f in files.stdout.split() if b'lake.conflict-' in f]
        assert len(copies) == 1 and copies[0].startswith(b'.hglf/'), files.stdout


@pytest.mark.parametrize(
    'handler, bigon, kept',
    [
        ('KeepBoth', 'alpha', 'kept both'),
        ('KeepBoth', 'beta', 'kept both'),
        ('ClobberRemote', 'beta', 'kept local'),
        ('ClobberLocal', 'beta', 'took remote'),
    ],
)
def test_a_path_big_on_one_side_and_small_on_the_other(mkcluster, handler, bigon, kept):
    """the same new path, a big file on one node and a small one on the
    other: the handler decides, never largefiles' prompt, and both
    versions stay (in the working copy or the report's restore)"""
    c = bigcluster(mkcluster, 'local', 'conflict = %s\n' % handler)
    small = 'beta' if bigon == 'alpha' else 'alpha'
    c.write(bigon, 'cover.jpg', big(b'the cover, full size '))
    c.write(small, 'cover.jpg', b'the cover, a thumbnail\n')
    proc = c.sync('alpha', '--config', 'ui.interactive=true', check=0)
    assert 'into a' not in out(proc) and kept in out(proc), out(proc)
    if kept == 'kept both':
        files = os.listdir(c.root('alpha'))
        assert len([f for f in files if f.startswith('cover.conflict-')]) == 1, files
    c.check()


def test_clobbered_version_comes_back_by_the_reports_hint(mkcluster):
    """ClobberRemote on alpha: the restore command the report names for
    beta's version of a photo both edited brings it back, by its path"""
    c = bigcluster(mkcluster, 'local', 'conflict = ClobberRemote\n')
    c.write('alpha', 'lake.jpg', big(b'lake '))
    c.sync('alpha', check=0)
    c.write('alpha', 'lake.jpg', big(b'lake at dawn '))
    c.write('beta', 'lake.jpg', big(b'lake at dusk '))
    proc = c.sync('alpha', check=0)
    hint = re.search(
        r"kept local.*other version: 'hg (mirror-restore -r \w+ path:lake.jpg)'", out(proc)
    )
    assert hint, out(proc)
    c.hg('alpha', *hint.group(1).split(), check=0)
    with open(os.path.join(c.root('alpha'), 'lake.jpg'), 'rb') as fp:
        assert fp.read() == big(b'lake at dusk ')
    c.sync('alpha', check=0)
    c.check()


def test_rewrite_that_puts_size_and_mtime_back_is_not_overwritten(mkcluster):
    """beta's photo replaced by another of the same size whose times are
    put back (``cp -p``): alpha's edit does not overwrite it unseen"""
    c = bigcluster(mkcluster, 'local')
    c.write('alpha', 'beach.jpg', big(b'beach, first take '))
    c.sync('alpha', check=0)
    # a sync of beta's in a later second records the photo's size and mtime
    time.sleep(1.05 - time.time() % 1)
    c.sync('beta', check=0)
    path = os.path.join(c.root('beta'), 'beach.jpg')
    st = os.stat(path)
    c.write('beta', 'beach.jpg', big(b'beach, retouched on beta '))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    c.write('alpha', 'beach.jpg', big(b'beach, cropped on alpha '))
    c.sync('alpha', check=0)
    c.check()


def test_collision_attack_is_left_out_new_or_as_an_edit(mkcluster):
    """a big file whose content is a SHA-1 collision attack, new or put
    over a photo, is left out with the reason, not a crash: the rest
    syncs, the file stays here, and no version is lost"""
    c = bigcluster(mkcluster, 'ssh')
    c.write('alpha', 'beach.jpg', big(b'beach, first take '))
    c.write('alpha', 'papers/shattered.pdf', SHATTERED + big(b'the rest of the paper '))
    for edited in (False, True):
        if edited:
            c.write('alpha', 'beach.jpg', SHATTERED + big(b'a beach that is not '))
        p = c.sync('alpha', check=1)
        for f in ('papers/shattered.pdf',) + (('beach.jpg',) if edited else ()):
            assert 'docs: skipped %s: its content is a SHA-1 collision attack' % f in out(p)
        assert 'Traceback' not in out(p) and 'internal error' not in out(p)
        beta = c.nodes['beta']
        assert beta.read('docs/beach.jpg') == big(b'beach, first take ')
        assert not os.path.exists(os.path.join(c.root('beta'), 'papers', 'shattered.pdf'))
        assert invariants.lost(c.ledger, c.roots()) == []
    assert c.nodes['alpha'].read('docs/beach.jpg').startswith(SHATTERED)
    # as they were left: the edit uncommitted, the new file untracked
    st = c.hg('alpha', 'status', '-R', c.root('alpha'), check=0).stdout
    assert st == b'M beach.jpg\n? papers/shattered.pdf\n'


def test_gc_frees_what_a_host_holds_and_loses_nothing(mkcluster):
    """keep = current on alpha: mirror-gc frees every version beta holds,
    the working copy's too; an edit in place then leaves the old version
    on beta, and the syncs go on"""
    c = bigcluster(mkcluster, 'ssh', 'keep = current\n')
    for take in (b'first', b'second', b'third'):
        c.write('alpha', 'photos/beach.jpg', big(b'beach, %s take ' % take))
        c.sync('alpha', check=0)
    assert len(stored(c.root('alpha'))) == 3
    c.hg('alpha', 'mirror-gc', check=0)
    assert stored(c.root('alpha')) == []
    c.write('alpha', 'photos/beach.jpg', big(b'beach, retouched in place '))
    assert invariants.lost(c.ledger, c.roots()) == []
    c.write('beta', 'photos/beach.jpg', big(b'beach, cropped on beta '))
    c.check()


def test_gc_on_two_nodes_at_once_keeps_a_copy(mkcluster, tmp_path):
    """alpha and beta, each the other's host, run mirror-gc at the same
    moment: beta's runs whole while alpha's, which found beta's copies,
    has yet to free its own; every version stays on one of them"""
    c = bigcluster(mkcluster, 'ssh', 'keep = current\n')
    for take in (b'first', b'second'):
        c.write('alpha', 'photos/beach.jpg', big(b'beach, %s take ' % take))
        c.sync('alpha', check=0)
    assert len(stored(c.root('alpha'))) == len(stored(c.root('beta'))) == 2
    go = str(tmp_path / 'go')
    proc = c.nodes['alpha'].popen(
        'mirror-gc', 'docs', *c.faultargs('gc.after-pin', 'wait:' + go),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        c.firedpid('gc.after-pin', timeout=60)
        beta = c.hg('beta', 'mirror-gc', '-v', check=0)
    finally:
        open(go, 'w').close()
        alpha = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, alpha
    assert b'freed 0' in beta.stdout, out(beta)
    assert stored(c.root('alpha')) == [] and len(stored(c.root('beta'))) == 2
    c.hg('beta', 'mirror-gc', check=0)
    assert len(stored(c.root('beta'))) == 2
    assert invariants.lost(c.ledger, c.roots()) == []
    c.check()


def test_freed_big_file_turned_small(mkcluster):
    """beta makes the cover alpha freed a small file: the update that
    takes alpha's big file away copies its content back into the store
    first, from the working copy"""
    c = bigcluster(mkcluster, 'local', 'keep = current\n')
    c.write('alpha', 'cover.jpg', big(b'the cover, full size '))
    c.sync('alpha', check=0)
    c.hg('alpha', 'mirror-gc', check=0)
    assert stored(c.root('alpha')) == []
    shutil.rmtree(os.path.join(c.nodes['alpha'].home, '.cache', 'largefiles'))
    c.ledger.delete(c.root('beta'), 'cover.jpg')
    c.sync('beta', '-H', c.hostof('alpha') + '-away', check=1)
    c.write('beta', 'cover.jpg', b'the cover, a thumbnail\n')
    c.sync('beta', check=0)
    assert c.nodes['alpha'].read('docs/cover.jpg') == b'the cover, a thumbnail\n'
    assert len(stored(c.root('alpha'))) == 1
    c.check()


def usbcluster(mkcluster, tmp_path):
    """alpha's photo, synced to a disk alone, then freed by mirror-gc:
    (cluster, the disk); beta, over ssh, lacks it, and this node has it
    in its working copy only"""
    usb = str(tmp_path / 'usb')
    os.mkdir(usb)
    c = bigcluster(mkcluster, 'ssh', 'keep = current\n', disk=usb)
    c.write('alpha', 'lake.jpg', big(b'lake '))
    c.sync('alpha', '-H', usb, check=0)
    c.hg('alpha', 'mirror-gc', check=0)
    assert stored(c.root('alpha')) == []
    # hg's per-user cache shares the disk's copy here, on one file system
    shutil.rmtree(os.path.join(c.nodes['alpha'].home, '.cache', 'largefiles'))
    return c, usb


def test_upload_of_a_freed_content_killed(mkcluster, tmp_path):
    """beta lacks the photo alpha freed: alpha copies it back from its
    working copy and sends it; killed as it sends, the next sync does"""
    c, _usb = usbcluster(mkcluster, tmp_path)
    proc = c.sync('alpha', fault=('bigfile.upload', 'kill'))
    assert proc.returncode == -signal.SIGKILL, out(proc)
    assert len(stored(c.root('alpha'))) == 1
    c.check()
    assert c.nodes['beta'].read('docs/lake.jpg') == big(b'lake ')


def test_freed_content_edited_with_its_holder_away(mkcluster, tmp_path):
    """the photo alpha freed is edited in place, and the disk that holds
    the old version is away when beta, which lacks it, is synced: one
    line names the photo and the hosts asked, exit 1, nothing lost; back,
    the disk gives it"""
    c, usb = usbcluster(mkcluster, tmp_path)
    c.write('alpha', 'lake.jpg', big(b'lake at dusk '))
    os.rename(usb, usb + '-away')
    proc = c.sync('alpha', '-H', 'beta', check=1)
    assert re.search(
        r'^docs: beta: failed: big file lake.jpg is neither here to send nor on .*'
        r'%s \(unreachable\)' % re.escape(usb), out(proc), re.M
    ), out(proc)
    assert invariants.lost(c.ledger, c.roots() + [os.path.join(usb + '-away', 'docs')]) == []
    os.rename(usb + '-away', usb)
    c.check()


def test_host_without_the_content(mkcluster, tmp_path):
    """a disk that has alpha's snapshot but lost the photo's content: a
    pull from it alone fails in one line naming the photo and the disk,
    changing nothing here; with alpha reached too, alpha gives it"""
    usb = str(tmp_path / 'usb')
    os.mkdir(usb)
    c = bigcluster(mkcluster, 'local', disk=usb)
    c.write('alpha', 'lake.jpg', big(b'lake '))
    c.sync('alpha', '-H', usb, check=0)
    for f in stored(os.path.join(usb, 'docs')):
        os.unlink(f)
    before = invariants.tree(c.root('beta'))
    proc = c.sync('beta', '-H', usb, cmd='mirror-pull', check=1)
    assert 'docs: %s: failed: big file lake.jpg has no content on %s\n' % (usb, usb) in out(proc)
    assert invariants.tree(c.root('beta')) == before
    c.sync('beta', cmd='mirror-pull', check=0)
    assert c.nodes['beta'].read('docs/lake.jpg') == big(b'lake ')
    c.check()


@pytest.fixture
def tmpfs(testenv):
    """``tmpfs(path)``: an 8 MB tmpfs on the empty directory ``path``, a
    disk that a big file fills; skipped where mount is not permitted"""
    mounted = []

    def mount(path):
        proc = subprocess.run(
            ['mount', '-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', path],
            capture_output=True, timeout=30,
        )
        if proc.returncode != 0:
            pytest.skip('no tmpfs mount here: %s' % proc.stderr.decode().strip())
        mounted.append(path)

    yield mount
    # the hosts' chg servers first: nothing may hold the disk
    nodes.stopchg(testenv[0])
    for path in mounted:
        subprocess.run(['umount', path], check=True, timeout=30)


def fulldisk(mkcluster, tmpfs, tmp_path, where):
    """a cluster whose disk ``where`` has under 2 MB free: (cluster,
    the label of the host that fails, the repository on the full disk,
    the filler to remove)

    ``disk``: a disk both nodes list as their first host, by path;
    ``ssh``: beta's resource, over ssh; ``here``: beta's resource, which
    beta fills itself when it pulls from alpha.
    """
    if where == 'disk':
        host = str(tmp_path / 'usb')
        os.mkdir(host)
        tmpfs(host)
        c = bigcluster(mkcluster, 'local', disk=host)
        full, filler = os.path.join(host, 'docs'), os.path.join(host, 'filler')
    else:
        transport = 'ssh' if where == 'ssh' else 'local'
        c = bigcluster(mkcluster, transport, prepare=lambda c: tmpfs(c.root('beta')))
        full = c.root('beta')
        host = 'beta' if where == 'ssh' else c.hostof('alpha')
        filler = os.path.join(full, '.hg', 'filler')
    with open(filler, 'wb') as fp:
        fp.write(b'x' * (6 << 20))
    return c, host, full, filler


@pytest.mark.parametrize('where', ['disk', 'ssh', 'here'])
def test_disk_full_mid_transfer(mkcluster, tmpfs, tmp_path, where):
    """a disk that fills while a photo goes to it (a host's, or this
    node's as it pulls): the sync fails there in one line and exit 1,
    the full repository stays valid and its working copy as it was, with
    nothing lost, and once space is freed the next sync finishes"""
    c, host, full, filler = fulldisk(mkcluster, tmpfs, tmp_path, where)
    c.write('alpha', 'lake.jpg', big(b'lake '))
    before = invariants.tree(full)
    if where == 'here':
        # recorded on alpha alone (the only host given is away)
        c.sync('alpha', '-H', str(tmp_path / 'away'), check=1)
        syncing, cmd = 'beta', 'mirror-pull'
    else:
        syncing, cmd = 'alpha', 'mirror-push'
    proc = c.sync(syncing, cmd=cmd, check=1)
    line = re.search(r'^docs: %s: failed: (.*)\n\(free space' % re.escape(host), out(proc), re.M)
    assert line and line.group(1).endswith('No space left on device'), out(proc)
    assert invariants.tree(full) == before
    assert not invariants.leftovers(full)
    c.hg('alpha', 'verify', '-q', '-R', full, check=0)
    assert invariants.lost(c.ledger, c.roots()) == []
    os.unlink(filler)
    c.sync(syncing, cmd=cmd, check=0)
    with open(os.path.join(full, 'lake.jpg'), 'rb') as fp:
        assert fp.read() == big(b'lake ')
    c.check()

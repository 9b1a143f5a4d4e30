"""the merged head reaches hosts in one command each (pushupdate.py)

Real repositories, hosts as local paths so both sides run in this
process, hg's own dispatch; functions are wrapped only to count calls or
to act at a chosen moment.
"""

import contextlib
import os
import subprocess

import pytest

from mercurial import error, exchange, extensions

from hgext_silvermirror.firstcontact import pushupdate

import cluster
import nodes


@pytest.fixture
def pushed_once(inprocess_pair, testenv):
    """a resource ``r`` on ``a`` with ``one.txt``, mirrored to the local
    path ``b``"""
    _testtmp, env = testenv
    a, b, push = inprocess_pair
    write(a, 'one.txt', 'one\n')
    push()
    return a, b, push, env


def write(root, name, text):
    with open(os.path.join(root, name), 'w') as fp:
        fp.write(text)


def read(root, name):
    with open(os.path.join(root, name)) as fp:
        return fp.read()


def hgcmd(env, root, *args):
    """run hg in ``root``; what it printed"""
    return subprocess.run(
        [nodes.sshd.HG, '-R', root] + list(args),
        env=dict(os.environ, **{'HGRCPATH': env['HGRCPATH'], 'HGUSER': 'test'}),
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout


@contextlib.contextmanager
def calls(container, name):
    """count the calls of ``container.name``"""
    seen = []

    def wrapper(orig, *args, **kwargs):
        seen.append(args)
        return orig(*args, **kwargs)

    with extensions.wrappedfunction(container, name, wrapper):
        yield seen


def test_a_host_with_nothing_new_is_not_pulled_from_nor_pushed_to(pushed_once):
    a, b, push, _env = pushed_once
    write(a, 'one.txt', 'changed\n')
    with calls(exchange, 'pull') as pulls, calls(exchange, 'push') as pushes:
        push()
    assert (pulls, pushes) == ([], [])
    assert read(b, 'one.txt') == 'changed\n'


def test_a_host_with_changes_is_pulled_from(pushed_once):
    a, b, push, _env = pushed_once
    write(b, 'two.txt', 'two\n')
    with calls(exchange, 'pull') as pulls:
        push()
    assert len(pulls) == 1
    assert read(a, 'two.txt') == 'two\n'


def test_a_host_that_moved_meanwhile_is_skipped_and_loses_nothing(pushed_once):
    """a commit on the host between its reply and the delivery"""
    a, b, push, env = pushed_once
    write(a, 'one.txt', 'from a\n')

    def racing(orig, self, peer, hostheads):
        bundle = orig(self, peer, hostheads)
        write(b, 'late.txt', 'late\n')
        hgcmd(env, b, 'commit', '-Am', 'late on b')
        return bundle

    with extensions.wrappedfunction(pushupdate.bundles, 'get', racing):
        out = push(expect=1)
    assert b'changed during the sync' in out
    assert read(b, 'one.txt') == 'one\n'
    push()
    for root in (a, b):
        assert read(root, 'one.txt') == 'from a\n'
        assert read(root, 'late.txt') == 'late\n'


def test_a_large_bundle_goes_through_a_file(pushed_once, monkeypatch, tmp_path):
    a, b, push, _env = pushed_once
    spool = tmp_path / 'spool'
    spool.mkdir()
    monkeypatch.setattr(pushupdate, 'INMEMORY', 1024)
    monkeypatch.setattr('tempfile.tempdir', str(spool))
    made = []

    def keep(orig, *args):
        s = orig(*args)
        made.append(s._path)
        return s

    write(a, 'big.txt', 'x' * 100000 + '\n')
    with extensions.wrappedfunction(pushupdate, 'spooled', keep):
        push()
    assert made and made[0].startswith(str(spool))
    assert read(b, 'big.txt') == 'x' * 100000 + '\n'
    assert os.listdir(spool) == []


def test_spooled_reads_the_same_from_memory_and_disk(monkeypatch, tmp_path):
    monkeypatch.setattr('tempfile.tempdir', str(tmp_path))
    chunks = [b'%05d' % i for i in range(1000)]
    for limit, ondisk in ((1 << 20, False), (100, True)):
        monkeypatch.setattr(pushupdate, 'INMEMORY', limit)
        s = pushupdate.spooled(iter(chunks), 3)
        assert (s._path is not None) == ondisk
        with s.open() as one, s.open() as two:
            assert one.read(7) == two.read(7) == b''.join(chunks)[:7]
            assert one.read() == b''.join(chunks)[7:]
        s.close()
        assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('case', ['bookmark', 'secret'])
def test_hgs_push_is_kept(pushed_once, case):
    """for what a delivery does not carry: hg's rules for moving bookmarks
    stay hg's, and hg's push leaves secret changesets out"""
    a, b, push, env = pushed_once
    write(a, 'one.txt', 'changed\n')
    if case == 'bookmark':
        hgcmd(env, b, 'bookmark', 'mark')
    else:
        hgcmd(env, a, 'commit', '-m', 'secret', '--secret')
    with calls(exchange, 'push') as pushes:
        push(expect=0 if case == 'bookmark' else None)
    assert len(pushes) == 1
    assert read(b, 'one.txt') == ('changed\n' if case == 'bookmark' else 'one\n')


def test_a_phase_made_public_here_reaches_the_host_at_once(pushed_once):
    """with no changeset to deliver, hg's push still moves the phase"""
    a, b, push, env = pushed_once
    hgcmd(env, a, 'phase', '--public', '-r', '.')
    with calls(exchange, 'push') as pushes:
        push()
    assert len(pushes) == 1
    public = ('log', '-r', 'public()', '-T', '{node}\n')
    assert hgcmd(env, b, *public) == hgcmd(env, a, *public) != b''


def test_one_ssh_host_reads_the_bundle_as_it_is_made(ssh_pair):
    """nothing spooled: the host applies the first chunks while the last
    are made; a bundle left half made (a failure here) leaves the host as
    it was, and the next sync delivers it"""
    c = ssh_pair
    # past bundle2's 32 KiB chunks, incompressible
    data = os.urandom(150000).hex().encode()
    c.write('a', 'large.txt', data)
    before = c.history('b')
    reads = []

    def failing(orig, self, size=-1):
        if reads:
            raise error.StorageError(b'a revlog could not be read')
        reads.append(orig(self, size))
        return reads[-1]

    with extensions.wrappedfunction(pushupdate.streamed, 'read', failing):
        out = cluster.output(c.sync('a', check=1))
    assert 'r: b: failed' in out and 'could not be read' in out
    assert c.history('b') == before
    assert c.verify(c.root('b'))[0] == 0
    assert not os.path.exists(os.path.join(c.root('b'), 'large.txt'))

    reads = []

    def counting(orig, self, size=-1):
        reads.append(orig(self, size))
        return reads[-1]

    with calls(pushupdate, 'spooled') as made, extensions.wrappedfunction(
        pushupdate.streamed, 'read', counting
    ):
        c.sync('a', check=0)
    assert made == []
    assert len([r for r in reads if r]) > 2
    assert max(len(r) for r in reads) < 2 * pushupdate.STREAMED
    assert read(c.root('b'), 'large.txt') == data.decode()



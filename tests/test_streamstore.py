"""the host side of a stream to an empty host: refusals and recovery"""

import os
import subprocess

import pytest

from mercurial.utils import cborutil

from hgext_silvermirror import state
from hgext_silvermirror.firstcontact import streamstore


class Untouched:
    """a payload that must not be read"""

    def read(self, size=None):
        raise AssertionError('the payload was read')


@pytest.fixture
def repo(mkrepo, testenv):
    _tmp, env = testenv
    path = os.fsdecode(mkrepo('host').root)

    def make(commits=0):
        for i in range(commits):
            with open(os.path.join(path, 'f%d' % i), 'w') as fp:
                fp.write('version %d\n' % i)
            subprocess.run(
                ['hg', '-R', path, 'commit', '-qAm', 'c%d' % i], env=env, check=True
            )
        return mkrepo(path, create=False)

    return make


def args(requirements=()):
    return {b'requirements': list(requirements), b'files': 0, b'bytes': 0, b'heads': []}


def test_refuses_a_repository_with_history(repo):
    r = repo(commits=1)
    reply = streamstore.receive(r, args(), Untouched())
    assert reply == {b'seeded': False, b'refused': b'the repository is not empty'}


def test_refuses_a_format_it_does_not_know(repo):
    r = repo()
    reply = streamstore.receive(r, args([b'revlogv1', b'no-such-format']), Untouched())
    assert reply[b'seeded'] is False
    assert reply[b'refused'] == b'its hg does not support no-such-format'


def _note(r, heads):
    r.vfs.makedirs(b'silvermirror')
    r.vfs.write(
        state.SEEDING,
        b''.join(cborutil.streamencode({b'requirements': sorted(r.requirements), b'heads': heads})),
    )


def test_a_store_that_grew_after_the_stream_is_kept(repo):
    """the stream completed and someone committed before the note went: keep"""
    r = repo(commits=2)
    _note(r, [r[0].hex()])
    with r.wlock():
        assert streamstore.recover(r) == []
    assert len(r.unfiltered()) == 2
    assert not r.vfs.exists(state.SEEDING)


def test_an_interrupted_stream_is_emptied(repo):
    r = repo(commits=2)
    _note(r, [r[1].hex()])
    with r.wlock():
        assert streamstore.recover(r) == [b'emptied the store of an interrupted first sync']
    r = repo()
    assert len(r.unfiltered()) == 0
    assert sorted(os.listdir(os.path.join(r.root, b'.hg', b'store'))) == [b'requires']
    assert not r.vfs.exists(state.SEEDING)

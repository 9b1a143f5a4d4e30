"""a sync costs what changed: status walks and files read again

Counted in-process (hosts are local paths, so both sides run here) by
wrapping hg's dirstate walk: how many walks of the whole working copy
each sync makes, and how many files hg had to read because it had no
size and mtime on record.  The benchmark measures the time; these keep
the design from sliding back.
"""

import collections
import contextlib
import os

import pytest

from mercurial import dirstate, extensions, pycompat

import nodes

NFILES = 60
OLD = 1_000_000_000  # an mtime well in the past: never ambiguous


class walks:
    """full status walks and files looked up again, per repository root"""

    def __init__(self):
        self.full = collections.Counter()
        self.lookups = collections.Counter()

    def wrapper(self, orig, ds, match, *args, **kwargs):
        res = orig(ds, match, *args, **kwargs)
        if match.always():
            root = pycompat.fsdecode(ds._root)
            self.full[root] += 1
            self.lookups[root] += len(res[0])
        return res


@contextlib.contextmanager
def counting():
    w = walks()
    with extensions.wrappedfunction(dirstate.dirstate, 'status', w.wrapper):
        yield w


@pytest.fixture
def pair(testenv, monkeypatch, tmp_path):
    """a resource of NFILES old files on ``a``, mirrored to the path ``b``"""
    a, b, push = nodes.inprocess(monkeypatch, testenv[1], tmp_path)
    for i in range(NFILES):
        path = os.path.join(a, 'd%d' % (i % 4), 'f%03d.txt' % i)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fp:
            fp.write('file %d\n' % i)
        os.utime(path, (OLD, OLD))
    return a, b, push


def test_a_snapshot_leaves_its_files_known_clean(pair):
    a, _b, push = pair
    push()
    with counting() as w:
        push()
    # nothing changed: one walk here, nothing read again (hg's commit
    # forgets sizes and mtimes; the snapshot records them)
    assert w.full[a] == 1
    assert w.lookups[a] == 0


def test_one_file_changed_walks_each_side_once(pair):
    a, b, push = pair
    push()
    push()
    path = os.path.join(a, 'd1', 'f001.txt')
    with open(path, 'w') as fp:
        fp.write('changed\n')
    os.utime(path, (OLD + 1, OLD + 1))
    with counting() as w:
        push()
    with open(os.path.join(b, 'd1', 'f001.txt')) as fp:
        assert fp.read() == 'changed\n'
    # a snapshot on each side; the host's update looks only at the file it
    # writes
    assert w.full[a] == 1
    assert w.full[b] == 1
    assert w.lookups[a] == 0

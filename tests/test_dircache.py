"""property: the cached directory walk finds what a full listing finds

``snapshot.emptydirs`` lists only the directories whose inode, mtime
or ctime changed since the cache was written.  Random creations,
deletions, renames and checkout markers, looked at after each step with
the cache, must give the same empty directories as a walk without it;
and an untouched tree is not listed again.
"""

import os
import shutil
import time

from hypothesis import HealthCheck, given, settings, strategies as st

from hgext_silvermirror import snapshot, state
from hgext_silvermirror.statcache import dirlistings as dircache

DIRS = ('a', 'a/b', 'a/b/c', 'd', 'd/e')
NAMES = ('x', 'y', '.git')

ops = st.lists(
    st.one_of(
        st.tuples(st.just('mkdir'), st.sampled_from(DIRS)),
        st.tuples(st.just('rmtree'), st.sampled_from(DIRS)),
        st.tuples(st.just('file'), st.sampled_from(DIRS), st.sampled_from(NAMES)),
        st.tuples(st.just('unlink'), st.sampled_from(DIRS), st.sampled_from(NAMES)),
        st.tuples(st.just('rename'), st.sampled_from(DIRS), st.sampled_from(DIRS)),
        st.tuples(st.just('look'),),
    ),
    min_size=1,
    max_size=16,
)


def _apply(root, op):
    path = lambda rel: os.path.join(root, rel)
    kind = op[0]
    try:
        if kind == 'mkdir':
            os.makedirs(path(op[1]), exist_ok=True)
        elif kind == 'rmtree':
            shutil.rmtree(path(op[1]))
        elif kind == 'file':
            if os.path.isdir(path(op[1])):
                with open(os.path.join(path(op[1]), op[2]), 'w') as fp:
                    fp.write('x')
        elif kind == 'unlink':
            os.unlink(os.path.join(path(op[1]), op[2]))
        elif kind == 'rename':
            os.rename(path(op[1]), path(op[2]) + '-moved')
    except OSError:
        pass


def _full(repo):
    """the empty directories by a listing of every directory"""
    repo.vfs.tryunlink(state.DIRS)
    return snapshot.emptydirs(repo, keep=False)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=ops)
def test_cached_walk_agrees(tmp_path_factory, mkrepo, ops):
    root = str(tmp_path_factory.mktemp('dc'))
    repo = mkrepo(root)
    with repo.wlock():
        snapshot.emptydirs(repo)
        for op in ops + [('look',)]:
            _apply(root, op)
            if op[0] != 'look':
                continue
            cached = snapshot.emptydirs(repo)
            saved = repo.vfs.tryread(state.DIRS)
            assert cached == _full(repo), ops
            repo.vfs.write(state.DIRS, saved)


def test_untouched_directories_are_not_listed(tmp_path, mkrepo, monkeypatch):
    root = str(tmp_path)
    repo = mkrepo(root)
    for rel in ('a/b', 'a/empty', 'c', 'd/.git'):
        os.makedirs(os.path.join(root, rel))
    old = 10**9
    with repo.wlock():
        # times well before the walk, as for a tree untouched since
        for d in ('a/b', 'a/empty', 'a', 'c', 'd/.git', 'd', ''):
            p = os.path.join(root, d)
            os.utime(p, ns=(old, old))
        # and the walk's moment in a later clock tick than their ctimes
        time.sleep(0.05)
        first = snapshot.emptydirs(repo)
        listed = []
        real = dircache._list
        monkeypatch.setattr(
            dircache, '_list', lambda p, *a: listed.append(p) or real(p, *a)
        )
        assert snapshot.emptydirs(repo) == first == [b'a/b', b'a/empty', b'c']
        # each directory's ctime was set by utime, before the first walk
        assert listed == []
        os.rmdir(os.path.join(root, 'a/empty'))
        assert snapshot.emptydirs(repo) == [b'a/b', b'c']
        assert listed == [os.path.join(root, 'a').encode()]


def test_damaged_cache_lists_everything(tmp_path, mkrepo):
    root = str(tmp_path)
    repo = mkrepo(root)
    os.makedirs(os.path.join(root, 'e'))
    with repo.wlock():
        snapshot.emptydirs(repo)
        repo.vfs.write(state.DIRS, b'.\x00key\x00not a number\x00')
        assert snapshot.emptydirs(repo) == [b'e']
        assert dircache.read(repo)[b'e'].flags == 0


def test_directory_changed_at_the_walk_is_not_kept(tmp_path, mkrepo, monkeypatch):
    """a change in the same clock tick as the walk would not show later"""
    root = str(tmp_path)
    repo = mkrepo(root)
    os.makedirs(os.path.join(root, 'settled'))
    os.utime(os.path.join(root, 'settled'), ns=(10**9, 10**9))
    time.sleep(0.05)
    os.makedirs(os.path.join(root, 'fresh'))
    ns = os.lstat(os.path.join(root, 'fresh')).st_ctime_ns
    now = dircache.timestamp.timestamp((ns // 10**9, ns % 10**9, False))
    monkeypatch.setattr(dircache.timestamp, 'get_fs_now', lambda vfs: now)
    with repo.wlock():
        assert snapshot.emptydirs(repo) == [b'fresh', b'settled']
    assert sorted(dircache.read(repo)) == [b'settled']

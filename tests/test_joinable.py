"""may an unrelated history be joined (firstcontact.sidesok)?

Real repositories through hg's API.  The answer must follow the roots of
the history as it is now (appended to, stripped), and asking again must
look only at the changesets added since.
"""

import pytest

from mercurial import changelog, extensions, hg, repair

from hgext_silvermirror import firstcontact, snapshot


@pytest.fixture
def repo(mkrepo):
    return mkrepo('r')


def commit(repo, name, mark=True, parent=None):
    """a changeset adding ``name``; ``mark``: made by SilverMirror"""
    with repo.wlock(), repo.lock():
        if parent is not None:
            hg.updaterepo(repo, parent, overwrite=True)
        repo.wvfs.write(name, name + b'\n')
        with repo.dirstate.changing_files(repo):
            repo[None].add([name])
        extra = {snapshot.NODE_EXTRA: b'a'} if mark else {}
        return repo.commit(text=b'add ' + name, extra=extra)


@pytest.fixture
def looked():
    """the revisions whose parents ``sidesok`` reads"""
    seen = []

    def parentrevs(orig, self, rev):
        seen.append(rev)
        return orig(self, rev)

    with extensions.wrappedfunction(changelog.changelog, 'parentrevs', parentrevs):
        yield seen


def test_the_answer_follows_the_roots(repo):
    assert firstcontact.sidesok(repo)
    commit(repo, b'a')
    commit(repo, b'b')
    assert firstcontact.sidesok(repo)
    own = commit(repo, b'own', mark=False, parent=repo.nullid)
    assert not firstcontact.sidesok(repo)
    commit(repo, b'c')
    assert not firstcontact.sidesok(repo)
    repair.strip(repo.ui, repo, [own], backup=False)
    assert firstcontact.sidesok(repo)


def test_asking_again_looks_only_at_what_was_added(repo, looked):
    for name in (b'a', b'b', b'c'):
        commit(repo, name)
    del looked[:]
    assert firstcontact.sidesok(repo)
    assert sorted(set(looked)) == [0, 1, 2]
    del looked[:]
    assert firstcontact.sidesok(repo)
    assert looked == []
    commit(repo, b'd')
    del looked[:]
    assert firstcontact.sidesok(repo)
    assert set(looked) == {3}


def test_a_damaged_cache_counts_for_nothing(repo):
    commit(repo, b'a')
    commit(repo, b'own', mark=False, parent=repo.nullid)
    for junk in (b'', b'garbage', b'2 %s 1\n' % (b'0' * 40), b'9 x 1\n'):
        repo.cachevfs.write(firstcontact.ROOTSCACHE, junk)
        assert not firstcontact.sidesok(repo)

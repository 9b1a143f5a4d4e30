"""the files under .hg/silvermirror: one format, and the older one still read

An interrupted run of an earlier version leaves its files in that
version's format; the ones a preamble needs to finish the run are read.
"""

import pytest

from mercurial import hg, ui as uimod

from hgext_silvermirror import recovery, snapshot, state


@pytest.fixture
def repo(tmp_path):
    ui = uimod.ui.load()
    ui.setconfig(b'ui', b'username', b'test', b'test')
    return hg.repository(ui, bytes(tmp_path / 'r'), create=True)


def _commit(repo):
    repo.wvfs.write(b'f', b'text\n')
    with repo.wlock(), repo.lock():
        with repo.dirstate.changing_files(repo):
            repo[None].add([b'f'])
        return repo.commit(b'one')


def test_a_value_round_trips_and_a_damaged_file_reads_as_none(repo):
    assert state.read(repo, state.CHECKED, list) is None
    state.write(repo, state.CHECKED, [b'a' * 40, b'key'])
    assert state.read(repo, state.CHECKED, list) == [b'a' * 40, b'key']
    # another kind of value, or bytes that are no CBOR at all
    assert state.read(repo, state.CHECKED, dict) is None
    repo.vfs.write(state.CHECKED, b'\xff\x00not cbor')
    assert state.read(repo, state.CHECKED, list) is None


def test_every_name_is_one_file_of_the_directory():
    names = [v for k, v in vars(state).items() if k.isupper() and isinstance(v, bytes)]
    files = [n for n in names if n != state.DIR]
    assert len(set(files)) == len(files) == 15
    assert all(n.startswith(state.DIR + b'/') for n in files)


def test_an_interrupted_update_of_the_earlier_format_is_finished(repo):
    node = _commit(repo)
    repo.vfs.write(state.INTERRUPTED, b'update %s\n' % repo[node].hex())
    kind, ctx, origin = recovery._interrupted(repo)
    assert (kind, ctx.node(), origin) == (b'update', node, None)
    state.write(repo, state.INTERRUPTED, [b'merge', repo[node].hex(), repo[node].hex()])
    assert recovery._interrupted(repo)[0] == b'merge'


def test_nested_checkouts_of_the_earlier_format_are_known(repo):
    repo.vfs.makedirs(state.DIR)
    repo.vfs.write(state.NESTED, b'cab\nsub/dir\n')
    assert snapshot.knownnested(repo) == [b'cab', b'sub/dir']


def test_a_journal_reads_up_to_its_last_complete_record(repo):
    with state.openjournal(repo, state.PREFILLED) as fp:
        state.append(fp, [b'a', 1])
        state.append(fp, [b'b', 2])
    data = repo.vfs.read(state.PREFILLED)
    repo.vfs.write(state.PREFILLED, data[:-1])
    assert state.records(repo, state.PREFILLED) == [[b'a', 1]]

"""an empty host's working copy written from this node's files (prefill)

Real repositories through hg's API: the payload this node would send
(``firstcheckout.feed``) is given to the host's ``firstcheckout.receive`` directly,
then the sender's store is streamed in (``streamstore``) and the host updates.
The host keeps the files it wrote only when each is the head's, by its
node; otherwise, or whatever goes wrong, it removes those it wrote, and
never touches a file that was there before or changed since.
"""

import io
import os

import pytest

# hg's commands register revset predicates so; a bare API user must too
from mercurial import error, hg, initialization, util, verify  # noqa: F401

from hgext_silvermirror import checkout, firstcontact, snapshot, state
from hgext_silvermirror.firstcontact import firstcheckout, streamstore

FILES = {
    b'a.txt': b'alpha\n',
    b'sub/b.txt': b'beta\n' * 1000,
    b'sub/deep/c': b'',
    # a text that begins as filelog metadata would
    b'meta.txt': b'\1\nnot metadata\n',
}


def commitall(repo, files):
    with repo.wlock(), repo.lock():
        with repo.dirstate.changing_files(repo):
            repo[None].add([f for f in files if f not in repo.dirstate])
        return snapshot.commit(repo, text=b'snapshot', user=b'someone')


@pytest.fixture
def sender(mkrepo):
    """a repository with FILES, an executable and a symlink"""
    repo = mkrepo('here')
    for f, data in FILES.items():
        repo.wvfs.write(f, data)
    repo.wvfs.write(b'run.sh', b'#!/bin/sh\n')
    os.chmod(repo.wvfs.join(b'run.sh'), 0o755)
    os.symlink(b'sub/b.txt', repo.wvfs.join(b'link'))
    return repo, sorted(list(FILES) + [b'run.sh', b'link'])


@pytest.fixture
def host(mkrepo):
    return mkrepo('there')


def payload(repo, files):
    return io.BytesIO(firstcheckout.feed(repo, files).read())


def receive(host, data):
    with host.wlock():
        return firstcheckout.receive(host, {}, data)


def streamed(host, repo):
    """the sender's store streamed into the host, then the host's update"""
    args, chunks = streamstore.generate(repo, False)
    with host.wlock():
        assert streamstore.receive(host, args, util.chunkbuffer(chunks))[b'seeded']
    host = hg.repository(host.ui, host.root)
    with host.wlock():
        return host, checkout.update(host, repo[b'tip'].node())


def leftovers(host):
    """what is in the host's working copy, besides .hg"""
    found = []
    for root, dirs, files in os.walk(host.root):
        dirs[:] = [d for d in dirs if d != b'.hg']
        found += [os.path.relpath(os.path.join(root, n), host.root) for n in dirs + files]
    return sorted(found)


def test_the_files_written_are_adopted(sender, host):
    repo, files = sender
    reply = receive(host, payload(repo, files))
    assert reply == {b'prefilled': True, b'files': len(files)}
    node = commitall(repo, files)
    inodes = {f: host.wvfs.lstat(f).st_ino for f in files}
    host, result = streamed(host, repo)
    assert result == b'updated' and host[b'.'].node() == node
    # the same files, not written again by the update
    assert {f: host.wvfs.lstat(f).st_ino for f in files} == inodes
    for f in files:
        assert host.wvfs.lstat(f).st_mode == repo.wvfs.lstat(f).st_mode
        assert host.dirstate.get_entry(f).maybe_clean
    assert os.readlink(host.wvfs.join(b'link')) == b'sub/b.txt'
    assert not any(host.status())
    assert not firstcheckout.pending(host)
    assert not host.vfs.exists(state.PREFILLTMP)


def test_a_file_changed_here_meanwhile_comes_from_the_update(sender, host):
    """the commit has another version than the one sent: the copies go,
    and hg's update writes the head's files"""
    repo, files = sender
    receive(host, payload(repo, files))
    repo.wvfs.write(b'a.txt', b'alpha, edited before the commit\n')
    commitall(repo, files)
    host, result = streamed(host, repo)
    assert result == b'updated'
    assert host.wvfs.read(b'a.txt') == b'alpha, edited before the commit\n'
    assert not any(host.status()) and not firstcheckout.pending(host)


def test_a_file_changed_there_meanwhile_is_kept(sender, host):
    """a user's edit on the host before the adoption is never removed nor
    overwritten: the update leaves the working copy alone"""
    repo, files = sender
    receive(host, payload(repo, files))
    commitall(repo, files)
    host.wvfs.write(b'sub/b.txt', b'edited on the host\n')
    host, result = streamed(host, repo)
    assert result == b'dirty'
    assert host.wvfs.read(b'sub/b.txt') == b'edited on the host\n'
    assert leftovers(host) == [b'sub', b'sub/b.txt']


def test_an_interrupted_prefill_is_removed_by_the_next_preamble(sender, host):
    repo, files = sender
    receive(host, payload(repo, files))
    host.wvfs.write(b'sub/deep/c', b'edited on the host\n')
    with host.wlock():
        assert firstcheckout.recover(host) == [
            b'removed the copies of an interrupted first sync'
        ]
    assert leftovers(host) == [b'sub', b'sub/deep', b'sub/deep/c']
    assert not firstcheckout.pending(host)


def test_a_file_there_is_never_overwritten(sender, host):
    """an ignored file (status does not list it) in the way: the host gives
    up, and the file is as it was"""
    repo, files = sender
    host.wvfs.write(b'.hgignore', b'^\\.hgignore$\n^sub/b\\.txt$\n')
    host.wvfs.makedirs(b'sub')
    host.wvfs.write(b'sub/b.txt', b'mine\n')
    with pytest.raises(FileExistsError):
        receive(host, payload(repo, files))
    assert host.wvfs.read(b'sub/b.txt') == b'mine\n'
    assert leftovers(host) == [b'.hgignore', b'sub', b'sub/b.txt']
    assert not firstcheckout.pending(host)


def test_a_client_gone_mid_payload_leaves_nothing(sender, host):
    repo, files = sender
    data = payload(repo, files).getvalue()
    with pytest.raises(error.Abort):
        receive(host, io.BytesIO(data[: len(data) // 2]))
    assert leftovers(host) == [] and not firstcheckout.pending(host)


def test_a_path_into_the_repository_is_refused(sender, host):
    repo, files = sender
    evil = firstcheckout.HEADER.pack(8, 4, b'\0') + b'.hg/hgrc' + b'evil' + b'\0' * 4
    with pytest.raises(error.Abort):
        receive(host, io.BytesIO(evil))
    assert b'evil' not in host.vfs.tryread(b'hgrc') and leftovers(host) == []


def test_a_file_unreadable_here_leaves_nothing_there(sender, host):
    repo, files = sender
    with pytest.raises(error.Abort):
        receive(host, payload(repo, files + [b'zz-gone']))
    assert leftovers(host) == [] and not firstcheckout.pending(host)


@pytest.mark.parametrize('why', ['history', 'files', 'filters'])
def test_a_host_that_cannot_take_them_refuses_before_reading(sender, host, why):
    repo, files = sender
    if why == 'history':
        host.wvfs.write(b'x', b'x\n')
        commitall(host, [b'x'])
    elif why == 'files':
        host.wvfs.write(b'x', b'x\n')
    else:
        host.ui.setconfig(b'encode', b'**', b'cat')
    data = payload(repo, files)
    reply = receive(host, data)
    assert not reply[b'prefilled'] and data.tell() == 0


def test_the_first_commit_alone_compresses_at_the_faster_level(sender, host):
    """zstd level 1 while an empty repository commits, unless the user
    chose a level; the store stays one that any hg reads"""
    repo, files = sender

    def level(r):
        return r.svfs.options[b'feature-config'].compression_engine_options[b'zstd.level']

    with firstcontact.firstcommit(repo):
        assert level(repo) == firstcontact.FIRSTLEVEL
        commitall(repo, files)
    assert level(repo) is None
    assert verify.verify(repo) == 0
    with firstcontact.firstcommit(repo):
        assert level(repo) is None
    host.ui.setconfig(b'storage', b'revlog.zstd.level', b'9')
    with firstcontact.firstcommit(host):
        assert level(host) is None

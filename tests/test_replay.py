"""an empty host making the first snapshot too (replay), on its side

Real repositories through hg's API: the payload this node would send
(``replay._feed``) is given to the host's ``replay.receive`` directly.
The host commits what it got as the sender did, to the same node;
whatever goes wrong before its commit, it leaves no file of its making
and no history, and never touches a file that was there before.
"""

import io
import os

import pytest

# hg's commands register revset predicates so; a bare API user must too
from mercurial import error, hg, initialization, ui as uimod  # noqa: F401

from mercurial.utils import cborutil

from hgext_silvermirror import replay, workingcopy

FILES = {b'a.txt': b'alpha\n', b'sub/b.txt': b'beta\n' * 1000, b'sub/deep/c': b''}


def mkrepo(path):
    u = uimod.ui()
    u.setconfig(b'ui', b'username', b'test')
    return hg.repository(u, bytes(path), create=True)


@pytest.fixture
def sender(tmp_path):
    """a repository with FILES, an executable and a symlink, committed"""
    repo = mkrepo(tmp_path / 'here')
    for f, data in FILES.items():
        repo.wvfs.write(f, data)
    repo.wvfs.write(b'run.sh', b'#!/bin/sh\n')
    os.chmod(repo.wvfs.join(b'run.sh'), 0o755)
    os.symlink(b'sub/b.txt', repo.wvfs.join(b'link'))
    files = sorted(list(FILES) + [b'run.sh', b'link'])
    args = {
        'text': b'mirror: snapshot on here',
        'user': b'someone',
        'date': workingcopy.commitdate(repo.ui),
        'extra': {workingcopy.NODE_EXTRA: b'here'},
    }
    with repo.wlock(), repo.lock():
        with repo.dirstate.changing_files(repo):
            repo[None].add(files)
        node = workingcopy.commit(repo, **args)
    return repo, files, args, node


def payload(repo, files):
    return io.BytesIO(replay._feed(repo, files).read())


def receive(host, args, data):
    args = {k.encode(): v for k, v in args.items()}
    args[b'branch'] = b'default'
    with host.wlock():
        return replay.receive(host, args, data)


def leftovers(host):
    """what is in the host's working copy, besides .hg"""
    found = []
    for root, dirs, files in os.walk(host.root):
        dirs[:] = [d for d in dirs if d != b'.hg']
        found += [os.path.relpath(os.path.join(root, n), host.root) for n in dirs + files]
    return sorted(found)


def test_the_same_commit_is_kept(sender, tmp_path):
    repo, files, args, node = sender
    host = mkrepo(tmp_path / 'there')
    reply = receive(host, args, payload(repo, files))
    assert reply[b'replayed'] and reply[b'parent'] == repo[node].hex()
    assert reply[b'heads'] == [repo[node].hex()]
    host = hg.repository(host.ui, host.root)
    assert host[b'.'].node() == node
    for f in files:
        assert host.wvfs.lstat(f).st_mode == repo.wvfs.lstat(f).st_mode
    assert os.readlink(host.wvfs.join(b'link')) == b'sub/b.txt'
    for f in files:
        assert host.dirstate.get_entry(f).maybe_clean
    assert not any(host.status())
    assert not host.vfs.exists(replay.TEMPFILE)


def test_a_host_that_commits_otherwise_keeps_its_own(sender, tmp_path):
    """another message (as an hg of its own would make): another node, the
    same files (the sync then merges it as any host's snapshot)"""
    repo, files, args, node = sender
    host = mkrepo(tmp_path / 'there')
    reply = receive(host, dict(args, text=b'otherwise'), payload(repo, files))
    assert reply[b'replayed'] and reply[b'parent'] != repo[node].hex()
    host = hg.repository(host.ui, host.root)
    assert host[b'.'].manifestnode() == repo[node].manifestnode()


def test_a_file_there_is_never_overwritten(sender, tmp_path):
    """an ignored file (status does not list it) in the way: the host gives
    up, and the file is as it was"""
    repo, files, args, node = sender
    host = mkrepo(tmp_path / 'there')
    host.wvfs.write(b'.hgignore', b'^\\.hgignore$\n^sub/b\\.txt$\n')
    host.wvfs.makedirs(b'sub')
    host.wvfs.write(b'sub/b.txt', b'mine\n')
    with pytest.raises(FileExistsError):
        receive(host, args, payload(repo, files))
    assert host.wvfs.read(b'sub/b.txt') == b'mine\n'
    assert leftovers(host) == [b'.hgignore', b'sub', b'sub/b.txt']
    assert len(hg.repository(host.ui, host.root)) == 0


def test_a_client_gone_mid_payload_leaves_nothing(sender, tmp_path):
    repo, files, args, node = sender
    host = mkrepo(tmp_path / 'there')
    data = payload(repo, files).getvalue()
    with pytest.raises(error.Abort):
        receive(host, args, io.BytesIO(data[: len(data) // 2]))
    assert leftovers(host) == [] and len(hg.repository(host.ui, host.root)) == 0


def test_a_path_into_the_repository_is_refused(sender, tmp_path):
    repo, files, args, node = sender
    host = mkrepo(tmp_path / 'there')
    listed = b''.join(cborutil.streamencode([b'.hg/hgrc']))
    evil = (
        replay.LENGTH.pack(len(listed)) + listed
        + replay.HEADER.pack(8, 4, b'\0') + b'.hg/hgrc' + b'evil' + b'\0' * 4
    )
    with pytest.raises(error.Abort):
        receive(host, args, io.BytesIO(evil))
    assert b'evil' not in host.vfs.tryread(b'hgrc') and leftovers(host) == []


def test_a_file_unreadable_here_means_no_commit_there(sender, tmp_path):
    repo, files, args, node = sender
    host = mkrepo(tmp_path / 'there')
    reply = receive(host, args, payload(repo, files + [b'gone']))
    assert not reply[b'replayed'] and leftovers(host) == []


@pytest.mark.parametrize('why', ['history', 'files', 'filters'])
def test_a_host_that_cannot_take_part_refuses_before_reading(sender, tmp_path, why):
    repo, files, args, node = sender
    host = mkrepo(tmp_path / 'there')
    if why == 'history':
        host.wvfs.write(b'x', b'x\n')
        with host.wlock(), host.lock():
            with host.dirstate.changing_files(host):
                host[None].add([b'x'])
            host.commit(text=b'x', user=b'u')
    elif why == 'files':
        host.wvfs.write(b'x', b'x\n')
    else:
        host.ui.setconfig(b'encode', b'**', b'cat')
    data = payload(repo, files)
    reply = receive(host, args, data)
    assert not reply[b'replayed'] and data.tell() == 0

"""a delivery's changed files, kept by the host before its changesets come
(``firstcontact.sendahead``)

Real repositories through hg's API, in this process: the payload this
node would send (``firstcheckout.feed``) is given to the host's
``sendahead.receive``, this node commits, the host pulls the commit and
updates as its delivery does.  A copy is moved into place only where the
head has its very node and nothing changed it; everything else is
written by hg's update, and no edit is overwritten.
"""

import io
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

# hg's commands register revset predicates so; a bare API user must too
from mercurial import error, exchange, hg, initialization  # noqa: F401

from hgext_silvermirror import checkout, snapshot, state
from hgext_silvermirror.firstcontact import firstcheckout, sendahead

FILES = {b'a.txt': b'alpha\n', b'sub/b.txt': b'beta\n' * 100, b'c.txt': b'gamma\n'}


def commitall(repo):
    with repo.wlock(), repo.lock():
        res = snapshot.scan(repo)
        snapshot.record(repo, res, b'here')
    return res


@pytest.fixture
def pair(mkrepo):
    """this node's repository and its host's, both at one snapshot"""
    here = mkrepo('here')
    for f, data in FILES.items():
        here.wvfs.write(f, data)
    commitall(here)
    there = mkrepo('there')
    exchange.pull(there, hg.peer(here.ui, {}, here.root))
    with there.wlock():
        assert checkout.update(there, here[b'tip'].node()) == b'updated'
    return here, there


def ahead(here, there, change, going=None):
    """``change`` this node's files, send them ahead to the host (while
    ``going()``); returns the scan and the host's reply"""
    for f, data in change.items():
        here.wvfs.write(f, data)
    with here.wlock():
        snap = snapshot.scan(here)
    files, parents = sendahead.candidates(here, snap)
    args = {b'node': here[b'.'].hex(), b'parents': [p.hex() for p in parents]}
    payload = io.BytesIO(firstcheckout.feed(here, files, going, sendahead.FRAME).read())
    with there.wlock():
        reply = sendahead.receive(there, args, payload)
    return snap, reply


def deliver(here, there, snap):
    """this node's commit, then the host's pull and update"""
    with here.wlock(), here.lock():
        snapshot.record(here, snap, b'here')
    exchange.pull(there, hg.peer(here.ui, {}, here.root))
    with there.wlock():
        try:
            return checkout.update(there, here[b'tip'].node())
        finally:
            sendahead.discard(there)


def copies(there):
    """{path: inode} of the copies the host holds"""
    held = sendahead._held.get(there.root, {})
    return {f: os.lstat(s.path).st_ino for f, s in held.items()}


def staging(there):
    return sorted(n for n in os.listdir(there.vfs.join(state.DIR)) if n.startswith(sendahead.PREFIX))


def clean(there):
    st = there.status(unknown=True)
    return not any((st.modified, st.added, st.removed, st.deleted, st.unknown))


def test_the_copies_are_moved_into_place(pair):
    here, there = pair
    os.chmod(there.wvfs.join(b'a.txt'), 0o600)
    snap, reply = ahead(here, there, {b'a.txt': b'alpha 2\n', b'new/d.txt': b'delta\n'})
    assert reply == {b'staged': 2}
    inodes = copies(there)
    assert deliver(here, there, snap) == b'updated'
    for f, ino in inodes.items():
        assert os.lstat(there.wjoin(f)).st_ino == ino, f
    assert there.wvfs.read(b'a.txt') == b'alpha 2\n'
    assert there.wvfs.read(b'new/d.txt') == b'delta\n'
    # kept as hg's atomic write keeps them
    assert os.lstat(there.wjoin(b'a.txt')).st_mode & 0o777 == 0o600
    assert clean(there) and staging(there) == []


def test_a_file_changed_after_it_was_sent_is_written_by_the_update(pair):
    here, there = pair
    snap, reply = ahead(here, there, {b'a.txt': b'alpha 2\n', b'c.txt': b'gamma 2\n'})
    inodes = copies(there)
    here.wvfs.write(b'a.txt', b'alpha 3\n')
    assert deliver(here, there, snap) == b'updated'
    assert there.wvfs.read(b'a.txt') == b'alpha 3\n'
    assert os.lstat(there.wjoin(b'c.txt')).st_ino == inodes[b'c.txt']
    assert clean(there) and staging(there) == []


def test_a_copy_changed_at_the_host_is_not_used(pair):
    here, there = pair
    snap, _reply = ahead(here, there, {b'a.txt': b'alpha 2\n'})
    held = sendahead._held[there.root][b'a.txt']
    with open(held.path, 'ab') as fp:
        fp.write(b'tampered\n')
    assert deliver(here, there, snap) == b'updated'
    assert there.wvfs.read(b'a.txt') == b'alpha 2\n'
    assert clean(there)


def test_an_edit_at_the_host_is_never_overwritten(pair):
    here, there = pair
    snap, _reply = ahead(here, there, {b'a.txt': b'alpha 2\n'})
    there.wvfs.write(b'a.txt', b'edited on the host\n')
    assert deliver(here, there, snap) == b'dirty'
    assert there.wvfs.read(b'a.txt') == b'edited on the host\n'
    assert staging(there) == []


def test_a_host_elsewhere_keeps_nothing(pair):
    here, there = pair
    there.wvfs.write(b'c.txt', b'the host moves on\n')
    commitall(there)
    snap, reply = ahead(here, there, {b'a.txt': b'alpha 2\n'})
    assert reply[b'staged'] == 0 and reply[b'refused']
    assert staging(there) == []


def test_a_path_from_the_peer_is_never_written_to(pair):
    """the copies live in ``.hg``; a path names which file of the
    delivered head a copy may become, never where one is written"""
    here, there = pair
    data = b'outside\n'
    frame = firstcheckout.HEADER.pack(len(b'../escape.txt'), len(data), firstcheckout.PLAIN)
    payload = io.BytesIO(frame + b'../escape.txt' + data + firstcheckout.LENGTH.pack(0))
    args = {b'node': there[b'.'].hex(), b'parents': [there.nullid.hex()]}
    with there.wlock():
        assert sendahead.receive(there, args, payload) == {b'staged': 1}
    outside = os.path.join(os.path.dirname(there.root), b'escape.txt')
    snap, _reply = ahead(here, there, {b'a.txt': b'alpha 2\n'})
    assert deliver(here, there, snap) == b'updated'
    assert not os.path.lexists(outside)
    assert staging(there) == []


def test_more_files_than_parents_is_refused_and_keeps_nothing(pair):
    _here, there = pair
    payload = io.BytesIO(firstcheckout.feed(there, [b'a.txt', b'c.txt']).read())
    args = {b'node': there[b'.'].hex(), b'parents': [there.nullid.hex()]}
    with there.wlock(), pytest.raises(error.Abort):
        sendahead.receive(there, args, payload)
    assert staging(there) == [] and there.root not in sendahead._held


def test_the_preamble_removes_the_copies_of_a_dead_process(pair):
    _here, there = pair
    dead = there.vfs.join(sendahead._dirname(999999999))
    alive = there.vfs.join(sendahead._dirname(1))
    for d in (dead, alive):
        os.makedirs(d)
        with open(os.path.join(d, b'0'), 'wb') as fp:
            fp.write(b'copy\n')
    with there.wlock():
        assert sendahead.recover(there) == []
    assert not os.path.exists(dead)
    # pid 1 is alive: its copies may be in use
    assert os.path.exists(alive)


def test_a_host_keeps_no_file_over_the_size_whatever_it_is_sent(pair):
    _here, there = pair
    big = b'x' * (sendahead.MAXFILE + 1)
    frames = b''
    for f, data in ((b'big.txt', big), (b'small.txt', b'small\n')):
        frames += firstcheckout.HEADER.pack(len(f), len(data), firstcheckout.PLAIN) + f + data
    payload = io.BytesIO(frames + firstcheckout.LENGTH.pack(0))
    args = {b'node': there[b'.'].hex(), b'parents': [there.nullid.hex()] * 2}
    with there.wlock():
        assert sendahead.receive(there, args, payload) == {b'staged': 1}
    assert list(sendahead._held[there.root]) == [b'small.txt']
    sendahead.discard(there)
    assert staging(there) == []


def test_the_files_stop_going_once_the_commit_is_done(pair):
    here, there = pair
    going = iter([True, False]).__next__
    snap, reply = ahead(here, there, {b'a.txt': b'alpha 2\n', b'c.txt': b'gamma 2\n'}, going)
    assert reply == {b'staged': 1}
    assert deliver(here, there, snap) == b'updated'
    assert there.wvfs.read(b'a.txt') == b'alpha 2\n'
    assert there.wvfs.read(b'c.txt') == b'gamma 2\n'
    assert clean(there) and staging(there) == []


# any mix of changes: what the host ends with is this node's working copy
NAMES = [b'a.txt', b'sub/b.txt', b'c.txt', b'new/d.txt', b'new/deep/e.txt', b'f.sh']
CHANGE = st.one_of(
    st.tuples(st.just('write'), st.binary(max_size=300)),
    st.tuples(st.just('exec'), st.booleans()),
    st.just(('remove',)),
    st.just(('meta',)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(NAMES), CHANGE, min_size=1), late=st.sets(st.sampled_from(NAMES)))
def test_any_changes_leave_the_host_as_this_node(mkrepo, tmp_path, changes, late):
    """edits, new files, removals, exec bits, texts that look like filelog
    metadata, and files changed again after they were sent (``late``)"""
    here = mkrepo(os.path.join(str(tmp_path), 'h%d' % len(os.listdir(str(tmp_path)))))
    for f, data in FILES.items():
        here.wvfs.write(f, data)
    commitall(here)
    there = mkrepo(here.root.decode() + '-host')
    exchange.pull(there, hg.peer(here.ui, {}, here.root))
    with there.wlock():
        checkout.update(there, here[b'tip'].node())
    written = {}
    for f, change in changes.items():
        if change[0] == 'write':
            written[f] = change[1]
        elif change[0] == 'meta':
            written[f] = b'\1\nnot metadata\n'
    snap, _reply = ahead(here, there, written)
    for f, change in changes.items():
        if change[0] == 'exec' and here.wvfs.exists(f):
            os.chmod(here.wjoin(f), 0o755 if change[1] else 0o644)
        elif change[0] == 'remove':
            here.wvfs.unlinkpath(f, ignoremissing=True)
    for f in late:
        if here.wvfs.exists(f):
            here.wvfs.write(f, b'changed after it was sent\n')
    with here.wlock():
        snap = snapshot.scan(here)
    assert deliver(here, there, snap) in (b'updated', b'current')
    assert tree(there) == tree(here)
    assert clean(there) and staging(there) == []


def tree(repo):
    """{path: (content, executable)} of the working copy"""
    out = {}
    for root, dirs, files in os.walk(repo.root):
        dirs[:] = [d for d in dirs if d != b'.hg']
        for n in files:
            path = os.path.join(root, n)
            with open(path, 'rb') as fp:
                out[os.path.relpath(path, repo.root)] = (fp.read(), bool(os.stat(path).st_mode & 0o100))
    return out

"""a host's working-copy copy of a big file, written as it arrives
(``bigplace``): used only untouched, never at the store's expense"""

import os
import stat

from hgext_silvermirror import bigcopy, bigplace


def _beside(tmp_path, name='copy~'):
    path = str(tmp_path / name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return bigplace.Beside(fd, path, bigcopy.clone), path


def _receive(tmp_path, beside, frames, h):
    store = open(tmp_path / 'store~', 'wb')
    out = beside(store)
    for frame in frames:
        out.write(frame)
    store.close()
    beside.keep(h)
    beside.drop()


def test_the_copy_goes_into_place_with_the_mode_asked(tmp_path):
    beside, path = _beside(tmp_path)
    _receive(tmp_path, beside, [b'a' * 1000, b'b' * 10], 'h1')
    dest = str(tmp_path / 'film.mov')
    assert bigplace.put('h1', dest, 0o640)
    assert open(dest, 'rb').read() == open(tmp_path / 'store~', 'rb').read() == b'a' * 1000 + b'b' * 10
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert not os.path.exists(path)
    # once only: another file of the same content is copied by the caller
    assert not bigplace.put('h1', str(tmp_path / 'other.mov'), 0o640)


def test_a_copy_touched_since_is_not_used(tmp_path):
    beside, path = _beside(tmp_path)
    _receive(tmp_path, beside, [b'x' * 100], 'h2')
    with open(path, 'r+b') as fp:
        fp.write(b'y')
    os.utime(path, ns=(1, 1))
    assert not bigplace.put('h2', str(tmp_path / 'film.mov'), 0o644)
    assert not os.path.exists(path)
    assert not os.path.exists(tmp_path / 'film.mov')


def test_a_failed_copy_leaves_the_store_whole(tmp_path):
    """the copy's write fails (as on a full disk): it goes at once, and
    the store's file gets every frame"""
    beside, path = _beside(tmp_path)
    store = open(tmp_path / 'store~', 'wb')
    out = beside(store)
    frame = 1 << 16  # past the buffer: written at once, as a transfer's frames
    out.write(b'1' * frame)
    os.close(beside._fp.fileno())
    out.write(b'2' * frame)
    assert not os.path.exists(path)
    out.write(b'3' * frame)
    store.close()
    beside.keep('h3')
    assert open(tmp_path / 'store~', 'rb').read() == b'1' * frame + b'2' * frame + b'3' * frame
    assert not bigplace.put('h3', str(tmp_path / 'film.mov'), 0o644)


def test_an_unkept_copy_goes(tmp_path):
    """a transfer refused (a wrong size, a collision) keeps no copy"""
    beside, path = _beside(tmp_path)
    store = open(tmp_path / 'store~', 'wb')
    beside(store).write(b'z' * 10)
    store.close()
    beside.drop()
    assert not os.path.exists(path)


def test_no_copy_without_room_for_two(tmp_path):
    st = os.statvfs(tmp_path)
    free = st.f_bavail * st.f_frsize
    assert bigplace.worthwhile(str(tmp_path), 1 << 20)
    assert not bigplace.worthwhile(str(tmp_path), free // 2)


def test_the_update_never_renames_through_a_symlink(tmp_path):
    """the rename is audited as hg's write would be, before a directory
    is made: a directory of the working copy that is a link to elsewhere
    is refused"""
    import pytest
    from mercurial import error, hg, ui as uimod

    root = tmp_path / 'repo'
    repo = hg.repository(uimod.ui.load(), str(root).encode(), create=True)
    outside = tmp_path / 'outside'
    outside.mkdir()
    os.symlink(str(outside), str(root / 'photos'))
    h = 'a' * 40
    store = root / '.hg' / 'largefiles'
    store.mkdir()
    (store / h).write_bytes(b'content')
    beside, path = _beside(tmp_path)
    _receive(tmp_path, beside, [b'content'], h.encode())
    with pytest.raises(error.Abort):
        bigcopy._copyfromcache(None, repo, h.encode(), b'photos/2026/film.mov')
    assert os.listdir(outside) == []
    # the copy stays for nothing: the sweep of the store removes it
    assert os.path.exists(path)

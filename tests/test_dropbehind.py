"""a store copy gives its pages back behind its writes (dropbehind.py)

The page cache cannot be read back from Python, so the advice given is
recorded on its way to the kernel (``os.posix_fadvise`` wrapped, then
called): what matters is that it only ever covers what was written at
least ``LAG`` bytes earlier, and that the copy is the same with it.
"""

import hashlib
import os

import pytest

from hgext_silvermirror import bigcopy, dropbehind

MIB = 1 << 20


@pytest.fixture
def advice(monkeypatch):
    """(fd, offset, length) of every DONTNEED given, with a LAG of 1 MiB"""
    monkeypatch.setattr(dropbehind, 'LAG', MIB)
    given = []
    real = os.posix_fadvise

    def record(fd, offset, length, what):
        if what == os.POSIX_FADV_DONTNEED:
            given.append((fd, offset, length))
        return real(fd, offset, length, what)

    monkeypatch.setattr(os, 'posix_fadvise', record)
    return given


def test_the_writer_drops_only_what_lies_a_lag_behind(tmp_path, advice):
    data = os.urandom(5 * MIB + 123)
    path = tmp_path / 'store'
    with open(path, 'wb') as fp:
        w = dropbehind.writer(fp)
        written = 0
        for start in range(0, len(data), 256 << 10):
            piece = data[start : start + (256 << 10)]
            w.write(piece)
            written += len(piece)
            assert all(length <= written - MIB for _fd, _off, length in advice)
    assert path.read_bytes() == data
    assert [length for _fd, _off, length in advice] == [MIB, 2 * MIB, 3 * MIB, 4 * MIB]
    assert all(off == 0 for _fd, off, _length in advice)


def test_a_kernel_copy_hashes_the_same_with_its_pages_dropped(tmp_path, advice, monkeypatch):
    monkeypatch.setattr(bigcopy, 'STEP', MIB)
    data = os.urandom(4 * MIB + 5)
    src = tmp_path / 'work'
    src.write_bytes(data)
    with open(src, 'rb') as fp:
        got = bigcopy.copyhash(fp, bytes(tmp_path / 'copy'))
    assert got == hashlib.sha1(data).hexdigest().encode()
    assert (tmp_path / 'copy').read_bytes() == data
    assert advice and max(length for _fd, _off, length in advice) <= 3 * MIB + 5


def test_advice_the_file_cannot_take_is_no_error():
    r, w = os.pipe()
    try:
        dropbehind.drop(w, MIB)
    finally:
        os.close(r)
        os.close(w)

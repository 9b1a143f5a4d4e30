# bigbuild.py - a host's new big file content, made from one it holds
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the host's side of ``bigdelta``: checksums of a base, a content built

A client sends the blocks of a new content that differ from a base this
host holds (``smbigsums`` tells it which).  The new content is made
under a temporary name in the store: the base's unchanged ranges copied
by the kernel (or cloned), the blocks received written in place.  It
takes the content's name only if its sha1 is the one declared;
otherwise it is removed and the client sends the content whole.

All of it is the peer's input: both hashes are a largefile's (``confine``
checks the arguments before this module sees them), the block size is
the one this host would choose, block indexes increase and stay inside
the declared length, and every block beyond the base must be sent, so
the work the host does is bounded by its base and what it received.
"""

import os
import threading

from mercurial.i18n import _
from mercurial import encoding, util
from mercurial.node import hex
from mercurial.utils import hashutil

from . import bigcopy, bigdelta, wire
from .collision import refusing


def _lfutil():
    from hgext.largefiles import lfutil

    return lfutil


def held(repo, h):
    """the path of content ``h`` in this host's store or hg's per-user
    cache, without linking it into the store; None if neither has it"""
    lfutil = _lfutil()
    for path in (lfutil.storepath(repo, h), lfutil.usercachepath(repo.ui, h)):
        if os.path.isfile(path):
            return path
    return None


def _base(repo, args):
    path = held(repo, args[b'base'])
    if path is None:
        raise wire.HostError(_(b'no content %s here') % args[b'base'], kind=b'nobase')
    return path


def sums(repo, args):
    """the size, block size and block checksums of the base content"""
    with open(_base(repo, args), 'rb') as fp:
        size = os.fstat(fp.fileno()).st_size
        block = bigdelta.blocksize(max(size, args[b'size']))
        return {b'size': size, b'block': block, b'sums': bigdelta.sums(fp, block, size)}


def build(repo, args, payload):
    """make content ``content`` from ``base`` and the blocks of ``payload``"""
    h = args[b'content']
    if _lfutil().instore(repo, h):
        return {b'received': 0}
    base = _base(repo, args)
    fd, tmp = bigcopy.tempfile(repo)
    try:
        with os.fdopen(fd, 'r+b') as dst, open(base, 'rb') as src:
            basesize = os.fstat(src.fileno()).st_size
            _check(args[b'block'], args[b'size'], args[b'count'], basesize)
            cloned = bigcopy.clone(src, dst)
            dst.truncate(args[b'size'])
            changed, received = _apply(dst, payload, args)
            dst.flush()
            got = _fill(src, dst, changed, args, cloned)
        if got != h:
            raise wire.HostError(
                _(b'largefile contents do not match hash'), kind=b'mismatch'
            )
        bigcopy.enter(repo, tmp, h)
    except OSError as inst:
        why = encoding.strtolocal(inst.strerror or str(inst))
        raise wire.HostError(_(b'cannot store largefile %s: %s') % (h, why))
    finally:
        util.tryunlink(tmp)
    repo.ui.log(
        b'silvermirror', b'big file %s built from %s: %d bytes received\n', h, args[b'base'], received
    )
    return {b'received': received}


def _fill(src, dst, changed, args, cloned):
    """copy into ``dst`` the base's blocks that were not sent (unless
    ``cloned``), while hashing the new content; its sha1 (hex)

    The kernel copies in a thread while this one hashes the same ranges
    of the base and the blocks received: one pass over the content
    rather than a copy, then a read of the copy.  A block past the
    base's end that was not sent is zeros, as ``dst`` holds it."""
    size, block = args[b'size'], args[b'block']
    kept = _kept(changed, bigdelta.count(size, block), block, size)
    basesize = os.fstat(src.fileno()).st_size
    failed = []

    def copying():
        try:
            for start, end in kept:
                bigcopy.copyrange(src, dst, start, min(end, basesize))
        except OSError as inst:
            failed.append(inst)

    worker = threading.Thread(target=copying, daemon=True)
    if not cloned:
        worker.start()
    try:
        hasher = hashutil.sha1()
        at = 0
        with refusing():
            for start, end in kept + [(size, size)]:
                # the blocks received before this kept range, then the range
                _hashrange(hasher, dst.fileno(), at, start, size)
                _hashrange(hasher, (dst if cloned else src).fileno(), start, end, basesize if not cloned else size)
                at = end
            got = hex(hasher.digest())
    finally:
        if worker.is_alive():
            worker.join()
    if failed:
        raise failed[0]
    return got


def _kept(changed, blocks, block, size):
    """the ranges (start, end) of the blocks not sent, merged"""
    out = []
    first = 0
    for i in changed + [blocks]:
        if i > first:
            out.append((first * block, min(i * block, size)))
        first = i + 1
    return out


def _hashrange(hasher, fd, start, end, limit):
    """hash the bytes of ``fd`` from ``start`` to ``end``; zeros past ``limit``"""
    at = start
    while at < end:
        n = min(end - at, bigcopy.READ)
        data = os.pread(fd, n, at) if at < limit else b''
        if not data:
            # past the base: zeros, as the truncated copy holds them
            data = bytes(min(n, max(0, end - at)))
        hasher.update(data)
        at += len(data)


def _check(block, size, sent, basesize):
    """refuse a delta this host would not have asked for"""
    blocks = bigdelta.count(size, block)
    if (
        block != bigdelta.blocksize(max(basesize, size))
        or sent > blocks
        or blocks - sent > bigdelta.count(basesize, block)
    ):
        raise wire.HostError(_(b'malformed big file delta'), kind=b'malformed')


def _read(payload, size):
    """up to ``size`` bytes of ``payload``, which fails as a refusal"""
    try:
        return payload.read(size)
    except ValueError:
        # hg's ssh server reads a frame's length where the client hung up
        raise wire.HostError(_(b'big file delta cut short'), kind=b'malformed')


def _apply(dst, payload, args):
    """write the blocks ``payload`` sends into ``dst``; (their indexes,
    the bytes read)"""
    size, block = args[b'size'], args[b'block']
    blocks = bigdelta.count(size, block)
    last = -1
    received = 0
    changed = []
    for _n in range(args[b'count']):
        head = _read(payload, bigdelta.INDEX.size)
        if len(head) != bigdelta.INDEX.size:
            raise wire.HostError(_(b'big file delta cut short'), kind=b'malformed')
        (i,) = bigdelta.INDEX.unpack(head)
        if not last < i < blocks:
            raise wire.HostError(_(b'malformed big file delta'), kind=b'malformed')
        last = i
        changed.append(i)
        dst.seek(i * block)
        left = min(block, size - i * block)
        received += len(head) + left
        while left:
            data = _read(payload, min(left, bigcopy.CHUNK))
            if not data:
                raise wire.HostError(_(b'big file delta cut short'), kind=b'malformed')
            dst.write(data)
            left -= len(data)
    if _read(payload, 1):
        raise wire.HostError(_(b'malformed big file delta'), kind=b'malformed')
    return changed, received

# bigdelta.py - a big file's new content sent as the blocks that changed
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""an edit of a big file sends what changed, not the whole content

hg's largefiles uploads a content whole: a 1 MiB append to a 1 GiB file
sends the gigabyte.  Where the host holds the content a push's new one
replaces (the standin's value in the parents of the changeset that
introduced it: ``bases``), the upload (``put``) asks the host for the
checksum of each fixed block of that base (``smbigsums``), computes the
same of the new content in one read, and sends only the blocks that
differ, with the new content's length and hash (``smbigdelta``).  The
host (``bigbuild``) makes the new content from its base and those
blocks and keeps it only if its sha1 is the one declared, so a weak
checksum per block is enough: a collision costs a refused delta, and
the content then goes whole.

Fixed blocks cover an append, an edit in place and a truncation; an
insertion shifts every block after it, and the content goes about whole.
The checksums of the base come from the host, not from this node, which
may no longer hold the base (``keep``).  Anything short of a stored
content (a host without the commands, a base it lacks, a refusal) falls
back to the whole upload, without an error.  Over ssh only: hg's http
peer turns what a command sends into a bundle.
"""

import os
import struct
import threading
import zlib

from mercurial import (
    extensions,
    sshpeer,
    util,
)

from . import bigcopy, compat, wire

# what a host that builds deltas advertises
CAPABILITY = b'smbigdelta'
# the smallest block, and the most blocks a content is cut into: the
# checksums of any content fit in 16 KB
MINBLOCK = 1 << 20
MAXBLOCKS = 4096
# a block's index in a delta, before its bytes
INDEX = struct.Struct('>Q')


def blocksize(size):
    """the block of a delta between contents of at most ``size`` bytes"""
    block = MINBLOCK
    while block * MAXBLOCKS < size:
        block <<= 1
    return block


def count(size, block):
    """how many blocks a content of ``size`` bytes has"""
    return -(-size // block)


def sums(fp, block, size):
    """the crc32 of each ``block`` of the open file ``fp``'s first
    ``size`` bytes, 4 bytes each, read in chunks"""
    out = bytearray()
    for _i in range(count(size, block)):
        crc = 0
        left = block
        while left:
            data = fp.read(min(left, bigcopy.READ))
            if not data:
                break
            crc = zlib.crc32(data, crc)
            left -= len(data)
        out += struct.pack('>I', crc)
    return bytes(out)


# {content hash: (changesets, standin)}: where the contents of the
# running push were found (``_getlfilestoupload``)
_uploading = {}


def getlfilestoupload(orig, repo, missing, addfunc):
    """largefiles' search of the contents a push uploads, noting where
    each was found, for ``bases``"""
    _uploading.clear()

    def add(fn, lfhash):
        _uploading.setdefault(lfhash, (missing, fn))
        return addfunc(fn, lfhash)

    return orig(repo, missing, add)


def bases(repo, h):
    """the contents that content ``h`` of the running push replaced: the
    standin's in the parents of the first changeset holding ``h``
    (a renamed file's parent is its source)"""
    from . import bigfiles

    found = _uploading.get(h)
    if found is None:
        return []
    missing, standin = found
    for node in missing:
        ctx = repo[node]
        if standin in ctx and bigfiles.hashof(ctx[standin]) == h:
            parents = [bigfiles.hashof(p) for p in ctx[standin].parents()]
            return [p for p in dict.fromkeys(parents) if p != h]
    return []


def put(store, h):
    """send content ``h`` to ``store``'s host as a delta against a base
    it holds; False when it must go whole"""
    peer = store.remote
    if not isinstance(peer, sshpeer.sshv1peer) or not peer.capable(CAPABILITY):
        return False
    repo = store.repo
    from hgext.largefiles import lfutil

    path = lfutil.findfile(repo, h)
    if path is None:
        return False
    for base in bases(repo, h):
        try:
            sent = _against(peer, path, h, base)
        except wire.HostError as inst:
            repo.ui.debug(b'big file %s: no delta against %s: %s\n' % (h, base, inst.message))
            continue
        if sent is not None:
            repo.ui.note(b'big file %s: sent %d bytes against %s\n' % (h, sent, base))
            return True
    return False


def _against(peer, path, h, base):
    """the bytes sent of content ``h`` (the file ``path``) as a delta
    against ``base``; None where none is worth it"""
    with open(path, 'rb') as fp:
        size = os.fstat(fp.fileno()).st_size
        # ours while the host reads its own: the block is ours unless its
        # base is larger (above 4 GiB)
        ours = {}
        worker = threading.Thread(target=_sums, args=(path, blocksize(size), size, ours), daemon=True)
        worker.start()
        try:
            reply = wire.call(peer, b'smbigsums', {b'base': base, b'size': size})
        finally:
            worker.join()
        block, theirs = reply.get(b'block'), reply.get(b'sums')
        basesize = reply.get(b'size')
        if not (
            isinstance(basesize, int)
            and block == blocksize(max(basesize, size))
            and isinstance(theirs, bytes)
            and len(theirs) == 4 * count(basesize, block)
        ):
            return None
        if block not in ours:
            ours[block] = sums(fp, block, size)
        changed = _changed(ours[block], theirs, count(size, block))
        if len(changed) == count(size, block) and size:
            return None
        args = {b'base': base, b'content': h, b'size': size, b'block': block, b'count': len(changed)}
        sent = payload(fp, block, size, changed)
        wire.call(peer, b'smbigdelta', args, payload=sent)
        return sent.tell()


def _sums(path, block, size, out):
    """``out[block]``: the sums of the file ``path``, unless it fails
    (then they are read again, and the error raised, where needed)"""
    try:
        with open(path, 'rb') as fp:
            out[block] = sums(fp, block, size)
    except OSError:
        pass


def _changed(ours, theirs, blocks):
    """the indexes of the blocks whose checksums differ"""
    return [i for i in range(blocks) if ours[4 * i : 4 * i + 4] != theirs[4 * i : 4 * i + 4]]


class payload:
    """what a delta sends: each changed block's index, then its bytes,
    read from ``fp`` as they are sent"""

    def __init__(self, fp, block, size, changed):
        self._buf = util.chunkbuffer(self._pieces(fp, block, size, changed))
        self._sent = 0

    @staticmethod
    def _pieces(fp, block, size, changed):
        for i in changed:
            yield INDEX.pack(i)
            fp.seek(i * block)
            left = min(block, size - i * block)
            while left:
                data = fp.read(min(left, bigcopy.CHUNK))
                if not data:
                    # the file shrank since its sums: the host's hash refuses it
                    return
                left -= len(data)
                yield data

    def read(self, size=None):
        data = self._buf.read(size)
        self._sent += len(data)
        return data

    def tell(self):
        return self._sent


def _put(orig, self, h, fd):
    """largefiles' upload of one content: a delta where one is taken"""
    if put(self, h):
        return 0
    return orig(self, h, fd)


def install():
    """put the wrappers in place, once largefiles is loaded (after
    ``bigcopy``'s: a content that goes whole goes in its frames)"""
    from hgext.largefiles import lfutil, wirestore

    extensions.wrapfunction(lfutil, 'getlfilestoupload', getlfilestoupload)
    extensions.wrapfunction(wirestore.wirestore, compat.LFPUT, _put)

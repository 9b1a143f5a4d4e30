# dropbehind.py - a store file's pages given back as it is written
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""a big content's store copy leaves the page cache behind its writes

A first mirror of a big file writes it three times (this node's store,
the host's store and its working copy), where rsync writes it once.  The
store copies are read again only when another host needs them, yet
each would hold its whole size of page cache: that evicts what the user
works with, and the kernel must find new pages for every write of it,
which is what a big write costs most where memory is scarce or, as in a
virtual machine, slow to touch for the first time.  So the pages a store
copy wrote more than ``LAG`` bytes ago are given back as it goes
(``posix_fadvise(DONTNEED)``, which starts their writeback and drops
those already written): the next writes reuse them.  The working copy's
file keeps its pages, as any copy's.

Nothing depends on it: where the advice is not taken, the copy is the
same, only cached.
"""

import os

# how far behind the writes the pages go: the writes in flight and the
# read that hashes a kernel copy's last step stay in the cache
LAG = 64 << 20


def drop(fd, upto):
    """give back the cached pages of ``fd``'s first ``upto`` bytes"""
    if upto > 0:
        try:
            os.posix_fadvise(fd, 0, upto, os.POSIX_FADV_DONTNEED)
        except (OSError, AttributeError):
            pass


class writer:
    """``fp``, a new file written from its start, with its pages dropped
    behind the writes (every ``LAG`` bytes)"""

    def __init__(self, fp):
        self._fp = fp
        self._written = 0
        self._dropped = 0

    def write(self, data):
        n = self._fp.write(data)
        self._written += len(data)
        if self._written - self._dropped >= 2 * LAG:
            self._fp.flush()
            self._dropped = self._written - LAG
            drop(self._fp.fileno(), self._dropped)
        return n

    def __getattr__(self, name):
        return getattr(self._fp, name)

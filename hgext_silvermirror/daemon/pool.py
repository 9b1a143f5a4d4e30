# pool.py - the daemon's ssh connections, kept open between syncs
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""ssh connections kept open between the daemon's syncs"""

from .. import hosts as hostsmod


class pool:
    """ssh connections kept open between syncs

    A warm connection spares the next sync the ssh login and the host's
    ``hg serve`` start.  One sync at a time takes a connection out and
    gives it back when done; one that failed is closed instead.
    """

    def __init__(self):
        self._conns = {}

    def take(self, url):
        return self._conns.pop(url, None)

    def give(self, conn):
        if not conn.reusable:
            conn.close()
            return
        old = self._conns.pop(conn.url, None)
        if old is not None:
            old.close()
        self._conns[conn.url] = conn

    def close(self):
        conns = list(self._conns.values())
        self._conns.clear()
        hostsmod.closeall(conns)

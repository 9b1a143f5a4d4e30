# quickexit.py - an hg process that ran a sync ends without sweeping its memory
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the end of a process that ran a sync, or served one

A sync leaves tens of thousands of objects behind (a dirstate, two
manifests, the hosts' replies).  As the interpreter exits it traverses
them again and again while it tears its modules down, for a share of a
small sync's time that users feel; on a host, the client waits for that
exit before it closes the connection.  Frozen once the process exits,
after hg's own exit handlers have run, they are left to the operating
system.  A resident process loses nothing: chg's workers end without
``atexit``, and a daemon or hgweb freezes only as it ends.
"""

import atexit
import gc

_REGISTERED = []


def register():
    """have this process freeze its objects as it exits (once)"""
    if not _REGISTERED:
        _REGISTERED.append(True)
        atexit.register(gc.freeze)

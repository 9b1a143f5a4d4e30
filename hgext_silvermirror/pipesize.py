# pipesize.py - the pipes of an ssh connection, made wider
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""wider pipes between hg and ssh, on each side of a connection

A pipe holds 64 KiB on Linux.  A big file's content on its way through
ssh passes four processes (this hg, ssh, the host's sshd, the host's
hg), and with pipes that small each stops whenever the next is busy for
a moment (hashing a chunk): the transfer costs about the sum of their
times rather than the longest.  At 1 MiB a pipe, what an unprivileged
process may ask (``/proc/sys/fs/pipe-max-size``), they overlap
(docs/performance.md).  Where that cannot be (another system, a socket,
the user's limit on pipe memory reached), nothing changes.
"""

import fcntl
import os
import stat

# fcntl's name for it, where Python knows it (Linux)
SETSIZE = getattr(fcntl, 'F_SETPIPE_SZ', None)
SIZE = 1 << 20


def widen(*fds):
    """make each of ``fds`` that is a pipe hold ``SIZE``, if it may"""
    if SETSIZE is None:
        return
    for fd in fds:
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                fcntl.fcntl(fd, SETSIZE, SIZE)
        except (OSError, ValueError):
            pass

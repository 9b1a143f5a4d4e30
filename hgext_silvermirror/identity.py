# identity.py - tell this node's own copy of a resource from a host's
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the identity of a resource's repository on this machine

A host entry can reach this node itself (``silvermirror.name`` unset or
misspelled, so the entry meant for this node is taken for a host): the
"host" is then the very repository being synced, whose lock the sync
holds.  A client sends its identity with its requests and a host that
finds its own refuses before it takes any lock.

The identity is a random id kept in ``.hg/silvermirror-id`` (written on
first use, never copied by a clone or a stream), with the machine's name
and the repository's real path: a resource directory copied with its
``.hg`` to another disk or machine is not taken for the original.  A host
is sent only a digest of the three.
"""

import hashlib
import os
import socket

from mercurial import encoding

IDFILE = b'silvermirror-id'


def token(root, create=True):
    """the identity of the repository at ``root``; None if it has none"""
    hgdir = os.path.join(root, b'.hg')
    path = os.path.join(hgdir, IDFILE)
    try:
        with open(path, 'rb') as fp:
            rid = fp.read().strip()
    except FileNotFoundError:
        rid = b''
    if not rid:
        if not create or not os.path.isdir(hgdir):
            return None
        rid = os.urandom(16).hex().encode('ascii')
        tmp = path + b'.%d' % os.getpid()
        with open(tmp, 'wb') as fp:
            fp.write(rid + b'\n')
        os.replace(tmp, path)
    host = encoding.strtolocal(socket.gethostname())
    # hosts see a digest, not this machine's paths
    whole = b'%s\0%s\0%s' % (rid, host, os.path.realpath(root))
    return hashlib.sha256(whole).hexdigest().encode('ascii')

# bigpin.py - a host's copy of a big content that another node counts on
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""pins: the copies of big contents that another node freed its own for

``mirror-gc`` frees a node's copy of a content once a host holds it.  Two
nodes that are each other's host, running gc at the same moment, could
each see the other's copy, and each free its own.  A node therefore asks
a host to *pin* a content before it frees its own copy (``holding``):
the host notes the pin first and only then looks for the content.  A
node's gc, in turn, looks for pins on its own copy only after its hosts
pinned theirs, and keeps a pinned content (``pinned``).  Whatever the
order of two such runs, the later of the two looks finds the other's
pin, so at least one copy stays; both may stay, which loses nothing.

A pin lasts: the node that placed it holds no copy of its own to count
on.  A pinned content stays in this node's store whatever ``keep``
says, and ``mirror-status`` counts it with what history uses.

A host without pins (an older SilverMirror, or an hg that serves no
SilverMirror commands) runs no gc of its own: its copy is only asked
for.  Asking a host to pin takes push permission, as it changes what the
host keeps: a read-only host is no host to count on.
"""

import errno
import os

from mercurial.i18n import _

from . import (
    bigfiles,
    confine,
    hosts as hostsmod,
    wire,
)

class Refused(Exception):
    """a host that holds contents cannot keep them for this node"""

    def __init__(self, why):
        super().__init__(why)
        self.why = why


CAPABILITY = b'silvermirror-bigpin'
# under .hg: one empty file per pinned content, named by its hash
DIR = b'silvermirror/pins'


def _path(repo, h):
    return repo.vfs.join(DIR, h)


def pinned(repo, h):
    """has another node freed its copy of ``h``, counting on this one?"""
    return os.path.exists(_path(repo, h))


def pin(repo, hashes):
    """pin each of ``hashes`` this store holds; the list of those

    The pin comes first, the look after, so that this node's own gc (which
    frees only what it finds unpinned, after its hosts pinned their copy)
    cannot free a content between the two.
    """
    lfutil = bigfiles._lf()[1]
    repo.vfs.makedirs(DIR)
    held = []
    for h in hashes:
        if not confine.islfhash(h):
            continue
        path = _path(repo, h)
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            created = True
        except OSError as inst:
            if inst.errno != errno.EEXIST:
                raise
            created = False
        if lfutil.findfile(repo, h):
            held.append(h)
        elif created:
            os.unlink(path)
    return held


def holding(repo, peer, hashes, pin=True):
    """the hashes of ``hashes`` the host at ``peer`` holds, pinned there
    if ``pin`` and the host pins (else only asked, as ``statlfile`` does)"""
    if pin and (peer.local() is not None or peer.capable(CAPABILITY)):
        try:
            reply = wire.call(peer, b'smbigpin', {b'hashes': sorted(hashes)})
        except (wire.HostError, OSError) as inst:
            # a read-only account or disk: it may lose what it holds
            raise Refused(_(b'cannot keep contents for this node: %s') % hostsmod.reason(inst))
        return set(reply.get(b'held', [])) & set(hashes)
    store = bigfiles._lf()[3].openstore(repo, peer)
    return {h for h, there in store.exists(sorted(hashes)).items() if there}

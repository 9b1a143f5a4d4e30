# bigstage.py - a new big file sent to the hosts while this node commits it
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""a new big file's content on its way to the hosts during the commit

A new big file is read three times in a row by a sync: this node's
commit copies it into the store and hashes it, the push uploads it and
the host hashes what it receives into its own store, and the host's
update copies it into the working copy.  The upload does not need the
commit: a host that hashes what it receives can keep a content under the
hash it finds itself, which no peer claims.  So while this node commits
a snapshot, each ssh host reached gets the snapshot's new big files
(``smbigstage``), on the other CPU, and the push that follows finds them
there (largefiles' ``statlfile``) and sends them no more.  The host
writes the working copy's file as well while the content arrives, for
its update to rename into place (``bigplace``).

Only the new files, and none when a big file went away in the same
snapshot (it may have been renamed: a rename sends nothing); an edit
goes as the blocks that changed (``bigdelta``).  A host that refuses
one, or a staging that fails, costs nothing but the time: the push
uploads as it always did.  A file rewritten at the same size between
the two reads leaves the content sent ahead in the host's store under
its own hash, named by no changeset; ``mirror-gc`` leaves such contents
alone (a host cannot tell them from another repository's).
"""

import os
import threading

from mercurial.i18n import _
from mercurial import sshpeer, util
from mercurial.utils import stringutil

from . import bigcopy, bigfiles, bigplace, confine, hosts as hostsmod, wire

# what a host that takes staged contents advertises
CAPABILITY = b'smbigstage'
COMMAND = b'smbigstage'


def wanted(repo, snap):
    """the files of ``snap`` worth sending before the commit"""
    if not snap.big:
        return []
    pctx = repo[b'.']
    lfutil = bigfiles.lfutil()
    if any(lfutil.standin(f) in pctx for f in snap.deleted):
        return []
    return list(snap.big)


class alongside:
    """the new big files of a snapshot, sent to the hosts ``reached()``
    gives (as (hostresult, connection, reply)) while the snapshot's
    ``record`` runs inside this context, which waits for them at its end
    (the push would send them anyway) unless the snapshot failed; a host
    whose connection broke meanwhile is marked failed"""

    def __init__(self, repo, reached, files):
        self._repo = repo
        self._reached = reached
        self._files = files
        self._thread = None
        self._broken = []
        self._stop = threading.Event()

    def __enter__(self):
        if self._files:
            self._thread = threading.Thread(target=self._send, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exctype, exc, tb):
        if self._thread is None:
            return False
        if exctype is not None:
            # the snapshot failed or was interrupted: its caller closes
            # the connections (``reach.abandon``), which ends a transfer
            # under way at once, rather than waiting for it here
            self._stop.set()
            return False
        self._thread.join()
        self._thread = None
        for hr, inst in self._broken:
            hr.failed(inst)
        return False

    def _send(self):
        ui = self._repo.ui
        try:
            targets = [
                (hr, conn)
                for hr, conn, _reply in self._reached()
                if isinstance(conn.peer, sshpeer.sshv1peer) and conn.peer.capable(CAPABILITY)
            ]
        except Exception:
            # the hosts' reaching failed: the exchange reports it
            return
        for hr, conn in targets:
            for f in self._files:
                if self._stop.is_set():
                    return
                try:
                    # a file made a link since the scan is not followed
                    fd = os.open(self._repo.wjoin(f), os.O_RDONLY | os.O_NOFOLLOW)
                    with os.fdopen(fd, 'rb') as fp:
                        h = send(conn, fp)
                except wire.HostError as inst:
                    ui.debug(b'%s: not sent ahead: %s\n' % (f, inst.message))
                except hostsmod.ERRORS as inst:
                    # mid-payload: the connection is in no state to go on
                    self._broken.append((hr, inst))
                    break
                except OSError as inst:
                    ui.debug(b'%s: not sent ahead: %s\n' % (f, stringutil.forcebytestr(inst)))
                else:
                    ui.note(_(b'%s: sent ahead to %s as %s\n') % (f, hr.host, h))


def send(conn, fp):
    """send the open file ``fp`` to ``conn``'s host: the hash it found"""
    size = os.fstat(fp.fileno()).st_size
    return conn.call(COMMAND, {b'size': size}, payload=fp).get(b'content')


def receive(repo, args, payload):
    """host side: keep the content of ``payload`` under its own hash

    Refused where the repository has no largefiles (the content would
    never be named), and when fewer or more bytes came than announced
    (the file changed while it was read: its commit names another).
    """
    if not bigfiles.enabled(repo):
        raise wire.HostError(_(b'the repository has no big files'))
    size = args.get(b'size')
    if not isinstance(size, int):
        raise wire.HostError(_(b'no size given'))
    # a local path's caller hands the file itself
    frames = getattr(payload, 'chunks', None)
    chunks = frames() if frames else util.filechunkiter(payload, bigcopy.CHUNK)
    try:
        h, got = bigcopy.keep(repo, chunks, size=size, beside=_beside(repo, size))
    except confine.Unstored as inst:
        raise wire.HostError(_(b'content not stored: %s') % inst.args[0])
    repo.ui.log(b'silvermirror', b'big file %s received ahead: %d bytes\n', h, got)
    return {b'content': h}


def _beside(repo, size):
    """the working copy's copy to write as the content arrives
    (``bigplace``), where there is room for it"""
    fd, path = bigcopy.tempfile(repo)
    if bigplace.worthwhile(os.path.dirname(path), size):
        return bigplace.Beside(fd, path, bigcopy.clone)
    os.close(fd)
    util.tryunlink(path)
    return None

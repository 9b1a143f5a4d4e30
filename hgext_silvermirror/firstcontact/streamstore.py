# streamstore.py - an empty repository's first history, as a stream of the store
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""an empty repository gets the store as a stream, as ``hg clone --stream``

A first mirror pushes every file's whole history: as a changegroup, the
host's hg decompresses, checks and re-deltas each revision and writes
each revlog anew, which costs more than the snapshot that made them.  An
empty host needs none of that: it gets the revlog files themselves (the
store walk of hg's stream clone, version 2, with the phases), as a clone
with ``--stream`` would.  The other way round, a node whose repository is
empty (a new node) pulls its first history as such a stream, through
hg's own pull.

hg applies a stream outside the transaction's journal, so an interrupted
stream would leave a half-written store.  The receiving side therefore
notes the stream in ``.hg/silvermirror/seeding`` before the first byte,
under its locks, and removes the note only once the store and its
requirements are complete.  The next preamble that finds the note
empties the store back to what it was (the repository was empty: nothing
of value is removed), and the next sync streams again.  If changesets
other than the streamed ones were committed meanwhile, the store was
complete and is kept.
"""

import contextlib
import os

from mercurial.i18n import _
from mercurial import (
    bundle2,
    error,
    exchange,
    obsolete,
    phases,
    scmutil,
    streamclone,
    util,
)
from mercurial.interfaces import repository
from mercurial.node import bin, hex
from mercurial.repo import vfs_options

from .. import (
    bigfiles,
    confine,
    privacy,
    state,
)
from . import shape

# what a host that takes ``smseed`` advertises
CAPABILITY = b'silvermirror-seed'
COMMAND = b'smseed'


def wanted(repo, peer, reply):
    """may the host behind ``peer``, empty by its reply, get the store?"""
    # a stream carries no largefile's content: hg's push uploads them
    return (
        reply.get(b'empty', False)
        and streamable(repo, peer)
        and not bigfiles.enabled(repo)
    )


def _sendable(repo):
    """may this repository's whole store be sent as a stream?

    A stream cannot leave secret changesets out.
    """
    return (
        repository.REPO_FEATURE_STREAM_CLONE in repo.features
        and len(repo) > 0
        and not phases.hassecret(repo)
    )


def streamable(repo, peer):
    """may this repository's store be streamed to ``peer``'s empty one?

    hg's http peer would spool the whole store to a temporary file first:
    ssh and local paths only.
    """
    return _sendable(repo) and shape.offers(peer, CAPABILITY)


def obsmarkers(repo, peer):
    """do ``repo`` and the side of ``peer`` both exchange obsolescence markers?"""
    if not obsolete.isenabled(repo, obsolete.exchangeopt):
        return False
    remotecaps = bundle2.bundle2caps(peer)
    return bool(obsolete.commonversion(bundle2.obsmarkersversion(remotecaps)))


def generate(repo, withmarkers):
    """(arguments, chunks) of a stream of the store"""
    unfi = repo.unfiltered()
    with unfi.lock():
        files, size, chunks = streamclone.generatev2(unfi, None, withmarkers)
        args = {
            b'requirements': sorted(streamclone.streamed_requirements(unfi)),
            b'files': files,
            b'bytes': size,
            b'heads': [hex(h) for h in unfi.heads()],
        }
    return args, chunks


def send(repo, hr, conn, timeout):
    """stream the store to an empty host: changesets it got, or None

    None when the host refuses the stream: then it gets a push.
    """
    args, chunks = generate(repo, obsmarkers(repo, conn.peer))
    args[b'locktimeout'] = min(5, int(timeout))
    try:
        reply = conn.call(COMMAND, args, payload=util.chunkbuffer(chunks))
    finally:
        chunks.close()
    if not reply.get(b'seeded'):
        repo.ui.note(
            _(b'%s: %s: pushing instead of streaming: %s\n')
            % (hr.resource, hr.host, reply.get(b'refused', b''))
        )
        return None
    repo.ui.note(
        _(b'%s: %s: streamed the store (%d files, %s)\n')
        % (hr.resource, hr.host, args[b'files'], util.bytecount(args[b'bytes']))
    )
    return reply.get(b'changesets', 0)


def fetch(repo, peer):
    """an empty repository's first pull, as a stream of ``peer``'s store

    Over the wire this is hg's own stream clone, asked for when the host
    offers one; a local-path host is read in-process.  Returns False when
    no stream was possible (then the caller pulls a changegroup).
    """
    src = peer.local()
    if src is None:
        if not (peer.capable(b'stream') or peer.capable(b'streamreqs')):
            return False
        heads = [hex(h) for h in peer.heads() if h != repo.nullid]
        if heads:
            with noted(repo, heads):
                exchange.pull(repo, peer, streamclonerequested=True)
        return True
    src = src.unfiltered()
    if not _sendable(src):
        return False
    args, chunks = generate(src, obsmarkers(src, repo.peer()))
    try:
        return receive(repo, args, util.chunkbuffer(chunks))[b'seeded']
    finally:
        chunks.close()


def refusal(repo, args):
    """why this repository cannot take the stream ``args`` describe, or None"""
    if len(repo):
        return _(b'the repository is not empty')
    missing = sorted(set(args[b'requirements']) - repo.supported)
    if missing:
        return _(b'its hg does not support %s') % b', '.join(missing)
    if bigfiles.enabled(repo):
        # hg 7.2: largefiles' repository would keep reading the manifest
        # it had before the stream (``firstcontact.pull``)
        return _(b'the repository uses largefiles')
    return None


def receive(repo, args, payload):
    """apply a stream of the store to this empty repository

    Caller holds the wlock.  ``payload`` is read only if the stream is
    taken.  Returns the reply: ``seeded`` and the number of changesets,
    or ``refused`` with the reason (the client then pushes as usual).
    """
    repo = repo.unfiltered()
    why = refusal(repo, args)
    if why is not None:
        return {b'seeded': False, b'refused': why}
    with noted(repo, args[b'heads']):
        with repo.ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror'):
            streamclone.applybundlev2(
                repo, payload, args[b'files'], args[b'bytes'], args[b'requirements']
            )
    return {b'seeded': True, b'changesets': len(repo)}


@contextlib.contextmanager
def noted(repo, heads):
    """note a stream into this empty repository while it is applied

    ``heads`` are the streamed history's heads.  Caller holds the wlock;
    the store's lock is held throughout, so the note goes only once the
    store is complete.  A failure here empties the store at once.
    """
    repo = repo.unfiltered()
    with repo.lock():
        note = {b'requirements': sorted(repo.requirements), b'heads': heads}
        state.write(repo, state.SEEDING, note)
        try:
            yield
            screen(repo)
        except BaseException:
            _empty(repo, note[b'requirements'])
            repo.vfs.unlinkpath(state.SEEDING, ignoremissing=True)
            raise
        repo.vfs.unlinkpath(state.SEEDING, ignoremissing=True)
    repo.invalidate(clearfilecache=True)


def screen(repo):
    """run the checks a changegroup meets over a streamed history

    A stream writes the store's files directly, so the
    ``pretxnchangegroup`` hooks that refuse a peer's crafted paths and
    this node's private files never see it; ``noted`` empties the store
    when this raises.
    """
    repo.invalidate(clearfilecache=True)
    unfi = repo.unfiltered()
    if not len(unfi):
        return
    first, last = hex(unfi.changelog.node(0)), hex(unfi.changelog.tip())
    confine.incoming(unfi.ui, unfi, node=first)
    privacy.guard(unfi.ui, unfi, b'pretxnchangegroup', node=first, node_last=last)


def recover(repo):
    """empty the store an interrupted stream left; caller holds the wlock

    Returns the messages of what was repaired.
    """
    data = repo.vfs.tryread(state.SEEDING)
    if not data:
        return []
    note = state.decode(data, dict) or {}
    repo = repo.unfiltered()
    with repo.lock():
        if _grown(repo, note.get(b'heads', [])):
            repo.vfs.unlinkpath(state.SEEDING)
            return []
        _empty(repo, note.get(b'requirements'))
        repo.vfs.unlinkpath(state.SEEDING)
    return [_(b'emptied the store of an interrupted first sync')]


def _grown(repo, heads):
    """were changesets beyond the streamed ones committed on the store?

    That takes a complete, readable store.  One the stream left
    half-written cannot be read, which is an answer too.
    """
    repo.invalidate(clearfilecache=True)
    try:
        nodes = [bin(h) for h in heads]
        cl = repo.changelog
        if not nodes or not all(cl.index.has_node(n) for n in nodes):
            return False
        seeded = cl.ancestors([cl.rev(n) for n in nodes], inclusive=True)
        return len(repo) > sum(1 for _rev in seeded)
    except (error.StorageError, error.RepoError, ValueError, IndexError, OSError):
        return False


def _empty(repo, requirements):
    """back to an empty store with ``requirements``; caller holds the lock"""
    svfs = repo.svfs
    top = {b'requires', b'lock'}
    for root, dirs, files in os.walk(svfs.base, topdown=False):
        rel = os.path.relpath(root, svfs.base)
        for name in files:
            if rel == b'.' and name in top:
                continue
            util.tryunlink(os.path.join(root, name))
        if rel != b'.':
            try:
                os.rmdir(root)
            except OSError:
                pass
    # the caches copied with the stream describe history that is gone
    cachedir = repo.cachevfs.base
    if os.path.isdir(cachedir):
        for name in os.listdir(cachedir):
            path = os.path.join(cachedir, name)
            if os.path.isfile(path) or os.path.islink(path):
                util.tryunlink(path)
    if requirements:
        repo.requirements = set(requirements)
        repo.svfs.options = vfs_options.resolve_store_vfs_options(
            repo.ui, repo.requirements, repo.features
        )
        scmutil.writereporequirements(repo)
    repo.invalidate(clearfilecache=True)

# host.py - what a host does for a sync, one entry per wire command
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the host side of a sync

A host acts in its own repository: it repairs an interrupted run,
snapshots its pending changes before they are pulled (``prepare``), takes
a first history or working copy (``seed``, ``prefill``: ``firstcontact``)
and updates its working copy after a push (``update``, or ``deliver``
with the pushed changesets), each under its own lock.  Everything a host
needs arrives as arguments, except what it keeps private: a host that has
a SilverMirror file of its own also leaves out of a snapshot every
resource of that file inside the repository (``privacy``), whatever the
client's file says.  The commands travel over ``wire``.
"""

import contextlib

from mercurial.i18n import _
from mercurial import (
    error,
    exthelper,
)
from mercurial.node import bin

from . import (
    bigbuild,
    bigdelta,
    bigfiles,
    bigmerge,
    bigpin,
    bigstage,
    checkout,
    config as configmod,
    firstcontact,
    hostrepo,
    identity,
    locks,
    privacy,
    quickexit,
    recovery,
    snapshot as snapshotmod,
    wire,
)
from .firstcontact import (
    firstcheckout,
    pushupdate,
    sendahead,
    shape,
    streamstore,
)

eh = exthelper.exthelper()


@eh.uisetup
def _uisetup(ui):
    # the commands below are in ``wire.COMMANDS`` once this module is
    # imported; what each first-contact strategy takes is advertised
    wire.CAPABILITIES.extend(s.CAPABILITY for s in firstcontact.TABLE)
    wire.CAPABILITIES.extend(
        (bigdelta.CAPABILITY, bigpin.CAPABILITY, bigstage.CAPABILITY, checkout.WARM)
    )


def operation(func):
    """``func`` as a host runs it, for a wire command

    Every operation first refuses the shell of a repository that a removed
    disk left behind, before anything reads or writes it; a dead worker
    of hg's reads as a failure.
    """

    def operate(repo, args, **kwargs):
        quickexit.register()
        recovery.checkwhole(repo.root)
        try:
            return func(repo, args, **kwargs)
        except error.WorkerError as inst:
            raise wire.HostError(
                _(b'a worker writing the working copy failed (status %d)')
                % inst.status_code,
                hint=_(b'the next sync finishes the update'),
            )

    return operate


def _command(name, permission, payload=False):
    """serve ``func`` as the wire command ``name`` (``wire.command``)"""

    def register(func):
        wire.command(name, permission, payload)(operation(func))
        return func

    return register


@contextlib.contextmanager
def syncing(repo, args):
    """the host's lock for one operation of a sync, marked as the sync's

    The marker (``silvermirror.in-sync``, for hooks) encloses the lock:
    commit hooks run when it is released.
    """
    with repo.ui.configoverride(
        {(b'silvermirror', b'in-sync'): True}, b'silvermirror'
    ), locks.hostlock(repo, args.get(b'locktimeout', 5), args.get(b'caller')):
        yield


def notself(repo, args):
    """refuse a client that is this very repository, before any lock

    Its sync holds the lock: waiting for it would end in "locked by".
    """
    client = args.get(b'client')
    if client is not None and client == identity.token(repo.root, create=False):
        raise wire.HostError(
            _(b"%s is the syncing node's own copy") % repo.root, kind=b'self'
        )


@_command(b'smprepare', b'push')
def prepare(repo, args, node=None):
    """repair, then snapshot the host's pending changes"""
    notself(repo, args)
    with syncing(repo, args):
        # a server kept open between syncs (the daemon's) caches the store
        # as it was at the last sync: others may have pushed since
        repo.invalidate()
        bigfile, dryrun = args.get(b'bigfile'), args.get(b'dryrun')
        # a dry run leaves the mark to the sync that reports it
        created = not dryrun and hostrepo.taken(repo)
        if not dryrun and (
            bigfiles.configure(repo, bigfile) or bigfile and not bigfiles.enabled(repo)
        ):
            # the server loads largefiles with the repository: a new one
            return {b'protocol': wire.PROTOCOL, b'reopen': True, b'created': created}
        bigmerge.guard()
        repaired = recovery.preamble(repo)
        snapshotmod.ensureconfig(repo)
        name = node or configmod.nodename(repo.ui)
        snap = snapshotmod.snapshot(
            repo,
            name,
            ignore=args.get(b'ignore', []),
            children=sorted(
                set(args.get(b'children', [])).union(privacy.ownchildren(repo))
            ),
            maxdelete=_maxdelete(args.get(b'maxdelete')),
            force=args.get(b'force', False),
            dryrun=bool(dryrun),
            bigfile=bigfile,
        )
        reply = {
            b'protocol': wire.PROTOCOL,
            b'node': name,
            b'repaired': repaired,
            b'snapshot': snap.todict(),
            b'parent': repo[b'.'].hex(),
            b'joinable': firstcontact.sidesok(repo),
            b'empty': shape.empty(repo),
            b'created': created,
        }
        reply.update(pushupdate.summary(repo))
        if args.get(b'warm'):
            checkout.warm(repo)
        return reply


@_command(checkout.WARM, b'pull')
def readahead(repo, args, node=None):
    """read the parent manifest ahead of an update (``checkout.warm``)

    The client asks after ``smprepare`` when its own snapshot found changes
    too late to say so there, while it still records them.
    """
    checkout.warm(repo)
    return {}


def _maxdelete(value):
    """the share a client sent (its text, as ``formatmaxdelete`` writes it)"""
    if value is None:
        return None
    try:
        return configmod.parse_maxdelete(value)
    except (ValueError, AttributeError):
        raise wire.HostError(_(b'malformed maxdelete in the request'))


def _checkout(repo, args):
    """the one route of a host's working copy to the pushed head"""
    return {b'update': checkout.update(repo, bin(args[b'node']))}


@_command(b'smupdate', b'push')
def update(repo, args, node=None):
    """bring the host's working copy to the pushed head, if it is clean"""
    with syncing(repo, args):
        return _checkout(repo, args)


@_command(b'smdeliver', b'push', payload=True)
def deliver(repo, args, node=None, payload=None):
    """apply the pushed changesets, then update the working copy

    Under the same lock, so nothing commits between the two.
    """
    with syncing(repo, args):
        try:
            pushupdate.receive(repo, args, payload)
            return _checkout(repo, args)
        except error.PushRaced:
            raise wire.HostError(
                _(b'%s changed during the sync') % repo.root,
                hint=_(b'the next sync brings its changes'),
                kind=b'busy',
            )
        finally:
            # the files sent ahead are used, or are of no use any more
            sendahead.discard(repo)


@_command(b'smseed', b'push', payload=True)
def seed(repo, args, node=None, payload=None):
    """take a stream of the client's store, if this repository is empty"""
    with syncing(repo, args):
        return streamstore.receive(repo, args, payload)


@_command(sendahead.COMMAND, b'push', payload=True)
def stage(repo, args, node=None, payload=None):
    """keep the client's changed files for the delivery that follows"""
    with syncing(repo, args):
        return sendahead.receive(repo, args, payload)


@_command(b'smprefill', b'push', payload=True)
def prefill(repo, args, node=None, payload=None):
    """write the client's files, if this repository is empty"""
    with syncing(repo, args):
        return firstcheckout.receive(repo, args, payload)


@_command(b'smbigsums', b'pull')
def bigsums(repo, args, node=None):
    """the block checksums of a big file's content this host holds"""
    return bigbuild.sums(repo, args)


@_command(b'smbigdelta', b'push', payload=True)
def bigput(repo, args, node=None, payload=None):
    """store a big file's content made from one held here and the
    blocks sent"""
    return bigbuild.build(repo, args, payload)


@_command(b'smbigstage', b'push', payload=True)
def bigahead(repo, args, node=None, payload=None):
    """store a big file's content sent ahead of the push that names it,
    under the hash this host finds"""
    return bigstage.receive(repo, args, payload)


@_command(b'smbigpin', b'push')
def bigkeep(repo, args, node=None):
    """keep the big contents named that this host holds: a node frees
    its own copy of them (``bigpin``)"""
    return {b'held': bigpin.pin(repo, args[b'hashes'])}


@_command(b'smstatus', b'pull')
def status(repo, args, node=None):
    """what a client would pull, and the host's uncommitted changes, by file"""
    notself(repo, args)
    unfi = repo.unfiltered()
    common = [bin(h) for h in args.get(b'common', []) if bin(h) in unfi]
    if common:
        incoming = len(repo.revs(b'only(head(), %ln)', common))
    else:
        incoming = len(repo)
    with bigfiles.status(repo):
        st = repo.status(unknown=True)
    pending = sum(
        len(l) for l in (st.modified, st.added, st.removed, st.deleted, st.unknown)
    )
    return {
        b'node': node or configmod.nodename(repo.ui),
        b'incoming': incoming,
        b'uncommitted': pending,
        b'joinable': firstcontact.sidesok(repo),
        b'state': recovery.state(repo),
        # what the host's next snapshot would record, for a dry run's plan
        b'parent': repo[b'.'].hex(),
        b'files': {
            b'added': sorted(st.added + st.unknown),
            b'modified': sorted(st.modified),
            b'removed': sorted(st.removed + st.deleted),
        },
    }

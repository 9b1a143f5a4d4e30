# pushupdate.py - a push and the host's update, in one host command
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""deliver the merged head to hosts: one bundle, one command per host

``hg pull`` and ``hg push`` each ask the host what it has (heads,
phases, bookmarks, obsolescence namespaces, its branch map) before
anything moves, and push takes this repository's locks: a sync pulled
from and pushed to its hosts one after the other, nine round trips each,
then asked each host to update its working copy.  A host's
``smprepare`` reply now says what its history holds (``summary``), so a
host with nothing new is not pulled from (``hasall``), and the sync
knows what each host lacks.  The changegroup is built once, here, for
all the hosts with the same heads, and each host gets it in the payload
of ``smdeliver``, which applies it (as the host's ``unbundle`` would,
hooks, race check and all) and updates the working copy under the same
lock.  The hosts are served together, and a host's repository goes
through one lock instead of two.

A delivery carries draft changesets and the race check only.  Whatever
needs more, or less, goes through hg's own push, whose rules stay hg's:
bookmarks on either side, obsolescence markers here, changesets public
here but not there, a secret head, extensions that upload from the push
(largefiles, lfs), http hosts (a hub), and hosts without the capability.
"""

import io
import os
import tempfile

from mercurial.i18n import _
from mercurial import (
    bundle2,
    changegroup,
    discovery,
    error,
    exchange,
    phases,
    scmutil,
)
from mercurial.interfaces import repository
from mercurial.node import bin, hex

from .. import (
    compat,
    hosts as hostsmod,
)
from . import shape

# what a host that takes ``smdeliver`` advertises
CAPABILITY = b'silvermirror-deliver'
COMMAND = b'smdeliver'
# a bundle up to this size stays in memory; a larger one is spooled to disk
INMEMORY = 32 << 20
# what a streamed bundle's read gathers at most before returning
STREAMED = 32 << 10


def summary(repo):
    """what a host tells a client about its history, in ``smprepare``

    Enough to know whether a pull would bring anything, and what a
    delivery must contain.
    """
    return {
        b'heads': [hex(n) for n in repo.heads() if n != repo.nullid],
        b'public': [hex(repo[r].node()) for r in repo.revs(b'heads(public())')],
        b'bookmarks': compat.hasbookmarks(repo),
        b'obsolete': bool(repo.obsstore),
    }


def _known(unfi, reply):
    """the host's heads and public heads, if all are in ``unfi``"""
    heads = [bin(h) for h in reply[b'heads']]
    public = [bin(h) for h in reply[b'public']]
    has = unfi.changelog.index.has_node
    if all(has(n) for n in heads + public):
        return heads, public
    return None


def hasall(repo, reply):
    """does ``repo`` have all the host's history, as its reply tells it?

    Then a pull would bring nothing: every head is here, every public
    changeset is public here, and no bookmark or obsolescence marker
    could differ (a host with any of them is always pulled from).
    """
    if b'heads' not in reply or reply[b'bookmarks'] or reply[b'obsolete']:
        return False
    unfi = repo.unfiltered()
    known = _known(unfi, reply)
    if known is None:
        return False
    return all(unfi[n].phase() == phases.public for n in known[1])


def wanted(repo, peer, reply):
    """may the host behind ``peer`` get the working copy's parent so?"""
    return capable(repo, peer, reply, repo[b'.'].node())


def capable(repo, peer, reply, head):
    """may ``peer``'s host get ``head`` with ``smdeliver``?

    Only draft changesets and the race check travel in a delivery.  When
    more must (bookmarks, obsolescence markers, a phase the host lags
    behind on, what largefiles or lfs upload from hg's push), or less (a
    secret head, which hg's push leaves out), hg's push goes.
    """
    if not shape.offers(peer, CAPABILITY):
        return False
    if b'heads' not in reply or reply[b'bookmarks'] or compat.hasbookmarks(repo):
        return False
    if repo.obsstore or compat.hasprepushhooks(repo):
        return False
    unfi = repo.unfiltered()
    if unfi[head].phase() > phases.draft:
        return False
    known = _known(unfi, reply)
    # and everything public here is public there
    return known is not None and not unfi.revs(b'public() - ::%ln', known[1])


class bundles:
    """the bundles of one sync, one per set of host heads and capabilities

    A bundle that one host over ssh takes, and no other host any bundle,
    is made as that host reads it: the host applies the first changesets
    while this node makes the last ones.  Any other is spooled before the
    hosts are served, each reading it on its own (several hosts are served
    in threads, which must not make changegroups of one repository at
    once; a local path's host runs in this process, with nothing to
    overlap).
    """

    def __init__(self, repo, head):
        self._repo = repo.unfiltered()
        self._head = head
        self._made = {}
        self._takers = []

    def get(self, peer, hostheads):
        """a ``delivery`` of what the host lacks, or None if nothing

        ``hostheads`` are the host's heads, all known here.
        """
        caps = bundle2.bundle2caps(peer)
        common = sorted(bin(h) for h in hostheads)
        key = (tuple(common), repr(sorted(caps.items())))
        if key not in self._made:
            self._made[key] = self._make(peer, caps, common)
        if self._made[key] is not None:
            self._takers.append((self._made[key], peer.local() is None))
        return self._made[key]

    def ready(self):
        """spool what will not be streamed, before the hosts are served"""
        if len(self._takers) == 1 and self._takers[0][1]:
            return
        for b, _remote in self._takers:
            b.spool()

    def _make(self, peer, caps, common):
        repo = self._repo
        outgoing = discovery.outgoing(
            repo, commonheads=common, ancestorsof=[self._head]
        )
        if not outgoing.missing:
            return None
        bundler = bundle2.bundle20(repo.ui, caps)
        _racecheck(repo, bundler, common, self._head)
        cgversions = [
            v
            for v in caps.get(b'changegroup', ())
            if v in changegroup.supportedoutgoingversions(repo)
        ]
        if not cgversions:
            raise error.Abort(_(b'no common changegroup version'))
        version = max(cgversions)
        stream = changegroup.makestream(
            repo,
            outgoing,
            version,
            b'push',
            bundlecaps=caps,
            remote_sidedata=bundle2.read_remote_wanted_sidedata(peer),
        )
        part = bundler.newpart(b'changegroup', data=stream)
        part.addparam(b'version', version)
        if scmutil.istreemanifest(repo):
            part.addparam(b'treemanifest', b'1')
        if repository.REPO_FEATURE_SIDE_DATA in repo.features:
            part.addparam(b'exp-sidedata', b'1')
        return delivery(bundler.getchunks(), len(outgoing.missing))

    def close(self):
        for b in self._made.values():
            if b is not None:
                b.close()
        self._made.clear()
        self._takers = []


def _racecheck(repo, bundler, common, head):
    """fail the delivery if a host head it replaces moved meanwhile

    As hg's push does: a host that committed on one of those heads since
    its reply refuses the bundle, and the next sync merges its work.
    """
    replaced = [n for n in common if repo.changelog.isancestor(n, head)]
    if b'related' in bundler.capabilities.get(b'checkheads', ()):
        if replaced:
            bundler.newpart(b'check:updated-heads', data=iter(replaced))
    else:
        bundler.newpart(b'check:heads', data=iter(common))


class delivery:
    """a bundle made as its one reader reads it (``streamed``), or
    ``spool``-ed first for several"""

    def __init__(self, chunks, changesets):
        self.changesets = changesets
        self._chunks = chunks
        self._spooled = None

    def spool(self):
        if self._spooled is None:
            self._spooled = spooled(self._chunks, self.changesets)

    def open(self):
        if self._spooled is not None:
            return self._spooled.open()
        if self._chunks is None:
            raise error.ProgrammingError(b'a streamed bundle is read once')
        chunks, self._chunks = self._chunks, None
        return streamed(chunks)

    def close(self):
        if self._spooled is not None:
            self._spooled.close()
        self._chunks = None


class streamed:
    """a bundle's chunks as a file whose reads return what is made, up to
    ``STREAMED`` (bundle2's payload chunks are 32 KiB, each after a 4-byte
    size), instead of waiting until the size asked for is made"""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._left = b''

    def read(self, size=-1):
        if size is None or size < 0:
            data, self._left = self._left + b''.join(self._chunks), b''
            return data
        want = min(size, STREAMED)
        kept, got = [self._left], len(self._left)
        while got < want:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            kept.append(chunk)
            got += len(chunk)
        data = b''.join(kept)
        self._left = data[size:]
        return data[:size]

    def close(self):
        # a bundle left half made (the host went away) lets go of the
        # revlogs it was reading
        getattr(self._chunks, 'close', lambda: None)()
        self._left = b''

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class spooled:
    """a bundle that each host reads on its own: in memory, or on disk"""

    def __init__(self, chunks, changesets):
        self.changesets = changesets
        self._data = b''
        self._path = None
        kept, size, fp = [], 0, None
        try:
            for chunk in chunks:
                if fp is not None:
                    fp.write(chunk)
                    continue
                kept.append(chunk)
                size += len(chunk)
                if size > INMEMORY:
                    # where hg's own unbundle spools a large push
                    fd, self._path = tempfile.mkstemp(prefix='hg-sm-bundle-')
                    fp = os.fdopen(fd, 'wb')
                    fp.writelines(kept)
                    kept = []
        except BaseException:
            self.close()
            raise
        finally:
            if fp is not None:
                fp.close()
        self._data = b''.join(kept)

    def open(self):
        if self._path is not None:
            return open(self._path, 'rb')
        return io.BytesIO(self._data)

    def close(self):
        if self._path is not None:
            try:
                os.unlink(self._path)
            except FileNotFoundError:
                pass
            self._path = None
        self._data = b''


def push(repo, hr, conn, head):
    """push ``head`` to a host with hg's push; the changesets it got"""
    with hostsmod.quiet(repo.ui, conn.peer.ui):
        pushop = exchange.push(repo, conn.peer, revs=[head], newbranch=True)
    if pushop.cgresult == 0:
        raise error.Abort(_(b'push to %s failed') % hr.host)
    outgoing = getattr(pushop, 'outgoing', None)
    return len(outgoing.missing) if outgoing is not None and pushop.cgresult else 0


def send(hr, conn, bundle, head, timeout):
    """update the host to ``head``, delivering ``bundle`` if there is one"""
    args = {b'node': hex(head), b'locktimeout': min(5, int(timeout))}
    try:
        if bundle is None:
            reply = conn.call(b'smupdate', args)
        else:
            with bundle.open() as payload:
                reply = conn.call(COMMAND, args, payload=payload)
            hr.pushed = bundle.changesets
    except hostsmod.ERRORS as inst:
        hr.failed(inst)
        return
    hr.update = reply.get(b'update')
    if hr.update in (b'dirty', b'diverged'):
        hr.message = _(b'working copy not updated: %s has local changes') % hr.host


def receive(repo, args, payload):
    """host side: apply a delivered bundle; ``host`` then updates

    The caller holds the host's wlock, so nothing commits between the two.
    A host that moved a head the bundle replaces raises ``PushRaced``.
    """
    client = getattr(payload, 'client', None)
    url = client() if client is not None else repo.url()
    gen = exchange.readbundle(repo.ui, payload, None)
    # as quiet as the push it replaces, whose client hid these lines
    with repo.ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror'):
        exchange.unbundle(repo, gen, [b'force'], b'push', url)
    return {}


def recover(repo):
    """nothing to repair: a delivery is applied in one transaction"""
    return []

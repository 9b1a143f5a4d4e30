# reach.py - reach the hosts of a resource, and have each prepare
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the hosts of one sync, reached while this node takes its snapshot

Each host is connected to (``hosts``) and asked to repair and snapshot
its own pending changes (``smprepare``); ``status`` asks them what a sync
would bring, changing nothing (``remotestatus``).
"""

import concurrent.futures
import contextlib
import sys
import threading

from mercurial.i18n import _
from mercurial import discovery
from mercurial.node import hex

from . import (
    checkout,
    config as configmod,
    hosts as hostsmod,
    identity,
    results,
    wire,
)
from .firstcontact import sendahead
from .results import (
    FAILED,
    UNREACHABLE,
)

# seconds; Python's default is 0.005
SWITCHINTERVAL = 0.0005


def hostargs(res, opts, timeout):
    # CBOR as hg encodes it has no floats: the share travels as its text
    return {
        b'client': identity.token(res.root),
        b'ignore': list(res.ignore),
        b'children': res.childdirs(),
        b'maxdelete': configmod.formatmaxdelete(res.maxdelete),
        b'bigfile': res.bigfile,
        b'force': opts.force,
        b'dryrun': opts.dryrun,
        b'locktimeout': min(5, int(timeout)),
        b'warm': opts.coming,
    }


class reaching:
    """reach the hosts of a resource while this thread takes its snapshot

    An ssh host's login and ``hg serve`` start, then its own snapshot,
    take about as long as the local snapshot and little of this machine's
    time, so the ssh and http hosts are reached (and snapshot) in the
    background meanwhile.  Local-path hosts are reached afterwards, in
    this thread: they work in-process on this machine's repositories.
    """

    def __init__(self, ui, cfg, res, opts, entries):
        self.hrs = [results.hostresult(res, e) for e in entries]
        self._items = list(zip(self.hrs, entries))

        def one(item):
            return reach(ui, cfg, res, opts, *item)

        self._reach = one
        self._remote = [it for it in self._items if b'://' in it[0].url]
        self._pool = None
        self._done = {}
        if self._remote:
            hostsmod.preload([it[0].url for it in self._remote])
            self._responsive = contextlib.ExitStack()
            self._responsive.enter_context(_responsive())
            self._pool = concurrent.futures.ThreadPoolExecutor(1)
            self._future = self._pool.submit(hostsmod.parallel, ui, one, self._remote, True)

    def _remotedone(self):
        if self._pool is not None:
            try:
                done = self._future.result()
            finally:
                self._pool.shutdown()
                self._pool = None
                self._responsive.close()
            self._done = {id(hr): r for (hr, _e), r in zip(self._remote, done)}
        return self._done

    def reached(self):
        """(hr, conn, reply) of the ssh and http hosts reached, once they are"""
        done = self._remotedone()
        return [
            (hr, done[id(hr)][0], done[id(hr)][1])
            for hr, _e in self._remote
            if done[id(hr)] is not None
        ]

    def finish(self):
        """(hr, conn, reply) of every host reached, in the hosts' order"""
        remote = self._remotedone()
        out = []
        for item in self._items:
            hr = item[0]
            r = remote[id(hr)] if id(hr) in remote else self._reach(item)
            if r is not None:
                out.append((hr, r[0], r[1]))
        return out

    def abandon(self):
        """close what was reached: the snapshot failed

        The snapshot's error (an interrupt among them) is the one to
        report: none raised here takes its place.
        """
        try:
            done = self._remotedone()
        except Exception:
            return
        for r in done.values():
            if r is not None:
                r[0].close()


# the syncs of this process reaching hosts in the background, and the
# switch interval before the first of them
_threaded = {'count': 0, 'interval': None}
_threadedlock = threading.Lock()


@contextlib.contextmanager
def _responsive():
    """a short switch interval while hosts are reached in the background

    The thread reaching the hosts mostly waits on them, and each of its
    round trips wakes it for a moment; with Python's default interval it
    waits up to that long for the main thread, busy with the snapshot, to
    let it run, at every step of the login and of ``smprepare``.  The
    interval comes back when the last such sync of the process is done.
    """
    with _threadedlock:
        if not _threaded['count']:
            _threaded['interval'] = sys.getswitchinterval()
            sys.setswitchinterval(min(_threaded['interval'], SWITCHINTERVAL))
        _threaded['count'] += 1
    try:
        yield
    finally:
        with _threadedlock:
            _threaded['count'] -= 1
            if not _threaded['count']:
                sys.setswitchinterval(_threaded['interval'])


@contextlib.contextmanager
def started(ui, cfg, res, opts, entries):
    """the ssh logins of a sync's hosts, started before this node opens
    its repository and takes its lock

    An ssh login and the host's hg start are mostly waiting, and for a
    sync of one file or none the host's chain (its start, then its
    snapshot) is the longer one.  Only the processes start here, in this
    thread (``remote.park``): the thread that reaches the hosts takes
    them over, after the lock, and asks them its first command; one not
    taken (the sync stopped before) is closed unused.
    """
    parked = []
    if opts.pool is None:
        for entry in entries:
            parked += hostsmod.start(ui, entry, *_connargs(ui, cfg, not opts.dryrun, res.bigfile))
    try:
        yield
    finally:
        hostsmod.unpark(parked)


def reach(ui, cfg, res, opts, hr, entry):
    """open a connection and snapshot the host: (conn, reply), or None"""
    conn = opts.pool.take(entry.url) if opts.pool is not None else None
    if conn is not None and not opts.dryrun:
        ui.debug(b'%s: %s: reusing the open connection\n' % (res.name, hr.host))
        try:
            conn, reply = prepare(ui, cfg, res, opts, conn, entry)
            hr.reachable = True
            return conn, reply
        except wire.HostError as inst:
            # the host answered: the connection is good
            hr.reachable = True
            hr.failed(inst)
            opts.pool.give(conn)
            return None
        except hostsmod.ERRORS:
            # the host side went away since the last sync: open anew
            conn.close()
    elif conn is not None:
        conn.close()
    try:
        conn = _connect(ui, cfg, entry, create=not opts.dryrun, bigfile=res.bigfile)
    except hostsmod.Unreachable as inst:
        hr.fail(UNREACHABLE, inst)
        hr.reachable = False
        return None
    except wire.HostError as inst:
        hr.fail(FAILED, inst)
        return None
    hr.reachable = True
    if conn is None:
        hr.message = _(b'would create the repository')
        return None
    hr.created = conn.created
    try:
        if opts.dryrun:
            return conn, None
        conn, reply = prepare(ui, cfg, res, opts, conn, entry)
        # made by the host's shell in the same command (hostrepo)
        hr.created = hr.created or bool(reply.get(b'created'))
        return conn, reply
    except hostsmod.ERRORS as inst:
        hr.failed(inst)
        # a host that answered (busy, refusing) kept the connection good
        if isinstance(inst, wire.HostError) and opts.pool is not None:
            opts.pool.give(conn)
            return None
    conn.close()
    return None


def _connargs(ui, cfg, create, bigfile):
    """(timeout, batch, create, bigfile) of ``hosts.connect``"""
    return cfg.timeout, not cfg.password or not ui.interactive(), create, bigfile


def _connect(ui, cfg, entry, create, bigfile=None):
    return hostsmod.connect(ui, entry, *_connargs(ui, cfg, create, bigfile))


def prepare(ui, cfg, res, opts, conn, entry):
    """(conn, reply) of the host's ``smprepare``

    A host that had to enable largefiles for the resource's big files
    asks to be reached anew (``reopen``), snapshotting nothing: its
    server loads the extension with the repository, and a new one does.
    """
    args = hostargs(res, opts, cfg.timeout)
    reply = conn.call(b'smprepare', args)
    if not reply.get(b'reopen'):
        if opts.coming:
            _ahead(ui, res, opts, conn, reply, args, entry)
        return conn, reply
    created = reply.get(b'created')
    conn.close()
    conn = _connect(ui, cfg, entry, create=False)
    reply = conn.call(b'smprepare', args) if conn is not None else {b'reopen': True}
    reply[b'created'] = created or reply.get(b'created')
    if reply.get(b'reopen'):
        if conn is not None:
            conn.close()
        raise wire.HostError(
            _(b'%s cannot load the largefiles extension') % entry.label,
            hint=_(b"check that hg's largefiles extension is installed there"),
        )
    return conn, reply


def _ahead(ui, res, opts, conn, reply, args, entry):
    """what a host gets while this node still records its snapshot

    The files it changed (``sendahead``), where the host's head is this
    node's parent; otherwise, if the host was asked before the snapshot
    found changes, a read ahead of the update's manifest (``warm``).
    """
    # None once the record is over
    ahead = opts.ahead
    if ahead is None:
        return
    repo, parent, files, parents = ahead
    label = b'%s: %s' % (res.name, entry.label)
    if files and sendahead.wanted(conn.peer, reply, parent):
        try:
            answer = sendahead.send(
                repo, conn, parent, files, parents, args[b'locktimeout'], lambda: opts.coming
            )
        except wire.HostError as inst:
            answer = {b'refused': inst.message}
        if answer.get(b'refused'):
            # its delivery writes them as ever
            ui.debug(b'%s: files not sent ahead: %s\n' % (label, answer[b'refused']))
        else:
            ui.debug(b'%s: %d files sent ahead\n' % (label, answer.get(b'staged', 0)))
    elif not args[b'warm'] and conn.peer.capable(checkout.WARM):
        # the snapshot found changes after the host was asked
        conn.call(checkout.WARM, {})


def remotestatus(repo, conn, hr):
    """fill ``hr`` with what would be pulled and pushed, changing nothing

    ``repo`` is None when the resource has no local repository yet.
    """
    common = []
    if repo is not None:
        with hostsmod.quiet(repo.ui, conn.peer.ui):
            common, _anyinc, _heads = discovery.findcommonincoming(
                repo.unfiltered(), conn.peer
            )
        common = [n for n in common if n != repo.nullid]
    args = {b'common': [hex(n) for n in common]}
    if repo is not None:
        args[b'client'] = identity.token(repo.root)
    reply = conn.call(b'smstatus', args)
    hr.incoming = reply.get(b'incoming', 0)
    if repo is None:
        hr.outgoing = 0
    elif common:
        hr.outgoing = len(repo.revs(b'only(head(), %ln)', common))
    else:
        hr.outgoing = len(repo)
    hr.uncommitted = reply.get(b'uncommitted', 0)

# firstcontact - the ways a repository gets its first history or files
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""first contact with an empty host, and the push that updates hosts

A resource's first sync with an empty host would push every file's whole
history and then have the host write its working copy from it.  Each
strategy here does part of that faster, all with one shape
(``shape``), and ``TABLE`` lists them in the order the engine tries
them:

``streamstore``
    the store itself, as ``hg clone --stream`` sends it;
``firstcheckout``
    the files of this working copy, written by the host while this node
    commits them (between the snapshot's ``scan`` and ``record``);
``pushupdate``
    the changesets a host lacks and its working-copy update in one
    command, for every sync, not only the first;
``sendahead``
    the small files a sync changed, kept by a host whose head this
    node's snapshot continues while this node commits them, for that
    update to move into place.

Whatever none of them can carry goes through hg's own push.  ``sidesok``
says whether two histories that never met may be joined.
"""

import contextlib

from mercurial.node import bin, hex, nullrev
from mercurial.repo import vfs_options

from .. import (
    bigfiles,
    hosts as hostsmod,
    results,
    snapshot as snapshotmod,
)
from . import (
    firstcheckout,
    pushupdate,
    sendahead,
    shape,
    streamstore,
)

# the strategies, in the order the engine tries them (``sendahead`` goes
# with the reaching of the hosts, ``reach``); the preamble recovers in
# this order too: an interrupted stream's store first, before hg rolls
# back a journal
TABLE = (streamstore, firstcheckout, pushupdate, sendahead)


def recover(repo):
    """repair what an interrupted first contact left; caller holds the wlock

    Returns the messages of what was repaired.
    """
    repaired = []
    for strategy in TABLE:
        repaired.extend(strategy.recover(repo))
    return repaired


# zstd's level for the commit of a resource's first snapshot, where the
# user set none (hg's default is 3): that commit starts a revlog, with a
# compressor of its own, for every file, and at level 1 compressing a
# small file costs much less for about the same size (docs/performance.md)
FIRSTLEVEL = 1


@contextlib.contextmanager
def firstcommit(repo):
    """the store's options while the first snapshot of ``repo`` is committed

    A write option only: any hg reads the revlogs written so.
    """
    key = (b'storage', b'revlog.zstd.level')
    if not shape.empty(repo) or repo.ui.hasconfig(*key):
        yield
        return
    svfs = repo.svfs
    old = svfs.options
    with repo.ui.configoverride({key: FIRSTLEVEL}, b'silvermirror'):
        svfs.options = vfs_options.resolve_store_vfs_options(
            repo.ui, repo.requirements, repo.features
        )
    try:
        yield
    finally:
        svfs.options = old


def alongside(repo, reached, timeout):
    """the first checkout of the empty hosts ``reached()`` gives, or None

    The snapshot's ``record`` runs inside it (``firstcheckout.send``).
    """
    if not shape.empty(repo) or bigfiles.enabled(repo):
        # a host writing big files itself would not know them as largefiles
        return None
    return firstcheckout.send(reached, min(5, int(timeout)))


def pushall(ui, repo, conns, timeout):
    """bring the merged head to every host and update them all at once

    A host that takes a delivery gets its changesets with its update; the
    others are streamed or pushed to first, one after the other.
    """
    head = repo[b'.'].node()
    todo = []
    made = pushupdate.bundles(repo, head)
    try:
        for hr, conn in conns:
            if hr.status not in (results.SYNCED, results.SKIPPED):
                continue
            try:
                bundle = _send(repo, hr, conn, head, timeout, made)
            except hostsmod.ERRORS as inst:
                hr.failed(inst)
                continue
            if bundle is None and hr.hostparent == hex(head):
                # already there: spare the host a status walk
                hr.update = b'current'
            else:
                todo.append((hr, conn, bundle))

        def update(item):
            pushupdate.send(*item, head=head, timeout=timeout)

        made.ready()
        hostsmod.parallel(ui, update, todo)
    finally:
        made.close()


def _send(repo, hr, conn, head, timeout, made):
    """stream or push to the host now, or return the bundle its update takes

    None when the host already has everything (or got it just now).
    """
    if streamstore.wanted(repo, conn.peer, hr.reply):
        seeded = streamstore.send(repo, hr, conn, timeout)
        if seeded is not None:
            hr.pushed = seeded
            return None
    if pushupdate.wanted(repo, conn.peer, hr.reply):
        return made.get(conn.peer, hr.reply[b'heads'])
    hr.pushed = pushupdate.push(repo, hr, conn, head)
    return None


def pull(repo, peer):
    """an empty repository's first pull, as a stream of ``peer``'s store

    False when no stream was possible: then the caller pulls as usual.
    Not with largefiles: in hg 7.2 its repository keeps the manifest it
    read before the stream replaced the store (its ``manifestlog``
    property escapes ``repo.invalidate``).
    """
    return shape.empty(repo) and not bigfiles.enabled(repo) and streamstore.fetch(repo, peer)


# the cache of ``sidesok``: how many changesets were looked at, the last
# one's node, and the answer
ROOTSCACHE = b'silvermirror-roots'


def sidesok(repo):
    """may an unrelated history be joined with this repository?

    Only if it is empty or was started by SilverMirror (first contact with
    a copy that was snapshotted on its own), never a user's own project:
    every root carries SilverMirror's mark.  Roots are looked for only
    among the changesets added since the last answer (kept in
    ``.hg/cache``), so the question costs what changed, not the length of
    the history.
    """
    unfi = repo.unfiltered()
    cl = unfi.changelog
    start, ok = _checkedroots(unfi)
    # a "no" stays a "no" for as long as its root is there
    rev = start
    while ok and rev < len(cl):
        if cl.parentrevs(rev) == (nullrev, nullrev):
            ok = snapshotmod.NODE_EXTRA in unfi[rev].extra()
        rev += 1
    if start != len(cl):
        line = b'%d %s %d\n' % (len(cl), hex(cl.node(len(cl) - 1)), ok)
        try:
            unfi.cachevfs.write(ROOTSCACHE, line, atomictemp=True)
        except OSError:
            pass
    return ok


def _checkedroots(unfi):
    """(changesets already looked at, their answer) from the cache

    A cache that does not match the history (stripped, rebuilt) counts
    for nothing.
    """
    try:
        count, node, ok = unfi.cachevfs.read(ROOTSCACHE).split(b' ')
        count = int(count)
        if 0 < count <= len(unfi) and unfi.changelog.node(count - 1) == bin(node):
            return count, ok.strip() == b'1'
    except (OSError, ValueError):
        pass
    return 0, True

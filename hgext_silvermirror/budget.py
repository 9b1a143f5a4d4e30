# budget.py - the disk budget of big files' history
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""which big contents of history a node keeps, and freeing the others

A resource's ``keep`` says which contents of its big files this node
keeps in the repository's store (``.hg/largefiles``): ``all``;
``current``, none but what the working copy holds edited (``_current``:
the content of a big file found unedited is in the working copy
already); ``N``, what the working copy's revision needs and the N most
recent versions of each big file besides; ``Nd``, that and what any
snapshot of the last N days needs (``kept``).  Every other content is a
candidate (``candidates``), dropped only when a host of the resource
says it holds it and keeps it (``holders``: ``bigpin`` over the sync's
kind of connection, or the store of a local-path host), as git-annex
drops a copy only where another is known and locked.  A content this node's
history does not name (one not yet committed, another repository's) is
never touched.

A dropped content comes back on demand: what an update, a revert or
``hg cat`` needs is fetched from the default path or any host of the
resource (``bigsource``); what an upload or an update needs of the
working copy's is copied back from it (``bigrestock``).  hg's per-user
cache keeps its copy while another repository links it.
``gccmd`` renders.
"""

import os
import time

from mercurial.i18n import _
from mercurial.node import nullrev
from mercurial.repo import factory as repo_factory

from . import (
    bigfiles,
    bigpin,
    confine,
    hosts as hostsmod,
    keep as keepmod,
    locks,
    recovery,
    redact,
)


class content:
    """one big content of history in this node's store"""

    def __init__(self, hash, path, size):
        self.hash = hash
        # a path history names it by (the newest, for several)
        self.path = path
        self.size = size
        # the working copy holds it, unedited
        self.current = False
        # the label of the host that holds it, once asked, as shown (no
        # password)
        self.holder = None


class result:
    """what ``collect`` found and did for one resource"""

    def __init__(self, res):
        self.resource = res.name
        self.policy = res.keep
        # None: no repository, or no big files in it
        self.stored = None
        # bytes of the store's contents history names
        self.storedsize = 0
        self.candidates = []
        # (host label, why) of each host that could not answer
        self.unreached = []
        self.freed = []
        # held by a host, but kept: another node counts on this copy
        self.relied = []

    @property
    def held(self):
        return [c for c in self.candidates if c.holder is not None]

    @property
    def unheld(self):
        return [c for c in self.candidates if c.holder is None]


def _current(repo, policy, read):
    """the hashes of the working copy's parent that ``policy`` keeps, and
    those it lets go as the working copy holds them

    ``keep = current`` lets go the content of each big file found
    unedited (``bigfiles.unedited``, which hashes a file its dirstate
    cannot vouch for with ``read``), once a host holds it: an edit in
    place after that leaves the old version on the host.  A hard link
    between the store and the working copy would not do: such an edit
    would change the content history names.
    """
    parents = repo[None].parents()
    pairs = [pair for p in parents for pair in bigfiles.standins(p)]
    # a working copy a run left between two revisions: the next sync's
    # preamble finishes that first
    if policy[0] != keepmod.CURRENT or len(parents) > 1 or _unfinished(repo):
        return {h for _f, h in pairs}, set()
    clean = bigfiles.unedited(repo, [f for f, _h in pairs], read=read)
    keep = {h for f, h in pairs if f not in clean}
    return keep, {h for _f, h in pairs} - keep


def _unfinished(repo):
    return bool(recovery.state(repo)[b'interrupted'])


def kept(repo, policy, now=None, read=False):
    """the hashes of the contents ``policy`` keeps in ``repo``, and those
    of the working copy's it lets go (``_current``)"""
    kind, count = policy
    keep, held = _current(repo, policy, read)
    if kind == keepmod.VERSIONS:
        lfutil = bigfiles._lf()[1]
        recent = {}
        for rev in repo.revs(b'reverse(all())'):
            ctx = repo[rev]
            for f in ctx.files():
                if lfutil.isstandin(f) and f in ctx:
                    versions = recent.setdefault(f, [])
                    h = lfutil.readasstandin(ctx[f])
                    if h not in versions and len(versions) < count:
                        versions.append(h)
        keep.update(h for versions in recent.values() for h in versions)
    elif kind == keepmod.DAYS:
        cutoff = (time.time() if now is None else now) - count * 86400
        window = {r for r in repo.revs(b'all()') if repo[r].date()[0] >= cutoff}
        keep.update(bigfiles.contents(repo, window))
        # a snapshot of the window also holds what it took from before the
        # window: all of it is in the window's first snapshots after it
        parents = repo.changelog.parentrevs
        for rev in window:
            if any(p != nullrev and p not in window for p in parents(rev)):
                keep.update(h for _f, h in bigfiles.standins(repo[rev]))
    return keep, held


def candidates(repo, policy, read=False):
    """(contents in the store, those ``policy`` does not keep); ``read``:
    a big file of the working copy is hashed where its stat cannot say it
    is unedited (else its content is kept)"""
    lfutil = bigfiles._lf()[1]
    named = bigfiles.contents(repo, repo.revs(b'all()'))
    stored = []
    # by path, each path's oldest first
    for h, path in sorted(named.items(), key=lambda item: item[1]):
        if not confine.islfhash(h):
            # a standin is a peer's text: what is not a hash names no file
            continue
        try:
            size = os.stat(lfutil.storepath(repo, h, forcelocal=True)).st_size
        except FileNotFoundError:
            continue
        stored.append(content(h, path, size))
    if policy[0] == keepmod.ALL:
        return stored, []
    keep, current = kept(repo, policy, read=read)
    # a content another node freed its copy of, counting on this one, stays
    spare = [c for c in stored if c.hash not in keep and not bigpin.pinned(repo, c.hash)]
    for c in spare:
        c.current = c.hash in current
    return stored, spare


def holders(ui, cfg, res, repo, wanted, unreached, pin=True):
    """set ``holder`` of each of ``wanted`` a host of ``res`` holds,
    pinned there if ``pin`` (``bigpin``)

    Hosts are asked in their order until every content has a holder;
    one that cannot answer, or keep what it holds, goes to ``unreached``
    as (label, why).
    """
    for entry in res.hosts:
        todo = {c.hash: c for c in wanted if c.holder is None}
        if not todo:
            return
        try:
            conn = hostsmod.connect(
                ui, entry, cfg.timeout, batch=not cfg.password or not ui.interactive(),
                create=False,
            )
        except hostsmod.ERRORS as inst:
            _away(unreached, entry, hostsmod.reason(inst))
            continue
        if conn is None:
            _away(unreached, entry, _(b'no repository of the resource there'))
            continue
        try:
            for h in bigpin.holding(repo, conn.peer, list(todo), pin=pin):
                todo[h].holder = redact.url(entry.label)
        except bigpin.Refused as inst:
            unreached.append((redact.url(entry.label), inst.why))
        except hostsmod.ERRORS as inst:
            _away(unreached, entry, hostsmod.reason(inst))
        finally:
            conn.close()


def _away(unreached, entry, why):
    unreached.append((redact.url(entry.label), _(b'unreachable: %s') % why))


def collect(ui, cfg, res, dryrun=False):
    """free the contents ``res.keep`` lets go that a host holds; a ``result``"""
    out = result(res)
    root = res.root
    if not os.path.isdir(os.path.join(root, b'.hg')):
        return out
    repo = repo_factory.repository(ui, root)
    if not bigfiles.enabled(repo):
        return out
    with locks.resourcelock(repo, res):
        # what the last sync wrote in its last second is known unedited
        bigfiles.resettle(repo)
        stored, out.candidates = candidates(repo, res.keep, read=True)
        out.stored = len(stored)
        out.storedsize = sum(c.size for c in stored)
        if out.candidates:
            holders(ui, cfg, res, repo, out.candidates, out.unreached, pin=not dryrun)
        if dryrun or not out.held:
            return out
        for c in out.held:
            # only now that a host pinned its copy: a node that freed its
            # own meanwhile, counting on this one, left its pin here
            if bigpin.pinned(repo, c.hash):
                out.relied.append(c)
                continue
            _drop(repo, c.hash)
            out.freed.append(c)
    return out


def _drop(repo, h):
    """remove content ``h`` from the store, and from hg's per-user cache
    unless another file links it there"""
    lfutil = bigfiles._lf()[1]
    try:
        os.unlink(lfutil.storepath(repo, h, forcelocal=True))
    except FileNotFoundError:
        pass
    cached = lfutil.usercachepath(repo.ui, h)
    try:
        if cached and os.stat(cached).st_nlink == 1:
            os.unlink(cached)
    except FileNotFoundError:
        pass

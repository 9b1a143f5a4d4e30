# plan.py - what a sync would do, file by file, changing nothing
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the plan of a dry run

A dry run records nothing, here or on a host.  What the snapshot would
record comes from the working copy's status; what a host would send is
its history since the common ancestor, seen through a bundle repository
over this one as ``hg incoming`` sees it (a temporary file, nothing
pulled), plus its own working-copy status; what it would receive is this
node's changes.  Files changed on both sides are the conflicts, each with
what the handler would decide as far as that is known before a merge.
"""

import contextlib
import hashlib
import os
import time

from mercurial import (
    bundlerepo,
    changegroup,
    copies as copiesmod,
    discovery,
    exchange,
    pycompat,
)
from mercurial.node import bin, hex

from . import compat
from . import conflicts

ADDED = b'added'
MODIFIED = b'modified'
REMOVED = b'removed'
RENAMED = b'renamed'
# a host's working-copy file: its content is not known here
UNKNOWN = object()


class change:
    def __init__(self, path, action, source=None):
        self.path = path
        self.action = action
        # the old name of a renamed file
        self.source = source

    def todict(self):
        return {b'path': self.path, b'action': self.action, b'source': self.source}


class conflict:
    def __init__(self, path, local, other, handler, decision, copy=None):
        self.path = path
        # what each side did to the file: ADDED, MODIFIED, REMOVED
        self.local = local
        self.other = other
        self.handler = handler
        # a phrase that follows "would"
        self.decision = decision
        self.copy = copy

    def todict(self):
        return {
            b'path': self.path,
            b'local': self.local,
            b'other': self.other,
            b'handler': self.handler,
            b'decision': self.decision,
            b'copy': self.copy,
        }


class hostplan:
    def __init__(self):
        self.send = []
        self.receive = []
        self.conflicts = []
        self.incoming = 0
        self.outgoing = 0
        self.uncommitted = 0


def _bypath(changes):
    return sorted(changes, key=lambda c: c.path)


def _renames(repo, added, removed):
    """added path -> removed path of the same content, as the snapshot finds them"""
    if not (added and removed):
        return {}
    p1 = repo[b'.']
    bydigest = {}
    for f in removed:
        if f in p1:
            bydigest.setdefault(hashlib.sha1(p1[f].data()).digest(), f)
    found = {}
    for f in added:
        try:
            data = repo.wvfs.read(f)
        except OSError:
            continue
        src = bydigest.pop(hashlib.sha1(data).digest(), None)
        if src is not None:
            found[f] = src
    return found


def local(repo, snap):
    """the changes a dry-run snapshot ``snap`` would record"""
    renames = _renames(repo, snap.added, snap.removed)
    gone = set(renames.values())
    out = [change(f, RENAMED, renames[f]) if f in renames else change(f, ADDED) for f in snap.added]
    out += [change(f, MODIFIED) for f in snap.modified]
    out += [change(f, REMOVED) for f in snap.removed if f not in gone]
    return _bypath(out)


def _side(base, ctx, pending, renames=None):
    """path -> change from ``base`` to ``ctx`` and its ``pending`` changes

    ``pending`` maps the working copy's added, modified and removed files
    (relative to ``ctx``) by action.
    """
    out = {}
    st = base.status(ctx)
    for action, files in ((MODIFIED, st.modified), (ADDED, st.added), (REMOVED, st.removed)):
        for f in files:
            out[f] = action
    for f in pending.get(ADDED, []) + pending.get(MODIFIED, []):
        out[f] = MODIFIED if f in base else ADDED
    for f in pending.get(REMOVED, []):
        if f in base:
            out[f] = REMOVED
        else:
            out.pop(f, None)
    moves = dict(copiesmod.pathcopies(base, ctx))
    moves.update(renames or {})
    changes = {f: change(f, a) for f, a in out.items()}
    for dst, src in moves.items():
        if out.get(dst) == ADDED and out.get(src) == REMOVED:
            changes[dst] = change(dst, RENAMED, src)
            del changes[src]
    return changes


def _content(ctx, pending, path, working):
    """a side's file at ``path``: a file context, None if gone, or UNKNOWN"""
    if path in pending:
        if working is None:
            return UNKNOWN
        return working[path] if working[path].exists() else None
    return ctx[path] if path in ctx else None


def _differ(a, b):
    if a is UNKNOWN or b is UNKNOWN:
        return True
    if a is None or b is None:
        return a is not b
    return a.flags() != b.flags() or a.size() != b.size() or a.data() != b.data()


@contextlib.contextmanager
def overlay(repo, peer):
    """this repository with the host's changesets added, read only

    Yields (repository, common nodes, the incoming nodes).  As for
    ``hg incoming``, the host's changesets are kept in a temporary bundle
    that is removed afterwards.
    """
    unfi = repo.unfiltered()
    common, anyinc, rheads = discovery.findcommonincoming(unfi, peer, force=True)
    common = [n for n in common if n != repo.nullid]
    if not anyinc:
        yield unfi, common, []
        return
    fd, fname = pycompat.mkstemp(prefix=b'hg-silvermirror-plan-', suffix=b'.hg')
    os.close(fd)
    try:
        with peer.commandexecutor() as e:
            bundle = e.callcommand(
                b'getbundle',
                {
                    b'source': b'incoming',
                    b'common': common,
                    b'heads': rheads,
                    b'bundlecaps': exchange.caps20to10(repo, role=b'client'),
                    b'cg': True,
                },
            ).result()
            changegroup.writechunks(repo.ui, compat.forwardchunks(bundle), fname)
        brepo = bundlerepo.makebundlerepository(repo.baseui, repo.root, fname)
        try:
            brepo = brepo.unfiltered()
            incoming = brepo.changelog.findmissing(common or [repo.nullid], rheads)
            yield brepo, common, incoming
        finally:
            brepo.close()
    finally:
        os.unlink(fname)


def host(repo, conn, label, handler, localchanges, direction):
    """the ``hostplan`` of one host reached over ``conn``"""
    plan = hostplan()
    with overlay(repo, conn.peer) as (brepo, common, incoming):
        reply = conn.call(b'smstatus', {b'common': [hex(n) for n in common]})
        plan.incoming = len(incoming)
        plan.uncommitted = reply.get(b'uncommitted', 0)
        if common:
            plan.outgoing = len(repo.revs(b'only(head(), %ln)', common))
        else:
            plan.outgoing = len(repo)
        hostpending = _hostfiles(reply.get(b'files'))
        mine = brepo[repo[b'.'].node()]
        theirs = _hostparent(brepo, reply, incoming, common)
        base = mine.ancestor(theirs)
        ours, localrenames = _pending(localchanges)
        here = _side(base, mine, ours, localrenames)
        there = _side(base, theirs, hostpending)
        plan.send = _bypath(there.values())
        if direction == b'push':
            plan.receive = _bypath(here.values())
        ourpending = {f for fs in ours.values() for f in fs}
        theirpending = {f for fs in hostpending.values() for f in fs}
        wctx = brepo[None]
        for path in sorted(_touched(here) & _touched(there)):
            a = _content(mine, ourpending, path, wctx)
            b = _content(theirs, theirpending, path, None)
            if not _differ(a, b):
                continue
            plan.conflicts.append(
                _decide(brepo, handler, label, path, here, there, theirs, b)
            )
    return plan


def _pending(changes):
    """the working copy's changes by action, and its renames"""
    pending = {
        ADDED: [c.path for c in changes if c.action in (ADDED, RENAMED)],
        MODIFIED: [c.path for c in changes if c.action == MODIFIED],
        REMOVED: [c.path for c in changes if c.action == REMOVED]
        + [c.source for c in changes if c.action == RENAMED],
    }
    return pending, {c.path: c.source for c in changes if c.action == RENAMED}


def fresh(repo, localchanges, direction):
    """the ``hostplan`` of a host whose repository a sync would create"""
    plan = hostplan()
    if direction == b'push':
        pending, renames = _pending(localchanges)
        null = repo[repo.nullid]
        plan.receive = _bypath(_side(null, repo[b'.'], pending, renames).values())
    return plan


def _touched(changes):
    """the paths a side's changes touch, old names of renames included"""
    paths = set(changes)
    paths.update(c.source for c in changes.values() if c.source)
    return paths


def _action(changes, path):
    c = changes.get(path)
    if c is not None:
        return ADDED if c.action == RENAMED else c.action
    return REMOVED


def _hostfiles(files):
    """the host's working-copy changes by action, as far as they make sense

    The host's reply is input: anything but lists of names is left out.
    An older host sends none.
    """
    if not isinstance(files, dict):
        files = {}
    out = {}
    for action in (ADDED, MODIFIED, REMOVED):
        names = files.get(action)
        out[action] = [p for p in names if isinstance(p, bytes)] if isinstance(names, list) else []
    return out


def _hostparent(brepo, reply, incoming, common):
    """the changeset the host's working copy is on, as far as it is here"""
    parent = reply.get(b'parent')
    try:
        node = bin(parent)
    except (TypeError, ValueError):
        node = None
    if node is not None and len(node) == len(brepo.nullid) and brepo.changelog.hasnode(node):
        return brepo[node]
    heads = list(incoming) or list(common)
    if not heads:
        return brepo[brepo.nullid]
    return brepo[max(heads, key=brepo.changelog.rev)]


def _decide(repo, handler, label, path, here, there, theirs, other):
    local, remote = _action(here, path), _action(there, path)
    decision, copy = handler.foresee(local == REMOVED, remote == REMOVED)
    copyname = None
    if copy:
        if other is UNKNOWN or other is None:
            when = time.time()
        else:
            when = repo[other.introrev()].date()[0]
        copyname = conflicts.conflictname(repo, path, label, when)
    return conflict(path, local, remote, handler.name, decision, copyname)

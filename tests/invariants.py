"""the invariants every reliability test checks after a fault

I1 nothing lost: every (path, content) a test ever wrote on any node (the
   ledger) is in some working copy, under its name or a conflict copy of
   it, or in some node's history;
I2 ``hg verify`` is clean in every repository;
I3 no abandoned journal, update state, merge state, sync state or lock is
   left behind;
I4 after the faults stop, at most two sync rounds make every working copy
   identical and equal to its parent revision.

The history is read in-process through Mercurial's API, with no
extension loaded: reading must not depend on the code under test.  A
largefile is read as hg's largefiles keeps it: its standin
``.hglf/PATH`` holds the sha1 of the content, which is the file
``.hg/largefiles/SHA1`` of that repository; one ``keep = current`` freed
there matches the working copy's file by that sha1.
"""

import hashlib
import os
import re
import socket

from mercurial import ui as uimod

import nodes

# a conflict copy: NAME.conflict-HOST-YYYYmmdd-HHMMSS[-N][.EXT]
_COPY = re.compile(rb'\.conflict-[A-Za-z0-9_-]*?-\d{8}-\d{6}(?:-\d+)?')

LEFTOVERS = (
    b'store/journal',
    b'updatestate',
    b'merge/state2',
    b'silvermirror/interrupted',
    b'wlock',
    b'store/lock',
)


class Ledger:
    """every version a test wrote, so that none can go missing unnoticed

    A version the user overwrites or deletes before any sync has seen it
    was never anyone's to keep: it stays pending until ``observe`` (called
    after a sync that completed) and is dropped if replaced before.
    """

    def __init__(self):
        self.observed = set()
        # (root, path) -> content written since the last completed sync
        self.pending = {}

    @property
    def versions(self):
        return self.observed | {(p, d) for (_r, p), d in self.pending.items()}

    def observe(self, exclude=()):
        """the versions pending on every root but ``exclude`` (hosts the
        sync failed on) were seen by a sync"""
        exclude = {_b(r) for r in exclude}
        for key in [k for k in self.pending if k[0] not in exclude]:
            self.observed.add((key[1], self.pending.pop(key)))

    def record(self, root, rel, data):
        """a version now on disk at ``root/rel``, whoever wrote it"""
        self.pending[(_b(root), _b(rel))] = data

    def write(self, root, rel, data):
        """write ``data`` to ``root/rel`` as a user would, and record it"""
        path = os.path.join(_b(root), _b(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.islink(path):
            os.unlink(path)
        with open(path, 'wb') as fp:
            fp.write(data)
        self.record(root, rel, data)

    def symlink(self, root, rel, target):
        path = os.path.join(_b(root), _b(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(_b(target), path)
        self.record(root, rel, _b(target))

    def delete(self, root, rel):
        os.unlink(os.path.join(_b(root), _b(rel)))
        self.pending.pop((_b(root), _b(rel)), None)

    def rename(self, root, rel, dest):
        src = os.path.join(_b(root), _b(rel))
        with open(src, 'rb') as fp:
            data = fp.read()
        dst = os.path.join(_b(root), _b(dest))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.rename(src, dst)
        self.pending.pop((_b(root), _b(rel)), None)
        self.record(root, dest, data)


def _b(s):
    return s if isinstance(s, bytes) else os.fsencode(s)


def origin(path):
    """the file a conflict copy was made of"""
    return _COPY.sub(b'', path)


def tree(root):
    """{path: (kind, content, executable)} of a working copy, .hg left out"""
    root = _b(root)
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if b'.hg' in dirnames and dirpath != root:
            # a nested repository is another resource
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if d != b'.hg']
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                out[rel] = (b'l', os.readlink(full), False)
            else:
                try:
                    with open(full, 'rb') as fp:
                        data = fp.read()
                except OSError:
                    data = None
                out[rel] = (b'f', data, bool(os.stat(full).st_mode & 0o100))
    return out


def _repo(root):
    ui = uimod.ui()
    ui.setconfig(b'ui', b'quiet', True)
    return nodes.repository(root, ui=ui).unfiltered()


STANDIN = b'.hglf/'


def largefile(root, standin):
    """the content a standin's text names in ``root``'s store, or None"""
    path = os.path.join(_b(root), b'.hg', b'largefiles', standin.strip())
    try:
        with open(path, 'rb') as fp:
            return fp.read()
    except OSError:
        return None


def history(root):
    """every (path, content) in the history of the repository at ``root``

    A largefile's versions are those its store holds.
    """
    if not os.path.isdir(os.path.join(_b(root), b'.hg')):
        return set()
    repo = _repo(root)
    paths = set()
    for rev in repo:
        paths.update(repo[rev].files())
    out = set()
    for path in paths:
        fl = repo.file(path)
        for r in fl:
            out.add((path, fl.read(fl.node(r))))
            if path.startswith(STANDIN):
                out.add((path[len(STANDIN):], largefile(root, fl.read(fl.node(r)))))
    return out


def lost(ledger, roots):
    """the ledger's versions found nowhere (I1); empty when all is well"""
    found = set()
    for root in roots:
        for path, (_kind, data, _x) in tree(root).items():
            found.add((path, data))
            found.add((origin(path), data))
        for path, data in history(root):
            found.add((path, data))
            found.add((origin(path), data))
    return sorted(ledger.versions - found)


def leftovers(root):
    """state an interrupted run left in the repository at ``root`` (I3)"""
    hgdir = os.path.join(_b(root), b'.hg')
    return [
        p
        for p in LEFTOVERS
        if os.path.lexists(os.path.join(hgdir, p))
        and not _deadlock(os.path.join(hgdir, p))
    ]


def _deadlock(path):
    """a lock of a dead process of this host: hg frees it on the next take"""
    try:
        host, _sep, pid = os.readlink(path).rpartition(b':')
    except OSError:
        return False
    # hg writes HOST/PIDNAMESPACE:PID on Linux
    if host.split(b'/')[0] != os.fsencode(socket.gethostname()) or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    return False


def wcdiff(root):
    """paths where the working copy differs from its parent revision"""
    repo = _repo(root)
    parents = repo[None].parents()
    if len(parents) > 1:
        return [b'<uncommitted merge>']
    ctx = parents[0]
    expected = {}
    for path in ctx.manifest():
        fctx = ctx[path]
        kind = b'l' if fctx.islink() else b'f'
        expected[path] = (kind, fctx.data(), fctx.isexec())
        if path.startswith(STANDIN):
            big = path[len(STANDIN):]
            expected[big] = (b'f', largefile(root, fctx.data()), fctx.isexec())
    actual = tree(root)
    for big, (kind, data, x) in list(expected.items()):
        # a content ``keep = current`` freed: the working copy holds it
        if kind == b'f' and data is None and big in actual and actual[big][1] is not None:
            have = hashlib.sha1(actual[big][1]).hexdigest().encode()
            if have == ctx[STANDIN + big].data().strip():
                expected[big] = (kind, actual[big][1], x)
    return sorted(
        p for p in set(expected) | set(actual) if expected.get(p) != actual.get(p)
    )


def identical(roots):
    """do all working copies hold the same files, each its parent revision?"""
    trees = [tree(r) for r in roots]
    return all(t == trees[0] for t in trees) and not any(wcdiff(r) for r in roots)


def check(ledger, roots, verify, syncs=(), rounds=2, minrounds=0):
    """assert I1-I4; ``verify(root)`` runs ``hg verify`` -> (exit, output)

    ``syncs`` are one sync per node, run in turn (a round is all of them)
    until the working copies are identical, for at most ``rounds`` rounds
    and at least ``minrounds``: a run killed after every working copy was
    already in place leaves its repair to the next run (I3), which must
    then come before the leftovers are judged.
    Returns the rounds begun.
    """
    steps = 0
    while steps < minrounds * len(syncs) or not identical(roots):
        assert steps < rounds * len(syncs), 'not converged after %d rounds: %r' % (
            rounds,
            {r: wcdiff(r) for r in roots},
        )
        syncs[steps % len(syncs)]()
        steps += 1
    missing = lost(ledger, roots)
    assert not missing, 'versions lost: %r' % [
        (p, len(d), d[:40]) for p, d in missing[:10]
    ]
    for root in roots:
        assert not leftovers(root), '%s: left %r' % (root, leftovers(root))
        code, out = verify(root)
        assert code == 0, '%s: hg verify failed:\n%s' % (root, out)
    return -(-steps // len(syncs)) if syncs else 0

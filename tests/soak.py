"""randomized fault runs: 3 nodes, random edits, syncs and kills

    python tests/soak.py --runs 1000 [--seed S] [--keep]

Each run is seeded (the seed is printed on failure, ``--seed`` replays
it): random edits on random nodes, then one sync killed (or failed) at a
random named fault point, here or on a host; then syncs without faults
until every node converges, and the invariants (``invariants.py``) are
checked.  Prints runs, kills, versions written, versions lost (must be 0)
and the most rounds any run needed to converge.

Hosts are local paths, and every hg command runs in a child forked from
this process (mercurial already imported), so a run costs a fraction of
a second; a kill is a real SIGKILL of the process doing the sync.
``test_random.py`` runs a fixed slice of seeds in CI.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TESTS)

import cluster  # noqa: E402
import conftest  # noqa: E402
import invariants  # noqa: E402

import mercurial.dispatch  # noqa: E402,F401  (imported once, before forking)
import hgext_silvermirror  # noqa: E402,F401
NAMES = ('alpha', 'beta', 'gamma')
RESOURCE = 'docs'
# fault points a sync passes through on the node that runs it; with local
# paths the hosts' side runs in the same process
POINTS = (
    'lock.acquired',
    'snapshot.before-commit',
    'snapshot.in-txn',
    'pull.before',
    'pull.in-txn',
    'merge.before-write',
    'merge.after-file:1',
    'merge.after-file:2',
    'merge.in-txn',
    'update.start',
    'update.before-write',
    'update.after-file:1',
    'update.after-file:2',
    'push.before',
    'push.server-in-txn',
)
ACTIONS = ('kill', 'kill', 'kill', 'raise:ENOSPC', 'interrupt')
FILES = ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deep/d.bin', 'e f.txt', 'g']
TIMEOUT = 60


class Failure(AssertionError):
    pass


class World:
    """the soak's random user and its tallies, over a cluster of three
    nodes (local paths, hg forked)"""

    def __init__(self, tmp, rng):
        self.rng = rng
        env = {k: v for k, v in conftest.baseenv(tmp, withssh=False).items()
               if not k.startswith('SM_')}
        self.cluster = cluster.Cluster(
            tmp, env, NAMES, runner=cluster.forked, markers=False
        )
        self.ledger = self.cluster.ledger
        self.kills = 0
        self.rounds = 0
        # what the current run did, shown when it fails
        self.log = []

    def root(self, name):
        return self.cluster.root(name)

    def roots(self):
        return self.cluster.roots()

    def sync(self, name, fault=None):
        proc = self.cluster.sync(name, fault=fault, timeout=TIMEOUT)
        code, out = proc.returncode, cluster.output(proc)
        self.log.append('%s: mirror-push %r -> %d\n%s' % (name, fault, code, out))
        if fault is None and code not in (0, 1):
            raise Failure('mirror-push on %s exited %d:\n%s' % (name, code, out))
        return code, out

    def edit(self):
        """a random user action on a random node"""
        rng = self.rng
        name = rng.choice(NAMES)
        root = self.root(name)
        path = rng.choice(FILES)
        full = os.path.join(root, path)
        kind = rng.random()
        self.log.append('%s: edit %s (%.2f)' % (name, path, kind))
        if kind < 0.15 and os.path.lexists(full):
            self.ledger.delete(root, path)
        elif kind < 0.25 and os.path.isfile(full):
            dest = rng.choice([f for f in FILES if f != path])
            if not os.path.lexists(os.path.join(root, dest)):
                self.ledger.rename(root, path, dest)
        else:
            size = rng.choice((0, 5, 40, 3000))
            data = b'%s %s %d\n' % (name.encode(), path.encode(), rng.getrandbits(32))
            data = (data * (size // len(data) + 1))[:size] if size else b''
            if path.endswith('.bin'):
                data += b'\0\xff'
            self.ledger.write(root, path, data)

    def syncs(self):
        """one sync per node, from a random one on: a round"""
        start = self.rng.randrange(len(NAMES))
        order = NAMES[start:] + NAMES[:start]
        return [lambda n=n: self.sync(n) for n in order]

    def check(self):
        # a round after the fault: the next run is what repairs it
        used = self.cluster.check(syncs=self.syncs(), minrounds=1)
        self.rounds = max(self.rounds, used)
        return used


def onerun(world, seed):
    """edits, a sync killed at a random point, then rounds until converged"""
    rng = world.rng
    for _i in range(rng.randint(1, 4)):
        world.edit()
    name = rng.choice(NAMES)
    point = rng.choice(POINTS)
    action = rng.choice(ACTIONS)
    code, out = world.sync(name, fault=(point, action))
    if code < 0 or code == 255:
        world.kills += 1
    if rng.random() < 0.3:
        # the user goes on editing before the next sync
        world.edit()
    world.check()


def soak(runs, seed=None, keep=False, perworld=20):
    """``runs`` seeded runs; returns the figures; raises on a violation

    A fresh world every ``perworld`` runs keeps histories small.
    """
    base = seed if seed is not None else int(time.time())
    figures = {'runs': 0, 'kills': 0, 'versions': 0, 'lost': 0, 'rounds': 0}
    world = tmp = None

    def retire():
        if world is not None:
            figures['kills'] += world.kills
            figures['versions'] += len(world.ledger.versions)
            figures['rounds'] = max(figures['rounds'], world.rounds)
        if tmp is not None and not keep:
            shutil.rmtree(tmp, ignore_errors=True)

    try:
        for i in range(runs):
            s = base + i
            if i % perworld == 0:
                retire()
                tmp = tempfile.mkdtemp(prefix='sm-soak-')
                world = World(tmp, random.Random(s))
            world.rng.seed(s)
            world.log = []
            try:
                onerun(world, s)
            except AssertionError as inst:  # a Failure, a Hung, an invariant
                figures['lost'] = len(invariants.lost(world.ledger, world.roots()))
                keep = True
                raise Failure(
                    'seed %d (world %s): %s\n%s' % (s, tmp, inst, '\n'.join(world.log))
                ) from inst
            figures['runs'] += 1
    finally:
        retire()
    return figures


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=100)
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('--keep', action='store_true', help='keep the failing world')
    opts = ap.parse_args(argv)
    start = time.monotonic()
    try:
        f = soak(opts.runs, opts.seed, keep=opts.keep)
    except Failure as inst:
        print('FAILED: %s' % inst)
        return 1
    print(
        'runs: %(runs)d\nkills: %(kills)d\nversions written: %(versions)d\n'
        'versions lost: %(lost)d\nmax rounds to converge: %(rounds)d' % f
    )
    print('time: %.0fs' % (time.monotonic() - start))
    return 0


if __name__ == '__main__':
    sys.exit(main())

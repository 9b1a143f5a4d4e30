"""a cluster: nodes syncing one resource, with a ledger of every version

The one harness of the fault, soak, random and property tests.  Each node
is a ``nodes.Node`` (its home, hgrc and ssh alias) whose SilverMirror
file lists the other nodes as hosts: by path (``local``) or by their ssh
alias (``ssh``, where every node lists all and skips its own name).  The
test writes through the ledger (``invariants.Ledger``), so that
``check`` can show that no version went missing.

How hg runs is the runner's choice, each returning a
``subprocess.CompletedProcess``:

``subprocess``
    a real ``hg`` process per command (the default);
``forked``
    a child forked from this process, which has Mercurial imported
    already: a run costs a fraction of a second, and a kill is a real
    SIGKILL of the process doing the sync (the soak);
``inprocess``
    hg's dispatch in this very process, as the node (its HOME and
    HGRCPATH for the call): the cheapest, for property tests that run
    many examples and faults that need no kill.
"""

import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import invariants
import nodes

TESTS = os.path.dirname(os.path.abspath(__file__))
FAULTINJECT = os.path.join(TESTS, 'faultinject.py')
# what a cluster starts with unless the test says otherwise
BASE = {'f%02d.txt' % i: b'base %d\n' % i for i in range(10)}
TRANSPORTS = ['local', 'ssh']


class Hung(AssertionError):
    pass


def subprocess_(node, argv, cwd, timeout):
    return node.hg(*argv, cwd=cwd, timeout=timeout)


def forked(node, argv, cwd, timeout):
    """``hg ARGV`` as ``node`` in a child forked from this process

    Output goes to ``stdout`` (both streams, in order).  The child is
    SIGKILLed if it outlives ``timeout``.
    """
    from mercurial import dispatch, main_script

    out = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 250
        try:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(node.env)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
            req = main_script.request([os.fsencode(a) for a in argv])
            code = dispatch.dispatch(req)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit((code or 0) & 255)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise Hung('hg %s hung for %ds' % (' '.join(argv), timeout))
        time.sleep(0.005)
    out.seek(0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return subprocess.CompletedProcess(argv, code, out.read(), b'')


def inprocess(node, argv, cwd, timeout):
    """``hg ARGV`` as ``node`` through hg's dispatch in this process

    hg reads HOME and HGRCPATH from the live environment at each command,
    so the node's are set for the call and put back after it.
    """
    from mercurial import dispatch
    from mercurial.main_script import request

    keys = ('HOME', 'HGRCPATH', 'HGUSER')
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: node.env.get(k, 'test') for k in keys})
    try:
        out, err = io.BytesIO(), io.BytesIO()
        argv = ['--cwd', cwd] + [str(a) for a in argv]
        req = request([os.fsencode(a) for a in argv], fout=out, ferr=err)
        code = dispatch.dispatch(req) or 0
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


class Cluster:
    """nodes syncing ``resource``, with a ledger of every version

    ``timeout`` is the SilverMirror file's (reaching and locking a host);
    every node waits at most 2 s for its own lock.  ``markers``: a fault
    fires once per cluster (its marker file says so), so the run that
    repairs it is not interrupted again; the soak, which injects a fault
    at the same point run after run, goes without.
    """

    def __init__(
        self, tmp, env, names=('alpha', 'beta'), transport='local',
        resource='docs', timeout=5, runner=subprocess_, markers=True,
    ):
        self.tmp, self.env = tmp, env
        self.transport = transport
        self.resource = resource
        self.runner = runner
        self.names = list(names)
        if not os.path.exists(os.path.join(tmp, '.hgrc')):
            # a cluster of its own beside the test's nodes shares no hgrc
            with open(os.path.join(tmp, '.hgrc'), 'w') as fp:
                fp.write(nodes.basehgrc(tmp, env))
        self.nodes = {n: nodes.Node(tmp, n, env) for n in names}
        self.ledger = invariants.Ledger()
        self.marker = os.path.join(tmp, 'markers') if markers else None
        self.hgrc = {}
        for name, node in self.nodes.items():
            # over ssh every node lists all (its own name is skipped)
            hosts = [self.hostof(o) for o in names if transport == 'ssh' or o != name]
            node.config(
                '[::SilverMirror::]\nhosts = %s\ntimeout = %d\n[%s]\n'
                % (' '.join(hosts), timeout, resource)
            )
            with open(node.path('.hgrc'), 'a') as fp:
                fp.write('lock-timeout = 2\n')
            self.hgrc[name] = open(node.path('.hgrc')).read()
            os.makedirs(self.root(name), exist_ok=True)

    def hostof(self, name):
        return name if self.transport == 'ssh' else self.nodes[name].home

    def root(self, name):
        return self.nodes[name].path(self.resource)

    def roots(self):
        return [self.root(n) for n in self.names]

    def write(self, name, rel, data):
        self.ledger.write(self.root(name), rel, data)

    def faultargs(self, point, action):
        args = [
            '--config', 'extensions.faultinject=%s' % FAULTINJECT,
            '--config', 'faultinject.point=%s' % point,
            '--config', 'faultinject.action=%s' % action,
        ]
        if self.marker:
            args += ['--config', 'faultinject.marker=%s' % self.marker]
        return args

    def hostfault(self, name, point, action):
        """a fault in the host's own hg (the remote ``hg serve`` over ssh)"""
        with open(self.nodes[name].path('.hgrc'), 'a') as fp:
            fp.write(
                '[extensions]\nfaultinject = %s\n[faultinject]\npoint = %s\n'
                'action = %s\nmarker = %s\n'
                % (FAULTINJECT, point, action, self.marker)
            )

    def clearfaults(self):
        for name, text in self.hgrc.items():
            with open(self.nodes[name].path('.hgrc'), 'w') as fp:
                fp.write(text)

    def fired(self, point):
        return os.path.exists(os.path.join(self.marker, point + '.pid'))

    def firedpid(self, point, timeout=20):
        path = os.path.join(self.marker, point + '.pid')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(path):
                data = open(path).read().strip()
                if data:
                    return int(data)
            time.sleep(0.02)
        raise AssertionError('fault point %s not reached' % point)

    def hg(self, name, *args, cwd=None, check=None, timeout=120):
        """``hg ARGS`` as ``name``, in its resource unless ``cwd``;
        ``check`` is the exit status expected"""
        proc = self.runner(self.nodes[name], list(args), cwd or self.root(name), timeout)
        if check is not None and proc.returncode != check:
            raise AssertionError(
                'hg %s on %s exited %d, expected %d\n%s'
                % (' '.join(map(str, args)), name, proc.returncode, check, output(proc))
            )
        return proc

    def sync(self, name, *args, check=None, fault=None, hostfault=None,
             cmd='mirror-push', timeout=120):
        """one sync; ``fault`` here, ``hostfault`` on the hosts' side"""
        argv = [cmd, self.resource] + list(args)
        if fault is not None:
            argv += self.faultargs(*fault)
        if hostfault is not None:
            if self.transport == 'ssh':
                for other in self.names:
                    if other != name:
                        self.hostfault(other, *hostfault)
            else:
                # a local-path host runs in the syncing process
                argv += self.faultargs(*hostfault)
        proc = self.hg(name, *argv, cwd=self.nodes[name].home, check=check, timeout=timeout)
        if hostfault is not None:
            self.clearfaults()
        if proc.returncode in (0, 1):
            # a host the sync failed on took none of its pending versions
            text = output(proc)
            missed = [
                self.root(n) for n in self.names
                if n != name and any(
                    '%s: %s: %s' % (self.resource, self.hostof(n), how) in text
                    for how in ('failed', 'unreachable', 'skipped')
                )
            ]
            self.ledger.observe(exclude=missed)
        return proc

    def popen(self, name, *args):
        return self.nodes[name].popen(
            'mirror-push', self.resource, *args,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )

    def setup(self, files=BASE):
        """``files`` on the first node, mirrored to all"""
        first = self.names[0]
        for rel, data in files.items():
            self.write(first, rel, data)
        self.sync(first, check=0)
        assert invariants.identical(self.roots())

    def verify(self, root):
        name = next(n for n in self.names if self.root(n) == root)
        proc = self.hg(name, 'verify', '-q')
        return proc.returncode, output(proc)

    def check(self, rounds=2, syncs=None, minrounds=0):
        """the invariants (``invariants.check``); ``syncs`` one per node,
        by default in the nodes' order; returns the rounds begun"""
        if syncs is None:
            syncs = [lambda n=n: self.sync(n) for n in self.names]
        return invariants.check(
            self.ledger, self.roots(), self.verify, syncs, rounds, minrounds
        )

    def history(self, name):
        return invariants.history(self.root(name))


def output(proc):
    return (proc.stdout + proc.stderr).decode('utf-8', 'replace')


def changes(c, here='alpha', there='beta'):
    """edits of BASE on both sides, so that a sync pulls, merges, pushes,
    updates"""
    for i in range(6):
        c.write(here, 'f%02d.txt' % i, b'%s edit %d\n' % (here.encode(), i) * 50)
    c.write(here, 'new/added.txt', b'added on %s\n' % here.encode())
    c.ledger.delete(c.root(here), 'f09.txt')
    c.write(there, 'f08.txt', b'%s edit\n' % there.encode())

"""pytest configuration: the real sshd, nodes, and a collector for .t files

One ``pytest`` run collects the pytest tests and the cram tests
(``test-*.t``).  Each cram test runs in its own directory with an
environment like Mercurial's own test runner sets (fixed user, date and
encoding, ``devel.all-warnings``, detailed exit codes), the extension
enabled, and the variables ``helpers.sh`` needs to make nodes reachable
over the real sshd.

Under ``CI=true`` a missing sshd is a failure, not a skip.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TESTS)

import cluster as clustermod  # noqa: E402
import nodes  # noqa: E402
import sshd as sshdmod  # noqa: E402

_server = None


def _sshd():
    """the session's sshd, started on first use and stopped at the end"""
    global _server
    if _server is None:
        if not sshdmod.available():
            if os.environ.get('CI') == 'true':
                pytest.fail('sshd is not installed (install openssh-server)')
            return None
        workdir = tempfile.mkdtemp(prefix='sm-sshd-')
        _server = sshdmod.SSHServer(workdir).start()
    return _server


def pytest_configure(config):
    """the hg processes of the tests take a Ctrl-C as a terminal's job does

    A shell without job control starts a background job (``make test &``)
    with SIGINT ignored, every process it starts inherits that, and Python
    keeps an ignored SIGINT ignored: the fault tests' Ctrl-C (a SIGINT hg
    sends itself) would then do nothing and the run would go on.  With
    Python's handler here, each child starts with SIGINT at its default.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_unconfigure(config):
    global _server
    if _server is not None:
        _server.stop()
        shutil.rmtree(_server.dir, ignore_errors=True)
        _server = None


def baseenv(testtmp, withssh=True, evolve=False):
    """the environment of a test, as Mercurial's run-tests.py sets it"""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith('HG')
        and k not in ('EDITOR', 'VISUAL', 'PAGER', 'CDPATH', 'http_proxy')
    }
    env.update(
        {
            'HOME': testtmp,
            'TESTTMP': testtmp,
            'TESTDIR': TESTS,
            'HGRCPATH': os.path.join(testtmp, '.hgrc'),
            'HGUSER': 'test',
            'HGENCODING': 'ascii',
            'HGENCODINGMODE': 'strict',
            'HGEDITOR': 'true',
            'HGMERGE': 'internal:merge',
            'LANG': 'C',
            'LC_ALL': 'C',
            'TZ': 'GMT',
            'COLUMNS': '80',
            'PATH': sshdmod.VENV_BIN + os.pathsep + env.get('PATH', ''),
            # where a chg started here keeps its server's socket (the
            # silvermirror command runs through chg), stopped at the end
            'XDG_RUNTIME_DIR': os.path.join(testtmp, '.run'),
        }
    )
    os.makedirs(env['XDG_RUNTIME_DIR'], mode=0o700, exist_ok=True)
    env.pop('HGMERGE')
    if evolve:
        env['SM_EVOLVE'] = '1'
    server = _sshd() if withssh else None
    if server is not None:
        env.update(server.env())
    os.makedirs(os.path.join(testtmp, '.ssh'), mode=0o700, exist_ok=True)
    open(os.path.join(testtmp, '.ssh', 'config'), 'a').close()
    with open(os.path.join(testtmp, '.hgrc'), 'w') as fp:
        fp.write(nodes.basehgrc(testtmp, env))
    return env


@pytest.fixture
def sshd():
    server = _sshd()
    if server is None:
        pytest.skip('sshd is not installed')
    return server


@pytest.fixture
def watchman(testenv):
    """a Watchman server of the test's own, stopped by its pid at the end

    Returns the command that reaches it, for ``fsmonitor.watchman_exe``:
    in the shared hgrc every node and host finds it (over ssh no
    ``WATCHMAN_SOCK`` reaches a host), and no user's server is started.
    """
    if not shutil.which('watchman'):
        pytest.skip('watchman is not installed')
    d = os.path.join(testenv[0], 'watchman')
    os.makedirs(d)
    sock = os.path.join(d, 'sock')
    exe = os.path.join(d, 'watchman')
    with open(exe, 'w') as fp:
        fp.write('#!/bin/sh\nexec watchman --no-spawn --sockname=%s "$@"\n' % sock)
    os.chmod(exe, 0o755)
    proc = subprocess.Popen(
        ['watchman', '--foreground', '--sockname=' + sock]
        + ['--%s=%s' % (k, os.path.join(d, k)) for k in ('statefile', 'logfile', 'pidfile')],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not os.path.exists(sock) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert os.path.exists(sock), 'watchman did not start'
        yield exe
    finally:
        sshdmod.terminate(proc, 10)


@pytest.fixture
def testenv(tmp_path):
    testtmp = str(tmp_path)
    yield testtmp, baseenv(testtmp)
    # the chg servers the test's commands started, here and on its hosts
    nodes.stopchg(testtmp)


@pytest.fixture
def mknode(testenv):
    """make nodes: ``alpha = mknode('alpha')``"""
    testtmp, env = testenv

    def make(name):
        return nodes.Node(testtmp, name, env)

    return make


@pytest.fixture
def mkcluster(testenv):
    """make a cluster (``cluster.Cluster``): ``mkcluster('ssh', timeout=3)``"""
    testtmp, env = testenv

    def make(transport='local', **options):
        if transport == 'ssh' and not env.get('SM_SSHD_PORT'):
            pytest.skip('sshd is not installed')
        return clustermod.Cluster(testtmp, env, transport=transport, **options)

    return make


@pytest.fixture(params=clustermod.TRANSPORTS)
def cluster(request, mkcluster):
    """alpha and beta syncing ``docs``: over local paths, then over ssh"""
    return mkcluster(request.param)


@pytest.fixture
def inprocess_pair(mkcluster, testenv, monkeypatch):
    """resource ``r`` in ``a`` with ``b`` as its host, by path: (a's
    resource, b's, push)

    Both sides run in the test's own process: ``push(expect=0)`` runs
    ``hg mirror-push -q`` on ``a`` through hg's dispatch and returns its
    output (``expect=None``: any exit status).  The test's other hg calls
    in this process read the shared hgrc.
    """
    monkeypatch.setenv('HGRCPATH', testenv[1]['HGRCPATH'])
    monkeypatch.setenv('HGUSER', 'test')
    c = mkcluster(names=('a', 'b'), resource='r', runner=clustermod.inprocess)

    def push(expect=0):
        proc = c.sync('a', '-q', check=expect)
        return proc.stdout + proc.stderr

    return c.root('a'), c.root('b'), push


@pytest.fixture
def ssh_pair(mkcluster, testenv, monkeypatch):
    """``r`` on ``a`` (this process) with ``b`` as its host over ssh,
    mirrored once"""
    monkeypatch.setenv('HGRCPATH', testenv[1]['HGRCPATH'])
    monkeypatch.setenv('HGUSER', 'test')
    c = mkcluster('ssh', names=('a', 'b'), resource='r', runner=clustermod.inprocess)
    c.setup()
    return c


@pytest.fixture
def mkrepo(tmp_path):
    """make or open a repository in this process (``nodes.repository``):
    ``mkrepo('here')`` is a new one in the test's directory"""

    def make(path='r', create=True, ui=None):
        return nodes.repository(os.path.join(str(tmp_path), path), create, ui)

    return make


# the cram collector ---------------------------------------------------------


def pytest_collect_file(file_path, parent):
    if file_path.suffix == '.t' and file_path.name.startswith('test-'):
        return CramFile.from_parent(parent, path=file_path)
    return None


class CramFile(pytest.File):
    """each .t file twice: as is, and as ``NAME[evolve]`` with hg-evolve
    and topic enabled (``SM_EVOLVE``), the configuration many users run

    A test that enables evolve itself (an hgrc line ``evolve =``) already
    is the evolve run: it runs once.
    """

    def collect(self):
        yield CramItem.from_parent(self, name=self.path.name)
        if not re.search(r'^  > evolve =$', self.path.read_text(), re.M):
            yield CramItem.from_parent(self, name=self.path.name + '[evolve]')


class CramItem(pytest.Item):
    def runtest(self):
        testtmp = tempfile.mkdtemp(prefix='cram-')
        try:
            env = baseenv(testtmp, evolve=self.name.endswith('[evolve]'))
            _refout, postout, diff = _runcram(self.path, testtmp, env)
            if postout is None:
                pytest.skip('skipped by the test (exit 80)')
            if diff:
                raise CramFailure(b''.join(diff).decode('utf-8', 'replace'))
        finally:
            # a test that failed half-way may leave its chg servers
            nodes.stopchg(testtmp)
            shutil.rmtree(testtmp, ignore_errors=True)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CramFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, 'cram: %s' % self.path.name


class CramFailure(Exception):
    pass


def _runcram(path, testtmp, env):
    """run one .t file with cram in ``testtmp``; (refout, postout, diff)"""
    import cram

    cwd = os.getcwd()
    os.chdir(testtmp)
    try:
        refout, postout, diff = cram.testfile(
            str(path).encode(),
            shell='/bin/sh',
            indent=2,
            env=dict(env),
            cleanenv=False,
            testname=os.path.basename(str(path)).encode(),
        )
        return refout, postout, list(diff)
    finally:
        os.chdir(cwd)

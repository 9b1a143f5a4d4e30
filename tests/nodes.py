"""nodes for tests: several SilverMirror machines on one real machine

A node is a home directory with its own hgrc (``silvermirror.name``) and
SilverMirror file.  Over ssh a node is reached by its name, an alias of
the generated ssh config that lands in that home on the real sshd.  Used
by ``conftest.py`` (pytest and cram tests, through ``helpers.sh``) and by
the benchmark.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sshd  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def basehgrc(testtmp, env):
    """the hgrc every node shares, as Mercurial's own test runner sets it"""
    lines = [
        '[extensions]',
        'hgext_silvermirror =',
        '[ui]',
        'interactive = False',
        'detailed-exit-code = True',
        'merge = internal:merge',
        'mergemarkers = detailed',
        'promptecho = True',
        'timeout.warn = 15',
        'ssh = ssh -F %s' % os.path.join(testtmp, '.ssh', 'config'),
    ]
    if env.get('SM_REMOTE_HG'):
        lines.append('remotecmd = %s' % env['SM_REMOTE_HG'])
    lines += [
        '[devel]',
        'all-warnings = true',
        'default-date = 0 0',
        '[silvermirror]',
        'ssh-control = false',
    ]
    if env.get('SM_EVOLVE'):
        lines += ['[extensions]', 'evolve =', 'topic =']
    return '\n'.join(lines) + '\n'


def hgrcpath(testtmp, name):
    return '%s:%s' % (
        os.path.join(testtmp, '.hgrc'),
        os.path.join(testtmp, name, '.hgrc'),
    )


def mknode(testtmp, name, env):
    """create node ``name``: its home, its hgrc, its ssh alias"""
    home = os.path.join(testtmp, name)
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, '.hgrc'), 'w') as fp:
        fp.write('[silvermirror]\nname = %s\n' % name)
    if env.get('SM_SSHD_PORT'):
        sshdir = os.path.join(testtmp, '.ssh')
        os.makedirs(sshdir, mode=0o700, exist_ok=True)
        with open(os.path.join(sshdir, 'config'), 'a') as fp:
            fp.write(
                sshd.alias(
                    name,
                    home,
                    hgrcpath(testtmp, name),
                    env['SM_SSHD_PORT'],
                    env['SM_SSH_KEY'],
                    env['SM_SSH_USER'],
                )
            )
    return home


def nodeenv(testtmp, name, env):
    e = dict(env)
    e['HOME'] = os.path.join(testtmp, name)
    e['HGRCPATH'] = hgrcpath(testtmp, name)
    return e


class Node:
    """a node for pytest tests: run hg as it, write its files"""

    def __init__(self, testtmp, name, env):
        self.testtmp = testtmp
        self.name = name
        self.home = mknode(testtmp, name, env)
        self.env = nodeenv(testtmp, name, env)

    def path(self, *parts):
        return os.path.join(self.home, *parts)

    def write(self, rel, data):
        path = self.path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = 'wb' if isinstance(data, bytes) else 'w'
        with open(path, mode) as fp:
            fp.write(data)

    def read(self, rel):
        with open(self.path(rel), 'rb') as fp:
            return fp.read()

    def config(self, text):
        self.write('.silvermirror', text)

    def hg(self, *args, cwd=None, check=None, timeout=120, input=None):
        """run hg as this node; ``check`` is the expected exit status"""
        proc = subprocess.run(
            [sshd.HG] + [str(a) for a in args],
            cwd=cwd or self.home,
            env=self.env,
            capture_output=True,
            timeout=timeout,
            input=input,
        )
        if check is not None and proc.returncode != check:
            raise AssertionError(
                'hg %s on %s exited %d, expected %d\n%s%s'
                % (
                    ' '.join(map(str, args)),
                    self.name,
                    proc.returncode,
                    check,
                    proc.stdout.decode('utf-8', 'replace'),
                    proc.stderr.decode('utf-8', 'replace'),
                )
            )
        return proc

    def popen(self, *args, cwd=None, **kwargs):
        return subprocess.Popen(
            [sshd.HG] + [str(a) for a in args],
            cwd=cwd or self.home,
            env=self.env,
            **kwargs,
        )


def chgservers(root):
    """pids of the chg servers whose sockets lie under ``root``

    chg starts its server as ``hg serve --cmdserver chgunix --address
    SOCKET``; the nodes put their sockets in their homes (``CHGSOCKNAME``).
    """
    root = os.path.abspath(root) + os.sep
    pids = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % name, 'rb') as fp:
                argv = fp.read().split(b'\0')
        except OSError:
            continue
        if b'chgunix' not in argv or b'--address' not in argv:
            continue
        i = argv.index(b'--address') + 1
        if i < len(argv) and os.fsdecode(argv[i]).startswith(root):
            pids.append(int(name))
    return pids


def _alive(pid):
    """running: a zombie nobody reaps (a daemon's parent is init) is not"""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as fp:
            return fp.read().rsplit(b')', 1)[1].split()[0] != b'Z'
    except (OSError, IndexError):
        return False


def stopchg(root, timeout=10):
    """stop, by pid, the chg servers started for the nodes under ``root``"""
    pids = chgservers(root)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [p for p in pids if _alive(p)]
        if not pids:
            return
        time.sleep(0.05)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def repository(path, create=False, ui=None):
    """the repository at ``path``, in this process

    By default with a bare ui: no hgrc read, so no extension loaded, and
    the user ``test`` for commits.  A test that wants hg as a node runs it
    gives ``ui=uimod.ui.load()`` (the environment's HGRCPATH).
    """
    # hg's dispatch imports initialization before it opens a repository;
    # a repository opened first registers template keywords that a later
    # import of initialization (the extension's, through dispatch) then
    # registers again, and fails
    from mercurial import initialization  # noqa: F401
    from mercurial import ui as uimod
    from mercurial.repo import factory

    if ui is None:
        ui = uimod.ui()
        ui.setconfig(b'ui', b'username', b'test')
    return factory.repository(ui, os.fsencode(path), create=create)


if __name__ == '__main__':
    # helpers.sh: python3 nodes.py mknode NAME | stopchg DIR | chgservers DIR
    if len(sys.argv) == 3 and sys.argv[1] == 'mknode':
        mknode(os.environ['TESTTMP'], sys.argv[2], os.environ)
    elif len(sys.argv) == 3 and sys.argv[1] == 'stopchg':
        stopchg(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == 'chgservers':
        print(len([p for p in chgservers(sys.argv[2]) if _alive(p)]))
    else:
        sys.exit('usage: nodes.py mknode NAME | stopchg DIR | chgservers DIR')


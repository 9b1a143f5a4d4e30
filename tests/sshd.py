"""a real OpenSSH server on 127.0.0.1 for tests and the benchmark

Own host key, own client key, a free port; started as a child process and
stopped by its pid.  Nodes are ssh aliases in a generated ssh config: each
alias sets ``SM_NODE_HOME`` and ``HGRCPATH`` on the server side, and the
client key's login (``LOGIN``) makes that directory the home of every
command, with its ``bin`` on PATH, so several nodes live on one machine.
The remote command wrappers (``SM_REMOTE_HG``, ``SM_REMOTE_CHG``) run the
venv's hg and chg there.

The server sets ``SHLVL`` for its sessions, so that bash, which sshd
runs for every command, does not read the account's ``~/.bashrc``: the
test hosts stand for other machines, and this one's rc (``pyenv init``
here) cost 0.16 s of CPU per ssh command, on every host of every test.
"""

import os
import shutil
import socket
import subprocess
import sys
import time

SSHD = shutil.which('sshd') or '/usr/sbin/sshd'
VENV_BIN = os.path.dirname(os.path.abspath(sys.executable))
HG = os.path.join(VENV_BIN, 'hg')
# Mercurial's C client of a resident hg (``make venv`` builds it)
CHG = os.path.join(VENV_BIN, 'chg')
# contrib/hg-ssh of the installed Mercurial (``make venv`` fetches it with chg)
HGSSH = os.path.join(VENV_BIN, 'hg-ssh')


def available():
    return os.path.exists(SSHD) and shutil.which('ssh') is not None


def freeport():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class SSHServer:
    def __init__(self, workdir):
        self.dir = os.path.abspath(workdir)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.port = None
        self.proc = None
        self.key = os.path.join(self.dir, 'client_key')
        # a key whose every login runs ``hg-ssh --read-only``, as an
        # authorized_keys line limits a read-only user
        self.readonlykey = os.path.join(self.dir, 'read_only_key')
        self.hostkey = os.path.join(self.dir, 'host_key')
        self.remotecmd = os.path.join(self.dir, 'hg-remote')
        self.chgremotecmd = os.path.join(self.dir, 'chg-remote')
        self.login = os.path.join(self.dir, 'login')

    def _authorize(self):
        """the keys, and the authorized_keys file that lets them in: its path"""
        for key in (self.key, self.hostkey, self.readonlykey):
            if not os.path.exists(key):
                subprocess.run(
                    ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key],
                    check=True,
                )
        authorized = os.path.join(self.dir, 'authorized_keys')
        with open(authorized, 'w') as fp, open(self.key + '.pub') as pub:
            fp.write('command="%s" ' % self.login + pub.read())
        if os.path.exists(HGSSH):
            # the node's repositories, as hg-ssh is told them by a glob
            forced = (
                'command="cd \\"$SM_NODE_HOME\\" && HOME=\\"$SM_NODE_HOME\\" '
                'exec %s --read-only *" ' % HGSSH
            )
            with open(authorized, 'a') as fp, open(self.readonlykey + '.pub') as pub:
                fp.write(forced + pub.read())
        os.chmod(authorized, 0o600)
        return authorized

    def start(self, timeout=10.0):
        _script(self.login, LOGIN)
        authorized = self._authorize()
        _wrapper(self.remotecmd, 'hg', 'exec %s "$@"\n' % HG)
        if os.path.exists(CHG):
            # each node's chg servers live in its home, where
            # nodes.stopchg finds them
            _wrapper(
                self.chgremotecmd,
                'chg',
                'mkdir -p "$HOME/.chg"\n'
                'CHGSOCKNAME="$HOME/.chg/server"; export CHGSOCKNAME\n'
                'exec %s "$@"\n' % CHG,
            )
        os.makedirs('/run/sshd', exist_ok=True)
        self.port = freeport()
        config = os.path.join(self.dir, 'sshd_config')
        with open(config, 'w') as fp:
            fp.write(
                'Port %d\n'
                'ListenAddress 127.0.0.1\n'
                'HostKey %s\n'
                'AuthorizedKeysFile %s\n'
                'PidFile %s\n'
                'StrictModes no\n'
                'UsePAM no\n'
                'PermitRootLogin yes\n'
                'PasswordAuthentication no\n'
                'KbdInteractiveAuthentication no\n'
                'AcceptEnv SM_NODE_HOME HGRCPATH SM_* HGUSER\n'
                'MaxStartups 100:30:200\n'
                'MaxSessions 100\n'
                'SetEnv SHLVL=1\n'
                'LogLevel ERROR\n'
                % (
                    self.port,
                    self.hostkey,
                    authorized,
                    os.path.join(self.dir, 'sshd.pid'),
                )
            )
        self.proc = subprocess.Popen(
            [SSHD, '-D', '-e', '-f', config],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, 'sshd.log'), 'ab'),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('sshd exited with %d' % self.proc.returncode)
            try:
                with socket.create_connection(('127.0.0.1', self.port), 0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError('sshd did not listen within %.0fs' % timeout)

    def stop(self):
        if self.proc is not None:
            terminate(self.proc, 5)
        self.proc = None

    def env(self):
        """variables that tests and helpers.sh use to make nodes"""
        return {
            'SM_SSHD_PORT': str(self.port),
            'SM_SSH_KEY': self.key,
            'SM_REMOTE_HG': self.remotecmd,
            'SM_REMOTE_CHG': self.chgremotecmd if os.path.exists(CHG) else '',
            'SM_SSH_USER': _user(),
            'SM_SSH_READ_ONLY_KEY': self.readonlykey if os.path.exists(HGSSH) else '',
        }


def alias(name, home, hgrcpath, port, key, user):
    """an ssh config stanza for node ``name`` living in ``home``"""
    return (
        'Host %s\n'
        '  HostName 127.0.0.1\n'
        '  Port %s\n'
        '  User %s\n'
        '  IdentityFile %s\n'
        '  IdentitiesOnly yes\n'
        '  StrictHostKeyChecking no\n'
        '  UserKnownHostsFile /dev/null\n'
        '  LogLevel ERROR\n'
        '  SetEnv SM_NODE_HOME=%s HGRCPATH=%s\n'
        % (name, port, user, key, home, hgrcpath)
    )


# the login of the client key: each node alias lands in its node's home, as
# on a machine of its own, with the node's ``bin`` first on PATH (hg, chg:
# what that machine has installed) and its own runtime directory (where
# chg keeps its servers' sockets), then runs the command as sshd would
LOGIN = (
    '#!/bin/sh\n'
    'if [ -n "$SM_NODE_HOME" ]; then\n'
    '  cd "$SM_NODE_HOME" || exit 255\n'
    '  HOME="$SM_NODE_HOME"; export HOME\n'
    '  PATH="$HOME/bin:$PATH"\n'
    '  XDG_RUNTIME_DIR="$HOME/.run"; export XDG_RUNTIME_DIR\n'
    '  [ -d "$XDG_RUNTIME_DIR" ] || mkdir -m 700 "$XDG_RUNTIME_DIR"\n'
    'fi\n'
    'exec "${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"\n'
)


def _wrapper(path, what, body):
    _script(
        path,
        '#!/bin/sh\n'
        '# %s on the test host, in the home of the node named by the alias\n'
        'if [ -n "$SM_NODE_HOME" ]; then\n'
        '  cd "$SM_NODE_HOME" || exit 255\n'
        '  HOME="$SM_NODE_HOME"; export HOME\n'
        'fi\n' % what + body,
    )


def _script(path, text):
    with open(path, 'w') as fp:
        fp.write(text)
    os.chmod(path, 0o755)


def _user():
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def terminate(proc, timeout):
    """stop a process the test started: SIGTERM, then SIGKILL after
    ``timeout`` seconds"""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

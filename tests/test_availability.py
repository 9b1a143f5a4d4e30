"""http hosts that are down or broken, and passwords in host URLs

A host over http(s) that refuses the connection, resets it, never
answers or answers what is not Mercurial is an unreachable host: the run
exits 1 and the other hosts sync, as with a dead ssh host.  A password in
a host URL is shown masked (``alice:***@``) in every output, the daemon's
log included.  The hub is a real ``hg serve``; the broken servers are
real loopback TCP servers of this test process.
"""

import json
import os
import socket
import struct
import subprocess
import threading

import pytest

import sshd as sshdmod

SECRET = 's3cret'
DAEMON = os.path.join(sshdmod.VENV_BIN, 'silvermirrord')


class Broken:
    """a TCP server on the loopback that answers as ``kind`` says

    ``reset``: the connection is reset at once; ``garbage``: bytes that are
    not HTTP; ``hgjunk``: Mercurial's handshake, then replies that are not
    SilverMirror's; ``silent``: accepted and never answered; ``refused``:
    no one listens on the port.
    """

    def __init__(self, kind):
        self.kind = kind
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.thread = None
        if kind == 'refused':
            self.sock.close()
            return
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            if self.kind == 'reset':
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                conn.close()
            elif self.kind in ('garbage', 'hgjunk'):
                conn.settimeout(5)
                try:
                    conn.sendall(self.answer(conn.recv(65536)))
                except OSError:
                    pass
                conn.close()
            else:
                self.held.append(conn)

    def answer(self, request):
        """``hgjunk``: a hub with the extension, until asked for a sync"""
        if self.kind == 'garbage':
            return b'\x00\x1b[31mnot http\xff\r\n\r\n'
        body = b'\x1b[31m\xff\xfe not CBOR'
        if b'cmd=capabilities' in request.split(b'\r\n', 1)[0]:
            body = b'lookup branchmap pushkey known getbundle unbundle=HG10GZ,HG10BZ,HG10UN batch silvermirror=1'
        return (
            b'HTTP/1.1 200 OK\r\nContent-Type: application/mercurial-0.1\r\n'
            b'Content-Length: %d\r\nConnection: close\r\n\r\n%s' % (len(body), body)
        )

    def stop(self):
        if self.thread is not None:
            self.stopping = True
            self.thread.join(5)
            self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def broken():
    servers = []

    def make(kind):
        servers.append(Broken(kind))
        return servers[-1]

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def hub(testenv, mknode):
    """a real ``hg serve`` hub with push allowed, serving hub/docs"""
    tmp, env = testenv
    node = mknode('hub')
    node.hg('init', node.path('docs'), check=0)
    conf = os.path.join(tmp, 'hub.conf')
    with open(conf, 'w') as fp:
        fp.write('[paths]\n/ = %s/*\n' % node.home)
    pidfile = os.path.join(tmp, 'hub.pid')
    port = sshdmod.freeport()
    node.hg(
        'serve', '-d', '-a', '127.0.0.1', '-p', port, '--pid-file', pidfile,
        '--web-conf', conf, '--config', 'web.push_ssl=false',
        '--config', 'web.allow-push=*', check=0,
    )
    node.port = port
    yield node
    with open(pidfile) as fp:
        os.kill(int(fp.read().strip()), 15)


def url(port):
    return 'http://alice:%s@127.0.0.1:%d/' % (SECRET, port)


def out(proc):
    return (proc.stdout + proc.stderr).decode('utf-8', 'replace')


def clean(text):
    """no password, no traceback, no terminal escape from a peer"""
    assert SECRET not in text, text
    assert 'Traceback' not in text, text
    assert '\x1b' not in text, text


def setup_node(node, hosts):
    os.makedirs(node.path('usb'), exist_ok=True)
    node.config(
        '[::SilverMirror::]\ntimeout = 2\nhosts = %s %s\n[docs]\n'
        % (' '.join(hosts), node.path('usb'))
    )
    node.write('docs/a.txt', 'a\n')


@pytest.mark.parametrize('kind', ['refused', 'reset', 'garbage', 'hgjunk', 'silent'])
def test_broken_http_host_is_unreachable_and_others_sync(mknode, broken, kind):
    alpha = mknode('alpha')
    dead = broken(kind)
    setup_node(alpha, [url(dead.port)])
    push = alpha.hg('mirror-push', 'docs')
    clean(out(push))
    assert push.returncode == 1, out(push)
    status = 'failed' if kind == 'hgjunk' else 'unreachable'
    assert 'http://alice:***@127.0.0.1:%d/: %s: ' % (dead.port, status) in out(push), out(push)
    assert alpha.read('usb/docs/a.txt') == b'a\n'
    alpha.write('usb/docs/b.txt', 'b\n')
    pull = alpha.hg('mirror-pull', 'docs')
    clean(out(pull))
    assert pull.returncode == 1, out(pull)
    assert alpha.read('docs/b.txt') == b'b\n'
    status = alpha.hg('mirror-status', '--remote', 'docs', '-T', 'json')
    clean(out(status))
    assert status.returncode == 1, out(status)
    hosts = json.loads(status.stdout)[0]['hosts']
    assert hosts[0]['url'] == 'http://alice:***@127.0.0.1:%d/docs' % dead.port
    # a host that answers is reachable, whatever its answers are worth
    assert hosts[0]['reachable'] is (kind == 'hgjunk')
    assert hosts[1]['reachable'] is True


def test_password_masked_everywhere(testenv, mknode, hub, broken):
    """human output, -T json, --debug, errors, mirror-clone, the daemon's log"""
    alpha = mknode('alpha')
    dead = broken('refused')
    setup_node(alpha, [url(hub.port), url(dead.port)])
    push = alpha.hg('mirror-push', 'docs', '--debug')
    clean(out(push))
    assert push.returncode == 1, out(push)
    assert 'docs: http://alice:***@127.0.0.1:%d/: pushed 1 changesets' % hub.port in out(push)
    assert hub.read('docs/a.txt') == b'a\n'

    alpha.write('docs/b.txt', 'b\n')
    js = alpha.hg('mirror-push', 'docs', '-T', 'json')
    clean(out(js))
    records = json.loads(js.stdout)
    assert [r['host'] for r in records] == [
        'http://alice:***@127.0.0.1:%d/' % p for p in (hub.port, dead.port)
    ] + [alpha.path('usb')]
    assert records[0]['status'] == 'synced'
    assert records[1]['status'] == 'unreachable'

    # an abort naming a URL, and a host entry in a configuration error
    bad = alpha.hg('mirror-clone', url(dead.port) + 'docs')
    clean(out(bad))
    assert bad.returncode == 255
    assert 'cannot fetch the SilverMirror file from http://alice:***@' in out(bad)
    beta = mknode('beta')
    beta.config('[::SilverMirror::]\nhosts = ftp://alice:%s@hub/\n[docs]\n' % SECRET)
    conf = beta.hg('mirror-status')
    clean(out(conf))
    assert 'ftp://alice:***@hub/' in out(conf)

    # a new node cloned from the hub: its dead host does not stop it
    hub.config(alpha.read('.silvermirror').decode())
    gamma = mknode('gamma')
    clone = gamma.hg('mirror-clone', url(hub.port) + 'docs')
    clean(out(clone))
    assert clone.returncode == 1, out(clone)
    assert gamma.read('docs/b.txt') == b'b\n'

    # the daemon: the dead host backs off, nothing in the log shows the password
    env = dict(alpha.env)
    env.pop('XDG_STATE_HOME', None)
    alpha.write('docs/c.txt', 'c\n')
    daemon = subprocess.run(
        [DAEMON, '--once', '-vv', '--foreground'],
        cwd=alpha.home, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, timeout=120,
    )
    clean(out(daemon))
    assert daemon.returncode == 1, out(daemon)
    assert 'http://alice:***@127.0.0.1:%d/ is down' % dead.port in out(daemon)
    assert hub.read('docs/c.txt') == b'c\n'

"""a hostile peer, over the real wire protocol: a host keeps to its tree

The peer is this test, speaking to a real host through the extension's
own client machinery (``hosts.connect``, ``conn.call``): over ssh to the
test sshd (``hg serve --stdio``) and over ``hg serve`` on http with push
allowed.  It sends what a malicious node could: prefill payloads that
write through links or out of the tree, empty-directory records that
point outside it, ignore patterns that read files, malformed arguments.
After each, a sentinel tree beside the host's repositories is byte for
byte as it was, the host still answers, and a normal sync afterwards
succeeds.  One sshd, one host and one pair of http servers serve every
case of a worker.
"""

import base64
import fcntl
import hashlib
import io
import os
import re
import socket
import stat
import subprocess
import sys
import time

import pytest

# importing initialization registers revset predicates, as hg's dispatch does
from mercurial import context, error, exchange, extensions, initialization  # noqa: F401
from mercurial import ui as uimod, util
from mercurial.node import hex

import conftest
import nodes
import sshd as sshdmod
from shattered import SHATTERED
from hgext_silvermirror import bigdelta, hosts, resources, wire
from hgext_silvermirror.firstcontact import firstcheckout

SECRET = b'SECRET-LINE-of-the-host\n'
# the remote command of a node that sets none (its ssh hosts' default)
DEFAULT = 'default'


class Hostile:
    """the host node, its http servers, the sentinel, and a legit node"""

    def __init__(self, testtmp, env):
        self.testtmp = testtmp
        self.env = env
        self.host = nodes.Node(testtmp, 'host', env)
        self.alpha = nodes.Node(testtmp, 'alpha', env)
        self.sentinel = os.path.join(testtmp, 'sentinel')
        os.makedirs(os.path.join(self.sentinel, 'keep'))
        os.makedirs(os.path.join(self.sentinel, 'sub'))
        with open(os.path.join(self.sentinel, 'secret.txt'), 'wb') as fp:
            fp.write(SECRET)
        with open(os.path.join(self.sentinel, 'sub', 'file'), 'wb') as fp:
            fp.write(b'untouched\n')
        self.before = tree(self.sentinel)
        self.servers = {}
        self.ports = {}
        self.count = 0
        self.errs = []
        # the host as a user limited to ``hg-ssh --read-only`` sees it
        self.readonly = bool(env.get('SM_SSH_READ_ONLY_KEY'))
        if self.readonly:
            with open(os.path.join(testtmp, '.ssh', 'config'), 'a') as fp:
                fp.write(
                    sshdmod.alias(
                        'host-read-only',
                        self.host.home,
                        nodes.hgrcpath(testtmp, 'host'),
                        env['SM_SSHD_PORT'],
                        env['SM_SSH_READ_ONLY_KEY'],
                        env['SM_SSH_USER'],
                    )
                )

    def serve(self, name, allowpush):
        """``hg serve`` of every repository in the host's home"""
        conf = os.path.join(self.testtmp, 'web-%s.conf' % name)
        with open(conf, 'w') as fp:
            fp.write('[paths]\n/ = %s/*\n' % self.host.home)
        port = sshdmod.freeport()
        log = open(os.path.join(self.testtmp, 'serve-%s.log' % name), 'ab')
        proc = self.host.popen(
            'serve', '-a', '127.0.0.1', '-p', port, '--web-conf', conf,
            '--config', 'web.push_ssl=false',
            '--config', 'web.allow-push=%s' % ('*' if allowpush else ''),
            '--config', 'web.refreshinterval=0',
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        )
        log.close()
        self.servers[name] = proc
        self.ports[name] = port
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert proc.poll() is None, 'hg serve exited'
            try:
                with socket.create_connection(('127.0.0.1', port), 0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError('hg serve did not listen within 20 s')

    def stop(self):
        for proc in self.servers.values():
            sshdmod.terminate(proc, 10)
        nodes.stopchg(self.testtmp)

    def fresh(self):
        """a new, empty resource repository on the host: its name"""
        self.count += 1
        name = 'r%d' % self.count
        self.host.hg('init', name, check=0)
        return name

    def url(self, transport, name):
        if transport == 'ssh':
            return 'ssh://host/%s' % name
        if transport == 'ssh-read-only':
            return 'ssh://host-read-only/%s' % name
        return 'http://127.0.0.1:%d/%s' % (self.ports[transport], name)

    def ui(self, remotecmd=None):
        """the attacker's ui: the shared hgrc, as a node reads it"""
        u = uimod.ui()
        # what the host's hg says on stderr (ssh: as remote output)
        u.fout, u.ferr = io.BytesIO(), io.BytesIO()
        self.errs += [u.fout, u.ferr]
        for path in nodes.hgrcpath(self.testtmp, 'alpha').split(':'):
            u.readconfig(os.fsencode(path), trust=True)
        if remotecmd == DEFAULT:
            unset = os.path.join(self.testtmp, 'no-remotecmd.rc')
            with open(unset, 'w') as fp:
                fp.write('[ui]\n%unset remotecmd\n')
            u.readconfig(os.fsencode(unset), trust=True)
        elif remotecmd:
            u.setconfig(b'ui', b'remotecmd', os.fsencode(remotecmd), b'test')
        # the client side of the wire commands, as hg's dispatch loads it
        extensions.loadall(u)
        return u

    def connect(self, transport, name, remotecmd=None):
        url = os.fsencode(self.url(transport, name))
        entry = resources.hostentry(url, url, False)
        return hosts.connect(self.ui(remotecmd), entry, 10, True, create=False)

    def repopath(self, name, *parts):
        return os.path.join(self.host.home, name, *parts)

    def check(self, conn):
        """the sentinel as it was; the host still answers, and never
        printed a traceback or a devel warning"""
        assert tree(self.sentinel) == self.before
        reply = conn.call(b'smstatus', {b'common': []})
        assert b'node' in reply
        self.nobug()

    def nobug(self):
        for e in self.errs:
            text = e.getvalue()
            assert b'Traceback' not in text and b'devel-warn' not in text, text
        # a request that failed in hg (not a client that hung up)
        for name in self.servers:
            text = reador(os.path.join(self.testtmp, 'serve-%s.log' % name))
            assert b'Exception happened' not in text, text

    def sync(self, transport, name):
        """a legit node's normal sync with the host succeeds"""
        host = 'host' if transport == 'ssh' else self.url(transport, '')
        self.alpha.config('[::SilverMirror::]\nhosts = %s\n[%s]\n' % (host, name))
        self.alpha.write(os.path.join(name, 'legit.txt'), b'legit\n')
        proc = self.alpha.hg('mirror-push', name, check=0)
        assert b'Traceback' not in proc.stderr and b'devel-warn' not in proc.stderr
        assert tree(self.sentinel) == self.before
        self.nobug()
        if transport == 'ssh':
            assert reador(self.repopath(name, 'legit.txt')) == b'legit\n'
        else:
            out = self.host.hg('-R', name, 'files', '-r', 'tip', check=0).stdout
            assert b'legit.txt' in out


def send(conn, op, args, payload):
    """``conn.call`` with a payload; over http, where the extension's
    client sends none, as the POST body a hostile peer can send"""
    if not conn.url.startswith(b'http'):
        return conn.call(op, args, payload=payload)
    request = base64.b64encode(wire.encode(args))
    data = conn.peer._call(op, request=request, data=payload.read())
    return wire._reply(op, wire.decode(data))


def reador(path):
    """the content of ``path``, or None"""
    try:
        with open(path, 'rb') as fp:
            return fp.read()
    except FileNotFoundError:
        return None


def tree(root):
    """every entry under ``root``: its type and content (a link's target)

    hg's caches (which a read refreshes) are left out.
    """
    out = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [
            d for d in dirs if os.path.join(dirpath, d) not in CACHES(root)
        ]
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                data = os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                with open(p, 'rb') as fp:
                    data = fp.read()
            else:
                data = None
            out[os.path.relpath(p, root)] = (stat.S_IFMT(st.st_mode), data)
    return out


def CACHES(root):
    return {os.path.join(root, '.hg', d) for d in ('cache', 'wcache')}


@pytest.fixture(scope='module')
def hostile(tmp_path_factory):
    if not sshdmod.available():
        pytest.skip('sshd is not installed')
    testtmp = str(tmp_path_factory.mktemp('hostile'))
    env = conftest.baseenv(testtmp)
    h = Hostile(testtmp, env)
    try:
        h.serve('http', allowpush=True)
        h.serve('http-read-only', allowpush=False)
        yield h
    finally:
        h.stop()


TRANSPORTS = ['ssh', 'http']


def frames(files):
    """a prefill payload: (path, flag, data) each, then the end"""
    out = b''
    for f, flag, data in files:
        out += firstcheckout.HEADER.pack(len(f), len(data), flag) + f + data
    return io.BytesIO(out + firstcheckout.LENGTH.pack(0))


def prefillcases(sentinel):
    s = os.fsencode(sentinel)
    P, L = firstcheckout.PLAIN, firstcheckout.LINK
    ok = (b'fine.txt', P, b'fine\n')
    return [
        # a link, then a file written through it
        [ok, (b'evil', L, s), (b'evil/pwned', P, b'x')],
        [(b'rel', L, b'../../sentinel'), (b'rel/pwned', P, b'x')],
        [(b'd', L, s), (b'd/sub/deeper/f', P, b'x')],
        [(b'd', L, s + b'/sub'), (b'd/file', P, b'x')],
        [ok, (b'../../sentinel/dotdot', P, b'x')],
        [(s + b'/absolute', P, b'x')],
        [(b'.hg/hgrc', P, b'[hooks]\npre-status = touch pwned\n')],
        [(b'sub/.hg/hgrc', P, b'x')],
        [(b'a/../../../sentinel/up', P, b'x')],
    ]


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_prefill_writes_only_inside_the_tree(hostile, transport):
    name = hostile.fresh()
    conn = hostile.connect(transport, name)
    hgrc = hostile.repopath(name, '.hg', 'hgrc')
    before = reador(hgrc)
    try:
        for case in prefillcases(hostile.sentinel):
            with pytest.raises(error.Abort) as info:
                send(conn, b'smprefill', {b'locktimeout': 5}, frames(case))
            assert b'Traceback' not in info.value.message
            hostile.check(conn)
            # what the refused payload wrote first is gone again
            assert sorted(os.listdir(hostile.repopath(name))) == ['.hg'], case
            assert reador(hgrc) == before
    finally:
        conn.close()
    hostile.sync(transport, name)


def craft(repo, parent, files, dirs):
    """a changeset on ``parent`` with ``files`` (path: (data, islink)) and
    the empty directories ``dirs`` recorded, as any node could make it"""

    def filectx(repo, mctx, path):
        data, islink = files[path]
        return context.memfilectx(repo, mctx, path, data, islink=islink)

    extra = {
        b'silvermirror-node': b'mallory',
        b'silvermirror-emptydirs': b'\0'.join(dirs),
    }
    with repo.wlock(), repo.lock():
        ctx = context.memctx(
            repo, (parent, None), b'crafted', list(files), filectx,
            user=b'mallory', extra=extra,
        )
        return repo.commitctx(ctx)


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_emptydir_records_stay_inside_the_tree(hostile, transport, mkrepo):
    name = hostile.fresh()
    s = os.fsencode(hostile.sentinel)
    outside = [
        b'../../sentinel/made',
        s + b'/absmade',
        b'link/through',
        b'.hg/made',
        b'../../sentinel/keep',
    ]
    u = hostile.ui()
    repo = mkrepo('mallory', ui=u)
    first = craft(
        repo, repo.nullid,
        {b'a.txt': (b'a\n', False), b'link': (s, True)},
        outside + [b'ok/inside'],
    )
    second = craft(repo, first, {b'a.txt': (b'b\n', False)}, [])
    conn = hostile.connect(transport, name)
    try:
        exchange.push(repo, conn.peer, force=True)
        for node in (first, second):
            reply = conn.call(b'smupdate', {b'node': hex(node), b'locktimeout': 5})
            assert reply[b'update'] == b'updated'
            hostile.check(conn)
            if node == first:
                assert os.path.isdir(hostile.repopath(name, 'ok', 'inside'))
        assert not os.path.exists(hostile.repopath(name, '.hg', 'made'))
        assert not os.path.isdir(hostile.repopath(name, 'ok', 'inside'))
    finally:
        conn.close()
    hostile.sync(transport, name)


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_ignore_patterns_read_no_file(hostile, transport):
    name = hostile.fresh()
    secret = os.fsencode(os.path.join(hostile.sentinel, 'secret.txt'))
    cases = [
        {b'ignore': [b'include:' + secret]},
        {b'ignore': [b'subinclude:' + secret]},
        {b'ignore': [b'listfile:' + secret], b'dryrun': True},
        {b'ignore': [b'*.o\ninclude:' + secret]},
        {b'ignore': [b'syntax: include', secret]},
        {b'ignore': [b'set:size(">0")'], b'dryrun': True},
        {b'children': [b'x\ninclude:' + secret]},
    ]
    conn = hostile.connect(transport, name)
    try:
        for args in cases:
            args[b'locktimeout'] = 5
            with pytest.raises(error.Abort) as info:
                conn.call(b'smprepare', args)
            assert b'SECRET' not in bytes(info.value.format()), args
            assert b'not allowed' in info.value.message or b'malformed' in info.value.message
            hostile.check(conn)
        ignore = hostile.repopath(name, '.hg', 'silvermirror', 'ignore')
        assert not os.path.exists(ignore)
        # the kinds that read no file are taken
        conn.call(
            b'smprepare',
            {b'ignore': [b'glob:*.o', b're:^x$', b'path:build', b'*.tmp'],
             b'locktimeout': 5, b'dryrun': True},
        )
    finally:
        conn.close()


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_malformed_requests_get_an_error_reply(hostile, transport):
    name = hostile.fresh()
    conn = hostile.connect(transport, name)
    lock = os.fsencode(os.path.join(hostile.sentinel, 'lockfile'))
    typed = [
        (b'smupdate', {b'node': b'zz'}),
        (b'smupdate', {b'node': b'g' * 40}),
        (b'smupdate', {b'node': b'+' + b'0' * 39}),
        (b'smupdate', {b'node': 12345}),
        (b'smupdate', {}),
        # well formed, but no such changeset
        (b'smupdate', {b'node': b'1' * 40}),
        (b'smstatus', {b'common': [b'xyz']}),
        (b'smprepare', {b'locktimeout': lock}),
        (b'smprepare', {b'ignore': b'*.o'}),
        (b'smprepare', {b'maxdelete': b'all'}),
        (b'smprepare', {b'warm': b'yes'}),
    ]
    payloads = [
        (b'smdeliver', {b'node': b'nothex'}),
        (b'smseed', {b'heads': [b'nothex'], b'files': 1, b'bytes': 1,
                     b'requirements': []}),
        (b'smseed', {b'heads': [], b'files': b'1', b'bytes': 1,
                     b'requirements': []}),
    ]
    try:
        for op, args in typed:
            with pytest.raises(error.Abort):
                conn.call(op, args)
            hostile.check(conn)
        for op, args in payloads:
            with pytest.raises(error.Abort):
                send(conn, op, args, io.BytesIO(b'garbage'))
            hostile.check(conn)
        # not base64, not CBOR, not a map: sent as they are
        post = {'data': b''} if transport != 'ssh' else {}
        for raw in (b'!!!', b'AAAA', b'gQE='):
            reply = wire.decode(conn.peer._call(b'smstatus', request=raw, **post))
            assert b'malformed' in reply[b'error']
            hostile.check(conn)
        # a name no command reads: nothing is made of it
        conn.call(b'smprepare', {b'lock': lock, b'locktimeout': 5, b'dryrun': True})
        hostile.check(conn)
    finally:
        conn.close()
    hostile.sync(transport, name)


def test_read_only_host_refuses_every_change(hostile):
    """``hg-ssh --read-only`` over ssh, no ``allow-push`` over http"""
    name = hostile.fresh()
    before = tree(hostile.repopath(name))
    node = b'0' * 40
    changing = [
        (b'smprepare', {}, None),
        (b'smupdate', {b'node': node}, None),
        (b'smprefill', {}, frames([(b'f', firstcheckout.PLAIN, b'x')])),
        (b'smdeliver', {b'node': node}, io.BytesIO(b'x')),
        (b'smseed', {b'heads': [], b'files': 0, b'bytes': 0, b'requirements': []},
         io.BytesIO(b'')),
        (b'smbigdelta', {b'base': b'1' * 40, b'content': b'2' * 40, b'size': 1,
                         b'block': bigdelta.MINBLOCK, b'count': 1},
         io.BytesIO(bigdelta.INDEX.pack(0) + b'x')),
        (b'smbigpin', {b'hashes': [b'1' * 40]}, None),
        (b'smbigstage', {b'size': 1}, io.BytesIO(b'x')),
        (b'smstage', {b'node': node, b'parents': [node]},
         frames([(b'f', firstcheckout.PLAIN, b'x')])),
    ]
    if not hostile.readonly:
        pytest.skip('hg-ssh is not installed (make venv fetches it with chg)')
    # hg-ssh serves only the command line ``hg -R REPO serve --stdio``: it
    # refuses the default, which then falls back to it
    for transport, remotecmd in (('ssh-read-only', DEFAULT), ('http-read-only', None)):
        conn = hostile.connect(transport, name, remotecmd=remotecmd)
        try:
            for op, args, payload in changing:
                args = {**args, b'locktimeout': 5}
                if payload is not None:
                    payload.seek(0)
                with pytest.raises(error.Abort) as info:
                    send(conn, op, args, payload) if payload else conn.call(op, args)
                if transport == 'ssh-read-only':
                    assert b'refuses changes (pretxnopen.hg-ssh' in info.value.message
                assert tree(hostile.repopath(name)) == before, op
            # what reads only is served
            conn.call(b'smstatus', {b'common': []})
            assert conn.call(b'smwarm', {}) == {}
            assert tree(hostile.repopath(name)) == before
        finally:
            conn.close()
    hostile.sync('ssh', name)


def test_big_delta_makes_only_its_declared_content(hostile):
    """``smbigdelta`` builds a content from one the host holds and the
    blocks a peer sends: a base that is not a hash, a result that is not
    the declared content, blocks out of order or past the length, a
    length the blocks sent do not pay for, a block size the host would
    not choose: each is refused and the store holds only its base; so is
    a content sent ahead (``smbigstage``) that is not what it announced"""
    name = hostile.fresh()
    with open(hostile.repopath(name, '.hg', 'hgrc'), 'a') as fp:
        fp.write('[extensions]\nlargefiles =\n')
    store = hostile.repopath(name, '.hg', 'largefiles')
    os.makedirs(store)
    base = b'a base content\n' * 1000
    bh = hashlib.sha1(base).hexdigest().encode()
    with open(os.path.join(store, bh.decode()), 'wb') as fp:
        fp.write(base)
    new = base + b'appended\n'
    nh = hashlib.sha1(new).hexdigest().encode()
    block, index = bigdelta.MINBLOCK, bigdelta.INDEX.pack
    args = {b'base': bh, b'content': nh, b'size': len(new), b'block': block, b'count': 1}
    bad = [
        (b'smbigsums', {b'base': b'../' + bh[3:], b'size': 1}, None),
        (b'smbigdelta', {**args, b'base': b'../x'}, index(0) + new),
        (b'smbigdelta', args, index(0) + b'forged' + new[6:]),
        (b'smbigdelta', args, index(1) + new),
        (b'smbigdelta', {**args, b'count': 2}, index(0) + new + index(0) + new),
        (b'smbigdelta', {**args, b'size': 5 * block, b'count': 0}, b''),
        (b'smbigdelta', {**args, b'block': 4096}, index(0) + new[:4096]),
        (b'smbigdelta', args, index(0) + new[:100]),
        (b'smbigpin', {b'hashes': [b'../' + bh[3:]]}, None),
        (b'smbigpin', {b'hashes': bh}, None),
        # a content sent ahead: fewer bytes than announced, no size, one
        # hg's SHA-1 refuses
        (b'smbigstage', {b'size': len(new) + 1}, new),
        (b'smbigstage', {b'size': b'9'}, new),
        (b'smbigstage', {b'size': len(SHATTERED)}, SHATTERED),
    ]
    conn = hostile.connect('ssh', name)
    try:
        assert conn.call(b'smbigsums', {b'base': bh, b'size': len(new)})[b'size'] == len(base)
        for op, request, payload in bad:
            with pytest.raises(error.Abort):
                send(conn, op, request, io.BytesIO(payload)) if payload else conn.call(op, request)
            assert os.listdir(store) == [bh.decode()], (request, (payload or b"")[:20])
        send(conn, b'smbigdelta', args, io.BytesIO(index(0) + new))
        assert reador(os.path.join(store, nh.decode())) == new
        # sent ahead, a content is kept under the hash the host finds
        ahead = b'sent ahead\n' * 1000
        reply = send(conn, b'smbigstage', {b'size': len(ahead)}, io.BytesIO(ahead))
        assert reply[b'content'] == hashlib.sha1(ahead).hexdigest().encode()
        assert reador(os.path.join(store, hashlib.sha1(ahead).hexdigest())) == ahead
        # a pin holds only what the store holds
        held = conn.call(b'smbigpin', {b'hashes': [bh, b'1' * 40]})[b'held']
        assert held == [bh]
        assert os.listdir(hostile.repopath(name, '.hg', 'silvermirror', 'pins')) == [bh.decode()]
    finally:
        conn.close()
    assert tree(hostile.sentinel) == hostile.before
    hostile.nobug()


def test_seed_stream_stays_in_the_store(hostile):
    """a first stream's file names: hg's store keeps them inside itself
    (refused, or encoded there: ``..`` is stored as ``~2e~2e``)"""
    name = hostile.fresh()
    s = os.fsencode(hostile.sentinel)
    requires = set()
    for req in (('requires',), ('store', 'requires')):
        requires |= set((reador(hostile.repopath(name, '.hg', *req)) or b'').split())
    hgrc = hostile.repopath(name, '.hg', 'hgrc')
    conn = hostile.connect('ssh', name)
    try:
        for bad in (b'../../../sentinel/streamed', s + b'/streamed', b'../hgrc'):
            data = b'[hooks]\n'
            stream = b's' + util.uvarintencode(len(bad)) + util.uvarintencode(len(data))
            args = {b'requirements': sorted(requires), b'files': 1,
                    b'bytes': len(data), b'heads': [], b'locktimeout': 5}
            try:
                conn.call(b'smseed', args, payload=io.BytesIO(stream + bad + data))
            except error.Abort:
                pass
            hostile.check(conn)
            assert b'[hooks]' not in (reador(hgrc) or b'')
    finally:
        conn.close()
    hostile.sync('ssh', name)


def test_history_naming_files_outside_is_refused(hostile, mkrepo):
    """a changeset naming a file outside the tree, or a largefile by a
    path, never enters the host"""
    name = hostile.fresh()
    u = hostile.ui()
    repo = mkrepo('mallory', ui=u)
    conn = hostile.connect('ssh', name)
    try:
        crafted = [
            {bad: (b'x', False)}
            for bad in (b'../../sentinel/dotdot', b'.hg/hgrc',
                        os.fsencode(hostile.sentinel) + b'/abs')
        ]
        # a largefile's standin whose hash is a path (largefiles would
        # read it from there on update)
        crafted.append({b'.hglf/big.iso': (b'../../../../sentinel/secret.txt\n', False)})
        for files in crafted:
            node = craft(repo, repo.nullid, files, [])
            with pytest.raises(error.Abort):
                exchange.push(repo, conn.peer, force=True, revs=[node])
            with pytest.raises(error.Abort):
                conn.call(b'smupdate', {b'node': hex(node), b'locktimeout': 5})
            hostile.check(conn)
            assert conn.call(b'smstatus', {b'common': []})[b'incoming'] == 0
    finally:
        conn.close()
    hostile.sync('ssh', name)


# the peer's side of hg's largefiles wire commands, in a process of its
# own: loading largefiles wraps hg's commands for the whole process
LFPEER = r'''
import io, os, sys, tempfile
from mercurial import extensions, httpconnection, initialization, ui as uimod
from mercurial.repo import factory
u = uimod.ui.load()
u.setconfig(b'extensions', b'largefiles', b'', b'attack')
if sys.argv[4:]:
    u.setconfig(b'ui', b'remotecmd', sys.argv[4].encode(), b'attack')
extensions.loadall(u)
peer = factory.peer(u, {}, sys.argv[1].encode())
op, sha = sys.argv[2], sys.argv[3].encode()
try:
    if op == 'get':
        out = b''.join(peer.getlfile(sha))
    elif op == 'stat':
        out = b'%d' % peer.statlfile(sha)
    else:
        with tempfile.NamedTemporaryFile() as fp:
            content = os.environ.get('SM_LFPEER_CONTENT')
            fp.write(open(content, 'rb').read() if content else b'planted\n')
            fp.flush()
            # what largefiles' own client sends: a file that knows its size
            fd = httpconnection.httpsendfile(u, fp.name, 'rb')
            try:
                out = b'%d' % peer.putlfile(sha, fd)
            except Exception as inst:
                if op != 'put+stat':
                    raise
                out = b'refused: %s' % str(inst).encode()
        if op == 'put+stat':
            # the same connection, still in step
            out += b' then %d' % peer.statlfile(sha)
except Exception as inst:
    out = b'refused: %s' % str(inst).encode()
finally:
    peer.close()
sys.stdout.buffer.write(out)
'''


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_largefile_hashes_name_no_path(hostile, transport):
    """hg's largefiles makes a path of the hash a peer sends: ``../..`` in
    it reads nothing, tells nothing and makes nothing outside the store"""
    name = hostile.fresh()
    with open(hostile.repopath(name, '.hg', 'hgrc'), 'a') as fp:
        fp.write('[extensions]\nlargefiles =\n')
    # a repository that has largefiles: ``..`` resolves from the store
    store = hostile.repopath(name, '.hg', 'largefiles')
    os.makedirs(store)
    secret = os.path.relpath(os.path.join(hostile.sentinel, 'secret.txt'), store)
    made = os.path.relpath(os.path.join(hostile.sentinel, 'made', 'x'), store)
    url = hostile.url(transport, name)
    for op, sha in (('get', secret), ('stat', secret), ('put', made)):
        proc = subprocess.run(
            [sys.executable, '-c', LFPEER, url, op, sha],
            env=hostile.alpha.env, capture_output=True, timeout=60,
        )
        assert SECRET not in proc.stdout
        assert b"is not a largefile's hash" in proc.stdout, (op, proc.stdout)
        assert b'Traceback' not in proc.stderr, proc.stderr
        assert tree(hostile.sentinel) == hostile.before, op
    hostile.nobug()
    hostile.sync(transport, name)


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_largefile_that_does_not_match_its_hash(hostile, transport):
    """a content sent under another's hash is refused once read whole, and
    the connection stays in step: an answer, not a wait

    Whichever putlfile serves it: hg's own under ``confine``'s checks, in
    a server no sync has set up yet, or SilverMirror's (``bigcopy``)."""
    name = hostile.fresh()
    with open(hostile.repopath(name, '.hg', 'hgrc'), 'a') as fp:
        fp.write('[extensions]\nlargefiles =\n')
    sha = hashlib.sha1(b'not what is sent\n').hexdigest()
    proc = subprocess.run(
        [sys.executable, '-c', LFPEER, hostile.url(transport, name), 'put+stat', sha],
        env=hostile.alpha.env, capture_output=True, timeout=60,
    )
    refused = re.search(br'\b[1-9]\d* then 2\Z', proc.stdout) or (
        b'do not match hash' in proc.stdout and proc.stdout.endswith(b' then 2')
    )
    assert refused, proc.stdout
    assert b'Traceback' not in proc.stderr, proc.stderr
    assert not os.path.exists(hostile.repopath(name, '.hg', 'largefiles', sha))
    hostile.nobug()
    hostile.sync(transport, name)


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_largefile_that_is_a_collision_attack(hostile, transport, tmp_path):
    """a content crafted to share its SHA-1 with another (SHAttered),
    sent under that SHA-1, is refused once read whole and not stored; the
    connection stays in step, and the host's hg does not stop"""
    name = hostile.fresh()
    with open(hostile.repopath(name, '.hg', 'hgrc'), 'a') as fp:
        fp.write('[extensions]\nlargefiles =\n')
    content = tmp_path / 'shattered.pdf'
    content.write_bytes(SHATTERED)
    sha = hashlib.sha1(SHATTERED).hexdigest()
    proc = subprocess.run(
        [sys.executable, '-c', LFPEER, hostile.url(transport, name), 'put+stat', sha],
        env=dict(hostile.alpha.env, SM_LFPEER_CONTENT=str(content)),
        capture_output=True, timeout=60,
    )
    assert proc.stdout.endswith(b' then 2') and not proc.stdout.startswith(b'0 '), proc.stdout
    assert b'Traceback' not in proc.stderr, proc.stderr
    assert not os.path.exists(hostile.repopath(name, '.hg', 'largefiles', sha))
    hostile.nobug()
    hostile.sync(transport, name)


def _pipesizes(pid):
    """the capacity of each pipe the process ``pid`` holds open"""
    sizes = []
    for fd in os.listdir('/proc/%d/fd' % pid):
        path = '/proc/%d/fd/%s' % (pid, fd)
        try:
            if not os.readlink(path).startswith('pipe:'):
                continue
            f = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            sizes.append(fcntl.fcntl(f, fcntl.F_GETPIPE_SZ))
        finally:
            os.close(f)
    return sizes


def test_ssh_pipes_hold_a_mebibyte_on_each_side(hostile):
    """the pipes between hg and ssh are widened on both sides of a
    connection (``pipesize``): a big file's frames then flow while a
    process hashes"""
    name = hostile.fresh()
    # the tests' remote command: hg itself, no chg server between
    conn = hostile.connect('ssh', name)
    try:
        conn.call(b'smstatus', {b'common': []})
        ssh = conn.peer._subprocess.pid
        assert sorted(_pipesizes(ssh))[-2:] == [1 << 20, 1 << 20]
        served = []
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as fp:
                    argv = fp.read().split(b'\0')
            except OSError:
                continue
            if b'--stdio' in argv and os.fsencode(name) in argv:
                served.append(int(pid))
        assert len(served) == 1, served
        assert _pipesizes(served[0]).count(1 << 20) >= 2
    finally:
        conn.close()


def test_read_only_host_takes_no_largefile(hostile):
    """``putlfile`` changes the host's store: a peer without push access
    is refused it, over ssh (``hg-ssh --read-only``) as over http"""
    if not hostile.readonly:
        pytest.skip('hg-ssh is not installed (make venv fetches it with chg)')
    name = hostile.fresh()
    with open(hostile.repopath(name, '.hg', 'hgrc'), 'a') as fp:
        fp.write('[extensions]\nlargefiles =\n')
    sha = hashlib.sha1(b'planted\n').hexdigest()
    for transport in ('ssh-read-only', 'http-read-only'):
        proc = subprocess.run(
            # hg-ssh serves only ``hg -R REPO serve --stdio``
            [sys.executable, '-c', LFPEER, hostile.url(transport, name), 'put', sha, 'hg'],
            env=hostile.alpha.env, capture_output=True, timeout=60,
        )
        assert b'refused: ' in proc.stdout, (transport, proc.stdout)
        assert b'Traceback' not in proc.stderr, proc.stderr
        assert not os.path.exists(hostile.repopath(name, '.hg', 'largefiles', sha))
        assert not os.path.exists(hostile.repopath(name, '.cache', 'largefiles', sha))
    hostile.nobug()

"""the privacy invariant: a child resource's files never enter its parent

Whatever another node's SilverMirror file says, and whether the child's
repository exists yet, a file under a directory that is a child resource
in either node's file stays out of the parent's history; files the parent
tracked before the child (or an ignore pattern) covered them stop being
tracked and stay on every node's disk.  Real nodes over the real sshd.
"""

import os

import pytest

PRIVATE = '[docs:private]\nhosts = %s\n'


def hgout(node, *args, cwd=None):
    return node.hg(*args, cwd=cwd, check=0).stdout.decode()


def history(node, res='docs'):
    """every file that any changeset of ``res`` on ``node`` ever held"""
    return set(
        hgout(node, 'log', '-T', '{join(files, "\\n")}\\n', cwd=node.path(res)).split()
    )


@pytest.fixture
def ssh_nodes(mknode, sshd):
    """alpha and beta, each reaching the other over ssh, with an empty
    docs and no SilverMirror file yet"""
    alpha, beta = mknode('alpha'), mknode('beta')
    for node in (alpha, beta):
        os.makedirs(node.path('docs'))
    return alpha, beta


def test_host_keeps_its_own_children_out(ssh_nodes):
    """B's stale file lacks [docs:private]: A's snapshot at B's request
    still leaves private/ out, and A's own sync later too"""
    alpha, beta = ssh_nodes
    alpha.config('[::SilverMirror::]\nhosts = beta\n[docs]\n' + PRIVATE % 'alpha')
    beta.config('[::SilverMirror::]\nhosts = alpha\n[docs]\n')
    alpha.write('docs/report.txt', 'report\n')
    alpha.write('docs/private/secret.txt', 'secret\n')
    beta.hg('mirror-push', 'docs', check=0)
    assert beta.read('docs/report.txt') == b'report\n'
    assert not os.path.exists(beta.path('docs/private'))
    alpha.hg('mirror-push', 'docs', check=0)
    for node in ssh_nodes:
        assert 'private/secret.txt' not in history(node)
        assert b'secret' not in storebytes(node.path('docs/.hg'))
    assert alpha.read('docs/private/secret.txt') == b'secret\n'


def storebytes(path):
    """every byte of the store, to look for a leaked content"""
    data = b''
    for top, _dirs, files in os.walk(path):
        for f in files:
            with open(os.path.join(top, f), 'rb') as fp:
                data += fp.read()
    return data


SHARED = '[::SilverMirror::]\nhosts = alpha beta\n[docs]\n'


def mirrored(ssh_nodes, files):
    """both nodes share one file; alpha's ``files`` reach beta"""
    alpha, _beta = ssh_nodes
    for node in ssh_nodes:
        node.config(SHARED)
    for rel, text in files.items():
        alpha.write('docs/' + rel, text)
    alpha.hg('mirror-push', 'docs', check=0)


def reconfigure(ssh_nodes, extra):
    for node in ssh_nodes:
        node.config(SHARED + extra)


def test_child_over_tracked_files(ssh_nodes):
    """declaring a child over tracked files: the parent lets them go, every
    node keeps them on disk, later edits stay out, the run says where the
    old versions remain"""
    alpha, beta = ssh_nodes
    mirrored(ssh_nodes, {'report.txt': 'report\n', 'private/secret.txt': 'v1\n'})
    assert beta.read('docs/private/secret.txt') == b'v1\n'
    reconfigure(ssh_nodes, PRIVATE % 'alpha beta')
    out = hgout(alpha, 'mirror-push', 'docs')
    assert 'docs: stopped tracking 1 files' in out
    assert 'remain in the history of docs on this node and on its hosts (beta)' in out
    assert "hg help -v mirror-push" in out
    for node in ssh_nodes:
        assert hgout(node, 'files', cwd=node.path('docs')).split() == ['report.txt']
        assert node.read('docs/private/secret.txt') == b'v1\n'
        assert hgout(node, 'status', cwd=node.path('docs')) == ''

    alpha.write('docs/private/secret.txt', 'v2\n')
    alpha.hg('mirror-push', 'docs', check=0)
    assert beta.read('docs/private/secret.txt') == b'v1\n'
    assert 'v2' not in hgout(alpha, 'log', '-p', cwd=alpha.path('docs'))


def test_ignore_added_later(ssh_nodes):
    """issue 20 item 7: a pattern added to ignore stops a mirrored file"""
    alpha, beta = ssh_nodes
    mirrored(ssh_nodes, {'build.log': 'one\n', 'keep.txt': 'keep\n'})
    reconfigure(ssh_nodes, 'ignore = *.log\n')
    out = hgout(beta, 'mirror-push', 'docs', '-v')
    assert 'docs: no longer tracking build.log' in out
    for node in ssh_nodes:
        assert node.read('docs/build.log') == b'one\n'
        assert hgout(node, 'files', cwd=node.path('docs')).split() == ['keep.txt']
    alpha.write('docs/build.log', 'two\n')
    alpha.hg('mirror-push', 'docs', check=0)
    assert beta.read('docs/build.log') == b'one\n'


def test_nested_mercurial_repository_listed(ssh_nodes):
    """a directory with its own .hg, not a child, is listed like .git"""
    alpha, _beta = ssh_nodes
    alpha.config('[::SilverMirror::]\nhosts = beta\n[docs]\n')
    alpha.write('docs/report.txt', 'report\n')
    alpha.hg('init', alpha.path('docs/tool'), check=0)
    alpha.write('docs/tool/main.py', 'print(1)\n')
    out = hgout(alpha, 'mirror-push', 'docs', '-v')
    assert 'docs: skipping nested checkout tool' in out
    out = hgout(alpha, 'mirror-status', '-v', 'docs')
    assert 'nested checkout skipped: tool' in out


def test_stale_node_cannot_bring_a_private_file(ssh_nodes):
    """B's stale file records docs/private/ files: A takes none of them,
    neither pushed by B nor pulled by A"""
    alpha, beta = ssh_nodes
    alpha.config('[::SilverMirror::]\nhosts = beta\n[docs]\n' + PRIVATE % 'alpha')
    beta.config('[::SilverMirror::]\nhosts = alpha\n[docs]\n')
    alpha.write('docs/report.txt', 'report\n')
    alpha.hg('mirror-push', 'docs', check=0)
    beta.write('docs/private/leak.txt', 'leak\n')
    out = beta.hg('mirror-push', 'docs', check=1)
    assert b'a namespaced resource of this node' in out.stdout + out.stderr
    out = alpha.hg('mirror-pull', 'docs', check=1)
    assert b'a namespaced resource of this node' in out.stdout + out.stderr
    assert 'private/leak.txt' not in history(alpha)
    assert not os.path.exists(alpha.path('docs/private/leak.txt'))


@pytest.mark.parametrize('direction', ['push', 'pull'])
def test_stream_into_a_node_with_children_is_screened(ssh_nodes, direction):
    """a stream of B's store writes A's empty store directly, past the
    incoming hooks: A still takes none of B's files under its child"""
    alpha, beta = ssh_nodes
    alpha.config('[::SilverMirror::]\nhosts = beta\n[docs]\n' + PRIVATE % 'alpha')
    beta.config('[::SilverMirror::]\nhosts = alpha\n[docs]\n')
    alpha.write('docs/private/mine.txt', 'mine\n')
    beta.write('docs/report.txt', 'report\n')
    beta.write('docs/private/leak.txt', 'leak\n')
    beta.hg('init', beta.path('docs'), check=0)
    beta.hg('commit', '-Aqm', 'stale', cwd=beta.path('docs'), check=0)
    if direction == 'push':
        out = beta.hg('mirror-push', 'docs', '-v', check=1)
    else:
        out = alpha.hg('mirror-pull', 'docs', '-v', check=1)
    assert b'a namespaced resource of this node' in out.stdout + out.stderr
    assert 'private/leak.txt' not in history(alpha)
    assert b'leak' not in storebytes(alpha.path('docs/.hg'))
    assert alpha.read('docs/private/mine.txt') == b'mine\n'

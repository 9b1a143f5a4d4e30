"""property: random edits and syncs on 3 nodes converge and lose nothing

Three nodes in a mesh (each syncs with the two others through local
paths) receive random writes, deletions, renames and push/pull syncs with
random conflict handlers.  After a final round of syncs every working
copy is identical, and every file version that a node held when it synced
is in the history.  hg runs in-process through ``dispatch`` so that many
examples fit in the time budget.
"""

import io
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from mercurial import dispatch, pycompat
from mercurial.main_script import request

NODES = ('a', 'b', 'c')
FILES = ('f1', 'f2', 'dir/f3', 'dir/sub/f4')
HANDLERS = ('ClobberRemote', 'ClobberLocal', 'KeepBoth', 'Merge')

ops = st.lists(
    st.one_of(
        st.tuples(st.just('write'), st.sampled_from(NODES), st.sampled_from(FILES)),
        st.tuples(st.just('delete'), st.sampled_from(NODES), st.sampled_from(FILES)),
        st.tuples(
            st.just('rename'),
            st.sampled_from(NODES),
            st.tuples(st.sampled_from(FILES), st.sampled_from(FILES)),
        ),
        st.tuples(
            st.sampled_from(('push', 'pull')),
            st.sampled_from(NODES),
            st.sampled_from(HANDLERS),
        ),
    ),
    min_size=1,
    max_size=14,
)


class mesh:
    def __init__(self, base):
        self.base = base
        self.serial = 0
        self.ledger = set()
        for n in NODES:
            os.makedirs(self.root(n))
            others = ' '.join(os.path.join(base, o) for o in NODES if o != n)
            with open(self.cfg(n), 'w') as fp:
                fp.write(
                    '[::SilverMirror::]\nbasedir = %s\nhosts = %s\n[r]\n'
                    % (os.path.join(base, n), others)
                )

    def root(self, n):
        return os.path.join(self.base, n, 'r')

    def cfg(self, n):
        return os.path.join(self.base, n + '.silvermirror')

    def hg(self, n, *args):
        out, err = io.BytesIO(), io.BytesIO()
        argv = [
            '--cwd', self.root(n),
            '--config', 'silvermirror.config=' + self.cfg(n),
            '--config', 'silvermirror.name=' + n,
        ] + list(args)
        req = request(
            [pycompat.sysbytes(a) for a in argv], fout=out, ferr=err
        )
        status = dispatch.dispatch(req)
        assert status in (0, None), (n, args, status, out.getvalue(), err.getvalue())
        return out.getvalue()

    def tree(self, n):
        files = {}
        root = self.root(n)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != '.hg']
            for name in filenames:
                path = os.path.join(dirpath, name)
                with open(path, 'rb') as fp:
                    files[os.path.relpath(path, root)] = fp.read()
        return files

    def record(self, n):
        """the versions a node holds when it syncs must never be lost"""
        self.ledger.update(self.tree(n).items())

    def apply(self, op):
        kind, n, arg = op
        root = self.root(n)
        if kind == 'write':
            self.serial += 1
            path = os.path.join(root, arg)
            if os.path.isdir(path):
                return
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as fp:
                fp.write('%s wrote version %d of %s\n' % (n, self.serial, arg))
        elif kind == 'delete':
            path = os.path.join(root, arg)
            if os.path.isfile(path):
                os.unlink(path)
        elif kind == 'rename':
            src, dst = (os.path.join(root, p) for p in arg)
            if src != dst and os.path.isfile(src) and not os.path.exists(dst):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                os.rename(src, dst)
        else:
            self.record(n)
            self.hg(n, 'mirror-' + kind, '-q', '-d', arg)

    def history(self, n):
        """every (path, content) in the history of node ``n``"""
        from mercurial import ui as uimod
        from mercurial.repo import factory

        repo = factory.repository(uimod.ui.load(), pycompat.fsencode(self.root(n)))
        seen = set()
        for rev in repo:
            ctx = repo[rev]
            for f in ctx.files():
                if f in ctx:
                    seen.add((pycompat.fsdecode(f), ctx[f].data()))
        return seen


@settings(
    max_examples=int(os.environ.get('SM_PROPERTY_EXAMPLES', '25')),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=ops)
def test_random_syncs_converge_and_lose_nothing(testenv, monkeypatch, tmp_path_factory, script):
    _testtmp, env = testenv
    monkeypatch.setenv('HGRCPATH', env['HGRCPATH'])
    monkeypatch.setenv('HGUSER', 'test')
    m = mesh(str(tmp_path_factory.mktemp('mesh')))
    for n in NODES:
        m.hg(n, 'mirror-push', '-q')
    for op in script:
        m.apply(op)
    for n in NODES:
        m.record(n)
    for _round in range(2):
        for n in NODES:
            m.hg(n, 'mirror-push', '-q')
    trees = [m.tree(n) for n in NODES]
    assert trees[0] == trees[1] == trees[2]
    history = m.history('a')
    lost = {(p, d) for p, d in m.ledger if (p, d) not in history}
    assert not lost
    for n in NODES:
        assert m.hg(n, 'status') == b''

"""property: random edits and syncs on 3 nodes converge and lose nothing

Three nodes in a mesh (each syncs with the two others through local
paths) receive random writes, deletions, renames and push/pull syncs with
random conflict handlers.  After a final round of syncs every working
copy is identical, and every file version that a node held when it synced
is in the history.  hg runs in-process (``cluster.inprocess``) so that
many examples fit in the time budget.
"""

import os

from hypothesis import HealthCheck, given, settings, strategies as st

import cluster
import invariants

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


def apply(c, op):
    """one step of the script on cluster ``c``; writes go through its ledger"""
    kind, n, arg = op
    root = c.root(n)
    if kind == 'write':
        if not os.path.isdir(os.path.join(root, arg)):
            c.serial += 1
            c.write(n, arg, b'%s wrote version %d of %s\n' % (n.encode(), c.serial, arg.encode()))
    elif kind == 'delete':
        if os.path.isfile(os.path.join(root, arg)):
            c.ledger.delete(root, arg)
    elif kind == 'rename':
        src, dst = arg
        if src != dst and os.path.isfile(os.path.join(root, src)) \
                and not os.path.exists(os.path.join(root, dst)):
            c.ledger.rename(root, src, dst)
    else:
        c.sync(n, '-q', '-d', arg, cmd='mirror-' + kind, check=0)


@settings(
    max_examples=int(os.environ.get('SM_PROPERTY_EXAMPLES', '25')),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=ops)
def test_random_syncs_converge_and_lose_nothing(testenv, tmp_path_factory, script):
    _testtmp, env = testenv
    c = cluster.Cluster(
        str(tmp_path_factory.mktemp('mesh')), env, NODES, resource='r',
        runner=cluster.inprocess,
    )
    c.serial = 0
    for n in NODES:
        c.sync(n, '-q', check=0)
    for op in script:
        apply(c, op)
    for _round in range(2):
        for n in NODES:
            c.sync(n, '-q', check=0)
    trees = [invariants.tree(c.root(n)) for n in NODES]
    assert trees[0] == trees[1] == trees[2]
    # every version a node held when it synced is in the history
    assert not c.ledger.versions - c.history('a')
    for n in NODES:
        assert c.hg(n, 'status', check=0).stdout == b''

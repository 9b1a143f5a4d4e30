"""big files (issue 22): a content stored, sent and written in few passes

A commit stores the copy it hashes, a host checks what it receives as it
writes it, and a big file written in the second it was recorded is not
hashed again by the next status while its stat is unchanged
(``statcache/bigsettle``); an edit in that second, of the same size,
still reaches the other node.
"""

import os
import time

from cluster import output as out
from test_bigfiles import big, bigcluster


def largestate(c, name, path):
    """the line of largefiles' dirstate for ``path`` on node ``name``"""
    st = c.hg(name, 'debugstate', '--large', cwd=c.root(name), check=0)
    lines = [l for l in st.stdout.splitlines() if l.endswith(b' ' + path)]
    assert len(lines) == 1, st.stdout
    return lines[0]


def test_a_big_file_just_written_is_not_hashed_again(mkcluster):
    """over ssh: the store holds what the standin names on both nodes;
    once a second has passed, the next sync records the big file clean
    from its stat on each side, and a same-size edit made at once after
    is still synced"""
    c = bigcluster(mkcluster, 'ssh')
    c.write('alpha', 'film.mov', big(b'the first cut '))
    c.sync('alpha', check=0)
    for name in c.names:
        h = c.hg(name, 'cat', '.hglf/film.mov', cwd=c.root(name), check=0).stdout.strip()
        with open(os.path.join(c.root(name), '.hg', 'largefiles', h.decode()), 'rb') as fp:
            assert fp.read() == big(b'the first cut ')
    time.sleep(1.1)
    proc = c.sync('alpha', check=0)
    assert 'failed' not in out(proc), out(proc)
    for name in c.names:
        assert b'unset' not in largestate(c, name, b'film.mov')
        assert not os.path.exists(os.path.join(c.root(name), '.hg', 'silvermirror', 'bigsettle'))
    c.write('alpha', 'film.mov', big(b'the final cut '))
    c.sync('alpha', check=0)
    with open(os.path.join(c.root('beta'), 'film.mov'), 'rb') as fp:
        assert fp.read() == big(b'the final cut ')
    c.check()

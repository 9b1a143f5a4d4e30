"""big files (issue 22): an edit of a big file sends the blocks that changed

Over ssh, a content whose base the host holds goes as the blocks that
differ (``bigdelta``, ``bigbuild``): an append, an edit in place and a
truncation each reach the other node byte for byte, and the host's log
(hg's blackbox, ``ui.log``) shows what it received; a base the host no
longer holds makes the content go whole, with no error.  A new file goes
while this node commits it (``bigstage``), once.  A sync killed
while it sends a delta leaves every repository valid, and the next one
finishes.
"""

import glob
import os
import random
import re
import signal
import stat
import subprocess
import time

from cluster import output as out
from test_bigfiles import bigcluster, stored

MB = 1 << 20
# the host's log of what it received (``ui.log`` to blackbox)
BLACKBOX = '[extensions]\nblackbox =\n[blackbox]\ntrack = silvermirror\n'


def content(size, seed=1):
    return random.Random(seed).randbytes(size)


def received(c, name):
    """[(how, bytes)] the host ``name`` logged, in order: ``delta`` for a
    content built from a base, ``whole`` for one the push sent whole,
    ``ahead`` for a new file's, sent while it was committed"""
    path = os.path.join(c.root(name), '.hg', 'blackbox.log')
    try:
        text = open(path).read()
    except FileNotFoundError:
        return []
    found = re.findall(r'big file \w+ (built from \w+|received whole|received ahead): (\d+) bytes', text)
    kinds = {'received whole': 'whole', 'received ahead': 'ahead'}
    return [(kinds.get(how, 'delta'), int(n)) for how, n in found]


def synced(c, data):
    """sync alpha; the film on beta is ``data``; what beta received"""
    before = len(received(c, 'beta'))
    c.write('alpha', 'film.mov', data)
    proc = c.sync('alpha', check=0)
    assert 'failed' not in out(proc), out(proc)
    with open(os.path.join(c.root('beta'), 'film.mov'), 'rb') as fp:
        assert fp.read() == data
    return received(c, 'beta')[before:]


def test_edits_send_what_changed(mkcluster):
    """an append, an overwrite in the middle, a truncation: each sends the
    blocks that changed; a base the host lacks sends the content whole"""
    c = bigcluster(mkcluster, 'ssh')
    with open(c.nodes['beta'].path('.hgrc'), 'a') as fp:
        fp.write(BLACKBOX)
    data = content(5 * MB)
    assert synced(c, data) == [('ahead', 5 * MB)]
    data += content(4096, 2)
    (how, n), = synced(c, data)
    assert how == 'delta' and n < len(data) // 10, n
    data = data[: 2 * MB + 5] + b'an edit in place' + data[2 * MB + 21 :]
    (how, n), = synced(c, data)
    assert how == 'delta' and n <= MB + 8, n
    data = data[: 3 * MB + 7]
    (how, n), = synced(c, data)
    assert how == 'delta' and n == 7 + 8, n
    # the host no longer holds the base (gc, another disk): the whole goes
    for path in stored(c.root('beta')):
        os.unlink(path)
    for path in glob.glob(os.path.join(c.nodes['beta'].home, '.cache', 'largefiles', '*')):
        os.unlink(path)
    data += b'one more line\n'
    assert synced(c, data) == [('whole', len(data))]
    c.check()


def test_new_file_goes_ahead_and_a_renamed_one_sends_nothing(mkcluster):
    """a new film reaches the host while alpha commits it (``bigstage``),
    and the push does not send it again; moved to another directory, it
    sends nothing at all"""
    c = bigcluster(mkcluster, 'ssh')
    with open(c.nodes['beta'].path('.hgrc'), 'a') as fp:
        fp.write(BLACKBOX)
    data = content(3 * MB)
    assert synced(c, data) == [('ahead', 3 * MB)]
    # beta wrote its working copy's file as the content arrived: the
    # update renamed it into place, with the mode a copy would have
    with open(os.path.join(c.root('beta'), '.hg', 'blackbox.log')) as fp:
        assert 'placed as it arrived' in fp.read()
    mode = [stat.S_IMODE(os.stat(os.path.join(c.root('beta'), *p)).st_mode) for p in (['film.mov'], ['.hg', 'requires'])]
    assert mode[0] == mode[1], mode
    assert glob.glob(os.path.join(c.root('beta'), '.hg', 'largefiles', '.*~')) == []
    c.write('alpha', 'films/film.mov', data)
    c.ledger.delete(c.root('alpha'), 'film.mov')
    before = len(received(c, 'beta'))
    proc = c.sync('alpha', check=0)
    assert 'failed' not in out(proc), out(proc)
    assert received(c, 'beta')[before:] == []
    with open(os.path.join(c.root('beta'), 'films', 'film.mov'), 'rb') as fp:
        assert fp.read() == data
    assert not os.path.exists(os.path.join(c.root('beta'), 'film.mov'))
    c.check()


def test_kill_mid_delta_then_stale_temporaries_go(mkcluster):
    """alpha killed while it sends the blocks of an edit: every repository
    stays valid and the next sync sends them; a partial content a killed
    transfer left in a store goes at the next sync once its writer is
    dead, one still written stays"""
    c = bigcluster(mkcluster, 'ssh')
    data = content(3 * MB)
    c.write('alpha', 'film.mov', data)
    c.sync('alpha', check=0)
    data += content(1000, 3)
    c.write('alpha', 'film.mov', data)
    proc = c.sync('alpha', fault=('bigfile.delta', 'kill'))
    assert proc.returncode == -signal.SIGKILL, out(proc)
    c.check()
    dead = subprocess.Popen(['true'])
    dead.wait()
    old = time.time() - 3600
    for name in c.names:
        store = os.path.join(c.root(name), '.hg', 'largefiles')
        for tmp, age in (('.new-%d-dead~' % dead.pid, old), ('.new-%d-live~' % os.getpid(), old),
                         ('.0123-hg~', old - 86400), ('.new-%d-fresh~' % dead.pid, None)):
            with open(os.path.join(store, tmp), 'wb') as fp:
                fp.write(b'partial')
            if age:
                os.utime(os.path.join(store, tmp), (age, age))
    proc = c.sync('alpha', check=0)
    assert 'failed' not in out(proc), out(proc)
    with open(os.path.join(c.root('beta'), 'film.mov'), 'rb') as fp:
        assert fp.read() == data
    for name in c.names:
        left = glob.glob(os.path.join(c.root(name), '.hg', 'largefiles', '.*~'))
        assert sorted(os.path.basename(p).split('-')[-1] for p in left) == ['fresh~', 'live~'], left
    c.check()

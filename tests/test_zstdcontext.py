"""revlogs share one zstd context per thread, and write the same bytes"""

import os
import subprocess
import threading

from hypothesis import given, settings, strategies as st
from mercurial import extensions, util

from hgext_silvermirror import zstdcontext

import sshd

ENGINE = util.compengines[zstdcontext.ENGINE]


def _fresh(opts=None):
    """a compressor as hg makes one without the extension"""
    chain = extensions.getwrapperchain(type(ENGINE), 'revlogcompressor')
    return chain[-1](ENGINE, opts)


def setup_module(module):
    zstdcontext._uisetup(None)


def test_one_compressor_per_thread_and_options():
    first = ENGINE.revlogcompressor({})
    assert ENGINE.revlogcompressor({}) is first
    assert ENGINE.revlogcompressor({b'zstd.level': 1}) is not first
    other = []
    t = threading.Thread(target=lambda: other.append(ENGINE.revlogcompressor({})))
    t.start()
    t.join(10)
    assert other and other[0] is not first
    # set up twice (a second ui in the same process), wrapped once
    zstdcontext._uisetup(None)
    chain = extensions.getwrapperchain(type(ENGINE), 'revlogcompressor')
    assert chain.count(zstdcontext._shared) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=3000).map(lambda b: b * 7), min_size=1, max_size=8))
def test_a_shared_context_gives_the_bytes_of_a_new_one(texts):
    shared = ENGINE.revlogcompressor({})
    for text in texts:
        if not text:
            continue
        packed = shared.compress(text)
        assert packed == _fresh({}).compress(text)
        if packed:
            assert shared.decompress(packed) == text


def _commit(root, rc):
    env = dict(os.environ, HGRCPATH=rc, HGUSER='t', HGPLAIN='1')
    for args in (['init', root], ['-R', root, 'add', '-q'], ['-R', root, 'commit', '-q', '-m', 'c', '-d', '0 0']):
        subprocess.run([sshd.HG] + args, env=env, check=True, timeout=120, cwd=root if args[0] != 'init' else None)


def _store(root):
    out = {}
    store = os.path.join(root, '.hg', 'store')
    for d, _dirs, files in os.walk(store):
        for f in files:
            if f.endswith(('.i', '.d')):
                p = os.path.join(d, f)
                with open(p, 'rb') as fp:
                    out[os.path.relpath(p, store)] = fp.read()
    return out


def test_a_commit_writes_the_same_revlogs_with_and_without_it(tmp_path):
    """both repositories get byte-identical revlogs, big revisions too"""
    rcs = {}
    for name, ext in (('with', 'hgext_silvermirror =\n'), ('without', '')):
        rc = tmp_path / ('%s.rc' % name)
        rc.write_text('[extensions]\n' + ext)
        rcs[name] = str(rc)
        root = tmp_path / name
        root.mkdir()
        for i in range(40):
            (root / ('f%02d.txt' % i)).write_bytes(b'line %d of some text\n' % i * (10 + i * 50))
        (root / 'large.bin').write_bytes(b''.join(b'%08d' % i for i in range(200_000)))
        _commit(str(root), rcs[name])
    with open(tmp_path / 'with' / '.hg' / 'store' / 'requires') as fp:
        assert 'revlog-compression-zstd' in fp.read().split()
    with_, without = _store(str(tmp_path / 'with')), _store(str(tmp_path / 'without'))
    assert len(with_) > 40
    assert with_ == without

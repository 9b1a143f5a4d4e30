# zstdcontext.py - one zstd context per thread for every revlog it writes or reads
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the zstd compressor of revlogs, made once per thread

hg asks its zstd engine for a new compressor each time it opens a revlog
to write or read a compressed revision: a zstd compression context and a
decompression context, allocated and set up anew.  A sync opens one
revlog per file it commits, applies or checks out, so a first snapshot
of a tree of small files sets up as many contexts as it has files, and
that set-up costs a sizeable share of the commit (docs/performance.md).

A context serves any number of one-shot compressions with the same
parameters and gives the same bytes as a new one (zstd's output depends
on the input and the parameters only), and a decompression starts from
a fresh stream each time.  So the engine hands out one compressor per
thread and per set of options, made on first use.  A context is not for
two threads at once: each thread gets its own.
"""

import threading

from mercurial import exthelper, extensions, util

eh = exthelper.exthelper()

ENGINE = b'zstd'

_local = threading.local()


def _shared(orig, engine, opts=None):
    try:
        key = tuple(sorted((opts or {}).items()))
        hash(key)
    except TypeError:
        return orig(engine, opts)
    made = getattr(_local, 'compressors', None)
    if made is None:
        made = _local.compressors = {}
    compressor = made.get(key)
    if compressor is None:
        compressor = made[key] = orig(engine, opts)
    return compressor


@eh.uisetup
def _uisetup(ui):
    """make the zstd engine, where hg has one, share its compressors"""
    if ENGINE not in util.compengines:
        return
    engine = util.compengines[ENGINE]
    if not engine.available():
        return
    cls = type(engine)
    if _shared not in extensions.getwrapperchain(cls, 'revlogcompressor'):
        extensions.wrapfunction(cls, 'revlogcompressor', _shared)

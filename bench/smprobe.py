# smprobe.py - count and time what one hg process does during a sync
"""benchmark probe: an hg extension that records where a sync spends time

Enable with ``--config extensions.smprobe=bench/smprobe.py`` (or in a
node's hgrc, for the ``hg serve`` a host runs).  At exit it appends one
JSON line to ``$SM_BENCH_PROBE`` (else ``$HOME/.smprobe.jsonl``):

- ``python_start_to_ext``: seconds from the process start (``/proc``) to
  this extension's setup, i.e. interpreter start plus hg's imports;
- ``total``: process start to exit;
- ``calls``: for each wrapped function, how often and how long: dirstate
  status walks (with the number of files hg had to re-read because it had
  no size/mtime on record), commits, addremove, the sync's phases, ssh
  connections, every wire-protocol command sent (client) or served (host).

Only for measurements; it changes nothing.
"""

import atexit
import json
import os
import sys
import time

from mercurial import (
    context,
    dirstate,
    exchange,
    extensions,
    localrepo,
    scmutil,
    sshpeer,
    wireprotov1server,
)

_T0 = time.monotonic()
_calls = {}
_state = {'ext': None, 'argv': sys.argv[1:]}


def _proc_start():
    """seconds since this process started (clock ticks from /proc)"""
    try:
        with open('/proc/self/stat') as fp:
            fields = fp.read().rsplit(')', 1)[1].split()
        start = int(fields[19]) / os.sysconf('SC_CLK_TCK')
        with open('/proc/uptime') as fp:
            up = float(fp.read().split()[0])
        return up - start
    except (OSError, ValueError, IndexError):
        return None


_AGE_AT_IMPORT = _proc_start()


def _note(label, dt, extra=None):
    ent = _calls.setdefault(label, {'n': 0, 's': 0.0})
    ent['n'] += 1
    ent['s'] += dt
    if extra:
        for k, v in extra.items():
            ent[k] = ent.get(k, 0) + v


def _timed(label, extra=None):
    def wrapper(orig, *args, **kwargs):
        t = time.monotonic()
        try:
            res = orig(*args, **kwargs)
        finally:
            pass
        _note(label, time.monotonic() - t, extra(args, kwargs, res) if extra else None)
        return res

    return wrapper


def _statusextra(args, kwargs, res):
    # dirstate.status returns (lookup, status, mtime_boundary)
    try:
        return {'lookup_files': len(res[0])}
    except (TypeError, IndexError):
        return None


def _wirename(args, kwargs, res):
    return None


def _callwrap(kind):
    def wrapper(orig, self, cmd, *args, **kwargs):
        t = time.monotonic()
        res = orig(self, cmd, *args, **kwargs)
        name = cmd.decode() if isinstance(cmd, bytes) else str(cmd)
        _note('wire.send.%s' % name, time.monotonic() - t)
        _note('wire.roundtrips', 0.0)
        return res

    return wrapper


def _dispatchwrap(orig, repo, proto, command, *args, **kwargs):
    t = time.monotonic()
    res = orig(repo, proto, command, *args, **kwargs)
    name = command.decode() if isinstance(command, bytes) else str(command)
    _note('wire.served.%s' % name, time.monotonic() - t)
    return res


def _dump():
    age = _proc_start()
    rec = {
        'argv': _state['argv'],
        'pid': os.getpid(),
        'age_at_probe_import': _AGE_AT_IMPORT,
        'python_start_to_ext': _state['ext'],
        'total': age,
        'calls': {k: {kk: round(vv, 4) if isinstance(vv, float) else vv for kk, vv in v.items()} for k, v in sorted(_calls.items())},
    }
    path = os.environ.get('SM_BENCH_PROBE') or os.path.join(
        os.environ.get('HOME', '/tmp'), '.smprobe.jsonl'
    )
    try:
        with open(path, 'a') as fp:
            fp.write(json.dumps(rec) + '\n')
    except OSError:
        pass


def extsetup(ui):
    _state['ext'] = _proc_start()
    atexit.register(_dump)
    def w(container, name, wrapper):
        # names move between hg versions: a missing one is left out
        if hasattr(container, name):
            extensions.wrapfunction(container, name, wrapper)
        else:
            _note('probe.missing.%s' % name, 0.0)

    w(dirstate.dirstate, 'status', _timed('dirstate.status', _statusextra))
    w(context.workingctx, '_checklookup', _timed('workingctx._checklookup'))
    w(context.workingctx, '_poststatusfixup', _timed('workingctx._poststatusfixup'))
    w(localrepo.localrepository, 'commit', _timed('repo.commit'))
    w(scmutil, 'addremove', _timed('scmutil.addremove'))
    w(exchange, 'push', _timed('exchange.push'))
    w(exchange, 'pull', _timed('exchange.pull'))
    w(sshpeer, 'make_peer', _timed('sshpeer.make_peer (ssh + remote hg start + handshake)'))
    w(sshpeer, '_performhandshake', _timed('sshpeer._performhandshake'))
    for meth in ('_call', '_callstream', '_callcompressable', '_callpush'):
        w(sshpeer.sshv1peer, meth, _callwrap(meth))
    w(wireprotov1server, 'dispatch', _dispatchwrap)
    try:
        from hgext_silvermirror import (
            checkout,
            firstcontact,
            hosts,
            reach,
            recovery,
            snapshot,
            sync,
            wire,
        )
    except ImportError:
        return
    w(snapshot, 'scan', _timed('sm.snapshot.scan'))
    w(snapshot, 'record', _timed('sm.snapshot.record'))
    w(checkout, 'update', _timed('sm.checkout.update'))
    w(checkout, 'pendingamong', _timed('sm.checkout.pendingamong'))
    w(recovery, 'preamble', _timed('sm.recovery.preamble'))
    w(hosts, 'connect', _timed('sm.hosts.connect'))
    w(hosts, 'parallel', _timed('sm.hosts.parallel'))
    w(reach, 'reach', _timed('sm.reach.reach'))
    w(sync, '_bring', _timed('sm.sync._bring'))
    w(sync, '_pull', _timed('sm.sync._pull'))
    w(checkout, 'integrate', _timed('sm.checkout.integrate'))
    w(firstcontact, 'pushall', _timed('sm.firstcontact.pushall'))
    w(sync, 'sync', _timed('sm.sync.sync'))
    w(wire, 'call', _timed('sm.wire.call'))

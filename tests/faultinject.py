# faultinject.py - test-only fault injection at named points of a sync
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""fault injection for the reliability tests (never for real use)

Enable with ``--config extensions.faultinject=PATH/faultinject.py`` or in
a node's hgrc (the remote ``hg serve`` over ssh reads it too), then::

  [faultinject]
  point = update.after-file:3     # a named point (below)
  action = kill                   # kill | sleep:N | raise:ENOSPC | raise:EACCES
                                  # | interrupt | edit:PATH | unplug:DIR | bug
                                  # | wait:PATH
  nth = 1                         # fire on the nth time the point is reached
  marker = /tmp/markers           # where <point>.pid is written when it fires

A point fires once per marker directory (its marker file says so), so the
run that repairs an interruption is not interrupted again.  ``edit:PATH``
writes ``EDIT_TEXT`` to PATH (relative to the repository) as a user
editing at that instant would; ``unplug:DIR`` renames the directory DIR
(absolute) to ``DIR-away``, as a disk pulled out at that instant takes
its tree off the mount point; ``wait:PATH`` waits (60 s at most) until
PATH exists, for a test to run something at that instant; ``bug`` raises a ValueError, as a bug in
the extension would.

Points: ``lock.acquired`` (the preamble is about to run, lock held),
``snapshot.before-commit``, ``snapshot.in-txn``, ``merge.before-commit``,
``merge.in-txn``, ``pull.before``, ``pull.in-txn``, ``push.before``,
``push.server-in-txn``, ``update.start`` (a sync's safe update, here or
on a host), ``update.before-write``,
``merge.before-write``, ``update.after-write`` (hg's update is done,
the sync's own work after it is not), ``update.after-file:K`` (K files written or, sent ahead, moved into
place), ``merge.after-file:K``,
``seed.after-file:K`` (K files of a stream of the store written: a first
push to an empty host, or an empty repository's first pull),
``prefill.after-file:K`` (K files written by an empty host while the
first snapshot is made), ``bigfile.upload`` (a largefile's content partly
sent to a host, by the push or ahead of it), ``bigfile.delta`` (the changed blocks of a largefile's
content partly sent to a host), ``bigfile.fetch`` (a largefile's content
partly fetched from a host, or copied from the store), ``gc.after-pin``
(``mirror-gc`` found and pinned its hosts' copies, and frees its own
next).

``claim-empty = true`` makes a host report an empty repository after its
snapshot, as if another node pushed to it just after: the stream it is
then offered must be refused, and the sync push instead.
"""

import errno
import os
import signal
import time

from mercurial import (
    context,
    extensions,
    registrar,
    streamclone,
)
from mercurial.merge_utils import update as update_util

configtable = {}
configitem = registrar.configitem(configtable)
configitem(b'faultinject', b'point', default=None)
configitem(b'faultinject', b'action', default=b'kill')
configitem(b'faultinject', b'nth', default=1)
configitem(b'faultinject', b'marker', default=None)
configitem(b'faultinject', b'claim-empty', default=False)

EDIT_TEXT = b'edited by the user during a sync\n'

_counts = {}
# per process: files written by the update or merge in progress
_writes = {'kind': None, 'count': 0}


def reach(ui, point, root=None):
    """fire the configured action if ``point`` is the configured one"""
    wanted = ui.config(b'faultinject', b'point')
    if not wanted or wanted != point:
        return
    _counts[point] = _counts.get(point, 0) + 1
    if _counts[point] != ui.configint(b'faultinject', b'nth'):
        return
    marker = ui.config(b'faultinject', b'marker')
    if marker:
        name = os.path.join(marker, point.replace(b'/', b'_') + b'.pid')
        if os.path.exists(name):
            return
        os.makedirs(marker, exist_ok=True)
        with open(name, 'wb') as fp:
            fp.write(b'%d\n' % os.getpid())
    _act(ui.config(b'faultinject', b'action'), root)


def _act(action, root):
    verb, _sep, arg = action.partition(b':')
    if verb == b'kill':
        os.kill(os.getpid(), signal.SIGKILL)
    elif verb == b'interrupt':
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    elif verb == b'sleep':
        time.sleep(float(arg or b'30'))
    elif verb == b'raise':
        code = getattr(errno, arg.decode('ascii'))
        raise OSError(code, os.strerror(code))
    elif verb == b'bug':
        raise ValueError('injected bug')
    elif verb == b'wait':
        deadline = time.monotonic() + 60
        while not os.path.exists(arg) and time.monotonic() < deadline:
            time.sleep(0.02)
    elif verb == b'unplug':
        os.rename(arg, arg + b'-away')
    elif verb == b'edit':
        path = os.path.join(root, arg)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as fp:
            fp.write(EDIT_TEXT)


def _ismerge(repo, node=None):
    if node is not None:
        return repo[node].p2().rev() != -1
    return len(repo[None].parents()) > 1


def _precommit(ui, repo, **kwargs):
    kind = b'merge' if _ismerge(repo) else b'snapshot'
    reach(ui, kind + b'.before-commit', repo.root)


def _pretxncommit(ui, repo, node=None, **kwargs):
    kind = b'merge' if _ismerge(repo, node) else b'snapshot'
    reach(ui, kind + b'.in-txn', repo.root)


def _pretxnchangegroup(ui, repo, source=None, **kwargs):
    point = b'pull.in-txn' if source == b'pull' else b'push.server-in-txn'
    reach(ui, point, repo.root)


def _preupdate(ui, repo, parent2=b'', **kwargs):
    kind = b'merge' if parent2 else b'update'
    reach(ui, kind + b'.before-write', repo.root)


def _update(ui, repo, parent2=b'', **kwargs):
    kind = b'merge' if parent2 else b'update'
    reach(ui, kind + b'.after-write', repo.root)


HOOKS = {
    b'precommit': _precommit,
    b'pretxncommit': _pretxncommit,
    b'pretxnchangegroup': _pretxnchangegroup,
    b'preupdate': _preupdate,
    b'update': _update,
}


def reposetup(ui, repo):
    if not repo.local() or not ui.config(b'faultinject', b'point'):
        return
    for name, func in HOOKS.items():
        repo.ui.setconfig(b'hooks', name + b'.faultinject', func, b'faultinject')


def _apply_updates(orig, repo, mresult, wctx, mctx, overwrite, wantfiledata, **kwargs):
    # an update records file data for the dirstate; a merge does not
    _writes['kind'] = b'update' if wantfiledata else b'merge'
    _writes['count'] = 0
    try:
        return orig(repo, mresult, wctx, mctx, overwrite, wantfiledata, **kwargs)
    finally:
        _writes['kind'] = None


def _wrote(repo):
    kind = _writes['kind']
    if kind is not None:
        _writes['count'] += 1
        reach(repo.ui, b'%s.after-file:%d' % (kind, _writes['count']), repo.root)


def _write(orig, self, *args, **kwargs):
    result = orig(self, *args, **kwargs)
    _wrote(self._repo)
    return result


def _place(orig, repo, *args, **kwargs):
    # a file sent ahead, moved into place instead of written
    placed = orig(repo, *args, **kwargs)
    if placed:
        _wrote(repo)
    return placed


def _pull(orig, repo, *args, **kwargs):
    reach(repo.ui, b'pull.before', repo.root)
    return orig(repo, *args, **kwargs)


def _push(orig, repo, *args, **kwargs):
    reach(repo.ui, b'push.before', repo.root)
    return orig(repo, *args, **kwargs)


def _wcupdate(orig, repo, node, *args, **kwargs):
    reach(repo.ui, b'update.start', repo.root)
    return orig(repo, node, *args, **kwargs)


def _preamble(orig, repo, *args, **kwargs):
    reach(repo.ui, b'lock.acquired', repo.root)
    return orig(repo, *args, **kwargs)


# the repository taking a stream, for the writes that follow
_seeding = {'repo': None}


def _noted(orig, repo, *args, **kwargs):
    _seeding['repo'] = repo
    return orig(repo, *args, **kwargs)


def _write_files(orig, info):
    def counted():
        for count, item in enumerate(info, 1):
            yield item
            repo = _seeding['repo']
            if repo is not None:
                reach(repo.ui, b'seed.after-file:%d' % count, repo.root)

    return orig(counted())


def _put(orig, self, *args, **kwargs):
    result = orig(self, *args, **kwargs)
    self.faultcount = getattr(self, 'faultcount', 0) + 1
    repo = self._repo
    reach(repo.ui, b'prefill.after-file:%d' % self.faultcount, repo.root)
    return result


def _sendfile(orig, ui, filename):
    return _uploading(ui, orig(ui, filename))


def _staged(orig, conn, fp):
    return orig(conn, _uploading(conn.peer.ui, fp))


class _uploading:
    """a file being sent, whose reads fire ``bigfile.upload`` once 64 KiB
    went out"""

    def __init__(self, ui, fp):
        self._ui = ui
        self._fp = fp
        self._sent = 0

    def read(self, *args, **kwargs):
        data = self._fp.read(*args, **kwargs)
        self._sent += len(data)
        if self._sent >= 65536:
            reach(self._ui, b'bigfile.upload')
        return data

    def __getattr__(self, name):
        return getattr(self._fp, name)

    def __len__(self):
        return len(self._fp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._fp.__exit__(*exc)


def _deltaread(orig, self, size=None):
    # at the second read: the first frame went out
    self.faultreads = getattr(self, 'faultreads', 0) + 1
    if self.faultreads == 2 and _lfui:
        reach(_lfui[0], b'bigfile.delta')
    return orig(self, size)


def _copyandhash(orig, instream, outfile):
    def chunks():
        for count, data in enumerate(instream):
            if count == 1 and _lfui:
                reach(_lfui[0], b'bigfile.fetch')
            yield data

    return orig(chunks(), outfile)


def _holders(orig, ui, *args, **kwargs):
    orig(ui, *args, **kwargs)
    reach(ui, b'gc.after-pin')


# the ui that copyandhash, which takes none, fires with
_lfui = []


def _wanted(orig, repo):
    return repo.ui.configbool(b'faultinject', b'claim-empty') or orig(repo)


def extsetup(ui):
    extensions.wrapfunction(update_util, 'apply_updates', _apply_updates)
    extensions.wrapfunction(context.workingfilectx, 'write', _write)
    extensions.wrapfunction(streamclone, '_write_files', _write_files)
    from hgext_silvermirror import checkout, firstcontact, recovery, sync
    from hgext_silvermirror.firstcontact import firstcheckout, sendahead, shape, streamstore

    # the sync's own steps: it may skip hg's pull, or deliver without its push
    extensions.wrapfunction(sync, '_pull', _pull)
    extensions.wrapfunction(firstcontact, '_send', _push)
    extensions.wrapfunction(recovery, 'preamble', _preamble)
    extensions.wrapfunction(checkout, 'update', _wcupdate)
    extensions.wrapfunction(streamstore, 'noted', _noted)
    extensions.wrapfunction(shape, 'empty', _wanted)
    extensions.wrapfunction(firstcheckout._placement, 'put', _put)
    extensions.wrapfunction(sendahead, '_place', _place)
    from hgext.largefiles import lfutil

    _lfui.append(ui)
    extensions.wrapfunction(lfutil, 'httpsendfile', _sendfile)
    extensions.wrapfunction(lfutil, 'copyandhash', _copyandhash)
    from hgext_silvermirror import bigdelta, bigstage

    extensions.wrapfunction(bigdelta.payload, 'read', _deltaread)
    extensions.wrapfunction(bigstage, 'send', _staged)
    from hgext_silvermirror import budget

    extensions.wrapfunction(budget, 'holders', _holders)

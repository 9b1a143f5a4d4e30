# recovery.py - repair what an interrupted run left, before anything else
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the recovery preamble run at the start of every sync on every repository

An interrupted run can leave a half-written store (the stream of a first
sync into an empty repository: ``firstcontact`` empties it), an abandoned
transaction, a half-done update (whose half-written and missing files
must never be snapshot as edits) or a merge in progress.  ``preamble``
puts the repository back to a state the sync can start from, putting
back in place any version of a file it cannot find in history (an edit
made since), and says what it repaired.

``guard`` protects the working-copy writes of a sync's own update or
merge: it notes the update in ``.hg/silvermirror/interrupted`` (hg's own
``updatestate`` is cleared before the dirstate is written, and a merge has
none), and just before a file is replaced or removed it compares the file
with the version the update started from; a file changed since (a user
edit after the clean check, or a same-size same-mtime rewrite that
``hg status`` cannot see) is first kept as a conflict copy.
"""

import contextlib
import hashlib
import os
import re
import threading
import time

from mercurial.i18n import _
from mercurial import (
    context,
    error,
    extensions,
    merge as mergemod,
    mergestate as mergestatemod,
)
from mercurial.node import bin, hex

from . import (
    bigcopy,
    bigfiles,
    conflicts,
    firstcontact,
    snapshot as snapshotmod,
    state as statefiles,
)
from .statcache import unsettled



def _content(repo, path):
    """the working-copy content of ``path`` (a link's target), or None"""
    wvfs = repo.wvfs
    if wvfs.islink(path):
        return wvfs.readlink(path)
    if not wvfs.isfile(path):
        return None
    return wvfs.read(path)


def _inhistory(repo, path, data, candidates):
    """is ``data`` a version of ``path`` that history keeps?

    The given changesets first, then every revision of the file (a hash
    check per revision, no decompression).
    """
    for c in candidates:
        if path in c and c[path].data() == data:
            return True
    fl = repo.file(path)
    for rev in fl:
        if not fl.cmp(fl.node(rev), data):
            return True
    return False


# hg's atomic write: a temporary ``.NAME-XXXXXXXX~`` beside NAME, renamed
_TEMP = re.compile(rb'^(.*/)?\.(.+)-[a-z0-9_]{8}~$')


def _writetemp(path, targets):
    """is ``path`` the temporary file of an interrupted write of a target?"""
    m = _TEMP.match(path)
    return m is not None and (m.group(1) or b'') + m.group(2) in targets


def _unsaved(repo, candidates):
    """working-copy files whose content history does not have

    ``candidates`` are the changesets the interrupted operation went
    between; a file equal to a version history keeps is safe to overwrite
    (the guard makes every write atomic, so no file is ever cut short;
    the temporary file of a write killed midway is removed).  Returns
    {path: content} of the others: edits a user made meanwhile.
    """
    st = repo.status(unknown=True)
    targets = {p for c in candidates for p in c.manifest()}
    edits = {}
    for path in sorted(set(st.modified) | set(st.added) | set(st.unknown)):
        if path in st.unknown and _writetemp(path, targets):
            repo.wvfs.unlink(path)
            continue
        if path not in targets:
            # an update to a candidate never writes it
            continue
        data = _content(repo, path)
        if data is None:
            continue
        if _inhistory(repo, path, data, candidates):
            continue
        edits[path] = data
    return edits


def _restore(repo, edits, label):
    """put the user's edits back after a clean update; messages"""
    msgs = []
    for path, data in sorted(edits.items()):
        try:
            if repo.wvfs.isdir(path):
                raise IsADirectoryError(path)
            repo.wvfs.write(path, data)
            msgs.append(_(b'kept the edit of %s') % path)
        except OSError:
            copy = conflicts.conflictname(repo, path, label, time.time())
            repo.wvfs.write(copy, data)
            msgs.append(_(b'kept an edit of %s as %s') % (path, copy))
    return msgs


def _interrupted(repo):
    """(kind, changeset, origin) of an update or merge a sync left
    unfinished; origin is the working copy's parent it started from, when
    known"""
    data = statefiles.read(repo, statefiles.INTERRUPTED, list, bytes.split) or []
    if len(data) in (2, 3):
        unfi = repo.unfiltered()
        nodes = [_known(unfi, h) for h in data[1:]] + [None]
        if nodes[0] is not None:
            return data[0], nodes[0], nodes[1]
    target = repo.vfs.tryread(b'updatestate').strip()
    if target:
        unfi = repo.unfiltered()
        if target in unfi:
            return b'update', unfi[target], None
        return b'update', None, None
    return None, None, None


def _known(unfi, hexnode):
    """the changeset ``hexnode`` names, if this repository has it"""
    try:
        node = bin(hexnode)
    except (ValueError, TypeError):
        return None
    return unfi[node] if node in unfi else None


def state(repo):
    """how a repository stands, reading only (``hg mirror-check``)

    ``changesets``; ``locked``: who holds its lock (a dead process's lock
    is freed by the next sync); ``interrupted``: what a run left for the
    next sync's preamble to repair.
    """
    locked = None
    for vfs, name in ((repo.vfs, b'wlock'), (repo.svfs, b'lock')):
        try:
            locked = vfs.readlock(name)
            break
        except OSError:
            continue
    interrupted = []
    if repo.svfs.exists(b'journal'):
        interrupted.append(b'transaction')
    kind, _dest, _origin = _interrupted(repo)
    if kind is None and (
        len(repo[None].parents()) > 1
        or mergestatemod.mergestate.read(repo).active()
    ):
        kind = b'merge'
    if kind is not None:
        interrupted.append(kind)
    return {
        b'changesets': len(repo),
        b'locked': locked,
        b'interrupted': interrupted,
    }


def _clearstate(repo):
    repo.vfs.unlinkpath(statefiles.INTERRUPTED, ignoremissing=True)
    repo.vfs.unlinkpath(b'updatestate', ignoremissing=True)


def checkwhole(root):
    """refuse a repository that is only the shell of one

    hg's vfs makes the missing parent directories of a file it writes, so
    a write into a repository whose disk went away mid-sync (unplugged)
    makes a new ``.hg`` at the same path: no ``requires``, no store.  hg
    would open it as a repository of its oldest format and a sync would
    fill it with a second copy, there where the disk is mounted.
    """
    if not os.path.exists(os.path.join(root, b'.hg', b'requires')):
        raise error.Abort(
            _(b'%s is not a whole repository (no .hg/requires)') % root,
            hint=_(
                b'was its disk removed during a sync? mount it again, or '
                b'move %s away if it is a leftover'
            )
            % root,
        )


def preamble(repo):
    """repair an interrupted run; caller holds the wlock

    Returns a list of messages, one per repair.
    """
    repaired = []
    ui = repo.ui
    if repo.svfs.lexists(b'lock'):
        # hg frees a lock whose process died on this host when it takes it
        try:
            with repo.lock(wait=False):
                pass
            repaired.append(_(b'freed the lock of a process that died'))
        except error.LockHeld:
            pass
    if bigfiles.enabled(repo) and bigcopy.sweep(repo):
        repaired.append(_(b'removed the partial contents of interrupted transfers'))
    # before the journal: an interrupted stream's store cannot be rolled back
    repaired.extend(firstcontact.recover(repo))
    if repo.svfs.exists(b'journal'):
        with ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror'):
            repo.recover()
        repo.invalidate()
        repo.invalidatedirstate()
        repaired.append(_(b'rolled back an interrupted transaction'))
    kind, dest, origin = _interrupted(repo)
    parents = repo[None].parents()
    p1 = parents[0]
    ms = mergestatemod.mergestate.read(repo)
    if len(parents) > 1 or ms.active() or kind == b'merge':
        others = parents[1:] + ([dest] if dest is not None else [])
        repaired.extend(
            _cleanto(repo, p1, [p1] + others, b'merge',
                     _(b'abandoned an interrupted merge, back to %s'))
        )
    elif kind == b'update':
        dest = dest if dest is not None else p1
        repaired.extend(
            _cleanto(repo, dest, [p1, dest], b'interrupted',
                     _(b'finished an interrupted update to %s'), origin)
        )
    return repaired


def _cleanto(repo, target, candidates, label, done, origin=None):
    """a clean update to ``target``, the user's edits put back: messages

    ``candidates`` are the changesets the interrupted operation went
    between (``_unsaved``); ``done`` says what was repaired.  An update
    from a known ``origin`` also writes back the files it only stopped
    tracking (``snapshot.keepuntracked``).
    """
    edits = _unsaved(repo, candidates)
    with _quiet(repo.ui):
        mergemod.clean_update(target)
    if origin is not None:
        snapshotmod.keepuntracked(repo, origin, target)
    _clearstate(repo)
    return [done % target.hex()[:12]] + _restore(repo, edits, label)


@contextlib.contextmanager
def _quiet(ui):
    with ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror'):
        yield


# the working-copy write guard ------------------------------------------------

_active = threading.local()
_wrapped = []


class _guardstate:
    def __init__(self, repo, base):
        self.repo = repo
        self.base = base
        # a digest of what this update itself wrote, by path (digests: a
        # big file's content is not held twice)
        self.written = {}

    def check(self, path, incoming):
        """keep the file as a copy if someone changed it since ``base``

        ``incoming`` is what replaces it (None: a removal), or a function
        that reads it, only when the file is not as recorded.
        """
        repo = self.repo
        if path not in self.written and _asrecorded(repo, path):
            return
        try:
            data = _content(repo, path)
        except OSError:
            return
        if callable(incoming):
            incoming = incoming()
        if data is None or data == incoming:
            return
        if path in self.written:
            if _digest(data) == self.written[path]:
                return
        elif path in self.base:
            fctx = self.base[path]
            # a hash check against the stored version: no third copy
            if not fctx.filelog().cmp(fctx.filenode(), data):
                return
        copy = conflicts.conflictname(repo, path, b'edited', time.time())
        repo.wvfs.write(copy, data)
        # said here, not returned: this may run in one of hg's update
        # workers, a forked process whose results hg does not hand back
        repo.ui.warn(
            _(b'%s changed during the sync; that version is kept as %s\n')
            % (path, copy)
        )


def _asrecorded(repo, path):
    """is ``path`` unchanged since the dirstate recorded it clean? Then it
    holds the parent's version and is not read (``unsettled.untouched``)"""
    try:
        st = repo.wvfs.lstat(path)
    except OSError:
        return False
    return unsettled.untouched(repo.dirstate.get_entry(path), st)


def _digest(data):
    return hashlib.sha1(data).digest()


@contextlib.contextmanager
def writing(repo, path, incoming, digest):
    """the guard around a write of ``path`` with ``incoming`` (``check``),
    whose digest (or a function that makes it) the guard then remembers;
    outside a guard, nothing"""
    state = getattr(_active, 'state', None)
    if state is None or state.repo.root != repo.root:
        yield
        return
    state.check(path, incoming)
    yield
    state.written[path] = digest() if callable(digest) else digest


def _guardedwrite(orig, self, data, flags, **kwargs):
    with writing(self._repo, self._path, data, lambda: _digest(data)):
        return orig(self, data, flags, **kwargs)


def _guardedremove(orig, self, *args, **kwargs):
    state = getattr(_active, 'state', None)
    if state is not None and state.repo.root == self._repo.root:
        state.check(self._path, None)
        state.written.pop(self._path, None)
    return orig(self, *args, **kwargs)


def _install():
    if not _wrapped:
        extensions.wrapfunction(context.workingfilectx, 'write', _guardedwrite)
        extensions.wrapfunction(context.workingfilectx, 'remove', _guardedremove)
        _wrapped.append(True)


@contextlib.contextmanager
def guard(repo, kind, target):
    """protect the working-copy writes of an update or merge to ``target``

    ``kind`` is ``b'update'`` or ``b'merge'``; the state file lets the next
    preamble finish or abandon it if this process dies.

    An update may use hg's workers (a first population of thousands of
    files goes twice as fast): they fork after the guard is installed, so
    each checks the files it writes.  A merge writes some files twice and
    stays in this process, where the guard remembers what it wrote.
    """
    _install()
    origin = repo[b'.']
    statefiles.write(repo, statefiles.INTERRUPTED, [kind, hex(target), origin.hex()])
    state = _guardstate(repo, origin)
    _active.state = state
    ok = False
    # atomic writes leave no file cut short for the preamble to guess at
    overrides = {(b'experimental', b'update.atomic-file'): True}
    if kind != b'update':
        overrides[(b'worker', b'enabled')] = False
    try:
        with repo.ui.configoverride(overrides, b'silvermirror'):
            yield state
        ok = True
    finally:
        _active.state = None
        # what workers wrote is not known here: the next preamble looks
        if ok or (kind != b'update' and not state.written):
            repo.vfs.unlinkpath(statefiles.INTERRUPTED, ignoremissing=True)

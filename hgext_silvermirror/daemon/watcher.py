# watcher.py - silvermirrord --watch: file events become bursts to check
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""File events, gathered per resource into bursts.

A file event does not sync by itself: after the quiet period
(``debounce``) the changed paths are checked with ``hg status``
(``changed``), and only a real difference from the last snapshot syncs.
So the daemon's own writes, and a host's sync updating this working copy,
never trigger a sync, while a user's save during a sync is not lost.
"""

import os
import threading
import time

from mercurial import (
    error,
    scmutil,
)
from mercurial.repo import factory as repo_factory

from .. import snapshot as snapshotmod
from .process import log

# a burst of events that never goes quiet still syncs after this many
# debounce periods
MAX_DEBOUNCE_FACTOR = 10
# beyond this many changed paths a burst syncs without checking them
MAX_CHECKED_PATHS = 500
# event kinds that can change what a snapshot records
EVENT_KINDS = frozenset(['created', 'deleted', 'modified', 'moved', 'closed', 'attrib'])


def changed(ui, res, paths):
    """do the changed ``paths`` differ from the last snapshot?"""
    if not os.path.isdir(os.path.join(res.root, b'.hg')):
        return os.path.isdir(res.root)
    repo = repo_factory.repository(ui, res.root)
    recorded = snapshotmod.recordeddirs(repo[b'.'])
    for rel in paths:
        full = os.path.join(res.root, rel)
        if os.path.isdir(full) and not os.path.islink(full):
            if not os.listdir(full) and rel not in recorded:
                return True
        elif rel in recorded:
            return True
    m = scmutil.match(
        repo[None],
        [b'path:' + p for p in sorted(paths)],
        badfn=lambda f, msg: None,
    )
    st = repo.status(match=m, unknown=True)
    return bool(st.modified or st.added or st.removed or st.deleted or st.unknown)


def needsync(ui, res, paths):
    """does a burst over ``paths`` (None: too many to check) call for a sync?"""
    try:
        wanted = paths is None or changed(ui, res, paths)
    except (error.Abort, error.RepoError, OSError) as inst:
        log.debug('%s: cannot check changes (%s), syncing', res.name.decode(), inst)
        return True
    if not wanted:
        log.debug('%s: %d paths touched, nothing to record', res.name.decode(), len(paths))
    return wanted


def _burstdeadline(first, last, quiet):
    """when a burst that began at ``first`` and last moved at ``last`` is over"""
    return min(last + quiet, first + MAX_DEBOUNCE_FACTOR * max(quiet, 0.5))


class watcher:
    """watches the selected resources' directories for the main loop

    Events arrive on watchdog's thread; they are only recorded here (per
    resource: first event, last event, relative paths) and the main loop
    is woken (``wake``) to sync once a burst is over (``due``).
    """

    def __init__(self, wake):
        self.wake = wake
        self.selected = []
        # files of the daemon itself (its log, its pid file): not changes
        self.ownfiles = set()
        self.lock = threading.Lock()
        # resource name -> [first event, last event, relative paths]
        self.pending = {}
        self.observer = None
        self.watches = {}

    def select(self, selected):
        """watch these resources from now on; forget the others' events"""
        self.selected = selected
        with self.lock:
            names = {r.name for r in selected}
            for name in list(self.pending):
                if name not in names:
                    del self.pending[name]

    def forget(self, name):
        """a sync of resource ``name`` starts: it takes its events with it"""
        with self.lock:
            self.pending.pop(name, None)

    def owner(self, path):
        """(resource, relative path) for an event path, or None"""
        if path in self.ownfiles:
            return None
        best = None
        for res in self.selected:
            if res.contains(path) and (best is None or len(res.root) > len(best.root)):
                best = res
        if best is None or path == best.root:
            return None
        rel = os.path.relpath(path, best.root)
        if b'.hg' in rel.split(b'/'):
            return None
        return best, rel

    def event(self, ev):
        """called by the watcher thread"""
        if ev.event_type not in EVENT_KINDS:
            return
        if ev.is_directory and ev.event_type == 'modified':
            return
        paths = [ev.src_path]
        if getattr(ev, 'dest_path', None):
            paths.append(ev.dest_path)
        now = time.monotonic()
        found = False
        with self.lock:
            for p in paths:
                hit = self.owner(os.fsencode(p))
                if hit is None:
                    continue
                res, rel = hit
                entry = self.pending.setdefault(res.name, [now, now, set()])
                entry[1] = now
                if entry[2] is not None:
                    entry[2].add(rel)
                    if len(entry[2]) > MAX_CHECKED_PATHS:
                        entry[2] = None  # a storm: sync, do not check
                found = True
        if found:
            self.wake()

    def due(self, now, quiet):
        """resources whose burst of events is over, with their paths"""
        due = []
        with self.lock:
            for name, (first, last, paths) in list(self.pending.items()):
                if now >= _burstdeadline(first, last, quiet):
                    del self.pending[name]
                    due.append((name, paths))
        return due

    def deadline(self, quiet, latest):
        """the end of the first burst to be over, if before ``latest``"""
        with self.lock:
            for first, last, _paths in self.pending.values():
                latest = min(latest, _burstdeadline(first, last, quiet))
        return latest

    # the directories watched
    def roots(self):
        """top directories to watch, with their identity (a remount changes it)"""
        roots = sorted({r.root for r in self.selected})
        wanted = {}
        for r in roots:
            if any(r.startswith(o + b'/') for o in roots):
                continue
            try:
                st = os.stat(r)
            except OSError:
                continue
            wanted[r] = (st.st_dev, st.st_ino)
        return wanted

    def rewatch(self, interval):
        """watch the selected resources' directories that exist now"""
        if self.observer is None:
            return
        from watchdog.events import FileSystemEventHandler

        class handler(FileSystemEventHandler):
            def on_any_event(inner, ev):
                self.event(ev)

        wanted = self.roots()
        for root, (sig, watch) in list(self.watches.items()):
            if wanted.get(root) != sig:
                del self.watches[root]
                if watch is not None:
                    try:
                        self.observer.unschedule(watch)
                    except (KeyError, OSError):
                        pass  # the watcher already dropped a vanished directory
        for root, sig in wanted.items():
            if root in self.watches:
                continue
            try:
                watch = self.observer.schedule(handler(), os.fsdecode(root), recursive=True)
            except OSError as inst:
                log.warning(
                    'cannot watch %s (%s); syncing every %.0f s only',
                    os.fsdecode(root),
                    inst.strerror or inst,
                    interval,
                )
                self.watches[root] = (sig, None)
                continue
            log.debug('watching %s', os.fsdecode(root))
            self.watches[root] = (sig, watch)

    def start(self, interval):
        from watchdog.observers import Observer

        self.observer = Observer()
        self.observer.daemon = True
        self.observer.start()
        self.rewatch(interval)

    def stop(self):
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(5)

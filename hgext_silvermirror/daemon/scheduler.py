# scheduler.py - silvermirrord: which resource syncs when, with which hosts
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""When each resource syncs: every ``interval`` seconds, a moment after
its files change (``watcher``), and soon again for a host that was busy.

- Syncs run in this process through the engine (``sync.sync``), rather
  than by dispatching ``hg mirror-push``: the daemon needs each host's
  outcome to back off from a host that is down while it keeps syncing
  the others, and each resource's to skip a refused mass deletion; a
  dispatched command only returns an exit status.  The results are still
  rendered as ``hg mirror-push`` renders them, so the log reads the same.
- A host skipped as busy is tried again within a fraction of a second,
  not backed off from: its lock is held by a sync, often the other
  node's with this one (two daemons started together), which brings
  this node's changes (``locks`` keeps the two from waiting each other
  out).
"""

import os
import random
import threading
import time

from mercurial import (
    error,
    pycompat,
)

from .. import (
    boundary,
    conflicts,
    redact,
    report as reportmod,
    resources as resourcesmod,
    run as runmod,
    sync as syncmod,
)
from . import (
    pool as poolmod,
    process,
    watcher as watchermod,
)
from .process import log

# first delay before a host that was down is tried again (doubles)
BACKOFF_BASE = 2.0
DEFAULT_MAX_BACKOFF = 600.0
# first delay before a host skipped as busy is tried again (doubles, with
# jitter, up to BUSY_MAX): it is busy with a sync, soon over
BUSY_BASE = 0.25
BUSY_MAX = 5.0
# changed files wait for a busy host's retry due within this many seconds
# (it syncs them too); a later retry does not hold them back
BUSY_DEFER = 1.0


# the engine ------------------------------------------------------------------
# Every call of the daemon into the sync engine and its rendering is here.


def loadconfig(ui):
    """the SilverMirror file and its resources; raises on bad input"""
    return runmod.loadconfig(ui)


def syncresource(ui, cfg, res, sopts):
    """sync one resource; its result, also when it failed"""
    try:
        return runmod.syncone(ui, cfg, res, sopts)
    except Exception as inst:  # a bug must not stop the other resources
        log.exception('%s: unexpected error', res.name.decode('utf-8', 'replace'))
        result = syncmod.resourceresult(res)
        bug = boundary.internalerror(inst)
        result.error, result.hint = bug.message, bug.hint
    return result


def render(ui, result):
    """log ``result`` as ``hg mirror-push`` prints it; its exit status"""
    with ui.formatter(b'mirror', {}) as fm:
        report = reportmod.reporter(ui, fm, b'push')
        report.add(result)
        report.summary()
    return report.exitcode


# hosts that are down ---------------------------------------------------------


class backoff:
    """per host: when to try again after it was unreachable (or busy)"""

    def __init__(self, cap, base=BACKOFF_BASE, jitter=False):
        self.cap = cap
        self.base = base
        self.jitter = jitter
        self.failures = {}
        self.until = {}

    def due(self, host, now):
        return self.until.get(host, 0.0) <= now

    def wait(self, host, now):
        return max(0.0, self.until.get(host, 0.0) - now)

    def failed(self, host, started):
        """count a failure of an attempt begun at ``started``; the delay"""
        n = self.failures.get(host, 0) + 1
        self.failures[host] = n
        delay = min(self.cap, self.base * 2 ** (n - 1))
        if self.jitter:
            # two daemons refused at the same moment come back apart
            delay *= random.uniform(0.5, 1.5)
        self.until[host] = started + delay
        return delay

    def succeeded(self, host):
        """forget ``host``'s failures; whether there were any"""
        self.until.pop(host, None)
        return self.failures.pop(host, None) is not None


# the scheduler ---------------------------------------------------------------


def _signature(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _name(res):
    return res.name.decode('utf-8', 'replace')


class scheduler:
    """the daemon's main loop and every decision about when to sync

    It runs on the main thread only; the watcher thread and the signal
    handlers just record what happened and wake it (``control``).
    """

    def __init__(self, args, ui):
        self.args = args
        self.ui = ui
        self.names = [pycompat.sysbytes(n) for n in args.resources]
        self.hosts = [pycompat.sysbytes(h) for h in args.host]
        self.handler = None
        self.backoff = backoff(args.max_backoff)
        self.busy = backoff(BUSY_MAX, BUSY_BASE, jitter=True)
        # resource name -> (when, labels of the hosts that were busy, or
        # None for all of them: files changed meanwhile)
        self.retries = {}
        # warm ssh connections between syncs
        self.pool = poolmod.pool()
        self.control = process.control()
        self.lock = threading.Lock()
        self.watcher = watchermod.watcher(self.control.wake)
        self.nextcycle = 0.0
        self.load(ui)

    # configuration
    def load(self, ui):
        """read the SilverMirror file and select; raises on bad input"""
        handler = self.args.conflict
        if handler:
            handler = conflicts.handlers.canonical(ui, pycompat.sysbytes(handler))
        cfg, resources = loadconfig(ui)
        # no name means every resource: a daemon has no current directory
        selected = resourcesmod.select(resources, self.names or [b'all'], b'/')
        self.ui, self.cfg, self.selected, self.handler = ui, cfg, selected, handler
        self.signature = _signature(cfg.path)
        self.watcher.select(selected)

    @property
    def interval(self):
        return self.args.interval or self.cfg.interval

    def reload(self, why, newui=False):
        """read the configuration again; a broken one keeps the old"""
        self.signature = _signature(self.cfg.path)
        # hosts or ssh settings may have changed
        self.pool.close()
        try:
            self.load(process.makeui(self.args) if newui else self.ui)
        except error.Abort as inst:
            process.logabort(inst)
            log.error('keeping the previous configuration (%s)', why)
            return False
        log.info(
            'configuration reloaded (%s): %s',
            why,
            ', '.join(_name(r) for r in self.selected) or 'no resources',
        )
        self.watcher.rewatch(self.interval)
        return True

    def maybereload(self):
        if _signature(self.cfg.path) != self.signature:
            self.reload('the SilverMirror file changed')

    # syncing
    def ordered(self):
        """the selected resources, the one holding the SilverMirror file first"""
        return runmod.ordered(self.cfg, self.selected)

    def duehosts(self, res, only, now):
        """the hosts to sync ``res`` with now, those not backing off

        ``only``: the labels of the hosts to consider, else all.  None
        when there is nothing to sync with.
        """
        entries = syncmod.selecthosts(res, self.hosts)
        if only is not None:
            entries = [e for e in entries if redact.url(e.label) in only]
            if not entries:
                return None
        due = [e for e in entries if self.backoff.due(redact.url(e.label), now)]
        for e in entries:
            if e not in due:
                log.debug(
                    '%s: %s is down, next attempt in %.0f s',
                    res.name.decode(),
                    redact.url(e.label).decode('utf-8', 'replace'),
                    self.backoff.wait(redact.url(e.label), now),
                )
        if entries and not due:
            return None
        return due

    def syncone(self, res, why, only=None):
        """sync one resource with its hosts that are not backing off

        ``only``: the labels of the hosts to sync with, else all.
        """
        now = time.monotonic()
        due = self.duehosts(res, only, now)
        if due is None:
            return None
        sopts = syncmod.options(
            direction=b'push',
            hosts=[e.label for e in due],
            handler=self.handler,
            message=pycompat.sysbytes(self.args.message) if self.args.message else None,
            pool=self.pool,
            alone=True,
        )
        log.info('%s: syncing (%s)', _name(res), why)
        self.watcher.forget(res.name)
        with self.lock:
            self.retries.pop(res.name, None)
        self.control.syncing = _name(res)
        try:
            result = syncresource(self.ui, self.cfg, res, sopts)
        finally:
            self.control.syncing = None
        self.tally(res, result, now)
        code = render(self.ui, result)
        self.retrybusy(res, result)
        if result.error is not None:
            log.warning(
                "%s: skipped; run 'hg mirror-push %s' yourself to resolve it "
                "(the daemon keeps retrying)",
                _name(res),
                _name(res),
            )
        return code

    def tally(self, res, result, started):
        """back off from the hosts that were down, forgive those back up"""
        for h in result.hosts:
            if h.status == syncmod.UNREACHABLE:
                delay = self.backoff.failed(h.host, started)
                log.warning(
                    '%s: %s is down, backing off for %.0f s',
                    _name(res),
                    h.host.decode('utf-8', 'replace'),
                    delay,
                )
            elif self.backoff.succeeded(h.host):
                log.info('%s is reachable again', h.host.decode('utf-8', 'replace'))

    def retrybusy(self, res, result):
        """try the hosts skipped as busy again soon, without backing off

        A host is busy while another sync holds its lock: often the other
        node syncing with this one, which brings this node's changes and
        holds this node's lock meanwhile, so the retry waits for it and
        syncs right after it.
        """
        if self.args.once:
            return
        now = time.monotonic()
        busy = []
        for h in result.hosts:
            if h.busy:
                busy.append((now + self.busy.failed(h.host, now), h.host))
            else:
                self.busy.succeeded(h.host)
        if not busy:
            return
        when = min(w for w, _h in busy)
        log.info(
            '%s: trying %s again in %.1f s',
            _name(res),
            ', '.join(h.decode('utf-8', 'replace') for _w, h in busy),
            when - now,
        )
        with self.lock:
            self.retries[res.name] = (when, {h for _w, h in busy})

    def deferred(self, name):
        """leave changed files to the retry of a busy host, if one is due

        The host is busy with a sync that may be bringing this node's
        changes and wants this node's lock for it; syncing now would make
        it wait.  The retry then syncs with every host.
        """
        with self.lock:
            when = self.retries.get(name, (None,))[0]
            if when is None or when - time.monotonic() > BUSY_DEFER:
                return False
            self.retries[name] = (when, None)
            return True

    def dueretries(self, now):
        """(resource, busy hosts) whose retry is due"""
        due = []
        with self.lock:
            for name, (when, labels) in list(self.retries.items()):
                if when <= now:
                    del self.retries[name]
                    due.append((name, labels))
        for name, labels in due:
            res = next((r for r in self.selected if r.name == name), None)
            if res is not None:
                yield res, labels

    def cycle(self, why):
        """sync every selected resource once; the exit status"""
        code = 0
        done = set()
        while not self.control.stopping:
            self.maybereload()
            todo = [r for r in self.ordered() if r.name not in done]
            if not todo:
                break
            done.add(todo[0].name)
            code = max(code, self.syncone(todo[0], why) or 0)
        return code

    def onevents(self, name, paths):
        """a burst of file events in resource ``name`` is over"""
        res = next((r for r in self.selected if r.name == name), None)
        if res is None or not watchermod.needsync(self.ui, res, paths):
            return
        self.maybereload()
        res = next((r for r in self.selected if r.name == name), None)
        if res is not None:
            self.syncone(res, 'files changed')

    # the loop
    def once(self):
        """sync every selected resource once (``--once``); the exit status"""
        try:
            return self.cycle('once')
        except process.Stop:
            log.warning('sync abandoned; the next sync repairs what it left')
            return 255
        finally:
            self.pool.close()

    def nextdeadline(self, now):
        """seconds until the next cycle, burst or retry is due"""
        deadline = self.watcher.deadline(self.cfg.debounce, self.nextcycle)
        with self.lock:
            for when, _labels in self.retries.values():
                deadline = min(deadline, when)
        return max(0.0, deadline - now)

    def serve(self):
        """sync until stopped; always 0 (the outcome of each sync is logged)"""
        ctl = self.control
        if self.args.watch:
            self.watcher.start(self.interval)
        try:
            while not ctl.stopping:
                if ctl.reloadwanted:
                    ctl.reloadwanted = False
                    if self.reload('SIGHUP', newui=True):
                        self.nextcycle = 0.0
                now = time.monotonic()
                if now >= self.nextcycle:
                    self.nextcycle = now + self.interval
                    self.cycle('every %g s' % self.interval)
                    continue
                for name, paths in self.watcher.due(now, self.cfg.debounce):
                    if ctl.stopping:
                        break
                    if not self.deferred(name):
                        self.onevents(name, paths)
                for res, labels in self.dueretries(time.monotonic()):
                    if ctl.stopping:
                        break
                    self.syncone(res, 'a host was busy', only=labels)
                self.watcher.rewatch(self.interval)
                if not ctl.stopping and not ctl.reloadwanted:
                    ctl.sleep(self.nextdeadline(time.monotonic()))
        except process.Stop:
            log.warning('sync abandoned; the next sync repairs what it left')
        finally:
            self.watcher.stop()
            self.pool.close()
        return 0

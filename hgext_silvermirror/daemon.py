# daemon.py - silvermirrord: sync on an interval and on file-system events
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``silvermirrord [-s SECONDS] [--watch] [--once] [OPTION]... [RESOURCE]...``

Keeps the selected resources mirrored (push) without anyone at the
keyboard: every ``interval`` seconds, with ``--watch`` also a moment
after files change, and once with ``--once`` (for cron).

Why it is built this way:

- Syncs run in this process through the engine (``sync.sync``), with a
  ui loaded as hg's dispatch loads it (``ui.load``, ``extensions.loadall``),
  rather than by dispatching ``hg mirror-push``: the daemon needs each
  host's outcome to back off from a host that is down while it keeps
  syncing the others, and each resource's to skip a refused mass
  deletion; a dispatched command only returns an exit status.  The
  results are still rendered by ``commands.reporter``, so the log reads
  like ``hg mirror-push``.
- Non-interactive by construction: ``ui.interactive`` is false (ssh runs
  in batch mode, the ``Prompt`` handler keeps both), stdin is /dev/null.
- A file event does not sync by itself: after the quiet period
  (``debounce``) the changed paths are checked with ``hg status``, and
  only a real difference from the last snapshot syncs.  So the daemon's
  own writes, and a host's sync updating this working copy, never
  trigger a sync, while a user's save during a sync is not lost.
- A host skipped as busy is tried again within a fraction of a second,
  not backed off from: its lock is held by a sync, often the other
  node's with this one (two daemons started together), which brings
  this node's changes (``locks`` keeps the two from waiting each other
  out).
- One daemon per user and SilverMirror file: an flock on the pid file,
  which the kernel releases when the process dies, so a stale file is
  taken over without guessing from pids.
"""

import argparse
import errno
import fcntl
import faulthandler
import hashlib
import logging
import logging.handlers
import os
import random
import select
import signal
import sys
import threading
import time

from mercurial.i18n import _
from mercurial import (
    error,
    extensions,
    initialization,
    pycompat,
    scmutil,
    ui as uimod,
)
from mercurial.repo import factory as repo_factory

from . import (
    boundary,
    cli,
    commands,
    config as configmod,
    conflicts,
    hosts as hostsmod,
    redact,
    resources as resourcesmod,
    sync as syncmod,
    workingcopy,
)

PROG = 'silvermirrord'
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
# a burst of events that never goes quiet still syncs after this many
# debounce periods
MAX_DEBOUNCE_FACTOR = 10
# beyond this many changed paths a burst syncs without checking them
MAX_CHECKED_PATHS = 500
# event kinds that can change what a snapshot records
EVENT_KINDS = frozenset(['created', 'deleted', 'modified', 'moved', 'closed', 'attrib'])

log = logging.getLogger(PROG)


class Stop(KeyboardInterrupt):
    """a second SIGTERM/SIGINT: abandon the sync in progress

    A ``KeyboardInterrupt``, because that is what Mercurial's code expects
    at any point and cleans up after (transactions roll back, locks are
    released); what is left half-done the next sync repairs.
    """


# command line ----------------------------------------------------------------


def parser():
    p = argparse.ArgumentParser(
        prog=PROG,
        description='keep SilverMirror resources mirrored on an interval '
        'and on file changes',
        epilog='With no RESOURCE every resource is synced. See '
        "'hg help -e hgext_silvermirror' for the SilverMirror file.",
    )
    p.add_argument('resources', nargs='*', metavar='RESOURCE')
    p.add_argument(
        '-s',
        '--interval',
        type=float,
        metavar='SECONDS',
        help='seconds between syncs (default: interval of the SilverMirror '
        'file, 300)',
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        '--watch',
        action='store_true',
        help='also sync when files change (after debounce seconds of quiet)',
    )
    mode.add_argument(
        '--once', action='store_true', help='sync once and exit (for cron)'
    )
    p.add_argument(
        '--foreground',
        action='store_true',
        help='stay attached; log to stderr unless --log is given',
    )
    p.add_argument(
        '--log',
        metavar='FILE',
        help='log file (default: silvermirrord-KEY.log in the state directory)',
    )
    p.add_argument(
        '-v', '--verbose', action='count', default=0, help='more output (twice: debug)'
    )
    p.add_argument(
        '-H',
        '--host',
        action='append',
        default=[],
        metavar='HOST',
        help='sync with this host only (a configured name, a URL or a path)',
    )
    p.add_argument(
        '-d', '--conflict', metavar='HANDLER', help='conflict handler for every sync'
    )
    p.add_argument('-m', '--message', metavar='TEXT', help='message of the snapshots')
    p.add_argument(
        '--max-backoff',
        type=float,
        default=DEFAULT_MAX_BACKOFF,
        metavar='SECONDS',
        help='longest wait before retrying a host that is down (default 600)',
    )
    p.add_argument(
        '--config',
        action='append',
        default=[],
        metavar='SECTION.NAME=VALUE',
        help='set an hg config option, as hg --config',
    )
    return p


def parseargs(argv):
    p = parser()
    args = p.parse_args(argv)
    for value, name in ((args.interval, '-s'), (args.max_backoff, '--max-backoff')):
        if value is not None and not value > 0:
            p.error('%s must be a positive number of seconds' % name)
    for item in args.config:
        name = item.split('=', 1)[0]
        if '=' not in item or '.' not in name or name.startswith('.'):
            p.error('--config takes SECTION.NAME=VALUE, not %r' % item)
    return args


# ui and state ----------------------------------------------------------------


class _logstream:
    """a binary file for ``ui.fout``/``ui.ferr``: each line a log record"""

    def __init__(self, level):
        self.level = level
        self.buf = b''

    def write(self, data):
        self.buf += bytes(data)
        while b'\n' in self.buf:
            line, self.buf = self.buf.split(b'\n', 1)
            if line.strip():
                log.log(self.level, '%s', line.decode('utf-8', 'replace'))

    def flush(self):
        pass

    def isatty(self):
        return False


_null = []


def _devnull():
    """one /dev/null for every ui this process loads"""
    if not _null:
        _null.append(open(os.devnull, 'rb'))
    return _null[0]


def makeui(args):
    """the user's hg configuration with the extension loaded, never interactive

    Called again on SIGHUP, so hgrc changes apply too.
    """
    initialization.init()
    ui = uimod.ui.load()
    for item in args.config:
        name, value = item.split('=', 1)
        section, key = name.split('.', 1)
        ui.setconfig(
            pycompat.sysbytes(section),
            pycompat.sysbytes(key),
            pycompat.sysbytes(value),
            b'--config',
        )
    if not any(ui.config(b'extensions', k) is not None for k in cli.EXTENSION_KEYS):
        ui.setconfig(b'extensions', b'hgext_silvermirror', b'', PROG.encode())
    src = PROG.encode()
    ui.setconfig(b'ui', b'interactive', b'false', src)
    ui.setconfig(b'ui', b'paginate', b'false', src)
    ui.setconfig(b'ui', b'formatted', b'false', src)
    # hg's own SIGTERM handler, set while it takes a lock, would abandon
    # the sync at once; the daemon's lets it finish (``onstop``)
    ui.setconfig(b'ui', b'signal-safe-lock', b'false', src)
    if args.verbose:
        ui.setconfig(b'ui', b'verbose', b'true', src)
    if args.verbose > 1:
        ui.setconfig(b'ui', b'debug', b'true', src)
    ui.fin = _devnull()
    ui.fout = _logstream(logging.INFO)
    ui.ferr = _logstream(logging.WARNING)
    extensions.loadall(ui)
    extensions.populateui(ui)
    # the path is pinned: a detached daemon runs in /
    ui.setconfig(b'silvermirror', b'config', configmod.configpath(ui), src)
    return ui


def statedir():
    """``$XDG_STATE_HOME/silvermirror``, else ``~/.local/state/silvermirror``"""
    base = os.environ.get('XDG_STATE_HOME') or os.path.join(
        os.path.expanduser('~'), '.local', 'state'
    )
    return os.path.join(base, 'silvermirror')


def statename(configpath):
    """``silvermirrord-KEY``: one daemon per user and SilverMirror file"""
    key = hashlib.sha1(os.path.realpath(configpath)).hexdigest()[:10]
    return '%s-%s' % (PROG, key)


class pidfile:
    """the single-instance lock: an flock held for the daemon's lifetime"""

    def __init__(self, path):
        self.path = path
        self.fd = None

    def _read(self, fd):
        data = os.pread(fd, 64, 0).split()
        return int(data[0]) if data and data[0].isdigit() else None

    def acquire(self):
        """take the lock; the pid of a dead previous owner, or None"""
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = self._read(fd)
                os.close(fd)
                raise error.StateError(
                    _(b'silvermirrord is already running (pid %s)')
                    % (b'%d' % pid if pid else b'?'),
                    hint=_(b"stop it with 'kill %s' first, or leave it running")
                    % (b'%d' % pid if pid else b'PID'),
                )
            # a previous owner may have removed the file meanwhile
            try:
                same = os.path.samestat(os.fstat(fd), os.lstat(self.path))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            self.fd = fd
            return self._read(fd)

    def _open(self):
        """the pid file, never through a symbolic link

        The file is truncated when written: a link there would have its
        target emptied, wherever it points.
        """
        try:
            return os.open(
                self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644
            )
        except OSError as inst:
            if inst.errno != errno.ELOOP:
                raise
            raise error.StateError(
                _(b'the pid file %s is a symbolic link')
                % os.fsencode(self.path),
                hint=_(b'remove it, then start silvermirrord again'),
            )

    def write(self, pid):
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, b'%d\n' % pid, 0)

    def release(self):
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None


def _maskpasswords(record):
    """no password of a host URL reaches the log, whoever wrote the line

    Messages come from the daemon, from the sync engine through ``ui``,
    from Mercurial itself, and with a traceback.
    """
    record.msg = redact.native(record.getMessage())
    record.args = None
    if record.exc_info:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = redact.native(text)
    return True


def logfile(args, path):
    """the file the daemon logs to; None: standard error"""
    return None if args.foreground and not args.log else path


def setuplogging(args, path):
    if logfile(args, path) is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
        handler = logging.handlers.WatchedFileHandler(path)
    handler.setFormatter(
        logging.Formatter(
            '%(asctime)s.%(msecs)03d %(name)s[%(process)d] %(levelname)s: %(message)s',
            '%Y-%m-%d %H:%M:%S',
        )
    )
    handler.addFilter(_maskpasswords)
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    return handler


def detach(handler, logpath):
    """become a daemon; returns the pipe to report readiness on (``ready``)

    The process started from the shell waits for that report and says
    where the daemon is, or that it did not start, before it exits.
    """
    rfd, wfd = os.pipe()
    if os.fork():
        os.close(wfd)
        pid = os.read(rfd, 32).strip()
        if pid.isdigit():
            sys.stdout.write('%s: %s\n' % (PROG, startline(int(pid), logpath)))
            sys.stdout.flush()
            os._exit(0)
        sys.stderr.write('%s: did not start; see its log: %s\n' % (PROG, logpath))
        sys.stderr.flush()
        os._exit(255)
    os.close(rfd)
    os.setsid()
    if os.fork():
        os._exit(0)
    os.chdir('/')
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.close(devnull)
    # stray output of child processes lands in the log
    out = handler.stream.fileno()
    os.dup2(out, 1)
    os.dup2(out, 2)
    return wfd


def ready(wfd):
    """tell the process started from the shell that the daemon runs"""
    os.write(wfd, b'%d\n' % os.getpid())
    os.close(wfd)


def startline(pid, logpath):
    """where a started daemon is: its pid and its log"""
    return 'started (pid %d), log: %s' % (pid, logpath or 'standard error')


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


# the daemon ------------------------------------------------------------------


def _abortcode(ui, inst):
    if ui.configbool(b'ui', b'detailed-exit-code') and inst.detailed_exit_code:
        return inst.detailed_exit_code
    return 255


def _logabort(inst, prefix=b''):
    for line in inst.format().splitlines():
        log.error('%s', (prefix + line).decode('utf-8', 'replace'))


def _signature(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class daemon:
    def __init__(self, args, ui, ownfiles=()):
        self.args = args
        self.ui = ui
        self.names = [pycompat.sysbytes(n) for n in args.resources]
        self.hosts = [pycompat.sysbytes(h) for h in args.host]
        self.handler = None
        self.ownfiles = {os.fsencode(os.path.abspath(f)) for f in ownfiles}
        self.backoff = backoff(args.max_backoff)
        self.busy = backoff(BUSY_MAX, BUSY_BASE, jitter=True)
        # resource name -> (when, labels of the hosts that were busy, or
        # None for all of them: files changed meanwhile)
        self.retries = {}
        # warm ssh connections between syncs
        self.pool = hostsmod.pool()
        self.stopping = False
        self.reloadwanted = False
        self.syncing = None
        self.lock = threading.Lock()
        # resource name -> [first event, last event, relative paths]
        self.pending = {}
        self.observer = None
        self.watches = {}
        self.nextcycle = 0.0
        self.wakeread, self.wakewrite = os.pipe()
        os.set_blocking(self.wakeread, False)
        os.set_blocking(self.wakewrite, False)
        self.load(ui)

    # configuration
    def load(self, ui):
        """read the SilverMirror file and select; raises on bad input"""
        handler = self.args.conflict
        if handler:
            handler = conflicts.handlers.canonical(ui, pycompat.sysbytes(handler))
        cfg, resources = commands.loadconfig(ui)
        # no name means every resource: a daemon has no current directory
        selected = resourcesmod.select(resources, self.names or [b'all'], b'/')
        self.ui, self.cfg, self.selected, self.handler = ui, cfg, selected, handler
        self.signature = _signature(cfg.path)

    @property
    def interval(self):
        return self.args.interval or self.cfg.interval

    def reload(self, why, newui=False):
        """read the configuration again; a broken one keeps the old"""
        self.signature = _signature(self.cfg.path)
        # hosts or ssh settings may have changed
        self.pool.close()
        try:
            self.load(makeui(self.args) if newui else self.ui)
        except error.Abort as inst:
            _logabort(inst)
            log.error('keeping the previous configuration (%s)', why)
            return False
        log.info(
            'configuration reloaded (%s): %s',
            why,
            ', '.join(r.name.decode('utf-8', 'replace') for r in self.selected)
            or 'no resources',
        )
        with self.lock:
            names = {r.name for r in self.selected}
            for name in list(self.pending):
                if name not in names:
                    del self.pending[name]
        self.rewatch()
        return True

    def maybereload(self):
        if _signature(self.cfg.path) != self.signature:
            self.reload('the SilverMirror file changed')

    # signals
    def wake(self):
        try:
            os.write(self.wakewrite, b'x')
        except BlockingIOError:
            pass

    def onstop(self, signum, frame):
        name = signal.Signals(signum).name
        if self.stopping and self.syncing is not None:
            log.warning('%s again: abandoning the sync of %s', name, self.syncing)
            raise Stop()
        if not self.stopping and self.syncing is not None:
            log.info(
                '%s: finishing the sync of %s, then stopping (again to abandon it)',
                name,
                self.syncing,
            )
        else:
            log.info('%s: stopping', name)
        self.stopping = True
        self.wake()

    def onhup(self, signum, frame):
        self.reloadwanted = True
        self.wake()

    def installsignals(self):
        signal.signal(signal.SIGTERM, self.onstop)
        signal.signal(signal.SIGINT, self.onstop)
        signal.signal(signal.SIGHUP, self.onhup)
        # where is it stuck? the stacks of every thread, into the log
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)

    # syncing
    def ordered(self):
        """the selected resources, the one holding the SilverMirror file first"""
        home = [r for r in self.selected if r.contains(self.cfg.path)]
        home = max(home, key=lambda r: len(r.root)) if home else None
        return ([home] if home else []) + [r for r in self.selected if r is not home]

    def syncone(self, res, why, only=None):
        """sync one resource with its hosts that are not backing off

        ``only``: the labels of the hosts to sync with, else all.
        """
        now = time.monotonic()
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
        sopts = syncmod.options(
            direction=b'push',
            hosts=[e.label for e in due],
            handler=self.handler,
            message=pycompat.sysbytes(self.args.message) if self.args.message else None,
            pool=self.pool,
            alone=True,
        )
        log.info('%s: syncing (%s)', res.name.decode('utf-8', 'replace'), why)
        with self.lock:
            self.pending.pop(res.name, None)
            self.retries.pop(res.name, None)
        self.syncing = res.name.decode('utf-8', 'replace')
        try:
            result = syncmod.sync(self.ui, self.cfg, res, sopts)
        except error.Abort as inst:
            result = syncmod.resourceresult(res)
            result.error, result.hint = inst.message, inst.hint
        except Exception as inst:  # a bug must not stop the other resources
            log.exception('%s: unexpected error', res.name.decode('utf-8', 'replace'))
            result = syncmod.resourceresult(res)
            bug = boundary.internalerror(inst)
            result.error, result.hint = bug.message, bug.hint
        finally:
            self.syncing = None
        for h in result.hosts:
            if h.status == syncmod.UNREACHABLE:
                delay = self.backoff.failed(h.host, now)
                log.warning(
                    '%s: %s is down, backing off for %.0f s',
                    res.name.decode('utf-8', 'replace'),
                    h.host.decode('utf-8', 'replace'),
                    delay,
                )
            elif self.backoff.succeeded(h.host):
                log.info('%s is reachable again', h.host.decode('utf-8', 'replace'))
        with self.ui.formatter(b'mirror', {}) as fm:
            report = commands.reporter(self.ui, fm, b'push')
            report.add(result)
            report.summary()
        self.retrybusy(res, result)
        code = report.exitcode
        if result.error is not None:
            log.warning(
                "%s: skipped; run 'hg mirror-push %s' yourself to resolve it "
                "(the daemon keeps retrying)",
                res.name.decode('utf-8', 'replace'),
                res.name.decode('utf-8', 'replace'),
            )
        return code

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
            res.name.decode('utf-8', 'replace'),
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
        while not self.stopping:
            self.maybereload()
            todo = [r for r in self.ordered() if r.name not in done]
            if not todo:
                break
            done.add(todo[0].name)
            code = max(code, self.syncone(todo[0], why) or 0)
        return code

    # watching
    def dirty(self, res, paths):
        """do the changed ``paths`` differ from the last snapshot?"""
        if not os.path.isdir(os.path.join(res.root, b'.hg')):
            return os.path.isdir(res.root)
        repo = repo_factory.repository(self.ui, res.root)
        recorded = workingcopy.recordeddirs(repo[b'.'])
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

    def watchroots(self):
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

    def rewatch(self):
        """watch the selected resources' directories that exist now"""
        if self.observer is None:
            return
        from watchdog.events import FileSystemEventHandler

        class handler(FileSystemEventHandler):
            def on_any_event(inner, ev):
                self.event(ev)

        wanted = self.watchroots()
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
                    self.interval,
                )
                self.watches[root] = (sig, None)
                continue
            log.debug('watching %s', os.fsdecode(root))
            self.watches[root] = (sig, watch)

    def startwatch(self):
        from watchdog.observers import Observer

        self.observer = Observer()
        self.observer.daemon = True
        self.observer.start()
        self.rewatch()

    def stopwatch(self):
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(5)

    def dueevents(self, now):
        """resources whose burst of events is over, with their paths"""
        quiet = self.cfg.debounce
        due = []
        with self.lock:
            for name, (first, last, paths) in list(self.pending.items()):
                if now - last >= quiet or now - first >= MAX_DEBOUNCE_FACTOR * max(quiet, 0.5):
                    del self.pending[name]
                    due.append((name, paths))
        return due

    def nextdeadline(self, now):
        deadline = self.nextcycle
        quiet = self.cfg.debounce
        with self.lock:
            for first, last, _paths in self.pending.values():
                deadline = min(deadline, last + quiet, first + MAX_DEBOUNCE_FACTOR * max(quiet, 0.5))
            for when, _labels in self.retries.values():
                deadline = min(deadline, when)
        return max(0.0, deadline - now)

    def onevents(self, name, paths):
        res = next((r for r in self.selected if r.name == name), None)
        if res is None:
            return
        try:
            changed = paths is None or self.dirty(res, paths)
        except (error.Abort, error.RepoError, OSError) as inst:
            log.debug('%s: cannot check changes (%s), syncing', name.decode(), inst)
            changed = True
        if not changed:
            log.debug('%s: %d paths touched, nothing to record', name.decode(), len(paths))
            return
        self.maybereload()
        res = next((r for r in self.selected if r.name == name), None)
        if res is not None:
            self.syncone(res, 'files changed')

    # the loop
    def serve(self):
        """sync until stopped; always 0 (the outcome of each sync is logged)"""
        if self.args.watch:
            self.startwatch()
        try:
            while not self.stopping:
                if self.reloadwanted:
                    self.reloadwanted = False
                    if self.reload('SIGHUP', newui=True):
                        self.nextcycle = 0.0
                now = time.monotonic()
                if now >= self.nextcycle:
                    self.nextcycle = now + self.interval
                    self.cycle('every %g s' % self.interval)
                    continue
                for name, paths in self.dueevents(now):
                    if self.stopping:
                        break
                    if not self.deferred(name):
                        self.onevents(name, paths)
                for res, labels in self.dueretries(time.monotonic()):
                    if self.stopping:
                        break
                    self.syncone(res, 'a host was busy', only=labels)
                if self.observer is not None:
                    self.rewatch()
                if not self.stopping and not self.reloadwanted:
                    select.select([self.wakeread], [], [], self.nextdeadline(time.monotonic()))
                    try:
                        while os.read(self.wakeread, 512):
                            pass
                    except BlockingIOError:
                        pass
        except Stop:
            log.warning('sync abandoned; the next sync repairs what it left')
        finally:
            self.stopwatch()
            self.pool.close()
        return 0


def run(args):
    """start the daemon as ``args`` say; the exit status"""
    try:
        ui = makeui(args)
    except error.Abort as inst:
        sys.stderr.buffer.write(inst.format())
        return 255
    try:
        d = daemon(args, ui)
        name = statename(configmod.configpath(ui))
        logpath = args.log or os.path.join(statedir(), name + '.log')
        pidf = pidfile(os.path.join(statedir(), name + '.pid'))
        stale = pidf.acquire()
    except error.Abort as inst:
        sys.stderr.buffer.write(inst.format())
        return _abortcode(ui, inst)
    except OSError as inst:
        sys.stderr.write('abort: %s: %s\n' % (inst.filename or '', inst.strerror))
        return 255
    try:
        try:
            handler = setuplogging(args, logpath)
        except OSError as inst:
            sys.stderr.write('abort: cannot open log %s: %s\n' % (logpath, inst.strerror))
            return 255
        d.ownfiles |= {os.fsencode(os.path.abspath(p)) for p in (logpath, pidf.path)}
        wfd = None
        if not (args.foreground or args.once):
            wfd = detach(handler, logpath)
        pidf.write(os.getpid())
        if wfd is not None:
            ready(wfd)
        d.installsignals()
        if stale:
            log.info('taking over from pid %d, which is not running', stale)
        log.info(
            '%s; %s%s',
            startline(os.getpid(), logfile(args, logpath)),
            'once' if args.once else 'every %g s' % d.interval,
            ', watching files' if args.watch else '',
        )
        if args.once:
            try:
                return d.cycle('once')
            except Stop:
                log.warning('sync abandoned; the next sync repairs what it left')
                return 255
            finally:
                d.pool.close()
        code = d.serve()
        log.info('stopped')
        return code
    finally:
        pidf.release()


def main(argv=None):
    args = parseargs(sys.argv[1:] if argv is None else argv)
    sys.exit(run(args))

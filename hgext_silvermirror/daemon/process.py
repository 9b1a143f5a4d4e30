# process.py - silvermirrord's process: ui, pid file, log, detaching, signals
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""What makes silvermirrord a well-behaved background process.

- Non-interactive by construction: ``ui.interactive`` is false (ssh runs
  in batch mode, the ``Prompt`` handler keeps both), stdin is /dev/null,
  and whatever the engine or Mercurial writes through ``ui`` becomes log
  records.
- One daemon per user and SilverMirror file: an flock on the pid file,
  which the kernel releases when the process dies, so a stale file is
  taken over without guessing from pids.
- Signals only set a flag and write to a pipe the main loop sleeps on,
  so the daemon wakes at once and acts between syncs, never inside one
  unless told twice.
"""

import errno
import fcntl
import faulthandler
import hashlib
import logging
import logging.handlers
import os
import select
import signal
import sys

from mercurial.i18n import _
from mercurial import (
    error,
    extensions,
    initialization,
    pycompat,
    ui as uimod,
)

from .. import (
    cli,
    config as configmod,
    redact,
)

PROG = 'silvermirrord'

log = logging.getLogger(PROG)


class Stop(KeyboardInterrupt):
    """a second SIGTERM/SIGINT: abandon the sync in progress

    A ``KeyboardInterrupt``, because that is what Mercurial's code expects
    at any point and cleans up after (transactions roll back, locks are
    released); what is left half-done the next sync repairs.
    """


# the ui ----------------------------------------------------------------------


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
    # the sync at once; the daemon's lets it finish (``control.onstop``)
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


# the pid file ----------------------------------------------------------------


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


# the log ---------------------------------------------------------------------


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


def logabort(inst, prefix=b''):
    """an Abort into the log, one record per line as hg would print it"""
    for line in inst.format().splitlines():
        log.error('%s', (prefix + line).decode('utf-8', 'replace'))


# detaching -------------------------------------------------------------------


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


# signals ---------------------------------------------------------------------


class control:
    """what the outside asks of the running daemon: stop, reload, wake up

    Signal handlers and the watcher thread only set a flag and write to a
    pipe; the main loop sleeps on that pipe (``sleep``), so it acts at
    once, between syncs.  ``syncing`` names the sync in progress: the
    first SIGTERM lets it finish, a second abandons it.
    """

    def __init__(self):
        self.stopping = False
        self.reloadwanted = False
        self.syncing = None
        self.wakeread, self.wakewrite = os.pipe()
        os.set_blocking(self.wakeread, False)
        os.set_blocking(self.wakewrite, False)

    def wake(self):
        try:
            os.write(self.wakewrite, b'x')
        except BlockingIOError:
            pass

    def sleep(self, timeout):
        """wait ``timeout`` seconds, or until woken"""
        select.select([self.wakeread], [], [], timeout)
        try:
            while os.read(self.wakeread, 512):
                pass
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

    def install(self):
        signal.signal(signal.SIGTERM, self.onstop)
        signal.signal(signal.SIGINT, self.onstop)
        signal.signal(signal.SIGHUP, self.onhup)
        # where is it stuck? the stacks of every thread, into the log
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)

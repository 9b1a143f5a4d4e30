# daemon - silvermirrord: sync on an interval and on file-system events
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``silvermirrord [-s SECONDS] [--watch] [--once] [OPTION]... [RESOURCE]...``

Keeps the selected resources mirrored (push) without anyone at the
keyboard: every ``interval`` seconds, with ``--watch`` also a moment
after files change, and once with ``--once`` (for cron).

This module is the entry (the command line and the start); the work is
in ``scheduler`` (which resource syncs when, with which hosts),
``watcher`` (file events) and ``process`` (its ui, pid file, log,
detaching and signals).
"""

import argparse
import os
import sys

from mercurial import error

from .. import config as configmod
from . import (
    process,
    scheduler as schedulermod,
)
from .process import (
    PROG,
    log,
)


# command line ----------------------------------------------------------------


def _whenoptions(p):
    """which resources sync, and when"""
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


def _processoptions(p):
    """where the daemon runs and what it says"""
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


def _syncoptions(p):
    """how each sync goes: hosts, conflicts, message, hosts that are down"""
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
        default=schedulermod.DEFAULT_MAX_BACKOFF,
        metavar='SECONDS',
        help='longest wait before retrying a host that is down (default 600)',
    )


def parser():
    p = argparse.ArgumentParser(
        prog=PROG,
        description='keep SilverMirror resources mirrored on an interval '
        'and on file changes',
        epilog='With no RESOURCE every resource is synced. See '
        "'hg help -e hgext_silvermirror' for the SilverMirror file.",
    )
    _whenoptions(p)
    _processoptions(p)
    _syncoptions(p)
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


# the start -------------------------------------------------------------------


def _abortcode(ui, inst):
    if ui.configbool(b'ui', b'detailed-exit-code') and inst.detailed_exit_code:
        return inst.detailed_exit_code
    return 255


def _start(args, d, handler, logpath, pidf, stale):
    """detach unless told not to, write the pid file, say where it went"""
    wfd = None
    if not (args.foreground or args.once):
        wfd = process.detach(handler, logpath)
    pidf.write(os.getpid())
    if wfd is not None:
        process.ready(wfd)
    d.control.install()
    if stale:
        log.info('taking over from pid %d, which is not running', stale)
    log.info(
        '%s; %s%s',
        process.startline(os.getpid(), process.logfile(args, logpath)),
        'once' if args.once else 'every %g s' % d.interval,
        ', watching files' if args.watch else '',
    )


def run(args):
    """start the daemon as ``args`` say; the exit status"""
    try:
        ui = process.makeui(args)
    except error.Abort as inst:
        sys.stderr.buffer.write(inst.format())
        return 255
    try:
        d = schedulermod.scheduler(args, ui)
        name = process.statename(configmod.configpath(ui))
        logpath = args.log or os.path.join(process.statedir(), name + '.log')
        pidf = process.pidfile(os.path.join(process.statedir(), name + '.pid'))
        stale = pidf.acquire()
    except error.Abort as inst:
        sys.stderr.buffer.write(inst.format())
        return _abortcode(ui, inst)
    except OSError as inst:
        sys.stderr.write('abort: %s: %s\n' % (inst.filename or '', inst.strerror))
        return 255
    try:
        try:
            handler = process.setuplogging(args, logpath)
        except OSError as inst:
            sys.stderr.write('abort: cannot open log %s: %s\n' % (logpath, inst.strerror))
            return 255
        d.watcher.ownfiles |= {
            os.fsencode(os.path.abspath(p)) for p in (logpath, pidf.path)
        }
        _start(args, d, handler, logpath, pidf, stale)
        if args.once:
            return d.once()
        code = d.serve()
        log.info('stopped')
        return code
    finally:
        pidf.release()


def main(argv=None):
    args = parseargs(sys.argv[1:] if argv is None else argv)
    sys.exit(run(args))

# remote.py - the hg an ssh host runs: its chg where it has one
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the command an ssh host runs to serve a sync

hg's start costs a host more than the whole of a small sync.  Unless the
user sets ``ui.remotecmd``, a host with chg (Mercurial's client of a
resident hg) therefore serves through it, and a host without chg runs
hg as always.  The host's shell decides within the same command, so a
host without chg costs no extra round trip and shows no error: ``sh -c``
(whatever the login shell: bash, zsh, fish, csh all pass a quoted
argument to it) runs ``chg`` found on the host's ``PATH`` with
``CHGHG`` naming the ``hg`` found there, the very hg that would run
without chg, else ``hg``.  A ``ui.remotecmd`` the user set runs as hg
runs it.  A sync that may create the repository (``making``) has the
same shell make it first where it is missing (``hostrepo``).

hg quotes ``ui.remotecmd`` for the remote shell, so the default cannot
be written there: SilverMirror's ssh connections name ``DEFAULT`` instead,
and hg's ``_makeconnection``, wrapped here, builds their command line.

A sync starts its ssh logins before it opens its own repository
(``park``): the wrapper keeps the process it started, and the same
connection made later takes it over, the host's login and hg start done
meanwhile.
"""

import subprocess
import threading

from mercurial import (
    exthelper,
    sshpeer,
)
from mercurial.utils import procutil

from . import compat, pipesize

eh = exthelper.exthelper()

# the ``remotecmd`` SilverMirror's own ssh connections carry when the user
# set none: never run as it is (``line`` replaces it)
DEFAULT = b'silvermirror-chg-or-hg'

# the host's shell: ``$c``, chg serving the hg of its PATH, else that hg
_CHOOSE = (
    b'h=$(command -v hg) && c=$(command -v chg) && '
    b'CHGHG=${CHGHG:-$h} && export CHGHG || c=hg; '
)
RESOLVE = _CHOOSE + b'exec "$c" "$@"; exec hg "$@"'
# the same, after making the repository ``$1`` when it has none, with the
# base ``$2`` and the big-file size ``$3`` (``hostrepo``); what that
# prints is dropped: where it fails, the serve finds no repository and
# the client's own steps say why.  A path under ``~/`` is the same path
# relative to the login's directory, the home, for the shell's test.
MAKE = (
    b'p=${1#"~/"} b=$2 n=$3; shift 3; '
    + _CHOOSE
    + b'[ -d "$p/.hg" ] || "$c" debugmirrorinit --base "$b" --bigfile "$n" -- "$p" '
    b'</dev/null >/dev/null 2>&1; '
    b'exec "$c" "$@"; exec hg "$@"'
)


class making(bytes):
    """``DEFAULT`` for a connection that makes a missing repository

    A ``remotecmd`` reaches hg's ``_makeconnection`` through the peer's
    ui untouched, so the base (or None) and the big-file size (or None)
    travel with it.  It equals ``DEFAULT``: everything else treats it so.
    """

    def __new__(cls, base, bigfile):
        self = super().__new__(cls, DEFAULT)
        self.base = base or b''
        self.bigfile = b'%d' % bigfile if bigfile else b''
        return self


def chosen(ui):
    """the ``remotecmd`` of a connection: the user's, else ``DEFAULT``"""
    if ui.hasconfig(b'ui', b'remotecmd'):
        return ui.config(b'ui', b'remotecmd')
    return DEFAULT


def line(remotecmd, args, path=None):
    """what the host's login shell runs: hg (``remotecmd``) with ``args``

    ``args`` is quoted for a POSIX shell already.  A ``making`` command
    first makes the repository ``path`` if it is missing.
    """
    if isinstance(remotecmd, making) and path is not None:
        made = b' '.join(
            procutil.shellquote(a) for a in (path, remotecmd.base, remotecmd.bigfile)
        )
        return b"sh -c '%s' hg %s %s" % (MAKE, made, args)
    if remotecmd == DEFAULT:
        return b"sh -c '%s' hg %s" % (RESOLVE, args)
    return b'%s %s' % (procutil.shellquote(remotecmd), args)


def refused(remotecmd, why):
    """did a host refuse ``DEFAULT`` as a command it does not run?

    A host that lets an ssh key run only hg's own command line (Mercurial's
    ``hg-ssh``, the usual guard of a shared server) refuses the shell's
    choice; it then gets ``hg`` as without SilverMirror, one connection
    later.
    """
    return remotecmd == DEFAULT and why.startswith(b'Illegal command')


# seconds a parked process has to end once its input is closed
UNPARKWAIT = 30

# ssh processes started ahead of their connection (``park``), by what
# ``_connection`` was asked
_PARKED = {}
_parking = threading.local()


class _Parked(Exception):
    """the process of a connection being parked has started"""


def park(make):
    """start the ssh process of ``make()``, the making of an hg peer, and
    stop there: the same connection made later takes the process over
    instead of starting one, the host's login and hg start done meanwhile.
    Returns what ``unpark`` closes if no connection takes it."""
    _parking.keys = []
    try:
        peer = make()
        # another route than ours made the peer whole: not kept
        peer.close()
    except _Parked:
        pass
    finally:
        keys, _parking.keys = _parking.keys, None
    return keys


def unpark(keys):
    """close the processes of ``keys`` no connection took: the host's hg
    reads the end of its input and exits"""
    for key in keys:
        started = _PARKED.pop(key, None)
        if started is None:
            continue
        proc, stdin, stdout, stderr = started
        stdin.close()
        try:
            proc.wait(UNPARKWAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stdout.close()
        stderr.close()


@eh.wrapfunction(sshpeer, compat.SSHCONNECTION)
def _connection(
    orig, ui, sshcmd, args, remotecmd, path, sshenv=None, remotehidden=False
):
    """hg's, for ``remotecmd`` as given; the host's choice for ``DEFAULT``;
    its pipes widened (``pipesize``); a parked process taken over"""
    key = (sshcmd, args, remotecmd, getattr(remotecmd, 'base', None),
           getattr(remotecmd, 'bigfile', None), path, remotehidden)
    parking = getattr(_parking, 'keys', None) is not None
    if parking and key in _PARKED:
        # two entries of one host: one process serves the first connection
        raise _Parked()
    started = None if parking else _PARKED.pop(key, None)
    if started is not None:
        return started
    if remotecmd != DEFAULT:
        proc, stdin, stdout, stderr = orig(
            ui, sshcmd, args, remotecmd, path, sshenv, remotehidden=remotehidden
        )
    else:
        serve = b'-R %s serve --stdio%s' % (
            procutil.shellquote(path),
            b' --hidden' if remotehidden else b'',
        )
        cmd = b'%s %s %s' % (sshcmd, args, procutil.shellquote(line(remotecmd, serve, path)))
        ui.debug(b'running %s\n' % cmd)
        # unbuffered, as hg's own: the peer polls the pipes
        stdin, stdout, stderr, proc = procutil.popen4(cmd, bufsize=0, env=sshenv)
    pipesize.widen(stdin.fileno(), stdout.fileno())
    if parking:
        _PARKED[key] = (proc, stdin, stdout, stderr)
        _parking.keys.append(key)
        raise _Parked()
    return proc, stdin, stdout, stderr

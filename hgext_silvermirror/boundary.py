# boundary.py - what an unexpected exception in a command becomes
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""a bug in a SilverMirror command is reported as one line and a hint

hg prints its "** unknown exception encountered" block and the traceback
for any exception it does not know, and asks for a report to Mercurial:
for our commands that is the wrong project and the wrong amount of text.
An exception hg renders itself (``error.Error`` and its kin, ``OSError``)
passes through; any other one becomes an abort (exit 255, never 1, which
means "a host was unreachable") naming the exception and where to report
it.  ``--traceback`` shows the traceback as for any abort (the original
exception is chained); ``--debug`` shows it too.
"""

import functools
import sys

from mercurial.i18n import _
from mercurial import (
    error,
    util,
)
from mercurial.utils import stringutil

from . import metadata

# exceptions hg's dispatch renders as one line (scmutil.callcatch)
PASSTHROUGH = (
    error.Error,
    error.RepoError,
    error.ResponseError,
    error.WdirUnsupported,
    error.WorkerError,
    OSError,
    MemoryError,
    util.urlerr.httperror,
    util.urlerr.urlerror,
)


def internalerror(inst):
    """the abort that reports ``inst`` as a bug of SilverMirror"""
    name = type(inst).__name__.encode('ascii', 'replace')
    detail = stringutil.forcebytestr(inst)
    return error.Abort(
        _(b'internal error: %s%s') % (name, b': ' + detail if detail else b''),
        hint=_(
            b'this is a bug in SilverMirror; please report it at %s with '
            b'the output of the command run again with --traceback'
        )
        % metadata.buglink,
    )


def guard(func):
    """``func`` (a command) with unexpected exceptions made an abort"""

    @functools.wraps(func)
    def command(ui, *args, **opts):
        try:
            return func(ui, *args, **opts)
        except PASSTHROUGH:
            raise
        except TypeError as inst:
            # the command line did not fit the function: hg's own
            # "invalid arguments", as util.checksignature gives it
            if sys.exc_info()[2].tb_next is None:
                raise error.SignatureError
            raise _bug(ui, inst)
        except Exception as inst:
            raise _bug(ui, inst)

    return command


def _bug(ui, inst):
    if ui.debugflag and not ui.tracebackflag:
        ui.traceback(force=True)
    abort = internalerror(inst)
    abort.__cause__ = inst
    return abort


def guardall(cmdtable):
    """guard every command of ``cmdtable`` in place"""
    for name, entry in list(cmdtable.items()):
        if not getattr(entry[0], '_silvermirrorguarded', False):
            guarded = guard(entry[0])
            guarded._silvermirrorguarded = True
            cmdtable[name] = (guarded,) + tuple(entry[1:])

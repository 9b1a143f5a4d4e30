# redact.py - a URL's password is never shown
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""passwords masked in whatever SilverMirror shows

A host entry may carry a password (``https://alice:pw@hub/``), and a host
URL reaches output through many roads: the result of each host, the
message a host failed with (Mercurial's own included), an abort, the
daemon's log.  Each road passes through here, and Mercurial's
``hidepassword`` shows it as ``alice:***@hub``.
"""

import contextlib
import re

from mercurial import (
    dispatch,
    error,
    exthelper,
)
from mercurial.utils import urlutil

eh = exthelper.exthelper()

# a URL inside free text: from its scheme to the next blank or quote
_URL = re.compile(br'''[A-Za-z][A-Za-z0-9+.\-]*://[^\s'"<>]+''')


def url(text):
    """a host entry or URL, its password masked; any other as written

    hg's ``hidepassword`` writes the URL anew, so one without a password
    is left alone.
    """
    if b'://' not in text or urlutil.url(text).passwd is None:
        return text
    return urlutil.hidepassword(text)


def text(value):
    """a message, the password of every URL in it masked"""
    if value is None or b'://' not in value:
        return value
    return _URL.sub(lambda m: url(m.group(0)), value)


def native(value):
    """``text`` for a native string (a log record)"""
    if '://' not in value:
        return value
    return text(value.encode('utf-8', 'surrogateescape')).decode(
        'utf-8', 'surrogateescape'
    )


@eh.wrapfunction(dispatch, 'runcommand')
def _runcommand(orig, *args, **kwargs):
    """a command's error leaves here for hg to print: URLs masked first"""
    with aborts():
        return orig(*args, **kwargs)


@contextlib.contextmanager
def aborts():
    """mask the URLs of an error on its way out

    An error may come from deep inside Mercurial, which names the URL it
    was given.
    """
    try:
        yield
    except error.Error as inst:
        inst.message = text(inst.message)
        inst.hint = text(inst.hint)
        raise
    except (error.RepoError, error.ResponseError) as inst:
        inst.args = tuple(
            text(a) if isinstance(a, bytes) else a for a in inst.args
        )
        if isinstance(inst, error.Hint):
            inst.hint = text(inst.hint)
        raise

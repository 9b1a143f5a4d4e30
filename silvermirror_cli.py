# silvermirror_cli.py - the ``silvermirror`` command
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``silvermirror [push|pull|status|clone|restore] [RESOURCE]... [OPTION]...``

The whitepaper's command line, mapped onto the hg commands: no
sub-command means push.  It runs hg with the extension enabled, whether
or not the user's hgrc enables it: through chg (Mercurial's client of a
resident hg, which spares each command hg's start) where there is one
beside this command or on PATH, serving the hg installed beside this
command; else in-process (``hgext_silvermirror.cli``).  chg's own
``CHGDISABLE`` keeps it in-process.

A module of its own, outside the extension's package: importing the
package loads the whole extension, the very start that chg spares.
"""

import os
import shutil
import sys

SUBCOMMANDS = {
    'push': 'mirror-push',
    'pull': 'mirror-pull',
    'status': 'mirror-status',
    'clone': 'mirror-clone',
    'restore': 'mirror-restore',
}


def hgargs(argv):
    """the hg command line for a ``silvermirror`` command line"""
    args = list(argv)
    if args and args[0] in SUBCOMMANDS:
        command = SUBCOMMANDS[args.pop(0)]
    elif args and args[0] in ('help', '-h', '--help'):
        return ['help', 'mirror-push']
    else:
        command = SUBCOMMANDS['push']
    return [command] + args


def resident(script):
    """(chg, hg) to run a command through, or None

    ``script`` is this command's path: the hg beside it is the one
    SilverMirror was installed with, which chg must serve (``CHGHG``).
    """
    if os.environ.get('CHGDISABLE'):
        return None
    bindir = os.path.dirname(os.path.abspath(script))
    hg = os.path.join(bindir, 'hg')
    chg = os.path.join(bindir, 'chg')
    if not os.access(chg, os.X_OK):
        chg = shutil.which('chg')
    if chg is None or not os.access(hg, os.X_OK):
        return None
    return chg, hg


def main(argv=None):
    args = hgargs(sys.argv[1:] if argv is None else argv)
    found = resident(sys.argv[0]) if argv is None else None
    if found is not None:
        chg, hg = found
        os.environ.setdefault('CHGHG', hg)
        try:
            # the extension named as the README enables it: a server
            # shared with the user's own chg
            os.execv(chg, ['chg', '--config', 'extensions.hgext_silvermirror='] + args)
        except OSError:
            pass
    from hgext_silvermirror import cli

    sys.exit(cli.run(args))

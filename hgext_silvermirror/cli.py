# cli.py - the ``silvermirror`` command of the whitepaper
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``silvermirror [push|pull|status|clone|restore] [RESOURCE]... [OPTION]...``

The whitepaper's command line, mapped onto the hg commands: no
sub-command means push.  It runs hg in-process with the extension
enabled, whether or not the user's hgrc enables it.
"""

import sys

SUBCOMMANDS = {
    'push': 'mirror-push',
    'pull': 'mirror-pull',
    'status': 'mirror-status',
    'clone': 'mirror-clone',
    'restore': 'mirror-restore',
}
EXTENSION_KEYS = (b'hgext_silvermirror', b'silvermirror')


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


def _enabled():
    from mercurial import ui as uimod

    ui = uimod.ui.load()
    return any(ui.config(b'extensions', k) is not None for k in EXTENSION_KEYS)


def main(argv=None):
    import hgdemandimport

    hgdemandimport.enable()
    from mercurial import dispatch, pycompat
    from mercurial.main_script import request

    args = hgargs(sys.argv[1:] if argv is None else argv)
    if not _enabled():
        args = ['--config', 'extensions.hgext_silvermirror='] + args
    req = request([pycompat.sysbytes(a) for a in args])
    status = dispatch.dispatch(req)
    sys.exit((status or 0) & 255)

# cli.py - the ``silvermirror`` command, in-process
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``silvermirror`` run in this process, where no chg serves it

The command line itself (``bin/silvermirror``, a shell script) maps
``silvermirror`` onto the hg commands and runs chg when it can, else
``silvermirror_cli``, outside this package, which calls ``run``.
Here hg runs in-process with the extension enabled, whether or not the
user's hgrc enables it.
"""

EXTENSION_KEYS = (b'hgext_silvermirror', b'silvermirror')


def _enabled():
    from mercurial import ui as uimod

    ui = uimod.ui.load()
    return any(ui.config(b'extensions', k) is not None for k in EXTENSION_KEYS)


def run(args):
    """run the hg command line ``args`` (str); the exit status"""
    import hgdemandimport

    hgdemandimport.enable()
    from mercurial import dispatch, pycompat
    from mercurial.main_script import request

    if not _enabled():
        args = ['--config', 'extensions.hgext_silvermirror='] + args
    req = request([pycompat.sysbytes(a) for a in args])
    status = dispatch.dispatch(req)
    return (status or 0) & 255

# fsmonitorauto.py - hg's fsmonitor for a big resource, with no setting
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""enable hg's fsmonitor in a big resource where Watchman is installed

Without Mercurial's Rust extensions every status walks the working copy
in Python, one lstat and a few calls per file, on each side of a sync.
hg's own ``fsmonitor`` extension asks a Watchman server what changed
instead.  It pays from about 10,000 files: below, the walk is cheap and
a Watchman server, its watch of the tree and its first crawl are not.

hg auto-loads ``largefiles`` for a repository that needs it from
``afterhgrcload``; this does the same for fsmonitor from
``localrepo.loadhgrc`` (the per-repository configuration, which hg asks
extensions to wrap; its True makes hg load what the repository's ui now
names and run ``reposetup`` for it).  fsmonitor is added to that ui, on a
node and on a host alike, when

- the repository is a SilverMirror resource (``.hg/silvermirror``), so
  that no other repository the user opens changes;
- ``[silvermirror] fsmonitor`` is ``auto`` (the default) and the dirstate
  file is at least ``fsmonitor-files`` files' worth of bytes (its size is
  looked at, not its content), or it is ``on``;
- in ``auto``, a Watchman is on ``PATH`` (or ``fsmonitor.watchman_exe``);
- nothing names fsmonitor in ``[extensions]`` (enabled or ``!``: the
  user's line wins) and no extension fsmonitor refuses to run with
  (largefiles, eol) is loaded or about to be.

In ``auto``, fsmonitor's own messages are off unless the user set them
(``fsmonitor.verbose``, ``fsmonitor.warn_when_unused``): where Watchman
fails, status walks the tree as it would without it, silently.  The
first status starts the user's Watchman server if none runs (Watchman
does that itself); it lives until ``watchman shutdown-server``.

chg's worker checks its server against a configuration it reads from
the repository's hgrc itself, not through ``loadhgrc``, so what is added
here never sends a client to another server.
"""

import threading

from mercurial.i18n import _
from mercurial import (
    error,
    extensions,
    exthelper,
    localrepo,
    util,
)
from mercurial.utils import procutil, stringutil

from .. import bigfiles
from . import fsmonitorstate

# chg's server imports with hg's demandimport off, so hg's fsmonitor (and
# Watchman's client) becomes part of the server, loaded once, instead of
# in the command each sync forks from it; a plain hg's demandimport
# leaves it unloaded until a resource enables it.  Only the load is
# wanted, not the name.
from hgext import fsmonitor

del fsmonitor

eh = exthelper.exthelper()

# what one tracked file takes in a v1 dirstate: its 17-byte header and a
# path of some 30 bytes
ENTRYBYTES = 50

# extensions next to which fsmonitor disables itself, with a warning
_REFUSED = (b'largefiles', b'eol')

_SOURCE = b'silvermirror'

_loading = threading.Lock()


def _named(ui, name):
    """does a line of ``[extensions]`` not ours name extension ``name``?"""
    for key in (name, b'hgext.' + name):
        if ui.hasconfig(b'extensions', key) and (
            ui.configsource(b'extensions', key) != _SOURCE
        ):
            return True
    return False


def _refused(ui, requirements):
    """is an extension fsmonitor refuses to run with loaded or coming?"""
    if b'largefiles' in requirements or bigfiles.loaded():
        return True
    for name in _REFUSED:
        if _named(ui, name):
            return True
    try:
        extensions.find(b'eol')
    except KeyError:
        return False
    return True


def _big(ui, hgvfs):
    """does the dirstate name about ``fsmonitor-files`` files or more?"""
    files = ui.configint(b'silvermirror', b'fsmonitor-files')
    try:
        size = hgvfs.lstat(b'dirstate').st_size
    except OSError:
        return False
    return size >= files * ENTRYBYTES


def _fsmonitorconfig(ui):
    """``[fsmonitor]`` as set: its items register only as it loads"""
    return dict(ui.configitems(b'fsmonitor'))


def _watchman(ui):
    exe = _fsmonitorconfig(ui).get(b'watchman_exe') or b'watchman'
    return procutil.findexe(util.expandpath(exe)) is not None


def wanted(ui, hgvfs, requirements, how):
    """should fsmonitor run in this resource? (cheapest tests first)"""
    if _fsmonitorconfig(ui).get(b'mode') == b'off':
        return False
    if how == b'auto' and not _big(ui, hgvfs):
        return False
    if _refused(ui, requirements):
        return False
    return how == b'on' or _watchman(ui)


def _quiet(ui, names):
    """fsmonitor's warnings off, unless the user set them"""
    for name in names:
        if not ui.hasconfig(b'fsmonitor', name):
            ui.setconfig(b'fsmonitor', name, b'false', _SOURCE)


def mode(ui):
    """``silvermirror.fsmonitor``: auto, on or off (hg's booleans too)"""
    value = ui.config(b'silvermirror', b'fsmonitor')
    if value.lower() == b'auto':
        return b'auto'
    on = stringutil.parsebool(value)
    if on is None:
        raise error.ConfigError(
            _(b"silvermirror.fsmonitor is not auto, on or off ('%s')") % value,
            ui.configsource(b'silvermirror', b'fsmonitor') or None,
            hint=_(b'auto (the default) uses Watchman in resources of 10,000 '
                   b'files and more, where it is installed'),
        )
    return b'on' if on else b'off'


def _loadhgrc(orig, ui, wdirvfs, hgvfs, requirements, *args, **kwargs):
    loaded = orig(ui, wdirvfs, hgvfs, requirements, *args, **kwargs)
    if _named(ui, b'fsmonitor') or not hgvfs.isdir(b'silvermirror'):
        return loaded
    how = mode(ui)
    if how == b'off':
        return loaded
    # hg's merge suggests fsmonitor for a big first checkout: not here
    _quiet(ui, [b'warn_when_unused'] + ([b'verbose'] if how == b'auto' else []))
    if not wanted(ui, hgvfs, requirements, how):
        if ui.hasconfig(b'extensions', b'fsmonitor'):
            # a ui that enabled it for a repository opened before
            ui.setconfig(b'extensions', b'fsmonitor', b'!', _SOURCE)
        return loaded
    ui.setconfig(b'extensions', b'fsmonitor', b'', _SOURCE)
    # local-path hosts open their repositories in threads: the extension
    # loads once, here; hg runs the callbacks of an extension loaded after
    # its first ``loadall`` only if they are registered again
    with _loading:
        extensions.afterloaded(b'fsmonitor', fsmonitorstate.fsmonitorloaded)
        extensions.loadall(ui, whitelist=[b'fsmonitor'])
    return True


@eh.extsetup
def _extsetup(ui):
    extensions.wrapfunction(localrepo, 'loadhgrc', _loadhgrc)

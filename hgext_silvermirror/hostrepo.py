# hostrepo.py - a host's repository, made where a first sync finds none
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""a host's repository, made by the command that serves the first sync

Made in steps, a first contact with an ssh host costs four hg starts
there before any file moves: a serve that finds no repository, a look at
the base directory, ``hg init``, a serve again; and a fifth once the new
repository enables largefiles, which a server loads only with the
repository.  So the host's shell makes the repository in the command
that then serves it (``remote.making``): ``hg debugmirrorinit`` runs
only where the path has no ``.hg``; it makes the repository only where
the base directory is there (a disk not mounted is never filled), with
largefiles enabled from the start when the resource has big files.
Where that fails (a host whose SilverMirror lacks the command, a path it
cannot write), the serve finds no repository and the client takes the
steps, which say why.

The client cannot see what the shell chose, so the new repository keeps
a mark (``state.CREATED``) that the first ``smprepare`` takes: the sync
then says it created the repository, as it does for a local path.
"""

import os

from mercurial.i18n import _
from mercurial import (
    error,
    exthelper,
    util,
)
from mercurial.repo import factory as repo_factory
from mercurial.utils import urlutil

from . import (
    bigfiles,
    state as statefiles,
)

eh = exthelper.exthelper()


def localbase(entry):
    """the directory that must exist for a local-path host to be there:
    the entry's base (a mount point), else the repository's path"""
    base = util.expandpath(entry.label)
    if base.startswith(b'/'):
        return base
    path = util.expandpath(entry.url)
    return path[7:] if path.startswith(b'file://') else path


def sshbase(label):
    """the base directory an ssh host entry names, or None

    ``ssh://server//media/usb`` names ``/media/usb`` (``media/usb`` when
    relative: under the home directory).  A bare name, or a URL without a
    path, names the home directory itself, which is always there.
    """
    if not label.startswith(b'ssh://'):
        return None
    path = urlutil.url(label, parsequery=False, parsefragment=False).path
    if path and (path == b'~' or path.startswith(b'~/')):
        path = path[2:]
    if not path:
        return None
    return path.rstrip(b'/') or b'/'


def checkbase(base, kind=error.Abort):
    """refuse a base directory that is not there, raising ``kind``

    Its disk is not mounted, most likely: a repository made there would
    fill the file system under it, and the next sync with the disk
    mounted would see every file deleted.
    """
    if not os.path.isdir(base):
        raise kind(
            _(b'%s does not exist (not mounted?)') % base,
            hint=_(b'mount it, or leave it out with -H'),
        )


def make(ui, path, bigfile, mark=False):
    """a new repository at ``path`` for a resource whose big files start
    at ``bigfile`` (None: none), largefiles enabled before it is opened"""
    repo = repo_factory.repository(ui, path, create=True)
    bigfiles.configure(repo, bigfile)
    if mark:
        statefiles.write(repo, statefiles.CREATED, True)
    return repo


def taken(repo):
    """was the repository made for a first contact no sync reported yet?

    The mark goes as it is read: the host's lock is held.
    """
    if not statefiles.exists(repo, statefiles.CREATED):
        return False
    statefiles.remove(repo, statefiles.CREATED)
    return True


@eh.command(
    b'debugmirrorinit',
    [
        (b'', b'base', b'', _(b'make nothing unless this directory exists'), _(b'DIR')),
        (b'', b'bigfile', b'', _(b"the resource's big-file size, in bytes"), _(b'BYTES')),
    ],
    _(b'[--base DIR] [--bigfile BYTES] PATH'),
    norepo=True,
)
def debugmirrorinit(ui, path, base=b'', bigfile=b''):
    """make the repository a first sync over ssh finds missing

    A sync's connection runs this in the host's shell before it serves
    the repository. An existing repository is left as it is.
    """
    path = util.expandpath(path)
    if os.path.isdir(os.path.join(path, b'.hg')):
        return 0
    if base:
        checkbase(util.expandpath(base))
    if bigfile and not bigfile.isdigit():
        raise error.InputError(_(b'--bigfile takes a number of bytes, not %s') % bigfile)
    make(ui, path, int(bigfile) if bigfile else None, mark=True)
    return 0

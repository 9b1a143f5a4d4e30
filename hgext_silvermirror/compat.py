# compat.py - every private Mercurial name SilverMirror touches
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the private parts of Mercurial SilverMirror relies on, in one place

Each is a small function or a wrapped function's name, with the hg
version it was checked on and why no public API does (a public one that
behaves the same is used instead, at the call site).  A new hg version
is checked here alone; ``tests/test_compat.py`` keeps private names out
of the other modules.

Where hg 7.2 has a public form that behaves the same, the caller uses it
instead: ``ctx.phase()`` for ``repo._phasecache.phase(repo, rev)``, and
``fctx.changectx()[path]`` for ``filemerge._underlyingfctxifabsent`` of
an absent file.

Public but internal: ``diskvfs`` subclasses ``vfs.vfs`` and overrides
``__call__``, ``makedirs``, ``prepare_streamed_file`` and ``symlink`` with
their hg 7.2 signatures, and ``firstcontact/sendahead.py`` wraps
``merge_utils.update.batchget`` (hg 7.2: called with ``repo, mctx, wctx,
wantfiledata, actions``, it yields ``(False, (count, file))`` as it goes,
then ``(True, filedata)``); check them with each new hg version.
"""

from mercurial import lock as lockmod

# names of private functions that are wrapped (extensions.wrapfunction)

# hg 7.2: wireprotov1server._capabilities is how extensions add a
# capability (largefiles does too); there is no public hook
SERVERCAPABILITIES = '_capabilities'

# hg 7.2: sshpeer._makeconnection starts the ssh command of a peer; it
# quotes ``ui.remotecmd`` for the remote shell, and no public hook lets a
# peer's remote command be a line of shell (``remote.py``)
SSHCONNECTION = '_makeconnection'

# hg 7.2: filemerge._picktool chooses the merge tool; no public hook
# lets a change/delete conflict avoid ``:prompt``
PICKTOOL = '_picktool'

# hg 7.2: copies._dir_renames maps a directory moved to the root to ``/``;
# no public hook sees directory renames before the merge uses them
DIRRENAMES = '_dir_renames'

# hg 7.2: largefiles' wirestore._put uploads one content to a peer; no
# public hook sees the file it sends before sshpeer frames it
LFPUT = '_put'


def hasbookmarks(repo):
    """does ``repo`` hold any bookmark at all?

    hg 7.2: ``repo._bookmarks``; the public bookmarks.listbinbookmarks
    leaves divergent bookmarks and those on unknown nodes out.
    """
    return bool(repo._bookmarks)


def largefilesrepo(repo):
    """is the largefiles extension set up for this repository object?

    hg 7.2: largefiles marks its repository class with
    ``_largefilesenabled``; it has no public test (its ``islfilesrepo``
    asks whether the history holds a largefile, reading the whole store).
    """
    return getattr(repo, '_largefilesenabled', False)


def hasprepushhooks(repo):
    """might an extension's pre-push hook run? (True when unknown)

    hg 7.2: ``util.hooks._hooks``; the hooks object has no public way to
    tell whether it is empty.
    """
    return bool(getattr(repo.prepushoutgoinghooks, '_hooks', True))


def ignorematcher(repo):
    """the matcher of the working copy's ignore files

    hg 7.2: ``dirstate._ignore``, which hg's own debugignore uses; no
    public accessor.
    """
    return repo.dirstate._ignore


def forgetignorematcher(repo):
    """make the dirstate read the ignore files again at its next use

    hg 7.2: the matcher is a ``dirstate._filecache`` entry kept while
    ``.hgignore`` is unchanged, through ``dirstate.invalidate`` too; no
    public way drops it.
    """
    repo.dirstate._filecache.pop(b'_ignore', None)


def call(peer, name, **args):
    """a wire-protocol v1 command that hg does not know, over ``peer``

    hg 7.2: ``peer._call``, as hgext/largefiles calls its own commands;
    the public commandexecutor only runs commands hg declares.
    """
    return peer._call(name, **args)


def callpush(peer, name, fp, **args):
    """as ``call``, with ``fp`` streamed after the arguments (ssh)

    hg 7.2: ``peer._callpush``, which hg's unbundle uses; no public form.
    """
    return peer._callpush(name, fp, **args)


def sshstdio(proto):
    """the file descriptors an ssh server reads its client on and answers
    it on (``proto``, its protocol handler), where it has them

    hg 7.2: ``sshv1protocolhandler._fin`` and ``_fout``; the server moved
    them off 0 and 1 (``ui.protectedfinout``) and no public form gives
    them.
    """
    fds = []
    for fp in (getattr(proto, '_fin', None), getattr(proto, '_fout', None)):
        try:
            fds.append(fp.fileno())
        except (AttributeError, OSError, ValueError):
            pass
    return fds


def lockprefix():
    """how hg names this host (and pid namespace) in a lock's content

    hg 7.2: ``lock._getlockprefix``; no public form.
    """
    return lockmod._getlockprefix()


def forwardchunks(unbundler):
    """a received bundle2 as raw bytes, to store unparsed

    hg 7.2: ``unbundle20._forwardchunks``, which hg's bundlerepo.getremotechanges
    uses to store an incoming bundle; no public form.
    """
    return unbundler._forwardchunks()


def fsmonitorstate(dirstate):
    """fsmonitor's state object on ``dirstate``, or None without fsmonitor

    hg 7.2: hgext/fsmonitor sets ``dirstate._fsmonitorstate``; no public
    accessor.
    """
    return getattr(dirstate, '_fsmonitorstate', None)

# bigsource.py - where a big file's content that is not here comes from
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the hosts a big file's missing content is fetched from, in turn

hg's largefiles fetches a content it lacks from one store: the peer of
the exchange, or else the repository's default path.  A resource's
contents live on its hosts, and any one of them may be away or lack one
(``mirror-gc`` freed it here, another node's push never uploaded it):

- on demand (``hg cat -r``, ``hg revert -r``, ``hg update -r``,
  ``mirror-restore``), largefiles' store opening is wrapped in this one
  place: it asks the default path, if one is set, then each host of the
  resource in the SilverMirror file's order, until every content is
  here.  A host that cannot be reached is passed over;
- in a sync (``sync._bring``), the host pulled from is asked first, then
  the other hosts the sync reached, over their open connections.

A host is shown by its label, its password masked.  ``hg cat`` of a
content no source gives stops in one line naming the sources asked (largefiles
would add its own abort to the warning).  Anywhere else in a
sync (a merge's update here, a host's side of the sync) largefiles
opens its store as it would without SilverMirror.
"""

import contextlib
import errno
import os

from mercurial.i18n import _
from mercurial import (
    dispatch,
    error,
    extensions,
    exthelper,
)
from mercurial.repo import factory as repo_factory
from mercurial.utils import urlutil

from . import (
    bigfiles,
    hosts as hostsmod,
    redact,
)

eh = exthelper.exthelper()
_wrapped = []


@eh.reposetup
def _reposetup(ui, repo):
    # largefiles may load only now, from the repository's hgrc
    if _wrapped or not bigfiles.loaded():
        return
    extensions.wrapfunction(bigfiles._lf()[3], 'openstore', _openstore)
    _wrapped.append(True)


# set while ``hg cat`` runs
_incat = []


@eh.wrapfunction(dispatch, 'runcommand')
def _runcommand(orig, lui, repo, cmd, *args, **kwargs):
    # the command's name, not its function: largefiles' ``cat`` replaces
    # hg's and may be wrapped after this extension's setup
    _incat.append(cmd == b'cat')
    try:
        return orig(lui, repo, cmd, *args, **kwargs)
    finally:
        _incat.pop()


def unavailable(missing, store, hint):
    """the abort of a fetch that left the big files ``missing`` here,
    naming the sources ``store`` asked"""
    return error.Abort(
        _(b'no content of %s here, nor on %s') % (b', '.join(sorted(missing)), store.asked()),
        hint=hint,
    )


def _openstore(orig, repo=None, remote=None, put=False, ui=None):
    """largefiles' store for a fetch on demand: every host in turn"""
    if (
        remote is not None
        or put
        or repo is None
        or not repo.local()
        or repo.ui.configbool(b'silvermirror', b'in-sync')
    ):
        return orig(repo, remote, put, ui)
    return ondemand(repo, first=lambda: orig(repo, remote, put, ui))


def ondemand(repo, first=None, warn=True):
    """an ``anystore`` over the default path, if set, then the hosts of
    the resource at ``repo``; ``warn``: name each content none gave"""
    sources = []
    default = repo.ui.config(b'paths', b'default')
    # the source of ``hg lfpull`` and ``pull --lfrev``, else the default
    pull = getattr(repo, 'lfpullsource', None) or default
    if pull:
        sources.append((redact.url(pull), _pathopener(repo, pull)))
    found = _resource(repo)
    if found is not None:
        cfg, res = found
        sources.extend(
            (redact.url(entry.label), _hostopener(repo, cfg, entry))
            for entry in res.hosts
            if entry.url != default
        )
    return anystore(repo, sources, first=first, warn=warn)


def _resource(repo):
    """(cfg, resource) of the SilverMirror file whose root is ``repo``'s"""
    # not at the top: run's sync imports this module
    from . import run as runmod

    try:
        cfg, resources = runmod.loadconfig(repo.ui)
    except hostsmod.ERRORS:
        # a broken SilverMirror file: the fetch goes on without its hosts
        return None
    root = os.path.realpath(repo.root)
    for res in resources:
        if os.path.realpath(res.root) == root:
            return cfg, res
    return None


def _hostopener(repo, cfg, entry):
    def opened():
        conn = hostsmod.connect(repo.ui, entry, cfg.timeout, batch=True, create=False)
        if conn is None:
            raise hostsmod.Unreachable(_(b'no repository of the resource there'))
        return _storeof(repo, conn.peer, conn.close)

    return opened


def _pathopener(repo, loc):
    def opened():
        path = urlutil.get_unique_pull_path_obj(b'largefiles', repo.ui, loc)
        peer = repo_factory.peer(repo, {}, path)
        return _storeof(repo, peer, peer.close)

    return opened


@contextlib.contextmanager
def _storeof(repo, peer, close):
    """largefiles' store over ``peer``, then ``close()``"""
    try:
        yield bigfiles._lf()[3].openstore(repo, peer)
    finally:
        close()


def over(repo, peers):
    """an ``anystore`` over the open ``peers`` [(label, peer)], in order

    Largefiles' modules are imported when a store is first opened: a sync
    with no big file to fetch never does.
    """

    def opener(peer):
        return lambda: contextlib.nullcontext(bigfiles._lf()[3].openstore(repo, peer))

    sources = [(label, opener(peer)) for label, peer in peers]
    # the sync says what is missing, in its report of the host
    return anystore(repo, sources, warn=False)


class anystore:
    """largefiles' store, over several sources asked in turn

    A source is (label, opener): ``opener()`` gives a context manager of a
    largefiles store.  A fetch (``get``, ``exists``) asks each in turn for
    what the ones before it lacked; every other use of the store
    (``verify``, ``put``) goes to what hg itself would have opened,
    ``first()``.
    """

    def __init__(self, repo, sources, first=None, warn=True):
        self.repo = repo
        self.ui = repo.ui
        self.sources = sources
        self._first = first
        self._warn = warn
        # (label, why) of each source that could not answer
        self.unreached = []

    def __getattr__(self, name):
        if self._first is None:
            raise AttributeError(name)
        return getattr(self._first(), name)

    def _each(self, ask, todo):
        """``ask(store, todo)``: the hashes of ``todo`` {hash: path} a
        source holds (or gave), for each source in turn until none is
        left to find; yields each source's"""
        todo = dict(todo)
        for label, opener in self.sources:
            if not todo:
                return
            try:
                with hostsmod.quiet(self.ui), opener() as store:
                    found = ask(store, todo)
            except hostsmod.ERRORS as inst:
                if isinstance(inst, OSError) and inst.errno == errno.ENOSPC:
                    # this node's disk is full: no other source helps
                    raise
                why = hostsmod.reason(inst)
                self.unreached.append((label, why))
                self.ui.note(_(b'%s: unreachable: %s\n') % (label, why))
                continue
            for h in found:
                del todo[h]
            yield found

    def exists(self, hashes):
        there = {h: False for h in hashes}
        for found in self._each(_exists, {h: h for h in hashes}):
            there.update((h, True) for h in found)
        return there

    def get(self, files):
        """(success, missing) as a store's ``get``: ``files`` [(path,
        hash)] fetched from the first source that holds each"""
        got = set()
        for found in self._each(_get, {h: f for f, h in files}):
            got.update(found)
        success = [(f, h) for f, h in files if h in got]
        missing = [f for f, h in files if h not in got]
        if missing and self._warn and _incat[-1:] == [True]:
            raise unavailable(missing, self, _(b'sync with a host that holds it, then try again'))
        for f in missing if self._warn else ():
            self.ui.warn(_(b'%s: no content on %s\n') % (f, self.asked()))
        return success, missing

    def asked(self):
        """the sources asked, as a text for people"""
        down = dict(self.unreached)
        names = [
            label + (_(b' (unreachable)') if label in down else b'')
            for label, _opener in self.sources
        ]
        return b', '.join(names) or _(b'no host')


def _exists(store, todo):
    return {h for h, there in store.exists(sorted(todo)).items() if there}


def _get(store, todo):
    """the hashes of ``todo`` {hash: path} that ``store`` gave

    Only what it holds is asked for: largefiles warns of each other.
    """
    want = sorted(_exists(store, todo))
    if not want:
        return set()
    success, _missing = store.get([(todo[h], h) for h in want])
    return {h for _f, h in success}

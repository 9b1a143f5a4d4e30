# bigfiles.py - files above a resource's threshold, kept out of the revlogs
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""big files: hg's ``largefiles`` extension, driven by a sync

A resource with ``bigfile = SIZE`` keeps every new file of at least that
size as a largefile: its history holds a standin (``.hglf/PATH``, the
content's sha1) and the content lives in ``.hg/largefiles`` (and hg's
per-user cache), copied, hashed and sent in chunks, never whole in
memory.  ``largefiles`` is chosen over ``lfs`` because it streams every
step and its contents travel over the same ssh connection (``putlfile``,
``getlfile``, ``statlfile``) or are linked between local paths, where
lfs knows only http blob stores.

The extension is enabled per repository, in a file its hgrc includes
(``configure``), so that a sync without the setting loads nothing.  A
host is asked the same in ``smprepare`` and reopens its repository to
load it (``reopen``).  What the extension leaves to its commands, a sync
does here: which files become largefiles (``split``, ``addlarge``: the
extension's own threshold applies only once a repository has one), the
contents of pulled changesets (``fetch``: a pull brings none) and the
uncommitted edits of a big file an update would overwrite (``dirty``);
where histories meet, ``bigmerge`` answers for the user.
Pushing uploads through the extension's own pre-push hook.
"""

from mercurial.i18n import _
from mercurial import (
    cmdutil,
    error,
    extensions,
    match as matchmod,
    scmutil,
    util,
    vfs as vfsmod,
)
from mercurial.node import bin, hex

from . import (
    bigcopy,
    compat,
    state as statefiles,
)
from .collision import Collision
from .statcache import bigsettle, unsettled

# the hgrc line that includes ``state.BIGFILES``
INCLUDE = b'%%include %s' % statefiles.BIGFILES
_MB = 1 << 20


def _lf():
    """hg's largefiles modules, once the extension is loaded"""
    from hgext.largefiles import lfcommands, lfutil, overrides, storefactory

    return lfcommands, lfutil, overrides, storefactory


def lfutil():
    """hg's largefiles' ``lfutil``, once the extension is loaded"""
    return _lf()[1]


def loaded():
    """is hg's largefiles extension loaded in this process?"""
    try:
        extensions.find(b'largefiles')
    except KeyError:
        return False
    return True


def enabled(repo):
    """is the extension set up for this repository object?"""
    return compat.largefilesrepo(repo)


def rc(threshold):
    """the hgrc text that enables the extension with ``threshold``"""
    text = b'[extensions]\nlargefiles =\n'
    if threshold:
        # the extension's own threshold, for the user's hg add: in MiB
        text += b'[largefiles]\nminsize = %s\n' % _mib(threshold)
    return text


def _mib(threshold):
    return b'%r' % (threshold / _MB) if threshold % _MB else b'%d' % (threshold // _MB)


def configure(repo, threshold):
    """enable the extension in ``repo``'s hgrc for ``threshold``

    Returns True when the hgrc changed: the repository must be opened
    again to load it.  Without a threshold a repository that never had
    one is left alone; one that had keeps the extension (its history
    holds largefiles), with no threshold.
    """
    # the repository's configuration, which hg writes without a lock too
    hgvfs = vfsmod.vfs(repo.vfs.base)
    hgrc = hgvfs.tryread(b'hgrc')
    if not threshold and INCLUDE not in hgrc:
        return False
    text = rc(threshold)
    changed = False
    if hgvfs.tryread(statefiles.BIGFILES) != text:
        hgvfs.makedirs(statefiles.DIR)
        hgvfs.write(statefiles.BIGFILES, text, atomictemp=True)
        changed = True
    if INCLUDE not in hgrc:
        sep = b'\n' if hgrc and not hgrc.endswith(b'\n') else b''
        hgvfs.write(b'hgrc', hgrc + sep + INCLUDE + b'\n', atomictemp=True)
        changed = True
    return changed and not enabled(repo)


def status(repo):
    """a context in which ``repo.status`` names largefiles, not standins"""
    if not enabled(repo):
        return util.nullcontextmanager()
    return _lf()[1].lfstatus(repo)


def split(repo, paths, threshold):
    """(big, small): new files at or above ``threshold``, and the others"""
    if not threshold or not enabled(repo):
        return [], list(paths)
    big, small = [], []
    for path in paths:
        try:
            size = repo.wvfs.lstat(path).st_size
        except OSError:
            size = 0
        (big if size >= threshold else small).append(path)
    return big, small


def addremoveopts(repo):
    """what ``scmutil.addremove`` passes to the extension's wrapper

    New files are made largefiles by ``addlarge`` alone; the wrapper's
    own threshold (10 MB unless set) must take no other file.
    """
    if not enabled(repo):
        return {}
    return {b'lfsize': b'inf'}


def addlarge(repo, paths):
    """add ``paths`` as largefiles; caller holds the wlock and a
    ``changing_files`` of the dirstate"""
    if not paths:
        return
    overrides = _lf()[2]
    uipathfn = scmutil.getuipathfn(repo, legacyrelativevalue=True)
    with repo.ui.configoverride({(b'ui', b'verbose'): False}, b'silvermirror'):
        overrides.addlargefiles(
            repo.ui, repo, False, matchmod.exact(paths), uipathfn, large=True, lfsize=b'inf'
        )


def leaveout(repo, res, collision):
    """leave out of the snapshot ``res`` the big file whose content hg
    refused to hash (``Collision``), as an unreadable file: it stays on
    disk, not mirrored; a new one is untracked again (``addlarge`` added
    it).  Caller holds the wlock."""
    path = collision.path
    if path not in res.added and path not in res.modified:
        raise collision
    res.skipped.append((path, collision.REASON))
    if path in res.modified:
        res.modified.remove(path)
        return
    res.added.remove(path)
    uipathfn = scmutil.getuipathfn(repo, legacyrelativevalue=True)
    quiet = repo.ui.configoverride({(b'ui', b'quiet'): True}, b'silvermirror')
    with quiet, repo.dirstate.changing_files(repo):
        cmdutil.forget(repo.ui, repo, matchmod.exact([path]), b'', uipathfn, True, False, False)


def contents(repo, revs):
    """{hash: largefile} of the contents changesets ``revs`` introduce

    A merge's files include what it took from neither parent; what it
    took from one was introduced by that parent's own changesets.
    """
    lfutil = _lf()[1]
    found = {}
    for rev in revs:
        ctx = repo[rev]
        for f in ctx.files():
            if lfutil.isstandin(f) and f in ctx:
                found.setdefault(lfutil.readasstandin(ctx[f]), lfutil.splitstandin(f))
    return found


def fetch(repo, store):
    """get from ``store`` the contents of changesets not yet checked

    ``store`` is largefiles' (``bigsource.over`` the hosts of a sync).
    Changesets are checked from where the last complete fetch ended
    (``state.BIGFETCHED``), so an interrupted fetch goes on at the next
    sync.  Returns the largefiles still missing; their changesets stay
    unchecked.
    """
    if not enabled(repo):
        return []
    unfi = repo.unfiltered()
    start = _fetchedupto(unfi)
    if start == len(unfi):
        return []
    lfutil = _lf()[1]
    wanted = contents(unfi, unfi.revs(b'%d:', start))
    missing = {h: f for h, f in wanted.items() if not lfutil.findfile(unfi, h)}
    if missing:
        _got, notthere = store.get(sorted((f, h) for h, f in missing.items()))
        if notthere:
            return sorted(notthere)
    statefiles.write(unfi, statefiles.BIGFETCHED, [len(unfi), hex(unfi.changelog.tip())])
    return []


def _fetchedupto(unfi):
    value = statefiles.read(unfi, statefiles.BIGFETCHED, list)
    if value and len(value) == 2 and isinstance(value[0], int):
        count, node = value
        try:
            if 0 < count <= len(unfi) and unfi.changelog.node(count - 1) == bin(node):
                return count
        except (ValueError, TypeError):
            pass
    return 0


def settle(repo, files, boundary):
    """know the largefiles of the standins ``files`` clean

    The extension leaves a largefile it committed or wrote to be hashed
    again by the next status (a gigabyte read for nothing); its size and
    mtime suffice when the mtime is before ``boundary``: a commit's,
    taken before the commit read the file, or an update's, taken once it
    wrote them (each content checked against its hash as it was copied,
    as hg's own update records what it wrote).  Caller holds the wlock.
    """
    if not enabled(repo):
        return
    lfutil = _lf()[1]
    lfiles = [lfutil.splitstandin(f) for f in files if lfutil.isstandin(f)]
    if not lfiles:
        return
    with repo.dirstate.running_status(repo):
        lfdirstate = lfutil.openlfdirstate(repo.ui, repo)
        lfiles = [f for f in lfiles if lfdirstate.get_entry(f).tracked]
        for lfile in lfiles:
            unsettled.recordclean(repo, lfile, boundary, lfdirstate)
        lfdirstate.write(repo.currenttransaction())
    bigsettle.note(repo, lfiles, boundary)


def resettle(repo):
    """before a status: record clean the big files a sync wrote in the
    second it recorded them, if unchanged since (``bigsettle``); caller
    holds the wlock"""
    if not enabled(repo) or not repo.vfs.exists(bigsettle.NAME):
        return
    lfutil = _lf()[1]
    with repo.dirstate.running_status(repo):
        lfdirstate = lfutil.openlfdirstate(repo.ui, repo)
        bigsettle.settle(repo, lfdirstate)
        lfdirstate.write(repo.currenttransaction())


def standins(ctx):
    """[(largefile, hash)] of the big files of ``ctx``"""
    lfutil = _lf()[1]
    m = matchmod.match(ctx.repo().root, b'', [b'path:' + lfutil.shortname])
    return [(lfutil.splitstandin(f), lfutil.readasstandin(ctx[f])) for f in ctx.matches(m)]


def unedited(repo, lfiles, read=False):
    """those of the largefiles ``lfiles`` whose working-copy file holds
    the content of the working copy's parent

    largefiles' dirstate says so by size, mtime and change time (a sync
    records what it wrote or committed: ``settle``), and the working
    copy's standin is still the parent's.  A file that dirstate cannot
    vouch for (written by an update, or in the last second, or given its
    old mtime back) is hashed with ``read``, else counts as edited.
    """
    if not lfiles or not enabled(repo):
        return set()
    lfutil = _lf()[1]
    pctx = repo[b'.']
    with repo.dirstate.running_status(repo):
        lfdirstate = lfutil.openlfdirstate(repo.ui, repo, create=False)
        unsure, st, _boundary = lfdirstate.status(
            matchmod.exact(lfiles), subrepos=[], ignored=False, clean=True, unknown=False
        )
    clean = {f for f in st.clean if _untouched(repo, lfdirstate, f)}
    unsure = unsure + [f for f in st.clean if f not in clean]
    found = set()
    for lfile in sorted(clean) + (unsure if read else []):
        standin = lfutil.standin(lfile)
        if standin not in pctx:
            continue
        h = pctx[standin].data().strip()
        if repo.wvfs.tryread(standin).strip() != h:
            continue
        if lfile in clean or _holds(repo.wjoin(lfile), h):
            found.add(lfile)
    return found


def _holds(path, h):
    """does the file ``path`` hold the content ``h``?"""
    try:
        return bigcopy.hashfile(path) == h
    except Collision:
        return False


def _untouched(repo, lfdirstate, lfile):
    try:
        st = repo.wvfs.lstat(lfile)
    except OSError:
        return False
    return unsettled.untouched(lfdirstate.get_entry(lfile), st)


def dropstandins(repo, files):
    """remove the standins of largefiles a commit recorded as removed

    The extension's addremove forgets the standin of a deleted largefile
    but leaves its file in ``.hglf``, where status no longer shows it:
    the next update that brings the same path back (another node added it
    again) would stop on it as an untracked file.  Caller holds the wlock.
    """
    if not enabled(repo):
        return
    lfutil = _lf()[1]
    ds = repo.dirstate
    for f in files:
        if (
            lfutil.isstandin(f)
            and not ds.get_entry(f).tracked
            and not repo.wvfs.lexists(lfutil.splitstandin(f))
        ):
            repo.wvfs.unlinkpath(f, ignoremissing=True)


def dirty(repo, files):
    """has a largefile among the standins ``files`` uncommitted changes?

    The working copy's standin is refreshed only at a commit, so hg's own
    check of the files an update writes does not see such an edit, and
    the update's write guard does not see largefiles' writes: a file the
    size and mtime call clean is hashed unless its change time vouches
    for it too (``unedited``).
    """
    if not enabled(repo):
        return False
    lfutil = _lf()[1]
    lfiles = [lfutil.splitstandin(f) for f in files if lfutil.isstandin(f)]
    if not lfiles:
        return False
    with status(repo):
        st = repo.status(match=matchmod.exact(lfiles), clean=True)
    if st.modified or st.added or st.removed or st.deleted:
        return True
    pctx = repo[b'.']
    # a path a small file holds here is hg's to check
    clean = [f for f in st.clean if lfutil.standin(f) in pctx]
    unseen = set(clean) - unedited(repo, clean, read=True)
    if unseen:
        # the next snapshot's status hashes them, and commits the edit
        with repo.dirstate.running_status(repo):
            lfdirstate = lfutil.openlfdirstate(repo.ui, repo)
            for lfile in unseen:
                lfdirstate.set_possibly_dirty(lfile)
            lfdirstate.write(repo.currenttransaction())
    return bool(unseen)


def hashof(fctx):
    """the content hash a standin holds"""
    return _lf()[1].readasstandin(fctx).lower()


def openlfdirstate(orig, ui, repo, create=True):
    """no search for standins in a repository without largefiles

    Once loaded, the extension wraps every dirstate change and status of
    the process, and makes a repository's largefiles dirstate by walking
    the working copy for standins, again each time when there is none:
    a process that synced a resource with big files (chg's server, the
    daemon) would walk every other resource once more at each step.
    """
    return orig(ui, repo, create and enabled(repo))


def checkfetched(store, missing):
    """stop before integrating what has no content here

    One line names the files and every host asked (``store.asked``).
    """
    if missing:
        if len(missing) == 1:
            msg = _(b'big file %s has no content on %s') % (missing[0], store.asked())
        else:
            msg = _(b'%d big files have no content on %s: %s') % (
                len(missing), store.asked(), b', '.join(missing[:3])
            ) + (b', ...' if len(missing) > 3 else b'')
        raise error.Abort(
            msg, hint=_(b'sync with the node that recorded them first, or a host that has them')
        )

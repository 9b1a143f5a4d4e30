# bigrestock.py - the working copy's big contents, back in the store
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the working copy's big contents, back in the store when one is needed

With ``keep = current``, ``mirror-gc`` frees the store's copy of what the
working copy holds unedited, once a host holds it (``budget``).  What
reads such a content from the store gets it back first:

- an upload to a host that lacks it (largefiles' ``uploadlfiles``, a
  push's, a sync's): copied from the working copy and checked against
  its hash as it is stored (``restock``), else, the file edited since,
  fetched from the hosts of the resource (``bigsource``); with neither,
  the push stops in one line naming the file and the hosts asked, and
  nothing is lost: the host ``mirror-gc`` asked holds it;
- an update that takes an unedited big file out of the working copy
  (``bigmerge.makeway``): copied back first, for ``putback``.

Only the store is asked for what a push holds: what is there goes as
before, with no extra question to the host.

This node, as another's host, answers for its store alone: a content
only its working copy holds is "not here" (``statlfile``), and the other
node asks its other hosts.  A working copy is no copy to count on: it
may be edited at any moment, and two nodes that each counted on the
other's would lose the version at their first edits.
"""

from mercurial.i18n import _
from mercurial import (
    error,
    extensions,
    exthelper,
)

from . import (
    bigcopy,
    bigfiles,
    bigsource,
    confine,
)

eh = exthelper.exthelper()


@eh.reposetup
def _wrapupload(ui, repo):
    """largefiles' upload wrapped, once the extension is loaded: maybe
    only now, from the repository's hgrc"""
    if bigfiles.loaded() and not _uploadlfiles.wrapping:
        _uploadlfiles.wrapping = True
        extensions.wrapfunction(bigfiles._lf()[0], 'uploadlfiles', _uploadlfiles)


def restock(repo, wanted):
    """copy into the store each content of ``wanted`` [(largefile, hash)]
    the working copy's file holds; the hashes still missing there

    Each copy is hashed as it is stored and kept only if it holds that
    content (``bigcopy.store``): a file edited since is not taken for
    the version history names.
    """
    lfutil = bigfiles._lf()[1]
    for f, h in wanted:
        if lfutil.findfile(repo, h) or not repo.wvfs.isfile(f) or repo.wvfs.islink(f):
            continue
        bigcopy.store(repo, repo.wjoin(f), expected=h)
    return sorted({h for _f, h in wanted if not lfutil.findfile(repo, h)})


def bringback(repo, hashes):
    """have each content of ``hashes`` in the store, for an upload: from
    the working copy, else from the hosts of the resource; or abort"""
    lfutil = bigfiles._lf()[1]
    restock(repo, [(f, h) for f, h in bigfiles.standins(repo[b'.']) if h in hashes])
    left = [h for h in hashes if not lfutil.findfile(repo, h)]
    if not left:
        return
    named = bigfiles.contents(repo, repo.revs(b'all()'))
    store = bigsource.ondemand(repo, warn=False)
    _got, missing = store.get(sorted((named.get(h, h), h) for h in left))
    if missing:
        raise error.Abort(
            _(b'big file %s is neither here to send nor on %s') % (missing[0], store.asked()),
            hint=_(b'sync again once a host that holds it is reachable'),
        )


def _uploadlfiles(orig, ui, rsrc, rdst, files):
    """largefiles' upload, the contents this node freed brought back
    first where the host lacks them"""
    lfutil, storefactory = bigfiles._lf()[1], bigfiles._lf()[3]
    lacking = [h for h in files if confine.islfhash(h) and not lfutil.findfile(rsrc, h)]
    if lacking:
        there = storefactory.openstore(rsrc, rdst, put=True).exists(lacking)
        bringback(rsrc, [h for h in lacking if not there[h]])
    return orig(ui, rsrc, rdst, files)


_uploadlfiles.wrapping = False

# ignorefile.py - the resource's ignore file, where hg reads it
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the resource's ignore patterns, written where hg's own status reads them

A module of its own because three readers need it without a snapshot:
``reposetup`` points every command's ``hg status`` at the file
(``useignore``), a dry run matches without writing (``matcher``), and the
snapshot writes it (``setignore``).
"""

import os
import re

from mercurial import match as matchmod

from . import (
    compat,
    confine,
    state as statefiles,
)



def ignorefile(repo):
    return repo.vfs.join(statefiles.IGNORE)


def _dirpattern(path):
    """an hgignore line for one directory and everything below it"""
    return b're:^%s(?:/|$)' % re.escape(path)


_UNESCAPEDHASH = re.compile(br'(?<!\\)#')


def setignore(repo, patterns, dirs=()):
    """write the resource's ignore patterns where hg reads them

    ``reposetup`` points ``ui.ignore.silvermirror`` at this file, so the
    user's own ``hg status`` in a resource agrees with the sync.  Patterns
    use hgignore syntax, glob by default; ``dirs`` (nested resources and
    checkouts) are left out whole.  A pattern that would make hg read a
    file is refused (``confine.checkignore``): patterns come from the
    SilverMirror file, which other nodes send.  Caller holds the wlock.
    """
    confine.checkignore(patterns)
    lines = [b'syntax: glob']
    # a # starts a comment in an hgignore file: *# would read as *
    lines.extend(_UNESCAPEDHASH.sub(br'\\#', p) for p in patterns)
    lines.extend(_dirpattern(d) for d in sorted(set(dirs)))
    return writestate(repo, statefiles.IGNORE, b'\n'.join(lines) + b'\n')


# how an hgignore file reads a prefixed line
_IGNOREKINDS = {b're': b'relre', b'regexp': b'relre', b'glob': b'relglob'}


def matcher(repo, patterns, dirs):
    """a matcher for what ``setignore`` would write"""
    confine.checkignore(patterns)
    pats = []
    for p in list(patterns) + [_dirpattern(d) for d in dirs]:
        kind, sep, rest = p.partition(b':')
        if sep and kind in matchmod.allpatternkinds + tuple(_IGNOREKINDS):
            pats.append(_IGNOREKINDS.get(kind, kind) + b':' + rest)
        else:
            pats.append(b'relglob:' + p)
    if not pats:
        return None
    return matchmod.match(repo.root, b'', include=pats)


def writestate(repo, name, data):
    """write one of our files under .hg/silvermirror if it changed"""
    if repo.vfs.tryread(name) == data:
        return False
    statefiles.writeraw(repo, name, data)
    if name == statefiles.IGNORE:
        useignore(repo)
        # hg keeps the ignore matcher as long as ``.hgignore`` is unchanged,
        # through ``invalidate`` too: a matcher read earlier in this process
        # (a preamble's repair) would still see the old patterns
        compat.forgetignorematcher(repo)
    # the dirstate caches its ignore matcher
    repo.dirstate.invalidate()
    return True


def useignore(repo):
    """make hg read the resource's ignore file, once it exists"""
    path = ignorefile(repo)
    if os.path.exists(path):
        repo.ui.setconfig(b'ui', b'ignore.silvermirror', path, b'silvermirror')

# confine.py - what a peer may ask of this node, checked before it is done
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the checks between a peer's request and this node's file system

A peer (a client syncing with this host, the history it pushes) is
input, not authority: with push access it may change the resource, never
anything outside it.  Its requests are checked here before anything is
created or removed:

- a path it names (a file of a first population, an empty directory
  recorded in history) goes through hg's own path auditor against the
  real file system, as hg's update does for every file it writes: no
  ``..``, no absolute path, no ``.hg`` component, no nested repository,
  no directory on the way that is a symbolic link;
- an ignore pattern it sends is one of the kinds that read no file
  (``include:``, ``subinclude:``, ``listfile:`` and ``set:`` would make
  this node read files of the peer's choosing), on one line;
- the arguments of a wire command have the types it expects (node ids
  are 40 hex digits), so a malformed request gets an error reply;
- a largefile's hash (a wire argument of hg's ``largefiles``, or what a
  standin in pushed history holds) is 40 hex digits before hg's
  extension makes a path of it: largefiles joins it to its store
  unchecked, so ``../..`` in it would read or make files anywhere;
- a command that changes the host is run only where a transaction may
  be opened: it fires the ``pretxnopen`` hook first, as hg's own
  transaction does, so ``hg-ssh --read-only`` (and any hook that guards
  a repository so) refuses it as it refuses a push.
"""

import functools
import random
import re
import time

from mercurial.i18n import _
from mercurial import (
    encoding,
    error,
    extensions,
    exthelper,
    pathutil,
    wireprotov1server,
    wireprototypes,
)
from mercurial.node import bin, hex
from mercurial.utils import hashutil, stringutil

from .collision import Collision, refusing


def auditor(repo):
    """hg's auditor of working-copy paths, on the real file system

    Not cached: a peer's own earlier writes (a symbolic link) must count
    for the next path it names.
    """
    return pathutil.pathauditor(repo.root, realfs=True, cached=False)


def checkpath(repo, path, audit=None):
    """raise ``error.InputError`` unless ``path`` stays inside the tree

    ``audit`` is an ``auditor(repo)`` to reuse.  The last component is
    not looked at: the caller creates it exclusively (never over an
    existing name), or it is a directory, which no removal follows
    through a link.
    """
    if not path or path in (b'.', b'..') or b'\0' in path:
        raise error.InputError(
            _(b"path '%s' is not allowed") % stringutil.escapestr(path)
        )
    try:
        (audit or auditor(repo))(path)
    except error.InputError:
        raise
    except error.Abort as inst:
        # hg's auditor raises a plain Abort for a link or a nested
        # repository on the way: both are the peer's input too
        raise error.InputError(inst.message, hint=inst.hint)


def safepath(repo, path, audit=None):
    """does ``path`` stay inside the tree? (``checkpath`` as a test)"""
    try:
        checkpath(repo, path, audit)
    except (error.InputError, OSError):
        return False
    return True


eh = exthelper.exthelper()

# what hg's largefiles names a content by: its sha1, in hex
_LFHASH = re.compile(br'[0-9a-f]{40}\Z')


def islfhash(h):
    """is ``h`` (a peer's text) the name of a largefile's content?"""
    return bool(_LFHASH.match(h))


_confined = []


@eh.reposetup
def _reposetup(ui, repo):
    # largefiles may load only now, from this repository's hgrc: hg runs
    # no ``afterloaded`` callback for an extension loaded after start-up
    if not _confined:
        try:
            extensions.find(b'largefiles')
        except KeyError:
            return
        _confinelargefiles()


def _confinelargefiles():
    """every hash hg's largefiles makes a path of is checked first

    Its wire commands (``getlfile``, ``statlfile`` for any peer with pull
    access, ``putlfile`` with push access) answer a bad one with an error
    reply; below them, every path of the store and of the user cache is
    made through the two functions wrapped here, whatever asks (an
    update reading a standin of history).
    """
    from hgext.largefiles import lfutil

    for name in _LFCOMMANDS:
        entry = wireprotov1server.commands[name]
        extensions.wrapfunction(entry, 'func', functools.partial(_hashargument, name))
    extensions.wrapfunction(lfutil, 'storepath', _hashonly)
    extensions.wrapfunction(lfutil, 'usercachepath', _hashonly)
    _confined.append(True)


_LFCOMMANDS = (b'getlfile', b'statlfile', b'putlfile')


def _hashargument(name, orig, repo, proto, sha):
    if not islfhash(sha):
        return _refuse(name, proto, _nohash(sha))
    if name != b'putlfile':
        return orig(repo, proto, sha)
    try:
        # a content stored is a change: only where a push could make one
        # (hg's http server checks the permission first; over ssh,
        # ``hg-ssh --read-only`` refuses through the hook)
        mayopen(repo, b'putlfile')
        with refusing():
            return orig(repo, proto, sha)
    except Collision:
        # found once the payload was read whole, whichever putlfile read it
        return _refuse(name, proto, _unstored(sha, Collision.REASON), unread=False)
    except error.Abort as inst:
        return _refuse(name, proto, inst.message)
    except Unstored as inst:
        return _refuse(name, proto, _unstored(sha, inst.args[0]), unread=False)
    except OSError as inst:
        # hg's putlfile lets a full disk's error escape as it cleans up:
        # the host's hg would stop, and the client read nothing
        why = encoding.strtolocal(inst.strerror or str(inst))
        return _refuse(name, proto, _unstored(sha, why))


class Unstored(Exception):
    """a content whose upload was read whole was not stored (its reason)"""


def _unstored(sha, why):
    return _(b'cannot store largefile %s: %s') % (sha, why)


def putlfile(store, repo, proto, sha):
    """a ``putlfile`` answered by ``store`` (of hg's putlfile's signature)
    in place of hg's, under the same checks"""
    return _hashargument(b'putlfile', store, repo, proto, sha)


def _refuse(name, proto, why, unread=True):
    """the error reply to a largefile command, ``why`` in it; ``unread``:
    a putlfile's payload is still to be read"""
    if name == b'putlfile':
        # what the peer sends after the request: read, so that the
        # connection stays in step, and dropped (read twice, the ssh
        # protocol would wait for a payload that never comes)
        if unread:
            for _chunk in proto.getpayload():
                pass
        if proto.name == wireprototypes.SSHV1:
            # an ssh client shows only the reply of putlfile (an
            # out-of-band error goes to the remote output a sync hides)
            return wireprototypes.pusherr(why, b"")
    return wireprototypes.ooberror(why)


def _nohash(sha):
    return _(b"'%s' is not a largefile's hash") % stringutil.escapestr(sha[:80])


def _hashonly(orig, owner, hash, *args, **kwargs):
    # the empty hash names the store directory itself
    if hash and not islfhash(hash):
        raise error.Abort(
            _nohash(hash), hint=_(b'a peer sent it; nothing was read or written')
        )
    return orig(owner, hash, *args, **kwargs)


def _badstandin(ctx, f):
    """does the standin ``f`` of ``ctx`` hold anything but a hash?"""
    if not f.startswith(b'.hglf/') or f not in ctx:
        return False
    return not islfhash(ctx[f].data().strip())


def incoming(ui, repo, node=None, **kwargs):
    """``pretxnchangegroup`` hook: refuse changesets naming files outside
    the tree

    No working copy could hold such a file (hg's update refuses it), so
    history that names one can only come from a peer that crafted it; taken
    in, it would fail every update to it, on every node, for good.
    Only the words of each path are looked at (``..``, absolute, ``.hg``):
    history is not the disk.
    """
    if node is None:
        return False
    unfi = repo.unfiltered()
    words = pathutil.pathauditor(repo.root, realfs=False, cached=True)
    for rev in unfi.revs(b'%n:', bin(node)):
        ctx = unfi[rev]
        for f in ctx.files():
            try:
                words(f)
            except error.Abort:
                raise error.Abort(
                    _(b"changeset %s names the file '%s', outside the tree")
                    % (ctx, stringutil.escapestr(f)),
                    hint=_(b'it was crafted by a peer; nothing was added'),
                )
            if _badstandin(ctx, f):
                raise error.Abort(
                    _(b"changeset %s has a largefile '%s' with no hash")
                    % (ctx, stringutil.escapestr(f[len(b'.hglf/'):])),
                    hint=_(b'it was crafted by a peer; nothing was added'),
                )
    return False


# pattern kinds that make hg read a file (or, for ``set:``, the contents
# of files) named in the pattern
_READING = (b'include', b'subinclude', b'listfile', b'listfile0', b'set')


def checkignore(patterns):
    """raise ``error.InputError`` for an ignore pattern that reads a file

    Patterns are written one a line into an hgignore file, so a line
    break (or a ``syntax:`` line) would smuggle in another line.  The
    pattern itself is named in the error, never what a file holds.
    """
    for p in patterns:
        if not isinstance(p, bytes):
            raise error.InputError(_(b'an ignore pattern is not text'))
        why = None
        if any(c in p for c in (b'\n', b'\r', b'\0')):
            why = _(b'it holds a line break')
        elif p.strip().startswith(b'syntax:'):
            why = _(b'a syntax line changes how other patterns read')
        else:
            kind = p.partition(b':')[0].strip()
            if p.count(b':') and kind in _READING:
                why = _(b'%s: patterns read files') % kind
        if why is not None:
            raise error.InputError(
                _(b"ignore pattern '%s' is not allowed: %s")
                % (stringutil.escapestr(p), why),
                hint=_(
                    b'use glob:, re:, path:, rootglob: or a bare glob, '
                    b'one pattern a line'
                ),
            )


class BadArgument(error.InputError):
    """a wire command's argument is missing or of the wrong type"""


_HEXNODE = re.compile(rb'[0-9a-fA-F]{40}')


def _bytes(v):
    return isinstance(v, bytes)


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _size(v):
    return v is None or (_int(v) and v > 0)


def _share(v):
    # a share travels as text (``50.0%``): hg's CBOR has no floats
    return v is None or _bytes(v)


def _flag(v):
    return v is None or isinstance(v, bool)


def _hexnode(v):
    return _bytes(v) and _HEXNODE.fullmatch(v) is not None


def _count(v):
    return _int(v) and v >= 0


def _positive(v):
    return _int(v) and v > 0


def _lfhashval(v):
    return _bytes(v) and islfhash(v)


def _listof(check):
    return lambda v: isinstance(v, list) and all(check(x) for x in v)


# what each argument of a wire command must be
_TYPES = {
    b'locktimeout': (_int, _(b'a number of seconds')),
    b'ignore': (_listof(_bytes), _(b'a list of patterns')),
    b'children': (_listof(_bytes), _(b'a list of directories')),
    b'maxdelete': (_share, _(b'a percentage')),
    b'bigfile': (_size, _(b'a number of bytes')),
    b'force': (_flag, _(b'true or false')),
    b'dryrun': (_flag, _(b'true or false')),
    b'warm': (_flag, _(b'true or false')),
    b'node': (_hexnode, _(b'a node id (40 hex digits)')),
    b'common': (_listof(_hexnode), _(b'a list of node ids')),
    b'heads': (_listof(_hexnode), _(b'a list of node ids')),
    b'parents': (_listof(_hexnode), _(b'a list of node ids')),
    b'files': (_int, _(b'a number of files')),
    b'bytes': (_int, _(b'a number of bytes')),
    b'requirements': (_listof(_bytes), _(b'a list of requirements')),
    b'base': (_lfhashval, _(b"a largefile's hash (40 hex digits)")),
    b'content': (_lfhashval, _(b"a largefile's hash (40 hex digits)")),
    b'size': (_count, _(b'a number of bytes')),
    b'block': (_positive, _(b'a number of bytes')),
    b'count': (_count, _(b'a number of blocks')),
    b'hashes': (_listof(_lfhashval), _(b"a list of largefiles' hashes")),
}

# the arguments each wire command cannot do without
REQUIRED = {
    b'smupdate': (b'node',),
    b'smdeliver': (b'node',),
    b'smstage': (b'node', b'parents'),
    b'smseed': (b'requirements', b'files', b'bytes', b'heads'),
    b'smbigsums': (b'base', b'size'),
    b'smbigdelta': (b'base', b'content', b'size', b'block', b'count'),
    b'smbigpin': (b'hashes',),
}

# the longest a host waits for its lock, whatever a peer asks
MAXLOCKWAIT = 60


def checkargs(name, args):
    """``args`` of wire command ``name``, checked; ``BadArgument`` if not

    Arguments a command does not know are left alone (a newer client's).
    """
    if not isinstance(args, dict):
        raise BadArgument(_(b'malformed %s request: not a map') % name)
    for key in REQUIRED.get(name, ()):
        if key not in args:
            raise BadArgument(_(b'malformed %s request: no %s') % (name, key))
    for key, value in args.items():
        if key not in _TYPES:
            continue
        check, what = _TYPES[key]
        if not check(value):
            raise BadArgument(
                _(b'malformed %s request: %s must be %s') % (name, key, what)
            )
    if b'locktimeout' in args:
        args[b'locktimeout'] = min(max(0, args[b'locktimeout']), MAXLOCKWAIT)
    checkignore(args.get(b'ignore', ()))
    for d in args.get(b'children', ()):
        # a line of the ignore file each (``ignorefile.setignore``)
        if any(c in d for c in (b'\n', b'\r', b'\0')):
            raise BadArgument(
                _(b'malformed %s request: a child directory holds a line break')
                % name
            )
    return args


def mayopen(repo, name):
    """fire ``pretxnopen`` as hg's transaction does before it opens

    A refusing hook (``hg-ssh --read-only``'s) raises ``HookAbort``
    before the command changes anything, including the files of the
    working copy that no transaction covers.
    """
    idbase = b'%.40f#%f' % (random.random(), time.time())
    txnid = b'TXN:' + hex(hashutil.sha1(idbase).digest())
    try:
        repo.hook(b'pretxnopen', throw=True, txnname=name, txnid=txnid)
    except error.HookAbort as inst:
        raise error.Abort(
            _(b'the host refuses changes (%s)') % inst.message,
            hint=_(b'this account may only read there (hg-ssh --read-only?)'),
        )

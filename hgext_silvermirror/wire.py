# wire.py - the wire protocol of SilverMirror's host commands
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""how a client asks a host, and how a host answers: transport only

A host's part of a sync (``host``) runs as wire-protocol commands over
the peer connection that also carries the pull and the push (as
``hgext/largefiles`` adds ``putlfile``), so a sync opens one connection
per host.  For a host that is a local path the same functions run
in-process.  Requests and replies are CBOR maps; a failure travels back
as a reply with ``error``, ``hint`` and ``kind``, raised on the client as
``HostError``.

The modules that serve commands list them in ``COMMANDS`` and what the
host advertises in ``CAPABILITIES``; this module registers both with hg.
"""

import base64

from mercurial.i18n import _
from mercurial import (
    error,
    exthelper,
    sshpeer,
    util,
    wireprototypes,
    wireprotov1server,
)
from mercurial.utils import cborutil, stringutil

from . import (
    compat,
    config as configmod,
    confine,
    pipesize,
)

eh = exthelper.exthelper()

CAPABILITY = b'silvermirror'
PROTOCOL = 1
# the argument that carries a request (base64 CBOR: http sends arguments
# in headers); not ``data``, which hg's http peer sends as the body
ARGS = b'request'
# name: (function, permission, takes a payload), filled by ``command``
COMMANDS = {}
# what a host advertises beside ``silvermirror=PROTOCOL``
CAPABILITIES = []


# the frames of a payload over ssh: hg's sshpeer sends what each of its
# reads of 4 KiB returns, and each frame costs a poll of the pipes and two
# writes here and a line read on the host (a first mirror sends every
# file, then the store: twice the tree).  As large as a pipe holds
# (``pipesize``): a thread that sends a big file beside a commit that
# hashes gets Python's lock between two of the hash's reads, and writes
# a whole frame in one call without it
FRAME = 1 << 20


class frames:
    """a file whose every read returns up to ``FRAME``

    sshpeer sends a push's payload in frames of what each read of 4 KiB
    returns."""

    def __init__(self, fp):
        self._fp = fp

    def read(self, size=-1):
        return self._fp.read(max(size, FRAME) if size >= 0 else size)


def framed(peer, fp):
    """``fp`` as it goes to ``peer``: in frames of ``FRAME`` over ssh"""
    return frames(fp) if isinstance(peer, sshpeer.sshv1peer) else fp


class HostError(error.Abort):
    """a host refused or failed an operation"""

    def __init__(self, message, hint=None, kind=b'failed'):
        super().__init__(message, hint=hint)
        self.kind = kind


def command(name, permission, payload=False):
    """register ``func(repo, args, node=None[, payload])`` as ``name``

    ``permission`` is hg's (``pull`` or ``push``); ``payload``: the
    command takes the data pushed with it, as a push sends its bundle.
    """

    def register(func):
        COMMANDS[name] = (func, permission, payload)
        return func

    return register


def encode(obj):
    return b''.join(cborutil.streamencode(obj))


def decode(data):
    """the map of a request or reply; HostError if it is not CBOR"""
    try:
        values = cborutil.decodeall(data)
    except (cborutil.CBORDecodeError, ValueError, TypeError) as inst:
        raise HostError(
            _(b'malformed message (%s)') % stringutil.forcebytestr(inst)
        )
    return values[0] if values else {}


class payload:
    """the data pushed with a command, asked of the client when first read"""

    def __init__(self, proto):
        self._proto = proto
        self._buf = None

    def _open(self):
        if self._buf is None:
            self._buf = util.chunkbuffer(self._proto.getpayload())
        return self._buf

    def read(self, size=None):
        return self._open().read(size)

    def client(self):
        """the pushing client, as hg's unbundle names it to hooks"""
        return self._proto.client()

    def tell(self):
        return self._open().tell()

    def chunks(self):
        """the payload as the client's frames come, not joined or split
        again (a big file's content); once, instead of ``read``"""
        if self._buf is not None:
            raise error.ProgrammingError(b'a payload read is not read again in frames')
        frames = self._proto.getpayload()
        # what ``drain`` reads: the frames the caller left
        self._buf = util.chunkbuffer(frames)
        return frames

    def drain(self):
        """read what a failed command left, so the connection stays in step"""
        if self._buf is None:
            return
        try:
            while self._buf.read(1 << 16):
                pass
        except (ValueError, OSError):
            # the client went away mid-payload: there is no one to answer
            pass


def _request(name, data):
    """the arguments of a request, checked; ``BadArgument`` if malformed"""
    try:
        args = decode(base64.b64decode(data, validate=True))
    except (ValueError, cborutil.CBORDecodeError):
        raise confine.BadArgument(_(b'malformed %s request') % name)
    return confine.checkargs(name, args)


# has this process widened the pipes of the ssh connection it serves?
_widened = []


def _serve(func, takes=False, name=b'SilverMirror', permission=b'pull'):
    """the wire command running ``func``: its request checked, and, for a
    command that needs push permission, the host's hooks asked first"""

    def serve(repo, proto, data):
        if proto.name == wireprototypes.SSHV1 and not _widened:
            # the pipes from sshd, as the client widened its own: once,
            # for the connection this process serves
            pipesize.widen(*compat.sshstdio(proto))
            _widened.append(True)
        kwargs = {}
        if takes:
            kwargs['payload'] = payload(proto)
        try:
            args = _request(name, data)
            if permission == b'push':
                confine.mayopen(repo, b'silvermirror-' + name[2:])
            reply = func(repo, args, **kwargs)
        except HostError as inst:
            reply = {b'error': inst.message, b'hint': inst.hint, b'kind': inst.kind}
        except error.Abort as inst:
            reply = {b'error': inst.message, b'hint': inst.hint, b'kind': b'failed'}
        except (
            OSError,
            error.LockError,
            # a node id or file a request names that is not there
            error.RepoError,
            error.StorageError,
        ) as inst:
            reply = {
                b'error': stringutil.forcebytestr(inst),
                b'hint': getattr(inst, 'hint', None),
                b'kind': b'failed',
            }
        if takes:
            kwargs['payload'].drain()
        return wireprototypes.bytesresponse(encode(reply))

    return serve


@eh.uisetup
def _uisetup(ui):
    for name, (func, permission, takes) in COMMANDS.items():
        if name not in wireprotov1server.commands:
            wireprotov1server.wireprotocommand(
                name, ARGS, permission=permission
            )(_serve(func, takes, name, permission))


@eh.wrapfunction(wireprotov1server, compat.SERVERCAPABILITIES)
def _capabilities(orig, repo, proto):
    caps = orig(repo, proto)
    caps.append(b'%s=%d' % (CAPABILITY, PROTOCOL))
    caps.extend(CAPABILITIES)
    return caps


def call(peer, name, args, node=None, payload=None):
    """run a host operation over ``peer``; in-process for a local path

    ``payload`` (a file object) goes with the operations that take one,
    as a push sends its bundle.
    """
    kwargs = {} if payload is None else {'payload': payload}
    # the host's lock may be held by a sync waiting for ours (locks.crossing)
    args = dict(args)
    args.setdefault(b'caller', configmod.nodename(peer.ui))
    if peer.local() is not None:
        func = COMMANDS[name][0]
        try:
            return func(peer.local(), args, node=node, **kwargs)
        except error.LockError as inst:
            raise HostError(stringutil.forcebytestr(inst), kind=b'busy')
    if payload is not None:
        # ssh: the host answers at once (a refusal) or after the payload
        _ret, data = compat.callpush(
            peer, name, framed(peer, payload), request=base64.b64encode(encode(args))
        )
        return _reply(name, decode(data))
    # the wire-protocol v1 call, as hgext/largefiles does for its commands
    # over http an (empty) body makes it a POST, which push permission
    # needs, as hg's own pushkey does
    post = {'data': b''} if peer.url().startswith((b'http:', b'https:')) else {}
    request = base64.b64encode(encode(args))
    try:
        reply = decode(compat.call(peer, name, request=request, **post))
    except error.Abort as inst:
        # hg's http peer reports a 401 so; the read before it succeeded
        if not post or inst.message != _(b'authorization failed'):
            raise
        raise HostError(
            _(b'%s refuses pushes (authorization failed)') % peer.url(),
            hint=_(
                b'allow them on the hub (web.allow-push; web.push_ssl = '
                b'false without https), or give credentials in [auth]'
            ),
        )
    return _reply(name, reply)


def _reply(name, reply):
    if not isinstance(reply, dict):
        raise HostError(_(b'unexpected reply to %s') % name)
    if reply.get(b'error') is not None:
        raise HostError(reply[b'error'], hint=reply.get(b'hint'), kind=reply.get(b'kind', b'failed'))
    return reply

# results.py - what a sync returns: one resource, and each of its hosts
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""what a sync returns, as data: commands, the daemon and hooks render it

A module of its own so that the parts of a sync that fill a host's
result (``reach``, ``firstcontact``) and those that render it need not
import the engine.
"""

import errno
import os

from mercurial.i18n import _

from . import (
    hostrepo,
    hosts as hostsmod,
    redact,
    wire,
)

SYNCED = b'synced'
UNREACHABLE = b'unreachable'
FAILED = b'failed'
SKIPPED = b'skipped'


class hostresult:
    def __init__(self, res, entry):
        self.resource = res.name
        # to tell a local disk pulled out mid-sync; its URL is never shown
        self._entry = entry
        # what is shown, logged and written into merge commits: no password
        self.host = redact.url(entry.label)
        self.url = redact.url(entry.url)
        self.status = SYNCED
        self.message = None
        self.hint = None
        self.pulled = 0
        self.pushed = 0
        self.conflicts = []
        self.update = None
        self.created = False
        self.repaired = []
        self.reachable = None
        self.incoming = None
        self.outgoing = None
        self.uncommitted = None
        # the files the host's snapshot stopped tracking
        self.untracked = []
        # the host is this node's own repository (reached by a wrong name)
        self.selfcopy = False
        # a dry run's ``plan.hostplan``
        self.plan = None
        # skipped because its repository was locked: worth trying again soon
        self.busy = False
        # the host's smprepare reply: its state after its snapshot, and
        # what its history holds (pushupdate.summary)
        self.reply = {}
        # (path, why) of the files the host's snapshot left out
        self.leftout = []

    def fail(self, status, inst):
        self.status = status
        self.message = hostsmod.reason(inst)
        self.hint = redact.text(getattr(inst, 'hint', None))

    @property
    def hostparent(self):
        """the host's working-copy parent after its snapshot"""
        return self.reply.get(b'parent')

    @property
    def hostempty(self):
        """the host's repository has no changeset yet"""
        return self.reply.get(b'empty', False)

    def failed(self, inst):
        """an operation on the host failed; a busy host is only skipped"""
        kind = inst.kind if isinstance(inst, wire.HostError) else None
        # skipped because its repository was locked: worth trying again soon
        self.busy = kind == b'busy'
        self.fail(SKIPPED if kind in (b'busy', b'self') else FAILED, inst)
        self.selfcopy = kind == b'self'
        if _diskfull(inst, self.message):
            self.hint = _(
                b'free space on the disk that filled (the host\'s, or this '
                b'node\'s): the next sync finishes what this one began'
            )
        if hostsmod.away(self._entry):
            self.status = UNREACHABLE
            self.message = _(b'%s went away during the sync (%s)') % (
                hostrepo.localbase(self._entry),
                self.message,
            )
            self.hint = _(b'mount it again: the next sync finishes what this one began')

    def isself(self, node):
        """say that the host was this node itself, naming silvermirror.name"""
        self.message = _(b'this is the same repository as the local one')
        self.hint = _(
            b"'%s' reaches this node itself, whose silvermirror.name is "
            b"'%s': set silvermirror.name in this node's hgrc to the name "
            b"the hosts use for it, or take '%s' out of hosts"
        ) % (self.host, node, self.host)


def _diskfull(inst, message):
    """did ``inst`` fail for want of disk space, here or on a host
    (whose error comes as its text, ``message``)?"""
    if isinstance(inst, OSError) and inst.errno == errno.ENOSPC:
        return True
    return os.strerror(errno.ENOSPC).encode() in message


class resourceresult:
    def __init__(self, res):
        self.resource = res
        self.snapshot = None
        # a dry run's changes the snapshot would record (``plan.change``)
        self.plan = None
        self.hosts = []
        self.repaired = []
        self.error = None
        self.hint = None
        # the resource is for other nodes and absent here
        self.elsewhere = False
        # (why, hint): such a resource named on the command line
        self.skipped = None
        # this node's name, as the resource's hosts would name it
        self.node = None
        # the repository was created here (would be, in a dry run)
        self.created = False
        # the abort that stopped a run of this resource alone
        self.aborted = None

    @property
    def complete(self):
        """every host synced and every file recorded"""
        return (
            self.error is None
            and self.skipped is None
            and all(h.status == SYNCED for h in self.hosts)
            and not (self.snapshot and self.snapshot.skipped)
        )

# shape.py - what every first-contact strategy shares
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the shape every strategy of ``firstcontact`` has, and what they share

Each strategy is a module with the same names:

``CAPABILITY``
    what a host that takes it advertises;
``COMMAND``
    the wire command that carries it (``host`` serves it);
``wanted(repo, peer, reply)``
    may this sync use it with the host behind ``peer``, whose
    ``smprepare`` reply is ``reply``: the host offers it (``offers``) and
    is in the state it is for (``sendahead``'s is asked by the thread
    that reaches the hosts while this one commits, and takes this node's
    parent instead of the repository);
``send(...)``
    the client's part;
``receive(repo, args, payload)``
    the host's part, under the host's lock: the reply;
``recover(repo)``
    repair what an interrupted ``receive`` left, for the preamble: the
    messages of what was repaired.
"""


def empty(repo):
    """has this repository no changeset yet (first contact is for it)?"""
    return len(repo.unfiltered()) == 0


def offers(peer, capability):
    """does the host behind ``peer`` take what ``capability`` names?

    A local path runs this very extension in-process.  Over the wire,
    only ssh: hg's http peer would spool a whole payload to a temporary
    file first, and a hub is never a first contact's target.
    """
    if peer.local() is not None:
        return True
    return peer.url().startswith(b'ssh:') and peer.capable(capability)

# statcache - what spares a snapshot re-reading what has not changed
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""speed-ups that keep what hg would otherwise look up again

Each keeps something a later status can trust instead of reading it
again; without it (its file removed, hg's fsmonitor off) a sync does the
same, only slower:

``dirlistings``
    each directory's listing, re-read only when its times change
    (empty directories and other checkouts are found without a walk);
``unsettled``
    the files a sync wrote in the second it recorded them, with their
    file node, so the next status need not read the parent's manifest;
    and the rule (size, mtime and change time) by which a file recorded
    clean is trusted unchanged without being read;
``fsmonitorstate``
    fsmonitor's state across the re-reads of a dirstate in one process;
``fsmonitorauto``
    hg's fsmonitor itself, enabled in a big resource where Watchman is
    installed.
"""

# configitems.py - the hgrc items of the SilverMirror extension
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""every ``[silvermirror]`` hgrc item, registered in one place

These live in hgrc, not in the SilverMirror file, because they describe
one machine (its name, its locks, its ssh) while the SilverMirror file is
usually mirrored to every node.
"""

from mercurial import exthelper

eh = exthelper.exthelper()

# path of the SilverMirror file; None means ~/.silvermirror
eh.configitem(b'silvermirror', b'config', default=None)
# this node's name; None means the short host name
eh.configitem(b'silvermirror', b'name', default=None)
# seconds to wait for a resource's local lock held by another sync
eh.configitem(b'silvermirror', b'lock-timeout', default=30)
# share one ssh connection per host across runs (ControlMaster)
eh.configitem(b'silvermirror', b'ssh-control', default=True)
# seconds an idle shared ssh connection stays open
eh.configitem(b'silvermirror', b'ssh-persist', default=60)
# how many hosts are pushed to at the same time
eh.configitem(b'silvermirror', b'parallel', default=4)
# set on a sync's own operations so that hooks can tell them apart
eh.configitem(b'silvermirror', b'in-sync', default=False)
# hg's fsmonitor in a resource: auto (from fsmonitor-files tracked
# files, where Watchman is installed), on, off (statcache/fsmonitorauto)
eh.configitem(b'silvermirror', b'fsmonitor', default=b'auto')
eh.configitem(b'silvermirror', b'fsmonitor-files', default=10000)

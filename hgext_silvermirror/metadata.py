# metadata.py - version data of the SilverMirror extension
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the extension's version and bug link, apart from its registration

A module of its own so that the modules ``__init__`` itself imports
(``boundary``, which names where to report a bug) read it without a
circular import.
"""

__version__ = b'0.1.0'
testedwith = b'7.2'
minimumhgversion = b'7.2'
buglink = b'https://example.invalid/silvermirror/issues'

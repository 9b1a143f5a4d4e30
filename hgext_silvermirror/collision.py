# collision.py - a content crafted to share its SHA-1 with another
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the contents hg's SHA-1 refuses to hash

hg's SHA-1 is sha1dc, which recognizes the known way of crafting two
contents with one SHA-1 (SHAttered) and stops with an ``OverflowError``
instead of a digest.  Where SilverMirror hashes a big file's content,
here or on a host, that refusal becomes ``Collision``: a snapshot leaves
the file out, a host refuses the upload.
"""

import contextlib

from mercurial.i18n import _
from mercurial import error


class Collision(error.Abort):
    """a content crafted to share its SHA-1 with another one

    hg's SHA-1 (sha1dc) recognizes the known way of crafting such pairs
    and refuses to hash on.  A store names each content by its SHA-1: one
    of the pair would stand for the other, and that version would be
    lost, so neither is stored."""

    REASON = _(b'its content is a SHA-1 collision attack, which no store keeps')

    def __init__(self, path=None):
        what = path if path is not None else _(b'a big file')
        super().__init__(
            b'%s: %s' % (what, self.REASON),
            hint=_(b'it stays where it is, not mirrored'),
        )
        self.path = path


@contextlib.contextmanager
def refusing(path=None):
    """sha1dc's refusal of a crafted content, raised as ``Collision``"""
    try:
        yield
    except OverflowError as inst:
        if 'collision' not in str(inst):
            raise
        raise Collision(path) from None

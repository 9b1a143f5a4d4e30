"""Concatenate: a conflict handler from another package (for the tests)"""

from hgext_silvermirror import conflicts


class Concatenate(conflicts.handler):
    """keep the lines of both versions, local first"""

    name = b'Concatenate'
    description = b'both versions one after the other, local first'

    def resolve(self, c):
        if c.binary or c.symlink:
            return conflicts.BOTH
        sep = b'\n' if c.local and not c.local.endswith(b'\n') else b''
        return conflicts.merged(c.local + sep + c.other)

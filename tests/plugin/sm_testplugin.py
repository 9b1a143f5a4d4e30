"""Concatenate: a conflict handler from another package (for the tests)"""

from hgext_silvermirror import conflicts


class Concatenate(conflicts.handler):
    """keep the lines of both versions, local first"""

    name = b'Concatenate'

    def resolve(self, c):
        if c.binary:
            return conflicts.BOTH
        return conflicts.merged(c.local + c.other)

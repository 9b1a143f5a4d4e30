# keep.py - the values of a resource's ``keep`` setting
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``keep``: which contents of big files' history a node keeps

A policy is a pair (kind, count); ``budget`` applies it.
"""

ALL = b'all'
CURRENT = b'current'
VERSIONS = b'versions'
DAYS = b'days'
_DAYS = {b'd': 1, b'w': 7}


def parse(value):
    """``all``, ``current``, ``5`` or ``30d`` (``4w``) -> (kind, count);
    ValueError otherwise, and for a count below one"""
    text = value.strip().lower()
    if text in (ALL, CURRENT):
        return text, None
    if text[-1:] in _DAYS:
        kind, count = DAYS, text[:-1].strip()
    else:
        kind, count = VERSIONS, text
    if not count.isdigit() or int(count) < 1:
        raise ValueError(value)
    return kind, int(count) * _DAYS.get(text[-1:], 1)


def label(policy):
    """the text ``parse`` reads back"""
    kind, count = policy
    if kind == VERSIONS:
        return b'%d' % count
    if kind == DAYS:
        return b'%dd' % count
    return kind

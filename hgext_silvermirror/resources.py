# resources.py - the resources of a SilverMirror file, and their hosts
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""turn the sections of the SilverMirror file into resources

A resource is a directory kept identical on several hosts.  ``[docs]`` is
a resource; ``[docs:private]`` is a resource nested in it, which inherits
its options and lives in its own repository under the parent's directory
(the parent never versions the child's files).
"""

import os

from mercurial.i18n import _
from mercurial import (
    error,
    util,
)

from . import config as configmod

DIRECTIONS = (b'push', b'pull')


class hostentry:
    """one host of a resource: the entry as written and the URL it maps to"""

    def __init__(self, label, url, local):
        self.label = label
        self.url = url
        # a local path (a USB disk, a mounted share): no ssh involved
        self.local = local

    def __repr__(self):
        return '<hostentry %r %r>' % (self.label, self.url)

    def __eq__(self, other):
        return isinstance(other, hostentry) and self.url == other.url

    def __hash__(self):
        return hash(self.url)


class resource:
    def __init__(self, name, root, parent, source):
        self.name = name
        self.root = root
        self.parent = parent
        self.children = []
        self.source = source
        self.hosts = []
        self.ignore = []
        # direction -> (handler name, where it was set)
        self.handlers = {}
        self.maxdelete = configmod.DEFAULT_MAXDELETE
        # the base directory, for mapping bare host names to paths
        self.relpath = None

    def __repr__(self):
        return '<resource %s at %s>' % (self.name.decode(), self.root.decode())

    def handler(self, direction):
        return self.handlers[direction][0]

    def contains(self, path):
        """is ``path`` inside this resource (children included)?"""
        return path == self.root or path.startswith(self.root + b'/')

    def childdirs(self):
        """the children's directories, relative to this resource"""
        return [os.path.relpath(c.root, self.root) for c in self.children]

    def excludes(self):
        """ignore patterns of this resource, children's directories included"""
        pats = list(self.ignore)
        pats.extend(b'path:' + d for d in self.childdirs())
        return pats

    def hosturl(self, entry):
        return hosturl(entry, self.root, self.relpath)


def _isurl(label):
    return b'://' in label


def hosturl(label, root, relpath):
    """map a host entry to the URL of the resource on that host

    A bare name ``NAME`` gives ``ssh://NAME/`` plus the resource's path
    relative to the base directory (as Unison's ``ssh://host/path``); an
    explicit URL or absolute path is a base to which that relative path is
    appended.  A resource outside the base directory keeps its absolute
    path.
    """
    if _isurl(label):
        base = label.rstrip(b'/')
        if relpath is None:
            return base + root
        return base + b'/' + relpath if relpath else base
    if label.startswith((b'/', b'~')):
        base = os.path.normpath(util.expandpath(label))
        if relpath is None:
            return os.path.normpath(base + root)
        return os.path.join(base, relpath) if relpath else base
    if relpath is None:
        return b'ssh://%s/%s' % (label, root)
    return b'ssh://%s/%s' % (label, relpath)


def _checklabel(cfg, section, label):
    if _isurl(label) or label.startswith((b'/', b'~')):
        return
    bad = [c for c in label.decode('latin-1') if not (c.isalnum() or c in '.-_@')]
    if bad or label.startswith(b'-'):
        raise cfg.error(
            section,
            b'hosts',
            _(b'invalid host "%s"') % label,
            hint=_(b'use a host name, an ssh:// or http:// URL, or an absolute path'),
        )


def _relpath(root, basedir):
    if root == basedir:
        return b''
    if root.startswith(basedir.rstrip(b'/') + b'/'):
        return os.path.relpath(root, basedir)
    return None


def _directory(cfg, section, parent):
    value = cfg.get(section, b'directory')
    base = parent.root if parent is not None else cfg.basedir
    if value is None or not value.strip():
        value = section.split(b':')[-1]
    else:
        value = util.expandpath(value.strip())
    return os.path.normpath(os.path.join(base, value))


def build(ui, cfg, handlers, node=None):
    """every resource of ``cfg``, parents before children

    ``handlers`` validates and canonicalises conflict handler names
    (``conflicts.registry``); ``node`` is this node's name, whose own
    host entry is skipped.
    """
    if node is None:
        node = configmod.nodename(ui)
    byname = {}
    roots = {}
    result = []
    for section in cfg.sections():
        parentname = section.rsplit(b':', 1)[0] if b':' in section else None
        parent = None
        if parentname is not None:
            parent = byname.get(parentname)
            if parent is None:
                raise cfg.error(
                    section,
                    None,
                    _(b'resource [%s] has no parent section [%s]')
                    % (section, parentname),
                    hint=_(b'add [%s] before [%s]') % (parentname, section),
                )
        if not section.strip() or any(not p for p in section.split(b':')):
            raise cfg.error(
                section, None, _(b'invalid resource name [%s]') % section
            )
        root = _directory(cfg, section, parent)
        where = cfg.source(section, b'directory')
        if parent is not None and not parent.contains(root) or (
            parent is not None and root == parent.root
        ):
            raise cfg.error(
                section,
                b'directory',
                _(b'directory %s of [%s] is outside its parent [%s] (%s)')
                % (root, section, parent.name, parent.root),
                hint=_(b'a namespaced resource lives inside its parent'),
            )
        if root in roots:
            raise cfg.error(
                section,
                b'directory',
                _(b'resources [%s] and [%s] have the same directory %s')
                % (roots[root].name, section, root),
            )
        res = resource(section, root, parent, where)
        res.relpath = _relpath(root, cfg.basedir)
        _inherit(ui, cfg, res, handlers, node)
        roots[root] = res
        byname[section] = res
        if parent is not None:
            parent.children.append(res)
        result.append(res)
    return result


def _inherit(ui, cfg, res, handlers, node):
    lineage = configmod.lineage(res.name)
    # hosts: the nearest definition replaces the inherited list
    seen = set()
    for sec in lineage:
        labels = cfg.list(sec, b'hosts')
        if labels is None:
            continue
        for label in labels:
            _checklabel(cfg, sec, label)
            if label == node:
                continue
            entry = hostentry(
                label,
                res.hosturl(label),
                not _isurl(label) and label.startswith((b'/', b'~')),
            )
            if entry.url in seen:
                continue
            seen.add(entry.url)
            res.hosts.append(entry)
        break
    # ignore: every level adds to what it inherits
    for sec in reversed(lineage):
        res.ignore.extend(cfg.list(sec, b'ignore') or [])
    # handlers: conflict.D then conflict, nearest section first
    for direction in DIRECTIONS:
        res.handlers[direction] = (configmod.DEFAULT_HANDLER, None)
        found = False
        for sec in lineage:
            for key in (b'conflict.' + direction, b'conflict'):
                value = cfg.get(sec, key)
                if value is None or not value.strip():
                    continue
                where = cfg.source(sec, key)
                name = handlers.canonical(ui, value.strip(), where)
                res.handlers[direction] = (name, where)
                found = True
                break
            if found:
                break
    res.maxdelete = cfg.maxdelete(res.name)


def validate_main(ui, cfg, handlers):
    """check the main section's handler names even with no resources"""
    for key in (b'conflict', b'conflict.push', b'conflict.pull'):
        value = cfg.get(configmod.MAIN, key)
        if value is not None and value.strip():
            handlers.canonical(ui, value.strip(), cfg.source(configmod.MAIN, key))


def select(resources, names, cwd):
    """the resources a command acts on, as the whitepaper says

    Named resources; ``all``; with no name, the innermost resource that
    contains the current directory; outside every resource, all of them.
    """
    if names:
        if b'all' in names:
            return list(resources)
        byname = {r.name: r for r in resources}
        chosen = []
        for name in names:
            if name not in byname:
                known = b', '.join(r.name for r in resources) or _(b'none')
                raise error.InputError(
                    _(b'unknown resource: %s') % name,
                    hint=_(b'known resources: %s') % known,
                )
            if byname[name] not in chosen:
                chosen.append(byname[name])
        return chosen
    cwd = os.path.normpath(cwd)
    inner = [r for r in resources if r.contains(cwd)]
    if inner:
        return [max(inner, key=lambda r: len(r.root))]
    return list(resources)

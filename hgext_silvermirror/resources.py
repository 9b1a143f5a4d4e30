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
from mercurial.utils import urlutil

from . import (
    config as configmod,
    confine,
    keep as keepmod,
    redact,
)

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
        # files of at least this many bytes become largefiles; None: off
        self.bigfile = None
        # which big contents of history this node keeps (``keep.parse``)
        self.keep = (keepmod.ALL, None)
        # the path below the base directory, None outside it
        self.relpath = None

    def __repr__(self):
        return '<resource %s at %s>' % (self.name.decode(), self.root.decode())

    def handler(self, direction):
        return self.handlers[direction][0]

    def contains(self, path):
        """is ``path`` inside this resource (children included)?"""
        return _inside(path, self.root)

    def childdirs(self):
        """the children's directories, relative to this resource"""
        return [os.path.relpath(c.root, self.root) for c in self.children]

    def hosturl(self, label):
        return hosturl(label, self.root, self.relpath)

    def entry(self, label):
        """the host entry for ``label`` (configured, or given with -H)"""
        return hostentry(label, self.hosturl(label), _ispath(label))

    def isself(self, entry, node):
        """does ``entry`` name this node's own copy of the resource?"""
        if entry.label == node:
            return True
        return entry.local and _samefile(entry.url, self.root)


def _inside(path, root):
    return path == root or path.startswith(root.rstrip(b'/') + b'/')


def _samefile(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def _isurl(label):
    return b'://' in label


def _ispath(label):
    return not _isurl(label) and label.startswith((b'/', b'~'))


def nodenames(label):
    """the node names a host entry stands for; empty for a disk or a hub

    A bare name (``desktop``, ``me@desktop``) and the host of an ``ssh://``
    URL name a node, under its full and its short name (``desktop.lan``
    is node ``desktop``); a path or an ``http(s)://`` URL names none.
    """
    if _ispath(label):
        return set()
    if _isurl(label):
        u = urlutil.url(label)
        if u.scheme != b'ssh' or not u.host:
            return set()
        host = u.host
    else:
        host = label.rsplit(b'@', 1)[-1]
    names = {host}
    short = host.split(b'.')[0]
    if short and not short.isdigit():
        names.add(short)
    return names


# schemes a resource's path can be appended to
_SCHEMES = (b'ssh', b'http', b'https', b'file')


def hosturl(label, root, relpath):
    """map a host entry to the URL of the resource on that host

    A bare name ``NAME`` gives ``ssh://NAME/`` plus the resource's path
    relative to the base directory (as Unison's ``ssh://host/path``); an
    explicit URL or absolute path is a base to which that relative path is
    appended.  A resource outside the base directory keeps its absolute
    path: ``ssh://NAME//abs/path``, or base + absolute path.  An ssh URL
    without a path is the same host as its bare name.
    """
    if _isurl(label):
        base = label.rstrip(b'/')
        if relpath is None:
            if urlutil.url(label).scheme == b'ssh' and not urlutil.url(label).path:
                return base + b'/' + root
            return base + root
        return base + b'/' + relpath if relpath else base
    if _ispath(label):
        base = os.path.normpath(util.expandpath(label))
        if relpath is None:
            return os.path.normpath(base + root)
        return os.path.join(base, relpath) if relpath else base
    if relpath is None:
        return b'ssh://%s/%s' % (label, root)
    return b'ssh://%s/%s' % (label, relpath)


def _checklabel(cfg, section, label):
    """refuse a host entry hg could not reach, naming where it is"""
    hint = _(b'use a host name, an ssh:// or http:// URL, or an absolute path')
    if _ispath(label):
        return
    if _isurl(label):
        u = urlutil.url(label)
        label = redact.url(label)
        if u.scheme not in _SCHEMES:
            raise cfg.error(
                section,
                b'hosts',
                _(b'invalid host "%s": unsupported scheme %s')
                % (label, u.scheme),
                hint=hint,
            )
        if u.port is not None and not u.port.isdigit():
            raise cfg.error(
                section,
                b'hosts',
                _(b'invalid host "%s": port %s is not a number')
                % (label, u.port),
                hint=_(b'write the port as digits, as in ssh://host:2222/path'),
            )
        return
    bad = [c for c in label.decode('latin-1') if not (c.isalnum() or c in '.-_@')]
    if bad or label.startswith(b'-'):
        raise cfg.error(
            section, b'hosts', _(b'invalid host "%s"') % label, hint=hint
        )


def _relpath(root, basedir):
    if root == basedir:
        return b''
    if _inside(root, basedir):
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


def _checkname(cfg, section):
    if any(not p.strip() for p in section.split(b':')):
        raise cfg.error(
            section,
            None,
            _(b'invalid resource name [%s]') % section,
            hint=_(b'name resources [name] or [parent:name]; the main '
                   b'section is [%s]') % configmod.MAIN,
        )
    if section == b'all':
        raise cfg.error(
            section,
            None,
            _(b'invalid resource name [all]'),
            hint=_(b'rename it: "all" selects every resource'),
        )


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
    failed = set()
    for section in cfg.sections():
        if section.rsplit(b':', 1)[0] in failed:
            # its parent's error says it all
            failed.add(section)
            continue
        try:
            res = _build(ui, cfg, handlers, node, section, byname, roots)
        except error.ConfigError as inst:
            # collecting every problem (mirror-check): go on with the rest
            failed.add(section)
            cfg.report(inst)
            continue
        roots[res.root] = res
        byname[section] = res
        if res.parent is not None:
            res.parent.children.append(res)
        result.append(res)
    return result


def _build(ui, cfg, handlers, node, section, byname, roots):
    """the resource of ``section``; ConfigError if it is wrong"""
    _checkname(cfg, section)
    parent = None
    if b':' in section:
        parentname = section.rsplit(b':', 1)[0]
        parent = byname.get(parentname)
        if parent is None:
            raise cfg.error(
                section,
                None,
                _(b'resource [%s] has no parent section [%s]')
                % (section, parentname),
                hint=_(b'add the section [%s], or rename this one')
                % parentname,
            )
    root = _directory(cfg, section, parent)
    if parent is not None and (
        root == parent.root or not parent.contains(root)
    ):
        raise cfg.error(
            section,
            b'directory',
            _(b'directory %s of [%s] is not inside its parent [%s] (%s)')
            % (root, section, parent.name, parent.root),
            hint=_(b'use a directory relative to the parent\'s'),
        )
    if root in roots:
        raise cfg.error(
            section,
            b'directory',
            _(b'resources [%s] and [%s] have the same directory %s')
            % (roots[root].name, section, root),
            hint=_(b'give each resource its own directory'),
        )
    res = resource(section, root, parent, cfg.source(section, b'directory'))
    res.relpath = _relpath(root, cfg.basedir)
    _inherit(ui, cfg, res, handlers, node)
    return res


def _inherit(ui, cfg, res, handlers, node):
    lineage = configmod.lineage(res.name)
    # hosts: the nearest definition replaces the inherited list
    for sec in lineage:
        labels = cfg.list(sec, b'hosts')
        if labels is None:
            continue
        for label in labels:
            _checklabel(cfg, sec, label)
            entry = res.entry(label)
            if not res.isself(entry, node) and entry not in res.hosts:
                res.hosts.append(entry)
        break
    # ignore: every level adds to what it inherits
    for sec in reversed(lineage):
        patterns = cfg.list(sec, b'ignore') or []
        try:
            # hosts refuse these too: say so here, with the file's line,
            # before anything is created
            confine.checkignore(patterns)
        except error.InputError as inst:
            raise cfg.error(sec, b'ignore', inst.message, hint=inst.hint)
        res.ignore.extend(patterns)
    for direction in DIRECTIONS:
        res.handlers[direction] = _handler(ui, cfg, lineage, direction, handlers)
    res.maxdelete = _value(
        cfg, lineage, b'maxdelete', configmod.parse_maxdelete,
        configmod.DEFAULT_MAXDELETE,
        _(b'maxdelete must be a percentage or "off", not "%s"'),
        _(b'use a share from 0% to 100%, such as 50%, or off'),
    )
    res.bigfile = _value(
        cfg, lineage, b'bigfile', configmod.parse_bigfile, None,
        _(b'bigfile must be a size or "off", not "%s"'),
        _(b'use a size such as 10MB, 500kB or 2GB, or off'),
    )
    res.keep = _value(
        cfg, lineage, b'keep', keepmod.parse, res.keep,
        _(b'keep must be all, current, a number of versions or of days, not "%s"'),
        _(b'use keep = all, keep = current, keep = 5 or keep = 30d'),
    )


def _value(cfg, lineage, key, parse, default, message, hint):
    """``key`` of the nearest section of ``lineage`` as ``parse`` reads it;
    its ValueError is ``message`` % value and ``hint``, at file:line"""
    for sec in lineage:
        value = cfg.get(sec, key)
        if value is None:
            continue
        try:
            return parse(value)
        except ValueError:
            raise cfg.error(sec, key, message % value, hint=hint)
    return default


def _handler(ui, cfg, lineage, direction, handlers):
    """(name, where) of the first conflict.D or conflict, nearest first"""
    for sec in lineage:
        for key in (b'conflict.' + direction, b'conflict'):
            value = cfg.get(sec, key)
            if value is not None and value.strip():
                where = cfg.source(sec, key)
                return handlers.canonical(ui, value.strip(), where), where
    return configmod.DEFAULT_HANDLER, None


def validate_main(ui, cfg, handlers):
    """check the main section's handler names even with no resources"""
    for direction in DIRECTIONS:
        try:
            _handler(ui, cfg, [configmod.MAIN], direction, handlers)
        except error.ConfigError as inst:
            cfg.report(inst)


def select(resources, names, cwd):
    """the resources a command acts on, as the whitepaper says

    Named resources; ``all``; with no name, the innermost resource that
    contains the current directory; outside every resource, all of them.
    The current directory is compared through symlinks too: the shell's
    ``$HOME`` may be a link while the working directory is always real.
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
    real = os.path.realpath(cwd)
    inner = [
        r
        for r in resources
        if r.contains(cwd) or _inside(real, os.path.realpath(r.root))
    ]
    if inner:
        return [max(inner, key=lambda r: len(r.root))]
    return list(resources)

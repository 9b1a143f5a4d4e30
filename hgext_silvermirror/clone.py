# clone.py - hg mirror-clone: a new node in one command
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""a new node in one command

``hg mirror-clone SOURCE`` fetches the SilverMirror file of another node,
writes it to this node's config location and brings every resource meant
for this node into its directory.  The resources come through the sync
engine (a pull): a missing directory is created and filled, an existing
one is adopted exactly as a first sync would adopt it, so nothing here
knows about snapshots or merges.

How the file is found on SOURCE:

- a host name or ``ssh://`` URL: ``hg debugmirrorconfig`` runs there over
  ssh (no repository needed) and tells the node's file, wherever
  ``silvermirror.config`` puts it;
- an ``http(s)://`` URL of a resource on a hub: the ``smconfig`` wire
  command answers with the hub's file;
- a local path: the file itself (a copy on a USB disk).

The host also says where the file lies relative to its base directory.
When that place is inside a resource cloned here, this node's config
location becomes an ``%include`` of the copy in the resource, so later
changes to the file travel with that resource.
"""

import os

from mercurial.i18n import _
from mercurial import (
    cmdutil,
    config as hgconfig,
    error,
    exthelper,
    registrar,
    util,
    wireprotov1server,
)
from mercurial.utils import cborutil, stringutil

from . import (
    config as configmod,
    conflicts,
    host,
    hosts as hostsmod,
    redact,
    report,
    resources as resourcesmod,
    run,
    sync as syncmod,
    wire,
)

eh = exthelper.exthelper()
command = registrar.command  # for the category constants

INCLUDE_HEADER = b'# written by hg mirror-clone: the file travels in resource %s\n'


# the password of a URL: what follows ``user:`` up to the host's ``@``
_PASSWORDRE = util.re.compile(
    br'([a-zA-Z][a-zA-Z0-9+.-]*://[^\s/@:]*):[^\s/]*@'
)


def configinfo(ui):
    """this node's SilverMirror file, as a node being cloned from it needs

    The file as this node reads it: an ``%include`` stub (what mirror-clone
    writes) stands for the file it includes, and any other ``%include`` is
    written out in place, since the text must parse alone on the node that
    gets it.  Passwords in host URLs are left out (``withoutpasswords``).
    """
    cfg = configmod.load(ui)
    try:
        path, data = _effective(cfg.path)
    except FileNotFoundError:
        raise error.Abort(
            _(b'node %s has no SilverMirror file') % configmod.nodename(ui),
            hint=_(b'clone from a node that has one (%s)') % cfg.path,
        )
    data = withoutpasswords(data)
    real = os.path.realpath(path)
    base = os.path.realpath(cfg.basedir)
    relpath = os.path.relpath(real, base) if real.startswith(base + b'/') else b''
    return {b'node': configmod.nodename(ui), b'data': data, b'relpath': relpath}


def withoutpasswords(data):
    """``data`` with every URL's password removed, its user kept

    A node being cloned needs to know its hosts, not this node's secrets:
    whoever may read the file (any reader of a hub) would otherwise get
    them.  A URL without its password still reaches the host, with the
    credentials of the new node (``[auth]`` in its hgrc, or a prompt); a
    masked one would be taken for the password itself.
    """
    return _PASSWORDRE.sub(br'\1@', data)


def _stubtarget(data):
    """the file a stub includes, if ``data`` is nothing else (else None)"""
    target = None
    for line in data.splitlines():
        if not line.strip() or line.startswith((b'#', b';')):
            continue
        m = configmod._INCLUDERE.match(line)
        if m is None or target is not None:
            return None
        target = util.expandpath(m.group(1))
    return target


def _effective(path):
    """(path, text) of the file ``path`` stands for, includes written out"""
    seen = set()
    data = util.readfile(path)
    target = _stubtarget(data)
    while target is not None and path not in seen:
        seen.add(path)
        path = os.path.normpath(os.path.join(os.path.dirname(path), target))
        data = util.readfile(path)
        target = _stubtarget(data)
    return path, _inline(path, data, {path})


def _inline(path, data, reading):
    """``data`` with each ``%include`` replaced by the file's text

    The lines after an include belong to the section before it, as hg
    reads them: its header is repeated.  ``configmod.load`` has already
    refused a missing file or a file that includes itself.
    """
    out = []
    section = None
    for line in data.splitlines(True):
        m = configmod._INCLUDERE.match(line)
        if m is None:
            m = configmod._SECTIONRE.match(line)
            if m is not None:
                section = m.group(1)
            out.append(line)
            continue
        inc = os.path.normpath(
            os.path.join(os.path.dirname(path), util.expandpath(m.group(1)))
        )
        if inc in reading:
            continue
        text = _inline(inc, util.readfile(inc), reading | {inc})
        out.append(text if text.endswith(b'\n') or not text else text + b'\n')
        if section is not None:
            out.append(b'[%s]\n' % section)
    return b''.join(out)


@eh.uisetup
def _uisetup(ui):
    # a hub answers over http; reading the file needs only pull permission
    if b'smconfig' not in wireprotov1server.commands:
        serve = wire._serve(host.operation(lambda repo, args: configinfo(repo.ui)))
        wireprotov1server.wireprotocommand(
            b'smconfig', wire.ARGS, permission=b'pull'
        )(serve)


@eh.command(
    b'debugmirrorconfig',
    cmdutil.formatteropts,
    b'',
    norepo=True,
)
def debugmirrorconfig(ui, **opts):
    """show this node's SilverMirror file as mirror-clone fetches it over ssh"""
    info = configinfo(ui)
    with ui.formatter(b'debugmirrorconfig', {b'template': opts.get('template')}) as fm:
        fm.startitem()
        fm.write(b'node', b'node: %s\n', info[b'node'])
        fm.write(b'relpath', b'path in basedir: %s\n', info[b'relpath'] or b'-')
        fm.write(b'data', b'%s', info[b'data'])


def _islocal(source):
    return b'://' not in source and (
        source.startswith((b'/', b'~', b'.')) or b'/' in source or os.path.exists(source)
    )


def _sourceentry(source):
    """a host entry for SOURCE: a bare name is reached over ssh"""
    url = source if b'://' in source else b'ssh://%s/' % source
    return resourcesmod.hostentry(source, url, False)


def fetch(ui, source, timeout):
    """(node, data, relpath) of the SilverMirror file offered by SOURCE"""
    if _islocal(source):
        path = os.path.abspath(util.expandpath(source))
        try:
            with open(path, 'rb') as fp:
                data = fp.read()
        except OSError as inst:
            raise error.Abort(
                _(b'cannot read SilverMirror file %s: %s')
                % (path, stringutil.forcebytestr(inst.strerror)),
                hint=_(b'give the path of the file itself, e.g. on a mounted disk'),
            )
        return None, data, _diskrelpath(ui, path, data)
    entry = _sourceentry(source)
    if entry.url.startswith(b'ssh://'):
        sshcmd = hostsmod.sshcommand(ui, timeout, True, entry.url)
        ok, out = hostsmod._sshrun(
            ui, entry, sshcmd, timeout, b'debugmirrorconfig -T cbor --cwd', output=True
        )
        if not ok:
            raise error.Abort(
                _(b'cannot fetch the SilverMirror file from %s: %s') % (source, out),
                hint=_(b'the node needs ssh access and the extension enabled'),
            )
        info = _decodeitem(out)
    else:
        try:
            conn = hostsmod.connect(ui, entry, timeout, batch=True, create=False)
            if conn is None:
                raise error.Abort(_(b'no repository at %s') % entry.url)
            try:
                info = conn.call(b'smconfig', {})
            finally:
                conn.close()
        except hostsmod.ERRORS as inst:
            raise error.Abort(
                _(b'cannot fetch the SilverMirror file from %s: %s')
                % (source, hostsmod.reason(inst)),
                hint=getattr(inst, 'hint', None),
            )
    if not (
        isinstance(info, dict)
        and isinstance(info.get(b'data'), bytes)
        and all(isinstance(info.get(k), (bytes, type(None))) for k in (b'node', b'relpath'))
    ):
        raise error.Abort(_(b'unexpected answer from %s') % source)
    return info.get(b'node'), info[b'data'], info.get(b'relpath') or None


def _decodeitem(out):
    """the one item of ``-T cbor`` output, or None

    hg's cbor formatter writes an indefinite-length array, which cborutil
    does not decode; the item inside is an ordinary map.
    """
    out = out.strip()
    if not (out.startswith(cborutil.BEGIN_INDEFINITE_ARRAY) and out.endswith(cborutil.BREAK)):
        return None
    try:
        values = cborutil.decodeall(out[1:-1])
    except cborutil.CBORDecodeError:
        return None
    return values[0] if len(values) == 1 else None


def _diskrelpath(ui, path, data):
    """where a file on a disk lies under the disk's host base directory

    The disk is a host of the file it carries (``hosts = /media/usb/m``),
    so the file's place relative to that base is its place relative to
    every node's base directory.
    """
    cfg = _parse(ui, data, path)
    real = os.path.realpath(path)
    for section in [configmod.MAIN] + cfg.sections():
        for label in cfg.list(section, b'hosts') or []:
            if not label.startswith((b'/', b'~')):
                continue
            base = os.path.realpath(util.expandpath(label))
            if real.startswith(base + b'/'):
                return os.path.relpath(real, base)
    return None


def _parse(ui, data, path):
    cfg = hgconfig.config()
    cfg.parse(path, data)
    return configmod.mirrorconfig(path, cfg, configmod.home())


def _hasfiles(path):
    return os.path.isdir(path) and bool(os.listdir(path))


def _configtext(cfg, target, owner, data):
    """what this node's config location receives"""
    if owner is None or target == cfg.path:
        return data
    where = os.path.dirname(cfg.path)
    rel = target
    if target.startswith(where + b'/'):
        rel = os.path.relpath(target, where)
    return INCLUDE_HEADER % owner.name + b'%%include %s\n' % rel


@eh.command(
    b'mirror-clone',
    cmdutil.dryrunopts,
    _(b'[-n] SOURCE'),
    helpcategory=command.CATEGORY_REMOTE_REPO_MANAGEMENT,
    norepo=True,
)
def mirrorclone(ui, source, **opts):
    """make this machine a node: fetch the SilverMirror file, clone resources

    SOURCE is another node: a host name or ``ssh://`` URL (its SilverMirror
    file is read over ssh, wherever it keeps it), an ``http(s)://`` URL of
    a resource on a hub, or the path of a SilverMirror file (a copy on a
    USB disk that is itself a host).

    The file is written to this node's config location (``~/.silvermirror``
    or ``silvermirror.config``). When it lies inside a resource on SOURCE,
    that location only ``%include``\\ s the copy in the resource, so that
    later changes arrive with each sync.

    Then every resource meant for this node is pulled from its hosts. A
    host entry names a node when it is a bare name (``desktop``,
    ``me@desktop``) or an ``ssh://`` URL (``ssh://desktop/``,
    ``ssh://desktop.lan//srv/m``: node ``desktop``); a path
    (``/media/usb``) or an ``http(s)://`` URL (a hub) names no node. A
    resource is meant for this node (``silvermirror.name``, else the short
    host name) when its ``hosts`` name it; a top-level resource whose
    ``hosts`` name no node at all is meant for every node (a hub or a
    disk serves everyone). A namespaced resource (``[docs:private]``) is
    meant only for the nodes its ``hosts`` (or, without its own, its
    parent's) name: whatever hubs and disks it lists, it never reaches a
    node it does not name. A missing directory is created; an existing one
    is adopted as by a first sync: its files are recorded and merged,
    never overwritten.

    SOURCE serves its file as it reads it (an ``%include`` is followed)
    and never its secrets: the password of a host URL
    (``https://me:secret@hub/``) is left out, the user kept, so this node
    reaches that host with its own credentials (``[auth]`` in its hgrc).

    ``--dry-run`` shows the plan and changes nothing.

    Afterwards :hg:`mirror-push` works on this node.

    Returns 0 when every resource came from every host, 1 when a host was
    unreachable or failed (run :hg:`mirror-pull` later), 255 on error.
    """
    node = configmod.nodename(ui)
    path = configmod.configpath(ui)
    timeout = configmod.DEFAULT_TIMEOUT
    srcnode, data, relpath = fetch(ui, util.expandpath(source), timeout)
    cfg = _parse(ui, data, path)
    timeout = cfg.timeout
    resourcesmod.validate_main(ui, cfg, conflicts.handlers)
    resources = resourcesmod.build(ui, cfg, conflicts.handlers, node)
    chosen = [r for r in resources if r.hosts and syncmod.meantfor(cfg, r, node)]
    target = os.path.join(cfg.basedir, relpath) if relpath else None
    owner = None
    if target is not None:
        inner = [r for r in chosen if r.contains(target)]
        owner = max(inner, key=lambda r: len(r.root)) if inner else None
    if not chosen:
        raise error.InputError(
            _(b'no resource of %s is meant for node %s') % (source, node),
            hint=_(b"add '%s' to the hosts of a resource there, or set "
                   b"silvermirror.name") % node,
        )
    text = _configtext(cfg, target, owner, data)
    adopted = owner is not None and target == path
    if os.path.lexists(path) and not adopted and util.readfile(path) != text:
        raise error.StateError(
            _(b'SilverMirror file %s already exists') % path,
            hint=_(b'move it away, or clone with --config silvermirror.config=OTHER'),
        )
    ui.status(_(b'SilverMirror file from %s\n') % redact.url(srcnode or source))
    for res in resources:
        if res not in chosen:
            ui.note(
                _(b'%s: not for %s (hosts: %s)\n')
                % (res.name, node, b' '.join(map(redact.url, syncmod.hostlabels(cfg, res))))
            )
    if opts.get('dry_run'):
        return _plan(ui, cfg, chosen, path, text, owner)
    included = target if owner is not None else None
    with ui.formatter(b'mirror', {}) as fm:
        return report.results(
            ui,
            fm,
            b'pull',
            lambda listener: _clone(ui, cfg, chosen, path, text, included, data, listener),
        )


def _clone(ui, cfg, chosen, path, text, included, data, listener):
    """pull each chosen resource, yielding its result; then write the file

    The file is written once the resources are here: ``text`` includes
    the copy ``included`` in a resource, and when the pull brought no
    such copy, the file is written whole (``data``).
    """
    for res in chosen:
        if not os.path.isdir(res.root):
            util.makedirs(res.root)
        elif _hasfiles(res.root) and not os.path.isdir(os.path.join(res.root, b'.hg')):
            ui.status(_(b'%s: adopting existing directory %s\n') % (res.name, res.root))
        sopts = syncmod.options(direction=b'pull', listener=listener)
        yield run.syncone(ui, cfg, res, sopts, alone=len(chosen) == 1)
    if included is not None and not os.path.isfile(included):
        text = data
    if not os.path.lexists(path) or util.readfile(path) != text:
        util.makedirs(os.path.dirname(path))
        util.writefile(path, text)
        ui.status(_(b'wrote SilverMirror file %s\n') % path)


def _plan(ui, cfg, chosen, path, text, owner):
    if owner is not None and text.startswith(b'#'):
        ui.write(
            _(b'would write %s, including the file in resource %s\n')
            % (path, owner.name)
        )
    elif owner is None:
        ui.write(_(b'would write SilverMirror file %s\n') % path)
    for res in chosen:
        hosts = b', '.join(redact.url(h.label) for h in res.hosts) or _(b'no hosts')
        if os.path.isdir(os.path.join(res.root, b'.hg')):
            verb = _(b'would sync existing repository')
        elif _hasfiles(res.root):
            verb = _(b'would adopt existing directory')
        else:
            verb = _(b'would clone into')
        ui.write(b'%s: %s %s from %s\n' % (res.name, verb, res.root, hosts))
    return 0

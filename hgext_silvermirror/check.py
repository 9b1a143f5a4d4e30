# check.py - hg mirror-check: everything that stands in a sync's way
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``hg mirror-check``: the configuration and every host, all at once

A sync stops at the first bad line of the configuration and reports each
host as it meets it; a newcomer fixing a setup wants the whole list.
This command collects every problem of the SilverMirror file and of the
hgrc's ``[silvermirror]`` section, then asks each host of each selected
resource how it stands, changing nothing anywhere.  It is its own
command rather than an option of ``mirror-status``: it works when the
configuration is too broken to list resources, and its exit status says
whether anything is wrong.
"""

import os

from mercurial.i18n import _
from mercurial import (
    cmdutil,
    encoding,
    error,
    exthelper,
    pycompat,
    registrar,
)
from mercurial.repo import factory as repo_factory

from . import (
    config as configmod,
    conflicts,
    hosts as hostsmod,
    identity,
    recovery,
    resources as resourcesmod,
    sync as syncmod,
    wire,
)
from .statcache import fsmonitorauto

eh = exthelper.exthelper()
command = registrar.command

OK = b'ok'
PROBLEM = b'problem'


class finding:
    """one line of the report: a thing looked at and how it stands"""

    def __init__(self, kind, status, message, hint=None, where=None,
                 resource=None, host=None, url=None):
        self.kind = kind
        self.status = status
        self.message = message
        self.hint = hint
        self.where = where
        self.resource = resource
        self.host = host
        self.url = url
        self.state = None


def configuration(ui):
    """(config or None, resources, findings) with every problem found"""
    problems = []
    cfg, resources = None, []
    try:
        cfg = configmod.load(ui, problems=problems)
        resourcesmod.validate_main(ui, cfg, conflicts.handlers)
        resources = resourcesmod.build(ui, cfg, conflicts.handlers)
        # read when a resource's repository opens: a bad value would stop
        # the check there
        fsmonitorauto.mode(ui)
    except error.ConfigError as inst:
        # the file cannot be parsed past this point
        problems.append(inst)
    except error.Abort as inst:
        problems.append(error.ConfigError(inst.message, hint=inst.hint))
    found = [
        finding(b'config', PROBLEM, p.message, p.hint, where=p.location)
        for p in problems
    ]
    if cfg is not None and not cfg.exists:
        nofile = configmod.nofile(cfg.path)
        found.append(finding(b'config', PROBLEM, nofile.message, nofile.hint))
    if cfg is not None and not found:
        found.append(
            finding(b'config', OK, _(b'%s: %d resources') % (cfg.path, len(resources)))
        )
    return cfg, resources, found


def _local(ui, cfg, res, node):
    """the node itself: is it among the hosts, and its repository"""
    labels = syncmod.hostlabels(cfg, res)
    among = node in labels
    f = finding(b'resource', OK, None, resource=res.name, url=res.root)
    if not os.path.isdir(res.root):
        if syncmod.meantfor(cfg, res, node):
            f.status = PROBLEM
            f.message = _(b'directory %s is missing') % res.root
            f.hint = _(b'create or mount it; nothing is synced until it exists')
        else:
            f.message = _(b'not mirrored to %s (its hosts do not name it)') % node
        return f
    if not os.path.isdir(os.path.join(res.root, b'.hg')):
        f.message = _(b'no repository yet (the first sync makes it)')
    else:
        try:
            repo = repo_factory.repository(ui, res.root)
        except error.ConfigError as inst:
            # its hgrc, or what the configuration above says of it
            return _notopened(f, inst)
        f.state = recovery.state(repo)
        _judge(f, f.state)
    if among:
        f.message = _(b'this node (%s) is among its hosts; %s') % (node, f.message)
    elif not syncmod.meantfor(cfg, res, node):
        f.message = _(b'this node (%s) is not among its hosts; %s') % (node, f.message)
    return f


def _notopened(f, inst):
    """``f``, a repository whose configuration stopped it opening"""
    f.status, f.message, f.hint = PROBLEM, _(b'not opened: %s') % inst.message, inst.hint
    return f


def _judge(f, state):
    """fill ``f`` from a repository's ``recovery.state``"""
    parts = [_(b'%d changesets') % state[b'changesets']]
    if not state[b'changesets']:
        parts = [_(b'empty repository')]
    if state[b'locked']:
        f.status = PROBLEM
        parts.append(_(b'locked by %s') % state[b'locked'])
        f.hint = _(b'a sync is running there, or one died: the next sync '
                   b'frees a dead one\'s lock')
    if state[b'interrupted']:
        f.status = PROBLEM
        parts.append(
            _(b'interrupted %s') % b', '.join(state[b'interrupted'])
        )
        f.hint = _(b'the next sync repairs it')
    f.message = b', '.join(parts)


def _host(ui, cfg, res, entry, client):
    """reach one host, changing nothing: a finding"""
    f = finding(b'host', OK, None, resource=res.name, host=entry.label, url=entry.url)
    try:
        conn = hostsmod.connect(ui, entry, cfg.timeout, batch=True, create=False)
    except hostsmod.Unreachable as inst:
        f.status, f.message, f.hint = PROBLEM, _(b'unreachable: %s') % inst.message, inst.hint
        return f
    except wire.HostError as inst:
        # reached, but no SilverMirror there
        f.status, f.message, f.hint = PROBLEM, inst.message, inst.hint
        return f
    except error.ConfigError as inst:
        # a local path's repository, opened with this node's configuration
        return _notopened(f, inst)
    if conn is None:
        f.message = _(b'reachable, no repository yet (the first sync makes it)')
        return f
    try:
        args = {b'common': []}
        if client is not None:
            args[b'client'] = client
        reply = conn.call(b'smstatus', args)
    except wire.HostError as inst:
        f.status, f.message, f.hint = PROBLEM, inst.message, inst.hint
        if inst.kind == b'self':
            hr = syncmod.hostresult(res, entry)
            hr.isself(configmod.nodename(ui))
            f.message, f.hint = hr.message, hr.hint
        return f
    except hostsmod.ERRORS as inst:
        f.status, f.message = PROBLEM, pycompat.bytestr(
            getattr(inst, 'message', None) or inst
        )
        return f
    finally:
        conn.close()
    f.state = reply.get(b'state')
    if f.state is None:
        f.message = _(b'reachable (an older SilverMirror: no state given)')
        return f
    _judge(f, f.state)
    f.message = _(b'reachable, %s') % f.message
    return f


def run(ui, names, opts):
    cfg, resources, found = configuration(ui)
    configbad = any(f.status == PROBLEM for f in found)
    selected = []
    if resources:
        try:
            selected = resourcesmod.select(resources, list(names), os.path.normpath(encoding.getcwd()))
        except error.InputError as inst:
            found.append(finding(b'config', PROBLEM, inst.message, inst.hint))
            configbad = True
    node = configmod.nodename(ui)
    for res in selected:
        local = _local(ui, cfg, res, node)
        found.append(local)
        client = None
        if os.path.isdir(os.path.join(res.root, b'.hg')):
            client = identity.token(res.root)
        for entry in syncmod.selecthosts(res, opts.get('host') or []):
            found.append(_host(ui, cfg, res, entry, client))
    with ui.formatter(b'mirror-check', pycompat.byteskwargs(opts)) as fm:
        for f in found:
            _render(ui, fm, f)
    if configbad:
        return 30 if ui.configbool(b'ui', b'detailed-exit-code') else 255
    return 1 if any(f.status == PROBLEM for f in found) else 0


def _render(ui, fm, f):
    fm.startitem()
    fm.data(kind=f.kind, status=f.status, message=f.message, hint=f.hint)
    if f.kind == b'config':
        fm.data(where=f.where)
        if f.status == OK:
            fm.plain(_(b'configuration: %s\n') % f.message)
        else:
            where = _(b' at %s') % f.where if f.where else b''
            fm.plain(
                _(b'configuration%s: %s\n') % (where, f.message),
                label=b'silvermirror.failed',
            )
    else:
        fm.data(resource=f.resource, host=f.host, url=f.url)
        if f.state is not None:
            fm.data(
                changesets=f.state[b'changesets'],
                locked=f.state[b'locked'],
                interrupted=fm.formatlist(f.state[b'interrupted'], name=b'kind'),
            )
        who = f.resource if f.host is None else b'%s: %s' % (f.resource, f.host)
        label = b'silvermirror.synced' if f.status == OK else b'silvermirror.failed'
        fm.plain(b'%s: %s\n' % (who, f.message), label=label)
    if f.hint and f.status != OK:
        fm.plain(b'  (%s)\n' % f.hint)


@eh.command(
    b'mirror-check',
    [
        (b'H', b'host', [], _(b'check this host only'), _(b'HOST')),
    ]
    + cmdutil.formatteropts,
    _(b'[-H HOST]... [RESOURCE]...'),
    helpcategory=command.CATEGORY_REMOTE_REPO_MANAGEMENT,
    helpbasic=True,
    norepo=True,
)
def mirrorcheck(ui, *names, **opts):
    """check the configuration and every host, changing nothing

    Run it after writing or changing the SilverMirror file, or when a sync
    does not do what you expect. Unlike a sync, which stops at the first
    mistake, it lists every problem of the SilverMirror file and of the
    ``[silvermirror]`` section of your hgrc at once (misspelled options
    and sections, end-of-line comments, values that do not parse), each
    with its file and line and what to do.

    Then, for each selected resource (chosen as for :hg:`mirror-push`):

    - this node: whether its name (``silvermirror.name``) is among the
      resource's hosts, whether the directory exists, and its repository:
      how many changesets, held by a lock, or left interrupted;
    - each host: whether it is reachable within ``timeout``, whether it
      has the extension enabled, whether it is in fact this very node
      (a wrong ``silvermirror.name``), and its repository the same way.

    Nothing is created, recorded or repaired, here or on a host; ssh never
    prompts for a password.

    ``-T json`` gives one record per line of the report, with the keys
    ``kind`` (``config``, ``resource`` or ``host``), ``status`` (``ok`` or
    ``problem``), ``message``, ``hint``, ``where`` (config), ``resource``,
    ``host``, ``url``, and for a repository ``changesets``, ``locked`` and
    ``interrupted``.

    .. container:: verbose

      Examples:

      - check everything::

          hg mirror-check

      - check one host of one resource::

          hg mirror-check docs -H desktop

    Returns 0 when nothing is wrong, 1 when a resource or host has a
    problem (unreachable, extension missing, locked, interrupted, a
    missing directory), and 255 (30 with ``ui.detailed-exit-code``) when
    the configuration has one.
    """
    return run(ui, names, opts)

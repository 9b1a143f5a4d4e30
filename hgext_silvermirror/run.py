# run.py - the engine's entry for many resources
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the engine's entry for many resources

Every caller that syncs (the commands, the daemon, mirror-clone, the
hooks) loads the SilverMirror file here, orders the resources here and
gets one result per resource from here, so that a resource that stops on
an error is reported the same way whoever asked.  Nothing here renders:
``report`` does.
"""

import os

from mercurial import error

from . import (
    bigfiles,
    budget,
    config as configmod,
    conflicts,
    redact,
    resources as resourcesmod,
    sync as syncmod,
    snapshot as snapshotmod,
)


def loadconfig(ui):
    """the SilverMirror file and its resources, all validated"""
    cfg = configmod.load(ui)
    resourcesmod.validate_main(ui, cfg, conflicts.handlers)
    return cfg, resourcesmod.build(ui, cfg, conflicts.handlers)


def home(cfg, selected):
    """the innermost selected resource holding the SilverMirror file"""
    inner = [r for r in selected if r.contains(cfg.path)]
    return max(inner, key=lambda r: len(r.root)) if inner else None


def ordered(cfg, selected):
    """the selected resources, the one holding the SilverMirror file first"""
    first = home(cfg, selected)
    return ([first] if first else []) + [r for r in selected if r is not first]


def syncone(ui, cfg, res, sopts, alone=False):
    """sync one resource; its ``resourceresult`` whatever happens

    An abort becomes the result's error, so that the other resources go
    on.  ``alone``: the resource is the only one of the run; its abort is
    the run's, kept in ``result.aborted`` for the caller to raise once
    what the sync did before it is rendered.
    """
    result = syncmod.resourceresult(res)
    try:
        return syncmod.sync(ui, cfg, res, sopts, result)
    except error.Abort as inst:
        if alone:
            result.aborted = inst
        else:
            result.error = redact.text(inst.message)
            result.hint = redact.text(inst.hint)
        return result


def syncall(ui, cfg, selected, sopts, reselect):
    """sync the selected resources, yielding each result

    The SilverMirror file travels with a resource: that one syncs first,
    then the file is read again and ``reselect(resources)`` chooses among
    the new resources, so that the others sync with its newest version.
    """
    first = home(cfg, selected)
    if first is not None and len(selected) > 1 and not sopts.dryrun:
        yield syncone(ui, cfg, first, sopts)
        cfg, resources = loadconfig(ui)
        selected = [r for r in reselect(resources) if r.name != first.name]
    for res in selected:
        yield syncone(ui, cfg, res, sopts, alone=len(selected) == 1)


def localstatus(ui, res):
    """the local facts about a resource, reading but never recording"""
    from mercurial.repo import factory as repo_factory

    info = {
        b'repository': False,
        b'uncommitted': 0,
        b'nested': [],
        b'conflictcopies': [],
    }
    if not os.path.isdir(os.path.join(res.root, b'.hg')):
        return info
    repo = repo_factory.repository(ui, res.root)
    info[b'repository'] = True
    snap = snapshotmod.snapshot(
        repo,
        configmod.nodename(ui),
        ignore=res.ignore,
        children=res.childdirs(),
        maxdelete=None,
        dryrun=True,
    )
    info[b'uncommitted'] = snap.changes
    info[b'nested'] = snap.nested
    info[b'conflictcopies'] = sorted(
        f for f in repo[None] if b'.conflict-' in f.rsplit(b'/', 1)[-1]
    )
    if bigfiles.enabled(repo):
        stored, spare = budget.candidates(repo, res.keep)
        info[b'bigfiles'] = (
            len(stored), sum(c.size for c in stored), len(spare), sum(c.size for c in spare)
        )
    return info

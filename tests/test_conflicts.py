"""every handler, every kind of conflict: both versions stay in history

A handler chooses what the working copy shows, never what is kept.  For
each handler and each kind of conflict (text, binary, change/delete both
ways, add/add) a real two-node conflict is synced, then:

- both versions are in history (contents read from every revision, a
  deletion as a revision that removes the file), and the restore command
  of the report brings the replaced version back into the working copy;
- no committed file holds conflict markers;
- the working copy shows what the handler promises, identical on both
  nodes, with no merge left unresolved.
"""

import json
import os
import re

import pytest

import invariants

MARKERS = re.compile(rb'^(<<<<<<<|>>>>>>>)', re.MULTILINE)

# file -> (base, local, other); None: no such file on that side
KINDS = {
    'text.txt': (b'base\n', b'alpha\n', b'beta\n'),
    'clean.txt': (b'1\n2\n3\n4\n', b'1 alpha\n2\n3\n4\n', b'1\n2\n3\n4 beta\n'),
    'binary.bin': (b'\0base', b'\0alpha', b'\0beta'),
    'changed-deleted.txt': (b'base\n', b'alpha\n', None),
    'deleted-changed.txt': (b'base\n', None, b'beta\n'),
    'addadd.txt': (None, b'alpha\n', b'beta\n'),
}

HANDLERS = ['ClobberRemote', 'ClobberLocal', 'Merge', 'KeepBoth', 'Prompt', 'Concatenate']


def expected(handler, kind):
    """what ``handler`` shows for ``kind``: (at the path, in a conflict copy)"""
    _base, local, other = KINDS[kind]
    if local is None or other is None:
        if handler == 'ClobberRemote':
            return local, None
        if handler == 'ClobberLocal':
            return other, None
        # everything else keeps the changed file
        return local or other, None
    if handler == 'ClobberRemote':
        return local, None
    if handler == 'ClobberLocal':
        return other, None
    if handler == 'Merge' and kind == 'clean.txt':
        return b'1 alpha\n2\n3\n4 beta\n', None
    if handler == 'Concatenate' and kind != 'binary.bin':
        return local + other, None
    return local, other


def _write(node, path, data):
    if data is None:
        os.unlink(node.path('docs', path))
    else:
        node.write('docs/' + path, data)


@pytest.fixture
def conflicted(mknode):
    """alpha and beta (reached by its path) with one conflict of each kind"""
    alpha, beta = mknode('alpha'), mknode('beta')
    alpha.config('[::SilverMirror::]\nhosts = %s\n[docs]\n' % beta.home)
    for path, (base, _local, _other) in KINDS.items():
        if base is not None:
            alpha.write('docs/' + path, base)
    alpha.hg('mirror-push', '-q', 'docs', check=0)
    for path, (_base, local, other) in KINDS.items():
        _write(alpha, path, local)
        _write(beta, path, other)
    return alpha, beta


def sync(alpha, handler):
    """one sync with ``handler``; its conflict records by path"""
    proc = alpha.hg(
        'mirror-push', '-d', handler, '-T', 'json',
        '--config', 'ui.message-output=stderr',
        'docs', check=0,
    )
    assert b'devel-warn' not in proc.stderr, proc.stderr
    (record,) = json.loads(proc.stdout)
    return {c['path']: c for c in record['conflicts']}


@pytest.mark.parametrize('handler', HANDLERS)
def test_both_versions_kept(conflicted, handler):
    alpha, beta = conflicted
    records = sync(alpha, handler)
    assert sorted(records) == sorted(KINDS)
    roots = [alpha.path('docs'), beta.path('docs')]
    histories = [invariants.history(root) for root in roots]
    tree = invariants.tree(alpha.path('docs'))

    # no conflict markers anywhere in history or in the working copies
    for found in histories:
        for path, data in found:
            assert not MARKERS.search(data), path
    for path, (_kind, data, _x) in tree.items():
        assert not MARKERS.search(data or b''), path

    # the same files everywhere, all committed, nothing left unresolved
    assert invariants.identical(roots)
    for root in roots:
        assert invariants.leftovers(root) == []

    # the files some revision deletes, on each node
    removals = [
        set(node.hg('log', '-T', '{file_dels % "{file}\\n"}', cwd=node.path('docs'),
                    check=0).stdout.decode().split())
        for node in (alpha, beta)
    ]

    for kind, (_base, local, other) in KINDS.items():
        rec, bkind = records[kind], kind.encode()
        assert rec['handler'] == handler, kind

        # both versions in every node's history; a deletion as a
        # revision that removes the file
        for found in histories:
            contents = {d for p, d in found if invariants.origin(p) == bkind}
            for version in (local, other):
                assert version is None or version in contents, (kind, version)
        for removed in removals:
            assert (kind in removed) == (None in (local, other)), kind

        # the working copy per the handler
        shown, copy = expected(handler, kind)
        assert tree.get(bkind, (None, None))[1] == shown, kind
        copies = {p: d for p, (_k, d, _x) in tree.items()
                  if p != bkind and invariants.origin(p) == bkind}
        assert list(copies.values()) == ([copy] if copy else []), kind
        assert rec['copy'] == (next(iter(copies)).decode() if copies else None)

        # the restore command of the report brings back the replaced version
        if rec['restore']:
            cmd = rec['restore'].split()
            assert cmd[:3] == ['hg', 'mirror-restore', '-r'] and cmd[4:] == ['path:' + kind]
            alpha.hg(*cmd[1:], cwd=alpha.path('docs'))
            with open(alpha.path('docs', kind), 'rb') as fp:
                restored = fp.read()
            assert restored in (local, other) and restored != shown, kind
        else:
            # nothing replaced: the other version is a copy, a deletion or merged in
            assert copy or None in (local, other) or shown not in (local, other), kind


def test_copy_name(conflicted):
    """NAME.conflict-HOST-YYYYMMDD-HHMMSS.EXT, sortable, after the host"""
    alpha, _beta = conflicted
    records = sync(alpha, 'KeepBoth')
    assert records['text.txt']['copy'] == 'text.conflict-beta-19700101-000000.txt'
    assert records['binary.bin']['copy'] == 'binary.conflict-beta-19700101-000000.bin'


def test_prompt_without_answers_never_hangs(conflicted):
    """an interactive Prompt whose terminal closes keeps both"""
    alpha, _beta = conflicted
    proc = alpha.hg(
        'mirror-push', '-d', 'Prompt', '--config', 'ui.interactive=true',
        'docs', check=0, input=b'', timeout=60,
    )
    assert proc.stdout.count(b'kept both, no answer (Prompt)') == 4
    assert invariants.leftovers(alpha.path('docs')) == []


# what a dry run's plan says a handler would do -> the outcome a sync reports
FORESEEN = {
    'keep local': 'kept local',
    'keep the local deletion': 'kept local deletion',
    'take remote': 'took remote',
    'take the remote deletion': 'took remote deletion',
}


@pytest.mark.parametrize('handler', ['ClobberRemote', 'ClobberLocal', 'KeepBoth'])
def test_dry_run_foresees_the_conflicts(conflicted, handler):
    """the plan names the files the sync then finds in conflict, and changes nothing"""
    alpha, beta = conflicted
    roots = [alpha.path('docs'), beta.path('docs')]
    before = [invariants.history(root) for root in roots]
    proc = alpha.hg(
        'mirror-push', '-n', '-d', handler, '-T', 'json',
        '--config', 'ui.message-output=stderr', 'docs',
    )
    assert b'devel-warn' not in proc.stderr, proc.stderr
    (record,) = json.loads(proc.stdout)
    assert record['status'] == 'would sync'
    planned = {c['path']: c for c in record['plan']['conflicts']}
    assert [invariants.history(root) for root in roots] == before
    for node in (alpha, beta):
        status = node.hg('status', cwd=node.path('docs')).stdout
        assert status, node.name
    sides = {
        kind: (
            'removed' if local is None else ('added' if base is None else 'modified'),
            'removed' if other is None else ('added' if base is None else 'modified'),
        )
        for kind, (base, local, other) in KINDS.items()
    }
    assert {p: (c['local'], c['other']) for p, c in planned.items()} == sides

    records = sync(alpha, handler)
    assert sorted(planned) == sorted(records)
    for path, c in planned.items():
        outcome = records[path]['outcome']
        if c['decision'] in FORESEEN:
            assert FORESEEN[c['decision']] == outcome, path
        elif c['copy']:
            assert outcome == 'kept both' and records[path]['copy'], path

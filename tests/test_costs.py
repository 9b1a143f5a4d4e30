"""a sync costs what changed: status walks and files read again

Counted in-process (hosts are local paths, so both sides run here) by
wrapping hg's dirstate walk: how many walks of the whole working copy
each sync makes, and how many files hg had to read because it had no
size and mtime on record.  The benchmark measures the time; these keep
the design from sliding back.
"""

import collections
import contextlib
import os
import subprocess
import sys
import time

import pytest

from mercurial import dirstate, extensions, pycompat

import nodes

NFILES = 60
OLD = 1_000_000_000  # an mtime well in the past: never ambiguous


class walks:
    """full status walks and files looked up again, per repository root"""

    def __init__(self):
        self.full = collections.Counter()
        self.lookups = collections.Counter()

    def wrapper(self, orig, ds, match, *args, **kwargs):
        res = orig(ds, match, *args, **kwargs)
        # hg's largefiles, once this process has loaded it for a resource
        # with big files (test_bigfiles), also asks its own dirstate: not
        # a walk of this sync's
        if match.always() and not getattr(ds, '_large_file_dirstate', False):
            root = pycompat.fsdecode(ds._root)
            self.full[root] += 1
            self.lookups[root] += len(res[0])
        return res


@contextlib.contextmanager
def counting():
    w = walks()
    with extensions.wrappedfunction(dirstate.dirstate, 'status', w.wrapper):
        yield w


@pytest.fixture
def oldfiles(inprocess_pair):
    """a resource of NFILES old files on ``a``, mirrored to the path ``b``"""
    a, b, push = inprocess_pair
    for i in range(NFILES):
        path = os.path.join(a, 'd%d' % (i % 4), 'f%03d.txt' % i)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fp:
            fp.write('file %d\n' % i)
        os.utime(path, (OLD, OLD))
    return a, b, push


def test_a_snapshot_leaves_its_files_known_clean(oldfiles):
    a, _b, push = oldfiles
    push()
    with counting() as w:
        push()
    # nothing changed: one walk here, nothing read again (hg's commit
    # forgets sizes and mtimes; the snapshot records them)
    assert w.full[a] == 1
    assert w.lookups[a] == 0


def _change(root):
    """one file changed in ``root``, at an mtime in the past"""
    path = os.path.join(root, 'd1', 'f001.txt')
    with open(path, 'w') as fp:
        fp.write('changed\n')
    os.utime(path, (OLD + 1, OLD + 1))
    return path


def test_one_file_changed_walks_each_side_once(oldfiles):
    a, b, push = oldfiles
    push()
    push()
    _change(a)
    with counting() as w:
        push()
    with open(os.path.join(b, 'd1', 'f001.txt')) as fp:
        assert fp.read() == 'changed\n'
    # a snapshot on each side; the host's update looks only at the file it
    # writes
    assert w.full[a] == 1
    assert w.full[b] == 1
    assert w.lookups[a] == 0


def test_a_sync_without_big_files_loads_none_of_largefiles(oldfiles):
    """largefiles' modules (and hg's convert, which they import) cost a
    process that has not loaded them time at every sync: chg's forked
    command runs every sync so"""
    from hgext_silvermirror import bigcopy, bigfiles

    a, _b, push = oldfiles
    push()
    _change(a)
    loads = []

    def counted(orig):
        loads.append(orig)
        return orig()

    with extensions.wrappedfunction(bigfiles, '_lf', counted), extensions.wrappedfunction(
        bigcopy, '_lf', counted
    ):
        push()
    assert loads == []


def _hg_status(root):
    """``hg status`` as a user would run it, in this process"""
    from mercurial import ui as uimod

    repo = nodes.repository(root, ui=uimod.ui.load())
    with repo.wlock():
        return repo.status(unknown=True)


def _written_this_second(root, f):
    """did hg record ``f`` without its mtime (written in the current second)?"""
    from hgext_silvermirror.statcache import unsettled

    return unsettled._unsettled(nodes.repository(root).dirstate.get_entry(f))


def _nextsecond():
    """sleep into the next second: what was written is no longer ambiguous"""
    time.sleep(1.05 - time.time() % 1)


def test_the_files_an_update_wrote_are_not_read_again_through_the_manifest(oldfiles):
    a, b, push = oldfiles
    push()
    # the host's first files were written in this second too: hg's own
    # status records them once it is past
    _nextsecond()
    push()
    _change(a)
    push()
    # written on the host in the second its dirstate recorded it: noted
    # with the SHA-1 of the text written, then checked against it before
    # the next status
    note = os.path.join(b, '.hg', 'silvermirror', 'recheck')
    if os.path.exists(note):
        with open(note, 'rb') as fp:
            fields = fp.read().split(b'\0')
        assert fields[fields.index(b'd1/f001.txt') - 1].startswith(b'd')
    _nextsecond()
    with counting() as w:
        push()
    assert w.lookups[b] == 0
    assert w.lookups[a] == 0
    assert not os.path.exists(os.path.join(b, '.hg', 'silvermirror', 'recheck'))


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(oldfiles):
    a, b, push = oldfiles
    push()
    path = _change(a)
    push()
    # hg records a file it wrote with its mtime only once that second is
    # over; a push slower than the second (a loaded machine) leaves it
    # recorded, and then no stat check (hg's, rsync's, Unison's) can see an
    # edit that keeps size and mtime: the case here is the one within it
    if not _written_this_second(b, b'd1/f001.txt'):
        pytest.skip('the update was recorded after its second ended')
    # the host's user edits the file just written, same size, same times
    hostfile = os.path.join(b, 'd1', 'f001.txt')
    st = os.stat(hostfile)
    with open(hostfile, 'w') as fp:
        fp.write('edited!\n')
    os.utime(hostfile, ns=(st.st_atime_ns, st.st_mtime_ns))
    _nextsecond()
    assert _hg_status(b).modified == [b'd1/f001.txt']
    push()
    with open(path) as fp:
        assert fp.read() == 'edited!\n'


def test_a_note_for_another_parent_is_dropped(oldfiles):
    from mercurial import ui as uimod

    from hgext_silvermirror import state
    from hgext_silvermirror.statcache import unsettled as recheck

    a, _b, push = oldfiles
    push()
    repo = nodes.repository(a, ui=uimod.ui.load())
    with repo.wlock():
        ds = repo.dirstate
        f = b'd1/f001.txt'
        with ds.running_status(repo):
            ds.set_possibly_dirty(f)
        recheck.note(repo, repo[b'.'], [f])
        assert repo.vfs.exists(state.RECHECK)
        # the same note, naming another parent
        first, rest = repo.vfs.read(state.RECHECK).split(b'\0', 1)
        repo.vfs.write(state.RECHECK, first[:-40] + b'0' * 40 + b'\0' + rest)
        recheck.settle(repo)
        assert not repo.vfs.exists(state.RECHECK)
        assert recheck._unsettled(ds.get_entry(f))


def test_a_file_committed_within_its_second_is_settled_by_its_times(oldfiles):
    from hgext_silvermirror import state

    a, b, push = oldfiles
    push()
    path = os.path.join(a, 'd2', 'f002.txt')
    with open(path, 'w') as fp:
        fp.write('edit 1\n')
    push()
    if not _written_this_second(a, b'd2/f002.txt'):
        pytest.skip('the commit was recorded after its second ended')
    # the note carries the size, mode and mtime in nanoseconds hg's entry
    # had: the next snapshot need not read the file back from the store
    note = nodes.repository(a).vfs.read(state.RECHECK).split(b'\0')
    assert note[note.index(b'd2/f002.txt') - 1].startswith(b's')
    # an edit of the same size afterwards, even one that puts the mtime
    # back, has a later change time: looked up
    st = os.stat(path)
    with open(path, 'w') as fp:
        fp.write('edit 2\n')
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    _nextsecond()
    push()
    with open(os.path.join(b, 'd2', 'f002.txt')) as fp:
        assert fp.read() == 'edit 2\n'
    with counting() as w:
        push()
    assert w.lookups[a] == 0


def test_the_update_guard_reads_only_files_not_as_recorded(oldfiles):
    from mercurial import ui as uimod
    from mercurial.dirstateutils import timestamp

    from hgext_silvermirror import recovery

    a, _b, push = oldfiles
    push()
    f = b'd1/f001.txt'
    path = os.path.join(a, 'd1', 'f001.txt')
    with open(path, 'w') as fp:
        fp.write('file Y\n')
    _nextsecond()
    push()
    repo = nodes.repository(a, ui=uimod.ui.load())
    with repo.wlock():
        # recorded clean, untouched since: holds the parent's version
        assert recovery._asrecorded(repo, f)
        # an edit of the same size: its mtime is past the recorded one
        st = os.stat(path)
        with open(path, 'w') as fp:
            fp.write('file X\n')
        assert not recovery._asrecorded(repo, f)
        # one that puts the mtime back passes hg's status rule, not the
        # change time
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        entry = repo.dirstate.get_entry(f)
        assert entry.mtime_likely_equal_to(timestamp.mtime_of(os.lstat(path)))
        assert not recovery._asrecorded(repo, f)


@pytest.mark.parametrize('demandimport', [True, False])
def test_fsmonitor_loads_with_chgs_server_not_with_a_plain_hg(demandimport):
    """chg's server imports with demandimport off: fsmonitor's modules are
    then loaded once there, not in each sync's forked command; a plain hg
    does not load them for a resource that does not use them"""
    probe = (
        'import sys, hgdemandimport\n'
        'if %r: hgdemandimport.enable()\n'
        'import hgext_silvermirror\n'
        'print("hgext.fsmonitor.watchmanclient" in sys.modules)\n' % demandimport
    )
    env = {k: v for k, v in os.environ.items() if k not in ('HGDEMANDIMPORT', 'CHGINTERNALMARK')}
    out = subprocess.run(
        [sys.executable, '-c', probe], env=env, capture_output=True, check=True, timeout=60
    ).stdout
    assert out.strip() == (b'False' if demandimport else b'True')

"""the benchmark's big-file scenarios (issue 22), for ``--big``

  initial1GiB   the first mirror of one 1 GiB file (``--big-mib``), the
                hosts' contents and per-user caches emptied before each rep
  append1MiB    1 MiB appended to it (SilverMirror: a largefile is sent
                whole; rsync sends the difference)
  noop10        SilverMirror only: a no-op sync of a resource of small
                files and ten 1 GiB files (``--noop-count``,
                ``--noop-mib``) against the same small files alone (no
                big file may be hashed again: stat data must suffice)
  keepcurrent   SilverMirror only, ``keep = current``: the disk this node
                uses beyond the working copy (``.hg`` and hg's per-user
                cache, hard links counted once; and without the blocks a
                copy-on-write clone shares) after ten edits of each of
                three big files, before and after ``hg mirror-gc``
  initial4GiB   with ``--big4`` (``make bench-big``): the first mirror of a
                4 GiB file, for peak RSS

Each scenario's trees are removed once measured: the disk holds one at a
time.  The hosts run hg under GNU time (as ``--remote-rss``), for the
peak RSS of the host's side.
"""

import copy
import os
import random
import time

import benchmark as B

MIB = 1 << 20


def writebig(path, size, tag):
    """``size`` bytes of deterministic random data, 1 MiB at a time"""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as fp:
        for k in range(size // MIB):
            fp.write(random.Random('%s:%d' % (tag, k)).randbytes(MIB))


def appendbig(path, tag):
    with open(path, 'ab') as fp:
        fp.write(random.Random(tag).randbytes(MIB))


def editbig(path, tag):
    """overwrite one MiB in the middle: a new content of the same size"""
    size = os.path.getsize(path)
    with open(path, 'r+b') as fp:
        fp.seek(random.Random(tag).randrange(0, max(1, size - MIB)))
        fp.write(random.Random(tag + ':data').randbytes(MIB))


def diskuse(*roots):
    """(bytes of the blocks under ``roots``, each inode once; those of
    them no other file shares, as ``filefrag`` sees copy-on-write)"""
    seen, total, own = set(), 0, 0
    for root in roots:
        for d, _dirs, files in os.walk(root):
            for f in files:
                path = os.path.join(d, f)
                st = os.lstat(path)
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
                    own += st.st_blocks * 512 - shared(path)
    return total, own


def shared(path):
    """bytes of ``path``'s extents shared with another file"""
    try:
        lines = B.quick(['filefrag', '-v', path]).stdout.decode().splitlines()
    except (OSError, B.subprocess.SubprocessError):
        return 0
    size = next((int(l.split('blocks of ')[1].split()[0]) for l in lines if 'blocks of ' in l), 4096)
    total = 0
    for line in lines:
        fields = line.split(':')
        if len(fields) >= 5 and fields[0].strip().isdigit() and 'shared' in fields[-1]:
            total += int(fields[3].strip()) * size
    return total


def fsused(path):
    """bytes in use on ``path``'s file system, once written out: what a
    sync adds there, blocks shared by copy-on-write clones counted once"""
    os.sync()
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def usercache(st, node):
    return os.path.join(st.homes[node], '.cache', 'largefiles')


# where a host's remote command adds the bytes it received (``counting``)
BYTESIN = '.bytes-in'


def counting(st):
    """the hosts' remote commands (hg, Unison, rsync), each counting the
    bytes it receives from the client: what a sync sends, whatever the
    tool, before ssh's own framing"""
    for path in (st.hgremote, st.unisonserver, st.rsyncserver):
        with open(path) as fp:
            body = fp.read()
        if BYTESIN in body:
            continue
        body = body.replace('#!/bin/sh\n', '#!/bin/bash\n', 1).replace(
            '\nexec ', '\nexec < <(tee >(wc -c >> "$SM_NODE_HOME/%s")) ' % BYTESIN, 1
        )
        with open(path, 'w') as fp:
            fp.write(body)


def bytesin(st, host='nodeb'):
    """the bytes the host's commands received since the last call: their
    counts are written once each command's input ends"""
    path = os.path.join(st.homes[host], BYTESIN)
    deadline, last = time.monotonic() + 5, None
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:
            with open(path) as fp:
                now = fp.read()
        except FileNotFoundError:
            now = ''
        if now and now == last:
            break
        last = now
    B.rmfile(path)
    return sum(int(n) for n in (last or '').split())


class BigBench:
    def __init__(self, bench):
        self.bench = bench
        self.args = bench.args
        self.out = bench.results['big'] = {'scenarios': {}, 'checks': {}}

    def setup(self, label, extra=''):
        # the host's hg under GNU time, for its peak RSS (issue 22's target)
        args = copy.copy(self.args)
        args.remote_rss = True
        st = B.Setup(self.bench.base, self.bench.server, args, label)
        st.writeconfig(extra='bigfile = %s\n%s' % (self.args.bigfile or '10MB', extra))
        return st

    def done(self, st):
        if self.args.ssh_control:
            st.sshctl_exit()
        B.rmtree(st.dir)

    def reset(self, st, tool):
        st.reset_initial(tool)
        # put aside, as the trees are: no timed run follows a removal
        for node in ('nodea', 'nodeb'):
            st.discard(usercache(st, node))

    def log(self, key, tool, r):
        B.log('%s %-12s %7.2fs rss %d/%d MB' % (key, tool, r.wall, r.maxrss_kb // 1024, (r.remote_kb or 0) // 1024))

    def run(self):
        # a size of 0 leaves its scenario out
        if self.args.big_mib:
            self.initial(self.args.big_mib * MIB, 'initial1GiB', append=True)
        if self.args.noop_count:
            self.noop()
        if self.args.keep_mib:
            self.keepcurrent()
        if self.args.big4:
            self.initial(4 << 30, 'initial4GiB', append=False)

    def initial(self, size, key, append):
        """one big file: first mirror (``--reps``), then a 1 MiB append"""
        B.log('=== %s: one file of %d MiB ===' % (key, size // MIB))
        st = self.setup(key)
        first = os.path.join(st.src('silvermirror'), 'huge.bin')
        writebig(first, size, 'huge')
        for tool in B.TOOLS[1:]:
            B.copytree(st.src('silvermirror'), st.src(tool))
        res = self.out['scenarios'][key] = {}
        for rep in range(self.args.reps):
            for tool in B.TOOLS:
                self.reset(st, tool)
                used = fsused(st.dir)
                r = st.sync(tool, timeout=3600)
                self.bench.record(res, tool, r, key)
                self.log(key, tool, r)
                res[tool].setdefault('disk_added_mb', []).append(round((fsused(st.dir) - used) / MIB))
        self.bench.summarize(res)
        self.out['checks'][key] = self.bench.check(st, key)
        if append:
            res = self.out['scenarios']['append1MiB'] = {}
            counting(st)
            for rep in range(self.args.reps):
                for tool in B.TOOLS:
                    appendbig(os.path.join(st.src(tool), 'huge.bin'), 'append%d' % rep)
                    r = st.sync(tool, timeout=3600)
                    self.bench.record(res, tool, r, 'append1MiB')
                    res[tool].setdefault('bytes_to_host', []).append(bytesin(st))
                    self.log('append1MiB', tool, r)
                    B.log('  %s sent the host %d bytes' % (tool, res[tool]['bytes_to_host'][-1]))
            self.bench.summarize(res)
            for ent in res.values():
                if isinstance(ent, dict) and ent.get('bytes_to_host'):
                    ent['bytes_to_host_median'] = sorted(ent['bytes_to_host'])[len(ent['bytes_to_host']) // 2]
            self.out['checks']['append1MiB'] = self.bench.check(st, 'append1MiB')
        self.done(st)

    def hgsync(self, st, name, cmd=None):
        cmd = (cmd or [B.HG, 'mirror-push']) + ['-H', 'nodeb', name]
        os.sync()
        r = B.run(cmd, env=st.hgenv, cwd=st.homes['nodea'], timeout=3600, logpath=st.logpath)
        r.remote_kb = 0
        return r

    def noop(self):
        """nothing changed, with and without ten big files beside small ones"""
        n, size = self.args.noop_count, self.args.noop_mib * MIB
        key = 'noop%d' % n
        B.log('=== %s: %d small files, with and without %d x %d MiB ===' % (key, 1000, n, size // MIB))
        st = self.setup(key)
        with open(os.path.join(st.homes['nodea'], '.silvermirror'), 'a') as fp:
            fp.write('[small]\n')
        big, small = st.src('silvermirror'), os.path.join(st.homes['nodea'], 'small')
        B.gentree(big, 1000, nbig=0)
        B.copytree(big, small)
        for k in range(n):
            writebig(os.path.join(big, 'big', 'video%02d.bin' % k), size, 'noop%d' % k)
        res = self.out['scenarios'][key] = {}
        for name in ('small', 'res'):
            r = self.hgsync(st, name)
            self.bench.record(res, 'first-' + name, r, key)
            self.log(key + ' first', name, r)
        commands = {'hg': None}
        if self.bench.chg:
            commands['chg'] = [B.SILVERMIRROR, 'push']
            self.bench.chgwarm(st)
        for rep in range(self.args.reps):
            for label, cmd in commands.items():
                for name in ('small', 'res'):
                    r = self.hgsync(st, name, cmd)
                    self.bench.record(res, '%s-%s' % (label, name), r, key)
                    self.log(key, '%s-%s' % (label, name), r)
        self.bench.summarize(res)
        self.done(st)

    def keepcurrent(self):
        """``keep = current``: disk beyond the working copy after ten edits"""
        key, nfiles, size = 'keepcurrent', 3, self.args.keep_mib * MIB
        B.log('=== %s: %d x %d MiB, ten edits each ===' % (key, nfiles, size // MIB))
        st = self.setup(key, extra='keep = current\n')
        src = st.src('silvermirror')
        paths = [os.path.join(src, 'photo%d.raw' % k) for k in range(nfiles)]
        for k, p in enumerate(paths):
            writebig(p, size, 'keep%d' % k)
        res = self.out['scenarios'][key] = {}
        t0 = time.perf_counter()
        for edit in range(11):
            if edit:
                for k, p in enumerate(paths):
                    editbig(p, 'keep%d:%d' % (k, edit))
            r = self.hgsync(st, 'res')
            self.bench.record(res, 'silvermirror', r, key)
        wc = sum(os.path.getsize(p) for p in paths)
        os.sync()
        beyond, _own = diskuse(os.path.join(src, '.hg'), usercache(st, 'nodea'))
        gc = B.run([B.HG, 'mirror-gc', 'res'], env=st.hgenv, cwd=st.homes['nodea'], timeout=600, logpath=st.logpath)
        os.sync()
        after, own = diskuse(os.path.join(src, '.hg'), usercache(st, 'nodea'))
        res['disk'] = {
            'working_copy_bytes': wc,
            'beyond_before_gc_bytes': beyond,
            'beyond_after_gc_bytes': after,
            'beyond_after_gc_unshared_bytes': own,
            'share_before_gc': round(beyond / wc, 4),
            'share_after_gc': round(after / wc, 4),
            'share_after_gc_unshared': round(own / wc, 4),
            'gc_rc': gc.rc,
            'seconds': round(time.perf_counter() - t0, 1),
        }
        B.log('%s: beyond the working copy %.1f%% before gc, %.1f%% after, %.1f%% not shared (gc exit %s)'
              % (key, 100 * beyond / wc, 100 * after / wc, 100 * own / wc, gc.rc))
        self.bench.summarize(res)
        self.done(st)


def table(big):
    """the lines of the report"""
    sc = big['scenarios']
    lines = ['', 'big files (medians): time, peak RSS local/remote']
    for key in ('initial1GiB', 'append1MiB', 'initial4GiB'):
        if key in sc:
            for t in B.TOOLS:
                e = sc[key].get(t)
                if e:
                    disk = e.get('disk_added_mb')
                    sent = e.get('bytes_to_host_median')
                    lines.append(
                        '  %-12s %-12s %9s  %d/%d MB%s%s'
                        % (key, t, B.fmt(e['median']), e['peak_rss_local_mb'], e['peak_rss_remote_mb'],
                           ', disk +%d MB' % max(disk) if disk else '',
                           ', sent %.2f MB' % (sent / MIB) if sent is not None else '')
                    )
    for key, e in sc.items():
        if key.startswith('noop'):
            for label in sorted(k for k in e if isinstance(e[k], dict) and e[k].get('median') is not None):
                lines.append('  %-12s %-12s %9s' % (key, label, B.fmt(e[label]['median'])))
    d = sc.get('keepcurrent', {}).get('disk')
    if d:
        lines.append('  keepcurrent: beyond the working copy %.1f%% before gc, %.1f%% after (%.1f%% not shared)'
                     % (100 * d['share_before_gc'], 100 * d['share_after_gc'], 100 * d['share_after_gc_unshared']))
    return lines


def _med(sc, key, tool):
    return sc.get(key, {}).get(tool, {}).get('median')


def targets(big):
    """issue 22's targets, evaluated on this run"""
    out, sc = [], big['scenarios']
    for key in ('initial1GiB', 'initial4GiB'):
        e = sc.get(key, {}).get('silvermirror')
        if e:
            peak = max(e['peak_rss_local_mb'], e['peak_rss_remote_mb'])
            out.append(('%s peak RSS <= 200 MB' % key, '%d MB' % peak, peak <= 200))
    for key, limit in (('initial1GiB', 2.0), ('append1MiB', 3.0)):
        r = B.ratio(_med(sc, key, 'silvermirror'), _med(sc, key, 'rsync'))
        if r is not None:
            out.append(('%s <= %.0fx rsync' % (key, limit), '%.2fx' % r, r <= limit))
    sent = sc.get('append1MiB', {}).get('silvermirror', {}).get('bytes_to_host_median')
    if sent is not None:
        out.append(('append1MiB bytes sent within 10x what changed', '%.1fx' % (sent / MIB), sent <= 10 * MIB))
    for key, e in sc.items():
        for label in ('hg', 'chg'):
            if key.startswith('noop') and _med(sc, key, label + '-small'):
                r = _med(sc, key, label + '-res') / _med(sc, key, label + '-small')
                out.append(('%s (%s) <= 1.5x without them' % (key, label), '%.2fx' % r, r <= 1.5))
    d = sc.get('keepcurrent', {}).get('disk')
    if d:
        share = d['share_after_gc_unshared']
        out.append(('keep=current beyond working copy < 5%', '%.1f%%' % (100 * share), share < 0.05))
    return out

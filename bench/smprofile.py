"""profile ``hg mirror-push`` for one file changed and nothing changed

Run by ``benchmark.py --profile`` on the trees of ``--profile-size``
(after the timed scenarios).  Produces, in ``bench/results/profile-*/``:

- ``probe-*.jsonl``: ``smprobe`` records of the local hg and of the host's
  ``hg serve`` (ssh connections, wire commands and round trips, status
  walks and the files they re-read, commits, the sync's phases);
- ``cprofile-*.txt``: ``python -m cProfile`` of the whole local process
  (interpreter start and imports included), sorted by cumulative time;
- ``remote-*.txt``: hg's own statistical profiler in the host's ``hg serve``.

and returns the summary that goes into the benchmark's JSON: base costs
(bare ssh, hg start, hg over ssh, hg status on both sides), ssh-control
on/off, and the probe totals.
"""

import json
import os
import pstats
import statistics
import subprocess
import sys
import time

import benchmark as bm

PROBE = os.path.join(bm.BENCH, 'smprobe.py')


def _median(st, cmd, reps=3, env=None, cwd=None):
    times = []
    for _ in range(reps):
        r = bm.run(cmd, env=env or st.hgenv, cwd=cwd or st.homes['nodea'], timeout=300, logpath=st.logpath)
        times.append(r.wall)
    return round(statistics.median(times), 4)


def _onefile(st, changer, tag):
    ops = changer.plan(bm.listfiles(st.src('silvermirror')), tag, 1, 0, 0, 0)
    changer.apply(st.src('silvermirror'), ops)


def _readjsonl(path):
    out = []
    try:
        with open(path) as fp:
            for line in fp:
                out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def profile(bench, st, changer):
    t0 = time.perf_counter()
    outdir = os.path.join(bm.BENCH, 'results', 'profile-%s' % time.strftime('%Y%m%d-%H%M%S'))
    os.makedirs(outdir, exist_ok=True)
    bm.log('profile: %s' % outdir)
    summary = {'dir': outdir}
    home_a, home_b = st.homes['nodea'], st.homes['nodeb']
    hg = bm.HG
    res_a = st.src('silvermirror')

    # base costs ---------------------------------------------------------------
    base = summary['base'] = {}
    base['python -c pass'] = _median(st, [sys.executable, '-c', 'pass'])
    base['python -S -c pass'] = _median(st, [sys.executable, '-S', '-c', 'pass'])
    base['hg version -q (with extension)'] = _median(st, [hg, 'version', '-q'])
    base['hg version -q (no extension)'] = _median(
        st, [hg, '--config', 'extensions.hgext_silvermirror=!', 'version', '-q']
    )
    base['ssh nodeb true (new connection)'] = _median(st, ['ssh', '-F', st.sshconfig, 'nodeb', 'true'])
    base['hg identify ssh://nodeb/res (hg over ssh)'] = _median(
        st, [hg, '--config', 'silvermirror.ssh-control=false', 'identify', 'ssh://nodeb/res']
    )
    base['hg status, node A'] = _median(st, [hg, 'status', '-R', res_a])
    base['hg status, node B'] = _median(st, [hg, 'status', '-R', st.dst('silvermirror')])
    base['hg mirror-status res (no host contact)'] = _median(st, [hg, 'mirror-status', 'res'])
    bm.log('profile: base costs %s' % json.dumps(base))

    # ssh connection reuse --------------------------------------------------------
    ctl = summary['ssh_control'] = {}
    for setting in ('false', 'true'):
        for case in ('one', 'nothing'):
            times = []
            for rep in range(3):
                if case == 'one':
                    _onefile(st, changer, 'ctl%s%s%d' % (setting, case, rep))
                r = bm.run(
                    [hg, '--config', 'silvermirror.ssh-control=%s' % setting, 'mirror-push', 'res'],
                    env=st.hgenv, cwd=home_a, timeout=600, logpath=st.logpath,
                )
                times.append(round(r.wall, 4))
            ctl['%s ssh-control=%s' % (case, setting)] = {'times': times, 'median': statistics.median(times)}
    bm.log('profile: ssh-control %s' % json.dumps({k: v['median'] for k, v in ctl.items()}))

    # probes on both sides -----------------------------------------------------------
    hgrc_b = os.path.join(home_b, '.hgrc')
    with open(hgrc_b) as fp:
        saved = fp.read()
    probes = summary['probe'] = {}
    try:
        with open(hgrc_b, 'a') as fp:
            fp.write('[extensions]\nsmprobe = %s\n' % PROBE)
        for case in ('one', 'nothing'):
            for rep in range(2):
                local = os.path.join(outdir, 'probe-%s-%d-local.jsonl' % (case, rep))
                remote = os.path.join(home_b, '.smprobe.jsonl')
                bm.rmfile(remote)
                if case == 'one':
                    _onefile(st, changer, 'probe%s%d' % (case, rep))
                env = dict(st.hgenv, SM_BENCH_PROBE=local)
                r = bm.run(
                    [hg, '--config', 'extensions.smprobe=%s' % PROBE, 'mirror-push', 'res'],
                    env=env, cwd=home_a, timeout=600, logpath=st.logpath,
                )
                recs = {'wall': round(r.wall, 4), 'local': _readjsonl(local), 'remote': _readjsonl(remote)}
                if os.path.exists(remote):
                    os.rename(remote, os.path.join(outdir, 'probe-%s-%d-remote.jsonl' % (case, rep)))
                probes['%s-%d' % (case, rep)] = recs
        # the debug log counts every command sent over ssh
        for case in ('one', 'nothing'):
            if case == 'one':
                _onefile(st, changer, 'debug%s' % case)
            path = os.path.join(outdir, 'debug-%s.txt' % case)
            with open(path, 'wb') as fp:
                p = subprocess.run(
                    [hg, '--debug', 'mirror-push', 'res'], env=st.hgenv, cwd=home_a,
                    stdout=fp, stderr=subprocess.STDOUT, timeout=600,
                )
            with open(path, 'rb') as fp:
                text = fp.read().decode('utf-8', 'replace')
            summary.setdefault('debug', {})[case] = {
                'rc': p.returncode,
                'ssh_processes': text.count('running ') ,
                'commands_sent': [l.split('sending ', 1)[1].split(' command')[0] for l in text.splitlines() if l.startswith('sending ') and ' command' in l],
            }
    finally:
        with open(hgrc_b, 'w') as fp:
            fp.write(saved)

    # cProfile of the local process, lsprof of the host's hg serve ----------------------
    with open(hgrc_b, 'a') as fp:
        fp.write(
            # statprof: hg 7.2's lsprof ('type = ls') breaks 'hg serve --stdio'
            # with a TypeError (%b with a str) on the host
            '[profiling]\nenabled = true\ntype = stat\nstatformat = hotpath\nlimit = 60\n'
            'output = %s\n' % os.path.join(home_b, '.remote-profile.txt')
        )
    try:
        for case in ('one', 'nothing'):
            if case == 'one':
                _onefile(st, changer, 'cprof%s' % case)
            prof = os.path.join(outdir, 'cprofile-%s.prof' % case)
            bm.rmfile(os.path.join(home_b, '.remote-profile.txt'))
            r = bm.run(
                [sys.executable, '-m', 'cProfile', '-o', prof, hg, 'mirror-push', 'res'],
                env=st.hgenv, cwd=home_a, timeout=600, logpath=st.logpath,
            )
            with open(os.path.join(outdir, 'cprofile-%s.txt' % case), 'w') as fp:
                fp.write('wall %.3fs under cProfile\n' % r.wall)
                s = pstats.Stats(prof, stream=fp)
                s.sort_stats('cumulative').print_stats(70)
                s.sort_stats('tottime').print_stats(30)
            src = os.path.join(home_b, '.remote-profile.txt')
            if os.path.exists(src):
                os.rename(src, os.path.join(outdir, 'remote-%s.txt' % case))
    finally:
        with open(hgrc_b, 'w') as fp:
            fp.write(saved)
    summary['seconds'] = round(time.perf_counter() - t0, 1)
    bm.log('profile: done in %.0fs' % summary['seconds'])
    return summary

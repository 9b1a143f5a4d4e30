"""``make demo``: mirror a sample resource between three nodes

Three nodes in a temporary directory: alpha and beta reach each other over
a real sshd on 127.0.0.1 (when one can be started; else through local
paths), and a USB-disk-like directory is a third host reached by path.
A resource is edited on two nodes, one file on both (a conflict), synced,
and the trees, the conflict's outcome and the history are shown.
"""

import os
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conftest  # noqa: E402
import nodes  # noqa: E402


def show(title):
    print('\n== %s ==' % title)


def run(node, *args, cwd=None, hg='hg'):
    print('%s$ %s %s' % (node.name, hg, ' '.join(shlex.quote(a) for a in args)))
    if hg == 'hg':
        proc = node.hg(*args, cwd=cwd)
    else:
        proc = subprocess.run(
            [hg] + list(args), cwd=cwd, env=node.env, capture_output=True, timeout=120
        )
    sys.stdout.write(proc.stdout.decode('utf-8', 'replace'))
    sys.stdout.write(proc.stderr.decode('utf-8', 'replace'))
    return proc.returncode


def tree(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != '.hg')
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            with open(path, 'rb') as fp:
                first = fp.read().decode('utf-8', 'replace').splitlines()
            print('  %-34s %s' % (os.path.relpath(path, root), (first or [''])[0]))


def main():
    testtmp = tempfile.mkdtemp(prefix='silvermirror-demo-')
    try:
        env = conftest.baseenv(testtmp)
        # real dates for the demo: drop the tests' fixed commit date; and
        # no remote command: each host runs what it has installed
        hgrc = os.path.join(testtmp, '.hgrc')
        with open(hgrc) as fp:
            lines = [
                l for l in fp if not l.startswith(('default-date', 'remotecmd'))
            ]
        with open(hgrc, 'w') as fp:
            fp.writelines(lines)
        ssh = bool(env.get('SM_SSHD_PORT'))
        alpha = nodes.Node(testtmp, 'alpha', env)
        beta = nodes.Node(testtmp, 'beta', env)
        usb = os.path.join(testtmp, 'usb-disk')
        os.makedirs(usb)
        peers = {
            'alpha': 'alpha' if ssh else alpha.home,
            'beta': 'beta' if ssh else beta.home,
        }
        config = (
            '[::SilverMirror::]\n'
            'hosts = %s %s %s\n'
            'conflict = KeepBoth\n'
            '[notes]\n' % (peers['alpha'], peers['beta'], usb)
        )
        alpha.config(config)
        beta.config(config)
        # what each node has installed (its ~/bin is on its PATH over ssh)
        chg = os.path.exists(nodes.sshd.CHG)
        for node in (alpha, beta):
            os.makedirs(node.path('bin'))
            for name in ('hg', 'chg') if chg else ('hg',):
                os.symlink(os.path.join(nodes.sshd.VENV_BIN, name), node.path('bin', name))
        print('SilverMirror demo in %s' % testtmp)
        print('hosts: alpha and beta over %s, and a USB disk at %s' % (
            'ssh to a real sshd on 127.0.0.1' if ssh else 'local paths', usb))

        show('alpha writes some notes and mirrors them')
        alpha.write('notes/todo.txt', 'buy milk\n')
        alpha.write('notes/ideas/garden.txt', 'plant tomatoes\n')
        run(alpha, 'mirror-push', cwd=alpha.path('notes'))

        show('beta and alpha both edit todo.txt; alpha adds a file')
        beta.write('notes/todo.txt', 'buy milk and bread\n')
        alpha.write('notes/todo.txt', 'buy oat milk\n')
        alpha.write('notes/recipes.txt', 'pancakes\n')
        run(beta, 'mirror-push', cwd=beta.path('notes'))
        run(alpha, 'mirror-push', cwd=alpha.path('notes'))

        show('the three trees are identical')
        for name, root in (
            ('alpha', alpha.path('notes')),
            ('beta', beta.path('notes')),
            ('usb disk', os.path.join(usb, 'notes')),
        ):
            print('%s:' % name)
            tree(root)

        show('nothing was lost: the history on alpha')
        run(alpha, 'log', '-G', '-T',
            '{rev} {desc|firstline} [{get(extras, "silvermirror-node")}]\n',
            cwd=alpha.path('notes'))
        run(alpha, 'mirror-status', cwd=alpha.path('notes'))

        if chg:
            show('hg resident on both sides: chg')
            print('beta serves every sync through its chg (no setting needed);')
            print('on alpha, ~/.bashrc has: alias hg=chg')
            alpha.write('notes/todo.txt', 'buy oat milk and bread\n')
            run(alpha, 'mirror-push', cwd=alpha.path('notes'), hg=nodes.sshd.CHG)
            print(
                'chg servers: %d for the commands typed on alpha, %d serving '
                "beta's side of syncs (each exits after an hour unused)"
                % (
                    len(nodes.chgservers(env['XDG_RUNTIME_DIR'])),
                    len(nodes.chgservers(beta.home)),
                )
            )
    finally:
        nodes.stopchg(testtmp)
        conftest.pytest_unconfigure(None)
        shutil.rmtree(testtmp, ignore_errors=True)


if __name__ == '__main__':
    main()

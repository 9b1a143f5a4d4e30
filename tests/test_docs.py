"""every example of the documentation works as pasted

The examples are taken from where a user reads them: the README's
indented blocks, the literal blocks (``::``) of the extension's and its
commands' help, and ``hgrc.example``.  Each is of a known kind:

- a SilverMirror file: it loads with the extension's own loader;
- an hgrc (or hgweb, systemd) file: hg's parser reads it, no value
  carries an end-of-line comment (hg has none: the text would become
  part of the value), and the ``[silvermirror]`` items read as their type;
- a shell command: those that run without a daemon or a hub (``hg
  mirror-*``, ``silvermirror``, ``silvermirrord --once``) run in one
  session of real nodes over the test sshd, and succeed;
- Python: it compiles.

The README's first sync is run by ``test-first-hour.t``; the last test
here checks that that session types exactly the README's commands and
files, with only the substitutions it states.
"""

import os
import re
import shlex
import subprocess
import textwrap

import pytest

from mercurial import config as hgconfig
from mercurial import ui as uimod

import hgext_silvermirror
from hgext_silvermirror import run as smrun
from hgext_silvermirror import conflicts as smconflicts

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
README = os.path.join(ROOT, 'README')
HGRCEXAMPLE = os.path.join(ROOT, 'hgrc.example')
FIRSTHOUR = os.path.join(TESTS, 'test-first-hour.t')

# sections of an hgrc (or hgweb) file; any other section makes a
# SilverMirror file, except systemd's
HGRC_SECTIONS = {'extensions', 'silvermirror', 'ui', 'hooks', 'merge-tools', 'paths', 'web'}
SYSTEMD_SECTIONS = {'Service', 'Unit', 'Install'}
SHELL_WORDS = {'make', 'pip', 'mkdir', 'hg', 'silvermirror', 'silvermirrord', '*/10'}
# blocks that are lists to read, not to paste, by their first word
LISTINGS = {'ClobberRemote', 'hgext_silvermirror/'}
# what the README's places stand for here: /home/me is a node's home,
# /media/usb a directory of the test
USB = '/media/usb'


class Example:
    def __init__(self, origin, text):
        self.origin = origin
        self.text = text

    def __repr__(self):
        return self.origin

    @property
    def sections(self):
        return set(re.findall(r'^\[([^\]]+)\]\s*$', self.text, re.M))

    @property
    def kind(self):
        first = self.text.split(None, 1)[0]
        if first in ('from', 'import', 'class', 'def'):
            return 'python'
        if self.sections:
            if self.sections <= HGRC_SECTIONS:
                return 'hgrc'
            if self.sections <= SYSTEMD_SECTIONS:
                return 'systemd'
            return 'silvermirror'
        lines = [l for l in self.text.splitlines() if l.strip()]
        if all(l.split()[0] in SHELL_WORDS for l in lines):
            return 'shell'
        if first in LISTINGS:
            return 'listing'
        return None


def readme_examples(path=README):
    """the README's blocks indented by four spaces, with their section"""
    name = os.path.relpath(path, ROOT)
    examples, block, section, start = [], [], '', 0
    lines = open(path).read().splitlines()
    for i, line in enumerate(lines + ['']):
        if line.startswith('    ') or (block and not line.strip()):
            if not block:
                start = i + 1
            block.append(line)
            continue
        if block:
            text = textwrap.dedent('\n'.join(block)).strip('\n') + '\n'
            examples.append(Example('%s:%d (%s)' % (name, start, section), text))
            block = []
        if i + 1 < len(lines) and re.match(r'^-{3,}$', lines[i + 1]):
            section = line
    return examples


def rst_examples(name, doc):
    """the literal blocks (after ``::``) of a help text"""
    examples = []
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if not line.rstrip().endswith('::'):
            continue
        indent = len(line) - len(line.lstrip())
        block = []
        for l in lines[i + 1:]:
            if l.strip() and len(l) - len(l.lstrip()) <= indent:
                break
            block.append(l)
        text = textwrap.dedent('\n'.join(block)).strip('\n') + '\n'
        examples.append(Example('%s: %s' % (name, line.strip()), text))
    return examples


def help_examples():
    docs = [('hg help -e hgext_silvermirror', hgext_silvermirror.__doc__),
            ('hgext_silvermirror.conflicts', smconflicts.__doc__)]
    for key, entry in sorted(hgext_silvermirror.cmdtable.items()):
        name = key.decode().split('|')[0].lstrip('^')
        docs.append(('hg help %s' % name, entry[0].__doc__ or ''))
    return [e for name, doc in docs for e in rst_examples(name, doc)]


def hgrcexample_commands():
    """the commands hgrc.example shows in its comments (``#   CMD``)"""
    examples = []
    for n, line in enumerate(open(HGRCEXAMPLE).read().splitlines(), 1):
        m = re.match(r'^#   (\S.*)$', line)
        if m and not m.group(1).startswith('['):
            examples.append(Example('hgrc.example:%d' % n, m.group(1) + '\n'))
    return examples


ALL = readme_examples() + help_examples()
# docs/ holds measurements and design: only its config examples count
DOCS = [
    e
    for name in sorted(os.listdir(os.path.join(ROOT, 'docs')))
    for e in readme_examples(os.path.join(ROOT, 'docs', name))
    if e.kind in ('hgrc', 'silvermirror')
]


def of(kind):
    return [e for e in ALL if e.kind == kind]


def test_every_example_is_of_a_known_kind():
    assert [e for e in ALL if e.kind is None] == []
    # the extraction finds what is there
    kinds = {e.kind for e in ALL}
    assert {'hgrc', 'silvermirror', 'shell', 'python', 'systemd'} <= kinds


# configuration files ----------------------------------------------------------


def eolcomments(text):
    """the lines of a config text where a '#' follows other text"""
    return [
        line for line in text.splitlines()
        if not line.lstrip().startswith(('#', ';')) and re.search(r'\s#', line)
    ]


@pytest.mark.parametrize(
    'example',
    of('hgrc') + of('silvermirror') + of('systemd') + DOCS
    + [Example('hgrc.example', open(HGRCEXAMPLE).read())],
    ids=repr,
)
def test_config_example_has_no_eol_comment(example):
    assert eolcomments(example.text) == []
    if example.kind != 'systemd':
        cfg = hgconfig.config()
        cfg.parse(b'<example>', example.text.encode())
        for section in cfg.sections():
            for name, value in cfg.items(section):
                assert b'#' not in value, (section, name, value)


@pytest.mark.parametrize(
    'example',
    of('hgrc') + [Example('hgrc.example', open(HGRCEXAMPLE).read())],
    ids=repr,
)
def test_hgrc_example_reads_as_its_types(example, tmp_path):
    path = tmp_path / 'hgrc'
    path.write_text(example.text)
    ui = uimod.ui()
    ui.readconfig(bytes(path), trust=True)
    for name, value in ui.configitems(b'silvermirror'):
        item = hgext_silvermirror.configtable[b'silvermirror'][name]
        if isinstance(item.default, bool):
            ui.configbool(b'silvermirror', name)
        elif isinstance(item.default, int):
            ui.configint(b'silvermirror', name)


@pytest.mark.parametrize('example', of('silvermirror'), ids=repr)
def test_silvermirror_example_loads(example, tmp_path, monkeypatch):
    home = tmp_path / 'me'
    home.mkdir()
    monkeypatch.setenv('HOME', str(home))
    monkeypatch.setenv('HGRCPATH', '')
    path = home / '.silvermirror'
    path.write_text(example.text.replace('/home/me', str(home)))
    ui = uimod.ui.load()
    ui.setconfig(b'silvermirror', b'config', bytes(path), b'test')
    ui.setconfig(b'silvermirror', b'name', b'laptop', b'test')
    cfg, resources = smrun.loadconfig(ui)
    assert resources, 'the example declares no resource'


@pytest.mark.parametrize('example', of('python'), ids=repr)
def test_python_example_compiles(example):
    compile(example.text, example.origin, 'exec')


# commands -------------------------------------------------------------------


def runnable(line):
    """the command of an example line that runs in the session, or None

    Synopses (options in brackets, placeholders in capitals) and what needs
    a daemon, a hub or root do not run.
    """
    line = line.strip()
    m = re.match(r'^(?:\S+ ){5}(silvermirrord --once)$', line)
    if m:
        return m.group(1)
    words = line.split()
    if not words or '[' in line or re.search(r'\b[A-Z]{3,}\b', line):
        return None
    if words[0] == 'silvermirror' or line == 'silvermirrord --once':
        return line
    if words[0] == 'hg' and len(words) > 1 and words[1].startswith('mirror-'):
        return line
    return None


def session_commands():
    commands = []
    for e in of('shell') + hgrcexample_commands():
        for line in e.text.splitlines():
            cmd = runnable(line)
            if cmd and cmd not in [c for _, c in commands]:
                commands.append((e.origin, cmd))
    return commands


def mainexample():
    """the README's full SilverMirror file: the one with basedir"""
    (example,) = [e for e in of('silvermirror') if 'basedir' in e.text]
    return example.text


def test_commands_run_as_documented(mknode, tmp_path):
    """one session: laptop (the README's node) with desktop and server over
    ssh and a USB directory; laptop runs every command, the mirror-clone
    examples run on server, a node new to SilverMirror"""
    usb = tmp_path / 'usb'
    (usb / 'mirror').mkdir(parents=True)
    laptop, desktop, server = mknode('laptop'), mknode('desktop'), mknode('server')
    text = mainexample().replace(USB, str(usb))
    laptop.config(text.replace('/home/me', laptop.home))
    # each node's basedir is its own home: the default
    desktop.config(re.sub(r'^basedir = .*\n', '', text, flags=re.M))
    laptop.write('Documents/notes.txt', 'my notes\n')
    laptop.write('Documents/private/secret.txt', 'secret\n')
    commands = session_commands()
    assert any(cmd == 'hg mirror-push docs' for _, cmd in commands)
    assert any(cmd.startswith('hg mirror-clone') for _, cmd in commands)
    failures = []
    # the first sync first, as a newcomer does; mirror-clone last
    commands.sort(key=lambda oc: ('clone' in oc[1], oc[1] != 'hg mirror-push docs'))
    for origin, cmd in commands:
        node = server if 'clone' in cmd else laptop
        proc = subprocess.run(
            shlex.split(cmd),
            cwd=laptop.path('Documents') if node is laptop else node.home,
            env=node.env,
            capture_output=True,
            timeout=120,
        )
        out = proc.stdout.decode() + proc.stderr.decode()
        if proc.returncode != 0 or 'Traceback' in out or 'unknown exception' in out:
            failures.append('%s: %s on %s exited %d\n%s' % (origin, cmd, node.name, proc.returncode, out))
    assert failures == []
    assert server.read('Documents/notes.txt') == b'my notes\n'
    assert not os.path.exists(server.path('Documents/private/secret.txt'))


# the first hour ---------------------------------------------------------------


def test_first_hour_types_the_readme():
    """test-first-hour.t runs the README's first sync: each of its files is
    a here-document of the session and each command a command of it, with
    /media/usb standing for the test's $TESTTMP/usb"""
    examples = [e for e in readme_examples() if 'First sync' in e.origin]
    assert len(examples) == 3
    session = open(FIRSTHOUR).read()
    heredocs = [
        '\n'.join(l[4:] for l in body.splitlines()) + '\n'
        for body in re.findall(r'<<\'?EOF\'?\n((?:  >.*\n)+?)  > EOF\n', session)
    ]
    typed = re.findall(r'^  \$ (.*)$', session, re.M)
    for e in examples:
        text = e.text.replace(USB, '$TESTTMP/usb')
        if e.kind == 'shell':
            for line in text.splitlines():
                assert line in typed, line
        else:
            assert text in heredocs, text
    lines = open(README).read().splitlines()
    start = lines.index('First sync in five minutes')
    end = next(
        i for i in range(start + 2, len(lines) - 1) if re.match(r'^-{3,}$', lines[i + 1])
    )
    assert end - start <= 40

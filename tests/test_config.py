"""the SilverMirror file and its resources, at the level of the modules

Every rule of the configuration (issue 2) against the real
``mercurial.config`` parser and a real ``ui``; the ``hg`` process level
(messages, exit codes, an unchanged tree) is in ``test-config-*.t`` and in
the last tests here.
"""

import hashlib
import io
import os
import socket

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mercurial import error, extensions, ui as uimod
from mercurial import config as hgconfig

from hgext_silvermirror import config as configmod
from hgext_silvermirror import keep as keepmod
from hgext_silvermirror import conflicts
from hgext_silvermirror import resources as resmod

import conftest
import nodes

HANDLERS = conflicts.handlers
MAIN = b'[::SilverMirror::]\n'


@pytest.fixture
def home(tmp_path, monkeypatch):
    """a home with an hgrc that enables the extension, as a node's"""
    home = os.fsencode(tmp_path)
    hgrc = tmp_path / 'hgrc'
    hgrc.write_text(
        '[extensions]\nhgext_silvermirror =\n'
        '[devel]\nall-warnings = true\n'
        '[silvermirror]\nname = laptop\n'
    )
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('HGRCPATH', str(hgrc))
    return home


@pytest.fixture
def ui(home):
    """a real ui with the extension's config items; no devel warning allowed"""
    u = uimod.ui.load()
    u.fout = io.BytesIO()
    u.ferr = io.BytesIO()
    extensions.loadall(u)
    yield u
    assert b'devel-warn' not in u.ferr.getvalue(), u.ferr.getvalue()


def write(home, text, name=b'.silvermirror'):
    path = os.path.join(home, name)
    with open(path, 'wb') as fp:
        fp.write(text.encode() if isinstance(text, str) else text)
    return path


def load(ui, home, text=None):
    """(config, resources by name) of ``text`` as this node's file"""
    if text is not None:
        write(home, text)
    cfg = configmod.load(ui)
    resmod.validate_main(ui, cfg, HANDLERS)
    return cfg, {r.name: r for r in resmod.build(ui, cfg, HANDLERS)}


def j(home, *parts):
    return os.path.join(home, *parts)


# defaults and the file's location ---------------------------------------------


def test_no_file_is_the_default_configuration(ui, home):
    cfg, res = load(ui, home)
    assert res == {}
    assert cfg.get(configmod.MAIN, b'conflict') == b'ClobberRemote'
    assert cfg.basedir == home
    assert (cfg.timeout, cfg.password) == (10.0, True)


def test_defaults_of_a_resource(ui, home):
    _cfg, res = load(ui, home, '[docs]\n')
    docs = res[b'docs']
    assert docs.root == j(home, b'docs')
    assert (docs.hosts, docs.ignore, docs.children, docs.parent) == ([], [], [], None)
    assert docs.handler(b'push') == docs.handler(b'pull') == b'ClobberRemote'
    assert docs.maxdelete == 50


def test_silvermirror_config_overrides_the_location(ui, home):
    write(home, '[elsewhere]\n', b'other.ini')
    write(home, '[docs]\n')
    ui.setconfig(b'silvermirror', b'config', j(home, b'other.ini'), b'--config')
    _cfg, res = load(ui, home)
    assert list(res) == [b'elsewhere']


def test_relative_silvermirror_config_follows_its_hgrc(ui, home, tmp_path):
    os.makedirs(j(home, b'etc'))
    write(home, '[docs]\n', b'etc/mirror.ini')
    hgrc = tmp_path / 'etc' / 'hgrc'
    hgrc.write_text('[silvermirror]\nconfig = mirror.ini\n')
    ui.readconfig(os.fsencode(hgrc), trust=True)
    assert configmod.configpath(ui) == j(home, b'etc', b'mirror.ini')


def test_explicit_missing_file_is_an_error(ui, home):
    ui.setconfig(b'silvermirror', b'config', j(home, b'nope.ini'), b'--config')
    with pytest.raises(error.ConfigError) as exc:
        configmod.load(ui)
    assert exc.value.message.startswith(b'no SilverMirror file at ')
    assert exc.value.hint


def test_node_name(ui):
    assert configmod.nodename(ui) == b'laptop'
    ui.setconfig(b'silvermirror', b'name', b'', b'test')
    short = socket.gethostname().split('.')[0].encode()
    assert configmod.nodename(ui) == short


# main section options -----------------------------------------------------------


def test_every_main_option(ui, home):
    cfg, res = load(
        ui,
        home,
        MAIN.decode()
        + 'basedir = ~/sync\nhosts = desktop\nignore = *.tmp\n'
        'conflict = Merge\nconflict.push = KeepBoth\nconflict.pull = clobberlocal\n'
        'timeout = 2.5\npassword = false\nmaxdelete = off\n'
        'interval = 60\ndebounce = 0\n[docs]\n',
    )
    assert cfg.basedir == j(home, b'sync')
    assert (cfg.timeout, cfg.password, cfg.interval, cfg.debounce) == (
        2.5,
        False,
        60.0,
        0.0,
    )
    docs = res[b'docs']
    assert docs.root == j(home, b'sync', b'docs')
    assert [h.url for h in docs.hosts] == [b'ssh://desktop/docs']
    assert docs.ignore == [b'*.tmp']
    # handler names are canonical whatever their case
    assert (docs.handler(b'push'), docs.handler(b'pull')) == (
        b'KeepBoth',
        b'ClobberLocal',
    )
    assert docs.maxdelete is None


@pytest.mark.parametrize(
    'value,share', [('50%', 50.0), ('10', 10.0), ('0%', 0.0), ('off', None)]
)
def test_maxdelete_values(ui, home, value, share):
    _cfg, res = load(ui, home, '[docs]\nmaxdelete = %s\n' % value)
    assert res[b'docs'].maxdelete == share


@pytest.mark.parametrize(
    'text,sizes',
    [
        ('[docs]\nbigfile = 10MB\n', (10 << 20, 10 << 20)),
        ('[::SilverMirror::]\nbigfile = 1.5g\n[docs]\n', (3 << 29, 3 << 29)),
        ('[docs]\nbigfile = 4096\n[docs:x]\nbigfile = off\n', (4096, None)),
        ('[docs]\nbigfile = 500kB\n[docs:x]\n', (500 << 10, 500 << 10)),
        ('[docs]\n', (None, None)),
    ],
)
def test_bigfile_values(ui, home, text, sizes):
    _cfg, res = load(ui, home, text + ('[docs:x]\n' if '[docs:x]' not in text else ''))
    assert (res[b'docs'].bigfile, res[b'docs:x'].bigfile) == sizes


@pytest.mark.parametrize(
    'text,policies',
    [
        ('[docs]\n', ((b'all', None), (b'all', None))),
        ('[::SilverMirror::]\nkeep = Current\n[docs]\n', ((b'current', None),) * 2),
        ('[docs]\nkeep = 5\n[docs:x]\nkeep = 30d\n', ((b'versions', 5), (b'days', 30))),
        ('[docs]\nkeep = 2w\n[docs:x]\n', ((b'days', 14), (b'days', 14))),
    ],
)
def test_keep_values(ui, home, text, policies):
    _cfg, res = load(ui, home, text + ('[docs:x]\n' if '[docs:x]' not in text else ''))
    assert (res[b'docs'].keep, res[b'docs:x'].keep) == policies
    assert all(keepmod.parse(keepmod.label(p)) == p for p in policies)


# %include, %unset, continuation lines ---------------------------------------------


def test_include_unset_and_continuation(ui, home):
    write(home, MAIN.decode() + 'hosts = a b\nignore = *.o\n[docs]\n', b'common.ini')
    _cfg, res = load(
        ui,
        home,
        '%include common.ini\n'
        + MAIN.decode()
        + '%unset ignore\n'
        '[papers]\nhosts = one\n  two\n    three\n',
    )
    assert [h.label for h in res[b'docs'].hosts] == [b'a', b'b']
    assert res[b'docs'].ignore == []
    assert [h.label for h in res[b'papers'].hosts] == [b'one', b'two', b'three']


# inheritance --------------------------------------------------------------------

NESTED = (
    MAIN.decode()
    + 'hosts = desktop server\nignore = *.tmp\n'
    '[docs]\ndirectory = Documents\nignore = *.bak\n'
    '[docs:private]\nhosts = desktop\nignore = *.key\n'
    '[docs:private:tax]\ndirectory = 2024/tax\n'
    '[docs:shared]\nhosts =\n'
)


def test_namespaced_directories_hosts_and_ignore(ui, home):
    _cfg, res = load(ui, home, NESTED)
    docs, private = res[b'docs'], res[b'docs:private']
    tax, shared = res[b'docs:private:tax'], res[b'docs:shared']
    assert private.root == j(home, b'Documents', b'private')
    assert tax.root == j(home, b'Documents', b'private', b'2024', b'tax')
    assert (private.parent, tax.parent) == (docs, private)
    assert docs.children == [private, shared]
    assert docs.childdirs() == [b'private', b'shared']
    # hosts: the nearest list replaces, an empty one means none
    assert [h.label for h in docs.hosts] == [b'desktop', b'server']
    assert [h.url for h in tax.hosts] == [b'ssh://desktop/Documents/private/2024/tax']
    assert shared.hosts == []
    # ignore: each level adds
    assert tax.ignore == [b'*.tmp', b'*.bak', b'*.key']


def test_absolute_child_directory_inside_its_parent(ui, home):
    _cfg, res = load(
        ui, home, '[docs]\n[docs:deep]\ndirectory = %s\n' % j(home, b'docs', b'a', b'b').decode()
    )
    assert res[b'docs:deep'].root == j(home, b'docs', b'a', b'b')


def test_section_order_does_not_matter(ui, home):
    _cfg, res = load(ui, home, '[docs:private]\n[docs]\n')
    assert res[b'docs:private'].parent is res[b'docs']


LEVELS = [b'[docs:private]', b'[docs]', MAIN.strip()]
KEYS = [b'conflict.push', b'conflict.pull', b'conflict']
NAMES = [b'ClobberLocal', b'ClobberRemote', b'Merge', b'KeepBoth', b'Prompt']


def expected_handler(settings_, direction):
    """the issue's precedence, written as plainly as possible"""
    for level in LEVELS:
        for key in (b'conflict.' + direction, b'conflict'):
            if (level, key) in settings_:
                return settings_[(level, key)]
    return b'ClobberRemote'


def parse(text, home):
    cfg = hgconfig.config()
    cfg.parse(b'<test>', text)
    return configmod.mirrorconfig(b'<test>', cfg, home)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.tuples(st.sampled_from(LEVELS), st.sampled_from(KEYS)), st.sampled_from(NAMES)))
def test_handler_precedence(ui, home, settings_):
    text = b''
    for level in LEVELS:
        text += level + b'\n'
        text += b''.join(
            b'%s = %s\n' % (k, v) for (lvl, k), v in sorted(settings_.items()) if lvl == level
        )
    res = {r.name: r for r in resmod.build(ui, parse(text, home), HANDLERS)}
    for direction in (b'push', b'pull'):
        assert res[b'docs:private'].handler(direction) == expected_handler(settings_, direction)


def test_handler_location_is_kept(ui, home):
    path = write(home, MAIN.decode() + 'conflict = Merge\n[docs]\n')
    _cfg, res = load(ui, home)
    assert res[b'docs'].handlers[b'pull'] == (b'Merge', path + b':2')


# hosts ----------------------------------------------------------------------------


def test_host_mapping(ui, home):
    _cfg, res = load(
        ui,
        home,
        MAIN.decode()
        + 'hosts = laptop desktop ssh://me@nas:2222/base ssh://plain http://hub/repos\n'
        '  /media/usb/mirror desktop ssh://desktop/\n'
        '[docs]\ndirectory = Documents/work\n'
        '[music]\ndirectory = /srv/music\n'
        '[all-of-home]\ndirectory = %s\n' % home.decode(),
    )
    docs = [h.url for h in res[b'docs'].hosts]
    # laptop (this node) skipped; desktop, ssh://desktop/ once
    assert docs == [
        b'ssh://desktop/Documents/work',
        b'ssh://me@nas:2222/base/Documents/work',
        b'ssh://plain/Documents/work',
        b'http://hub/repos/Documents/work',
        b'/media/usb/mirror/Documents/work',
    ]
    # outside basedir: the absolute path, on the host or under the base
    assert [h.url for h in res[b'music'].hosts] == [
        b'ssh://desktop//srv/music',
        b'ssh://me@nas:2222/base/srv/music',
        b'ssh://plain//srv/music',
        b'http://hub/repos/srv/music',
        b'/media/usb/mirror/srv/music',
    ]
    assert [h.url for h in res[b'all-of-home'].hosts][:2] == [
        b'ssh://desktop/',
        b'ssh://me@nas:2222/base',
    ]
    assert [h.local for h in res[b'music'].hosts] == [False] * 4 + [True]


def test_own_copy_is_skipped(ui, home):
    _cfg, res = load(ui, home, MAIN.decode() + 'hosts = %s /backup\n[docs]\n' % home.decode())
    assert [h.url for h in res[b'docs'].hosts] == [b'/backup/docs']


SEGMENT = st.text('abcxyz019._-', min_size=1, max_size=6).filter(lambda s: s not in ('.', '..'))
LABEL = st.text('abcdefgh0123', min_size=1, max_size=8)


@given(st.lists(SEGMENT, min_size=1, max_size=4), LABEL)
def test_host_url_properties(parts, label):
    home = b'/home/me'
    rel = os.fsencode(os.path.join(*parts))
    root = os.path.normpath(os.path.join(home, rel))
    relpath = resmod._relpath(root, home)
    label = label.encode()
    assert resmod.hosturl(label, root, relpath) == b'ssh://%s/%s' % (label, relpath)
    assert resmod.hosturl(b'/mnt/' + label, root, relpath) == os.path.join(b'/mnt/' + label, relpath)
    assert resmod.hosturl(b'ssh://%s:22/b/' % label, root, relpath) == b'ssh://%s:22/b/%s' % (label, relpath)
    # outside the base directory the absolute path is kept everywhere
    assert resmod.hosturl(label, root, None) == b'ssh://%s/%s' % (label, root)
    assert resmod.hosturl(b'/mnt', root, None) == b'/mnt' + root
    assert resmod.hosturl(b'http://hub/x', root, None) == b'http://hub/x' + root


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([b'laptop', b'a', b'b', b'c', b'ssh://a/', b'/usb']), max_size=8))
def test_hosts_deduplicated_in_order_without_self(ui, home, labels):
    text = MAIN + b'hosts = %s\n[docs]\n' % b' '.join(labels)
    (docs,) = resmod.build(ui, parse(text, home), HANDLERS)
    urls = [resmod.hosturl(l, docs.root, b'docs') for l in labels if l != b'laptop']
    assert [h.url for h in docs.hosts] == list(dict.fromkeys(urls))


# selection ------------------------------------------------------------------------


def test_selection_rules(ui, home):
    _cfg, res = load(ui, home, NESTED)
    all_ = resmod.build(ui, configmod.load(ui), HANDLERS)
    names = lambda sel: [r.name for r in sel]
    assert names(resmod.select(all_, [b'docs:private', b'docs', b'docs'], b'/')) == [
        b'docs:private',
        b'docs',
    ]
    assert names(resmod.select(all_, [b'docs', b'all'], b'/')) == names(all_)
    inside = j(home, b'Documents', b'private', b'2024')
    assert names(resmod.select(all_, [], inside)) == [b'docs:private']
    assert names(resmod.select(all_, [], j(home, b'Documents'))) == [b'docs']
    assert names(resmod.select(all_, [], j(home, b'Documents-old'))) == names(all_)
    with pytest.raises(error.InputError) as exc:
        resmod.select(all_, [b'nope'], b'/')
    assert exc.value.detailed_exit_code == 10
    assert exc.value.hint == b'known resources: ' + b', '.join(sorted(res))


def test_selection_through_a_symlinked_home(ui, home, tmp_path):
    link = tmp_path.parent / (tmp_path.name + '-link')
    link.symlink_to(tmp_path)
    try:
        cfg = parse(b'[docs]\n[music]\n', os.fsencode(link))
        all_ = resmod.build(ui, cfg, HANDLERS)
        # the working directory of a process is always the real path
        real = j(home, b'docs', b'sub')
        assert [r.name for r in resmod.select(all_, [], real)] == [b'docs']
    finally:
        link.unlink()


@given(
    st.sets(st.lists(st.sampled_from(['a', 'b', 'c']), min_size=1, max_size=3).map('/'.join), max_size=6),
    st.lists(st.sampled_from(['a', 'b', 'c']), max_size=4).map('/'.join),
)
def test_selection_picks_the_innermost(dirs, cwd):
    home = b'/h'
    text = b''.join(b'[r%d]\ndirectory = %s\n' % (i, d.encode()) for i, d in enumerate(sorted(dirs)))
    cfg = parse(text, home)
    cfg.basedir = home
    all_ = resmod.build(uimod.ui(), cfg, HANDLERS, node=b'me')
    cwdb = os.path.join(home, cwd.encode()) if cwd else home
    chosen = resmod.select(all_, [], cwdb)
    containing = [r for r in all_ if cwdb == r.root or cwdb.startswith(r.root + b'/')]
    if containing:
        assert chosen == [max(containing, key=lambda r: len(r.root))]
    else:
        assert chosen == all_


# bad input ------------------------------------------------------------------------

BAD = [
    ('[::SilverMirror::]\nhosts a\n', 2, b'malformed line "hosts a"'),
    ('[docs\n', 1, b'malformed line "[docs"'),
    ('[docs]\n  stray\n', 2, b'malformed line "stray"'),
    ('%include missing.ini\n', 1, b'cannot include '),
    ('[::SilverMirror::]\nfoo = 1\n', 2, b'unknown option foo in section [::SilverMirror::]'),
    ('[docs]\ntimeout = 1\n', 2, b'unknown option timeout in section [docs]'),
    ('[::SilverMirror::]\ntimeout = abc\n', 2, b'timeout must be a number of seconds, not "abc"'),
    ('[::SilverMirror::]\ntimeout = -1\n', 2, b'timeout must be a number'),
    ('[::SilverMirror::]\ntimeout = 0\n', 2, b'timeout must be a number'),
    ('[::SilverMirror::]\ntimeout = nan\n', 2, b'timeout must be a number'),
    ('[::SilverMirror::]\npassword = maybe\n', 2, b'password must be true or false, not "maybe"'),
    ('[::SilverMirror::]\nbasedir = rel\n', 2, b'basedir must be an absolute path'),
    ('[docs]\nmaxdelete = 101%\n', 2, b'maxdelete must be a percentage'),
    ('[docs]\nmaxdelete = lots\n', 2, b'maxdelete must be a percentage'),
    ('[docs]\nbigfile = lots\n', 2, b'bigfile must be a size or "off", not "lots"'),
    ('[docs]\nbigfile = 0\n', 2, b'bigfile must be a size'),
    ('[docs]\nbigfile = -5MB\n', 2, b'bigfile must be a size'),
    ('[docs]\nkeep = 0\n', 2, b'keep must be all, current, a number of versions or of days, not "0"'),
    ('[docs]\nkeep = -3d\n', 2, b'keep must be all'),
    ('[docs]\nkeep = d\n', 2, b'keep must be all'),
    ('[docs]\nkeep = 5 versions\n', 2, b'keep must be all'),
    ('[::SilverMirror::]\nconflict = Nope\n', 2, b'unknown conflict handler: Nope'),
    ('[docs]\n[docs:x]\nconflict.pull = Nope\n', 3, b'unknown conflict handler: Nope'),
    ('[docs]\n[papers]\ndirectory = docs\n', 3, b'resources [docs] and [papers] have the same directory'),
    ('[docs]\n[docs:x]\ndirectory = /etc\n', 3, b'directory /etc of [docs:x] is not inside its parent [docs]'),
    ('[docs]\n[docs:x]\ndirectory = .\n', 3, b'is not inside its parent'),
    ('\n[docs:x]\n', 2, b'resource [docs:x] has no parent section [docs]'),
    ('[all]\n', 1, b'invalid resource name [all]'),
    ('[docs:]\n', 1, b'invalid resource name [docs:]'),
    ('[docs]\nhosts = a:b\n', 2, b'invalid host "a:b"'),
    ('[docs]\nhosts = ssh://h:port/x\n', 2, b'port port is not a number'),
    ('[docs]\nhosts = ftp://h/x\n', 2, b'unsupported scheme ftp'),
    ('[::SilverMirror::]\nhosts = a # b\n', 2, b'end-of-line comment in hosts of [::SilverMirror::]: "# b"'),
    ('[docs]\nignore = *.tmp\n  *.bak\t#x\n  *.o\n', 3, b'end-of-line comment in ignore of [docs]: "#x"'),
    ('[docs]\ndirectory = #mine\n', 2, b'end-of-line comment in directory of [docs]'),
    ('[SilverMirror]\n', 1, b'section [SilverMirror] is not a resource'),
    ('[docs]\nignore = include:/etc/passwd\n', 2, b"ignore pattern 'include:/etc/passwd' is not allowed"),
    ('[::SilverMirror::]\nignore = *.o\n  listfile:x\n[docs]\n', 3, b"ignore pattern 'listfile:x' is not allowed"),
    ('[docs]\n[::silvermirror::]\n', 2, b'section [::silvermirror::] is not a resource'),
]


@pytest.mark.parametrize('text,line,message', BAD)
def test_bad_configuration(ui, home, text, line, message):
    path = write(home, text)
    with pytest.raises(error.ConfigError) as exc:
        load(ui, home)
    inst = exc.value
    assert message in inst.message, inst.message
    assert inst.location == b'%s:%d' % (path, line)
    assert inst.hint and inst.hint[:1].islower() and not inst.hint.endswith(b'.')
    assert inst.message[:1].islower() and not inst.message.endswith(b'.')
    assert inst.detailed_exit_code == 30


def test_unreadable_or_directory_file(ui, home):
    os.mkdir(j(home, b'.silvermirror'))
    with pytest.raises(error.ConfigError) as exc:
        load(ui, home)
    assert b'is a directory' in exc.value.message


def test_unknown_handler_on_the_command_line_is_input_error(ui):
    with pytest.raises(error.InputError):
        HANDLERS.canonical(ui, b'Nope')


# the hg process: exit codes and an untouched tree ------------------------------------


def treehash(top):
    """every path and file content under ``top``"""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(os.fsencode(top))):
        dirnames.sort()
        for name in sorted(filenames) + [b'/']:
            path = os.path.join(dirpath, name)
            h.update(path + b'\0')
            if name != b'/' and os.path.isfile(path):
                with open(path, 'rb') as fp:
                    h.update(fp.read())
    return h.hexdigest()


@pytest.fixture
def node(tmp_path):
    testtmp = str(tmp_path)
    return nodes.Node(testtmp, 'laptop', conftest.baseenv(testtmp, withssh=False))


@pytest.mark.parametrize('text,line,message', BAD[::4])
@pytest.mark.parametrize('command', ['mirror-push', 'mirror-pull', 'mirror-status'])
def test_bad_input_changes_nothing(node, command, text, line, message):
    os.makedirs(node.path('docs'))
    os.makedirs(node.path('usb'))
    node.write('docs/a.txt', 'a\n')
    node.config(MAIN.decode() + 'hosts = %s\n' % node.path('usb') + text)
    before = treehash(node.testtmp)
    proc = node.hg(command, 'all', check=30)
    assert treehash(node.testtmp) == before
    err = proc.stderr.decode()
    assert err.startswith('config error at %s:' % node.path('.silvermirror')), err
    assert len(err.splitlines()) == 2 and proc.stdout == b''


def test_unknown_resource_changes_nothing(node):
    os.makedirs(node.path('docs'))
    node.config('[docs]\n')
    before = treehash(node.testtmp)
    proc = node.hg('mirror-push', 'docs', 'nope', check=10)
    assert proc.stderr.splitlines()[0] == b'abort: unknown resource: nope'
    node.hg('mirror-push', 'nope', '--config', 'ui.detailed-exit-code=no', check=255)
    assert treehash(node.testtmp) == before


# end-of-line comments, and every problem at once ----------------------------


@pytest.mark.parametrize(
    'value',
    [b'http://hub/repo#branch', b'*#', b'\\#*\\#', b'a#b c#d', b'glob:#*#'],
)
def test_a_hash_inside_a_word_is_no_comment(ui, home, value):
    cfg, _res = load(ui, home, b'[docs]\nignore = %s\n' % value)
    assert cfg.get(b'docs', b'ignore') == value


def test_every_problem_is_collected(ui, home):
    """mirror-check's mode: each bad line once, the good sections built"""
    path = write(
        home,
        '[::SilverMirror::]\n'
        'hosts = a   # b\n'
        'timeout = soon\n'
        '[docs]\n'
        'conflikt = Merge\n'
        '[docs:x]\n'
        '[music]\n'
        'hosts = ftp://h/x\n'
        '[music:y]\n'
        '[papers]\n'
        '[silvermirror]\n',
    )
    problems = []
    cfg = configmod.load(ui, problems=problems)
    built = resmod.build(ui, cfg, HANDLERS)
    where = sorted(int(p.location.rsplit(b':', 1)[1]) for p in problems)
    assert where == [2, 3, 5, 8, 11], [p.message for p in problems]
    assert all(p.location.startswith(path) for p in problems)
    # the comment is not taken into the value; [music:y] is left out with
    # its parent, whose error says it all
    assert cfg.get(configmod.MAIN, b'hosts') == b'a'
    assert [r.name for r in built] == [b'docs', b'docs:x', b'papers']
    # a sync stops at the first of them
    with pytest.raises(error.ConfigError) as exc:
        load(ui, home)
    assert exc.value.location == b'%s:2' % path


def test_hgrc_section_comments_and_misspellings(ui, home):
    ui.setconfig(b'silvermirror', b'nmae', b'laptop', b'/etc/hgrc:7')
    configmod.checkhgrc(ui)
    assert ui.ferr.getvalue() == (
        b'warning at /etc/hgrc:7: unknown option silvermirror.nmae\n'
        b'(did you mean name?)\n'
    )
    ui.setconfig(b'silvermirror', b'parallel', b'2 # hosts', b'/etc/hgrc:8')
    with pytest.raises(error.ConfigError) as exc:
        configmod.checkhgrc(ui)
    assert exc.value.location == b'/etc/hgrc:8'
    assert exc.value.hint == configmod.COMMENT_HINT
    problems = []
    configmod.checkhgrc(ui, problems)
    assert len(problems) == 2


@given(
    st.lists(
        st.text(alphabet='ab#/ \t', max_size=8).map(str.encode), min_size=1, max_size=4
    )
)
def test_comment_line_of_a_continued_value(lines):
    """the line named is the one whose text holds the first comment"""
    value = b'\n'.join(lines)
    where = configmod.commentat(value, b'f:%d' % (10 + len(lines) - 1))
    first = next(
        (i for i, l in enumerate(lines) if configmod._COMMENTRE.search(l)), None
    )
    if first is None:
        # a comment can only start a line's text or follow whitespace
        assert where is None
    else:
        assert where == b'f:%d' % (10 + first)

# config.py - read and validate the SilverMirror file
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the SilverMirror INI file, read with Mercurial's own config parser

The file is never merged into a ui: it is parsed into its own
``mercurial.config.config`` so that every value keeps its ``file:line``
for error messages, and ``%include``/``%unset``/continuation lines work as
they do in hgrc.  Unlike hgrc, an ``%include`` of a missing file is an
error: the missing part could be the ``hosts`` that keep a private
resource off some machines.  This module knows the option names and their
syntax; ``resources`` turns sections into resources.
"""

import difflib
import errno
import math
import os
import re
import socket

from mercurial.i18n import _
from mercurial import (
    config as hgconfig,
    encoding,
    error,
    util,
)
from mercurial.utils import stringutil

from . import configitems

MAIN = b'::SilverMirror::'

DEFAULT_HANDLER = b'ClobberRemote'
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAXDELETE = 50
# deleting this many files or fewer never trips the mass-deletion guard
MAXDELETE_FLOOR = 20
# an editor's save is done in milliseconds; a copy in progress keeps
# sending events, so a short quiet period still waits for its end
DEFAULT_DEBOUNCE = 0.25
DEFAULT_INTERVAL = 300.0

# options shared by the main section and resources (resources inherit them)
_INHERITED = (
    b'hosts', b'ignore', b'conflict', b'conflict.push', b'conflict.pull',
    b'maxdelete', b'bigfile', b'keep',
)
MAIN_OPTIONS = frozenset(
    _INHERITED + (b'basedir', b'timeout', b'password', b'interval', b'debounce')
)
RESOURCE_OPTIONS = frozenset(_INHERITED + (b'directory',))

# the same line syntax as mercurial.config.parse, to locate section headers
_SECTIONRE = util.re.compile(br'\[([^\[]+)\]')
_INCLUDERE = util.re.compile(br'%include\s+(\S|\S.*\S)\s*$')
# an end-of-line comment: a # at the start of a value or after whitespace
# (a # inside a word, as in http://hub/repo#branch or *#, is part of it)
_COMMENTRE = re.compile(br'(?:^|\s)#')
COMMENT_HINT = _(
    b'hg config files have no end-of-line comments: put the comment on '
    b'its own line'
)


class mirrorconfig:
    """the parsed file: main options and the raw resource sections"""

    def __init__(self, path, cfg, home, headers=None, problems=None, exists=True):
        self.path = path
        self.cfg = cfg
        self.home = home
        # section -> b'file:line' of its first header
        self.headers = headers or {}
        # False: no file at ``path``, the default configuration applies
        self.exists = exists
        # a list collects every error instead of raising the first
        self.problems = problems
        self._check_comments()
        self._check_sections()
        self._check_options()
        self.basedir = self._basedir()
        self.timeout = self._seconds(b'timeout', DEFAULT_TIMEOUT)
        self.interval = self._seconds(b'interval', DEFAULT_INTERVAL)
        self.debounce = self._seconds(b'debounce', DEFAULT_DEBOUNCE, zero=True)
        self.password = self._bool(b'password', True)

    # raw access, with locations
    def get(self, section, key):
        return self.cfg.get(section, key)

    def source(self, section, key=None):
        """``file:line`` of an option, else of the section, else the file"""
        where = self.cfg.source(section, key) if key is not None else None
        return where or self.headers.get(section) or self.path

    def error(self, section, key, msg, hint=None):
        return error.ConfigError(msg, self.source(section, key), hint=hint)

    def report(self, inst):
        """raise ``inst``, or note it when collecting every problem"""
        if self.problems is None:
            raise inst
        self.problems.append(inst)

    def _check_comments(self):
        for section in self.cfg.sections():
            for key, value in self.cfg.items(section):
                source = self.source(section, key)
                where = commentat(value, source)
                if where is not None:
                    self.report(
                        commenterror(b'%s of [%s]' % (key, section), value, where)
                    )
                    # collecting: the other checks see the value meant
                    self.cfg.set(section, key, uncommented(value), source)

    def _check_sections(self):
        """a section meant as the main one must not become a resource"""
        for section in self.cfg.sections():
            if section != MAIN and mainlike(section):
                self.report(
                    self.error(
                        section,
                        None,
                        _(b'section [%s] is not a resource') % section,
                        hint=_(b'did you mean [%s]?') % MAIN,
                    )
                )

    def sections(self):
        """resource sections, sorted: a parent always precedes its children"""
        return [s for s in self.cfg.sections() if s != MAIN and not mainlike(s)]

    def list(self, section, key):
        """a whitespace-separated option as a list, or None when unset"""
        value = self.cfg.get(section, key)
        if value is None:
            return None
        return value.split()

    def _check_options(self):
        for section in self.cfg.sections():
            known = MAIN_OPTIONS if section == MAIN else RESOURCE_OPTIONS
            for key, _value in self.cfg.items(section):
                if key in known:
                    continue
                self.report(
                    self.error(
                        section,
                        key,
                        _(b'unknown option %s in section [%s]') % (key, section),
                        hint=suggest(key, known),
                    )
                )

    def _basedir(self):
        value = self.cfg.get(MAIN, b'basedir')
        if value is None or not value.strip():
            return self.home
        value = util.expandpath(value.strip())
        if not os.path.isabs(value):
            self.report(
                self.error(
                    MAIN,
                    b'basedir',
                    _(b'basedir must be an absolute path, not "%s"') % value,
                    hint=_(b'start it with / or ~'),
                )
            )
            return self.home
        return os.path.normpath(value)

    def _seconds(self, key, default, zero=False):
        def parse(value):
            try:
                number = float(value)
            except ValueError:
                return None
            ok = math.isfinite(number) and number >= 0 and (number > 0 or zero)
            return number if ok else None

        message = _(b'%s must be a number of seconds, not "%s"')
        hint = _(b'use a number, such as %s = %d') % (key, default)
        return self._typed(key, default, parse, message, hint)

    def _bool(self, key, default):
        message = _(b'%s must be true or false, not "%s"')
        hint = _(b'use %s = true or %s = false') % (key, key)
        return self._typed(key, default, stringutil.parsebool, message, hint)

    def _typed(self, key, default, parse, message, hint):
        """``key`` of the main section as ``parse`` reads it; ``default``
        when it is absent, or when ``parse`` refuses it (reported)"""
        value = self.cfg.get(MAIN, key)
        if value is None:
            return default
        parsed = parse(value)
        if parsed is None:
            self.report(self.error(MAIN, key, message % (key, value), hint=hint))
            return default
        return parsed


def suggest(key, known):
    """the hint for an unknown option: the nearest known one, or all"""
    close = difflib.get_close_matches(key, sorted(known), 1)
    if close:
        return _(b'did you mean %s?') % close[0]
    return _(b'use one of %s') % b', '.join(sorted(known))


def mainlike(section):
    """does ``section`` look like a misspelling of the main section?"""
    name = section.strip(b':').lower()
    return bool(difflib.get_close_matches(name, [b'silvermirror'], 1, 0.8))


def commentat(value, source):
    """``file:line`` of an end-of-line comment in ``value``, or None

    ``source`` is where hg's parser says the value is: its last line, for
    a value continued on further lines.
    """
    m = _COMMENTRE.search(value or b'')
    if m is None:
        return None
    below = value[m.end() - 1 :].count(b'\n')
    fname, sep, line = (source or b'').rpartition(b':')
    if not sep or not line.isdigit():
        return source
    return b'%s:%d' % (fname, int(line) - below)


def uncommented(value):
    return value[: _COMMENTRE.search(value).start()].rstrip()


def commenterror(name, value, where):
    """the error for a value holding an end-of-line comment"""
    comment = value[_COMMENTRE.search(value).start() :].strip().split(b'\n')[0]
    return error.ConfigError(
        _(b'end-of-line comment in %s: "%s"') % (name, comment),
        where,
        hint=COMMENT_HINT,
    )


# hgrc entries already warned about: a daemon reads its config again
_warned = set()


def checkhgrc(ui, problems=None):
    """refuse comments in ``[silvermirror]`` values, warn of unknown keys

    With ``problems`` (a list) both are collected there instead.
    """
    known = set(configitems.eh.configtable.get(b'silvermirror', {}))
    for key, value in ui.configitems(b'silvermirror'):
        source = ui.configsource(b'silvermirror', key)
        # a value set in code (an override such as in-sync) is no text
        where = commentat(value, source) if isinstance(value, bytes) else None
        if where is not None:
            inst = commenterror(b'silvermirror.' + key, value, where)
            if problems is None:
                raise inst
            problems.append(inst)
        if key in known:
            continue
        msg = _(b'unknown option silvermirror.%s') % key
        hint = suggest(key, known - {b'in-sync'})
        if problems is not None:
            problems.append(error.ConfigError(msg, source or None, hint=hint))
        elif (key, source) not in _warned:
            _warned.add((key, source))
            ui.warn(_(b'warning at %s: %s\n(%s)\n') % (source, msg, hint))


def parse_maxdelete(value):
    """``50%``, ``50`` or ``off`` -> 50.0 or None; ValueError otherwise"""
    text = value.strip().lower()
    if text in (b'off', b'none', b'never'):
        return None
    share = float(text[:-1] if text.endswith(b'%') else text)
    if not 0 <= share <= 100:
        raise ValueError(value)
    return share


def parse_bigfile(value):
    """``10MB``, ``1.5g``, ``4096`` or ``off`` -> bytes or None; hg's own
    size units (``util.sizetoint``), ValueError below one byte"""
    text = value.strip().lower()
    if text in (b'off', b'none', b'never'):
        return None
    try:
        size = util.sizetoint(text)
    except error.ParseError:
        size = 0
    if size < 1:
        raise ValueError(value)
    return size


def formatmaxdelete(share):
    """the text ``parse_maxdelete`` reads back: ``50%``, or None if off"""
    if share is None:
        return None
    return b'%s%%' % stringutil.forcebytestr(repr(float(share)))


def _lineage(section):
    """``a:b:c`` -> ``a:b:c``, ``a:b``, ``a``, then the main section"""
    parts = section.split(b':')
    for i in range(len(parts), 0, -1):
        yield b':'.join(parts[:i])
    yield MAIN


def lineage(section):
    return list(_lineage(section))


def nofile(path):
    """the abort of a sync that finds no SilverMirror file"""
    inst = error.Abort(
        _(b'no SilverMirror file at %s: nothing to sync') % path,
        hint=_(
            b"create it (see 'hg help -e hgext_silvermirror'), or copy "
            b"another node's with 'hg mirror-clone HOST'"
        ),
    )
    # missing configuration, as ConfigError counts it
    inst.detailed_exit_code = 30
    return inst


def home():
    return os.path.normpath(
        encoding.environ.get(b'HOME') or os.path.expanduser(b'~')
    )


def configpath(ui):
    """where this node keeps its SilverMirror file

    A relative ``silvermirror.config`` set in an hgrc is relative to that
    hgrc, as hg's own path options are; on the command line, to the
    current directory.
    """
    path = ui.config(b'silvermirror', b'config')
    if not path:
        return os.path.join(home(), b'.silvermirror')
    path = util.expandpath(path)
    if not os.path.isabs(path):
        src = ui.configsource(b'silvermirror', b'config')
        if b':' in src:
            path = os.path.join(os.path.dirname(src.rsplit(b':', 1)[0]), path)
    return os.path.normpath(os.path.abspath(path))


def nodename(ui):
    """this node's name: ``silvermirror.name``, else the short host name"""
    name = ui.config(b'silvermirror', b'name')
    if name and name.strip():
        return name.strip()
    return encoding.strtolocal(socket.gethostname()).split(b'.')[0]


class _missinginclude(Exception):
    """an ``%include`` named a file that does not exist"""


def _malformed(inst):
    """mercurial.config's bare parse error, made to say what to do"""
    line = inst.message
    prefix = b'unexpected leading whitespace: '
    if line.startswith(prefix):
        line = line[len(prefix) :]
        hint = _(b'indent only lines that continue the value above')
    elif line.startswith(b'['):
        hint = _(b'write a section header as [name]')
    else:
        hint = _(b'write options as "name = value" under a [section]')
    return error.ConfigError(
        _(b'malformed line "%s"') % line.strip(), inst.location, hint=hint
    )


def _read(path):
    """parse ``path`` and its includes; (config, section header locations)"""
    cfg = hgconfig.config()
    headers = {}
    reading = []

    def readone(fname):
        try:
            with open(fname, 'rb') as fp:
                data = fp.read()
        except FileNotFoundError:
            raise _missinginclude(fname)
        reading.append(fname)
        for n, l in enumerate(data.splitlines(), 1):
            m = _SECTIONRE.match(l)
            if m:
                headers.setdefault(m.group(1), b'%s:%d' % (fname, n))

        def include(rel, remap=None, sections=None):
            abspath = os.path.normpath(os.path.join(os.path.dirname(fname), rel))
            if abspath in reading:
                raise error.ConfigError(
                    _(b'cannot include %s: it includes itself') % abspath,
                    _includeline(fname, data, rel),
                    hint=_(b'remove the %include line'),
                )
            try:
                readone(abspath)
            except _missinginclude:
                raise error.ConfigError(
                    _(b'cannot include %s: no such file') % abspath,
                    _includeline(fname, data, rel),
                    hint=_(b'create it or remove the %include line'),
                )
            cfg.new_source()

        cfg.new_source()
        try:
            cfg.parse(fname, data, include=include)
        except error.ConfigError as inst:
            # ours and mercurial's "cannot include" carry a hint or a reason
            if inst.hint or inst.message.startswith(b'cannot include'):
                raise
            raise _malformed(inst)
        finally:
            reading.pop()

    readone(path)
    return cfg, headers


def _includeline(fname, data, rel):
    """``file:line`` of the ``%include`` of ``rel`` in ``data``"""
    for n, l in enumerate(data.splitlines(), 1):
        m = _INCLUDERE.match(l)
        if m and util.expandpath(m.group(1)) == rel:
            return b'%s:%d' % (fname, n)
    return fname


def load(ui, path=None, problems=None):
    """read the SilverMirror file of this node

    A missing file at the default location gives the default configuration
    (``conflict = ClobberRemote``, no resources, ``exists`` false); a file
    named explicitly must exist.  With ``problems`` (a list), the errors
    of the file's values and of the hgrc section are collected there
    rather than raised (a file that cannot be parsed still raises).
    """
    checkhgrc(ui, problems)
    exists = True
    explicit = path is not None or ui.config(b'silvermirror', b'config')
    if path is None:
        path = configpath(ui)
    if os.path.isdir(path):
        raise error.ConfigError(
            _(b'cannot read SilverMirror file %s: it is a directory') % path,
            hint=_(b'point silvermirror.config at a file'),
        )
    try:
        cfg, headers = _read(path)
    except _missinginclude:
        if explicit:
            raise error.ConfigError(
                _(b'no SilverMirror file at %s') % path,
                hint=_(b'create it or fix silvermirror.config'),
            )
        cfg, headers, exists = hgconfig.config(), {}, False
        cfg.parse(
            b'<default>', b'[%s]\nconflict = %s\n' % (MAIN, DEFAULT_HANDLER)
        )
    except OSError as inst:
        reason = encoding.strtolocal(inst.strerror or os.strerror(errno.EIO))
        raise error.ConfigError(
            _(b'cannot read SilverMirror file %s: %s') % (path, reason),
            hint=_(b'make it readable or fix silvermirror.config'),
        )
    return mirrorconfig(path, cfg, home(), headers, problems, exists)

# config.py - read and validate the SilverMirror file
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""the SilverMirror INI file, read with Mercurial's own config parser

The file is never merged into a ui: it is parsed into its own
``mercurial.config.config`` so that every value keeps its ``file:line``
for error messages, and ``%include``/``%unset``/continuation lines work as
they do in hgrc.  This module knows the option names and their syntax;
``resources`` turns sections into resources.
"""

import os
import socket

from mercurial.i18n import _
from mercurial import (
    config as configmod,
    encoding,
    error,
    util,
)
from mercurial.utils import stringutil

MAIN = b'::SilverMirror::'

DEFAULT_HANDLER = b'ClobberRemote'
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAXDELETE = 50
# deleting this many files or fewer never trips the mass-deletion guard
MAXDELETE_FLOOR = 20
DEFAULT_DEBOUNCE = 1.0
DEFAULT_INTERVAL = 300.0

# options shared by the main section and resources (resources inherit them)
_INHERITED = (
    b'hosts',
    b'ignore',
    b'conflict',
    b'conflict.push',
    b'conflict.pull',
    b'maxdelete',
)
MAIN_OPTIONS = frozenset(
    _INHERITED
    + (b'basedir', b'timeout', b'password', b'interval', b'debounce')
)
RESOURCE_OPTIONS = frozenset(_INHERITED + (b'directory',))


class mirrorconfig:
    """the parsed file: main options and the raw resource sections"""

    def __init__(self, path, cfg, home):
        self.path = path
        self.cfg = cfg
        self.home = home
        self._check_options()
        self.basedir = self._basedir()
        self.timeout = self._positive(b'timeout', DEFAULT_TIMEOUT)
        self.interval = self._positive(b'interval', DEFAULT_INTERVAL)
        self.debounce = self._positive(b'debounce', DEFAULT_DEBOUNCE, zero=True)
        self.password = self._bool(b'password', True)

    # raw access, with locations
    def get(self, section, key):
        return self.cfg.get(section, key)

    def source(self, section, key=None):
        if key is None:
            return self.path
        return self.cfg.source(section, key) or self.path

    def error(self, section, key, msg, hint=None):
        return error.ConfigError(msg, self.source(section, key), hint=hint)

    def sections(self):
        """resource sections in file order"""
        return [s for s in self.cfg.sections() if s != MAIN]

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
                if key not in known:
                    raise self.error(
                        section,
                        key,
                        _(b'unknown option %s in section [%s]')
                        % (key, section),
                        hint=_(b'known options: %s')
                        % b', '.join(sorted(known)),
                    )

    def _basedir(self):
        value = self.cfg.get(MAIN, b'basedir')
        if value is None:
            return self.home
        value = util.expandpath(value.strip())
        if not os.path.isabs(value):
            raise self.error(
                MAIN,
                b'basedir',
                _(b'basedir must be an absolute path: %s') % value,
            )
        return os.path.normpath(value)

    def _positive(self, key, default, zero=False):
        value = self.cfg.get(MAIN, key)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if number < 0 or (number == 0 and not zero) or number != number:
            raise self.error(
                MAIN,
                key,
                _(b'%s must be a positive number of seconds, not "%s"')
                % (key, value),
            )
        return number

    def _bool(self, key, default):
        value = self.cfg.get(MAIN, key)
        if value is None:
            return default
        parsed = stringutil.parsebool(value)
        if parsed is None:
            raise self.error(
                MAIN,
                key,
                _(b'%s must be true or false, not "%s"') % (key, value),
            )
        return parsed

    def maxdelete(self, section):
        """the mass-deletion share (percent) for ``section``, None if off"""
        for sec in _lineage(section):
            value = self.cfg.get(sec, b'maxdelete')
            if value is not None:
                return parse_maxdelete(value, self.error(sec, b'maxdelete', b''))
        return DEFAULT_MAXDELETE


def parse_maxdelete(value, err):
    """``50%``, ``50`` or ``off``; raises ``err`` (its message filled in)"""
    text = value.strip().lower()
    if text in (b'off', b'none', b'never'):
        return None
    try:
        share = float(text[:-1] if text.endswith(b'%') else text)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 100:
        err.message = _(b'maxdelete must be a percentage or "off", not "%s"') % (
            value
        )
        raise err
    return share


def _lineage(section):
    """``a:b:c`` -> ``a:b:c``, ``a:b``, ``a``, then the main section"""
    parts = section.split(b':')
    for i in range(len(parts), 0, -1):
        yield b':'.join(parts[:i])
    yield MAIN


def lineage(section):
    return list(_lineage(section))


def home():
    return os.path.normpath(
        encoding.environ.get(b'HOME') or os.path.expanduser(b'~')
    )


def configpath(ui):
    """where this node keeps its SilverMirror file"""
    path = ui.config(b'silvermirror', b'config')
    if path:
        return os.path.abspath(util.expandpath(path))
    return os.path.join(home(), b'.silvermirror')


def nodename(ui):
    """this node's name: ``silvermirror.name``, else the short host name"""
    name = ui.config(b'silvermirror', b'name')
    if name:
        return name.strip()
    return encoding.strtolocal(socket.gethostname()).split(b'.')[0]


def load(ui, path=None):
    """read the SilverMirror file of this node

    A missing file at the default location gives the default configuration
    (``conflict = ClobberRemote``, no resources); a file named explicitly
    must exist.
    """
    explicit = path is not None or ui.config(b'silvermirror', b'config')
    if path is None:
        path = configpath(ui)
    cfg = configmod.config()
    if os.path.isdir(path):
        raise error.ConfigError(
            _(b'SilverMirror file %s is a directory') % path,
            hint=_(b'point silvermirror.config at a file'),
        )
    try:
        with open(path, 'rb') as fp:
            cfg.read(path, fp)
    except FileNotFoundError:
        if explicit:
            raise error.ConfigError(
                _(b'SilverMirror file %s not found') % path,
                hint=_(b'create it or fix silvermirror.config'),
            )
        cfg.parse(b'<default>', b'[%s]\nconflict = %s\n' % (MAIN, DEFAULT_HANDLER))
    except PermissionError as inst:
        raise error.ConfigError(
            _(b'cannot read SilverMirror file %s: %s')
            % (path, encoding.strtolocal(inst.strerror)),
        )
    return mirrorconfig(path, cfg, home())

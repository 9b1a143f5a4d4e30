"""what crosses a boundary: a request to a host, an exception out of a command

A request travels as hg's CBOR, which has no floats: every value a sync
sends must encode, and come back as the host needs it.  An exception a
command does not expect becomes one abort line with the report hint.
"""

import io

import pytest
from hypothesis import given, strategies as st

from mercurial import error, ui as uimod

from hgext_silvermirror import boundary
from hgext_silvermirror import config as configmod
from hgext_silvermirror import host, wire


@given(st.one_of(st.none(), st.floats(min_value=0, max_value=100)))
def test_maxdelete_crosses_the_wire(share):
    sent = wire.encode({b'maxdelete': configmod.formatmaxdelete(share)})
    back = host._maxdelete(wire.decode(sent)[b'maxdelete'])
    assert back == share


@pytest.mark.parametrize('value', [b'lots', b'150%', 7])
def test_a_malformed_maxdelete_is_refused_by_the_host(value):
    with pytest.raises(wire.HostError):
        host._maxdelete(value)


@pytest.fixture
def ui():
    u = uimod.ui.load()
    u.ferr = io.BytesIO()
    return u


def test_a_bug_is_an_abort_with_the_report_hint(ui):
    def command(ui, name):
        return {}[name]

    with pytest.raises(error.Abort) as exc:
        boundary.guard(command)(ui, b'x')
    assert exc.value.message == b"internal error: KeyError: b'x'"
    assert b'please report it at' in exc.value.hint
    assert isinstance(exc.value.__cause__, KeyError)


@pytest.mark.parametrize(
    'inst', [error.Abort(b'no'), error.RepoError(b'gone'), OSError(2, 'x')]
)
def test_what_hg_renders_passes_through(ui, inst):
    def command(ui):
        raise inst

    with pytest.raises(type(inst)):
        boundary.guard(command)(ui)


def test_wrong_arguments_are_hgs_invalid_arguments(ui):
    def command(ui, name):
        raise TypeError('inside')

    with pytest.raises(error.SignatureError):
        boundary.guard(command)(ui, b'a', b'b')
    with pytest.raises(error.Abort):
        boundary.guard(command)(ui, b'a')


def test_the_command_keeps_its_registration(ui):
    from hgext_silvermirror import cmdtable

    func = cmdtable[b'mirror-push'][0]
    assert func.norepo and func.helpbasic
    assert func.__doc__.startswith('mirror resources')

"""Mercurial's private names are used in compat.py alone

A new hg version is then checked in one module.  The package's own
private names (a module's helper used by another, an attribute it sets
itself), attributes on ``self`` and the standard library's ``os._exit``
are not hg's.
"""

import ast
import pathlib

import hgext_silvermirror

PACKAGE = pathlib.Path(hgext_silvermirror.__file__).parent
# private names of the standard library the package may use
STDLIB = {'_exit'}
# calls whose string argument names an attribute
BYNAME = {'getattr', 'hasattr', 'setattr', 'delattr', 'wrapfunction'}


def _trees():
    for path in sorted(PACKAGE.rglob('*.py')):
        yield path, ast.parse(path.read_text(), str(path))


def _private(name):
    return name.startswith('_') and not name.startswith('__') and name != '_'


def _assigned(trees):
    """the private attributes the package sets on objects itself"""
    names = set()
    for _path, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Call) and _callname(node) == 'setattr':
                names.update(_strings(node))
    return {n for n in names if _private(n)}


def _callname(call):
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return getattr(func, 'id', None)


def _strings(call):
    return [
        a.value
        for a in call.args
        if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]


def _ownmodules(tree):
    """the local names of the package's own modules in ``tree``"""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level
        for alias in node.names
    }


def _uses(tree):
    """``(line, name)`` of each private name ``tree`` takes from others"""
    own = _ownmodules(tree) | {'self', 'cls'}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id in own):
                yield node.lineno, node.attr
        elif isinstance(node, ast.Call) and _callname(node) in BYNAME:
            for name in _strings(node):
                yield node.lineno, name
        elif isinstance(node, ast.ImportFrom) and not node.level:
            for alias in node.names:
                yield node.lineno, alias.name


def test_private_hg_names_only_in_compat():
    trees = list(_trees())
    allowed = _assigned(trees) | STDLIB
    found = [
        '%s:%d: %s' % (path.relative_to(PACKAGE.parent), line, name)
        for path, tree in trees
        if path != PACKAGE / 'compat.py'
        for line, name in _uses(tree)
        if _private(name) and name not in allowed
    ]
    assert found == [], 'private Mercurial names outside compat.py:\n' + '\n'.join(
        found
    )


def test_the_check_sees_a_private_access():
    tree = ast.parse(
        'from . import wire\n'
        'ignore = repo.dirstate._ignore\n'
        "extensions.wrapfunction(filemerge, '_picktool', f)\n"
        'from mercurial.lock import _getlockprefix\n'
        'wire._serve(self._x)\n'
    )
    found = {name for _line, name in _uses(tree) if _private(name)}
    assert found == {'_ignore', '_picktool', '_getlockprefix'}

"""a third-party conflict handler, registered through the entry point group"""

from setuptools import setup

setup(
    name='silvermirror-testplugin',
    version='1.0',
    py_modules=['sm_testplugin'],
    entry_points={
        'silvermirror.conflict_handlers': [
            'Concatenate = sm_testplugin:Concatenate',
        ],
    },
)

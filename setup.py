from setuptools import setup

HANDLERS = 'silvermirror.conflict_handlers'

setup(
    name='hg-silvermirror',
    version='0.1.0',
    description='Keep directory trees identical across computers, with Mercurial',
    long_description=open('README').read(),
    license='GPL-2.0-or-later',
    python_requires='>=3.11',
    # the silvermirror command: a shell script that runs chg, else this
    # module, outside the package (it starts before hg)
    scripts=['bin/silvermirror'],
    py_modules=['silvermirror_cli'],
    packages=[
        'hgext_silvermirror',
        'hgext_silvermirror.daemon',
        'hgext_silvermirror.firstcontact',
        'hgext_silvermirror.statcache',
    ],
    install_requires=['mercurial>=7.2,<7.3', 'watchdog>=4'],
    extras_require={
        'evolve': ['hg-evolve>=12'],
        'test': [
            'pytest>=8',
            'pytest-xdist>=3',
            'cram>=0.7',
            'hypothesis>=6',
            'hg-evolve>=12',
        ],
    },
    entry_points={
        'console_scripts': [
            'silvermirrord = hgext_silvermirror.daemon:main',
        ],
        HANDLERS: [
            'ClobberLocal = hgext_silvermirror.conflicts:clobberlocal',
            'ClobberRemote = hgext_silvermirror.conflicts:clobberremote',
            'Merge = hgext_silvermirror.conflicts:merge',
            'KeepBoth = hgext_silvermirror.conflicts:keepboth',
            'Prompt = hgext_silvermirror.conflicts:prompt',
        ],
    },
)

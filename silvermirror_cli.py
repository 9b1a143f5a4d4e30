# silvermirror_cli.py - the ``silvermirror`` command, where no chg serves it
#
# This software may be used and distributed according to the terms of the
# GNU General Public License version 2 or any later version.

"""``python -P -m silvermirror_cli HGCOMMAND [ARG]...``

What the ``silvermirror`` command (``bin/silvermirror``, a shell script
that maps its sub-commands onto the hg commands) runs when no chg serves
it: the hg command line in this process (``hgext_silvermirror.cli``).

A module of its own, outside the extension's package: importing the
package loads the whole extension before hg's demand importer is on.
"""

import sys


def main(argv=None):
    from hgext_silvermirror import cli

    sys.exit(cli.run(sys.argv[1:] if argv is None else list(argv)))


if __name__ == '__main__':
    main()

# daemon.py - silvermirrord (placeholder until the daemon lands)
"""silvermirrord: not implemented yet"""

import sys


def main(argv=None):
    sys.stderr.write('silvermirrord: not implemented yet\n')
    sys.exit(2)

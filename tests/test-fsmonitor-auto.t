hg's fsmonitor in a big resource, with no setting
=================================================

Where Watchman is installed, a resource of about 10,000 files or more
runs hg's fsmonitor extension, here and on its hosts: a status asks
Watchman what changed instead of walking the tree.  This test lowers
that size to 10 files (`silvermirror.fsmonitor-files`) and runs a
Watchman server of its own, which every node reaches through
`fsmonitor.watchman_exe` (a user's hg starts their own server itself).

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ command -v chg > /dev/null || exit 80
  $ startwatchman
  $ cat >> $TESTTMP/.hgrc <<EOF
  > [silvermirror]
  > fsmonitor-files = 10
  > [fsmonitor]
  > watchman_exe = $WATCHMAN_BIN
  > EOF

alpha mirrors docs to beta over ssh; beta serves through its chg:

  $ pairnodes alpha beta docs
  $ printf '[ui]\n%%unset remotecmd\n' >> alpha/.hgrc
  $ mkdir beta/bin
  $ ln -s "`command -v hg`" beta/bin/hg
  $ ln -s "`command -v chg`" beta/bin/chg
  $ mkdir -p alpha/docs/sub
  $ for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  >   echo $i > alpha/docs/sub/file-$i.txt
  > done
  $ cd alpha/docs
  $ on alpha hg mirror-push -q

The resource is now big enough: hg in it runs fsmonitor, set by
SilverMirror:

  $ on alpha hg config extensions --source | grep fsmonitor
  silvermirror: extensions.fsmonitor=
  $ on alpha hg status

Edits on both sides, each seen right after it is made:

  $ echo changed >> sub/file-1.txt
  $ echo new > sub/new.txt
  $ rm sub/file-2.txt
  $ on alpha hg status
  M sub/file-1.txt
  ! sub/file-2.txt
  ? sub/new.txt
  $ echo "beta's" > $TESTTMP/beta/docs/from-beta.txt
  $ mv $TESTTMP/beta/docs/sub/file-3.txt $TESTTMP/beta/docs/sub/renamed.txt
  $ (cd $TESTTMP/beta/docs && on beta hg status)
  ! sub/file-3.txt
  ? from-beta.txt
  ? sub/renamed.txt
  $ on alpha hg mirror-push
  docs: recorded 1 added, 1 modified, 1 removed
  docs: beta: pulled 1 changesets, pushed 2 changesets
  1 resources, 1 host syncs: 1 synced
  $ diff -r -x .hg . $TESTTMP/beta/docs
  $ on alpha hg status
  $ (cd $TESTTMP/beta/docs && on beta hg status)

Watchman watches both copies:

  $ watchman --no-spawn --sockname=$WATCHMAN_SOCK watch-list | grep -c '/docs"'
  2

fsmonitor's state is kept through the sync, on both sides, and the next
syncs go on in the same chg server on beta (what SilverMirror adds to a
repository's configuration does not make chg start another one):

  $ ls .hg/fsmonitor.state $TESTTMP/beta/docs/.hg/fsmonitor.state | wc -l
  2
  $ echo again >> sub/file-1.txt
  $ on alpha hg mirror-push -q
  $ on alpha hg mirror-push
  docs: beta: up to date
  1 resources, 1 host syncs: 1 synced
  $ cat $TESTTMP/beta/docs/sub/file-1.txt
  1
  changed
  again
  $ python3 "$TESTDIR/nodes.py" chgservers "$TESTTMP/beta"
  1

A repository that is not a resource is left alone, however big:

  $ hg init $TESTTMP/other
  $ cp -r sub $TESTTMP/other/
  $ (cd $TESTTMP/other && on alpha hg add -q && on alpha hg commit -qm big)
  $ (cd $TESTTMP/other && on alpha hg config extensions.fsmonitor)
  [1]

A resource with big files keeps its walk: fsmonitor does not run next to
hg's largefiles, and nothing is said:

  $ printf '[pics]\nbigfile = 1kB\n' >> $TESTTMP/alpha/.silvermirror
  $ mkdir $TESTTMP/alpha/pics
  $ cp sub/* $TESTTMP/alpha/pics/
  $ photo $TESTTMP/alpha/pics/big.jpg big 4000
  $ on alpha hg mirror-push -q pics
  $ cd $TESTTMP/alpha/pics
  $ on alpha hg status
  $ on alpha hg config extensions --source | grep fsmonitor
  [1]
  $ cd $TESTTMP/alpha/docs

`fsmonitor = off` in `[silvermirror]` turns it off, as does the user's
own `[extensions]` line:

  $ on alpha hg config extensions.fsmonitor --config silvermirror.fsmonitor=off
  [1]
  $ on alpha hg config extensions.fsmonitor --config extensions.fsmonitor=!
  !
  $ on alpha hg status --config silvermirror.fsmonitor=off
  $ on alpha hg config extensions.fsmonitor --config silvermirror.fsmonitor=maybe
  config error at --config: silvermirror.fsmonitor is not auto, on or off ('maybe')
  (auto (the default) uses Watchman in resources of 10,000 files and more, where it is installed)
  [30]

mirror-check lists it with the rest, and each repository it could not
open for it:

  $ on alpha hg mirror-check docs --config silvermirror.fsmonitor=maybe
  configuration at --config: silvermirror.fsmonitor is not auto, on or off ('maybe')
    (auto (the default) uses Watchman in resources of 10,000 files and more, where it is installed)
  docs: not opened: silvermirror.fsmonitor is not auto, on or off ('maybe')
    (auto (the default) uses Watchman in resources of 10,000 files and more, where it is installed)
  docs: beta: reachable, * (glob)
  [30]

On a machine without Watchman (here a PATH holding only hg), nothing
changes and nothing is said:

  $ PATH=`dirname "\`command -v hg\`"` on alpha hg status --config fsmonitor.watchman_exe=watchman
  $ PATH=`dirname "\`command -v hg\`"` on alpha hg config extensions.fsmonitor --config fsmonitor.watchman_exe=watchman
  [1]

  $ stopwatchman

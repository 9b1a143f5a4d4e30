Syncing through chg, on this node and on the host
=================================================

Mercurial's chg keeps an hg resident and answers in a few hundredths of a
second where a new hg takes about 0.4 s to start.  SilverMirror works the
same through it: on the node that syncs (`chg mirror-push`, or
`alias hg=chg`) and on the hosts (`ui.remotecmd = chg`, here the test
host's wrapper of it).  `make venv` builds chg into .venv/bin.

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ command -v chg > /dev/null && [ -n "$SM_REMOTE_CHG" ] || exit 80

The chg servers of this test keep their sockets here, where the test
stops them at the end:

  $ mkdir $TESTTMP/.chg
  $ CHGSOCKNAME=$TESTTMP/.chg/server
  $ export CHGSOCKNAME

  $ pairnodes alpha beta docs
  $ cat >> $TESTTMP/alpha/.hgrc <<EOF
  > [ui]
  > remotecmd = $SM_REMOTE_CHG
  > EOF

  $ mkdir -p $TESTTMP/alpha/docs
  $ echo one > $TESTTMP/alpha/docs/notes.txt
  $ cd $TESTTMP/alpha/docs
  $ on alpha chg mirror-push
  docs: created repository in */alpha/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: beta: created, pushed 1 changesets
  1 resources, 1 host syncs: 1 synced
  $ cat $TESTTMP/beta/docs/notes.txt
  one

The servers stay for the next sync, here and on beta; the host's snapshot
and its update run in beta's resident hg:

  $ echo two >> notes.txt
  $ echo "beta's" > $TESTTMP/beta/docs/from-beta.txt
  $ on alpha chg mirror-push
  docs: recorded 0 added, 1 modified, 0 removed
  docs: beta: pulled 1 changesets, pushed 2 changesets
  1 resources, 1 host syncs: 1 synced
  $ cat $TESTTMP/beta/docs/notes.txt from-beta.txt
  one
  two
  beta's
  $ ls $TESTTMP/beta/.chg | grep -c '^server'
  [1-9] (re)

A conflict is decided by the handler as without chg, both versions kept:

  $ echo "alpha's line" > notes.txt
  $ echo "beta's line" > $TESTTMP/beta/docs/notes.txt
  $ on alpha chg mirror-push --conflict ClobberRemote
  docs: recorded 0 added, 1 modified, 0 removed
  docs: conflict in notes.txt with beta: kept local (ClobberRemote); other version: 'hg mirror-restore -r * path:notes.txt' (glob)
  docs: beta: pulled 1 changesets, pushed 2 changesets, 1 conflicts resolved
  1 resources, 1 host syncs: 1 synced
  $ cat notes.txt $TESTTMP/beta/docs/notes.txt
  alpha's line
  alpha's line
  $ on alpha hg cat -r 'desc("snapshot on beta")' notes.txt | tail -1
  beta's line

  $ python3 "$TESTDIR/nodes.py" stopchg "$TESTTMP"

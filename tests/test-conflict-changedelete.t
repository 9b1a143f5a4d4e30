Change/delete conflicts: decided by every handler, never asked
==============================================================

  $ . "$TESTDIR/helpers.sh"

alpha mirrors its documents to beta's copy, reached by its path; each
round below tries one handler:

  $ localpair alpha beta docs
  $ echo hello > alpha/docs/README
  $ on alpha hg mirror-push -q docs
  $ cd alpha/docs

In each round alpha edits `mine.txt`, which beta deletes, and deletes
`theirs.txt`, which beta edits.

  $ conflicts() {
  >   echo "alpha $1" > mine.txt
  >   echo "beta $1" > ../../beta/docs/theirs.txt
  >   on alpha hg mirror-push -q
  >   echo "alpha $1, edited" > mine.txt
  >   rm theirs.txt
  >   rm ../../beta/docs/mine.txt
  >   echo "beta $1, edited" > ../../beta/docs/theirs.txt
  > }

ClobberRemote (the default) follows the local side, deletion included;
the report says how to bring back a version it deleted:

  $ conflicts 1
  $ on alpha hg mirror-push
  docs: recorded 0 added, 1 modified, 1 removed
  docs: conflict in mine.txt with */beta: kept local (ClobberRemote) (glob)
  docs: conflict in theirs.txt with */beta: kept local deletion (ClobberRemote); other version: 'hg mirror-restore -r ???????????? path:theirs.txt' (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ ls . ../../beta/docs
  .:
  README
  mine.txt
  
  ../../beta/docs:
  README
  mine.txt
  $ on alpha hg cat -r 'p2(.)' theirs.txt
  beta 1, edited

ClobberLocal follows beta's side:

  $ conflicts 2
  $ on alpha hg mirror-push -d ClobberLocal
  docs: recorded 0 added, 1 modified, 1 removed
  docs: conflict in mine.txt with */beta: took remote deletion (ClobberLocal); other version: 'hg mirror-restore -r ???????????? path:mine.txt' (glob)
  docs: conflict in theirs.txt with */beta: took remote (ClobberLocal) (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ ls . ../../beta/docs
  .:
  README
  theirs.txt
  
  ../../beta/docs:
  README
  theirs.txt
  $ on alpha hg cat -r 'p1(.)' mine.txt
  alpha 2, edited

KeepBoth and Merge keep the changed file, whichever side changed it:

  $ conflicts 3
  $ on alpha hg mirror-push -d KeepBoth
  docs: recorded 0 added, 1 modified, 1 removed
  docs: conflict in mine.txt with */beta: kept local change (KeepBoth) (glob)
  docs: conflict in theirs.txt with */beta: kept remote change (KeepBoth) (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat mine.txt theirs.txt ../../beta/docs/mine.txt ../../beta/docs/theirs.txt
  alpha 3, edited
  beta 3, edited
  alpha 3, edited
  beta 3, edited

  $ conflicts 4
  $ on alpha hg mirror-push -d Merge
  docs: recorded 0 added, 1 modified, 1 removed
  docs: conflict in mine.txt with */beta: kept local change (Merge) (glob)
  docs: conflict in theirs.txt with */beta: kept remote change (Merge) (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat mine.txt theirs.txt
  alpha 4, edited
  beta 4, edited

Prompt does not ask either, even at a terminal:

  $ conflicts 5
  $ on alpha hg mirror-push -q -d Prompt --config ui.interactive=true < /dev/null
  $ cat mine.txt theirs.txt
  alpha 5, edited
  beta 5, edited
  $ on alpha hg resolve -l
  $ on alpha hg status

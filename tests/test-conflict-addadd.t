Add/add conflicts: the same new path on both nodes
==================================================

  $ . "$TESTDIR/helpers.sh"

alpha mirrors its documents to beta's copy, reached by its path:

  $ localpair alpha beta docs
  $ echo hello > alpha/docs/README
  $ on alpha hg mirror-push -q docs
  $ cd alpha/docs

In each round both nodes create `todo-N.txt` and `photo-N.jpg` with
different contents:

  $ conflicts() {
  >   echo "alpha's list" > todo-$1.txt
  >   printf 'JPG\000alpha' > photo-$1.jpg
  >   echo "beta's list" > ../../beta/docs/todo-$1.txt
  >   printf 'JPG\000beta' > ../../beta/docs/photo-$1.jpg
  > }

  $ conflicts 1
  $ on alpha hg mirror-push
  docs: recorded 2 added, 0 modified, 0 removed
  docs: conflict in photo-1.jpg with */beta: kept local (ClobberRemote); other version: 'hg mirror-restore -r ???????????? path:photo-1.jpg' (glob)
  docs: conflict in todo-1.txt with */beta: kept local (ClobberRemote); other version: 'hg mirror-restore -r ???????????? path:todo-1.txt' (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat todo-1.txt
  alpha's list

  $ conflicts 2
  $ on alpha hg mirror-push -q -d ClobberLocal
  $ cat todo-2.txt
  beta's list
  $ on alpha hg cat -r 'p1(.)' todo-2.txt
  alpha's list

Merge has no common version to merge from, so it keeps both, as KeepBoth
and Prompt without a terminal do:

  $ conflicts 3
  $ on alpha hg mirror-push -d Merge
  docs: recorded 2 added, 0 modified, 0 removed
  docs: conflict in photo-3.jpg with */beta: kept both, binary file (Merge); remote version in photo-3.conflict-beta-19700101-000000.jpg (glob)
  docs: conflict in todo-3.txt with */beta: kept both, added on both sides (Merge); remote version in todo-3.conflict-beta-19700101-000000.txt (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced

  $ conflicts 4
  $ on alpha hg mirror-push -q -d KeepBoth
  $ conflicts 5
  $ on alpha hg mirror-push -q -d Prompt
  $ ls ../../beta/docs | grep -e '-[45]'
  photo-4.conflict-beta-19700101-000000.jpg
  photo-4.jpg
  photo-5.conflict-beta-19700101-000000.jpg
  photo-5.jpg
  todo-4.conflict-beta-19700101-000000.txt
  todo-4.txt
  todo-5.conflict-beta-19700101-000000.txt
  todo-5.txt
  $ cat todo-5.txt todo-5.conflict-*
  alpha's list
  beta's list

The same new file with the same contents on both is no conflict at all:

  $ echo same > same.txt
  $ echo same > ../../beta/docs/same.txt
  $ on alpha hg mirror-push
  docs: recorded 1 added, 0 modified, 0 removed
  docs: */beta: pulled 1 changesets, pushed 2 changesets (glob)
  1 resources, 1 host syncs: 1 synced

The mass-deletion guard
=======================

An unmounted disk or a half-failed rm looks like "delete everything".
SilverMirror refuses to record the deletion of more than `maxdelete`
(default 50%) of a resource's files, when that is more than 20 files.

  $ . "$TESTDIR/helpers.sh"
  $ mknode alpha
  $ mkdir -p $TESTTMP/backup
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/backup
  > [papers]
  > [letters]
  > EOF
  $ mkdir -p $TESTTMP/alpha/papers $TESTTMP/alpha/letters
  $ for i in $(seq 1 30); do echo $i > $TESTTMP/alpha/papers/p$i.txt; done
  $ echo "dear" > $TESTTMP/alpha/letters/l.txt
  $ cd $TESTTMP/alpha
  $ on alpha hg mirror-push all -q

27 of 30 papers disappear. That resource stops; the other one goes on.

  $ rm papers/p1*.txt papers/p2*.txt papers/p3*.txt papers/p5.txt papers/p6.txt papers/p7.txt
  $ ls papers | wc -l
  3
  $ echo "dear you" > letters/l.txt
  $ on alpha hg mirror-push all
  letters: recorded 0 added, 1 modified, 0 removed
  letters: */backup: pushed 1 changesets (glob)
  error: papers: refusing to record the deletion of 27 of 30 files in */alpha/papers (glob)
  (if the files are really gone, run again with --force (limit: maxdelete = 50%))
  2 resources, 1 host syncs: 1 synced
  [255]
  $ ls $TESTTMP/backup/papers | wc -l
  30

When the deletion is real, --force records it:

  $ on alpha hg mirror-push papers --force
  papers: recorded 0 added, 0 modified, 27 removed
  papers: */backup: pushed 1 changesets (glob)
  1 resources, 1 host syncs: 1 synced
  $ ls $TESTTMP/backup/papers | wc -l
  3

and every deleted file is still in history:

  $ (cd papers && on alpha hg cat -r 0 p13.txt)
  13

The commit hook: a user's own commit in a resource mirrors it
=============================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

Two machines, both with the hook enabled as hgrc.example shows:

  $ pairnodes alpha beta docs
  $ cat >> $TESTTMP/.hgrc <<EOF
  > [hooks]
  > commit.silvermirror = python:hgext_silvermirror.hooks.mirror_on_commit
  > EOF

A sync commits (snapshots, merges, the host's snapshot over ssh) but the
hook never fires for those commits: no nested "mirroring" run, locally or
on the host.

  $ mkdir -p $TESTTMP/alpha/docs
  $ echo hello > $TESTTMP/alpha/docs/notes.txt
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg mirror-push
  docs: created repository in */alpha/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: beta: created, pushed 1 changesets
  1 resources, 1 host syncs: 1 synced
  $ echo "from beta" > $TESTTMP/beta/docs/beta.txt
  $ echo "from alpha" > $TESTTMP/alpha/docs/alpha.txt
  $ on alpha hg mirror-push
  docs: recorded 1 added, 0 modified, 0 removed
  docs: beta: pulled 1 changesets, pushed 2 changesets
  1 resources, 1 host syncs: 1 synced

The user's own commit is mirrored right away:

  $ echo more >> notes.txt
  $ on alpha hg commit -m "my own change"
  mirroring docs after commit
  docs: beta: pushed 1 changesets
  1 resources, 1 host syncs: 1 synced
  $ cat $TESTTMP/beta/docs/notes.txt
  hello
  more
  $ cd $TESTTMP/beta/docs
  $ on beta glog
  @  4 my own change ()
  |
  o    3 mirror: merge with beta on alpha (alpha)
  |\
  | o  2 mirror: snapshot on alpha (alpha)
  | |
  o |  1 mirror: snapshot on beta (beta)
  |/
  o  0 mirror: snapshot on alpha (alpha)
  

A commit while the other node has changes of its own: the merge that the
hook's sync commits does not start another sync.

  $ cd $TESTTMP/alpha/docs
  $ echo "beta's line" > $TESTTMP/beta/docs/beta.txt
  $ echo "alpha's line" >> notes.txt
  $ on alpha hg commit -m "alpha edits"
  mirroring docs after commit
  docs: beta: pulled 1 changesets, pushed 2 changesets
  1 resources, 1 host syncs: 1 synced
  $ on alpha glog -l 3
  @    7 mirror: merge with beta on alpha (alpha)
  |\
  | o  6 mirror: snapshot on beta (beta)
  | |
  | ~
  o  5 alpha edits ()
  |
  ~
  $ cat $TESTTMP/beta/docs/notes.txt
  hello
  more
  alpha's line

Several commits under one lock (here: two patches through one "hg import")
mirror once; a commit in a repository that is not a resource does nothing:

  $ cd $TESTTMP
  $ on alpha hg clone -q alpha/docs scratch
  $ echo one > scratch/one.txt
  $ on alpha hg -R scratch commit -qAm one
  $ echo two > scratch/two.txt
  $ on alpha hg -R scratch commit -qAm two
  $ on alpha hg -R scratch export -q -r 'tip^' -r tip -o 'p%m.patch'
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg import $TESTTMP/pone.patch $TESTTMP/ptwo.patch
  applying */pone.patch (glob)
  applying */ptwo.patch (glob)
  mirroring docs after commit
  docs: beta: pushed 2 changesets
  1 resources, 1 host syncs: 1 synced
  $ cat $TESTTMP/beta/docs/two.txt
  two

An empty directory, which hg does not track, is recorded by the sync; a
user's commit afterwards changes no directory, so the hook's sync adds no
snapshot of its own, and the directory stays on the host:

  $ mkdir $TESTTMP/alpha/docs/empty
  $ on alpha hg mirror-push
  docs: beta: pushed 1 changesets
  1 resources, 1 host syncs: 1 synced
  $ echo again >> notes.txt
  $ on alpha hg commit -m "with an empty directory"
  mirroring docs after commit
  docs: beta: pushed 1 changesets
  1 resources, 1 host syncs: 1 synced
  $ on alpha glog -l 2
  @  11 with an empty directory ()
  |
  o  10 mirror: snapshot on alpha (alpha)
  |
  ~
  $ ls -A $TESTTMP/beta/docs/empty
  $ on alpha hg mirror-push
  docs: beta: up to date
  1 resources, 1 host syncs: 1 synced

The merge after a user's commit keeps the directory too (its own first
parent, the user's commit, has it as the snapshot before recorded it):

  $ echo "beta again" > $TESTTMP/beta/docs/beta.txt
  $ echo "alpha again" >> notes.txt
  $ on alpha hg commit -m "alpha edits again"
  mirroring docs after commit
  docs: beta: pulled 1 changesets, pushed 2 changesets
  1 resources, 1 host syncs: 1 synced
  $ ls -d empty $TESTTMP/beta/docs/empty
  */beta/docs/empty (glob)
  empty

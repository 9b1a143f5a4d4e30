Mirroring a resource between two nodes over ssh
===============================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

Two machines, alpha and beta, each with the same SilverMirror file:

  $ mknode alpha
  $ mknode beta
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = alpha beta
  > [docs]
  > EOF
  $ cp $TESTTMP/alpha/.silvermirror $TESTTMP/beta/.silvermirror

alpha has some documents; beta has nothing yet.

  $ mkdir -p $TESTTMP/alpha/docs/sub
  $ echo hello > $TESTTMP/alpha/docs/notes.txt
  $ echo world > $TESTTMP/alpha/docs/sub/more.txt
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg mirror-push
  docs: created repository in */alpha/docs (glob)
  docs: recorded 2 added, 0 modified, 0 removed
  docs: beta: created, pushed 1 changesets
  1 resources, 1 host syncs: 1 synced

The files are really there on beta:

  $ cat $TESTTMP/beta/docs/notes.txt $TESTTMP/beta/docs/sub/more.txt
  hello
  world
  $ cd $TESTTMP/beta/docs
  $ on beta glog
  @  0 mirror: snapshot on alpha (alpha)
  

A no-op sync creates nothing anywhere:

  $ on beta hg mirror-push
  docs: alpha: up to date
  1 resources, 1 host syncs: 1 synced
  $ on beta hg log -T '{rev}\n' | wc -l
  1

One changed file costs one command to beta after its snapshot: beta's
reply says what its history holds, so nothing is pulled, and the new
changeset travels with the request to update beta's working copy:

  $ cd $TESTTMP/alpha/docs
  $ echo edited > notes.txt
  $ on alpha hg mirror-push --debug | grep '^sending'
  sending hello command
  sending between command
  sending protocaps command
  sending smprepare command
  sending smdeliver command
  $ cat $TESTTMP/beta/docs/notes.txt
  edited
  $ on beta hg -R $TESTTMP/beta/docs status

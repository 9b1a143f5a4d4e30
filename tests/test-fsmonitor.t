Syncing with Mercurial's fsmonitor (Watchman)
=============================================

With hg's fsmonitor extension and a Watchman server, `hg status` asks
Watchman what changed instead of walking the tree, so a sync costs what
changed.  SilverMirror enables it in a big resource by itself
(test-fsmonitor-auto.t); a user's own `[extensions] fsmonitor =` line
enables it in every repository, small ones too, as here.  This test runs
its own Watchman server, stopped by its pid at the end.

  $ . "$TESTDIR/helpers.sh"
  $ startwatchman

alpha syncs with beta, a disk mounted at $TESTTMP/beta:

  $ mknode alpha
  $ mkdir -p $TESTTMP/beta
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/beta
  > [docs]
  > EOF
  $ cat >> $TESTTMP/.hgrc <<EOF
  > [extensions]
  > fsmonitor =
  > [fsmonitor]
  > mode = on
  > warn_when_unused = false
  > EOF

  $ mkdir -p $TESTTMP/alpha/docs/sub
  $ echo one > $TESTTMP/alpha/docs/a.txt
  $ echo two > $TESTTMP/alpha/docs/sub/b.txt
  $ echo three > $TESTTMP/alpha/docs/c.txt
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg mirror-push -q
  $ cat $TESTTMP/beta/docs/a.txt $TESTTMP/beta/docs/sub/b.txt
  one
  two

Edits, a new file, a deletion and a rename, here and on the disk, are all
seen through Watchman:

  $ echo changed >> a.txt
  $ echo new > sub/new.txt
  $ rm c.txt
  $ mv $TESTTMP/beta/docs/sub/b.txt $TESTTMP/beta/docs/sub/b-renamed.txt
  $ echo "beta's" > $TESTTMP/beta/docs/from-beta.txt
  $ on alpha hg mirror-push
  docs: recorded 1 added, 1 modified, 1 removed
  docs: */beta: pulled 1 changesets, pushed 2 changesets (glob)
  1 resources, 1 host syncs: 1 synced
  $ ls -R . | grep -v '^$'
  .:
  a.txt
  from-beta.txt
  sub
  ./sub:
  b-renamed.txt
  new.txt
  $ diff -r -x .hg . $TESTTMP/beta/docs
  $ cat a.txt
  one
  changed
  $ on alpha hg status

Both working copies are watched:

  $ watchman --no-spawn --sockname=$WATCHMAN_SOCK watch-list | grep -c '/docs"'
  2

Nothing changed: nothing recorded anywhere.

  $ on alpha hg mirror-push
  docs: */beta: up to date (glob)
  1 resources, 1 host syncs: 1 synced

A sync takes each repository's lock several times, and hg re-reads the
dirstate each time; what Watchman told fsmonitor is kept through it, so
the next status asks Watchman only for what changed since (without its
state, fsmonitor would ask for every file, slower than no Watchman):

  $ ls .hg/fsmonitor.state $TESTTMP/beta/docs/.hg/fsmonitor.state | wc -l
  2
  $ echo again >> a.txt
  $ on alpha hg mirror-push -q
  $ ls .hg/fsmonitor.state $TESTTMP/beta/docs/.hg/fsmonitor.state | wc -l
  2

  $ stopwatchman

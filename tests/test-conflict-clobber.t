The Clobber handlers over ssh: one side wins, the other is one command away
==========================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

alpha and beta mirror their documents over ssh.  The default handler is
ClobberRemote: on a conflict the version of the node running the sync
stays.

  $ pairnodes alpha beta docs
  $ mkdir alpha/docs
  $ echo 'first draft' > alpha/docs/notes.txt
  $ printf 'PNG\000base' > alpha/docs/logo.png
  $ on alpha hg mirror-push -q docs
  $ on alpha hg mirror-status -q docs | grep conflict
    conflict: push ClobberRemote, pull ClobberRemote

Both edit both files before syncing again:

  $ echo 'alpha draft' > alpha/docs/notes.txt
  $ printf 'PNG\000alpha' > alpha/docs/logo.png
  $ echo 'beta draft' > beta/docs/notes.txt
  $ printf 'PNG\000beta' > beta/docs/logo.png

alpha syncs: its versions stay, and the report says how to get beta's back.

  $ cd alpha/docs
  $ on alpha hg mirror-push
  docs: recorded 0 added, 2 modified, 0 removed
  docs: conflict in logo.png with beta: kept local (ClobberRemote); other version: 'hg mirror-restore -r ac8f22ba0b27 path:logo.png'
  docs: conflict in notes.txt with beta: kept local (ClobberRemote); other version: 'hg mirror-restore -r ac8f22ba0b27 path:notes.txt'
  docs: beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved
  1 resources, 1 host syncs: 1 synced
  $ cat notes.txt ../../beta/docs/notes.txt
  alpha draft
  alpha draft
  $ on alpha hg cat -r ac8f22ba0b27 notes.txt
  beta draft
  $ on alpha hg cat -r ac8f22ba0b27 logo.png | tr '\000' @
  PNG@beta (no-eol)
  $ on alpha glog
  @    3 mirror: merge with beta on alpha (alpha)
  |\
  | o  2 mirror: snapshot on beta (beta)
  | |
  o |  1 mirror: snapshot on alpha (alpha)
  |/
  o  0 mirror: snapshot on alpha (alpha)
  

Another round with ClobberLocal chosen on the command line: now beta's
version wins, and alpha's is the one to restore.

  $ echo 'alpha again' > notes.txt
  $ printf 'PNG\000alpha again' > logo.png
  $ echo 'beta again' > ../../beta/docs/notes.txt
  $ printf 'PNG\000beta again' > ../../beta/docs/logo.png
  $ on alpha hg mirror-push -d clobberlocal
  docs: recorded 0 added, 2 modified, 0 removed
  docs: conflict in logo.png with beta: took remote (ClobberLocal); other version: 'hg mirror-restore -r 1339f59d5044 path:logo.png'
  docs: conflict in notes.txt with beta: took remote (ClobberLocal); other version: 'hg mirror-restore -r 1339f59d5044 path:notes.txt'
  docs: beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved
  1 resources, 1 host syncs: 1 synced
  $ cat notes.txt ../../beta/docs/notes.txt
  beta again
  beta again
  $ tr '\000' @ < logo.png
  PNG@beta again (no-eol)
  $ on alpha hg cat -r 1339f59d5044 notes.txt
  alpha again

Nothing is left behind: no conflict copies, no merge in progress.

  $ on alpha hg status --all | grep -v '^C'
  [1]
  $ on alpha hg resolve -l

Merge: a three-way merge where it is clean, else both versions are kept
=======================================================================

  $ . "$TESTDIR/helpers.sh"

alpha mirrors its documents to beta's copy, reached by its path, and
merges on conflicts:

  $ localpair alpha beta docs 'conflict = Merge'
  $ printf 'title\n\nbody\n\nfooter\n' > alpha/docs/clean.txt
  $ printf 'title\n\nbody\n\nfooter\n' > alpha/docs/overlap.txt
  $ printf 'PNG\000base' > alpha/docs/logo.png
  $ on alpha hg mirror-push -q docs

alpha edits the title of both texts, beta the footer of one and the title
of the other; both change the image.

  $ cd alpha/docs
  $ printf 'alpha title\n\nbody\n\nfooter\n' > clean.txt
  $ printf 'alpha title\n\nbody\n\nfooter\n' > overlap.txt
  $ printf 'PNG\000alpha' > logo.png
  $ printf 'title\n\nbody\n\nbeta footer\n' > ../../beta/docs/clean.txt
  $ printf 'beta title\n\nbody\n\nfooter\n' > ../../beta/docs/overlap.txt
  $ printf 'PNG\000beta' > ../../beta/docs/logo.png
  $ on alpha hg mirror-push
  docs: recorded 0 added, 3 modified, 0 removed
  docs: conflict in clean.txt with */beta: merged (Merge) (glob)
  docs: conflict in logo.png with */beta: kept both, binary file (Merge); remote version in logo.conflict-beta-19700101-000000.png (glob)
  docs: conflict in overlap.txt with */beta: kept both, overlapping edits (Merge); remote version in overlap.conflict-beta-19700101-000000.txt (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 3 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced

The clean merge has both edits; the overlapping one keeps alpha's text at
its path and beta's beside it, without conflict markers anywhere:

  $ cat clean.txt
  alpha title
  
  body
  
  beta footer
  $ cat overlap.txt
  alpha title
  
  body
  
  footer
  $ cat overlap.conflict-beta-19700101-000000.txt
  beta title
  
  body
  
  footer
  $ grep -rl '^<<<<<<<' . ../../beta/docs --exclude-dir=.hg
  [1]
  $ cmp clean.txt ../../beta/docs/clean.txt

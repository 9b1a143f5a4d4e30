Big files: a photo library whose photos stay out of the revlogs
================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

alpha and beta share a photo library over ssh, and a USB disk holds a
third copy.  From 1MB on, a file is a big file (a largefile of hg's
largefiles extension): its history keeps a hash, its content is copied,
hashed and sent in chunks.  Both sides' versions are kept on a conflict.

  $ mkdir -p usb/mirror
  $ sharedfile alpha beta photos "alpha beta $TESTTMP/usb/mirror"
  $ cat >> alpha/.silvermirror <<EOF
  > bigfile = 1MB
  > conflict = KeepBoth
  > EOF
  $ cp alpha/.silvermirror beta/.silvermirror
  $ mkdir -p alpha/photos/2024
  $ photo alpha/photos/2024/beach.jpg 'beach, first take ' 3000000
  $ photo alpha/photos/2024/forest.jpg 'forest ' 2000000
  $ echo 'summer 2024' > alpha/photos/index.txt
  $ cd alpha/photos
  $ on alpha hg mirror-push
  photos: created repository in */alpha/photos (glob)
  photos: recorded 3 added, 0 modified, 0 removed
  photos: beta: created, pushed 1 changesets
  photos: */usb/mirror: created, pushed 1 changesets (glob)
  1 resources, 2 host syncs: 2 synced

The history holds the photos' hashes (`.hglf/`), the store their
contents; the small file is an ordinary one:

  $ on alpha hg manifest -r .
  .hglf/2024/beach.jpg
  .hglf/2024/forest.jpg
  index.txt
  $ ls .hg/store/data .hg/largefiles | grep -v dirstate
  .hg/largefiles:
  * (glob)
  * (glob)
  
  .hg/store/data:
  index.txt.i
  ~2ehglf
  $ cat .hg/silvermirror/bigfiles.rc
  [extensions]
  largefiles =
  [largefiles]
  minsize = 1

beta and the disk have the photos themselves:

  $ cmp 2024/beach.jpg $TESTTMP/beta/photos/2024/beach.jpg
  $ cmp 2024/forest.jpg $TESTTMP/usb/mirror/photos/2024/forest.jpg
  $ on beta hg -R $TESTTMP/beta/photos status

An edit on each side, of different photos, and a new one on beta:

  $ photo 2024/beach.jpg 'beach, cropped ' 2500000
  $ photo $TESTTMP/beta/photos/2024/forest.jpg 'forest, brighter ' 2000000
  $ photo $TESTTMP/beta/photos/2024/lake.jpg 'lake ' 1500000
  $ on alpha hg mirror-push
  photos: recorded 0 added, 1 modified, 0 removed
  photos: beta: pulled 1 changesets, pushed 2 changesets
  photos: */usb/mirror: pushed 3 changesets (glob)
  1 resources, 2 host syncs: 2 synced
  $ for f in beach forest lake; do
  >   cmp 2024/$f.jpg $TESTTMP/beta/photos/2024/$f.jpg && cmp 2024/$f.jpg $TESTTMP/usb/mirror/photos/2024/$f.jpg
  > done
  $ head -c 16 2024/forest.jpg; echo
  forest, brighter

A conflict: both edit the same photo.  Neither version is text-merged or
lost: alpha's stays at its path, beta's is beside it, a big file too:

  $ photo 2024/lake.jpg 'lake at dawn ' 1500000
  $ photo $TESTTMP/beta/photos/2024/lake.jpg 'lake at dusk ' 1500000
  $ on alpha hg mirror-push
  photos: recorded 0 added, 1 modified, 0 removed
  photos: conflict in 2024/lake.jpg with beta: kept both (KeepBoth); remote version in 2024/lake.conflict-beta-*.jpg (glob)
  photos: beta: pulled 1 changesets, pushed 2 changesets, 1 conflicts resolved
  photos: */usb/mirror: pushed 3 changesets (glob)
  1 resources, 2 host syncs: 2 synced
  $ ls 2024
  beach.jpg
  forest.jpg
  lake.conflict-beta-*.jpg (glob)
  lake.jpg
  $ head -c 12 2024/lake.jpg; echo; head -c 12 2024/lake.conflict-beta-*.jpg; echo
  lake at dawn
  lake at dusk
  $ on alpha hg manifest -r . | grep lake
  .hglf/2024/lake.conflict-beta-*.jpg (glob)
  .hglf/2024/lake.jpg
  $ ls $TESTTMP/beta/photos/2024
  beach.jpg
  forest.jpg
  lake.conflict-beta-*.jpg (glob)
  lake.jpg

Every version of every photo is in every node's store, so an old one is
one command away, here or on beta:

  $ on beta hg --cwd $TESTTMP/beta/photos cat -r 0 2024/beach.jpg | head -c 17; echo
  beach, first take
  $ on alpha hg verify -q

A file that grows past the threshold later stays what it was, an
ordinary file; a file the setting is added after stays in the revlogs
too.  Only new files become big files:

  $ photo index.txt 'summer 2024, notes ' 1200000
  $ on alpha hg mirror-push -q
  $ on alpha hg manifest -r . | grep index
  index.txt

A new node takes the library with its photos in one command, every
version of them in its store:

  $ cd $TESTTMP
  $ mknode gamma
  $ sed -i 's/^hosts = alpha beta/hosts = alpha beta gamma/' beta/.silvermirror
  $ cd gamma
  $ on gamma hg mirror-clone beta
  SilverMirror file from beta
  photos: created repository in */gamma/photos (glob)
  photos: alpha: pulled 8 changesets
  photos: beta: up to date
  photos: */usb/mirror: up to date (glob)
  wrote SilverMirror file */gamma/.silvermirror (glob)
  1 resources, 3 host syncs: 3 synced
  $ cmp photos/2024/lake.jpg $TESTTMP/alpha/photos/2024/lake.jpg
  $ on gamma hg -R photos status
  $ ls photos/.hg/largefiles | grep -v dirstate | wc -l
  7

A big file deleted on one node leaves no standin behind there, and comes
back when another node adds it again:

  $ cd $TESTTMP
  $ rm alpha/photos/2024/lake.jpg
  $ on alpha hg mirror-push -q photos
  $ ls alpha/photos/.hglf/2024/lake.jpg beta/photos/2024/lake.jpg
  ls: *: No such file or directory (glob)
  ls: *: No such file or directory (glob)
  [2]
  $ photo beta/photos/2024/lake.jpg 'lake, again ' 1500000
  $ on beta hg mirror-push -q photos
  $ on alpha hg mirror-push -q photos
  $ cmp alpha/photos/2024/lake.jpg beta/photos/2024/lake.jpg

Without the setting, a resource's repository never loads largefiles:

  $ cd $TESTTMP
  $ printf '[::SilverMirror::]\nhosts = beta\n[docs]\n' > alpha/.silvermirror
  $ mkdir alpha/docs
  $ photo alpha/docs/scan.pdf 'scan ' 1500000
  $ on alpha hg mirror-push -q docs
  $ cd alpha/docs
  $ on alpha hg files
  scan.pdf
  $ cd $TESTTMP
  $ ls alpha/docs/.hg/silvermirror/bigfiles.rc beta/docs/.hg/silvermirror/bigfiles.rc
  ls: *: No such file or directory (glob)
  ls: *: No such file or directory (glob)
  [2]

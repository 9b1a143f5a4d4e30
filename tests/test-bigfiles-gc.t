A disk budget for big files' history: keep = current, hg mirror-gc
===================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

alpha keeps a photo library on beta over ssh and on a USB disk.  alpha's
disk is small: it keeps no second copy of its photos, and leaves the old
versions to the hosts.

  $ mkdir -p usb/mirror
  $ sharedfile alpha beta photos "alpha beta $TESTTMP/usb/mirror"
  $ cat >> alpha/.silvermirror <<EOF
  > bigfile = 1MB
  > keep = current
  > EOF
  $ mkdir -p alpha/photos
  $ cd alpha/photos
  $ photo beach.jpg 'beach, first take ' 3000000
  $ photo forest.jpg 'forest ' 2000000
  $ on alpha hg mirror-push -q
  $ photo beach.jpg 'beach, cropped ' 2500000
  $ on alpha hg mirror-push -q
  $ photo beach.jpg 'beach, brighter ' 2600000
  $ on alpha hg mirror-push -q
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  4

mirror-status tells what the history of big files uses here, beyond the
photos themselves: all four versions, the two in the working copy too.
It reads no photo: a second after they were written, their size and
times show them unedited (within that second they count as edited, as
hg's own status cannot trust an mtime of the current second).

  $ nextsecond
  $ on alpha hg mirror-status | grep 'big files'
    big files: 4 contents, 9.63 MB; keep = current: mirror-gc may free 4, 9.63 MB

Two versions of the beach are old; the working copy holds the other two,
unedited.  -n says what would go, and changes nothing.  beta, the first
host, holds them all:

  $ on alpha hg mirror-gc -n
  photos: beach.jpg (7124580b3e53): 2.86 MB, on beta
  photos: beach.jpg (44f9da9db52d): 2.38 MB, on beta
  photos: beach.jpg (ee5a61b953a9): 2.48 MB, on beta (the working copy holds it)
  photos: forest.jpg (75254d314064): 1.91 MB, on beta (the working copy holds it)
  photos: 4 big contents stored, 9.63 MB; keep = current: would free 4, 9.63 MB
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  4
  $ on alpha hg mirror-gc
  photos: 4 big contents stored, 9.63 MB; keep = current: freed 4, 9.63 MB
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  0
  $ on alpha hg mirror-status | grep 'big files'
    big files: 0 contents, 0 bytes; keep = current: mirror-gc may free 0, 0 bytes
  $ on alpha hg status
  $ on alpha hg mirror-gc
  photos: 0 big contents stored, 0 bytes; keep = current: freed 0, 0 bytes

An edit and, a second later, a sync: the new version is stored and
sent, the one it replaced is on beta and the disk already.  The new one
goes at the next gc, as the disk holds it, and the working copy's file
is known unedited from its size and times (a file the sync recorded in
the second it was written in would be read again by the next status):

  $ photo forest.jpg 'forest at noon ' 2000000
  $ nextsecond
  $ on alpha hg mirror-push -q
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  1
  $ on alpha hg mirror-gc -q
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  0

mirror-restore lists the size of each version here: the old one is
still in hg's cache of big files, which the disk's copy shares; the
current one, even out of that cache, is in the working copy:

  $ rm $TESTTMP/alpha/.cache/largefiles/`cat .hglf/forest.jpg`
  $ on alpha hg mirror-restore --list forest.jpg -T '{rev} {size}\n'
  0 1999998
  3 1999995

The old versions are still in history, and come back from beta when
asked for.  mirror-restore lists them; a size is not known when the
content is not here (nor in hg's cache of big files, where alpha clears
the first beach):

  $ rm $TESTTMP/alpha/.cache/largefiles/7124580b3e53*
  $ on alpha hg mirror-restore --list beach.jpg -T '{rev} {size}\n'
  0 
  1 2499990
  2 2600000
  $ on alpha hg mirror-restore -r 0 beach.jpg
  restored beach.jpg from revision 0 (*, written by alpha) (glob)
  the next sync records and mirrors it
  $ head -c 17 beach.jpg; echo
  beach, first take
  $ on alpha hg status
  M beach.jpg
  $ on alpha hg mirror-restore --list beach.jpg -T '{rev} {size}\n'
  0 2999988
  1 2499990
  2 2600000
  $ on alpha hg revert --no-backup beach.jpg
  $ on alpha hg cat -r 0 beach.jpg | head -c 17; echo
  beach, first take
  $ on alpha hg update -q -r 1
  $ head -c 14 beach.jpg; echo
  beach, cropped
  $ on alpha hg update -q tip


What the update and the revert fetched is old again, and goes again,
with what the working copy holds (gc reads a big file to know it
unedited only where hg's dirstate cannot say so, as here after an
update):

  $ on alpha hg mirror-gc
  photos: 5 big contents stored, 11.5 MB; keep = current: freed 5, 11.5 MB
  $ on alpha hg status
  $ on alpha hg verify -q

A content no reachable host holds is never freed.  With the disk
unplugged and beta left out, the next edits stay here:

  $ sed -i "s|^hosts = .*|hosts = alpha $TESTTMP/usb/mirror|" $TESTTMP/alpha/.silvermirror
  $ photo forest.jpg 'forest in autumn ' 2000000
  $ on alpha hg mirror-push -q
  $ photo forest.jpg 'forest in winter ' 2000000
  $ on alpha hg mirror-push -q
  $ mv $TESTTMP/usb $TESTTMP/usb-away
  $ on alpha hg mirror-gc
  photos: forest.jpg (2534d003cc4d): no host holds it, kept
  photos: forest.jpg (5f1a53b1c635): no host holds it, kept
  photos: 2 big contents stored, 3.81 MB; keep = current: freed 0, 0 bytes
  photos: */usb/mirror: unreachable: */usb/mirror does not exist (not mounted?) (glob)
  [1]
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  2

A host's password is never shown, here as everywhere:

  $ sed -i "s|^hosts = .*|hosts = alpha http://alice:secret@127.0.0.1:1/|" $TESTTMP/alpha/.silvermirror
  $ on alpha hg mirror-gc > $TESTTMP/gc.out 2>&1
  [1]
  $ grep -c secret $TESTTMP/gc.out
  0
  [1]
  $ grep unreachable $TESTTMP/gc.out
  photos: http://alice:***@127.0.0.1:1/* unreachable: * (glob)
  $ sed -i "s|^hosts = .*|hosts = alpha $TESTTMP/usb/mirror|" $TESTTMP/alpha/.silvermirror

Plugged back, the disk holds them; -T json says what went where:

  $ mv $TESTTMP/usb-away $TESTTMP/usb
  $ on alpha hg mirror-gc -T json | grep -v '"hash"' | sed "s|$TESTTMP|\$TESTTMP|"
  [
   {
    "current": false,
    "freed": true,
    "host": "$TESTTMP/usb/mirror",
    "path": "forest.jpg",
    "resource": "photos",
    "size": 1999999
   },
   {
    "current": true,
    "freed": true,
    "host": "$TESTTMP/usb/mirror",
    "path": "forest.jpg",
    "resource": "photos",
    "size": 1999999
   }
  ]
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  0
  $ on alpha hg cat -r 4 forest.jpg | head -c 16; echo
  forest in autumn

A deleted big file comes back as its last version, and the next sync
records it:

  $ rm beach.jpg
  $ on alpha hg mirror-push -q
  $ on alpha hg mirror-restore beach.jpg
  restored beach.jpg from revision 5 (*, written by alpha) (glob)
  the next sync records and mirrors it
  $ head -c 15 beach.jpg; echo
  beach, brighter
  $ on alpha hg status
  A beach.jpg
  $ on alpha hg mirror-push -q
  $ on alpha hg status
  $ on alpha hg mirror-restore --list beach.jpg -T '{rev} {deleted} {big}\n'
  0 False True
  1 False True
  2 False True
  6 True True
  7 False True

An edit not yet synced is recorded before a version replaces it:

  $ photo beach.jpg 'beach, retouched ' 2600000
  $ on alpha hg mirror-restore -r 1 beach.jpg
  recorded the unsynced content of beach.jpg in revision 8 first
  restored beach.jpg from revision 1 (*, written by alpha) (glob)
  the next sync records and mirrors it
  $ head -c 14 beach.jpg; echo
  beach, cropped
  $ on alpha hg cat -r 8 beach.jpg | head -c 16; echo
  beach, retouched

A version no host gives is not restored, and nothing changes:

  $ rm -r $TESTTMP/alpha/.cache/largefiles
  $ mv $TESTTMP/usb $TESTTMP/usb-away
  $ on alpha hg mirror-restore -r 4 forest.jpg
  abort: no content of forest.jpg here, nor on */usb/mirror (unreachable) (glob)
  (sync with a host that holds it, then restore again)
  [255]
  $ on alpha hg cat -r 4 forest.jpg
  abort: no content of forest.jpg here, nor on */usb/mirror (unreachable) (glob)
  (sync with a host that holds it, then try again)
  [255]
  $ head -c 16 forest.jpg; echo
  forest in winter
  $ on alpha hg status
  M beach.jpg

A freed content comes from whichever host has it, in the order of the
hosts: not the hub that is down, nor beta, which never had this version,
but the disk once plugged back.  No password is shown:

  $ sed -i "s|^hosts = .*|hosts = alpha http://alice:secret@127.0.0.1:1/ beta $TESTTMP/usb/mirror|" $TESTTMP/alpha/.silvermirror
  $ mv $TESTTMP/usb-away $TESTTMP/usb
  $ on alpha hg mirror-restore -r 4 forest.jpg --verbose > restore.out 2>&1
  $ grep -c secret restore.out
  0
  [1]
  $ grep -e unreachable -e restored restore.out
  http://alice:***@127.0.0.1:1/: unreachable: Connection refused
  restored forest.jpg from revision 4 (*, written by alpha) (glob)
  $ head -c 16 forest.jpg; echo
  forest in autumn

A conflict on a photo whose content alpha freed.  beta takes the library
too: alpha, a host of beta's, has no copy of its photos but the working
copy, and answers "not here", so beta fetches them from the disk.  Then
both retouch the beach; both versions stay, each a big file:

  $ sed -i "s|^hosts = .*|hosts = alpha beta $TESTTMP/usb/mirror|" $TESTTMP/alpha/.silvermirror
  $ printf 'bigfile = 1MB\nconflict = KeepBoth\n' >> $TESTTMP/beta/.silvermirror
  $ on alpha hg mirror-push -q
  $ on alpha hg mirror-gc -q
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  0
  $ on beta hg mirror-pull -q photos
  $ head -c 16 $TESTTMP/beta/photos/forest.jpg; echo
  forest in autumn
  $ photo beach.jpg 'beach, cropped on alpha ' 2600000
  $ photo $TESTTMP/beta/photos/beach.jpg 'beach, cropped on beta ' 2600000
  $ on beta hg mirror-push photos | grep conflict
  photos: conflict in beach.jpg with alpha: kept both (KeepBoth); remote version in beach.conflict-alpha-19700101-000000.jpg
  photos: alpha: pulled 1 changesets, pushed 2 changesets, 1 conflicts resolved
  $ ls
  beach.conflict-alpha-19700101-000000.jpg
  beach.jpg
  forest.jpg
  restore.out
  $ head -c 23 beach.jpg; echo
  beach, cropped on beta 
  $ head -c 23 beach.conflict-*; echo
  beach, cropped on alpha
  $ on alpha hg status

Both are on the disk and beta: alpha lets its copies go too.

  $ on alpha hg mirror-gc
  photos: 2 big contents stored, 4.96 MB; keep = current: freed 2, 4.96 MB
  $ on alpha hg mirror-status | grep 'big files'
    big files: 0 contents, 0 bytes; keep = current: mirror-gc may free 0, 0 bytes

Each comes back from a host when asked for:

  $ for rev in 10 11; do on alpha hg cat -r $rev beach.jpg | head -c 23; echo; done
  beach, cropped on alpha
  beach, cropped on beta 

A new node takes the library from alpha, which holds its photos in the
working copy only, once more: alpha answers "not here" for them, and
they come from beta, which holds them:

  $ on alpha hg mirror-gc -q
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  0
  $ cd $TESTTMP
  $ mknode gamma
  $ sed -i "s|^hosts = .*|hosts = alpha beta gamma $TESTTMP/usb/mirror|" alpha/.silvermirror
  $ cd gamma
  $ on gamma hg mirror-clone alpha
  SilverMirror file from alpha
  photos: created repository in */gamma/photos (glob)
  photos: alpha: pulled 13 changesets
  photos: beta: up to date
  photos: */usb/mirror: up to date (glob)
  wrote SilverMirror file */gamma/.silvermirror (glob)
  1 resources, 3 host syncs: 3 synced
  $ for f in beach.jpg beach.conflict-alpha-19700101-000000.jpg forest.jpg; do
  >   cmp photos/$f $TESTTMP/alpha/photos/$f
  > done
  $ on gamma hg -R photos status
  $ ls $TESTTMP/alpha/photos/.hg/largefiles | grep -v dirstate | wc -l
  0

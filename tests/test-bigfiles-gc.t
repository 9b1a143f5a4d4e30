A disk budget for big files' history: keep = current, hg mirror-gc
===================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

alpha keeps a photo library on beta over ssh and on a USB disk.  alpha's
disk is small: it keeps only the versions its working copy needs, and
leaves the old ones to the hosts.

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

mirror-status tells what the history of big files uses here:

  $ on alpha hg mirror-status | grep 'big files'
    big files: 4 contents, 9.63 MB; keep = current: mirror-gc may free 2, 5.25 MB

Two versions of the beach are old: -n says what would go, and changes
nothing.  beta, the first host, holds them:

  $ on alpha hg mirror-gc -n
  photos: beach.jpg (7124580b3e53): 2.86 MB, on beta
  photos: beach.jpg (44f9da9db52d): 2.38 MB, on beta
  photos: 4 big contents stored, 9.63 MB; keep = current: would free 2, 5.25 MB
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  4
  $ on alpha hg mirror-gc
  photos: 4 big contents stored, 9.63 MB; keep = current: freed 2, 5.25 MB
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  2
  $ on alpha hg mirror-gc
  photos: 2 big contents stored, 4.39 MB; keep = current: freed 0, 0 bytes

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


What the update and the revert fetched is old again, and goes again:

  $ on alpha hg mirror-gc
  photos: 4 big contents stored, 9.63 MB; keep = current: freed 2, 5.25 MB
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
  photos: forest.jpg (75254d314064): no host holds it, kept
  photos: forest.jpg (2534d003cc4d): no host holds it, kept
  photos: 4 big contents stored, 8.20 MB; keep = current: freed 0, 0 bytes
  photos: */usb/mirror: unreachable: */usb/mirror does not exist (not mounted?) (glob)
  [1]
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  4

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
    "freed": true,
    "host": "$TESTTMP/usb/mirror",
    "path": "forest.jpg",
    "resource": "photos",
    "size": 1999998
   },
   {
    "freed": true,
    "host": "$TESTTMP/usb/mirror",
    "path": "forest.jpg",
    "resource": "photos",
    "size": 1999999
   }
  ]
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  2
  $ on alpha hg cat -r 3 forest.jpg | head -c 16; echo
  forest in autumn

A deleted big file comes back as its last version, and the next sync
records it:

  $ rm beach.jpg
  $ on alpha hg mirror-push -q
  $ on alpha hg mirror-restore beach.jpg
  restored beach.jpg from revision 4 (*, written by alpha) (glob)
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
  5 True True
  6 False True

An edit not yet synced is recorded before a version replaces it:

  $ photo beach.jpg 'beach, retouched ' 2600000
  $ on alpha hg mirror-restore -r 1 beach.jpg
  recorded the unsynced content of beach.jpg in revision 7 first
  restored beach.jpg from revision 1 (*, written by alpha) (glob)
  the next sync records and mirrors it
  $ head -c 14 beach.jpg; echo
  beach, cropped
  $ on alpha hg cat -r 7 beach.jpg | head -c 16; echo
  beach, retouched

A version no host gives is not restored, and nothing changes:

  $ rm -r $TESTTMP/alpha/.cache/largefiles
  $ mv $TESTTMP/usb $TESTTMP/usb-away
  $ on alpha hg mirror-restore -r 3 forest.jpg
  abort: no content of forest.jpg here, nor on */usb/mirror (unreachable) (glob)
  (sync with a host that holds it, then restore again)
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
  $ on alpha hg mirror-restore -r 3 forest.jpg --verbose > restore.out 2>&1
  $ grep -c secret restore.out
  0
  [1]
  $ grep -e unreachable -e restored restore.out
  http://alice:***@127.0.0.1:1/: unreachable: Connection refused
  restored forest.jpg from revision 3 (*, written by alpha) (glob)
  $ head -c 16 forest.jpg; echo
  forest in autumn

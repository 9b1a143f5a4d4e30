A USB disk as a host, and adopting copies made by hand
======================================================

  $ . "$TESTDIR/helpers.sh"

alpha and beta share one SilverMirror file whose host is a USB disk
mounted at $TESTTMP/usb/mirror:

  $ usbpair alpha beta photos

alpha and beta both had a copy of their photos, made by hand long ago.
They have drifted apart: beta has a new photo and a changed caption.

  $ mkdir -p $TESTTMP/alpha/photos $TESTTMP/beta/photos
  $ printf 'PNG\0one' > $TESTTMP/alpha/photos/one.png
  $ echo "a day at the sea" > $TESTTMP/alpha/photos/captions.txt
  $ cp $TESTTMP/alpha/photos/* $TESTTMP/beta/photos/
  $ printf 'PNG\0two' > $TESTTMP/beta/photos/two.png
  $ echo "a day at the seaside" > $TESTTMP/beta/photos/captions.txt

alpha pushes to the USB disk, which is just a local path: no ssh at all.

  $ cd $TESTTMP/alpha/photos
  $ on alpha hg mirror-push -q
  $ ls $TESTTMP/usb/mirror/photos
  captions.txt
  one.png

beta pushes too. Its own copy is adopted: committed, joined with the
disk's history, the difference in captions.txt resolved by the handler
(ClobberRemote: beta's own version stays, the other is in history).

  $ cd $TESTTMP/beta/photos
  $ on beta hg mirror-push
  photos: created repository in */beta/photos (glob)
  photos: recorded 3 added, 0 modified, 0 removed
  warning: repository is unrelated
  photos: conflict in captions.txt with */usb/mirror: kept local (ClobberRemote); other version: 'hg mirror-restore -r * path:captions.txt' (glob)
  photos: */usb/mirror: pulled 1 changesets, pushed 2 changesets, 1 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ ls $TESTTMP/usb/mirror/photos
  captions.txt
  one.png
  two.png
  $ cat $TESTTMP/usb/mirror/photos/captions.txt
  a day at the seaside

Nothing was lost: alpha's caption is one command away.

  $ on beta hg log -T '{rev} {desc}\n'
  2 mirror: merge with */usb/mirror on beta (glob)
  1 mirror: snapshot on alpha
  0 mirror: snapshot on beta
  $ on beta hg cat -r 1 captions.txt
  a day at the sea

When the disk is not mounted, nothing is created in its place and the
sync says so (exit 1: finished, but a host was unreachable).

  $ mv $TESTTMP/usb $TESTTMP/usb-unplugged
  $ echo "more" >> captions.txt
  $ on beta hg mirror-push
  photos: recorded 0 added, 1 modified, 0 removed
  photos: */usb/mirror: unreachable: */usb/mirror does not exist (not mounted?) (glob)
  (mount it, or leave it out with -H)
  1 resources, 1 host syncs: 1 unreachable
  [1]
  $ test -e $TESTTMP/usb
  [1]

An ad-hoc host with -H: today the disk is plugged in elsewhere.

  $ on beta hg mirror-push -H $TESTTMP/usb-unplugged/mirror -q
  $ cat $TESTTMP/usb-unplugged/mirror/photos/captions.txt
  a day at the seaside
  more

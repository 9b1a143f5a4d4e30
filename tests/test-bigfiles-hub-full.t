A hub whose disk fills while it takes a photo
=============================================

  $ . "$TESTDIR/helpers.sh"

The hub's repository is on a small disk of its own (an 8 MB tmpfs; the
test is skipped where mount is not permitted), nearly full:

  $ mknode hub
  $ mkdir $TESTTMP/hub/photos
  $ mount -t tmpfs -o size=8m tmpfs $TESTTMP/hub/photos > /dev/null 2>&1 || exit 80
  $ hg init $TESTTMP/hub/photos
  $ head -c 6000000 /dev/zero > $TESTTMP/hub/photos/.hg/filler
  $ servehub hub
  $ mknode alpha
  $ printf '[::SilverMirror::]\nhosts = http://127.0.0.1:%s/\n[photos]\nbigfile = 1MB\n' $HUBPORT > $TESTTMP/alpha/.silvermirror
  $ mkdir $TESTTMP/alpha/photos
  $ photo $TESTTMP/alpha/photos/beach.jpg 'beach, first take ' 3000000
  $ echo 'summer' > $TESTTMP/alpha/photos/index.txt

The sync fails on the hub in one line, and the hub's repository stays as
it was, valid, with no partial content left in its store:

  $ on alpha hg mirror-push photos
  photos: created repository in */alpha/photos (glob)
  photos: recorded 2 added, 0 modified, 0 removed
  photos: http://127.0.0.1:*/: failed: remote error: cannot store largefile 7124580b3e5338478ca8242da32999edc10f6d0f: No space left on device (glob)
  (free space on the disk that filled (the host's, or this node's): the next sync finishes what this one began)
  1 resources, 1 host syncs: 1 failed
  [1]
  $ ls $TESTTMP/hub/photos
  $ ls $TESTTMP/hub/photos/.hg/largefiles
  $ on hub hg -R $TESTTMP/hub/photos verify -q
  $ on hub hg -R $TESTTMP/hub/photos log -T '{rev}\n'

Space freed, the next sync finishes the job:

  $ rm $TESTTMP/hub/photos/.hg/filler
  $ on alpha hg mirror-push photos -q
  $ cmp $TESTTMP/alpha/photos/beach.jpg $TESTTMP/hub/photos/beach.jpg
  $ on hub hg -R $TESTTMP/hub/photos verify -q

Stop the hub (the process this test started), then free its disk:

  $ kill `cat $TESTTMP/hub.pid`
  $ for i in $(seq 100); do umount $TESTTMP/hub/photos 2> /dev/null && break; sleep 0.1; done

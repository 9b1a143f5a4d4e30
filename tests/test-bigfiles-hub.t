Big files through an hg serve hub over HTTP
===========================================

  $ . "$TESTDIR/helpers.sh"

alpha and beta share a photo library through a hub (`hg serve`, push
allowed; its admin makes the repository).  Both name the hub with a
password, which the hub does not ask for and no output shows:

  $ mknode hub
  $ hg init $TESTTMP/hub/photos
  $ servehub hub
  $ for n in alpha beta; do
  >   mknode $n
  >   printf '[::SilverMirror::]\nhosts = http://alice:secret@127.0.0.1:%s/\n[photos]\nbigfile = 1MB\n' $HUBPORT > $TESTTMP/$n/.silvermirror
  >   mkdir $TESTTMP/$n/photos
  > done
  $ photo $TESTTMP/alpha/photos/beach.jpg 'beach, first take ' 3000000
  $ echo 'summer' > $TESTTMP/alpha/photos/index.txt
  $ on alpha hg mirror-push photos --debug > push.out 2>&1
  $ tail -1 push.out
  1 resources, 1 host syncs: 1 synced
  $ grep -c secret push.out
  0
  [1]

The photo's content went up over HTTP to the hub's store, and the hub's
working copy has it:

  $ ls $TESTTMP/hub/photos/.hg/largefiles | grep -v dirstate
  7124580b3e5338478ca8242da32999edc10f6d0f
  $ cmp $TESTTMP/alpha/photos/beach.jpg $TESTTMP/hub/photos/beach.jpg

beta gets it from the hub, edits it and sends it back; alpha gets the
edit:

  $ on beta hg mirror-pull photos
  photos: created repository in */beta/photos (glob)
  photos: http://alice:***@127.0.0.1:*/: pulled 1 changesets (glob)
  1 resources, 1 host syncs: 1 synced
  $ cmp $TESTTMP/alpha/photos/beach.jpg $TESTTMP/beta/photos/beach.jpg
  $ photo $TESTTMP/beta/photos/beach.jpg 'beach, cropped ' 2500000
  $ on beta hg mirror-push photos -q
  $ on alpha hg mirror-pull photos
  photos: http://alice:***@127.0.0.1:*/: pulled 1 changesets (glob)
  1 resources, 1 host syncs: 1 synced
  $ cmp $TESTTMP/alpha/photos/beach.jpg $TESTTMP/beta/photos/beach.jpg
  $ head -c 14 $TESTTMP/alpha/photos/beach.jpg; echo
  beach, cropped

A hub that does not allow pushes takes neither the changeset nor the
content of a new photo:

  $ ROPORT=`python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'`
  $ on hub hg serve -d -a 127.0.0.1 -p $ROPORT --pid-file $TESTTMP/ro.pid \
  >   --web-conf $TESTTMP/hub.conf --config web.push_ssl=false
  $ photo $TESTTMP/alpha/photos/lake.jpg 'lake ' 1500000
  $ on alpha hg mirror-push photos -H http://alice:secret@127.0.0.1:$ROPORT/
  photos: recorded 1 added, 0 modified, 0 removed
  photos: http://alice:***@127.0.0.1:*/: failed: http://alice:***@127.0.0.1:*/photos refuses pushes (authorization failed) (glob)
  (allow them on the hub (web.allow-push; web.push_ssl = false without https), or give credentials in [auth])
  1 resources, 1 host syncs: 1 failed
  [1]
  $ ls $TESTTMP/hub/photos/.hg/largefiles | grep -v dirstate
  44f9da9db52d0fdf41be001bdcd8e6bc3802d906
  7124580b3e5338478ca8242da32999edc10f6d0f

alpha keeps only the current photos.  mirror-gc frees a content only
where a host keeps it for alpha from then on, which takes push
permission: the read-only hub holds the old beach, but cannot keep it,
so it stays:

  $ sed -i "s/:$HUBPORT\//:$ROPORT\//" $TESTTMP/alpha/.silvermirror
  $ echo 'keep = current' >> $TESTTMP/alpha/.silvermirror
  $ on alpha hg mirror-gc photos
  photos: beach.jpg (7124580b3e53): no host holds it, kept
  photos: beach.jpg (44f9da9db52d): no host holds it, kept
  photos: lake.jpg (e2d0e3b540d8): no host holds it, kept
  photos: 3 big contents stored, 6.68 MB; keep = current: freed 0, 0 bytes
  photos: http://alice:***@127.0.0.1:*/: cannot keep contents for this node: http://alice:***@127.0.0.1:*/photos refuses pushes (authorization failed) (glob)
  [1]

The hub that allows pushes keeps both beaches; the lake, which went to
no hub, stays here:

  $ sed -i "s/:$ROPORT\//:$HUBPORT\//" $TESTTMP/alpha/.silvermirror
  $ on alpha hg mirror-gc photos
  photos: lake.jpg (e2d0e3b540d8): no host holds it, kept
  photos: 3 big contents stored, 6.68 MB; keep = current: freed 2, 5.25 MB
  $ ls $TESTTMP/hub/photos/.hg/silvermirror/pins
  44f9da9db52d0fdf41be001bdcd8e6bc3802d906
  7124580b3e5338478ca8242da32999edc10f6d0f

Stop the hubs (only the processes this test started):

  $ kill `cat $TESTTMP/hub.pid` `cat $TESTTMP/ro.pid`

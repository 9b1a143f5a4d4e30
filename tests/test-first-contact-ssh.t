A new ssh host's repository is made by the command that serves it
=================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

A first sync to an ssh host that has no repository yet costs one
connection: the host's shell makes the repository (`hg debugmirrorinit`,
only where the path has none and its base directory is there) and then
serves it, with largefiles enabled from the start for a resource with big
files.

  $ mknode alpha
  $ mknode beta
  $ mknode gamma
  $ cat > alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = beta gamma
  > [photos]
  > bigfile = 1MB
  > EOF

alpha's hgrc names no remote command (the hosts run the hg of their PATH):

  $ printf '[ui]\n%%unset remotecmd\n' >> alpha/.hgrc
  $ for n in beta gamma; do mkdir $n/bin; ln -s "`command -v hg`" $n/bin/hg; done
  $ mkdir alpha/photos
  $ photo alpha/photos/beach.jpg 'beach ' 2000000
  $ echo 'summer' > alpha/photos/index.txt

gamma's SilverMirror cannot make it (as a host of an older version, whose
hg has no such command): there the serve finds no repository, and the
sync takes the steps it always took, the host's base checked, then `hg
init`, then the serve again.

  $ printf '[alias]\ndebugmirrorinit = !exit 1\n' >> gamma/.hgrc
  $ cd alpha/photos
  $ on alpha hg mirror-push --debug > $TESTTMP/push.out 2>&1
  $ grep -c "running ssh .* beta " $TESTTMP/push.out
  1
  $ grep -c "running ssh .* gamma " $TESTTMP/push.out
  4
  $ grep -e ': created' -e 'host syncs' $TESTTMP/push.out
  photos: created repository in */alpha/photos (glob)
  photos: beta: created, pushed 1 changesets
  photos: gamma: created, pushed 1 changesets
  1 resources, 2 host syncs: 2 synced
  $ cat $TESTTMP/beta/photos/.hg/hgrc
  %include silvermirror/bigfiles.rc
  [phases]
  publish = False
  $ cmp beach.jpg $TESTTMP/beta/photos/beach.jpg
  $ cmp beach.jpg $TESTTMP/gamma/photos/beach.jpg

The mark that said the repository was made for this sync is gone: the
next sync reports no creation.

  $ ls $TESTTMP/beta/photos/.hg/silvermirror | grep created
  [1]
  $ echo 'autumn' >> index.txt
  $ on alpha hg mirror-push
  photos: recorded 0 added, 1 modified, 0 removed
  photos: beta: pushed 1 changesets
  photos: gamma: pushed 1 changesets
  1 resources, 2 host syncs: 2 synced

The command makes nothing where a repository is, and refuses a base that is
not there:

  $ on beta hg debugmirrorinit $TESTTMP/beta/photos
  $ on beta hg debugmirrorinit --base $TESTTMP/beta/usb $TESTTMP/beta/usb/photos
  abort: */beta/usb does not exist (not mounted?) (glob)
  (mount it, or leave it out with -H)
  [255]
  $ ls $TESTTMP/beta
  bin
  photos

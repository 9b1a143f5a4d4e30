An unmounted disk on an ssh host is not filled
==============================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

alpha mirrors to the USB disk of the server beta, named by its mount
point, and to beta's home. The disk is not mounted:

  $ mknode alpha
  $ mknode beta
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = ssh://beta/$TESTTMP/beta/usb beta
  > [docs]
  > EOF
  $ mkdir $TESTTMP/alpha/docs
  $ echo hello > $TESTTMP/alpha/docs/notes.txt
  $ on alpha hg mirror-push docs
  docs: created repository in */alpha/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: ssh://beta/*/beta/usb: unreachable: */beta/usb does not exist on beta (not mounted?) (glob)
  (mount it, or leave it out with -H)
  docs: beta: created, pushed 1 changesets
  1 resources, 2 host syncs: 1 synced, 1 unreachable
  [1]

Nothing was created in its place:

  $ ls $TESTTMP/beta
  docs

Once mounted, the resource is created inside it on first contact:

  $ mkdir $TESTTMP/beta/usb
  $ on alpha hg mirror-push docs
  docs: ssh://beta/*/beta/usb: created, pushed 1 changesets (glob)
  docs: beta: up to date
  1 resources, 2 host syncs: 2 synced
  $ cat $TESTTMP/beta/usb/docs/notes.txt
  hello

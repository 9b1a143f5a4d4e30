A newcomer's first hour: the README's "First sync in five minutes", as pasted
=============================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

The README's setting: this machine is laptop, desktop is reached with
`ssh desktop`, a USB disk is mounted at /media/usb.  Here desktop is the
harness's node (a home of its own on the test sshd, the extension enabled,
its ~/.hgrc naming it desktop, its ssh alias in hg's `ui.ssh`), and the
only substitutions are these two: this shell is laptop (its HOME and
hgrc), and /media/usb is $TESTTMP/usb.  Every other command and file
below is the README's, and tests/test_docs.py checks that they are.

  $ mknode desktop
  $ mkdir -p laptop usb
  $ HOME=$TESTTMP/laptop HGRCPATH=$TESTTMP/.hgrc:$TESTTMP/laptop/.hgrc
  $ export HOME HGRCPATH

laptop has documents; desktop has nothing yet:

  $ mkdir ~/Documents
  $ echo 'my notes' > ~/Documents/notes.txt

~/.hgrc:

  $ cat >> ~/.hgrc <<'EOF'
  > [extensions]
  > hgext_silvermirror =
  > 
  > [silvermirror]
  > name = laptop
  > EOF

~/.silvermirror:

  $ cat > ~/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = desktop $TESTTMP/usb/mirror
  > 
  > [docs]
  > directory = Documents
  > EOF

The disk's directory, and the first sync:

  $ mkdir $TESTTMP/usb/mirror
  $ hg mirror-push docs
  docs: created repository in */laptop/Documents (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: desktop: created, pushed 1 changesets
  docs: */usb/mirror: created, pushed 1 changesets (glob)
  1 resources, 2 host syncs: 2 synced

The README's promises: the files are on desktop and on the disk, each a
repository with the version:

  $ cat $TESTTMP/desktop/Documents/notes.txt $TESTTMP/usb/mirror/Documents/notes.txt
  my notes
  my notes
  $ hg -R $TESTTMP/usb/mirror/Documents log -T '{desc}\n'
  mirror: snapshot on laptop

An edit on desktop; inside ~/Documents `hg mirror-push` needs no name:

  $ echo 'from desktop' >> $TESTTMP/desktop/Documents/notes.txt
  $ cd ~/Documents
  $ hg mirror-push
  docs: desktop: pulled 1 changesets
  docs: */usb/mirror: pushed 1 changesets (glob)
  1 resources, 2 host syncs: 2 synced
  $ cat notes.txt $TESTTMP/usb/mirror/Documents/notes.txt
  my notes
  from desktop
  my notes
  from desktop

`hg mirror-status --remote` shows what each host would get: nothing now.

  $ hg mirror-status --remote
  docs
    directory: */laptop/Documents (glob)
    repository: yes
    conflict: push ClobberRemote, pull ClobberRemote
    host desktop: ssh://desktop/Documents (0 incoming, 0 outgoing)
    host */usb/mirror: */usb/mirror/Documents (0 incoming, 0 outgoing) (glob)
    uncommitted changes: 0

`silvermirrord --watch` runs as a daemon (tests/test_daemon.py); its
single run, as from cron, changes nothing now:

  $ silvermirrord --once

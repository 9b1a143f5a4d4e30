The first push to an empty host streams the store
=================================================

A host that has no changeset yet does not need a changegroup, which its
hg would decompress, check and write anew revision by revision: it takes
the revlog files themselves, as `hg clone --stream` would, then updates
its working copy as after any push.  `-v` says so.

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ pairnodes alpha beta docs
  $ mkdir -p $TESTTMP/alpha/docs/notes
  $ cd $TESTTMP/alpha/docs
  $ for i in 1 2 3; do echo "note $i" > notes/n$i.txt; done
  $ on alpha hg mirror-push -v 2>&1 | grep -e '^docs' -e synced | grep -v 'docs: adding'
  docs: created repository in */alpha/docs (glob)
  docs: recorded 3 added, 0 modified, 0 removed
  docs: beta: streamed the store (* files, * bytes) (glob)
  docs: beta: created, pushed 1 changesets
  1 resources, 1 host syncs: 1 synced

The host has the same history, in the same phase (resources are
non-publishing, so snapshots stay draft), and a store hg verifies:

  $ cd $TESTTMP/beta/docs
  $ on beta hg log -T '{node|short} {phase}\n'
  * draft (glob)
  $ on alpha hg -R $TESTTMP/alpha/docs log -T '{node|short} {phase}\n'
  * draft (glob)
  $ on beta hg verify -q
  $ cat notes/n2.txt
  note 2

A host with history gets a push, only of what it lacks:

  $ echo "note 2, revised" > $TESTTMP/alpha/docs/notes/n2.txt
  $ on alpha hg -R $TESTTMP/alpha/docs mirror-push -v 2>&1 | grep -e beta -e streamed
  docs: beta: pushed 1 changesets
  $ cat notes/n2.txt
  note 2, revised

A USB disk (a local-path host) is streamed to the same way:

  $ mkdir $TESTTMP/usb
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg mirror-push -v -H $TESTTMP/usb 2>&1 | grep -e usb
  docs: */usb: streamed the store (* files, * KB) (glob)
  docs: */usb: created, pushed 2 changesets (glob)
  $ hg -R $TESTTMP/usb/docs verify -q
  $ cat $TESTTMP/usb/docs/notes/n2.txt
  note 2, revised

A new node whose directory is empty gets its first history the same way:
over ssh as hg's own stream clone (`--debug` shows it), from a local path
read in-process.

  $ mknode gamma
  $ printf '[::SilverMirror::]\nhosts = alpha\n[docs]\n' > $TESTTMP/gamma/.silvermirror
  $ mkdir $TESTTMP/gamma/docs
  $ cd $TESTTMP/gamma/docs
  $ on gamma hg mirror-pull --debug 2>&1 | grep -e 'streaming all changes' -e 'docs: alpha'
  streaming all changes
  docs: alpha: pulled 2 changesets
  $ cat notes/n2.txt
  note 2, revised
  $ on gamma hg log -T '{phase}\n' | sort -u
  draft
  $ on gamma hg verify -q

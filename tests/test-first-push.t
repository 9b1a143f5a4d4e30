The first push to an empty host
===============================

A host that has no changeset yet does not need a changegroup, which its
hg would decompress, check and write anew revision by revision: it takes
the revlog files themselves, as `hg clone --stream` would.  Nor does it
need hg's update to write its working copy from those revlogs: while
this node commits a resource's first snapshot, an empty host over ssh
gets the files as they are here and writes them.  Once the stream is in,
it keeps them if each is the head's (by its hash), known clean.  `-v`
says so.

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ pairnodes alpha beta docs
  $ mkdir -p $TESTTMP/alpha/docs/notes
  $ cd $TESTTMP/alpha/docs
  $ for i in 1 2 3; do echo "note $i" > notes/n$i.txt; done
  $ printf '#!/bin/sh\necho hello\n' > notes/hello.sh
  $ chmod +x notes/hello.sh
  $ ln -s n1.txt notes/latest
  $ on alpha hg mirror-push -v 2>&1 | grep -e '^docs' -e synced | grep -v 'docs: adding'
  docs: created repository in */alpha/docs (glob)
  docs: recorded 5 added, 0 modified, 0 removed
  docs: beta: wrote this node's 5 files there
  docs: beta: streamed the store (* files, * bytes) (glob)
  docs: beta: created, pushed 1 changesets
  1 resources, 1 host syncs: 1 synced

The host has the same history, in the same phase (resources are
non-publishing, so snapshots stay draft), a store hg verifies, and the
files with their modes and links:

  $ cd $TESTTMP/beta/docs
  $ on beta hg log -T '{node|short} {phase}\n'
  * draft (glob)
  $ on alpha hg -R $TESTTMP/alpha/docs log -T '{node|short} {phase}\n'
  * draft (glob)
  $ test "`on beta hg log -T '{node}'`" = "`on alpha hg -R $TESTTMP/alpha/docs log -T '{node}'`"
  $ on beta hg verify -q
  $ on beta hg status
  $ cat notes/n2.txt
  note 2
  $ test -x notes/hello.sh && readlink notes/latest
  n1.txt

A host with history gets a push, only of what it lacks:

  $ echo "note 2, revised" > $TESTTMP/alpha/docs/notes/n2.txt
  $ on alpha hg -R $TESTTMP/alpha/docs mirror-push -v 2>&1 | grep -e beta -e streamed
  docs: beta: pushed 1 changesets
  $ cat notes/n2.txt
  note 2, revised

An empty host that comes later takes the stream too, then updates its
working copy as after any push; so does a USB disk (a local-path host):

  $ mknode delta
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg mirror-push -v -H delta 2>&1 | grep -e delta
  docs: delta: streamed the store (* files, * KB) (glob)
  docs: delta: created, pushed 2 changesets
  $ on delta hg -R $TESTTMP/delta/docs verify -q
  $ cat $TESTTMP/delta/docs/notes/n2.txt
  note 2, revised
  $ mkdir $TESTTMP/usb
  $ on alpha hg mirror-push -v -H $TESTTMP/usb 2>&1 | grep -e usb
  docs: */usb: streamed the store (* files, * KB) (glob)
  docs: */usb: created, pushed 2 changesets (glob)
  $ hg -R $TESTTMP/usb/docs verify -q
  $ cat $TESTTMP/usb/docs/notes/n2.txt
  note 2, revised

A new node whose directory is empty gets its first history as a stream
too: over ssh as hg's own stream clone (`--debug` shows it), from a local
path read in-process.

  $ mknode zeta
  $ printf '[::SilverMirror::]\nhosts = alpha\n[docs]\n' > $TESTTMP/zeta/.silvermirror
  $ mkdir $TESTTMP/zeta/docs
  $ cd $TESTTMP/zeta/docs
  $ on zeta hg mirror-pull --debug 2>&1 | grep -e 'streaming all changes' -e 'docs: alpha'
  streaming all changes
  docs: alpha: pulled 2 changesets
  $ cat notes/n2.txt
  note 2, revised
  $ on zeta hg log -T '{phase}\n' | sort -u
  draft
  $ on zeta hg verify -q

Every option of the SilverMirror file with every kind of host
=============================================================

One SilverMirror file sets every option, in the main section and in the
resource, and the resource syncs with an ssh host, an http hub and a
local path at once: each option reaches each kind of host.

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ mknode alpha
  $ mknode beta
  $ mknode hub
  $ hg init $TESTTMP/hub/documents
  $ servehub hub
  $ mkdir -p $TESTTMP/usb $TESTTMP/alpha/files/documents
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > basedir = $TESTTMP/alpha/files
  > hosts = alpha beta http://127.0.0.1:$HUBPORT/ $TESTTMP/usb
  > ignore = *.tmp
  > conflict = KeepBoth
  > conflict.pull = ClobberLocal
  > timeout = 7.5
  > password = false
  > maxdelete = 50%
  > interval = 60
  > debounce = 0.5
  > 
  > [docs]
  > directory = documents
  > ignore = *.bak
  > conflict.push = Merge
  > maxdelete = 33.3%
  > EOF

  $ cd $TESTTMP/alpha/files/documents
  $ printf 'one\ntwo\nthree\n' > shared.txt
  $ for i in `seq 1 30`; do echo $i > f$i.txt; done
  $ echo scratch > notes.tmp
  $ echo backup > notes.bak
  $ on alpha hg mirror-push
  docs: created repository in */alpha/files/documents (glob)
  docs: recorded 31 added, 0 modified, 0 removed
  docs: beta: created, pushed 1 changesets
  docs: http://127.0.0.1:*/: pushed 1 changesets (glob)
  docs: /*/usb: created, pushed 1 changesets (glob)
  1 resources, 3 host syncs: 3 synced

The ignore patterns of both levels kept the scratch files everywhere:

  $ for h in beta/documents hub/documents usb/documents; do
  >   echo $h: `ls $TESTTMP/$h | wc -l` `ls $TESTTMP/$h | grep -c -e .tmp -e .bak`
  > done
  beta/documents: 31 0
  hub/documents: 31 0
  usb/documents: 31 0

A change on each host meets a change here: the push merges with the
resource's handler (Merge), over ssh, http and the local path alike.

  $ printf 'one (alpha)\ntwo\nthree\n' > shared.txt
  $ printf 'one\ntwo\nthree (beta)\n' > $TESTTMP/beta/documents/shared.txt
  $ on alpha hg mirror-push -q
  $ cat shared.txt
  one (alpha)
  two
  three (beta)
  $ for h in beta hub usb; do cmp -s shared.txt $TESTTMP/$h/documents/shared.txt || echo $h differs; done

maxdelete (33.3% here) goes to every host with the request: beta, where
two thirds of the files were deleted, refuses to record the deletion,
and the others sync.

  $ rm $TESTTMP/beta/documents/f*.txt
  $ on alpha hg mirror-push
  docs: beta: failed: refusing to record the deletion of 30 of 31 files in */beta/documents (glob)
  (if the files are really gone, run again with --force (limit: maxdelete = 33.3%))
  docs: http://127.0.0.1:*/: up to date (glob)
  docs: /*/usb: up to date (glob)
  1 resources, 3 host syncs: 1 failed, 2 synced
  [1]
  $ ls $TESTTMP/alpha/files/documents/f*.txt | wc -l
  30

The pull handler (ClobberLocal) decides a conflict of a pull:

  $ cd $TESTTMP/beta/documents && hg revert -q --all && cd $TESTTMP/alpha/files/documents
  $ echo local > f1.txt
  $ echo remote > $TESTTMP/usb/documents/f1.txt
  $ on alpha hg mirror-pull -H $TESTTMP/usb
  docs: recorded 0 added, 1 modified, 0 removed
  docs: conflict in f1.txt with */usb: took remote (ClobberLocal); other version: 'hg mirror-restore -r * path:f1.txt' (glob)
  docs: */usb: pulled 1 changesets, 1 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat f1.txt
  remote

  $ kill `cat $TESTTMP/hub.pid`

Nothing fails silently
======================

A resource that cannot sync here says why. Named on the command line, it
fails the run (exit 1) with a hint; selected by `all` or by no name, it
is a note, and the run goes on.

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ mknode laptop
  $ mknode desktop
  $ cat > $TESTTMP/laptop/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = laptop desktop
  > [docs]
  > [photos]
  > hosts = desktop server
  > EOF
  $ mkdir $TESTTMP/laptop/docs
  $ echo hello > $TESTTMP/laptop/docs/notes.txt

  $ on laptop hg mirror-push photos
  photos: not mirrored to laptop: its directory */laptop/photos is missing (glob)
  (its hosts (desktop server) do not name this node, whose silvermirror.name is 'laptop': add it to hosts, or get the files with 'hg mirror-clone HOST photos')
  1 resources, 0 host syncs
  [1]
  $ on laptop hg mirror-push all
  docs: created repository in */laptop/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: desktop: created, pushed 1 changesets
  photos: not mirrored to laptop
  2 resources, 1 host syncs: 1 synced
  $ on laptop hg mirror-push photos -T json 2>/dev/null
  [
   {
    "conflicts": [],
    "direction": "push",
    "host": null,
    "pulled": 0,
    "pushed": 0,
    "resource": "photos",
    "status": "skipped",
    "url": null
   }
  ]
  [1]

A file hg cannot record (a newline in its name) is left out, said, and
the run exits 1:

  $ touch "$TESTTMP/laptop/docs/two
  > lines.txt"
  $ on laptop hg mirror-push docs
  docs: skipped two\nlines.txt: name contains a newline or carriage return
  docs: desktop: up to date
  1 resources, 1 host syncs: 1 synced
  [1]
  $ rm "$TESTTMP/laptop/docs/two
  > lines.txt"

A host that is this node itself
-------------------------------

A typo in the hgrc leaves laptop without its name: the host name of the
machine stands in, so the entry "laptop" is taken for another computer,
and ssh reaches laptop's own copy. The host recognises the repository of
the sync (before taking its lock), and the run says which setting to fix:

  $ printf '[silvermirror]\nnmae = laptop\n' > $TESTTMP/laptop/.hgrc
  $ on laptop hg mirror-push docs --config silvermirror.name=somewhere
  warning at */laptop/.hgrc:2: unknown option silvermirror.nmae (glob)
  (did you mean name?)
  docs: laptop: skipped: this is the same repository as the local one
  ('laptop' reaches this node itself, whose silvermirror.name is 'somewhere': set silvermirror.name in this node's hgrc to the name the hosts use for it, or take 'laptop' out of hosts)
  docs: desktop: up to date
  1 resources, 2 host syncs: 1 skipped, 1 synced
  [1]
  $ printf '[silvermirror]\nname = laptop\n' > $TESTTMP/laptop/.hgrc

An unexpected exception is a bug
--------------------------------

It is one line and where to report it, exit 255 (never 1, which means a
host could not be reached); --traceback shows the traceback:

  $ cat >> $TESTTMP/laptop/.hgrc <<EOF
  > [extensions]
  > faultinject = $TESTDIR/faultinject.py
  > [faultinject]
  > point = lock.acquired
  > action = bug
  > EOF
  $ on laptop hg mirror-push docs
  abort: internal error: ValueError: injected bug
  (this is a bug in SilverMirror; please report it at https://example.invalid/silvermirror/issues with the output of the command run again with --traceback)
  [255]
  $ on laptop silvermirror push docs
  abort: internal error: ValueError: injected bug
  (this is a bug in SilverMirror; please report it at https://example.invalid/silvermirror/issues with the output of the command run again with --traceback)
  [255]
  $ on laptop hg mirror-push docs --traceback 2>&1 | grep -e Traceback -e '^ValueError' -e '^abort' | sort -u
  Traceback (most recent call last):
  ValueError: injected bug
  abort: internal error: ValueError: injected bug

The daemon's run reports it the same way, and goes on with the others:

  $ on laptop silvermirrord --once docs --log $TESTTMP/d.log
  [255]
  $ grep -e 'internal error' -e 'please report' $TESTTMP/d.log | sed 's/^.*\] //'
  WARNING: error: docs: internal error: ValueError: injected bug
  WARNING: (this is a bug in SilverMirror; please report it at https://example.invalid/silvermirror/issues with the output of the command run again with --traceback)

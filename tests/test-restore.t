Getting an old version back: hg mirror-restore
==============================================

  $ . "$TESTDIR/helpers.sh"

alpha and beta share one SilverMirror file whose host is a USB disk
mounted at $TESTTMP/usb/mirror:

  $ usbpair alpha beta docs

alpha writes a report over two days, and a plan in a sub-directory:

  $ mkdir -p $TESTTMP/alpha/docs/work/old
  $ cd $TESTTMP/alpha/docs
  $ echo draft > work/report.txt
  $ echo plan > work/old/plan.txt
  $ echo notes > work/old/notes.txt
  $ on alpha hg mirror-push -q --config devel.default-date='2026-03-01 10:00 +0000'
  $ echo final version > work/report.txt
  $ on alpha hg mirror-push -q --config devel.default-date='2026-03-02 10:00 +0000'

Then deletes it, and the old directory, and syncs:

  $ rm work/report.txt
  $ rm -r work/old
  $ on alpha hg mirror-push -q --config devel.default-date='2026-03-03 10:00 +0000'

From a sub-directory, the path is relative to it, as for any hg command.
A deleted file comes back as its last version:

  $ cd work
  $ on alpha hg mirror-restore report.txt
  restored report.txt from revision 1 (2026-03-02 10:00, written by alpha)
  the next sync records and mirrors it
  $ cat report.txt
  final version
  $ on alpha hg status
  A work/report.txt

A file that is present is left alone:

  $ on alpha hg mirror-restore report.txt
  report.txt is present: left alone (-r REV or --date DATE brings another version)

Its versions, and those of a deleted directory:

  $ on alpha hg mirror-restore --list report.txt
      0  2026-03-01 10:00  alpha              6  mirror: snapshot on alpha
      1  2026-03-02 10:00  alpha             14  mirror: snapshot on alpha
      2  2026-03-03 10:00  alpha         deleted  mirror: snapshot on alpha
  $ on alpha hg mirror-restore --list report.txt -T json
  [
   {
    "big": false,
    "date": [1772359200, 0],
    "deleted": false,
    "description": "mirror: snapshot on alpha",
    "node": "*", (glob)
    "path": "work/report.txt",
    "rev": 0,
    "size": 6,
    "writer": "alpha"
   },
   {
    "big": false,
    "date": [1772445600, 0],
    "deleted": false,
    "description": "mirror: snapshot on alpha",
    "node": "*", (glob)
    "path": "work/report.txt",
    "rev": 1,
    "size": 14,
    "writer": "alpha"
   },
   {
    "big": false,
    "date": [1772532000, 0],
    "deleted": true,
    "description": "mirror: snapshot on alpha",
    "node": "*", (glob)
    "path": "work/report.txt",
    "rev": 2,
    "size": null,
    "writer": "alpha"
   }
  ]

A deleted directory comes back with its files:

  $ on alpha hg mirror-restore old
  restored old/notes.txt from revision 1 (2026-03-02 10:00, written by alpha)
  restored old/plan.txt from revision 1 (2026-03-02 10:00, written by alpha)
  the next sync records and mirrors it
  $ cat old/plan.txt
  plan

An older version by revision, or by date. An edit not yet synced is
recorded first, so it stays in history:

  $ echo unsynced edit > report.txt
  $ on alpha hg mirror-restore -r 0 report.txt --config devel.default-date='2026-03-04 10:00 +0000'
  recorded the unsynced content of report.txt in revision 3 first
  restored report.txt from revision 0 (2026-03-01 10:00, written by alpha)
  the next sync records and mirrors it
  $ cat report.txt
  draft
  $ on alpha hg cat -r 3 report.txt
  unsynced edit
  $ on alpha hg mirror-restore --date '<2026-03-02 12:00' report.txt
  found revision 1 from Mon Mar 02 10:00:00 2026 +0000
  restored report.txt from revision 1 (2026-03-02 10:00, written by alpha)
  the next sync records and mirrors it
  $ cat report.txt
  final version

``path:`` names a file from the resource's root, wherever the command
runs: the conflict report's restore command uses it.

  $ cd old
  $ on alpha hg mirror-restore -r 1 path:work/report.txt
  ../report.txt already holds that version
  $ cd ..

Where a file now stands in the way of a restored directory, that file is
left as it is and the command says so:

  $ mv old old.bak
  $ echo in the way > old
  $ on alpha hg mirror-restore -r 1 old
  old/notes.txt not restored: old is a file now
  old/plan.txt not restored: old is a file now
  [1]
  $ rm old
  $ mv old.bak old

A path with no version is an error that changes nothing:

  $ on alpha hg mirror-restore nothing.txt
  nothing.txt: not in history
  abort: nothing to restore
  ('hg mirror-restore --list PATH' shows the versions of a file)
  [10]

The restored files are ordinary changes: the next sync mirrors them, and
beta gets them from the disk:

  $ on alpha hg mirror-push
  docs: recorded 2 added, 1 modified, 0 removed
  docs: */usb/mirror: pushed 2 changesets (glob)
  1 resources, 1 host syncs: 1 synced
  $ cd $TESTTMP
  $ mkdir beta/docs
  $ cd beta/docs
  $ on beta hg mirror-pull -q
  $ cat work/report.txt work/old/plan.txt
  final version
  plan

The silvermirror command knows it too:

  $ on beta silvermirror restore --list work/old/plan.txt
      0  2026-03-01 10:00  alpha              5  mirror: snapshot on alpha
      2  2026-03-03 10:00  alpha         deleted  mirror: snapshot on alpha
      4  1970-01-01 00:00  alpha              5  mirror: snapshot on alpha

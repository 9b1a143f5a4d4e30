A dry run shows the plan, file by file, and changes nothing
===========================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

alpha and beta reach each other over ssh, and both use a USB disk:

  $ mknode alpha
  $ mknode beta
  $ mkdir -p $TESTTMP/usb
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = alpha beta $TESTTMP/usb
  > [docs]
  > EOF
  $ cp $TESTTMP/alpha/.silvermirror $TESTTMP/beta/
  $ mkdir $TESTTMP/alpha/docs
  $ cd $TESTTMP/alpha/docs
  $ echo notes > notes.txt
  $ echo report > report.txt
  $ echo old > old.txt
  $ echo gone > gone.txt
  $ on alpha hg mirror-push -q

beta edits the report and syncs it to the disk only, then edits the notes
and adds a file without syncing:

  $ cd $TESTTMP/beta/docs
  $ echo 'report, by beta' > report.txt
  $ on beta hg mirror-push -q -H $TESTTMP/usb
  $ echo 'notes, by beta' > notes.txt
  $ echo b > b.txt

alpha edits the notes too, renames a file and deletes another. Its dry
run says what it would record, what each host would receive and send,
and how the handler would decide the conflict:

  $ cd $TESTTMP/alpha/docs
  $ echo 'notes, by alpha' > notes.txt
  $ mv old.txt moved.txt
  $ rm gone.txt
  $ on alpha hg mirror-push -n
  docs: would record 0 added, 1 modified, 1 removed, 1 renamed
    removed   gone.txt
    renamed   moved.txt (from old.txt)
    modified  notes.txt
  docs: beta: would pull 1, push 0 changesets; 2 uncommitted there
    beta would receive removed   gone.txt
    beta would receive renamed   moved.txt (from old.txt)
    beta would receive modified  notes.txt
    beta would send added     b.txt
    beta would send modified  notes.txt
    beta would send modified  report.txt
    conflict in notes.txt (modified here, modified on beta): ClobberRemote would keep local
  docs: */usb: would pull 1, push 0 changesets; 0 uncommitted there (glob)
    */usb would receive removed   gone.txt (glob)
    */usb would receive renamed   moved.txt (from old.txt) (glob)
    */usb would receive modified  notes.txt (glob)
    */usb would send modified  report.txt (glob)
  1 resources, 2 host syncs: 2 would sync

A pull receives nothing; with KeepBoth the plan names the conflict copy.
-T json gives the same plan:

  $ on alpha hg mirror-pull -n -d KeepBoth -H beta -T json
  [
   {
    "conflicts": [],
    "direction": "pull",
    "host": "beta",
    "incoming": 1,
    "outgoing": 0,
    "plan": {"conflicts": [{"copy": "notes.conflict-beta-*.txt", "decision": "keep both", "handler": "KeepBoth", "local": "modified", "other": "modified", "path": "notes.txt"}], "receive": [], "record": [{"action": "removed", "path": "gone.txt", "source": null}, {"action": "renamed", "path": "moved.txt", "source": "old.txt"}, {"action": "modified", "path": "notes.txt", "source": null}], "send": [{"action": "added", "path": "b.txt", "source": null}, {"action": "modified", "path": "notes.txt", "source": null}, {"action": "modified", "path": "report.txt", "source": null}]}, (glob)
    "pulled": 0,
    "pushed": 0,
    "resource": "docs",
    "status": "would sync",
    "url": "ssh://beta/docs"
   }
  ]

The other handlers, as far as they can be known before merging:

  $ for h in ClobberLocal Merge Prompt; do
  >   on alpha hg mirror-push -n -H beta -d $h | grep conflict
  > done
    conflict in notes.txt (modified here, modified on beta): ClobberLocal would take remote
    conflict in notes.txt (modified here, modified on beta): Merge would merge (falls back to keep both if it overlaps)
    conflict in notes.txt (modified here, modified on beta): Prompt would ask

A new disk would get every file:

  $ mkdir $TESTTMP/newdisk
  $ on alpha hg mirror-push -n -q -H $TESTTMP/newdisk
  $ on alpha hg mirror-push -n -H $TESTTMP/newdisk | grep newdisk
  docs: */newdisk: would create the repository (glob)
    */newdisk would receive added     moved.txt (glob)
    */newdisk would receive added     notes.txt (glob)
    */newdisk would receive added     report.txt (glob)
  $ ls $TESTTMP/newdisk

Nothing changed anywhere: no snapshot here or on the hosts, no lock left,
the working copies as they were:

  $ on alpha hg log -T '{rev}\n' | wc -l
  1
  $ on alpha hg status
  M notes.txt
  ! gone.txt
  ! old.txt
  ? moved.txt
  $ cd $TESTTMP/beta/docs
  $ on beta hg log -T '{rev}\n' | wc -l
  2
  $ on beta hg status
  M notes.txt
  ? b.txt
  $ hg -R $TESTTMP/usb/docs log -T '{rev}\n' | wc -l
  2
  $ ls $TESTTMP/alpha/docs/.hg/wlock $TESTTMP/beta/docs/.hg/wlock $TESTTMP/usb/docs/.hg/wlock 2>/dev/null
  [2]

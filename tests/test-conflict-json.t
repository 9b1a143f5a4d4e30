Conflict records in machine-readable output
===========================================

  $ . "$TESTDIR/helpers.sh"

alpha mirrors its documents to beta's copy, reached by its path:

  $ localpair alpha beta docs
  $ cd alpha/docs
  $ echo base > notes.txt
  $ echo base > todo.txt
  $ on alpha hg mirror-push -q docs
  $ echo alpha > notes.txt
  $ echo alpha > todo.txt
  $ echo beta > ../../beta/docs/notes.txt
  $ rm ../../beta/docs/todo.txt

`-T json` gives, for each resource and host, the list of conflicts with
the file, the handler, what it did, the conflict copy it wrote and the
command that brings back a version it replaced.  (The lines for people go
to stderr with `-T`, so stdout is only JSON.)

  $ on alpha hg mirror-push -d Merge -T json 2>/dev/null > $TESTTMP/out.json
  $ python - <<EOF
  > import json
  > for rec in json.load(open('$TESTTMP/out.json')):
  >     print(rec['host'].endswith('/beta'), rec['status'])
  >     for c in rec['conflicts']:
  >         print(json.dumps(c, sort_keys=True))
  > EOF
  True synced
  {"copy": "notes.conflict-beta-19700101-000000.txt", "handler": "Merge", "outcome": "kept both, overlapping edits", "path": "notes.txt", "reason": "overlapping edits", "restore": null}
  {"copy": null, "handler": "Merge", "outcome": "kept local change", "path": "todo.txt", "reason": null, "restore": null}

With ClobberLocal the record has the restore command:

  $ echo 'alpha again' > notes.txt
  $ echo 'beta again' > ../../beta/docs/notes.txt
  $ on alpha hg mirror-push -q -d ClobberLocal -T json | grep '"conflicts"'
    "conflicts": [{"copy": null, "handler": "ClobberLocal", "outcome": "took remote", "path": "notes.txt", "reason": null, "restore": "hg mirror-restore -r ???????????? path:notes.txt"}], (glob)

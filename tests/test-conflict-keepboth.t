KeepBoth: the remote version becomes a conflict copy, mirrored everywhere
=========================================================================

  $ . "$TESTDIR/helpers.sh"

alpha syncs with beta's copy of the resource, reached by its path; the
resource keeps both versions on conflicts.

  $ localpair alpha beta docs 'conflict = KeepBoth'
  $ cat > beta/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/alpha
  > [docs]
  > EOF
  $ echo 'first draft' > alpha/docs/notes.txt
  $ printf 'PNG\000base' > alpha/docs/logo.png
  $ on alpha hg mirror-push -q docs

Both change both files:

  $ echo 'alpha draft' > alpha/docs/notes.txt
  $ printf 'PNG\000alpha' > alpha/docs/logo.png
  $ echo 'beta draft' > beta/docs/notes.txt
  $ printf 'PNG\000beta' > beta/docs/logo.png
  $ cd alpha/docs
  $ on alpha hg mirror-push
  docs: recorded 0 added, 2 modified, 0 removed
  docs: conflict in logo.png with */beta: kept both (KeepBoth); remote version in logo.conflict-beta-19700101-000000.png (glob)
  docs: conflict in notes.txt with */beta: kept both (KeepBoth); remote version in notes.conflict-beta-19700101-000000.txt (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced

Each name keeps its extension and sorts next to the file.  The local
version is at the path, beta's beside it, on both nodes:

  $ ls
  logo.conflict-beta-19700101-000000.png
  logo.png
  notes.conflict-beta-19700101-000000.txt
  notes.txt
  $ cat notes.txt notes.conflict-beta-19700101-000000.txt
  alpha draft
  beta draft
  $ tr '\000' @ < logo.conflict-beta-19700101-000000.png
  PNG@beta (no-eol)
  $ ls ../../beta/docs
  logo.conflict-beta-19700101-000000.png
  logo.png
  notes.conflict-beta-19700101-000000.txt
  notes.txt
  $ cat ../../beta/docs/notes.txt
  alpha draft

The copies are committed with the merge, so they are in history too:

  $ on alpha hg status --change . --added
  A logo.conflict-beta-19700101-000000.png
  A notes.conflict-beta-19700101-000000.txt

`hg mirror-status` lists conflict copies still present, on either node:

  $ on alpha hg mirror-status
  docs
    directory: */alpha/docs (glob)
    repository: yes
    conflict: push KeepBoth, pull KeepBoth
    host */beta: */beta/docs (glob)
    uncommitted changes: 0
    conflict copy: logo.conflict-beta-19700101-000000.png
    conflict copy: notes.conflict-beta-19700101-000000.txt
  $ on beta hg mirror-status -T json docs | grep conflictcopies
    "conflictcopies": ["logo.conflict-beta-19700101-000000.png", "notes.conflict-beta-19700101-000000.txt"],

A second conflict on the same file in the same second never overwrites
the first copy: the new one gets a number.

  $ echo 'alpha, take two' > notes.txt
  $ echo 'beta, take two' > ../../beta/docs/notes.txt
  $ on alpha hg mirror-push -q
  $ ls notes*
  notes.conflict-beta-19700101-000000-1.txt
  notes.conflict-beta-19700101-000000.txt
  notes.txt
  $ cat notes.conflict-beta-19700101-000000*.txt
  beta, take two
  beta draft

Once the user has read them, deleting the copies is an ordinary change
that syncs, and mirror-status lists nothing:

  $ rm *.conflict-*
  $ on alpha hg mirror-push -q
  $ ls ../../beta/docs
  logo.png
  notes.txt
  $ on alpha hg mirror-status | grep 'conflict copy'
  [1]

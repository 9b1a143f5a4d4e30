Namespaced resources as hg mirror-status shows them
===================================================

  $ . "$TESTDIR/helpers.sh"
  $ mknode laptop
  $ cd $TESTTMP/laptop

One file for every node; this one is laptop, so its own entry is skipped
and the duplicate desktop counts once.  Continuation lines go on a list.

  $ cat > .silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = laptop desktop server
  >   /media/usb/mirror desktop
  > ignore = *.tmp
  > conflict.pull = ClobberLocal
  > [docs]
  > directory = Documents
  > ignore = *.bak
  > [docs:private]
  > hosts = desktop
  > conflict = Merge
  > [docs:private:tax]
  > directory = 2024/tax
  > [music]
  > directory = /srv/music
  > hosts = ssh://nas:2222/share
  > EOF
  $ mkdir -p Documents/private/2024/tax

docs:private inherits ignore patterns and adds none, replaces the hosts,
and its Merge beats the main conflict.pull; tax inherits all of that.
music lies outside the home, so it keeps its absolute path on the host.

  $ on laptop hg mirror-status all
  docs
    directory: */laptop/Documents (glob)
    repository: not yet
    conflict: push ClobberRemote, pull ClobberLocal
    host desktop: ssh://desktop/Documents
    host server: ssh://server/Documents
    host /media/usb/mirror: /media/usb/mirror/Documents
    ignore: *.tmp *.bak
    uncommitted changes: 0
  docs:private
    directory: */laptop/Documents/private (glob)
    repository: not yet
    conflict: push Merge, pull Merge
    host desktop: ssh://desktop/Documents/private
    ignore: *.tmp *.bak
    uncommitted changes: 0
  docs:private:tax
    directory: */laptop/Documents/private/2024/tax (glob)
    repository: not yet
    conflict: push Merge, pull Merge
    host desktop: ssh://desktop/Documents/private/2024/tax
    ignore: *.tmp *.bak
    uncommitted changes: 0
  music
    directory: /srv/music
    repository: not yet
    conflict: push ClobberRemote, pull ClobberLocal
    host ssh://nas:2222/share: ssh://nas:2222/share/srv/music
    ignore: *.tmp
    uncommitted changes: 0

Nothing was created by looking:

  $ ls -A Documents Documents/private
  Documents:
  private
  
  Documents/private:
  2024

Inside a resource, the innermost one is selected:

  $ cd Documents/private/2024
  $ on laptop hg mirror-status
  docs:private
    directory: */laptop/Documents/private (glob)
    repository: not yet
    conflict: push Merge, pull Merge
    host desktop: ssh://desktop/Documents/private
    ignore: *.tmp *.bak
    uncommitted changes: 0
  $ cd $TESTTMP/laptop

Once docs has a repository with uncommitted files and a nested git
checkout, the verbose listing names what is left out:

  $ hg init Documents
  $ echo draft > Documents/letter.txt
  $ mkdir -p Documents/vendor/.git
  $ echo 'ref: refs/heads/main' > Documents/vendor/.git/HEAD
  $ echo x > Documents/vendor/code.c
  $ on laptop hg mirror-status -v docs
  docs
    directory: */laptop/Documents (glob)
    repository: yes
    conflict: push ClobberRemote, pull ClobberLocal
    host desktop: ssh://desktop/Documents
    host server: ssh://server/Documents
    host /media/usb/mirror: /media/usb/mirror/Documents
    ignore: *.tmp *.bak
    uncommitted changes: 1
    nested checkout skipped: vendor
    namespaced resource: docs:private

The same as JSON, one record per resource:

  $ on laptop hg mirror-status -T json docs docs:private
  [
   {
    "conflict_pull": "ClobberLocal",
    "conflict_push": "ClobberRemote",
    "conflictcopies": [],
    "directory": "*/laptop/Documents", (glob)
    "hosts": [{"host": "desktop", "url": "ssh://desktop/Documents"}, {"host": "server", "url": "ssh://server/Documents"}, {"host": "/media/usb/mirror", "url": "/media/usb/mirror/Documents"}],
    "ignore": ["*.tmp", "*.bak"],
    "nested": ["vendor"],
    "repository": true,
    "resource": "docs",
    "uncommitted": 1
   },
   {
    "conflict_pull": "Merge",
    "conflict_push": "Merge",
    "conflictcopies": [],
    "directory": "*/laptop/Documents/private", (glob)
    "hosts": [{"host": "desktop", "url": "ssh://desktop/Documents/private"}],
    "ignore": ["*.tmp", "*.bak"],
    "nested": [],
    "repository": false,
    "resource": "docs:private",
    "uncommitted": 0
   }
  ]

The repository itself records nothing: no commit was made.

  $ hg -R Documents log

Namespaced resources, ignore patterns and nested checkouts
==========================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ for n in alpha beta gamma; do mknode $n; done

docs goes to every machine; docs:private only to beta. Editor backups are
never mirrored, and neither are build outputs of docs.

  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = beta gamma
  > ignore = *~ *.swp
  > [docs]
  > ignore = build
  > [docs:private]
  > hosts = beta
  > EOF
  $ mkdir -p $TESTTMP/alpha/docs/private $TESTTMP/alpha/docs/build $TESTTMP/alpha/docs/code
  $ cd $TESTTMP/alpha/docs
  $ echo "report" > report.txt
  $ echo "backup" > report.txt~
  $ echo "binary" > build/out.o
  $ echo "secret" > private/diary.txt

A git checkout inside a resource is left alone: it has its own history.

  $ echo "print(1)" > code/main.py
  $ mkdir code/.git && echo "ref: refs/heads/main" > code/.git/HEAD

  $ on alpha hg mirror-status -v
  docs
    directory: */alpha/docs (glob)
    repository: not yet
    conflict: push ClobberRemote, pull ClobberRemote
    host beta: ssh://beta/docs
    host gamma: ssh://gamma/docs
    ignore: *~ *.swp build
    uncommitted changes: 0
    namespaced resource: docs:private

A dry run shows what would happen and changes nothing:

  $ on alpha hg mirror-push all -n
  docs: would create repository in */alpha/docs (glob)
  docs: beta: no repository there yet
  docs: gamma: no repository there yet
  docs:private: would create repository in */alpha/docs/private (glob)
  docs:private: beta: no repository there yet
  2 resources, 3 host syncs: 3 would sync
  $ test -d .hg
  [1]

  $ on alpha hg mirror-push all
  docs: created repository in */alpha/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: beta: created, pushed 1 changesets
  docs: gamma: created, pushed 1 changesets
  docs:private: created repository in */alpha/docs/private (glob)
  docs:private: recorded 1 added, 0 modified, 0 removed
  docs:private: beta: created, pushed 1 changesets
  2 resources, 3 host syncs: 3 synced

docs recorded only report.txt: not the backup, not the build output, not
the private part, not the git checkout.

  $ on alpha hg files
  report.txt
  $ on alpha hg mirror-status -v docs
  docs
    directory: */alpha/docs (glob)
    repository: yes
    conflict: push ClobberRemote, pull ClobberRemote
    host beta: ssh://beta/docs
    host gamma: ssh://gamma/docs
    ignore: *~ *.swp build
    uncommitted changes: 0
    nested checkout skipped: code
    namespaced resource: docs:private

beta got the private part, gamma did not:

  $ cat $TESTTMP/beta/docs/private/diary.txt
  secret
  $ ls $TESTTMP/gamma/docs
  report.txt

The ignore patterns hold on the hosts too, and the user's own hg status in
a resource agrees with the sync:

  $ echo "tmp" > $TESTTMP/gamma/docs/notes.swp
  $ (cd $TESTTMP/gamma/docs && on gamma hg status)

Machine-readable results, one record per resource and host:

  $ on alpha hg mirror-push all -T json
  [
   {
    "conflicts": [],
    "direction": "push",
    "host": "beta",
    "pulled": 0,
    "pushed": 0,
    "resource": "docs",
    "status": "synced",
    "url": "ssh://beta/docs"
   },
   {
    "conflicts": [],
    "direction": "push",
    "host": "gamma",
    "pulled": 0,
    "pushed": 0,
    "resource": "docs",
    "status": "synced",
    "url": "ssh://gamma/docs"
   },
   {
    "conflicts": [],
    "direction": "push",
    "host": "beta",
    "pulled": 0,
    "pushed": 0,
    "resource": "docs:private",
    "status": "synced",
    "url": "ssh://beta/docs/private"
   }
  ]

A host serves through its chg, without any setting
==================================================

hg's start is most of what a small sync costs a host.  With no
`ui.remotecmd` set, an ssh host that has chg (Mercurial's client of a
resident hg) serves the sync through it; a host without chg runs hg, with
no error and no extra round trip: the host's shell picks in the same
command.

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ command -v chg > /dev/null || exit 80

beta has hg and chg installed, gamma only hg (a node's `~/bin` is on its
PATH over ssh); alpha's hgrc names no remote command:

  $ mknode alpha
  $ mknode beta
  $ mknode gamma
  $ printf '[::SilverMirror::]\nhosts = beta gamma\n[docs]\n' > alpha/.silvermirror
  $ printf '[ui]\n%%unset remotecmd\n' >> alpha/.hgrc
  $ for n in beta gamma; do mkdir $n/bin; ln -s "`command -v hg`" $n/bin/hg; done
  $ ln -s "`command -v chg`" beta/bin/chg

  $ mkdir alpha/docs
  $ echo one > alpha/docs/notes.txt
  $ cd alpha/docs
  $ on alpha hg mirror-push
  docs: created repository in */alpha/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: beta: created, pushed 1 changesets
  docs: gamma: created, pushed 1 changesets
  1 resources, 2 host syncs: 2 synced

beta's chg server stays for the next sync (until an hour without one, or
`chg --kill-chg-daemon` there); gamma has none:

  $ python3 "$TESTDIR/nodes.py" chgservers "$TESTTMP/beta"
  1
  $ python3 "$TESTDIR/nodes.py" chgservers "$TESTTMP/gamma"
  0

One command per host, which the host's shell resolves; where a first sync
finds no repository, the same command makes it (`hg debugmirrorinit`, given
the base directory that must be there and the big-file size) before it
serves it:

  $ echo two >> notes.txt
  $ on alpha hg mirror-push --debug 2>&1 | grep 'running .* gamma '
  running ssh * gamma 'sh -c '\''p=${1#"~/"} b=$2 n=$3; shift 3; h=$(command -v hg) && c=$(command -v chg) && CHGHG=${CHGHG:-$h} && export CHGHG || c=hg; [ -d "$p/.hg" ] || "$c" debugmirrorinit --base "$b" --bigfile "$n" -- "$p" </dev/null >/dev/null 2>&1; exec "$c" "$@"; exec hg "$@"'\'' hg docs '\'''\'' '\'''\'' -R docs serve --stdio' (glob)
  $ cat $TESTTMP/beta/docs/notes.txt $TESTTMP/gamma/docs/notes.txt
  one
  two
  one
  two

A change of the host's extensions is served by a new server of that
configuration (chg hashes it); its hgrc is read at each sync:

  $ printf '[extensions]\nblackbox =\n' >> $TESTTMP/beta/.hgrc
  $ echo three >> notes.txt
  $ on alpha hg mirror-push -q -H beta
  $ python3 "$TESTDIR/nodes.py" chgservers "$TESTTMP/beta"
  2

A `ui.remotecmd` the user set wins:

  $ python3 "$TESTDIR/nodes.py" stopchg "$TESTTMP/beta"
  $ echo four >> notes.txt
  $ on alpha hg mirror-push -q --config ui.remotecmd=hg
  $ python3 "$TESTDIR/nodes.py" chgservers "$TESTTMP/beta"
  0
  $ cat $TESTTMP/beta/docs/notes.txt
  one
  two
  three
  four

The silvermirror command runs through chg too, when it finds one (here
.venv/bin/chg, beside it), serving the hg installed beside it:

  $ echo five >> notes.txt
  $ on alpha silvermirror push -q
  $ python3 "$TESTDIR/nodes.py" chgservers "$TESTTMP/.run"
  1

Without chg (chg's own `CHGDISABLE`), the same command runs hg in its own
process; its first word names the hg command:

  $ echo six >> notes.txt
  $ CHGDISABLE=1 on alpha silvermirror status docs | grep uncommitted
    uncommitted changes: 1
  $ CHGDISABLE=1 on alpha silvermirror push -q
  $ python3 "$TESTDIR/nodes.py" chgservers "$TESTTMP/.run"
  1
  $ cat $TESTTMP/beta/docs/notes.txt | tail -1
  six
  $ CHGDISABLE=1 on alpha silvermirror --help | head -1
  hg mirror-push [OPTION]... [RESOURCE]...
  $ on alpha silvermirror help | head -1
  hg mirror-push [OPTION]... [RESOURCE]...

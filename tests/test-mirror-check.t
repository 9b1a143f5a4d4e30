hg mirror-check: every problem at once
======================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ mknode laptop
  $ mknode desktop
  $ mknode plain
  $ cat > $TESTTMP/plain/.hgrc <<EOF
  > [extensions]
  > hgext_silvermirror = !
  > EOF
  $ mkdir -p $TESTTMP/laptop/docs $TESTTMP/laptop/usb $TESTTMP/plain/docs
  $ echo hello > $TESTTMP/laptop/docs/notes.txt
  $ hg init $TESTTMP/plain/docs

A SilverMirror file with four mistakes, and one in the hgrc: a sync
stops at the first; the check lists them all, with file and line, and
changes nothing.

  $ cat > $TESTTMP/laptop/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = laptop desktop   # both machines
  > timeout = soon
  > [docs]
  > conflikt = Merge
  > [music]
  > hosts = ssh://nas:twentytwo/share
  > [SilverMirror]
  > EOF
  $ printf 'lock-timeot = 5\n' >> $TESTTMP/laptop/.hgrc
  $ on laptop hg mirror-push -q
  warning at */laptop/.hgrc:3: unknown option silvermirror.lock-timeot (glob)
  (did you mean lock-timeout?)
  config error at */laptop/.silvermirror:2: end-of-line comment in hosts of [::SilverMirror::]: "# both machines" (glob)
  (hg config files have no end-of-line comments: put the comment on its own line)
  [30]
  $ on laptop hg mirror-check
  configuration at */laptop/.hgrc:3: unknown option silvermirror.lock-timeot (glob)
    (did you mean lock-timeout?)
  configuration at */laptop/.silvermirror:2: end-of-line comment in hosts of [::SilverMirror::]: "# both machines" (glob)
    (hg config files have no end-of-line comments: put the comment on its own line)
  configuration at */laptop/.silvermirror:8: section [SilverMirror] is not a resource (glob)
    (did you mean [::SilverMirror::]?)
  configuration at */laptop/.silvermirror:5: unknown option conflikt in section [docs] (glob)
    (did you mean conflict?)
  configuration at */laptop/.silvermirror:3: timeout must be a number of seconds, not "soon" (glob)
    (use a number, such as timeout = 10)
  configuration at */laptop/.silvermirror:7: invalid host "ssh://nas:twentytwo/share": port twentytwo is not a number (glob)
    (write the port as digits, as in ssh://host:2222/path)
  docs: this node (laptop) is among its hosts; no repository yet (the first sync makes it)
  docs: desktop: reachable, no repository yet (the first sync makes it)
  [30]
  $ ls -A $TESTTMP/laptop/docs; ls $TESTTMP/desktop
  notes.txt

Fixed, the check goes on to the hosts: each is reached, asked whether it
has the extension and how its repository stands:

  $ printf '[silvermirror]\nname = laptop\n' > $TESTTMP/laptop/.hgrc
  $ cat > $TESTTMP/laptop/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = laptop desktop plain $TESTTMP/laptop/usb
  > [docs]
  > [photos]
  > hosts = desktop
  > EOF
  $ on laptop hg mirror-push docs -q
  docs: plain: failed: plain does not have the SilverMirror extension enabled
  (add 'hgext_silvermirror =' to the [extensions] section of the hgrc of the user hg runs as on plain)
  [1]
  $ on laptop hg mirror-check
  configuration: */laptop/.silvermirror: 2 resources (glob)
  docs: this node (laptop) is among its hosts; 1 changesets
  docs: desktop: reachable, 1 changesets
  docs: plain: plain does not have the SilverMirror extension enabled
    (add 'hgext_silvermirror =' to the [extensions] section of the hgrc of the user hg runs as on plain)
  docs: */laptop/usb: reachable, 1 changesets (glob)
  photos: not mirrored to laptop (its hosts do not name it)
  photos: desktop: reachable, no repository yet (the first sync makes it)
  [1]

A lock held on a host, and the JSON of one host:

  $ hg -R $TESTTMP/desktop/docs debuglock --set-wlock > /dev/null 2>&1 &
  $ LOCKER=$!
  $ for i in `seq 50`; do [ -e $TESTTMP/desktop/docs/.hg/wlock ] && break; sleep 0.1; done
  $ on laptop hg mirror-check docs -H desktop
  configuration: */laptop/.silvermirror: 2 resources (glob)
  docs: this node (laptop) is among its hosts; 1 changesets
  docs: desktop: reachable, 1 changesets, locked by * (glob)
    (a sync is running there, or one died: the next sync frees a dead one's lock)
  [1]
  $ on laptop hg mirror-check docs -H desktop -T json | grep -e '"kind"' -e '"status"' -e '"locked"'
    "kind": "config",
    "status": "ok",
    "kind": "resource",
    "locked": null,
    "status": "ok",
    "kind": "host",
    "locked": "*", (glob)
    "status": "problem",
  $ kill $LOCKER

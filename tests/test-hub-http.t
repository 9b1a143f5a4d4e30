Three nodes syncing through an hg serve hub over HTTP
=====================================================

  $ . "$TESTDIR/helpers.sh"

The hub: hg serve with the extension, serving every repository under
$TESTTMP/hub, push allowed (plain http on the loopback). A hub cannot
create repositories over HTTP, so its admin makes them:

  $ mknode hub
  $ hg init $TESTTMP/hub/docs
  $ cat > $TESTTMP/hub.conf <<EOF
  > [paths]
  > / = $TESTTMP/hub/*
  > EOF
  $ freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
  $ HUBPORT=`freeport`
  $ on hub hg serve -d -a 127.0.0.1 -p $HUBPORT --pid-file $TESTTMP/hub.pid \
  >   --web-conf $TESTTMP/hub.conf \
  >   --config web.push_ssl=false --config 'web.allow-push=*'

Three laptops list only the hub:

  $ for n in alpha beta gamma; do
  >   mknode $n
  >   printf '[::SilverMirror::]\nhosts = http://127.0.0.1:%s/\n[docs]\n' $HUBPORT > $TESTTMP/$n/.silvermirror
  >   mkdir $TESTTMP/$n/docs
  > done
  $ echo a > $TESTTMP/alpha/docs/a.txt
  $ echo b > $TESTTMP/beta/docs/b.txt
  $ echo g > $TESTTMP/gamma/docs/g.txt

  $ on alpha hg mirror-push docs
  docs: created repository in */alpha/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: http://127.0.0.1:*/: pushed 1 changesets (glob)
  1 resources, 1 host syncs: 1 synced
  $ on beta hg mirror-push docs -q
  warning: repository is unrelated
  $ on gamma hg mirror-push docs -q
  warning: repository is unrelated
  $ on alpha hg mirror-pull docs -q
  $ on beta hg mirror-pull docs -q
  $ for n in alpha beta gamma hub; do echo $n: `ls $TESTTMP/$n/docs`; done
  alpha: a.txt b.txt g.txt
  beta: a.txt b.txt g.txt
  gamma: a.txt b.txt g.txt
  hub: a.txt b.txt g.txt

The hub's snapshots and merges stay draft (resources are non-publishing):

  $ hg -R $TESTTMP/hub/docs log -r 'public()' -T '{rev}\n'

A node bootstrapped from the hub: the hub's own SilverMirror file comes
from any of its repositories (the hub names no node, so every resource is
for every node):

  $ cp $TESTTMP/alpha/.silvermirror $TESTTMP/hub/.silvermirror
  $ mknode delta
  $ on delta hg mirror-clone http://127.0.0.1:$HUBPORT/docs -q
  $ ls $TESTTMP/delta/docs
  a.txt
  b.txt
  g.txt

A read-only hub (no allow-push) is reported clearly and the run exits 1:

  $ ROPORT=`freeport`
  $ on hub hg serve -d -a 127.0.0.1 -p $ROPORT --pid-file $TESTTMP/ro.pid \
  >   --web-conf $TESTTMP/hub.conf --config web.push_ssl=false
  $ echo more > $TESTTMP/alpha/docs/more.txt
  $ on alpha hg mirror-push docs -H http://127.0.0.1:$ROPORT/
  docs: recorded 1 added, 0 modified, 0 removed
  docs: http://127.0.0.1:*/: failed: http://127.0.0.1:*/docs refuses pushes (authorization failed) (glob)
  (allow them on the hub (web.allow-push; web.push_ssl = false without https), or give credentials in [auth])
  1 resources, 1 host syncs: 1 failed
  [1]

Stop the hubs (only the processes this test started):

  $ kill `cat $TESTTMP/hub.pid` `cat $TESTTMP/ro.pid`

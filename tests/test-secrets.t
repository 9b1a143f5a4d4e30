A password in a host URL is never shown; a dead hub stops nothing
================================================================

  $ . "$TESTDIR/helpers.sh"

A hub (hg serve, push allowed) and a port where no one answers:

  $ mknode hub
  $ hg init $TESTTMP/hub/docs
  $ printf '[paths]\n/ = %s/hub/*\n' $TESTTMP > $TESTTMP/hub.conf
  $ freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
  $ HUBPORT=`freeport`
  $ DEAD=`freeport`
  $ on hub hg serve -d -a 127.0.0.1 -p $HUBPORT --pid-file $TESTTMP/hub.pid \
  >   --web-conf $TESTTMP/hub.conf \
  >   --config web.push_ssl=false --config 'web.allow-push=*'

A laptop syncs through the hub, with a password in its URL, and to a USB
disk; the second hub is down:

  $ mknode laptop
  $ mkdir $TESTTMP/laptop/docs $TESTTMP/usb
  $ cat > $TESTTMP/laptop/.silvermirror <<EOF
  > [::SilverMirror::]
  > timeout = 2
  > hosts = http://alice:s3cret@127.0.0.1:$HUBPORT/ http://alice:s3cret@127.0.0.1:$DEAD/ $TESTTMP/usb
  > [docs]
  > EOF
  $ echo a > $TESTTMP/laptop/docs/a.txt

  $ on laptop hg mirror-push docs
  docs: created repository in */laptop/docs (glob)
  docs: recorded 1 added, 0 modified, 0 removed
  docs: http://alice:***@127.0.0.1:*/: pushed 1 changesets (glob)
  docs: http://alice:***@127.0.0.1:*/: unreachable: Connection refused (glob)
  docs: */usb: created, pushed 1 changesets (glob)
  1 resources, 3 host syncs: 2 synced, 1 unreachable
  [1]

  $ on laptop hg mirror-status docs --remote
  docs
    directory: */laptop/docs (glob)
    repository: yes
    conflict: push ClobberRemote, pull ClobberRemote
    host http://alice:***@127.0.0.1:*/: http://alice:***@127.0.0.1:*/docs (0 incoming, 0 outgoing) (glob)
    host http://alice:***@127.0.0.1:*/: http://alice:***@127.0.0.1:*/docs (unreachable: Connection refused) (glob)
    host */usb: */usb/docs (0 incoming, 0 outgoing) (glob)
    uncommitted changes: 0
  [1]

Nor in machine output, debug output or an abort:

  $ on laptop hg mirror-pull docs -T json 2>/dev/null | grep '"url"'
    "url": "http://alice:***@127.0.0.1:*/docs" (glob)
    "url": "http://alice:***@127.0.0.1:*/docs" (glob)
    "url": "*/usb/docs" (glob)
  $ on laptop hg mirror-push docs --debug 2>&1 | grep -c s3cret
  0
  [1]
  $ on laptop hg mirror-clone http://alice:s3cret@127.0.0.1:$DEAD/docs
  abort: cannot fetch the SilverMirror file from http://alice:***@127.0.0.1:*/docs: Connection refused (glob)
  [255]

  $ kill `cat $TESTTMP/hub.pid`

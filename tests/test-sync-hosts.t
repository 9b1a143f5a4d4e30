Unreachable hosts, -H and exit codes
====================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ mknode alpha
  $ mknode beta

gamma is a machine that is switched off: its ssh alias points at a port
where nothing listens.

  $ cat >> $TESTTMP/.ssh/config <<EOF
  > Host gamma
  >   HostName 127.0.0.1
  >   Port 9
  > EOF
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = beta gamma
  > timeout = 3
  > [music]
  > EOF
  $ mkdir -p $TESTTMP/alpha/music && cd $TESTTMP/alpha/music
  $ echo "la la" > song.txt

The unreachable host is reported, the others are synced, and the exit
status is 1: the run finished, but not with every host.

  $ on alpha hg mirror-push
  music: created repository in */alpha/music (glob)
  music: recorded 1 added, 0 modified, 0 removed
  music: beta: created, pushed 1 changesets
  music: gamma: unreachable: ssh: connect to host 127.0.0.1 port 9: Connection refused
  1 resources, 2 host syncs: 1 synced, 1 unreachable
  [1]
  $ cat $TESTTMP/beta/music/song.txt
  la la

-H limits the run to some hosts; hosts left out do not make it fail.

  $ echo "tra la la" > song.txt
  $ on alpha hg mirror-push -H beta
  music: recorded 0 added, 1 modified, 0 removed
  music: beta: pushed 1 changesets
  1 resources, 1 host syncs: 1 synced
  $ cat $TESTTMP/beta/music/song.txt
  tra la la

A host named on the command line may be any base URL, e.g. a copy in
another directory of beta; the resource's path is appended to it. The
base must exist there (it may be the mount point of a disk):

  $ mkdir $TESTTMP/beta/copy
  $ on alpha hg mirror-push -H ssh://beta//$TESTTMP/beta/copy -q
  $ cat $TESTTMP/beta/copy/music/song.txt
  tra la la

JSON reports every host, reachable or not:

  $ on alpha hg mirror-push -T '{host}: {status}\n'
  beta: synced
  music: gamma: unreachable: ssh: connect to host 127.0.0.1 port 9: Connection refused
  gamma: unreachable
  [1]

A host whose hg lacks the extension is told apart from an unreachable one:

  $ mknode delta
  $ cat > $TESTTMP/delta/.hgrc <<EOF
  > [extensions]
  > hgext_silvermirror = !
  > EOF
  $ on alpha hg mirror-push -H delta
  music: delta: failed: delta does not have the SilverMirror extension enabled
  (add 'hgext_silvermirror =' to the [extensions] section of the hgrc of the user hg runs as on delta)
  1 resources, 1 host syncs: 1 failed
  [1]

Unknown resources are refused before anything happens (hg's detailed
exit code 10 for bad input):

  $ on alpha hg mirror-push movies
  abort: unknown resource: movies
  (known resources: music)
  [10]

mirror-status asks the hosts only with --remote; it changes nothing. beta
gets a local change that alpha has not seen yet:

  $ echo "new verse" >> $TESTTMP/beta/music/song.txt
  $ (cd $TESTTMP/beta/music && on beta hg commit -qm "a verse")
  $ echo "chorus" > chorus.txt
  $ on alpha hg mirror-status --remote
  music
    directory: */alpha/music (glob)
    repository: yes
    conflict: push ClobberRemote, pull ClobberRemote
    host beta: ssh://beta/music (1 incoming, 0 outgoing)
    host gamma: ssh://gamma/music (unreachable: ssh: connect to host 127.0.0.1 port 9: Connection refused)
    uncommitted changes: 1
  [1]
  $ on alpha hg mirror-status --remote -H beta -T '{hosts % "{host} {reachable} {incoming} {outgoing}\n"}'
  beta True 1 0

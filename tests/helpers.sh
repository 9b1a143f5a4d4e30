# helpers.sh - shell helpers for the cram tests, sourced by each .t file
#
#   mknode NAME        a node: its home $TESTTMP/NAME, hgrc, ssh alias NAME
#   pairnodes A B RES  nodes A and B over ssh sharing one SilverMirror file
#                      (hosts = A B, resource RES), as test-basic-ssh.t shows
#   localpair A B RES [LINE...]
#                      nodes A and B; A's SilverMirror file names B's home
#                      as its host, by path, and resource RES (LINEs are
#                      its settings); A's RES directory made
#   usbpair A B RES    nodes A and B sharing one SilverMirror file whose
#                      host is the disk $TESTTMP/usb/mirror (made), RES
#   on NAME CMD...     run CMD as node NAME (its HOME and hgrc)
#   glog               the history as a small graph
#   photo FILE TEXT N  FILE made of TEXT repeated, N bytes at most: a big
#                      file whose first bytes say which version it is
#   servehub NAME      node NAME serves its repositories over http (push
#                      allowed) on a free port: $HUBPORT, pid in NAME.pid
#   startwatchman      a Watchman server of the test's own (the test exits
#                      80 where watchman is not installed), reached through
#                      $WATCHMAN_BIN (give it to fsmonitor.watchman_exe:
#                      over ssh no WATCHMAN_SOCK reaches the host)
#   stopwatchman       stop it, by its pid

mknode() {
  python3 "$TESTDIR/nodes.py" mknode "$1"
}

sharedfile() {
  # nodes $1 and $2 with one SilverMirror file: hosts $4, resource $3
  mknode "$1"
  mknode "$2"
  printf '[::SilverMirror::]\nhosts = %s\n[%s]\n' "$4" "$3" > "$TESTTMP/$1/.silvermirror"
  cp "$TESTTMP/$1/.silvermirror" "$TESTTMP/$2/.silvermirror"
}

pairnodes() {
  sharedfile "$1" "$2" "$3" "$1 $2"
}

usbpair() {
  mkdir -p "$TESTTMP/usb/mirror"
  sharedfile "$1" "$2" "$3" "$TESTTMP/usb/mirror"
}

localpair() {
  _a=$1
  _b=$2
  _res=$3
  shift 3
  mknode "$_a"
  mknode "$_b"
  {
    printf '[::SilverMirror::]\nhosts = %s\n[%s]\n' "$TESTTMP/$_b" "$_res"
    for _line in "$@"; do
      printf '%s\n' "$_line"
    done
  } > "$TESTTMP/$_a/.silvermirror"
  mkdir "$TESTTMP/$_a/$_res"
}

on() {
  _node=$1
  shift
  HOME="$TESTTMP/$_node" HGRCPATH="$TESTTMP/.hgrc:$TESTTMP/$_node/.hgrc" "$@"
}

glog() {
  hg log -G -T '{rev} {desc|firstline} ({get(extras, "silvermirror-node")})\n' "$@"
}

photo() {
  python3 -c 'import sys; open(sys.argv[1], "wb").write(sys.argv[2].encode() * (int(sys.argv[3]) // len(sys.argv[2])))' "$@"
}

needssh() {
  [ -n "$SM_SSHD_PORT" ] || exit 80
}

servehub() {
  printf '[paths]\n/ = %s/*\n' "$TESTTMP/$1" > "$TESTTMP/$1.conf"
  HUBPORT=`python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'`
  on "$1" hg serve -d -a 127.0.0.1 -p $HUBPORT --pid-file "$TESTTMP/$1.pid" \
    --web-conf "$TESTTMP/$1.conf" \
    --config web.push_ssl=false --config 'web.allow-push=*'
}

startwatchman() {
  command -v watchman > /dev/null || exit 80
  mkdir -p "$TESTTMP/watchman"
  WATCHMAN_SOCK="$TESTTMP/watchman/sock"
  export WATCHMAN_SOCK
  WATCHMAN_BIN="$TESTTMP/watchman/watchman"
  printf '#!/bin/sh\nexec watchman --no-spawn --sockname=%s "$@"\n' "$WATCHMAN_SOCK" > "$WATCHMAN_BIN"
  chmod +x "$WATCHMAN_BIN"
  watchman --foreground --sockname="$WATCHMAN_SOCK" \
    --statefile="$TESTTMP/watchman/state" --logfile="$TESTTMP/watchman/log" \
    --pidfile="$TESTTMP/watchman/pid" > /dev/null 2>&1 &
  for _i in $(seq 100); do [ -S "$WATCHMAN_SOCK" ] && return 0; sleep 0.1; done
  echo "watchman did not start"
  return 1
}

stopwatchman() {
  kill "$(cat "$TESTTMP/watchman/pid")"
}

# wait for the wall clock's next second: a file written in the current
# second has no mtime hg's status trusts (at most a second)
nextsecond() {
  python3 -c 'import time; time.sleep(1.01 - time.time() % 1)'
}

# helpers.sh - shell helpers for the cram tests, sourced by each .t file
#
#   mknode NAME        a node: its home $TESTTMP/NAME, hgrc, ssh alias NAME
#   on NAME CMD...     run CMD as node NAME (its HOME and hgrc)
#   glog               the history as a small graph

mknode() {
  python3 "$TESTDIR/nodes.py" mknode "$1"
}

on() {
  _node=$1
  shift
  HOME="$TESTTMP/$_node" HGRCPATH="$TESTTMP/.hgrc:$TESTTMP/$_node/.hgrc" "$@"
}

glog() {
  hg log -G -T '{rev} {desc|firstline} ({get(extras, "silvermirror-node")})\n' "$@"
}

needssh() {
  [ -n "$SM_SSHD_PORT" ] || exit 80
}

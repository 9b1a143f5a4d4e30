An unknown conflict handler stops the run before anything changes
==================================================================

  $ . "$TESTDIR/helpers.sh"

alpha mirrors its documents to beta's copy, reached by its path:

  $ localpair alpha beta docs
  $ echo hello > alpha/docs/notes.txt
  $ on alpha hg mirror-push -q docs
  $ echo 'an edit' > alpha/docs/notes.txt

On the command line it is bad input (exit 10 with detailed exit codes);
the message lists the handlers there are:

  $ on alpha hg mirror-push -d KeepBoht docs
  abort: unknown conflict handler: KeepBoht
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [10]
  $ on alpha silvermirror push docs -d KeepBoht
  abort: unknown conflict handler: KeepBoht
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [10]

In the SilverMirror file it is a configuration error (exit 30), with the
file and line:

  $ cat >> alpha/.silvermirror <<EOF
  > conflict.pull = Clobber
  > EOF
  $ on alpha hg mirror-push docs
  config error at */alpha/.silvermirror:4: unknown conflict handler: Clobber (glob)
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [30]
  $ on alpha hg mirror-status
  config error at */alpha/.silvermirror:4: unknown conflict handler: Clobber (glob)
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [30]

Nothing was recorded or sent: the edit is still pending, beta unchanged.

  $ cd alpha/docs
  $ on alpha hg status
  M notes.txt
  $ on alpha hg log -T '{rev}\n'
  0
  $ cat ../../beta/docs/notes.txt
  hello

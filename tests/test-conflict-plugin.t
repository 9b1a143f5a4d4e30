A conflict handler from another package, through entry points
==============================================================

  $ . "$TESTDIR/helpers.sh"

The package `silvermirror-testplugin` (tests/plugin) is installed beside
SilverMirror.  It declares the handler Concatenate in the entry point
group `silvermirror.conflict_handlers`, as the shipped handlers are:

  $ python -c "
  > from importlib import metadata
  > for ep in metadata.entry_points(group='silvermirror.conflict_handlers'):
  >     print(ep.name, '=', ep.value)
  > " | sort
  ClobberLocal = hgext_silvermirror.conflicts:clobberlocal
  ClobberRemote = hgext_silvermirror.conflicts:clobberremote
  Concatenate = sm_testplugin:Concatenate
  KeepBoth = hgext_silvermirror.conflicts:keepboth
  Merge = hgext_silvermirror.conflicts:merge
  Prompt = hgext_silvermirror.conflicts:prompt

A resource uses it by name, in any case:

  $ localpair alpha beta docs 'conflict.push = concatenate'
  $ on alpha hg mirror-status | grep conflict:
    conflict: push Concatenate, pull ClobberRemote

  $ echo 'milk' > alpha/docs/shopping.txt
  $ printf 'GIF\000base' > alpha/docs/icon.gif
  $ on alpha hg mirror-push -q docs
  $ cd alpha/docs
  $ echo 'bread' > shopping.txt
  $ printf 'GIF\000alpha' > icon.gif
  $ echo 'eggs' > ../../beta/docs/shopping.txt
  $ printf 'GIF\000beta' > ../../beta/docs/icon.gif
  $ on alpha hg mirror-push
  docs: recorded 0 added, 2 modified, 0 removed
  docs: conflict in icon.gif with */beta: kept both (Concatenate); remote version in icon.conflict-beta-19700101-000000.gif (glob)
  docs: conflict in shopping.txt with */beta: merged (Concatenate) (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat shopping.txt ../../beta/docs/shopping.txt
  bread
  eggs
  bread
  eggs

It is listed among the known handlers when a name is wrong:

  $ on alpha hg mirror-push -d Concat
  abort: unknown conflict handler: Concat
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [10]

A tool of [merge-tools] as conflict handler, and :silvermirror itself
=====================================================================

  $ . "$TESTDIR/helpers.sh"

alpha has its own merge tools: one that keeps the sorted lines of both
versions, one that always fails, one that leaves conflict markers and
says it succeeded.

  $ localpair alpha beta docs 'conflict = SortLines'
  $ cat >> alpha/.hgrc <<EOF
  > [merge-tools]
  > sortlines.executable = sort
  > sortlines.args = -u \$local \$other -o \$output
  > broken.executable = false
  > sloppy.executable = sh
  > sloppy.args = -c 'printf "<<<<<<< mine\\n=======\\n>>>>>>> theirs\\n" > "\$1"' - \$output
  > EOF
  $ on alpha hg mirror-status | grep conflict:
    conflict: push sortlines, pull sortlines

  $ printf 'apples\nmilk\n' > alpha/docs/shopping.txt
  $ echo hello > alpha/docs/README
  $ on alpha hg mirror-push -q docs
  $ cd alpha/docs

The tool merges edits on both sides; a change/delete conflict, which no
external tool can take, keeps the changed file without asking:

  $ conflicts() {
  >   printf 'apples\nmilk\nbread %s\n' $1 > shopping.txt
  >   printf 'apples\nmilk\neggs %s\n' $1 > ../../beta/docs/shopping.txt
  >   echo "hello $1" > README
  >   rm ../../beta/docs/README
  > }
  $ conflicts 1
  $ on alpha hg mirror-push
  docs: recorded 0 added, 2 modified, 0 removed
  docs: conflict in README with */beta: kept local change (sortlines) (glob)
  docs: conflict in shopping.txt with */beta: merged (sortlines) (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat shopping.txt
  apples
  bread 1
  eggs 1
  milk
  $ cat ../../beta/docs/README
  hello 1

A tool that fails, or one that leaves conflict markers, changes nothing:
both versions are kept, the local one at its path.

  $ conflicts 2
  $ on alpha hg mirror-push -d broken
  docs: recorded 0 added, 2 modified, 0 removed
  merging shopping.txt failed!
  docs: conflict in README with */beta: kept local change (broken) (glob)
  docs: conflict in shopping.txt with */beta: kept both, merge tool broken failed (broken); remote version in shopping.conflict-beta-19700101-000000.txt (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 2 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat shopping.txt
  apples
  milk
  bread 2

  $ conflicts 3
  $ on alpha hg mirror-push -q -d sloppy
  merging shopping.txt failed!
  $ cat shopping.txt
  apples
  milk
  bread 3
  $ grep -rl '^<<<<<<<' . ../../beta/docs --exclude-dir=.hg
  [1]

A name that is neither a handler nor a configured tool is refused:

  $ on alpha hg mirror-push -d sort
  abort: unknown conflict handler: sort
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [10]

The handlers run inside hg's merge as the internal merge tool
`:silvermirror`, documented with the others:

  $ hg help merge-tools | grep -A 7 '":silvermirror"'
      ":silvermirror"
        Lets the conflict handler of the running SilverMirror sync decide (see
        'hg help -e hgext_silvermirror'), change/delete conflicts included,
        without prompting. Outside a sync it keeps both versions: the local one
        at its path, the other one beside it as the untracked file
        "NAME.conflict-HOST-YYYYMMDD-HHMMSS.EXT".
  
        (actual capabilities: binary, symlink)

In a merge of your own it keeps both versions too:

  $ echo 'version one' > README
  $ hg commit -q -m one
  $ hg up -q '.^'
  $ echo 'version two' > README
  $ hg commit -q -m two
  $ hg merge -q --tool :silvermirror
  $ cat README README.conflict-*
  version two
  version one
  $ hg status
  M README
  ? README.conflict-other-19700101-000000

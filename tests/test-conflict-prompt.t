Prompt: ask for each file, and never hang without a terminal
============================================================

  $ . "$TESTDIR/helpers.sh"

alpha mirrors its documents to beta's copy, reached by its path, and
asks about each conflict:

  $ localpair alpha beta docs 'conflict = Prompt'
  $ cd alpha/docs
  $ for f in a b c d; do printf 'one\ntwo\nthree\n' > $f.txt; done
  $ on alpha hg mirror-push -q docs

In each round, four files change on both sides:

  $ conflicts() {
  >   for f in a b c d; do
  >     printf 'one (alpha %s)\ntwo\nthree\n' $1 > $f.txt
  >     printf 'one\ntwo\nthree (beta %s)\n' $1 > ../../beta/docs/$f.txt
  >   done
  > }
  $ conflicts 1

At a terminal (here answers fed on stdin) each file is asked for: keep
the local version, take the remote one, keep both, or merge.

  $ on alpha hg mirror-push --config ui.interactive=true <<EOF
  > l
  > r
  > b
  > m
  > EOF
  docs: recorded 0 added, 4 modified, 0 removed
  a.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge? l (glob)
  b.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge? r (glob)
  c.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge? b (glob)
  d.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge? m (glob)
  docs: conflict in a.txt with */beta: kept local (Prompt); other version: 'hg mirror-restore -r ???????????? path:a.txt' (glob)
  docs: conflict in b.txt with */beta: took remote (Prompt); other version: 'hg mirror-restore -r ???????????? path:b.txt' (glob)
  docs: conflict in c.txt with */beta: kept both (Prompt); remote version in c.conflict-beta-19700101-000000.txt (glob)
  docs: conflict in d.txt with */beta: merged (Prompt) (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 4 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ cat a.txt b.txt c.txt c.conflict-* d.txt
  one (alpha 1)
  two
  three
  one
  two
  three (beta 1)
  one (alpha 1)
  two
  three
  one
  two
  three (beta 1)
  one (alpha 1)
  two
  three (beta 1)
  $ rm c.conflict-*

Without a terminal (the daemon, a hook, ui.interactive=false) nothing is
asked: every file keeps both versions, and the report says why.

  $ conflicts 2
  $ on alpha hg mirror-push
  docs: recorded 0 added, 4 modified, 1 removed
  docs: conflict in a.txt with */beta: kept both, no terminal to ask (Prompt); remote version in a.conflict-beta-19700101-000000.txt (glob)
  docs: conflict in b.txt with */beta: kept both, no terminal to ask (Prompt); remote version in b.conflict-beta-19700101-000000.txt (glob)
  docs: conflict in c.txt with */beta: kept both, no terminal to ask (Prompt); remote version in c.conflict-beta-19700101-000000.txt (glob)
  docs: conflict in d.txt with */beta: kept both, no terminal to ask (Prompt); remote version in d.conflict-beta-19700101-000000.txt (glob)
  docs: */beta: pulled 1 changesets, pushed 2 changesets, 4 conflicts resolved (glob)
  1 resources, 1 host syncs: 1 synced
  $ rm *.conflict-*

A terminal that stops answering is no terminal either: the files that got
no answer keep both versions.

  $ conflicts 3
  $ on alpha hg mirror-push -q --config ui.interactive=true <<EOF
  > r
  > EOF
  a.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge? r (glob)
  b.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge?  (glob)
  c.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge?  (glob)
  d.txt changed here and on */beta: keep (l)ocal, take (r)emote, keep (b)oth or (m)erge?  (glob)
  $ ls *.conflict-*
  b.conflict-beta-19700101-000000.txt
  c.conflict-beta-19700101-000000.txt
  d.conflict-beta-19700101-000000.txt

Nothing is left unresolved for the next run:

  $ on alpha hg resolve -l
  $ on alpha hg status

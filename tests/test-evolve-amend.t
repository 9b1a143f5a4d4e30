Beside hg-evolve and topic: amended snapshots, instability, topics
=================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ cat >> $TESTTMP/.hgrc <<EOF
  > [extensions]
  > evolve =
  > topic =
  > EOF

Three nodes; alpha's snapshot reaches beta and gamma:

  $ for n in alpha beta gamma; do
  >   mknode $n
  >   printf '[::SilverMirror::]\nhosts = alpha beta gamma\n[docs]\n[notes]\n' > $TESTTMP/$n/.silvermirror
  >   mkdir $TESTTMP/$n/docs $TESTTMP/$n/notes
  > done
  $ echo base > $TESTTMP/alpha/docs/base.txt
  $ echo n > $TESTTMP/alpha/notes/n.txt
  $ on alpha hg mirror-push all -q
  $ echo draft > $TESTTMP/alpha/docs/paper.txt
  $ on alpha hg mirror-push all -q

An amended snapshot propagates as obsolescence markers
------------------------------------------------------

The user on alpha rewrites SilverMirror's snapshot (resources are
non-publishing, so it is still draft):

  $ cd $TESTTMP/alpha/docs
  $ on alpha hg log -r . -T '{rev} {phase} {desc}\n'
  1 draft mirror: snapshot on alpha
  $ echo final > paper.txt
  $ on alpha hg amend -m 'the paper, final'
  $ on alpha hg mirror-push docs
  docs: beta: pushed 1 changesets
  docs: gamma: pushed 1 changesets
  1 resources, 2 host syncs: 2 synced

beta and gamma have the marker, their working copy on the successor, and
no orphan or divergent changeset:

  $ for n in beta gamma; do
  >   cd $TESTTMP/$n/docs
  >   on $n hg log -r . -T '{desc} {phase}\n'
  >   on $n hg log --hidden -r 'obsolete()' -T 'obsolete: {rev} {desc}\n'
  >   on $n hg log -r 'orphan() or contentdivergent() or phasedivergent()'
  >   cat paper.txt
  > done
  the paper, final draft
  obsolete: 1 mirror: snapshot on alpha
  final
  the paper, final draft
  obsolete: 1 mirror: snapshot on alpha
  final

A sync from beta creates nothing new anywhere:

  $ on beta hg mirror-push docs
  docs: alpha: up to date
  docs: gamma: up to date
  1 resources, 2 host syncs: 2 synced
  $ on alpha hg log -R $TESTTMP/alpha/docs -T '{desc}\n'
  the paper, final
  mirror: snapshot on alpha

Instability stops that resource, the others go on
-------------------------------------------------

On alpha, amending a snapshot that has a child leaves an orphan:

  $ cd $TESTTMP/alpha/notes
  $ echo more >> n.txt
  $ on alpha hg mirror-push notes -q
  $ echo again >> n.txt
  $ on alpha hg mirror-push notes -q
  $ on alpha hg update -q -r 1
  $ on alpha hg amend -q -m 'rewritten'
  1 new orphan changesets
  $ echo late >> $TESTTMP/alpha/docs/paper.txt
  $ on alpha hg mirror-push all
  docs: recorded 0 added, 1 modified, 0 removed
  docs: beta: pushed 1 changesets
  docs: gamma: pushed 1 changesets
  error: notes: resource notes has 1 unstable changesets
  (see 'hg -R */alpha/notes evolve --list', stabilize them, then sync again) (glob)
  2 resources, 2 host syncs: 2 synced
  [255]
  $ on alpha hg evolve -q --any
  $ on alpha hg mirror-push notes -q
  $ cat $TESTTMP/gamma/notes/n.txt
  n
  more
  again

An active topic never captures SilverMirror's snapshots
------------------------------------------------------

Snapshots and merges are committed outside the active topic: the topic
stays active for the user's own commits and holds none of SilverMirror's.

  $ cd $TESTTMP/beta/docs
  $ on beta hg topic -q wip
  $ echo idea > idea.txt
  $ on beta hg mirror-push docs -q
  $ on beta hg log -r . -T '{desc} topic=[{topic}]\n'
  mirror: snapshot on beta topic=[]
  $ on beta hg topic
   * wip (0 changesets)
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg log -r . -T '{desc} topic=[{topic}]\n'
  mirror: snapshot on beta topic=[]
  $ cat idea.txt
  idea

Push and pull between three nodes over ssh
==========================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

Three machines share one SilverMirror file (in real life it would itself be
mirrored); each one skips the host entry that names itself.

  $ for n in alpha beta gamma; do mknode $n; done
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = alpha beta gamma
  > [notes]
  > EOF
  $ for n in beta gamma; do cp $TESTTMP/alpha/.silvermirror $TESTTMP/$n/; done

alpha starts the resource and pushes it everywhere:

  $ mkdir -p $TESTTMP/alpha/notes
  $ cd $TESTTMP/alpha/notes
  $ echo "shopping: milk" > todo.txt
  $ echo "ideas" > ideas.txt
  $ on alpha hg mirror-push
  notes: created repository in */alpha/notes (glob)
  notes: recorded 2 added, 0 modified, 0 removed
  notes: beta: created, pushed 1 changesets
  notes: gamma: created, pushed 1 changesets
  1 resources, 2 host syncs: 2 synced
  $ cat $TESTTMP/beta/notes/todo.txt $TESTTMP/gamma/notes/ideas.txt
  shopping: milk
  ideas

beta edits a file and adds one; gamma renames one. Neither syncs yet.

  $ echo "shopping: milk, bread" > $TESTTMP/beta/notes/todo.txt
  $ echo "call mum" > $TESTTMP/beta/notes/calls.txt
  $ mv $TESTTMP/gamma/notes/ideas.txt $TESTTMP/gamma/notes/thoughts.txt

A pull on alpha brings both: the hosts snapshot their pending changes
first, so what alpha gets is what is really on the other machines.

  $ on alpha hg mirror-pull
  notes: beta: pulled 1 changesets
  notes: gamma: pulled 1 changesets
  1 resources, 2 host syncs: 2 synced
  $ ls
  calls.txt
  thoughts.txt
  todo.txt
  $ on alpha glog
  @    3 mirror: merge with gamma on alpha (alpha)
  |\
  | o  2 mirror: snapshot on gamma (gamma)
  | |
  o |  1 mirror: snapshot on beta (beta)
  |/
  o  0 mirror: snapshot on alpha (alpha)
  
The rename was recorded as a rename:

  $ on alpha hg log -r 2 -T '{file_copies}\n'
  thoughts.txt (ideas.txt)

A pull changes nothing on the hosts: gamma still has its own tree.

  $ ls $TESTTMP/gamma/notes
  thoughts.txt
  todo.txt

A push from alpha brings every node to the same state:

  $ on alpha hg mirror-push
  notes: beta: pushed 2 changesets
  notes: gamma: pushed 2 changesets
  1 resources, 2 host syncs: 2 synced
  $ for n in alpha beta gamma; do (cd $TESTTMP/$n/notes && echo "$n: $(ls | tr '\n' ' ')" && on $n hg status); done
  alpha: calls.txt thoughts.txt todo.txt 
  beta: calls.txt thoughts.txt todo.txt 
  gamma: calls.txt thoughts.txt todo.txt 

Syncing again changes nothing, anywhere (no echo commits):

  $ on alpha hg mirror-push -q
  $ (cd $TESTTMP/gamma/notes && on gamma hg mirror-push)
  notes: alpha: up to date
  notes: beta: up to date
  1 resources, 2 host syncs: 2 synced
  $ for n in alpha beta gamma; do (cd $TESTTMP/$n/notes && on $n hg log -T . && echo); done
  ....
  ....
  ....

The silvermirror command line does the same as the hg commands:

  $ echo "call dad" >> $TESTTMP/gamma/notes/calls.txt
  $ cd $TESTTMP/gamma/notes
  $ on gamma silvermirror
  notes: recorded 0 added, 1 modified, 0 removed
  notes: alpha: pushed 1 changesets
  notes: beta: pushed 1 changesets
  1 resources, 2 host syncs: 2 synced
  $ cat $TESTTMP/alpha/notes/calls.txt
  call mum
  call dad

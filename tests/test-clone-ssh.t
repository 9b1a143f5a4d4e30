A new node in one command: hg mirror-clone from a host over ssh
==============================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh

alpha keeps its SilverMirror file inside the resource dotfiles, so the
file travels with it; beta already mirrors alpha; gamma is a new machine.

  $ mknode alpha
  $ mknode beta
  $ mknode gamma
  $ echo 'config = ~/dotfiles/silvermirror' >> $TESTTMP/alpha/.hgrc
  $ mkdir -p $TESTTMP/alpha/dotfiles $TESTTMP/alpha/docs/private $TESTTMP/alpha/music
  $ cat > $TESTTMP/alpha/dotfiles/silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = alpha beta gamma
  > [dotfiles]
  > [docs]
  > [docs:private]
  > [docs:secret]
  > hosts = alpha beta
  > [music]
  > hosts = alpha beta
  > EOF
  $ mkdir -p $TESTTMP/alpha/docs/secret
  $ echo notes > $TESTTMP/alpha/docs/notes.txt
  $ echo diary > $TESTTMP/alpha/docs/private/diary.txt
  $ echo key > $TESTTMP/alpha/docs/secret/key.txt
  $ echo song > $TESTTMP/alpha/music/song.txt
  $ on alpha hg mirror-push all -H beta -q

What alpha offers (the ssh side of mirror-clone):

  $ on alpha hg debugmirrorconfig | head -2
  node: alpha
  path in basedir: dotfiles/silvermirror

gamma already has a docs directory of its own, which must be adopted,
never overwritten:

  $ mkdir -p $TESTTMP/gamma/docs
  $ echo "gamma's own" > $TESTTMP/gamma/docs/notes.txt
  $ echo todo > $TESTTMP/gamma/docs/todo.txt

The plan (-n changes nothing):

  $ cd $TESTTMP/gamma
  $ on gamma hg mirror-clone alpha -n -v
  SilverMirror file from alpha
  docs:secret: not for gamma (hosts: alpha beta)
  music: not for gamma (hosts: alpha beta)
  would write */gamma/.silvermirror, including the file in resource dotfiles (glob)
  docs: would adopt existing directory */gamma/docs from alpha, beta (glob)
  docs:private: would clone into */gamma/docs/private from alpha, beta (glob)
  dotfiles: would clone into */gamma/dotfiles from alpha, beta (glob)
  $ ls $TESTTMP/gamma/docs
  notes.txt
  todo.txt
  $ test -e $TESTTMP/gamma/.silvermirror
  [1]

The clone:

  $ on gamma hg mirror-clone alpha
  SilverMirror file from alpha
  docs: adopting existing directory */gamma/docs (glob)
  docs: created repository in */gamma/docs (glob)
  docs: recorded 2 added, 0 modified, 0 removed
  warning: repository is unrelated
  docs: conflict in notes.txt with alpha: kept local (ClobberRemote); other version: 'hg mirror-restore -r * path:notes.txt' (glob)
  docs: alpha: pulled 1 changesets, 1 conflicts resolved
  docs: beta: up to date
  docs:private: created repository in */gamma/docs/private (glob)
  docs:private: alpha: pulled 1 changesets
  docs:private: beta: up to date
  dotfiles: created repository in */gamma/dotfiles (glob)
  dotfiles: alpha: pulled 1 changesets
  dotfiles: beta: up to date
  wrote SilverMirror file */gamma/.silvermirror (glob)
  3 resources, 6 host syncs: 6 synced
  $ cat $TESTTMP/gamma/.silvermirror
  # written by hg mirror-clone: the file travels in resource dotfiles
  %include dotfiles/silvermirror
  $ cat $TESTTMP/gamma/docs/private/diary.txt
  diary
  $ ls $TESTTMP/gamma/docs
  notes.txt
  private
  todo.txt
  $ cat $TESTTMP/gamma/docs/notes.txt
  gamma's own
  $ test -d $TESTTMP/gamma/music || test -d $TESTTMP/gamma/docs/secret
  [1]

No other step: gamma syncs, and its files reach alpha and beta.

  $ echo new > $TESTTMP/gamma/docs/new.txt
  $ on gamma hg mirror-push all
  docs: recorded 1 added, 0 modified, 0 removed
  docs: alpha: pushed 3 changesets
  docs: beta: pushed 3 changesets
  docs:private: alpha: up to date
  docs:private: beta: up to date
  docs:secret: not mirrored to gamma
  dotfiles: alpha: up to date
  dotfiles: beta: up to date
  music: not mirrored to gamma
  5 resources, 6 host syncs: 6 synced
  $ cat $TESTTMP/alpha/docs/new.txt $TESTTMP/beta/docs/todo.txt
  new
  todo

A change to the SilverMirror file on alpha reaches gamma with the next sync:

  $ echo '[extra]' >> $TESTTMP/alpha/dotfiles/silvermirror
  $ on alpha hg mirror-push dotfiles -q
  $ on gamma hg mirror-status extra | head -1
  extra

Cloning twice adopts everything and changes nothing:

  $ on gamma hg mirror-clone alpha -q

Errors: a node not named anywhere, an unreachable source, an existing file:

  $ mknode delta
  $ on delta hg mirror-clone alpha
  abort: no resource of alpha is meant for node delta
  (add 'delta' to the hosts of a resource there, or set silvermirror.name)
  [10]
  $ on delta hg mirror-clone nosuchhost
  abort: cannot fetch the SilverMirror file from nosuchhost: ssh: Could not resolve hostname nosuchhost: Name or service not known
  (the node needs ssh access and the extension enabled)
  [255]
  $ echo '[::SilverMirror::]' > $TESTTMP/delta/.silvermirror
  $ on delta hg mirror-clone alpha --config silvermirror.name=gamma
  abort: SilverMirror file */delta/.silvermirror already exists (glob)
  (move it away, or clone with --config silvermirror.config=OTHER)
  [20]

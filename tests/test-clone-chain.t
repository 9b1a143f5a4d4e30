A node cloned from a node that was itself cloned, and no secret served
======================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ for n in alpha beta gamma; do mknode $n; done

alpha keeps its SilverMirror file in the resource dotfiles. The archive
lives on a hub whose URL carries a password.

  $ echo 'config = ~/dotfiles/silvermirror.ini' >> $TESTTMP/alpha/.hgrc
  $ mkdir -p $TESTTMP/alpha/dotfiles $TESTTMP/alpha/docs
  $ cat > $TESTTMP/alpha/dotfiles/silvermirror.ini <<EOF
  > [::SilverMirror::]
  > hosts = alpha beta gamma
  > [dotfiles]
  > [docs]
  > [archive]
  > hosts = alpha https://alice:s3cr:et@hub.invalid/
  > EOF
  $ echo notes > $TESTTMP/alpha/docs/notes.txt
  $ on alpha hg mirror-push dotfiles docs -H beta -q

What alpha serves has the user of the hub, never the password: a node
being cloned reaches the hub with its own credentials ([auth]).

  $ on alpha hg debugmirrorconfig | grep hub
  hosts = alpha https://alice@hub.invalid/

beta is cloned from alpha: its SilverMirror file is an %include stub.

  $ cd $TESTTMP/beta
  $ on beta hg mirror-clone alpha -q
  $ cat $TESTTMP/beta/.silvermirror
  # written by hg mirror-clone: the file travels in resource dotfiles
  %include dotfiles/silvermirror.ini

gamma is cloned from beta over ssh (beta's sync already made gamma's
repositories): beta serves the file its stub includes, and gamma gets a
stub of its own.

  $ on beta hg debugmirrorconfig | head -3
  node: beta
  path in basedir: dotfiles/silvermirror.ini
  [::SilverMirror::]
  $ cd $TESTTMP/gamma
  $ on gamma hg mirror-clone beta
  SilverMirror file from beta
  docs: alpha: pulled 1 changesets
  docs: beta: up to date
  dotfiles: alpha: pulled 1 changesets
  dotfiles: beta: up to date
  wrote SilverMirror file */gamma/.silvermirror (glob)
  2 resources, 4 host syncs: 4 synced
  $ cat $TESTTMP/gamma/.silvermirror
  # written by hg mirror-clone: the file travels in resource dotfiles
  %include dotfiles/silvermirror.ini
  $ cat $TESTTMP/gamma/docs/notes.txt
  notes

A new node bootstrapped from a USB disk: hg mirror-clone PATH
============================================================

  $ . "$TESTDIR/helpers.sh"

alpha mirrors its resources to a disk only; the SilverMirror file lives in
the resource dotfiles, so the disk carries it too.

  $ mknode alpha
  $ mknode beta
  $ mkdir -p $TESTTMP/usb/mirror $TESTTMP/alpha/dotfiles $TESTTMP/alpha/docs
  $ echo 'config = ~/dotfiles/silvermirror' >> $TESTTMP/alpha/.hgrc
  $ cat > $TESTTMP/alpha/dotfiles/silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/usb/mirror
  > [dotfiles]
  > [docs]
  > EOF
  $ echo report > $TESTTMP/alpha/docs/report.txt
  $ on alpha hg mirror-push all -q
  $ ls $TESTTMP/usb/mirror
  docs
  dotfiles

On beta, the file on the disk is the source; the disk names no node, so
every resource is beta's:

  $ on beta hg mirror-clone $TESTTMP/usb/mirror/dotfiles/silvermirror -n
  SilverMirror file from */usb/mirror/dotfiles/silvermirror (glob)
  would write */beta/.silvermirror, including the file in resource dotfiles (glob)
  docs: would clone into */beta/docs from */usb/mirror (glob)
  dotfiles: would clone into */beta/dotfiles from */usb/mirror (glob)
  $ on beta hg mirror-clone $TESTTMP/usb/mirror/dotfiles/silvermirror -q
  $ cat $TESTTMP/beta/.silvermirror
  # written by hg mirror-clone: the file travels in resource dotfiles
  %include dotfiles/silvermirror
  $ cat $TESTTMP/beta/docs/report.txt
  report

beta syncs through the disk, and alpha gets the change:

  $ echo draft > $TESTTMP/beta/docs/draft.txt
  $ on beta hg mirror-push all
  docs: recorded 1 added, 0 modified, 0 removed
  docs: */usb/mirror: pushed 1 changesets (glob)
  dotfiles: */usb/mirror: up to date (glob)
  2 resources, 2 host syncs: 2 synced
  $ on alpha hg mirror-pull docs -q
  $ cat $TESTTMP/alpha/docs/draft.txt
  draft

A plain copy of a SilverMirror file, outside any resource, is copied as is:

  $ mknode gamma
  $ cp $TESTTMP/alpha/dotfiles/silvermirror $TESTTMP/copy.ini
  $ on gamma hg mirror-clone $TESTTMP/copy.ini -q
  $ cmp $TESTTMP/copy.ini $TESTTMP/gamma/.silvermirror
  $ on gamma hg mirror-push all -q
  $ ls $TESTTMP/gamma/docs
  draft.txt
  report.txt

A missing file:

  $ on gamma hg mirror-clone $TESTTMP/nowhere/silvermirror
  abort: cannot read SilverMirror file */nowhere/silvermirror: No such file or directory (glob)
  (give the path of the file itself, e.g. on a mounted disk)
  [255]

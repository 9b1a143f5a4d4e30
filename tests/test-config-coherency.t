The SilverMirror file travels with a resource
=============================================

When the SilverMirror file lies inside a resource, that resource is
synced first and the file read again, so the other resources sync with
the newest configuration (the whitepaper: configuration is synced prior
to push/pull).  Hosts here are local paths.

  $ . "$TESTDIR/helpers.sh"
  $ mknode alpha
  $ mknode beta
  $ for n in alpha beta; do
  >   printf '[silvermirror]\nconfig = dot/silvermirror.ini\n' >> $TESTTMP/$n/.hgrc
  > done
  $ mkdir -p $TESTTMP/alpha/dot $TESTTMP/alpha/docs $TESTTMP/alpha/photos
  $ cat > $TESTTMP/alpha/dot/silvermirror.ini <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/alpha $TESTTMP/beta
  > [dot]
  > [docs]
  > EOF
  $ echo letter > $TESTTMP/alpha/docs/letter.txt

A relative silvermirror.config is relative to the hgrc that sets it, and
the host entry naming alpha's own copy is skipped:

  $ cd $TESTTMP
  $ on alpha hg mirror-status -T '{resource}: {hosts % "{url}"}\n'
  docs: */beta/docs (glob)
  dot: */beta/dot (glob)
  $ on alpha hg mirror-push -q all -T '{resource} {status}\n'
  dot synced
  docs synced
  $ cat beta/dot/silvermirror.ini | grep -c docs
  1

On beta the file gets a new resource and an ignore pattern; alpha has
files for both:

  $ cat >> beta/dot/silvermirror.ini <<EOF
  > ignore = *.log
  > [photos]
  > EOF
  $ hg -R beta/dot commit -q -m 'photos, no logs'
  $ echo holiday > alpha/photos/beach.jpg
  $ echo noise > alpha/docs/build.log
  $ echo more > alpha/docs/more.txt

One run on alpha syncs dot first, reads the new file, then syncs the
others with it: photos is synced in the same run and the log stays home.

  $ on alpha hg mirror-push -q all -T '{resource} {status}\n'
  dot synced
  docs synced
  photos synced
  $ cat alpha/dot/silvermirror.ini | grep photos
  [photos]
  $ ls beta/docs beta/photos
  beta/docs:
  letter.txt
  more.txt
  
  beta/photos:
  beach.jpg
  $ hg -R alpha/docs status -A
  I build.log
  C letter.txt
  C more.txt

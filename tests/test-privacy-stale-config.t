A private directory stays private, whatever another node's file says
===================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ mknode alpha
  $ mknode beta

alpha keeps docs/private to itself; its repository does not exist yet.
beta's SilverMirror file is older: it knows docs only.

  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = beta
  > [docs]
  > [docs:private]
  > hosts = alpha
  > EOF
  $ cat > $TESTTMP/beta/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = alpha
  > [docs]
  > EOF
  $ mkdir -p $TESTTMP/alpha/docs/private $TESTTMP/beta/docs
  $ echo report > $TESTTMP/alpha/docs/report.txt
  $ echo secret > $TESTTMP/alpha/docs/private/secret.txt

beta pushes docs. alpha's snapshot, made at beta's request, leaves out the
directory alpha's own file keeps private:

  $ on beta hg mirror-push docs
  docs: created repository in */beta/docs (glob)
  docs: alpha: created, pulled 1 changesets
  1 resources, 1 host syncs: 1 synced
  $ ls $TESTTMP/beta/docs
  report.txt
  $ cd $TESTTMP/alpha/docs
  $ on alpha hg files
  report.txt
  $ on alpha hg log -T '{files}\n'
  report.txt

alpha syncs with its own file: docs still holds no private file, on either
node, store included.

  $ on alpha hg mirror-push docs -q
  $ on alpha hg log -T '{files}\n' | grep private
  [1]
  $ grep -rl secret $TESTTMP/beta/docs $TESTTMP/alpha/docs/.hg
  [1]
  $ cat $TESTTMP/alpha/docs/private/secret.txt
  secret

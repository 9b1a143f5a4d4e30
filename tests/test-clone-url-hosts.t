mirror-clone gives a namespaced resource only to the nodes it names
===================================================================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ for n in alpha nu mu; do mknode $n; done

docs goes to every node. docs:private names alpha and nu, written as ssh
URLs (nu by its full name), and a USB disk: a disk names no node, so it
does not make the resource anyone's. music lives on the disk only: a
top-level resource whose hosts name no node is meant for every node.

  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = alpha nu mu
  > [docs]
  > [docs:private]
  > hosts = ssh://alpha/ ssh://nu.lan/ $TESTTMP/usb
  > [music]
  > hosts = $TESTTMP/usb
  > EOF
  $ mkdir -p $TESTTMP/alpha/docs/private $TESTTMP/alpha/music $TESTTMP/usb
  $ echo notes > $TESTTMP/alpha/docs/notes.txt
  $ echo diary > $TESTTMP/alpha/docs/private/diary.txt
  $ echo song > $TESTTMP/alpha/music/song.txt
  $ on alpha hg mirror-push docs -H nu -q
  $ on alpha hg mirror-push docs:private music -H $TESTTMP/usb -q

  $ cd $TESTTMP/mu
  $ on mu hg mirror-clone alpha -n -v
  SilverMirror file from alpha
  docs:private: not for mu (hosts: ssh://alpha/ ssh://nu.lan/ */usb) (glob)
  would write */mu/.silvermirror (glob)
  docs: would clone into */mu/docs from alpha, nu (glob)
  music: would clone into */mu/music from */usb (glob)
  $ on mu hg mirror-clone alpha -q
  $ ls $TESTTMP/mu
  docs
  music
  $ ls $TESTTMP/mu/docs
  notes.txt
  $ grep -rl diary $TESTTMP/mu
  [1]

nu is named (ssh://nu.lan/ is node nu), so it gets docs:private:

  $ cd $TESTTMP/nu
  $ on nu hg mirror-clone alpha -n | grep private
  docs:private: would clone into */nu/docs/private from ssh://alpha/, ssh://nu.lan/, */usb (glob)

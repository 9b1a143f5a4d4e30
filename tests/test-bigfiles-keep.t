What each keep setting keeps of a big file's history
=====================================================

  $ . "$TESTDIR/helpers.sh"

alpha's photo library has a USB disk as its host.  A photo has five
versions: three from 2020, two of today.

  $ usbpair alpha beta photos
  $ echo 'bigfile = 1MB' >> alpha/.silvermirror
  $ mkdir alpha/photos
  $ cd alpha/photos
  $ echo 'the photos' > notes.txt
  $ on alpha hg mirror-push -q
  $ version() {
  >   python3 -c "open('lake.jpg', 'wb').write(b'$1' * 1${1}00000)"
  >   on alpha hg add -q --large lake.jpg 2> /dev/null
  >   on alpha hg commit -q -d "$2" -m "v$1"
  > }
  $ version 1 '2020-01-01 12:00'
  $ version 2 '2020-02-01 12:00'
  $ version 3 '2020-03-01 12:00'
  $ version 4 "`date -u -d '2 days ago' '+%Y-%m-%d %H:%M'`"
  $ version 5 "`date -u -d '1 day ago' '+%Y-%m-%d %H:%M'`"
  $ on alpha hg mirror-push -q
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  5

Each setting, and the versions (by size) it lets go; the disk holds them
all.  current lets go even the working copy's version, unedited: the
working copy holds it, and the disk another copy:

  $ for keep in all 4 3 30d current; do
  >   echo "keep = $keep"
  >   sed -i '/^keep =/d' $TESTTMP/alpha/.silvermirror
  >   echo "keep = $keep" >> $TESTTMP/alpha/.silvermirror
  >   on alpha hg mirror-gc -n -T '  {size} {if(host, "on the disk")}\n'
  > done
  keep = all
  keep = 4
    1100000 on the disk
  keep = 3
    1100000 on the disk
    1200000 on the disk
  keep = 30d
    1100000 on the disk
    1200000 on the disk
    1300000 on the disk
  keep = current
    1100000 on the disk
    1200000 on the disk
    1300000 on the disk
    1400000 on the disk
    1500000 on the disk
  $ on alpha hg mirror-gc -q
  $ ls .hg/largefiles | grep -v dirstate | wc -l
  0
  $ on alpha hg update -q -r 2
  $ head -c 3 lake.jpg; echo
  222

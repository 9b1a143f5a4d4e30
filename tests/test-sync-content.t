What is mirrored faithfully
===========================

  $ . "$TESTDIR/helpers.sh"
  $ needssh
  $ mknode alpha
  $ mknode beta
  $ cat > $TESTTMP/alpha/.silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = beta
  > [box]
  > EOF
  $ mkdir -p $TESTTMP/alpha/box && cd $TESTTMP/alpha/box

Symlinks (kept as links, never followed), the executable bit, empty files,
binary files, names with spaces and non-ASCII names, empty directories:

  $ echo target > target.txt
  $ ln -s target.txt link
  $ ln -s /nonexistent/elsewhere dangling
  $ printf '#!/bin/sh\necho hi\n' > run.sh && chmod +x run.sh
  $ : > empty
  $ printf 'bin\000\001\002ary' > blob.bin
  $ echo spaced > "with space.txt"
  $ echo accent > "$(printf 'caf\303\251.txt')"
  $ mkdir -p "nothing here/yet"
  $ on alpha hg mirror-push -q

  $ cd $TESTTMP/beta/box
  $ ls -1 | sort
  blob.bin
  caf\xc3\xa9.txt (esc)
  dangling
  empty
  link
  nothing here
  run.sh
  target.txt
  with space.txt
  $ readlink link dangling
  target.txt
  /nonexistent/elsewhere
  $ test -x run.sh && ./run.sh
  hi
  $ test -s empty
  [1]
  $ od -An -c blob.bin
     b   i   n  \0 001 002   a   r   y
  $ ls -d "nothing here/yet"
  nothing here/yet

Deletions travel too, and an emptied directory is kept as empty:

  $ cd $TESTTMP/alpha/box
  $ rm blob.bin "with space.txt"
  $ rmdir "nothing here/yet"
  $ chmod -x run.sh
  $ on alpha hg mirror-push -q
  $ cd $TESTTMP/beta/box
  $ ls -1 | sort
  caf\xc3\xa9.txt (esc)
  dangling
  empty
  link
  nothing here
  run.sh
  target.txt
  $ test -x run.sh
  [1]
  $ ls -A "nothing here"

The sync leaves both working copies clean, and the next one does nothing:

  $ on beta hg status
  $ on alpha hg mirror-push -q box
  $ on beta hg log -T '{rev}\n'
  1
  0

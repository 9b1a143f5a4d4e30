End-of-line comments and misspelled names
=========================================

hg config files have no end-of-line comments: `# text` after a value is
part of the value. SilverMirror refuses such a value, naming the file and
line, rather than sync with a host called "#" or a directory named
"Documents   # mine". A `#` inside a word (a URL fragment, a pattern) is
not a comment: only a `#` at the start of a value or after whitespace is.

  $ . "$TESTDIR/helpers.sh"
  $ mknode laptop
  $ cd $TESTTMP/laptop
  $ mkdir -p docs usb
  $ cat > .silvermirror <<EOF
  > [::SilverMirror::]
  > # a comment on its own line is fine
  > hosts = $TESTTMP/laptop/usb   # the USB disk
  > [docs]
  > EOF
  $ on laptop hg mirror-push
  config error at */laptop/.silvermirror:3: end-of-line comment in hosts of [::SilverMirror::]: "# the USB disk" (glob)
  (hg config files have no end-of-line comments: put the comment on its own line)
  [30]

On a continuation line, the line of the comment is named:

  $ cat > .silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/laptop/usb
  > [docs]
  > ignore = *.tmp
  >   *.bak #editor backups
  > EOF
  $ on laptop hg mirror-push
  config error at */laptop/.silvermirror:5: end-of-line comment in ignore of [docs]: "#editor backups" (glob)
  (hg config files have no end-of-line comments: put the comment on its own line)
  [30]

A `#` inside a word is kept: an ignore pattern ending in `#` (emacs
autosaves) works as written.

  $ echo keep > docs/a.txt
  $ echo autosave > 'docs/b.txt#'
  $ cat > .silvermirror <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/laptop/usb
  > ignore = *#
  > [docs]
  > EOF
  $ on laptop hg mirror-push -q
  $ ls $TESTTMP/laptop/usb/docs
  a.txt

The [silvermirror] section of the hgrc: a comment in a value is refused
the same way; a misspelled key gets a warning with the nearest name.

  $ cat >> .hgrc <<EOF
  > lock-timeout = 10  # seconds
  > EOF
  $ on laptop hg mirror-push -q
  config error at */laptop/.hgrc:3: end-of-line comment in silvermirror.lock-timeout: "# seconds" (glob)
  (hg config files have no end-of-line comments: put the comment on its own line)
  [30]
  $ printf '[silvermirror]\nnmae = laptop\n' > .hgrc
  $ on laptop hg mirror-push -q
  warning at */laptop/.hgrc:2: unknown option silvermirror.nmae (glob)
  (did you mean name?)
  $ printf '[silvermirror]\nname = laptop\n' > .hgrc

A misspelled main section is refused with a suggestion instead of
becoming a resource whose directory is missing:

  $ for header in '[SilverMirror]' '[silvermirror]' '[::SilverMiror::]'; do
  >   printf '%s\nhosts = %s\n[docs]\n' "$header" $TESTTMP/laptop/usb > .silvermirror
  >   on laptop hg mirror-push -q
  > done
  config error at */laptop/.silvermirror:1: section [SilverMirror] is not a resource (glob)
  (did you mean [::SilverMirror::]?)
  config error at */laptop/.silvermirror:1: section [silvermirror] is not a resource (glob)
  (did you mean [::SilverMirror::]?)
  config error at */laptop/.silvermirror:1: section [::SilverMiror::] is not a resource (glob)
  (did you mean [::SilverMirror::]?)
  [30]

Bad configuration and bad input
===============================

Each mistake gets one line naming the file and line, a hint, hg's detailed
exit code (30 bad configuration, 10 bad input), and changes nothing: the
tree of the node is the same before and after.

  $ . "$TESTDIR/helpers.sh"
  $ mknode laptop
  $ cd $TESTTMP/laptop
  $ mkdir -p docs usb
  $ echo hello > docs/notes.txt

  $ state() {
  >   (cd $TESTTMP/laptop && find . ! -name .silvermirror | sort &&
  >    find . -type f ! -name .silvermirror -exec md5sum {} + | sort) | md5sum
  > }
  $ bad() {
  >   cat > $TESTTMP/laptop/.silvermirror
  >   before=$(state)
  >   on laptop hg mirror-push "$@"
  >   rc=$?
  >   [ "$before" = "$(state)" ] || echo "the tree changed" >&2
  >   return $rc
  > }

Without a SilverMirror file there is nothing to sync: a sync says where it
looked and how to start one, and fails; the status only says so.

  $ on laptop hg mirror-status
  no SilverMirror file at */laptop/.silvermirror: nothing to sync (glob)
  (create it (see 'hg help -e hgext_silvermirror'), or copy another node's with 'hg mirror-clone HOST')
  $ on laptop hg mirror-push
  abort: no SilverMirror file at */laptop/.silvermirror: nothing to sync (glob)
  (create it (see 'hg help -e hgext_silvermirror'), or copy another node's with 'hg mirror-clone HOST')
  [30]
  $ on laptop hg mirror-pull --config ui.detailed-exit-code=no
  abort: no SilverMirror file at */laptop/.silvermirror: nothing to sync (glob)
  (create it (see 'hg help -e hgext_silvermirror'), or copy another node's with 'hg mirror-clone HOST')
  [255]

Malformed INI
-------------

  $ bad <<EOF
  > [::SilverMirror::]
  > hosts $TESTTMP/laptop/usb
  > EOF
  config error at */laptop/.silvermirror:2: malformed line "hosts */laptop/usb" (glob)
  (write options as "name = value" under a [section])
  [30]

  $ bad <<EOF
  > [docs
  > EOF
  config error at */laptop/.silvermirror:1: malformed line "[docs" (glob)
  (write a section header as [name])
  [30]

  $ bad <<EOF
  > [docs]
  >  hosts = $TESTTMP/laptop/usb
  > EOF
  config error at */laptop/.silvermirror:2: malformed line "hosts = */laptop/usb" (glob)
  (indent only lines that continue the value above)
  [30]

  $ bad <<EOF
  > [docs]
  > %include common.ini
  > EOF
  config error at */laptop/.silvermirror:2: cannot include */laptop/common.ini: no such file (glob)
  (create it or remove the %include line)
  [30]

  $ bad <<EOF
  > %include .silvermirror
  > EOF
  config error at */laptop/.silvermirror:1: cannot include */laptop/.silvermirror: it includes itself (glob)
  (remove the %include line)
  [30]

Unknown options, with the nearest known one when there is one:

  $ bad <<EOF
  > [::SilverMirror::]
  > conflict.psuh = ClobberLocal
  > EOF
  config error at */laptop/.silvermirror:2: unknown option conflict.psuh in section [::SilverMirror::] (glob)
  (did you mean conflict.push?)
  [30]

  $ bad <<EOF
  > [docs]
  > basedir = /srv
  > EOF
  config error at */laptop/.silvermirror:2: unknown option basedir in section [docs] (glob)
  (use one of bigfile, conflict, conflict.pull, conflict.push, directory, hosts, ignore, keep, maxdelete)
  [30]

Values
------

  $ bad <<EOF
  > [::SilverMirror::]
  > timeout = abc
  > EOF
  config error at */laptop/.silvermirror:2: timeout must be a number of seconds, not "abc" (glob)
  (use a number, such as timeout = 10)
  [30]

  $ bad <<EOF
  > [::SilverMirror::]
  > timeout = -1
  > EOF
  config error at */laptop/.silvermirror:2: timeout must be a number of seconds, not "-1" (glob)
  (use a number, such as timeout = 10)
  [30]

  $ bad <<EOF
  > [::SilverMirror::]
  > password = maybe
  > EOF
  config error at */laptop/.silvermirror:2: password must be true or false, not "maybe" (glob)
  (use password = true or password = false)
  [30]

  $ bad <<EOF
  > [docs]
  > maxdelete = 150%
  > EOF
  config error at */laptop/.silvermirror:2: maxdelete must be a percentage or "off", not "150%" (glob)
  (use a share from 0% to 100%, such as 50%, or off)
  [30]

  $ bad <<EOF
  > [docs]
  > bigfile = 10 megs
  > EOF
  config error at */laptop/.silvermirror:2: bigfile must be a size or "off", not "10 megs" (glob)
  (use a size such as 10MB, 500kB or 2GB, or off)
  [30]

  $ bad <<EOF
  > [photos]
  > keep = 30 days
  > EOF
  config error at */laptop/.silvermirror:2: keep must be all, current, a number of versions or of days, not "30 days" (glob)
  (use keep = all, keep = current, keep = 5 or keep = 30d)
  [30]

  $ bad <<EOF
  > [::SilverMirror::]
  > basedir = sync
  > EOF
  config error at */laptop/.silvermirror:2: basedir must be an absolute path, not "sync" (glob)
  (start it with / or ~)
  [30]

  $ bad <<EOF
  > [docs]
  > hosts = usb:/media
  > EOF
  config error at */laptop/.silvermirror:2: invalid host "usb:/media" (glob)
  (use a host name, an ssh:// or http:// URL, or an absolute path)
  [30]

  $ bad <<EOF
  > [docs]
  > hosts = ssh://nas:twentytwo/share
  > EOF
  config error at */laptop/.silvermirror:2: invalid host "ssh://nas:twentytwo/share": port twentytwo is not a number (glob)
  (write the port as digits, as in ssh://host:2222/path)
  [30]

Conflict handlers, in the file or on the command line:

  $ bad <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/laptop/usb
  > [docs]
  > conflict.pull = ClobberEverything
  > EOF
  config error at */laptop/.silvermirror:4: unknown conflict handler: ClobberEverything (glob)
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [30]

  $ bad -d ClobberEverything <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/laptop/usb
  > [docs]
  > EOF
  abort: unknown conflict handler: ClobberEverything
  (known handlers: ClobberLocal, ClobberRemote, Concatenate, KeepBoth, Merge, Prompt; or a tool of [merge-tools])
  [10]

Resources
---------

  $ bad <<EOF
  > [docs]
  > [papers]
  > directory = docs
  > EOF
  config error at */laptop/.silvermirror:3: resources [docs] and [papers] have the same directory */laptop/docs (glob)
  (give each resource its own directory)
  [30]

  $ bad <<EOF
  > [docs]
  > [docs:private]
  > directory = ../private
  > EOF
  config error at */laptop/.silvermirror:3: directory */laptop/private of [docs:private] is not inside its parent [docs] (*/laptop/docs) (glob)
  (use a directory relative to the parent's)
  [30]

  $ bad <<EOF
  > [docs]
  > [docs:private]
  > directory = $TESTTMP/laptop/docs
  > EOF
  config error at */laptop/.silvermirror:3: directory */laptop/docs of [docs:private] is not inside its parent [docs] (*/laptop/docs) (glob)
  (use a directory relative to the parent's)
  [30]

  $ bad <<EOF
  > [::SilverMirror::]
  > [papers:drafts]
  > EOF
  config error at */laptop/.silvermirror:2: resource [papers:drafts] has no parent section [papers] (glob)
  (add the section [papers], or rename this one)
  [30]

  $ bad <<EOF
  > [all]
  > EOF
  config error at */laptop/.silvermirror:1: invalid resource name [all] (glob)
  (rename it: "all" selects every resource)
  [30]

  $ bad <<EOF
  > [::silvermirror::]
  > EOF
  config error at */laptop/.silvermirror:1: section [::silvermirror::] is not a resource (glob)
  (did you mean [::SilverMirror::]?)
  [30]

  $ bad nonsense <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/laptop/usb
  > [docs]
  > EOF
  abort: unknown resource: nonsense
  (known resources: docs)
  [10]

Without detailed exit codes, every one of these is hg's abort:

  $ on laptop hg mirror-status nonsense --config ui.detailed-exit-code=no
  abort: unknown resource: nonsense
  (known resources: docs)
  [255]

The SilverMirror file itself
----------------------------

  $ on laptop hg mirror-status --config silvermirror.config=elsewhere.ini
  config error: no SilverMirror file at */laptop/elsewhere.ini (glob)
  (create it or fix silvermirror.config)
  [30]
  $ on laptop hg mirror-status --config silvermirror.config=docs
  config error: cannot read SilverMirror file */laptop/docs: it is a directory (glob)
  (point silvermirror.config at a file)
  [30]

Nothing above touched the resource or the host:

  $ ls -A docs usb
  docs:
  notes.txt
  
  usb:

For contrast, a correct file does change the tree (so the check above
would have seen a change):

  $ bad >/dev/null <<EOF
  > [::SilverMirror::]
  > hosts = $TESTTMP/laptop/usb
  > [docs]
  > EOF
  the tree changed
  $ ls -A usb/docs
  .hg
  notes.txt

# SilverMirror: set-up, demo, tests and benchmark on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHGSTAMP := $(VENV)/.chg

.PHONY: demo test bench bench-big benchtools soak venv sshd clean

venv: $(STAMP) $(CHGSTAMP)

# the editable install as a plain path entry: setuptools' default finder
# costs every Python start (each hg of every test) its imports (bench/README)
$(STAMP): setup.py tests/plugin/setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --config-settings editable_mode=compat -e '.[test]' ./tests/plugin
	touch $(STAMP)

# chg, Mercurial's C client of a resident hg: it spares each command hg's
# start (figures: bench/README).  Built from the source of the installed
# Mercurial into $(VENV)/bin/chg; optional: without gcc or PyPI, hg is used.
# Its contrib/hg-ssh comes along, for the tests of a read-only ssh user.
$(CHGSTAMP): $(STAMP)
	@tmp=$$(mktemp -d) && v=$$($(VENV)/bin/hg version -T '{ver}') && \
	if $(PY) -m pip download -q --no-deps --no-binary :all: -d $$tmp "mercurial==$$v" >/dev/null 2>&1 \
	  && tar xzf $$tmp/mercurial-$$v.tar.gz -C $$tmp mercurial-$$v/contrib/chg mercurial-$$v/contrib/hg-ssh \
	  && $(MAKE) -s -C $$tmp/mercurial-$$v/contrib/chg HGPATH="$(abspath $(VENV))/bin/hg" >/dev/null 2>&1; then \
	  install -m 755 $$tmp/mercurial-$$v/contrib/chg/chg $(VENV)/bin/chg; \
	  sed '1s|.*|#!$(abspath $(PY))|' $$tmp/mercurial-$$v/contrib/hg-ssh > $(VENV)/bin/hg-ssh; \
	  chmod 755 $(VENV)/bin/hg-ssh; \
	else echo "note: chg not built (it needs gcc and PyPI); hg is used"; fi; \
	rm -rf $$tmp; touch $@

# Debian's openssh-server, for the tests' real sshd on 127.0.0.1, and
# watchman, for hg's fsmonitor (tests/test-fsmonitor.t, bench --fsmonitor)
sshd:
	@pkgs=; [ -x /usr/sbin/sshd ] || pkgs=openssh-server; \
	command -v watchman >/dev/null || pkgs="$$pkgs watchman"; \
	if [ -n "$$pkgs" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  else echo "note: install $$pkgs for the ssh and fsmonitor tests"; fi; \
	fi

demo: venv sshd
	$(PY) tests/demo.py

test: venv sshd
	$(PY) -m pytest -n 2 -q tests

# the benchmark also needs unison and rsync; the big-file scenarios
# (bench/bigbench.py) need about 50 GB of disk, bench-big's 4 GiB file more
bench: venv sshd benchtools
	$(PY) bench/benchmark.py --big

bench-big: venv sshd benchtools
	$(PY) bench/benchmark.py --sizes "" --big --big4

benchtools:
	@if ! command -v unison >/dev/null || ! command -v rsync >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unison rsync >/dev/null; \
	  fi; \
	fi

soak: venv sshd
	$(PY) tests/soak.py --runs 1000

clean:
	rm -rf $(VENV) build *.egg-info tests/plugin/*.egg-info

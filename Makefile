# Two commands matter: `make run` (install, migrate, load demo data, serve) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha1sum | cut -c1-12)

.PHONY: install run test test-fast bench messages compilemessages system-deps clean

install: $(STAMP) $(NODE_STAMP) compilemessages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-* && touch $@

# Debian packages the tests need: Chromium (browser tests), poppler (PDF pictures), gettext.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

compilemessages: $(STAMP)
	@command -v msgfmt >/dev/null || $(MAKE) system-deps
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

# Refresh the catalogues after changing UI text. French is the source language: its catalogue
# is the identity (it exists for French plural rules): every msgstr emptied, then set to its msgid
# (msgen alone leaves the stale text and the fuzzy mark makemessages gives a changed msgid).
# English is translated by hand.
messages: $(STAMP)
	$(PY) manage.py makemessages -l en -l fr --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=tests --ignore=bench -v 0
	msgfilter --keep-header -i locale/fr/LC_MESSAGES/django.po sed -e d \
	  | msgattrib --clear-fuzzy --clear-previous | msgen - -o locale/fr/LC_MESSAGES/django.po

run: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py load_workshops
	$(PY) manage.py load_consultation_demo
	$(PY) manage.py load_assessment_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install system-deps
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 media

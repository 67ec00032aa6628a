# ckanext-sopsektoral development commands. Everything runs through scripts/dev.sh;
# CKAN_VERSION picks the CKAN (default: the newest 2.11.x).
CKAN_VERSION ?= 2.11.6
export CKAN_VERSION

.PHONY: demo demo-start test test-second-sop lint ci bench dist install-check stop status venv services i18n docs clean help

help:
	@echo "make demo        set up everything and serve the demo portal at http://127.0.0.1:5000"
	@echo "make demo-start  the same, in the background"
	@echo "make test        set up everything and run the whole test suite (ARGS=... for pytest)"
	@echo "make test-second-sop  the SOP-dependent tests on another region's SOP file"
	@echo "make lint        ruff check"
	@echo "make ci          ruff, the suite on CKAN 2.10, 2.11 and 2.12, the second SOP file (as .ci/run)"
	@echo "make bench       the performance targets of design.md, measured in their own database"
	@echo "make dist        build the wheel and sdist a portal installs into dist/"
	@echo "make install-check  follow docs/installation.md on a fresh CKAN 2.11.6 portal (as .ci/run)"
	@echo "make docs        regenerate docs/sop.md, docs/api.md and docs/openapi.json from the code"
	@echo "make stop        stop PostgreSQL, Redis, Solr, the portal and the worker"
	@echo "make status      show what runs"
	@echo "make i18n        extract messages and update the id/en catalogues"

demo:
	@scripts/dev.sh demo

demo-start:
	@scripts/dev.sh demo-start

test:
	@scripts/dev.sh test $(ARGS)

test-second-sop:
	@scripts/dev.sh test-second-sop $(ARGS)

lint:
	@scripts/dev.sh lint

ci:
	@bash .ci/run

bench:
	@scripts/dev.sh bench $(ARGS)

dist:
	@scripts/dev.sh dist

install-check:
	@scripts/install_check.sh

docs:
	@scripts/dev.sh venv && .dev/venv-$(CKAN_VERSION)/bin/python scripts/api_docs.py

stop:
	@scripts/dev.sh stop

status:
	@scripts/dev.sh status

venv:
	@scripts/dev.sh venv

services:
	@scripts/dev.sh services test

i18n:
	@scripts/i18n.sh

clean: stop
	rm -rf .dev .test-storage build dist

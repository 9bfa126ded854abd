# eepay support bot — developer workflow.
#   make run   set everything up (Python 3.10 venv, model, database) and start all services
#   make test  the whole test suite (lint, data validation, pytest, Rasa test stories)
# Both work on a fresh clone with no manual step.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 runs on Python 3.10 only. .python-version names the release; we look
# for it under pyenv first, then on PATH.
PYTHON_VERSION := $(shell cat .python-version)
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
PYTHON310 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/$(PYTHON_VERSION)/bin/python3.10) $(shell command -v python3.10 2>/dev/null))

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/eepay.tar.gz

# Everything the trained model depends on: retrain when any of it changes.
MODEL_INPUTS := config.yml domain.yml $(shell find data addons -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.py' \) 2>/dev/null)

export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONDONTWRITEBYTECODE ?= 1

.PHONY: help
help:
	@echo "make run    - set up and start every service (Rasa 5005, actions 5055, ...)"
	@echo "make test   - run the whole test suite"
	@echo "make train  - (re)train the Rasa model if its inputs changed"
	@echo "make lint   - ruff"
	@echo "make lock   - refreeze requirements.lock from requirements.in"

# --- environment -----------------------------------------------------------
$(VENV)/.installed: requirements.lock .python-version
	@test -n "$(PYTHON310)" || { echo "Python $(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))" >&2; exit 1; }
	@$(PYTHON310) -c 'import sys; assert sys.version_info[:2] == (3, 10), sys.version' \
		|| { echo "$(PYTHON310) is not Python 3.10; Rasa 3.6 needs 3.10" >&2; exit 1; }
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

.PHONY: venv
venv: $(VENV)/.installed

.env: .env.example
	@test -f .env || { cp .env.example .env; echo "created .env from .env.example (development defaults)"; }

# spaCy and what only it needs are left out: make bench-spacy may have installed them in .venv
.PHONY: lock
lock:
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.in
	$(PY) -m pip freeze --exclude-editable | grep -v '^pip==' \
		| grep -v -i -F -x -f <(grep -E '^[A-Za-z0-9]' $(BENCH_SPACY_REQUIREMENTS)) > requirements.lock

# --- front-end and browser dependencies --------------------------------------
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WEB_DEPS := web/node_modules/.package-lock.json

# socket.io-client for the widget, from the npm registry, exactly as locked
$(WEB_DEPS): web/package.json web/package-lock.json
	npm ci --prefix web --ignore-scripts --no-audit --no-fund
	touch $@

.PHONY: web-deps
web-deps: $(WEB_DEPS)

DESK_DEPS := desk/node_modules/.package-lock.json

# Chart.js for the desk's analytics dashboard, from the npm registry, exactly as locked
$(DESK_DEPS): desk/package.json desk/package-lock.json
	npm ci --prefix desk --ignore-scripts --no-audit --no-fund
	touch $@

.PHONY: desk-deps
desk-deps: $(DESK_DEPS)

# Debian's Chromium and CJK fonts for the Playwright browser tests (no browser download)
.PHONY: browser-deps
browser-deps:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || { \
		$(SUDO) apt-get update -q && \
		$(SUDO) apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk fonts-noto-color-emoji; }

# nginx balances the Rasa replicas of the production topology (tests/scale, Procfile.prod);
# envsubst (gettext-base) renders nginx.prod.conf
SYSTEM_PACKAGES := nginx gettext-base

.PHONY: system-deps
system-deps:
	@command -v nginx >/dev/null 2>&1 && command -v envsubst >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -q && \
		$(SUDO) apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES); }

# --- model ------------------------------------------------------------------
$(MODEL): $(VENV)/.installed $(MODEL_INPUTS)
	$(RASA) train --config config.yml --domain domain.yml --data data \
		--out models --fixed-model-name eepay

.PHONY: train
train: $(MODEL)

# --- run --------------------------------------------------------------------
.PHONY: run
run: $(VENV)/.installed .env $(MODEL) $(WEB_DEPS) $(DESK_DEPS)
	$(VENV)/bin/honcho start -f Procfile -e .env

# Several Rasa replicas behind nginx on PostgreSQL and Redis (docs/deploy.md). Never from the
# development .env: .env.production (git-ignored) holds the production secrets and
# EEPAY_ENV=production, under which every service refuses development or weak secrets.
.PHONY: run-prod production-env
run-prod: production-env $(VENV)/.installed $(MODEL) $(WEB_DEPS) $(DESK_DEPS) system-deps
	$(VENV)/bin/honcho start -f Procfile.prod -e .env.production

production-env:
	@grep -qx 'EEPAY_ENV=production' .env.production 2>/dev/null || { \
		echo ".env.production with EEPAY_ENV=production is missing: docs/deploy.md says how to write it" >&2; \
		exit 1; }

# --- benchmarks (bench/README.md) ---------------------------------------------
.PHONY: bench-nlu bench-load
bench-nlu: $(MODEL)
	$(PY) bench/nlu_eval.py tests/nlu/heldout_zh.jsonl
	$(PY) bench/nlu_eval.py tests/nlu/heldout_en.jsonl

bench-load: $(VENV)/.installed $(MODEL) system-deps
	$(PY) bench/load.py --concurrency 20 --duration 60

# spaCy is not a product dependency: this benchmark installs it into .venv for itself
BENCH_SPACY_REQUIREMENTS := bench/requirements-spacy.txt

.PHONY: bench-spacy
bench-spacy: $(VENV)/.installed
	$(PY) -m pip install --quiet -r $(BENCH_SPACY_REQUIREMENTS)
	$(PY) bench/spacy_compare.py

# --- tests ------------------------------------------------------------------
.PHONY: lint
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: validate
validate: $(VENV)/.installed
	$(RASA) data validate --config config.yml --domain domain.yml --data data --fail-on-warnings

# After the suite, the tests that start a Rasa server run again on Rasa's own code: the product
# must work with the speed patches of addons/serving off, only slower (docs/upgrading-rasa.md).
# The conversation suite (tests/conversations, ~3 min) runs once, patched, to keep the budget.
.PHONY: test
test: $(VENV)/.installed $(MODEL) $(WEB_DEPS) $(DESK_DEPS) browser-deps system-deps
	$(MAKE) lint
	$(MAKE) validate
	$(VENV)/bin/pytest --junitxml=results/pytest.xml
	RASA_PATCHES=off $(VENV)/bin/pytest -m "e2e and not browser and not conversations" \
		--junitxml=results/pytest-unpatched.xml
	$(RASA) test core --model $(MODEL) --stories tests/stories \
		--fail-on-prediction-errors --out results/core

.PHONY: clean
clean:
	rm -rf results .pytest_cache .ruff_cache

# Two commands on a fresh machine with Python 3.11 and make: `make demo` runs the product, `make test` the tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install chromium demo test test-unit test-integration test-e2e migrate bench clean-data

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Debian's chromium for the browser tests (Playwright drives it; nothing downloads a browser of its own)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests"
	@if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then s=sudo; else s=; fi; \
	$$s apt-get update -qq && \
	$$s env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null

chromium: $(CHROMIUM)

## Run the product on embedded defaults (PostgreSQL, Redis under .data/), serving http://127.0.0.1:8080
demo: install
	$(PY) -m server.devinfra demo

## The whole test suite: unit, integration (real PostgreSQL, Redis), end-to-end (the running server)
test: install $(CHROMIUM)
	$(PY) -m pytest

test-unit: install
	$(PY) -m pytest tests/unit

test-integration: install
	$(PY) -m pytest tests/integration

test-e2e: install $(CHROMIUM)
	$(PY) -m pytest tests/e2e

migrate: install
	$(PY) -m server.db migrate

## Benchmarks print their figures; record them in docs/BENCHMARKS.md (about fifteen minutes in all)
bench: install
	$(PY) bench/cold_start.py
	$(PY) bench/emulator_throughput.py
	$(PY) bench/embeddings.py
	$(PY) bench/sync_full.py --messages 5000
	$(PY) bench/push_latency.py
	$(PY) bench/load.py --duration 300

## Stop the embedded servers and delete their data
clean-data: install
	$(PY) -m server.devinfra down
	rm -rf .data

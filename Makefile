# Espace abonné — every target bootstraps what it needs from nothing (Python 3.13 via .python-version).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.13
UV_VERSION := 0.13.9
SAM_VERSION := 1.170.0
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SAM := SAM_CLI_TELEMETRY=0 $(UV) tool run --python 3.13 --from aws-sam-cli==$(SAM_VERSION) sam
CHECKOV_VERSION := 3.3.30
CHECKOV := $(UV) tool run --python 3.13 --from checkov==$(CHECKOV_VERSION) checkov
# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help run test check lint format typecheck openapi openapi-check requirements requirements-check \
        sam-validate template-scan sam-build pytest chromium moto-server import demo-export bench bench-otel release \
        rotate-origin-secret clean

help:
	@echo "make run    - local mode: the portal and its API on http://127.0.0.1:3000 (PORT=… to change), no AWS, no Docker"
	@echo "make test   - everything CI runs: lint, types, OpenAPI drift, sam validate/build, tests (browser tests included)"
	@echo "make check  - lint, format, types, OpenAPI and requirements drift"
	@echo "make format - apply ruff's formatting and fixes"
	@echo "make openapi - regenerate openapi.json"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

run: $(VENV)/.synced
	$(PY) -m local_mode

test: check sam-validate template-scan sam-build pytest

pytest: $(VENV)/.synced chromium
	CHROMIUM_PATH=$(CHROMIUM) $(PY) -m pytest -n 2 --dist loadfile

chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's Chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

check: lint typecheck openapi-check requirements-check

lint: $(VENV)/.synced
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(VENV)/.synced
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy

openapi: $(VENV)/.synced
	$(PY) scripts/openapi.py

openapi-check: $(VENV)/.synced
	$(PY) scripts/openapi.py --check

# The layer's requirements.txt is exported from uv.lock (runtime dependencies only).
requirements: $(UV)
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --quiet -o shared/requirements.txt

requirements-check: $(UV)
	@$(UV) export --frozen --no-dev --no-hashes --no-emit-project --quiet | tail -n +3 | diff -q - <(tail -n +3 shared/requirements.txt) >/dev/null \
		|| { echo "shared/requirements.txt differs from uv.lock: run 'make requirements'"; exit 1; }
	@echo "shared/requirements.txt matches uv.lock."

sam-validate: $(UV)
	$(SAM) validate --lint

# Security scan of the template: checkov (offline) and cfn-lint; every skip is justified inline.
template-scan: $(UV) $(VENV)/.synced
	$(CHECKOV) -f template.yaml -f waf.yaml --framework cloudformation --compact --quiet --skip-download
	$(VENV)/bin/cfn-lint template.yaml waf.yaml

# The layer's recipe is shared/Makefile (wheels for arm64, bytecode for 3.13): every module ships compiled.
sam-build: $(UV)
	$(SAM) build --parallel
	@! find .aws-sam/build -name 'local_mode' -o -name 'index.html' -o -name 'portail.css' | grep -q . \
		|| { echo "local_mode and the web client must not be packaged"; exit 1; }
	@cd .aws-sam/build/SharedLayer/python && find . -name '*.py' | sed -E 's|(.*)/(.*)\.py$$|\1/__pycache__/\2.cpython-313.pyc|' \
		| xargs ls >/dev/null || { echo "a module of the layer has no bytecode for Python 3.13"; exit 1; }

# Benchmarks: cold start from the built artifacts, AWS calls, latency, the layer's size (not part of `make test`).
bench: $(VENV)/.synced sam-build
	$(PY) -m bench.run

# What the optional OpenTelemetry layer adds to a cold start (installs it in a throwaway venv).
bench-otel: $(VENV)/.synced
	$(PY) -m bench.otel

# Publish the web client to a deployed stack: make release STACK=espace-abonne-prod (AWS credentials)
release: $(VENV)/.synced
	@test -n "$(STACK)" || { echo "usage: make release STACK=<stack name>"; exit 1; }
	$(PY) scripts/release.py --stack $(STACK)

# A new origin secret, carried to CloudFront: make rotate-origin-secret STACK=espace-abonne-prod (AWS credentials)
rotate-origin-secret: $(VENV)/.synced
	@test -n "$(STACK)" || { echo "usage: make rotate-origin-secret STACK=<stack name>"; exit 1; }
	$(PY) scripts/rotate_origin_secret.py --stack $(STACK)

# Load a billing export: make import FILE=export.jsonl (the stack's BILLING_TABLE, LINKS_TABLE, OUTBOX_QUEUE_URL,
# BILLING_INBOX_BUCKET, DOCUMENTS_BUCKET; CONTRACT_KEY_SECRET_ID, the clé secret's name in Secrets Manager; AWS credentials)
import: $(VENV)/.synced
	$(PY) -m importer $(FILE)

demo-export: $(VENV)/.synced
	$(PY) scripts/demo_export.py

# For `sam local start-api` (needs Docker): moto as a server, with the template's tables.
moto-server: $(VENV)/.synced
	$(PY) -m local_mode.moto_server

clean:
	rm -rf .aws-sam .venv .tools .pytest_cache .mypy_cache .ruff_cache test-artifacts

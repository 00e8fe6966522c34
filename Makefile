# Charla: `make run` starts the whole platform locally; `make test` runs the full suite.
# Both set up their own virtual environment (.venv) from the pinned requirements first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 8080

.PHONY: install run test lint unit chromium checkov bench-cold-start bench-nlu bench-webhooks bench-assignment clean

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $(INSTALLED)

install: $(INSTALLED)

run: install
	PORT=$(PORT) $(PY) -m charla_local

lint: install
	$(VENV)/bin/ruff check .

# The web chat widget's tests drive Debian's Chromium (never a browser downloaded by Playwright); the
# console's plain JavaScript modules are unit-tested with Debian's node.
chromium:
	@command -v chromium >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || { \
	  echo "installing Chromium and node (Debian packages) for the browser and console tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium nodejs >/dev/null; }

# checkov scans infra/terraform in an environment of its own: installed beside the project's packages, pip
# settles on an old checkov whose dependencies replace python-hcl2 (the infra tests' parser) with an old API.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
CHECKOV_INSTALLED := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

$(CHECKOV_INSTALLED):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	@echo '*' > $(CHECKOV_VENV)/.gitignore  # git and ruff leave it alone, as they leave .venv
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $(CHECKOV_INSTALLED)

checkov: $(CHECKOV_INSTALLED)
	$(CHECKOV_VENV)/bin/checkov -d infra/terraform --framework terraform --skip-download --compact --quiet

test: install lint chromium checkov
	$(PY) -m pytest

unit: install
	$(PY) -m pytest tests/unit -q

bench-cold-start: install
	$(PY) benchmarks/cold_start.py

bench-nlu: install
	$(PY) benchmarks/nlu.py

bench-webhooks: install
	$(PY) benchmarks/webhooks.py

bench-assignment: install
	$(PY) benchmarks/assignment.py
	$(PY) benchmarks/assignment.py --store firestore --customers 40 --threads 1
	$(PY) benchmarks/assignment.py --store firestore --customers 40 --threads 4

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .charla .pytest_cache .ruff_cache

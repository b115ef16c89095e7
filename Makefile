# Every target makes or reuses .venv and installs only when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= planner-out/demo

.PHONY: demo test lint typecheck pytest bench app validate clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.stamp-core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.stamp-core

demo: $(VENV)/.stamp-core
	$(BIN)/planner demo --out $(OUT)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .

typecheck: $(VENV)/.stamp-dev
	$(BIN)/mypy

pytest: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(VENV)/.stamp-dev
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

validate: $(VENV)/.stamp-dev
	$(BIN)/python -m benchmarks.validate

app: $(VENV)/.stamp-dev
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --browser.gatherUsageStats false

clean:
	rm -rf $(VENV) planner-out .pytest_cache .mypy_cache .ruff_cache

# The README's commands. Only Python 3.11+ is needed: everything else is installed into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint forms bench bench-launch clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## the main job: embedded SQLite + local Prefect server, serve the deployments
	$(BIN)/debates up

test: $(STAMP)  ## lint and types, then the whole test suite (SQLite and PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile --durations 30

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

forms: $(STAMP)  ## the shipped XLSForms (docs/forms/) again, from the schemas and the shipped registry
	$(BIN)/python -c "from pathlib import Path; \
	from models.fieldforms.xlsform import registry_choices, write_forms; \
	from models.settings import SHIPPED_COMMUNES; \
	write_forms(registry_choices(SHIPPED_COMMUNES), Path('docs/forms'))"

bench: $(STAMP)  ## the benchmarks that need no Prefect server (each prints a table; ~10 min)
	for script in cli_startup matching_mali sweep_selection sweep_dispatch documents report; do \
		$(BIN)/python bench/$$script.py || exit 1; \
	done

bench-launch: $(STAMP)  ## 701 launches on a real Prefect server, SQLite and PostgreSQL (~45 min)
	$(BIN)/python bench/launch_mali.py

clean:
	rm -rf $(VENV) data .pytest_cache

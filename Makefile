# Two commands on a fresh machine with Python 3.11+ and make:
#   make demo   - install Tabletop into .venv and run it on the bundled examples
#   make test   - install the development tools too and run ruff, mypy and pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n 2

.PHONY: demo test test-slow format benchmark schemas clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/tabletop validate src/tabletop/scenarios/library/*.yaml src/tabletop/policies/library/*.yaml
	$(BIN)/tabletop oncall payments-platform --policy payments-tiered --at 2027-03-14T06:30:00Z
	$(BIN)/tabletop compare payments-platform --policy payments-flat --policy payments-tiered \
		--policy payments-follow-the-sun --replications 40 --workers 2 --out demo-report
	@echo "Open demo-report/report.html in a browser (or read demo-report/report.md)."
	@echo "Run a live drill: $(BIN)/tabletop drill drill-db-failover --policy payments-tiered --play incident_commander"

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

test-slow: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS) -m slow

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

benchmark: $(VENV)/.installed
	$(BIN)/python benchmarks/oncall_queries.py
	$(BIN)/python benchmarks/engine_speed.py
	$(BIN)/python benchmarks/experiment_speed.py
	$(BIN)/python benchmarks/drill_tick.py

schemas: $(VENV)/.installed
	$(BIN)/tabletop schema --out src/tabletop/schemas

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis demo-report

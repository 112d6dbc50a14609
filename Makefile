# Two entry points, both safe to run on a fresh clone:
#   make demo   installs briefgen into .venv and builds the sample briefings into out/
#   make test   installs the development tools and runs the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The sample corpus covers the week of 25-31 August 2025; "previous week" as of 1 September is that week.
DEMO_AS_OF := 2025-09-01

.PHONY: demo test system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

system-deps:
	@sh scripts/system-deps.sh

demo: system-deps $(VENV)/.installed
	$(BIN)/briefgen build --config config/weekly.yaml --as-of $(DEMO_AS_OF)

test: $(VENV)/.installed-dev
	@sh scripts/system-deps.sh test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out/*.pdf out/*.docx out/*.html out/*.json

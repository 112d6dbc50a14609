# Two entry points, both safe to run on a fresh clone:
#   make demo   installs briefgen into .venv and builds the sample briefings into out/
#   make test   installs the development tools and runs the test suite
# Both install the versions in constraints.txt, the ones the tests passed with. For maintainers:
#   make constraints          re-resolves every dependency to its newest allowed release into constraints.txt
#   make check-min-versions   builds the samples with every dependency at its lower bound (a CI job)
#   make golden               rewrites tests/golden/ after an intended change to the sample briefing's output
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The sample corpus covers the week of 25-31 August 2025; "previous week" as of 1 September is that week.
DEMO_AS_OF := 2025-09-01
CONSTRAINTS := constraints.txt

.PHONY: demo test lint golden system-deps constraints check-min-versions clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

system-deps:
	@sh scripts/system-deps.sh

demo: system-deps $(VENV)/.installed
	$(BIN)/briefgen build --config config/weekly.yaml --as-of $(DEMO_AS_OF)

test: lint
	@sh scripts/system-deps.sh test
	$(BIN)/python -m pytest

# Before the tests: lint, format and types (configured in pyproject.toml); any finding fails `make test`.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Rewrites tests/golden/ (the sample briefing's JSON and HTML) from a fresh build, after an intended change
# to the output; `git diff tests/golden` shows what changed.
golden: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 0 -rs tests/test_golden.py --update-golden

# A new venv, so that nothing left over in .venv is pinned; then `make test` installs and tests the new set.
constraints:
	rm -rf build/constraints-venv
	$(PYTHON) -m venv build/constraints-venv
	build/constraints-venv/bin/pip install --quiet '.[dev]'
	{ echo "# The versions the tests passed with, for every install (pip install -c $(CONSTRAINTS) ...)."; \
	  echo "# Written by 'make constraints' (newest releases pyproject.toml allows); test before committing."; \
	  build/constraints-venv/bin/pip freeze --all | grep -v -e '^pip==' -e '^briefgen'; } > $(CONSTRAINTS)
	rm -rf build/constraints-venv

check-min-versions:
	@bash scripts/check_min_versions.sh

clean:
	rm -rf $(VENV) out/*.pdf out/*.docx out/*.html out/*.json

# One entry point for set-up and every job. Each target creates the local virtual environment (.venv) on
# first use and reuses it after; it is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lab bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## the main job, headless: check the course's network with its planted bugs, print the report
	$(BIN)/python -m gradlab

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest

lab: $(STAMP)  ## open the lessons in JupyterLab
	$(BIN)/jupyter lab lessons/

bench: $(STAMP)  ## benchmark tables (not tests)
	$(BIN)/python benchmarks/modes.py
	$(BIN)/python benchmarks/widgets.py
	$(BIN)/python benchmarks/lessons.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis test-artifacts

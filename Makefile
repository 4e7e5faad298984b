# One entry point for set-up and every job. Each target creates the local virtual environment (.venv) on
# first use and reuses it after; it is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# JupyterHub's proxy, configurable-http-proxy, comes from npm into hub/node_modules (hub/package-lock.json pins it).
PROXY := hub/node_modules/.bin/configurable-http-proxy

.PHONY: demo report-demo test test-fast lab instructor hub bench bench-scale bench-serve clean

$(STAMP): pyproject.toml hub/package.json hub/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# JupyterHub's proxy (configurable-http-proxy, from npm) into hub/node_modules, pinned by hub/package-lock.json,
	@# and on JupyterHub's search path through $(BIN); without npm, a note (the hub's tests are then skipped, except in CI).
	@if command -v npm >/dev/null; then \
	  npm ci --prefix hub --silent --no-audit --no-fund && \
	  ln -sf ../../$(PROXY) $(BIN)/configurable-http-proxy; \
	else echo "npm not found: no configurable-http-proxy (JupyterHub's proxy); apt-get install nodejs npm for the hub"; fi
	touch $(STAMP)

demo: $(STAMP)  ## the main job, headless: grade the sample classes with nbgrader, print the gradebooks (KEEP=DIR keeps the results there)
	$(BIN)/python -m gradlab.grading demo $(if $(KEEP),--keep $(KEEP))

report-demo: $(STAMP)  ## the course's network with its planted bugs: the report gradlab prints
	$(BIN)/python -m gradlab

test: $(STAMP)  ## the whole test suite (the 25 slowest steps listed at the end: where the suite's time goes)
	$(BIN)/python -m pytest --durations=25

# The everyday lane: the library (unit and property tests), the lessons executed headless in real kernels and the
# widgets driven from Python, and the grading engine's unit tests; no browser, no class graded end to end.
FAST_TESTS := tests/test_check.py tests/test_diagnose.py tests/test_errorbars.py tests/test_epsilons.py \
  tests/test_numeric.py tests/test_welch.py tests/test_models.py tests/test_bugs.py tests/test_gradient_names.py \
  tests/test_verdicts.py tests/test_hard_family.py tests/test_plots.py tests/test_layout.py \
  tests/test_lessons.py tests/test_widgets.py \
  tests/test_engine_layout.py tests/test_grading_scoring.py tests/test_grading_dispatch.py tests/test_host_state.py \
  tests/test_queueing.py

test-fast: $(STAMP)  ## the core, the lessons headless and the grading unit tests (a few minutes; make test runs all)
	$(BIN)/python -m pytest $(FAST_TESTS)

# Jupyter refuses to start as root (as in many containers) unless given --allow-root: make lab gives it there,
# and says so. USER_ID is who runs make (set it to see what another user would run: make -n lab USER_ID=1000).
USER_ID ?= $(shell id -u)
ALLOW_ROOT := $(if $(filter 0,$(USER_ID)),--allow-root)

lab: $(STAMP)  ## open the lessons in JupyterLab
	$(if $(ALLOW_ROOT),@echo "make lab: running as root; JupyterLab starts with --allow-root")
	$(BIN)/jupyter lab lessons/ $(ALLOW_ROOT)

# The instructor's side: a copy of the course (INSTRUCTOR_COURSE, kept between runs; the repository's autograder/ is
# never written to) with the sample class of gradient_checking in submitted/, opened in JupyterLab at
# instructor.ipynb, whose server also runs the formgrader on that course.
INSTRUCTOR_COURSE ?= instructor-course
OPEN_LAB ?= $(CURDIR)/$(BIN)/jupyter lab

instructor: $(STAMP)  ## try grading: a copy of the course with a sample class, in JupyterLab (dashboard, formgrader)
	test -d $(INSTRUCTOR_COURSE) || cp -r autograder $(INSTRUCTOR_COURSE)
	$(BIN)/python -m gradlab.grading sample $(INSTRUCTOR_COURSE) gradient_checking
	$(if $(ALLOW_ROOT),@echo "make instructor: running as root; JupyterLab starts with --allow-root")
	cd $(INSTRUCTOR_COURSE) && $(OPEN_LAB) instructor.ipynb $(ALLOW_ROOT)

hub: $(STAMP)  ## a demo JupyterHub on 127.0.0.1:8000 (PORT=N for another): the course, two learners, an instructor (as root: it adds system users, removed when it stops)
	$(BIN)/python -m gradlab.hub $(if $(PORT),--port $(PORT)) $(if $(KEEP),--keep $(KEEP))

bench: $(STAMP)  ## benchmark tables (not tests)
	$(BIN)/python benchmarks/modes.py
	$(BIN)/python benchmarks/hard_family.py
	$(BIN)/python benchmarks/widgets.py
	$(BIN)/python benchmarks/lessons.py
	$(BIN)/python benchmarks/sandbox.py
	$(BIN)/python benchmarks/autograde.py

bench-scale: $(STAMP)  ## grading at scale: 2,000 submissions on a cluster of processes into PostgreSQL (about half an hour)
	$(BIN)/python benchmarks/scale.py

bench-serve: $(STAMP)  ## the grading service: latency from Submit to graded at several arrival rates, capacity, its CPU and memory
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf $(VENV) hub/node_modules build *.egg-info .pytest_cache .hypothesis test-artifacts

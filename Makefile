# One entry point for set-up and every job. Each target creates the local virtual environment (.venv) on
# first use and reuses it after; it is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo report-demo test lab instructor bench bench-scale clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## the main job, headless: grade the sample classes with nbgrader, print the gradebooks (KEEP=DIR keeps the results there)
	$(BIN)/python -m gradlab.grading demo $(if $(KEEP),--keep $(KEEP))

report-demo: $(STAMP)  ## the course's network with its planted bugs: the report gradlab prints
	$(BIN)/python -m gradlab

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest

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

bench: $(STAMP)  ## benchmark tables (not tests)
	$(BIN)/python benchmarks/modes.py
	$(BIN)/python benchmarks/widgets.py
	$(BIN)/python benchmarks/lessons.py
	$(BIN)/python benchmarks/sandbox.py
	$(BIN)/python benchmarks/autograde.py

bench-scale: $(STAMP)  ## grading at scale: 2,000 submissions on a cluster of processes into PostgreSQL (about half an hour)
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis test-artifacts

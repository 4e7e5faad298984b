"""One learner's notebook graded inside a package exactly as the class command grades it on a grader machine: the
cluster's worker (cluster/worker.py) runs nbgrader's own Autograde with the course's nbgrader_config.py in a private
course made from the packaged material, so the sandbox, its limits and the scores are the same. The results are then
read per test cell: the score nbgrader recorded, its points, and words a learner may read (gradlab's feedback, which
never holds a hidden case's inputs, or for an ordinary test cell whether it passed).
"""
from __future__ import annotations

import io
import json
import logging
import os
import time
from dataclasses import dataclass, field

from ..cluster import worker
from ..judging.notebook import autograder_tests
from ..judging.result import ExerciseResult
from ..sandbox import Sandbox
from . import payload

LEARNER = "learner"  # the student id inside the private course: platforms keep the learner's identity to themselves
MAX_NOTEBOOK_BYTES = 16 * 2 ** 20


@dataclass
class TestCell:
    grade_id: str
    name: str  # what the platform shows: the exercise's function, or the cell's grade id
    score: float
    points: float
    text: str  # what a learner may read
    hidden: bool  # the cell holds hidden tests (nbgrader's BEGIN HIDDEN TESTS, or HIDDEN_CASES)


@dataclass
class Outcome:
    assignment: str
    tests: list = field(default_factory=list)  # TestCell, in notebook order
    error: str = ""  # why the submission could not be graded (then every test cell scores 0), in a learner's words
    sandbox: str = ""  # how student code was held, for the instructor's log only
    seconds: float = 0.0
    # what every run of the submission reported in force ({"in_force", "runs", "unreported"}: the autograded notebook's
    # metadata["gradlab"]["protections"]), for the instructor's log only; empty when nothing was graded
    protections: dict = field(default_factory=dict)

    @property
    def score(self):
        return round(sum(test.score for test in self.tests), 4)

    @property
    def points(self):
        return round(sum(test.points for test in self.tests), 4)

    @property
    def fraction(self):
        return round(min(max(self.score / self.points, 0.0), 1.0), 6) if self.points > 0 else 0.0


FAILED = "The autograder failed on this submission; the course staff can read why in its log. Submit again later."


def find_notebook(folder, expected):
    """The submitted notebook in `folder` (a platform's submission folder): the only .ipynb there, or the one named as
    the assignment's. Returns (path or None, a learner's words for what is wrong)."""
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith(".ipynb") and not name.startswith("."))
    except OSError:
        names = []
    if expected in names:
        return os.path.join(folder, expected), ""
    if len(names) == 1:
        return os.path.join(folder, names[0]), ""
    if not names:
        return None, f"No notebook was submitted: upload {expected}."
    return None, f"{len(names)} notebooks were submitted ({', '.join(names)}): upload only {expected}."


def sandbox_in_use():
    """'bubblewrap', or the reason the sandbox falls back to its inner protections here (instructor's log only)."""
    buffer = io.StringIO()
    log = logging.getLogger("gradlab.grading.platforms.sandbox-probe")
    log.propagate, handler = False, logging.StreamHandler(buffer)
    log.addHandler(handler)
    try:
        box = Sandbox(log=log)  # nothing starts until a run: this only asks whether bubblewrap works here
    finally:
        log.removeHandler(handler)
    return "bubblewrap" if box.contained else "without bubblewrap: " + buffer.getvalue().strip()


def grade(folder, notebook_path, error=""):
    """Grade the notebook at `notebook_path` with the payload in `folder`; an Outcome. `error` (from find_notebook)
    grades nothing: every test cell scores 0 and the error says why."""
    started = time.perf_counter()
    settings = payload.read_settings(folder)
    material = payload.read_material(folder, settings)
    source = _source_notebook(material, settings)
    outcome = Outcome(settings.assignment, sandbox=sandbox_in_use())
    data = b""
    if not error:
        data, error = _read_submission(notebook_path)
    if not error:
        try:
            graded = worker.autograde(material, {"student": LEARNER, "files": {settings.notebook: data},
                                                 "feedback": False, "prior": None})
        except worker.GradingFailed as failure:
            logging.getLogger(__name__).error("nbgrader could not grade the submission: %s", failure)
            error = ("The autograder could not read this notebook as the assignment's notebook (nbgrader refused it). "
                     "Download the assignment again and copy your answers into it.")
    if error:
        outcome.error = error
        outcome.tests = [TestCell(grade_id, _name(grade_id, None), 0.0, points, "Not graded: " + error,
                                  _has_hidden(cell)) for cell, grade_id, points in autograder_tests(source)]
    else:
        outcome.tests = _read_tests(source, graded, settings)
        outcome.protections = _protections(graded, settings)
    outcome.seconds = time.perf_counter() - started
    return outcome


def protections_line(outcome):
    """The instructor's log line of what held the submission: the protections every run of it reported in force, so
    that a fallback shows for the submission it happened to (sandbox_in_use only says what a probe expects)."""
    held = outcome.protections
    if not held.get("runs"):
        return f"protections: no run reported any ({held or 'nothing was graded'})"
    unreported = f", {held['unreported']} unreported" if held.get("unreported") else ""
    return f"protections in force in each of {held['runs']} run(s){unreported}: " + "; ".join(held["in_force"])


def _protections(graded, settings):
    notebook = json.loads(graded["autograded"][settings.notebook].decode("utf-8"))
    return dict(notebook.get("metadata", {}).get("gradlab", {}).get("protections") or {})


def _read_submission(path):
    import nbformat

    try:
        if os.path.getsize(path) > MAX_NOTEBOOK_BYTES:
            return b"", f"The notebook is larger than {MAX_NOTEBOOK_BYTES // 2 ** 20} MB: clear its outputs and submit again."
        with open(path, "rb") as handle:
            data = handle.read()
        nbformat.reads(data.decode("utf-8"), as_version=4)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return b"", f"{os.path.basename(path)} is not a Jupyter notebook that can be read."
    return data, ""


def _source_notebook(material, settings):
    import nbformat

    name = f"source/{settings.assignment}/{settings.notebook}"
    return nbformat.reads(material.files[name].decode("utf-8"), as_version=4)


def _read_tests(source, graded, settings):
    """A TestCell per test cell of the source notebook, scored as nbgrader recorded it in the private gradebook."""
    import nbformat

    grades = graded["result"]["notebooks"][settings.notebook.rsplit(".", 1)[0]]["grades"]
    autograded = nbformat.reads(graded["autograded"][settings.notebook].decode("utf-8"), as_version=4)
    results = autograded.metadata.get("gradlab", {}).get("results", {})
    cells = {grade_id: cell for cell, grade_id, _ in autograder_tests(autograded)}
    found = []
    for cell, grade_id, points in autograder_tests(source):
        score = float(grades.get(grade_id) or 0.0)
        result = results.get(grade_id)
        if result:
            exercise = ExerciseResult(**result)
            text = exercise.text()
        else:
            text = _plain_text(cells.get(grade_id), score, points, _has_hidden(cell))
        found.append(TestCell(grade_id, _name(grade_id, result), score, points, text, _has_hidden(cell)))
    return found


def _name(grade_id, result):
    return f"{result['exercise']} ({grade_id})" if result else grade_id


def _has_hidden(cell):
    source = cell.get("source", "")
    return "BEGIN HIDDEN TESTS" in source or "HIDDEN_CASES" in source


def _plain_text(cell, score, points, hidden):
    """An ordinary test cell's words: passed, or its error, except for a cell with hidden tests, whose error could
    quote them (nbgrader's own feedback would show it; here only that it failed)."""
    if score >= points:
        return f"{score:g} / {points:g} points: the test cell passed."
    errors = [output for output in (cell.get("outputs", []) if cell else []) if output.get("output_type") == "error"]
    if errors and not hidden:
        return f"{score:g} / {points:g} points: {errors[0].get('ename', 'Error')}: {errors[0].get('evalue', '')}"[:2000]
    return f"{score:g} / {points:g} points: the test cell failed."

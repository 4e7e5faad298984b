"""Grading a notebook: each declared exercise runs in sandboxed children; the grader judges the data they return.

This process never runs student code. A test cell scored by a declared exercise (declare.py) gets its score from
the grader's own reference; any other test cell is an ordinary nbgrader test cell and runs in a child after the
cells before it, as a kernel would have run it. The exercises' calls are planned into runs (runs.py): visible cases
first, in runs that hold no hidden input and are the only source of what a student reads, then hidden cases, which
give scores and fixed words only. A child that hangs or dies costs the call (or the cell) it was running, and only
that: the calls after it run again from a fresh child and the submission's cells.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import runs
from .credit import score_exercise
from ..declare.declarations import DeclarationError
from ..declare import Case
from .judge import judge_case
from .notebook import autograder_tests, code_cells, hidden_cases
from .plain import DEAD, ENDED, PlainTest, run_plain_tests
from .result import ExerciseResult
from ..sandbox.box import Limits, Sandbox


@dataclass
class Graded:
    """What grading a notebook found: a result per declared test cell, an outcome per ordinary one, for each
    student's code cell what it printed and the error it raised (notebook index -> {stdout, stderr, truncated,
    error}), from a run of the notebook's cells that holds no hidden data, and the protections that held it."""

    exercises: dict = field(default_factory=dict)  # grade_id -> ExerciseResult
    plain: dict = field(default_factory=dict)  # grade_id -> PlainTest
    printed: dict = field(default_factory=dict)
    protections: dict = field(default_factory=lambda: {"in_force": [], "runs": 0, "unreported": 0})

    def note(self, run, sandbox=()):
        """Keep the protections every run of the submission reported in force, so that a fallback in any run shows.
        A run whose child's own report did not come back (a sandbox that stopped answering, results discarded
        because the submission broke the protocol) says nothing of the child's layers: it is counted apart.
        sandbox: the protections the sandbox itself holds the submission with (Sandbox.protections())."""
        held = self.protections
        if not [p for p in run.protections if p not in sandbox]:
            held["unreported"] += 1
            return
        held["in_force"] = list(run.protections) if not held["runs"] else [
            p for p in held["in_force"] if p in run.protections]
        held["runs"] += 1


class _Noting:
    """The submission's sandbox, with each run's protections noted in `graded`."""

    def __init__(self, box, graded):
        self.box, self.graded = box, graded

    def run(self, job):
        run = self.box.run(job)
        self.graded.note(run, self.box.protections())
        return run


def grade_notebook(nb, declared, limits=Limits(), python=None, log=None, fork_server=True):
    """Grade every test cell of `nb` (a notebook as a dict or NotebookNode); declared: grade_id -> Exercise."""
    cells = code_cells(nb)
    student = [cell for cell in cells if cell.test is None]
    graded = Graded()
    tests = autograder_tests(nb)
    plain_ids = [grade_id for _, grade_id, _ in tests if grade_id not in declared]
    assigned = [(grade_id, declared[grade_id], points,
                 cases_of(declared[grade_id], hidden_cases(cell.get("source", ""))))
                for cell, grade_id, points in tests if grade_id in declared]
    with Sandbox(limits, python, fork_server, log=log) as sandbox:  # one per submission: its runs share it
        box = _Noting(sandbox, graded)
        # The student's cells and the ordinary test cells, in notebook order, with no call of a declared exercise:
        # what this run printed and raised is what the autograded notebook shows, since no hidden case's inputs
        # were ever in its process.
        graded.plain, graded.printed = run_plain_tests(box, cells, plain_ids, log)
        if assigned:
            outcome = runs.run_plan(box, runs.plan([(g, e, c) for g, e, _, c in assigned]), _sources(student))
            for grade_id, exercise, points, cases in assigned:
                graded.exercises[grade_id] = judged(exercise, grade_id, points, cases, outcome, graded.printed,
                                                    student)
    return graded


def _sources(student):
    return [(cell.source, None) for cell in student]


_CASES = {}
HINT_LENGTH = 200  # characters of a case's hint: a phrase in the feedback, not a paragraph


def cases_of(exercise, hidden):
    """The exercise's cases for one hidden spec: the same for every submission, so built once per process."""
    key = (id(exercise), json.dumps(hidden, sort_keys=True, default=str))
    if key not in _CASES:
        _CASES[key] = (exercise, checked_cases(exercise, exercise.cases(hidden)))
    return _CASES[key][1]


def checked_cases(exercise, cases):
    """The declaration's cases, or a DeclarationError that says what is wrong with them."""
    cases = list(cases)
    if not cases:
        raise DeclarationError(f"exercise {exercise.function}: its cases function returned no case")
    for k, case in enumerate(cases):
        where = f"exercise {exercise.function}, case {k}"
        if not isinstance(case, Case):
            raise DeclarationError(f"{where} is a {type(case).__name__}, not a gradlab.grading.declare.Case")
        if not isinstance(case.hint, str) or "\n" in case.hint or len(case.hint) > HINT_LENGTH:
            raise DeclarationError(f"{where}: hint must be one line of text of at most {HINT_LENGTH} characters (it "
                                   f"is shown in feedback); got {case.hint!r:.80}")
        for name, output in exercise.outputs.items():
            of = getattr(output, "of", None)
            if of is not None and of not in case.at:
                raise DeclarationError(f"{where}: output {name} is the gradient of {of!r}, which is not in case.at "
                                       f"({', '.join(case.at) or 'empty'})")
            if hasattr(output, "threshold") and case.bug is None:
                raise DeclarationError(f"{where}: output {name} is a Verdict, so the case must say bug=True or False")
    return cases


def grade_exercise(box, exercise, grade_id, points, student, hidden, log=None):
    """Run and judge one declared exercise; student: the submission's code cells (notebook.CodeCell)."""
    cases = cases_of(exercise, hidden)
    outcome = runs.run_plan(box, runs.plan([(grade_id, exercise, cases)]), _sources(student))
    return judged(exercise, grade_id, points, cases, outcome, {}, student)


def judged(exercise, grade_id, points, cases, outcome, printed, student):
    """The ExerciseResult of one exercise from what its calls returned (runs.Outcome); printed: what each cell
    showed in the run without hidden data (cell_outputs.printed_by_cell), whose errors explain a lost point."""
    found = [outcome.found.get((grade_id, k), (None, {}, outcome.display)) for k in range(len(cases))]
    marks = [judge_case(exercise, case, record, arrays, run) for case, (record, arrays, run) in zip(cases, found)]
    result = score_exercise(exercise, grade_id, points, cases, marks)
    if result.score < result.points:
        result.details += cell_failure_lines(printed, student)
    return result


def cell_failure_lines(printed, cells):
    """Cells that raised when the notebook ran outside the kernel: often the reason an exercise failed. printed: what
    each cell showed in the run without hidden data (notebook index -> {..., error})."""
    lines = []
    for cell in cells:
        error = (printed.get(cell.index) or {}).get("error")
        if not error or len(lines) == 5:
            continue
        name, message = error["ename"], error["evalue"][:300]
        if name == "TimeoutError":
            what = "ran past its time limit"
        elif name == DEAD:
            what = message.replace(ENDED, "", 1)
        else:
            what = f"raised {name}" + (f": {message}" if message else "")
        if name == "PermissionError":
            what += " (graded code may not read files or use the network)"
        lines.append(f"when your notebook ran outside your kernel, the code cell {cell.label} {what}")
    return lines


def result_summary(graded):
    """JSON-able summary for the notebook's metadata, read by the class report."""
    return {grade_id: result.to_json() for grade_id, result in graded.exercises.items()}


def protections_summary(graded):
    """For the notebook's metadata: {"in_force": the protections every run reported, "runs": how many runs
    reported them, "unreported": runs whose child's report did not come back}."""
    return {key: (list(value) if isinstance(value, list) else value) for key, value in graded.protections.items()}


__all__ = ["ExerciseResult", "Graded", "PlainTest", "grade_notebook", "grade_exercise", "protections_summary",
           "result_summary"]

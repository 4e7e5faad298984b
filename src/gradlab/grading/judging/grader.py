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
from .plain import PlainTest, run_plain_tests
from .result import ExerciseResult
from ..sandbox.box import Limits, Sandbox


@dataclass
class Graded:
    """What grading a notebook found: a result per declared test cell, an outcome per ordinary one, what each code
    cell printed (notebook index -> {stdout, stderr, truncated}) and the cells that failed (notebook index ->
    {error, message}), both from a run that held no hidden input."""

    exercises: dict = field(default_factory=dict)  # grade_id -> ExerciseResult
    plain: dict = field(default_factory=dict)  # grade_id -> PlainTest
    printed: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)


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
    with Sandbox(limits, python, fork_server, log=log) as box:  # one per submission: its runs share it
        if plain_ids:  # these runs print what the cells print (they hold no hidden input of an exercise)
            graded.plain, printed = run_plain_tests(box, cells, plain_ids, log)
            graded.printed.update(printed)
        if assigned:
            outcome = runs.run_plan(box, runs.plan([(g, e, c) for g, e, _, c in assigned]), _sources(student),
                                    capture=not plain_ids)
            if not plain_ids:
                graded.printed.update(printed_by_cell(outcome.display, student))
            graded.failures = failures_by_cell(outcome.display, student)
            for grade_id, exercise, points, cases in assigned:
                graded.exercises[grade_id] = judged(exercise, grade_id, points, cases, outcome, student)
    return graded


def _sources(student):
    return [(cell.source, None) for cell in student]


_CASES = {}


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
    return judged(exercise, grade_id, points, cases, outcome, student)


def judged(exercise, grade_id, points, cases, outcome, student):
    """The ExerciseResult of one exercise from what its calls returned (runs.Outcome)."""
    found = [outcome.found.get((grade_id, k), (None, {}, outcome.display)) for k in range(len(cases))]
    marks = [judge_case(exercise, case, record, arrays, run) for case, (record, arrays, run) in zip(cases, found)]
    result = score_exercise(exercise, grade_id, points, cases, marks)
    if result.score < result.points:
        result.details += cell_failure_lines(outcome.display.cell_failures, student)
    return result


def printed_by_cell(run, cells):
    """notebook index -> what the cell printed, for a run of `cells` (notebook.CodeCell, in the job's order)."""
    found = {}
    for output in run.cell_outputs:
        number = output.get("cell")
        if isinstance(number, int) and 1 <= number <= len(cells) and (output.get("stdout") or output.get("stderr")):
            found[cells[number - 1].index] = output
    return found


def failures_by_cell(run, cells):
    """notebook index -> {error, message} of the cells that failed, for a run of `cells`."""
    found = {}
    for failure in run.cell_failures:
        number = failure.get("cell")
        if isinstance(number, int) and 1 <= number <= len(cells):
            found[cells[number - 1].index] = {"error": str(failure.get("error", ""))[:80],
                                             "message": str(failure.get("message", ""))[:300]}
    return found


def cell_failure_lines(failures, cells):
    """Cells that raised when the notebook ran outside the kernel: often the reason an exercise failed."""
    lines = []
    for failure in failures[:5]:
        number = failure.get("cell")
        if not isinstance(number, int) or not 1 <= number <= len(cells):
            continue
        error, message = str(failure.get("error", ""))[:80], str(failure.get("message", ""))[:300]
        what = "ran past its time limit" if error == "TimeBudgetExceeded" else f"raised {error}" + (
            f": {message}" if message else "")
        if error == "PermissionError":
            what += " (graded code may not read files or use the network)"
        lines.append(f"when your notebook ran outside your kernel, the code cell {cells[number - 1].label} {what}")
    return lines


def result_summary(graded):
    """JSON-able summary for the notebook's metadata, read by the class report."""
    return {grade_id: result.to_json() for grade_id, result in graded.exercises.items()}


__all__ = ["ExerciseResult", "Graded", "PlainTest", "grade_notebook", "grade_exercise", "result_summary"]

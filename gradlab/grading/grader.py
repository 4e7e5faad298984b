"""Grading a notebook: each test cell's exercise runs in its own sandboxed child; the grader scores the data.

This process never runs student code. A child that hangs or dies costs the exercise it was running, and only
that one: every exercise starts again from a fresh interpreter and the submission's cells.
"""
from __future__ import annotations

import functools
import inspect
import json
from dataclasses import dataclass
from typing import Callable

from .. import course
from . import cases as case_builders
from .backprop import score_backprop
from .notebook import autograder_tests, hidden_cases, student_code
from .result import ExerciseResult, not_graded
from .job import Call, Job
from .sandbox import Limits, Sandbox
from .scoring import score_check, score_values


@dataclass(frozen=True)
class Exercise:
    name: str
    cases: Callable  # hidden spec -> [Case]
    score: Callable  # (exercise, grade_id, points, cases, run) -> ExerciseResult
    references: tuple = ()  # the grader's functions the child puts in place of the student's, by name


EXERCISES = {e.name: e for e in (
    Exercise("forward_propagation", lambda h: case_builders.value_cases("forward_propagation", h), score_values),
    Exercise("backward_propagation", lambda h: case_builders.value_cases("backward_propagation", h), score_values),
    Exercise("gradient_check", case_builders.one_d_check_cases, score_check, ("forward_propagation",)),
    Exercise("backward_propagation_n", case_builders.backprop_cases, score_backprop),
    Exercise("gradient_check_n", case_builders.network_check_cases, score_check, ("forward_propagation_n",)),
)}


def exercise_of(grade_id, names=None):
    """The exercise a test cell grades: from `names` (grade_id -> exercise), else from "test_<exercise>"."""
    if names and grade_id in names:
        return names[grade_id]
    candidate = grade_id[len("test_"):] if grade_id.startswith("test_") else None
    return candidate if candidate in EXERCISES else None


def grade_notebook(nb, limits=Limits(), names=None, python=None, log=None, fork_server=True):
    """grade_id -> ExerciseResult for every test cell of `nb` (a notebook as a dict or NotebookNode)."""
    code = student_code(nb)
    results = {}
    with Sandbox(limits, python, fork_server, log=log) as box:  # one per submission: its exercises share it
        for cell, grade_id, points in autograder_tests(nb):
            exercise = EXERCISES.get(exercise_of(grade_id, names))
            if exercise is None:
                if log:
                    log.warning("gradlab does not grade test cell %r: it scores 0", grade_id)
                results[grade_id] = not_graded(grade_id, points)
                continue
            results[grade_id] = grade_exercise(exercise, grade_id, points, code,
                                               hidden_cases(cell.get("source", "")), limits, python, log,
                                               fork_server, box)
    return results


@functools.lru_cache(maxsize=32)
def _cases(name, hidden_json):
    """The cases of an exercise for one hidden spec: the same for every submission, so built once."""
    return EXERCISES[name].cases(json.loads(hidden_json))


def grade_exercise(exercise, grade_id, points, code, hidden, limits=Limits(), python=None, log=None,
                   fork_server=True, box=None):
    cases = _cases(exercise.name, json.dumps(hidden, sort_keys=True))
    references = {name: inspect.getsource(getattr(course, name)) for name in exercise.references}
    job = Job([(source, None) for _, source in code], [_call(exercise.name, c, references) for c in cases])
    if box is None:
        with Sandbox(limits, python, fork_server, log=log) as own:
            run = own.run(job)
    else:
        run = box.run(job)
    for record in run.records:
        if isinstance(record, dict) and isinstance(record.get("returned"), dict):
            record["returned"] = _old_shape(exercise.name, record["returned"])
    if log:
        log.debug("%s ran in %.2f s under %s; %s", exercise.name, run.seconds, ", ".join(run.protections) or
                  "no protections", run.ending or "finished")
        _warn_once_if_unconfined(run, log)
    result = exercise.score(exercise.name, grade_id, points, cases, run)
    if result.score < result.points:
        result.details += cell_failure_lines(run, code)
    return result


def _call(name, case, references):
    """The generic call for one of the course's exercises (its calling convention)."""
    arrays = case.arrays
    if name in ("forward_propagation", "backward_propagation"):
        return Call(name, (case.call["x"], case.call["theta"]))
    if name == "gradient_check":
        a, b, c = case.call["backward"]
        backward = f"def backward_propagation(x, theta):\n    return {a!r} * x + {b!r} * theta + {c!r}\n"
        return Call(name, (case.call["x"], case.call["theta"]),
                    inject={"forward_propagation": references["forward_propagation"], "backward_propagation": backward})
    if name == "backward_propagation_n":
        cache = tuple(arrays[f"cache{k}"] for k in range(case.call["cache_length"]))
        return Call(name, (arrays["X"], arrays["Y"], cache))
    names = case.call["parameters"]
    parameters = {n: arrays[n] for n in names}
    gradients = {"d" + n: arrays["d" + n] for n in names}
    inject = case_builders.course_helper_sources(names, [parameters[n].shape for n in names])
    inject["forward_propagation_n"] = references["forward_propagation_n"]
    return Call(name, (parameters, gradients, arrays["X"], arrays["Y"]), inject=inject)


def _old_shape(name, tree):
    if name == "backward_propagation_n" and tree.get("kind") == "dict":
        return {key: value for key, value in tree.get("items", [])}
    return {"value": tree}


_WARNED = []


def _warn_once_if_unconfined(run, log):
    if run.protections and not any(p.startswith("landlock") for p in run.protections) and not _WARNED:
        _WARNED.append(True)
        log.warning("this system has no Landlock (Linux 5.13+): student code runs with resource limits, but it can "
                    "read any file this user can read; grade as a user who cannot read the gradebook")


def cell_failure_lines(run, code):
    """Cells that raised when the notebook ran outside the kernel: often the reason an exercise failed."""
    lines = []
    for failure in run.cell_failures[:5]:
        number = failure.get("cell")
        if not isinstance(number, int) or not 1 <= number <= len(code):
            continue
        error, message = str(failure.get("error", ""))[:80], str(failure.get("message", ""))[:300]
        what = "ran past its time limit" if error == "TimeBudgetExceeded" else f"raised {error}" + (
            f": {message}" if message else "")
        if error == "PermissionError":
            what += " (graded code may not read files or use the network)"
        lines.append(f"when your notebook ran outside your kernel, the code cell {code[number - 1][0]} {what}")
    return lines


def result_summary(results):
    """JSON-able summary for the notebook's metadata, read by the class report."""
    return {grade_id: result.to_json() for grade_id, result in results.items()}


__all__ = ["EXERCISES", "ExerciseResult", "grade_notebook", "grade_exercise", "exercise_of", "result_summary"]

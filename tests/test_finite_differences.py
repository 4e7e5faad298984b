"""Finite differences earn nothing where an exercise asks for backpropagation, and honest backpropagation keeps full
marks: on every shipped assignment and on a conv layer's and an RNN step's backward (tests/courses/layers), graded
by `nbgrader autograde` and by the grading command (tests/differences_class.py is the class); in the grader itself
at every step from 1e-7 to 1e-3, centred and one-sided, of the cost and of the layer's output; and `verify` fails an
assignment whose cases cannot tell them apart."""
import dataclasses
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from differences_class import GRADED, LAYERS as LAYER_ASSIGNMENTS
from gradlab.grading.declare import Gradient, declarations
from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.judging import differences, grader
from gradlab.grading.judging.credit import score_exercise
from gradlab.grading.judging.judge import judge_case
from gradlab.grading.judging.notebook import autograder_tests, hidden_cases
from gradlab.grading.judging.returned import record_of
from gradlab.grading.sandbox.box import ChildRun
from gradlab.grading.course.files import copy_course
from layers_course import ASSIGNMENTS, LAYERS, grade_command
from nbgrader_course import COURSE, COURSE_ID, feedback_text


def scores(course, assignment):
    return read_scores(f"sqlite:///{course}/gradebook.db", assignment, COURSE_ID)[0]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_differences_earn_nothing_and_honest_backprop_every_point_by_nbgrader(layers_autograded, assignment):
    course, expected = layers_autograded(assignment)
    assert scores(course, assignment) == expected


@pytest.mark.parametrize("assignment", ["batch_normalization", "conv_layer", "rnn_step"])
def test_the_grading_command_gives_the_same_scores(layers_course, tmp_path, nbgrader_env, assignment):
    course = tmp_path / "course"
    shutil.copytree(layers_course, course)
    expected = grade_command(course, nbgrader_env, assignment, tmp_path / "class")
    assert scores(course, assignment) == expected


@pytest.mark.parametrize("assignment, student, words", [
    ("conv_layer", "fd_output_centred_1em05", "dx, dw, db: right in the case you can run, but not in one you have not "
                                              "seen (a stride of 1, no padding, biases near 1e+06): each looks like "
                                              "finite differences, not backpropagation"),
    ("rnn_step", "fd_cost_centred_1em03", "agrees with the exact gradient only as closely as finite differences do"),
    ("batch_normalization", "fd_output_centred_1em05", "dgamma, dbeta: right in the case you can run, but not in one "
                                                       "you have not seen (6 examples of 3 features, beta shifted by "
                                                       "100000): each looks like finite differences, not "
                                                       "backpropagation"),
    ("conv_layer", "bob_ignores_the_stride", "dx, dw: right in the case you can run, but not in one you have not "
                                             "seen (a stride of 2, padding 1): each is wrong"),
])
def test_the_feedback_says_what_was_found_and_what_a_hidden_case_exercises(layers_autograded, assignment, student,
                                                                           words):
    course, _ = layers_autograded(assignment)
    _, text = feedback_text(course / "feedback" / student / assignment / f"{assignment}.html")
    assert words in " ".join(text.split())


# -- in the grader: every step, every scheme, both forms ----------------------------------------------------------

def _declared(assignment):
    """The graded exercise of `assignment`, its test cell, points and cases, from the course's own folders."""
    course = LAYERS if (LAYERS / "exercises" / f"{assignment}.py").exists() else COURSE
    declared = declarations.load(course, assignment)
    nb = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    for cell, grade_id, points in autograder_tests(nb):
        if grade_id == GRADED[assignment]:
            exercise = declared[grade_id]
            return exercise, grade_id, points, grader.cases_of(exercise, hidden_cases(cell.source))
    raise AssertionError(assignment)


def _layer_output(assignment, exercise):
    """out(at, case) and the upstream gradient of a layer exercise, from its declaration's own forward pass."""
    module = sys.modules[exercise.cases.__module__]
    if assignment == "batch_normalization":
        return (lambda at, case: module.batchnorm_forward(at["x"], at["gamma"], at["beta"])[0]), "dout"
    if assignment == "conv_layer":
        return (lambda at, case: module.conv_forward(at["x"], at["w"], at["b"], case.data["stride"],
                                                     case.data["pad"])), "dout"
    return (lambda at, case: module.rnn_forward(at["x"], at["prev_h"], at["Wx"], at["Wh"], at["b"])), "dnext_h"


def _output_differences(out, upstream, case, of, step):
    """{scheme: array}: differences of the layer's output contracted with its upstream gradient (CS231n's form)."""
    point = {name: np.array(value, dtype=np.float64, copy=True) for name, value in case.at.items()}
    flat = point[of].reshape(-1)
    centre = out(point, case).copy()
    found = {scheme: np.empty(flat.size) for scheme in differences.SCHEMES}
    dout = case.data[upstream]
    for index in range(flat.size):
        kept = flat[index]
        flat[index] = kept + step
        plus = out(point, case).copy()
        flat[index] = kept - step
        minus = out(point, case).copy()
        flat[index] = kept
        found["centred"][index] = np.sum((plus - minus) * dout) / (2 * step)
        found["forward"][index] = np.sum((plus - centre) * dout) / step
        found["backward"][index] = np.sum((centre - minus) * dout) / step
    return {scheme: values.reshape(point[of].shape) for scheme, values in found.items()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_step_and_scheme_of_differences_earns_nothing_for_any_gradient(assignment):
    exercise, grade_id, points, cases = _declared(assignment)
    gradients = [name for name, output in exercise.outputs.items() if isinstance(output, Gradient)]
    kept = sum(float(exercise.outputs[name].points) for name in exercise.outputs if name not in gradients)
    forms = ["cost"] + (["output"] if assignment in LAYER_ASSIGNMENTS else [])
    earned = []
    for form in forms:
        for step in differences.steps_between(1e-7, 1e-3):
            made = []
            for case in cases:
                values = {name: np.asarray(value) for name, value in exercise.reference(case).items()}
                for name in gradients:
                    of = exercise.outputs[name].of
                    if form == "cost":
                        values[name] = differences.differences(lambda at: exercise.cost(at, case), case.at, of, step)
                    else:
                        values[name] = _output_differences(*_layer_output(assignment, exercise), case, of, step)
                made.append(values)
            for scheme in differences.SCHEMES:
                marks = []
                for case, values in zip(cases, made):
                    answer = {name: values[name][scheme] if name in gradients else values[name]
                              for name in exercise.outputs}
                    record, arrays = record_of(exercise.returns, answer)
                    marks.append(judge_case(exercise, case, record, arrays, ChildRun(True, "")))
                result = score_exercise(exercise, grade_id, points, cases, marks)
                if result.score > points * kept / exercise.points + 1e-9:
                    earned.append((form, scheme, step, result.score, result.summary))
    assert earned == []


def test_float32_is_judged_by_its_values_not_its_label():
    # The rule reads the numbers: float32 values (however labelled) are as far off as differences; float64 values
    # labelled float32 are as close as backpropagation.
    exercise, grade_id, points, cases = _declared("rnn_step")
    for values_of, label, right in [(lambda a: a.astype(np.float32).astype(np.float64), "float32", False),
                                    (lambda a: a, "float32", True), (lambda a: a, "float64", True)]:
        marks = []
        for case in cases:
            record, arrays = record_of(exercise.returns, {name: values_of(np.asarray(value)) for name, value in
                                                          exercise.reference(case).items()})
            for entry in record["returned"]["items"]:
                entry["dtype"] = label
            marks.append(judge_case(exercise, case, record, arrays, ChildRun(True, "")))
        result = score_exercise(exercise, grade_id, points, cases, marks)
        assert result.score == (points if right else 0), (label, right, result.text())
        if not right:  # every output failed alike: said once for all of them
            assert "dx, dprev_h, dWx, dWh, db: every case: each is float32: rounded to float32, a gradient is as " \
                   "far from the exact one as finite differences are" in " ".join(result.text().split())


def test_an_exercise_that_allows_differences_gives_them_their_points():
    exercise, grade_id, points, cases = _declared("rnn_step")
    allowing = dataclasses.replace(exercise, finite_differences=True)
    marks = []
    for case in cases:
        values = {name: differences.differences(lambda at: exercise.cost(at, case), case.at, output.of, 1e-5)["centred"]
                  for name, output in exercise.outputs.items()}
        record, arrays = record_of(exercise.returns, values)
        marks.append(judge_case(allowing, case, record, arrays, ChildRun(True, "")))
    assert score_exercise(allowing, grade_id, points, cases, marks).score == points


# -- verify ------------------------------------------------------------------------------------------------------

def test_verify_fails_an_assignment_whose_cases_cannot_tell_differences_from_backprop(tmp_path, nbgrader_env):
    # batch_normalization without its hidden minibatch of large beta: dgamma and dbeta are linear in gamma and beta,
    # and no other case keeps their differences off.
    course = copy_course(COURSE, tmp_path / "course")
    source = course / "source" / "batch_normalization" / "batch_normalization.ipynb"
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_batchnorm_backward")
    assert ',\n                                {"N": 6, "D": 3, "seed": 5, "beta": 1e5}' in cell.source
    cell.source = cell.source.replace(',\n                                {"N": 6, "D": 3, "seed": 5, "beta": 1e5}', "")
    nbformat.write(nb, source)
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "verify", str(course), "batch_normalization"],
                          cwd=course, env=nbgrader_env, capture_output=True, text=True, timeout=3600)
    text = " ".join(done.stdout.split())
    assert done.returncode == 1, done.stdout[-3000:]
    for name in ("dgamma", "dbeta"):
        assert (f"PROBLEM batch_normalization.ipynb: no case of batchnorm_backward tells {name} by backpropagation "
                "from finite differences") in text
        assert f"PROBLEM batch_normalization.ipynb: batchnorm_backward: {name} made of finite differences" in text
    assert "4 of 4 cases tell dx by backpropagation from finite differences" in text
    assert "dx made of finite differences of the cost (centred, forward and backward, steps 0.001 to 1e-07: 15 " \
           "mutants) each earn less, with dx named" in text

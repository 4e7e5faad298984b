"""Scoring: per-parameter credit for backprop from gradlab's check against the grader's own cost, checks scored on
telling right from wrong, values, and what a student reads."""
import random
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from gradlab.grading.declare import declarations
from gradlab.grading.judging import grader
from gradlab.grading.judging.notebook import autograder_tests, code_cells, hidden_cases
from gradlab.grading.judging.result import ExerciseResult
from gradlab.grading.judging.returned import read
from gradlab.grading.sandbox.box import ChildRun, Limits, Sandbox
from protections import expected, layers
from timing import generous

COURSE = Path(__file__).resolve().parents[1] / "autograder"
SOURCE = COURSE / "source" / "gradient_checking" / "gradient_checking.ipynb"
DECLARED = declarations.load(COURSE, "gradient_checking")
DEFAULT_HIDDEN = sys.modules[DECLARED["test_gradient_check"].cases.__module__].DEFAULT_HIDDEN
LIMITS = Limits(wall_seconds=generous(10), cell_seconds=2, call_seconds=2)


def answered(edits=()):
    """The source notebook with its reference answers (solution markers removed), edited as a student would."""
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        cell.source = "\n".join(line for line in cell.source.splitlines() if "### BEGIN SOLUTION" not in line
                                and "### END SOLUTION" not in line)
        for grade_id, old, new in edits:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                assert old in cell.source, old
                cell.source = cell.source.replace(old, new)
    return nb


def grade(exercise, edits=()):
    nb = answered(edits)
    cell = next(c for c, grade_id, _ in autograder_tests(nb) if grade_id == f"test_{exercise}")
    points = cell.metadata.nbgrader.points
    student = [c for c in code_cells(nb) if c.test is None]
    with Sandbox(LIMITS) as box:
        return grader.grade_exercise(box, DECLARED[f"test_{exercise}"], f"test_{exercise}", points, student,
                                     hidden_cases(cell.source))


def test_the_reference_answers_earn_every_point():
    graded = grader.grade_notebook(answered(), DECLARED, LIMITS)
    results = graded.exercises
    assert {k: r.score for k, r in results.items()} == {
        "test_forward_propagation": 1, "test_backward_propagation": 1, "test_gradient_check": 2,
        "test_backward_propagation_n": 6, "test_gradient_check_n": 4}
    assert all(not r.problems for r in results.values())
    # Every run of the submission (one per exercise, more where cases are kept apart) held every layer offered here.
    held = grader.protections_summary(graded)
    assert held["runs"] >= len(results) and held["unreported"] == 0
    assert layers(held["in_force"]) == expected()


def test_a_layer_missing_from_any_run_is_missing_from_what_held_the_submission():
    graded = grader.Graded()
    full = ["bubblewrap: namespaces", "cgroup v1: 1088 MiB", "RLIMIT_AS", "landlock abi 7"]
    sandbox = full[:2]  # what the sandbox itself holds the submission with; the child reports the rest
    graded.note(ChildRun(True, "", protections=full), sandbox)
    graded.note(ChildRun(False, "was stopped: the sandbox did not answer in time"), sandbox)  # reported nothing
    graded.note(ChildRun(False, "broke the grader's protocol", protections=sandbox), sandbox)  # its report discarded
    graded.note(ChildRun(True, "", protections=[p for p in full if not p.startswith("landlock")]), sandbox)
    graded.note(ChildRun(True, "", protections=full), sandbox)
    assert grader.protections_summary(graded) == {"in_force": full[:3], "runs": 3, "unreported": 2}


BACKPROP_BUGS = [
    ([("dW2 = 1. / m * np.dot(dZ2, A1.T)", "dW2 = 1. / m * np.dot(dZ2, A1.T) * 2"),
      ("db1 = 1. / m * np.sum(dZ1", "db1 = 4. / m * np.sum(dZ1")], {"W2", "b1"}, "db1 is 4x too large"),
    ([("dW3 = 1. / m * np.dot(dZ3, A2.T)", "dW3 = np.dot(dZ3, A2.T)")], {"W3"}, "the 1/m is missing"),
    ([("dZ3 = A3 - Y", "dZ3 = Y - A3")], {"W1", "b1", "W2", "b2", "W3", "b3"}, "wrong sign"),
    ([("dZ2 = np.multiply(dA2, np.int64(A2 > 0))", "dZ2 = dA2")], {"W1", "b1", "W2", "b2"}, "layer 2"),
    ([("dW1 = 1. / m * np.dot(dZ1, X.T)", "dW1 = 1. / m * np.dot(dZ1, X.T).T")], {"W1"}, "should have shape (5, 4)"),
    ([("m = X.shape[1]", "m = 3")], {"W1", "b1", "W2", "b2", "W3", "b3"}, "not in one you have not seen"),
]


@pytest.mark.parametrize("edits, wrong, words", BACKPROP_BUGS, ids=["course", "1/m", "sign", "layer", "shape", "hidden"])
def test_backprop_earns_a_point_per_right_gradient_and_says_why_the_others_are_wrong(edits, wrong, words):
    result = grade("backward_propagation_n", [("backward_propagation_n", old, new) for old, new in edits])
    assert result.score == 6 - len(wrong)
    for name in ("W1", "b1", "W2", "b2", "W3", "b3"):
        assert f"d{name} {'WRONG' if name in wrong else 'ok'}" in result.summary
    assert words in " ".join(result.text().split())  # the feedback is wrapped


def test_a_forward_pass_edited_to_agree_with_a_wrong_backprop_changes_nothing():
    own_forward = ("def forward_propagation_n(X, Y, parameters):\n    m = X.shape[1]\n"
                   "    Z1 = np.dot(parameters['W1'], X) + 4 * parameters['b1']\n    A1 = relu(Z1)\n"
                   "    Z2 = np.dot(parameters['W2'], A1) + parameters['b2']\n    A2 = relu(Z2)\n"
                   "    Z3 = np.dot(parameters['W3'], A2) + parameters['b3']\n    A3 = sigmoid(Z3)\n"
                   "    cost = 1. / m * np.sum(-np.log(A3) * Y - np.log(1 - A3) * (1 - Y))\n"
                   "    return cost, (Z1, A1, parameters['W1'], parameters['b1'], Z2, A2, parameters['W2'],\n"
                   "                  parameters['b2'], Z3, A3, parameters['W3'], parameters['b3'])\n\n\n"
                   "def backward_propagation_n(X, Y, cache):")
    edits = [("backward_propagation_n", "db1 = 1. / m * np.sum(dZ1", "db1 = 4. / m * np.sum(dZ1"),
             ("backward_propagation_n", "def backward_propagation_n(X, Y, cache):", own_forward)]
    assert grade("backward_propagation_n", edits).score == 5


def test_a_backprop_that_returns_no_dictionary_is_told_so():
    result = grade("backward_propagation_n", [("backward_propagation_n", "    return gradients", "    return [dW1, db1]")])
    assert result.score == 0 and "returned a list, not a dictionary of dW1, db1" in result.text()


def test_lists_are_scored_by_their_numbers_and_float32_is_as_far_off_as_finite_differences():
    # backward_propagation_n refuses finite differences: rounded to float32, a right gradient is as far from the
    # exact one as differences are, so it earns nothing, and the feedback says to compute in float64.
    result = grade("backward_propagation_n", [("backward_propagation_n", "    gradients = {",
                                               "    db1 = db1.tolist()\n    dW2 = dW2.astype(np.float32)\n"
                                               "    gradients = {")])
    assert result.score == 5 and "db1 ok" in result.summary and "dW2 WRONG" in result.summary
    text = " ".join(result.text().split())
    assert "db1 is a list" in text
    assert "dW2 is float32: rounded to float32, a gradient is as far from the exact one as finite differences are" in text
    assert "compute it in float64" in text


@pytest.mark.parametrize("constant", ["0.0", "1.0", "1e-8", "np.float64(0.5)"])
def test_a_check_that_returns_a_constant_scores_nothing(constant):
    edit = ("gradient_check_n", "    difference = numerator / denominator", f"    difference = {constant}")
    assert grade("gradient_check_n", [edit]).score == 0
    edit = ("gradient_check", "    difference = numerator / denominator", f"    difference = {constant}")
    assert grade("gradient_check", [edit]).score == 0


def test_a_check_scores_the_share_of_the_weaker_side():
    # Dividing by epsilon only: every difference is at least 1/3, so no right backprop passes.
    edit = ("gradient_check_n", "(J_plus[i] - J_minus[i]) / (2 * epsilon)", "(J_plus[i] - J_minus[i]) / epsilon")
    result = grade("gradient_check_n", [edit])
    assert result.score == 0
    assert "passed 0 of 3 cases without a bug and flagged 5 of 5 cases with one" in result.summary


def test_the_check_is_given_the_graders_forward_pass():
    # A gradient_check_n that is right, in a notebook whose forward_propagation_n was broken afterwards.
    edit = ("gradient_check_n", "    return difference",
            "    return difference\n\n\ndef forward_propagation_n(X, Y, parameters):\n    return 0.0, None")
    assert grade("gradient_check_n", [edit]).score == 4


def test_values_are_checked_at_hidden_points_that_feedback_never_names():
    result = grade("forward_propagation", [("forward_propagation", "J = theta * x", "J = theta * x if x == 2 else theta * x + 1")])
    assert result.score == 0.25
    text = result.text()
    assert "in a hidden case: J is wrong (3 cases)" in text
    for x, theta in DEFAULT_HIDDEN["points"] + [[-3.5, 1.25], [0.5, -2.0], [7.0, 0.0]]:
        assert f"x = {x:g}" not in text and f"theta = {theta:g}" not in text


def test_an_exercise_that_hangs_or_crashes_costs_that_exercise_only():
    edits = [("backward_propagation_n", "    dZ3 = A3 - Y", "    while True:\n        pass"),
             ("gradient_check_n", "    # Set-up variables", "    import os\n    os._exit(1)")]
    results = grader.grade_notebook(answered(edits), DECLARED, LIMITS).exercises
    assert results["test_backward_propagation_n"].score == 0
    assert "did not return in time" in results["test_backward_propagation_n"].text()
    assert results["test_gradient_check_n"].score == 0
    assert "os._exit" in results["test_gradient_check_n"].text()
    assert [results[f"test_{e}"].score for e in ("forward_propagation", "backward_propagation", "gradient_check")] == [1, 1, 2]


def test_hidden_cases_are_read_as_a_literal_only():
    source = "x = 1\n### BEGIN HIDDEN TESTS\nHIDDEN_CASES = {'seeds': [1, 2]}\n### END HIDDEN TESTS\n"
    assert hidden_cases(source) == {"seeds": [1, 2]}
    assert hidden_cases("### BEGIN HIDDEN TESTS\nHIDDEN_CASES = dict(seeds=[1])\n### END HIDDEN TESTS") == {}
    assert hidden_cases("HIDDEN_CASES = {'seeds': [1]}") == {}


LINE_MAGICS = ["x = 1\n%time y = 2\n", "for i in range(2):\n    %time y = i\n", "x = 1\n!echo hi\n",
               "import numpy as np\nnp.sum?\n",
               "def f():\n    return 1\n\n%who_ls\n"]
NO_MAGICS = ["x = 10 % 3\n", "if 1 != 3:\n    y = 1\n", "s = 'why?'\n", "t = '%d' % 3\n"]


def notebook_of(source):
    return {"cells": [{"cell_type": "code", "metadata": {}, "source": source}]}


@pytest.mark.parametrize("source", LINE_MAGICS)
def test_a_line_magic_anywhere_in_a_cell_becomes_what_ipython_makes_of_it(source):
    from IPython.core.inputtransformer2 import TransformerManager

    python = code_cells(notebook_of(source))[0].source
    assert python == TransformerManager().transform_cell(source) and "get_ipython()" in python, python
    compile(python, "cell", "exec")


@pytest.mark.parametrize("source", NO_MAGICS)
def test_python_that_only_looks_like_a_magic_is_left_as_it_is(source):
    assert code_cells(notebook_of(source))[0].source == source


def test_a_cell_of_many_line_magics_has_each_made_a_pass():
    source = "x = 1\n" + "".join(f"%time y{k} = {k}\n" for k in range(12)) + "if x:\n  !ls\n"
    python = code_cells(notebook_of(source))[0].source
    assert python.splitlines() == ["x = 1"] + ["pass"] * 12 + ["if x:", "  pass"]
    compile(python, "cell", "exec")


@pytest.mark.parametrize("entry, arrays, shape, problem", [
    ({"kind": "missing"}, {}, (2, 1), "missing"),
    ({"kind": "other", "type": "AlwaysEqual"}, {}, (2, 1), "is an AlwaysEqual, not a number"),
    ({"kind": "ndarray", "dtype": "float64", "array": "v"}, {"v": np.zeros((1, 2))}, (2, 1), "should have shape (2, 1)"),
    ({"kind": "ndarray", "dtype": "float64", "array": "v"}, {"v": np.array([[np.nan], [1.0]])}, (2, 1), "NaN"),
    ({"kind": "ndarray", "dtype": "float64", "array": "v"}, {"v": np.zeros((2, 1), dtype=np.float32)}, (2, 1),
     "could not be read"),
    ({"kind": "ndarray", "dtype": "complex"}, {}, (2, 1), "complex"),
    ("not a dict", {}, (2, 1), "could not be read"),
])
def test_returned_values_are_checked_before_they_are_used(entry, arrays, shape, problem):
    value = read(entry, arrays, "db1", shape)
    assert not value.usable and problem in value.problem


def test_a_score_never_leaves_the_cells_range():
    assert ExerciseResult("e", "g", 4, 7.5, "").score == 4
    assert ExerciseResult("e", "g", 4, -1, "").score == 0
    assert ExerciseResult("e", "g", 4, float("nan"), "").score == 0


MEMORIZER = ("gradient_check_n", "    difference = numerator / denominator",
             "    global _seen\n    _seen = globals().get('_seen', set())\n    key = float(np.sum(X))\n"
             "    difference = 1.0 if key in _seen else 0.0\n    _seen.add(key)")


def test_a_checker_that_remembers_what_it_has_seen_gains_nothing():
    assert grade("gradient_check_n", [MEMORIZER]).score == 0


class _DeclarationOrder(random.Random):
    def shuffle(self, x):  # the order the cases are declared in: the right networks before their buggy copies
        pass


def test_the_memory_attack_works_when_cases_are_not_kept_apart(monkeypatch):
    # The attack is real: with every case in one process in the order declared (as before cases were kept apart),
    # remembering networks flags the bugs. In a random order it would win or lose by chance, which proves nothing.
    import dataclasses

    from gradlab.grading.judging import runs

    monkeypatch.setattr(runs.random, "SystemRandom", _DeclarationOrder)
    monkeypatch.setitem(DECLARED, "test_gradient_check_n",
                        dataclasses.replace(DECLARED["test_gradient_check_n"], keep_cases_apart=False))
    assert grade("gradient_check_n", [MEMORIZER]).score > 0


@pytest.mark.parametrize("grade_id", ["test_gradient_check", "test_gradient_check_n"])
def test_cases_that_share_an_input_never_share_a_process(grade_id):
    from gradlab.grading.judging import apart
    from gradlab.grading.judging.grader import cases_of

    cases = cases_of(DECLARED[grade_id], {})
    batches = apart.groups(cases)
    assert sorted(k for batch in batches for k in batch) == list(range(len(cases)))
    for batch in batches:
        prints = [apart.fingerprints(cases[k]) for k in batch]
        assert all(not (a & b) for i, a in enumerate(prints) for b in prints[i + 1:])
    assert len(batches) < len(cases)  # and not a process per case


def test_a_failed_hidden_case_is_named_by_its_hint_never_by_its_inputs():
    from gradlab.grading.declare import Case, Exercise, Gradient
    from gradlab.grading.judging.credit import score_exercise
    from gradlab.grading.judging.judge import Mark

    exercise = Exercise("conv", "(x)", lambda hidden: [], returns="tuple",
                        outputs={"dx": Gradient("x"), "dw": Gradient("w")}, cost=lambda at, case: 0.0)
    cases = [Case(visible=True, label="on conv_test_case()"), Case(hint="a stride of 2", data={"stride": 2}),
             Case(hint="no padding"), Case()]
    right, wrong = Mark(True, True), Mark(False, False, "dx is wrong", "dx wrong")
    marks = [{"dx": right, "dw": right}, {"dx": wrong, "dw": right}, {"dx": right, "dw": right},
             {"dx": wrong, "dw": right}]
    text = " ".join(score_exercise(exercise, "test_conv", 2, cases, marks).text().split())
    assert "right in the case you can run, but not in one you have not seen (a stride of 2): dx is wrong" in text
    assert "no padding" not in text and "stride': 2" not in text
    # a whole call that failed in a hidden case says where too
    whole = Mark(False, False, "raised an error", "conv: raised an error", whole=True)
    text = " ".join(score_exercise(exercise, "test_conv", 2, cases, [marks[0], {"dx": whole, "dw": whole}, marks[2],
                                                                    marks[3]]).text().split())
    assert "in a hidden case (a stride of 2): raised an error" in text

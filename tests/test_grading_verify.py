"""`verify`, the instructor's self-test: every shipped assignment passes it, and each kind of weakness it exists to
find (a test that lets a wrong answer through, a solution that loses points, a signature or a name that does not
match, a declaration without its test cell) is found in a course made to have it."""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gradlab.grading.course.files import copy_course
from gradlab.grading.sandbox.box import Limits
from gradlab.grading.instructor.verify import verify
from timing import generous

COURSE = Path(__file__).resolve().parents[1] / "autograder"
ASSIGNMENTS = sorted(path.stem for path in (COURSE / "exercises").glob("*.py"))
LIMITS = Limits(wall_seconds=generous(10), cell_seconds=2, call_seconds=2)


def problems(report):
    return [f.text for f in report.findings if not f.ok]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_shipped_assignment_verifies(assignment):
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "verify", str(COURSE), assignment],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert ", 0 problems." in done.stdout
    assert "the solution earns every point" in done.stdout and "scaled earns" in done.stdout


def changed_course(tmp_path, notebook_edits=(), declaration_edits=()):
    """A copy of the course whose gradient_checking source or declarations are edited as given."""
    course = copy_course(COURSE, tmp_path / "course")
    path = course / "source" / "gradient_checking" / "gradient_checking.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        for target, old, new in notebook_edits:
            if grade_id == target:
                assert old in cell.source, old
                cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)
    declarations = course / "exercises" / "gradient_checking.py"
    text = declarations.read_text()
    for old, new in declaration_edits:
        assert old in text, old
        text = text.replace(old, new)
    declarations.write_text(text)
    return course


def test_a_test_that_lets_a_wrong_checker_through_is_found(tmp_path):
    # Without a point where x is large, an absolute difference (the denominator dropped) passes every case.
    course = changed_course(tmp_path, [("test_gradient_check", ", [3000.0, 0.5]", "")])
    found = problems(verify(course, "gradient_checking", LIMITS))
    assert found == ["gradient_check: difference a term dropped earns 2 of 2: it should earn less "
                     "(gradient_check: 2 / 2 points. It passed 3 of 3 cases without a bug and flagged 3 of 3 cases "
                     "with one (the score follows the weaker of the two).)"]


def test_a_solution_that_loses_points_is_found(tmp_path):
    course = changed_course(tmp_path, [("backward_propagation_n", "db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)",
                                        "db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True) * 1.01")])
    found = problems(verify(course, "gradient_checking", LIMITS))
    assert len(found) == 1 and "less than full marks in 'test_backward_propagation_n'" in found[0]
    assert "db2" in found[0]


def test_a_visible_case_that_differs_between_the_notebook_and_the_declaration_is_found(tmp_path):
    # The declaration draws the visible point as (2, 4.5); the notebook's visible tests call with (2, 4).
    course = changed_course(tmp_path, declaration_edits=[("return [(2.0, 4.0)] + ", "return [(2.0, 4.5)] + ")])
    found = problems(verify(course, "gradient_checking", LIMITS, mutate=False))
    assert ("gradient_checking.ipynb: forward_propagation at x = 2, theta = 4.5: the declaration's visible case is not "
            "what the notebook's visible test calls it with: theta differs (by up to 0.5: the same seed and the same "
            "order of draws?)") in found
    assert len(found) == 4  # forward_propagation, backward_propagation, and gradient_check's two visible cases
    assert all("theta differs" in line for line in found)


def test_a_signature_that_does_not_match_the_solution_is_found(tmp_path):
    course = changed_course(tmp_path, declaration_edits=[('"(X, Y, cache)"', '"(X, Y, cache, lambd)"')])
    found = problems(verify(course, "gradient_checking", LIMITS, mutate=False))
    assert found == ["gradient_checking.ipynb: backward_propagation_n is declared as (X, Y, cache, lambd) but the "
                     "solution has (X, Y, cache)"]


def test_a_test_cell_named_after_an_exercise_that_another_cell_scores_is_found(tmp_path):
    # The exercise is scored by a cell of another name, so the cell named after it would run as an ordinary cell.
    course = changed_course(tmp_path, declaration_edits=[
        ('"(X, Y, cache)", backprop_cases, returns="dict",', '"(X, Y, cache)", backprop_cases, returns="dict", '
                                                               'test_cell="test_backprop",')])
    found = problems(verify(course, "gradient_checking", LIMITS, mutate=False))
    assert ("gradient_checking.ipynb: test cell 'test_backward_propagation_n' is named after backward_propagation_n, "
            "but the exercise backward_propagation_n is scored by 'test_backprop'; 'test_backward_propagation_n' would "
            "run as an ordinary test cell") in found
    assert ("exercise backward_propagation_n is scored by test cell 'test_backprop', which no notebook of "
            "gradient_checking has") in found


def test_declarations_that_do_not_load_are_reported(tmp_path):
    course = changed_course(tmp_path, declaration_edits=[("EXERCISES = [", "EXERCISES = [None, ")])
    found = problems(verify(course, "gradient_checking", LIMITS))
    assert len(found) == 1 and "must define EXERCISES, a list of gradlab.grading.declare.Exercise" in found[0]

"""Ordinary nbgrader test cells in a gradlab course (no exercise declared for them): run in the sandbox after the
cells before them and scored by nbgrader's own SaveAutoGrades, through `nbgrader autograde` as an instructor runs it.
A hang, a crash or a warning costs the one cell; a partial score stays within the cell's points; what the
student's cells printed is in the autograded notebook."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.course.nbgrader_calls import isolated_environment
from nbgrader_course import COURSE, nbgrader
from protections import expected, layers

ASSIGNMENT = "plain_checks"


def meta(grade_id, *, points=None, solution=False, locked=True):
    fields = {"grade": points is not None, "grade_id": grade_id, "locked": locked, "schema_version": 3,
              "solution": solution, "task": False}
    if points is not None:
        fields["points"] = points
    return {"nbgrader": fields}


ANSWER = '''def add(a, b):
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION


def spin():
    while True:
        pass


def leave():
    import os
    os._exit(3)


print("helpers defined")'''

TESTS = {  # grade_id -> (points, source, the score nbgrader should give)
    "test_add": (2, "assert add(1, 2) == 3\nprint('ok')", 2),
    "test_partial": (3, "add(1, 0.5)", 1.5),
    "test_warns": (1, "import warnings\nwarnings.warn('careful')\nassert add(2, 2) == 4", 0),
    "test_fails": (1, "assert add(2, 2) == 5, 'two and two'", 0),
    "test_over": (1, "add(5, 5)", 1),
    "test_hangs": (1, "spin()", 0),
    "test_exits": (1, "leave()", 0),
    "test_after": (1, "assert add(0, 0) == 0", 1),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("plain")
    env = isolated_environment(str(root / "jupyter"))
    course = root / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((COURSE / "nbgrader_config.py").read_text())
    cells = [new_markdown_cell("Ordinary test cells.", metadata=meta("intro")),
             new_code_cell(ANSWER, metadata=meta("answer", solution=True, locked=False))]
    cells += [new_code_cell(source, metadata=meta(grade_id, points=points))
              for grade_id, (points, source, _) in TESTS.items()]
    nbformat.write(new_notebook(cells=cells), course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, env, "generate_assignment", ASSIGNMENT)
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in release.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = ANSWER.replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION\n", "")
    place = course / "submitted" / "zoe" / ASSIGNMENT
    place.mkdir(parents=True)
    nbformat.write(release, place / f"{ASSIGNMENT}.ipynb")
    done = nbgrader(course, env, "autograde", ASSIGNMENT)
    scores = read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, "gradient-checking")[0]["zoe"]
    autograded = nbformat.read(course / "autograded" / "zoe" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    return scores, autograded, done


def test_ordinary_test_cells_are_scored_as_nbgrader_scores_them(graded):
    scores, _, _ = graded
    assert scores == {grade_id: float(expected) for grade_id, (_, _, expected) in TESTS.items()}


def test_the_cells_ran_with_every_layer_this_machine_offers(graded):
    _, autograded, _ = graded
    held = autograded.metadata.gradlab.protections
    assert held.runs >= 1 and layers(held.in_force) == expected()


def test_each_cell_gets_the_outputs_a_kernel_would_have_given_it(graded):
    _, autograded, _ = graded
    outputs = {cell.metadata.nbgrader["grade_id"]: cell.outputs for cell in autograded.cells
               if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")}
    assert [o.text for o in outputs["test_add"] if o.output_type == "stream"] == ["ok\n"]
    assert [o.data["text/plain"] for o in outputs["test_partial"] if o.output_type == "execute_result"] == ["1.5"]
    assert any(o.output_type == "stream" and o.name == "stderr" and "careful" in o.text for o in outputs["test_warns"])
    assert [(o.ename, o.evalue) for o in outputs["test_fails"] if o.output_type == "error"] == [
        ("AssertionError", "two and two")]
    assert [o.data["text/plain"] for o in outputs["test_over"] if o.output_type == "execute_result"] == ["1.0"]
    assert [o.ename for o in outputs["test_exits"] if o.output_type == "error"] == ["NotRun"]
    assert all(not o.get("traceback") or len(o.traceback) == 1 for cell in outputs.values() for o in cell)


def test_what_the_students_cells_printed_is_in_the_autograded_notebook(graded):
    _, autograded, _ = graded
    answer = next(cell for cell in autograded.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer")
    assert [(o.name, o.text) for o in answer.outputs] == [("stdout", "helpers defined\n")]

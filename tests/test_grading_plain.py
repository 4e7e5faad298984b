"""Ordinary nbgrader test cells in a gradlab course (no exercise declared for them): run in the sandbox after the
cells before them and scored by nbgrader's own SaveAutoGrades, through `nbgrader autograde` as an instructor runs it.
A hang, a crash or a warning costs the one cell; a partial score stays within the cell's points; what the
student's cells printed is in the autograded notebook; and each cell shows what the same cells show run in a Jupyter
kernel (its streams, value and error), but for a value above the points and a warning's quoted line."""
import re

import nbformat
import pytest
from nbclient import NotebookClient
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


# The cells a kernel can run to their end: spin() would hold it past any timeout and leave() would kill it.
IN_A_KERNEL = ("answer", "test_add", "test_partial", "test_warns", "test_fails", "test_over", "test_after")
# The sandbox's child compiles each cell as "<cell N>", a file linecache does not hold, so a warning names its line
# but does not quote it as a kernel does (src/gradlab/grading/sandbox/child/cells.py).
UNQUOTED = "a warning from the sandbox's child does not quote its source line"


@pytest.fixture(scope="module")
def in_a_kernel(graded):
    """grade_id -> the outputs of the submitted cells when run top to bottom in a Jupyter kernel (nbclient), as in
    the student's own notebook."""
    _, autograded, _ = graded
    cells = [new_code_cell(cell.source, metadata=cell.metadata) for cell in autograded.cells
             if cell.cell_type == "code" and cell.metadata.nbgrader.grade_id in IN_A_KERNEL]
    nb = new_notebook(cells=cells)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True).execute()
    return {cell.metadata.nbgrader.grade_id: cell.outputs for cell in nb.cells}


def shown(outputs):
    """What a cell shows, that nbgrader scores it by and the student reads: streams, values, errors (a traceback's
    frames are the kernel's own; a warning's file is the kernel's temporary file or the child's "<cell N>")."""
    found = []
    for o in outputs:
        if o.output_type == "stream":
            found.append((o.name, re.sub(r"^(<cell \d+>|\S+\.py):(\d+): ", r"<cell>:\2: ", o.text, flags=re.M)))
        elif o.output_type == "execute_result":
            found.append(("value", o.data["text/plain"]))
        elif o.output_type == "error":
            found.append(("error", o.ename, o.evalue))
    return found


def graded_cell(autograded, grade_id):
    return next(c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize("grade_id", [
    "answer", "test_add", "test_partial", "test_fails", "test_after",
    pytest.param("test_warns", marks=pytest.mark.xfail(strict=True, reason=UNQUOTED))])
def test_a_cell_shows_what_it_shows_in_a_kernel(graded, in_a_kernel, grade_id):
    _, autograded, _ = graded
    assert shown(graded_cell(autograded, grade_id).outputs) == shown(in_a_kernel[grade_id])


def test_a_warning_names_its_line_category_and_message_as_in_a_kernel(graded, in_a_kernel):
    _, autograded, _ = graded
    ((name, text),) = shown(graded_cell(autograded, "test_warns").outputs)
    ((_, kernel),) = shown(in_a_kernel["test_warns"])
    assert kernel == "<cell>:2: UserWarning: careful\n  warnings.warn('careful')\n"  # the line quoted: UNQUOTED
    assert (name, text) == ("stderr", kernel.splitlines(keepends=True)[0])


def test_a_value_above_the_points_shows_the_points_where_a_kernel_shows_the_value(graded, in_a_kernel):
    """In a kernel add(5, 5) shows 10; the autograded cell shows the cell's points, 1.0, since nbgrader fails the whole
    submission on a value above a cell's points."""
    _, autograded, _ = graded
    assert shown(in_a_kernel["test_over"]) == [("value", "10")]
    assert shown(graded_cell(autograded, "test_over").outputs) == [("value", "1.0")]

"""What a student's cells show in the autograded notebook and the feedback, graded by `nbgrader autograde` (the
conv_layer class of tests/differences_class.py): a cell's error as a kernel shows it (type, message, the student's
own lines; cleaned; from a run that held no hidden inputs), and gradlab's check with its defaults, in a student's
own cell and in an ordinary test cell, giving the report a kernel gives."""
import re
import shutil
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.judging.cell_outputs import clean, error_output
from gradlab.grading.judging.notebook import CodeCell, code_cells
from gradlab.grading.judging.plain import run_plain_tests
from gradlab.grading.sandbox import bubblewrap, launch
from gradlab.grading.sandbox.box import Limits, Sandbox
from gradlab.grading.sandbox.job import Job
from nbgrader_course import COURSE_ID, feedback_text

ASSIGNMENT = "conv_layer"
LIMITS = Limits(wall_seconds=120, cell_seconds=60, call_seconds=60)
BUBBLEWRAP, WHY_NOT = bubblewrap.works(sys.executable, launch.CHILD, launch.PACKAGE)


@pytest.fixture(params=[pytest.param(True, marks=pytest.mark.skipif(not BUBBLEWRAP, reason=WHY_NOT)), False],
                ids=["bubblewrap", "no-bubblewrap"])
def contained(request):
    return request.param


# -- the pieces -----------------------------------------------------------------------------------------------------

def test_text_from_the_child_loses_control_characters_and_escapes_and_is_bounded():
    assert clean("a\x1b[31mb\x1b[0m\r\x07c\x9b[2Jd\x00\te\nf", 100) == "ab" + "c" + "[2Jd\te\nf"
    assert clean("x" * 3000, 2000) == "x" * 2000 + " [...]"
    assert clean(None, 10) == "" and clean(["not", "text"], 10) == ""


def test_a_traceback_shows_only_the_students_own_lines():
    student = CodeCell(2, "number 3", "def helper(a):\n    return 1 / a\n", None, count=2)
    caller = CodeCell(3, "number 4", "x = 1\ny = helper(0)\n", None, count=3)
    test = CodeCell(4, "'test_helper'", "HIDDEN = 42\nassert helper(HIDDEN)\n", "test_helper", count=4)
    cells = [student, caller, test]
    # frames as the child reports them: (the job's cell, line, function); a test cell's, one past the last cell, a line
    # past the cell's end and a malformed one among them
    failure = {"cell": 2, "error": "ZeroDivisionError", "message": "division by zero",
               "frames": [[3, 1, "<module>"], [2, 2, "<module>"], [1, 2, "helper"], [5, 1, "x"], [1, 9, "helper"],
                          "junk"], "more": 3}
    assert error_output(failure, cells) == {
        "ename": "ZeroDivisionError", "evalue": "division by zero",
        "traceback": ["[... 3 earlier frames]", "Cell In[3], line 2", "----> 2 y = helper(0)",
                      "Cell In[2], line 2, in helper", "----> 2     return 1 / a", "Cell In[2], line 9, in helper",
                      "ZeroDivisionError: division by zero"]}
    # a test cell's own failure is not shown (nbgrader scores it by its outputs), and no frame of a test cell is
    assert error_output(dict(failure, cell=3), cells) is None


def test_a_cells_error_is_recorded_with_its_lines_in_the_sandbox(contained):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def helper(a):\n    print('in helper', a)\n    return 1 / a\n"),
        nbformat.v4.new_code_cell("x = 3\nprint('before')\ny = helper(0)\nprint('never')"),
        nbformat.v4.new_code_cell("def broken(:\n    pass"),
        nbformat.v4.new_code_cell("print('still runs')")])
    cells = code_cells(nb)
    with Sandbox(LIMITS, contained=contained) as box:
        _, printed = run_plain_tests(box, cells, [])
    assert printed[1] == {"stdout": "before\nin helper 0\n", "stderr": "", "truncated": False, "error": {
        "ename": "ZeroDivisionError", "evalue": "division by zero",
        "traceback": ["Cell In[2], line 3", "----> 3 y = helper(0)", "Cell In[1], line 3, in helper",
                      "----> 3     return 1 / a", "ZeroDivisionError: division by zero"]}}
    assert printed[2]["error"]["traceback"] == ["Cell In[3], line 1", "----> 1 def broken(:",
                                                "SyntaxError: invalid syntax"]
    assert printed[3] == {"stdout": "still runs\n", "stderr": "", "truncated": False}


def test_gradlabs_check_with_its_defaults_runs_in_the_sandbox(contained):
    # A check long enough to be spread over processes (a quarter of a second or more): the sandbox refuses /proc,
    # where threadpoolctl looks for the BLAS pools to share out; the check keeps to one process instead.
    cell = ("import time\nimport numpy as np\nimport gradlab\n\n\ndef cost(p):\n    time.sleep(0.002)\n"
            "    return float(np.sum(p['w'] ** 3))\n\n\nw = np.linspace(-1, 1, 100).reshape(10, 10)\n"
            "report = gradlab.gradient_check(cost, {'w': w}, {'dw': 3 * w ** 2})\nprint(report.passed)")
    with Sandbox(LIMITS, contained=contained) as box:
        run = box.run(Job([(cell, None)], [], capture=True))
    assert run.cell_failures == []
    assert run.cell_outputs[0]["stdout"] == "True\n"


# -- graded by nbgrader ---------------------------------------------------------------------------------------------


def autograded(course, student):
    return nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def feedback(course, student):
    return feedback_text(course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html")


def cell_with(nb, text):
    return next(cell for cell in nb.cells if cell.cell_type == "code" and text in cell.source)


def line_of(source, text):
    return next(number for number, line in enumerate(source.splitlines(), start=1) if text in line)


@pytest.fixture(scope="module")
def conv(layers_autograded):
    return layers_autograded(ASSIGNMENT)[0]


def test_a_raising_cell_shows_its_error_as_a_kernel_does(conv):
    cell = cell_with(autograded(conv, "dee_raises_in_a_cell"), "def output_size(")
    assert [o.output_type for o in cell.outputs] == ["stream", "error"]
    assert cell.outputs[0].text == "trying stride 2 on the test case\n2\n"  # what it printed before it raised
    error = cell.outputs[1]
    assert error.ename == "ValueError"
    assert error.evalue == "a stride of 2 does not fit: 2.5 windows per row"  # the escapes taken out
    call, inner = line_of(cell.source, "output_size(6, 3"), line_of(cell.source, "raise ValueError")
    count = cell.execution_count
    assert error.traceback == [f"Cell In[{count}], line {call}",
                               f"----> {call} {cell.source.splitlines()[call - 1]}",
                               f"Cell In[{count}], line {inner}, in output_size",
                               f"----> {inner} {cell.source.splitlines()[inner - 1]}",
                               "ValueError: a stride of 2 does not fit: 2.5 windows per row"]
    raw, text = feedback(conv, "dee_raises_in_a_cell")
    assert "\x1b" not in raw and "ValueError: a stride of 2 does not fit: 2.5 windows per row" in text
    assert f"Cell In[{count}], line {inner}, in output_size" in text
    assert "never printed" not in "".join(o.get("text", "") for o in cell.outputs)


def test_an_error_never_comes_from_a_run_that_held_hidden_inputs(conv):
    # eve's cell raises with what it reads from the job's inputs; her db is doubled, so the exercise loses a point and
    # its feedback lists the cells that raised. The run whose errors are shown holds no inputs: nothing to raise.
    nb = autograded(conv, "eve_reads_the_inputs")
    assert cell_with(nb, 'np.load("inputs.npz")').outputs == []
    raw, text = feedback(conv, "eve_reads_the_inputs")
    assert "leaked:" not in text  # the cell builds the word, so that its source does not hold it
    assert "db WRONG" in text and "db is 2x too large" in " ".join(text.split())
    assert read_scores(f"sqlite:///{conv}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]["eve_reads_the_inputs"][
        "test_conv_backward_naive"] == 4


def without_seconds(text):
    return re.sub(r"cost calls, [0-9.e+-]+ s\.", "cost calls, (time) s.", text)


@pytest.fixture(scope="module")
def in_a_kernel(conv, tmp_path_factory):
    """cal's submission run top to bottom in a Jupyter kernel, as in the student's own notebook."""
    folder = tmp_path_factory.mktemp("kernel")
    notebook = folder / f"{ASSIGNMENT}.ipynb"
    shutil.copy(conv / "submitted" / "cal_checks_in_a_cell" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", notebook)
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}},
                   allow_errors=False).execute()
    return nb


@pytest.mark.parametrize("where", ["gradlab.check_backprop(my_forward", "report = gradlab.check_backprop(forward"],
                         ids=["a student's cell", "an ordinary test cell"])
def test_the_check_with_its_defaults_gives_the_kernels_report(conv, in_a_kernel, where):
    graded = cell_with(autograded(conv, "cal_checks_in_a_cell"), where)
    kernel = cell_with(in_a_kernel, where)
    printed = [o.text for o in graded.outputs if o.output_type == "stream" and o.name == "stdout"]
    assert [o.output_type for o in graded.outputs if o.output_type == "error"] == []
    assert len(printed) == 1 and "Gradient check passed" in printed[0] and "296 components" in printed[0]
    assert without_seconds(printed[0]) == without_seconds("".join(o.text for o in kernel.outputs
                                                                  if o.output_type == "stream"))
    scores = read_scores(f"sqlite:///{conv}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]
    assert scores["cal_checks_in_a_cell"]["test_check_of_the_layer"] == 1

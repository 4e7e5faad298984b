"""What a student reads when a visible test's gradient check fails: in a notebook, and in nbgrader's Validate,
which shows the failing cell and the error IPython printed for it, cut at 83 characters a line. The verdict and
the diagnoses come first; no frame of gradlab's own files is shown."""
import nbformat
from nbclient import NotebookClient

import gradlab
from gradlab import bugs, models

FAILING_CELL = """import gradlab
from gradlab import bugs, models
X, Y, parameters = models.course_test_case()
report = gradlab.check_backprop(models.forward, bugs.course_buggy_backward, X, Y, parameters)
report.assert_passed()"""


def error_in_a_kernel(source, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert len(errors) == 1, nb.cells[0].outputs
    return errors[0]


def test_a_failing_check_shows_its_verdict_and_diagnoses_first_in_a_notebook(tmp_path):
    error = error_in_a_kernel(FAILING_CELL, tmp_path)
    assert error.ename == "GradientCheckError"
    lines = "\n".join(error.traceback).splitlines()
    assert lines[0] == "GradientCheckError:"
    assert lines[1].startswith("Gradient check FAILED: b1, W2 disagree")
    first = "\n".join(lines[:12])
    assert "Diagnoses:" in first and "db1 is 4x too large" in first and "dW2 is 2x too large" in first
    assert first.index("Gradient check FAILED") < first.index("db1 is 4x too large") < first.index("dW2 is 2x too")
    # the numbers behind the verdict follow: the table and the worst components
    assert any(line.split()[:1] == ["W2"] and line.endswith("FAIL") for line in lines)
    assert "Worst components:" in lines
    # no traceback through gradlab's files: the only place named is the cell's own line
    text = "\n".join(lines)
    assert "report.py" not in text and "Traceback" not in text and "File " not in text
    assert lines[-1] == "raised at line 5: report.assert_passed()"
    assert max(len(line) for line in lines) <= 80


def test_the_message_outside_ipython_keeps_the_same_order():
    X, Y, parameters = models.course_test_case()
    report = gradlab.check_backprop(models.forward, bugs.course_buggy_backward, X, Y, parameters)
    try:
        report.assert_passed()
    except gradlab.GradientCheckError as error:
        lines = str(error).splitlines()
    assert lines[0] == "" and lines[1].startswith("Gradient check FAILED") and lines[3] == "Diagnoses:"
    assert "db1 is 4x too large" in lines[4]


def test_a_long_line_that_raised_is_cut_to_what_validate_shows_whole(tmp_path):
    source = FAILING_CELL.replace("report.assert_passed()", "report.assert_passed() if " + " and ".join(
        ["report is not None"] * 6) + " else None")
    lines = "\n".join(error_in_a_kernel(source, tmp_path).traceback).splitlines()
    assert lines[-1].startswith("raised at line 5: report.assert_passed() if report") and lines[-1].endswith("...")
    assert len(lines[-1]) <= 80


def test_the_line_that_raised_is_shown_without_its_comment(tmp_path):
    source = FAILING_CELL.replace("report.assert_passed()", "report.assert_passed()  # its message: " + "x" * 90)
    lines = "\n".join(error_in_a_kernel(source, tmp_path).traceback).splitlines()
    assert lines[-1] == "raised at line 5: report.assert_passed()"

"""The released notebook's Submit control (gradlab.submit), without a browser: its cell survives nbgrader's release
locked and ungraded; the grader runs it in its sandbox and it does nothing there, silently; outside a kernel it
imports nothing; in a kernel without a hub it tells the learner they are offline; and against the real grading
service (python -m gradlab.grading serve, a learner's token) it submits the notebook and shows the score of each
test and the feedback. The same control on a real JupyterHub, pressed in a browser: tests/browser/test_browser_hub.py."""
import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from gradlab.grading.declare import declarations
from gradlab.grading.judging.grader import grade_notebook
from gradlab.submit import saving, service
from gradlab.submit.widget import SubmitControl
from grading_service import ServiceProcess, issue_tokens
from nbgrader_course import ASSIGNMENTS, COURSE


def submit_cell(nb):
    found = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "submit"]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_released_notebook_ends_with_a_locked_ungraded_submit_cell(generated_course, assignment):
    released = nbformat.read(generated_course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = released.cells[-1]
    assert cell is submit_cell(released) and cell.cell_type == "code"
    meta = cell.metadata.nbgrader
    assert meta.locked and not meta.grade and not meta.solution and "points" not in meta
    assert cell.source == f'import gradlab.submit\n\ngradlab.submit.control("{assignment}")'


def test_the_grader_runs_the_submit_cell_and_it_does_nothing_silently():
    nb = nbformat.read(COURSE / "sample_class" / "gradient_checking" / "ada_correct.ipynb", as_version=4)
    index = nb.cells.index(submit_cell(nb))
    graded = grade_notebook(nb, declarations.load(COURSE, "gradient_checking"))
    printed = graded.printed.get(index) or {}
    assert printed.get("stdout", "") == "" and printed.get("stderr", "") == "" and "error" not in printed, printed
    assert {name: result.score for name, result in graded.exercises.items()} == {
        "test_forward_propagation": 1, "test_backward_propagation": 1, "test_gradient_check": 2,
        "test_backward_propagation_n": 6, "test_gradient_check_n": 4}


def test_outside_a_kernel_the_cell_returns_nothing_and_imports_no_widget(tmp_path):
    nb = nbformat.read(COURSE / "source" / "gradient_checking" / "gradient_checking.ipynb", as_version=4)
    script = submit_cell(nb).source.replace("gradlab.submit.control(", "shown = gradlab.submit.control(")
    script += "\nimport sys\nprint(shown, 'ipywidgets' in sys.modules, 'IPython' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == "None False False\n"


def test_in_a_kernel_without_a_hub_the_learner_is_told_they_are_offline(tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nfor name in [n for n in os.environ if n.startswith(('JUPYTERHUB_', 'GRADLAB_SERVICE'))]:\n"
        "    del os.environ[name]\n"
        "import gradlab.submit\ncontrol = gradlab.submit.control('gradient_checking')\ncontrol"),
        nbformat.v4.new_code_cell("print(control.state, control.button.disabled)")])
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   store_widget_state=True).execute()
    assert nb.cells[1].outputs[0]["text"] == "offline True\n"
    assert not any(output.get("name") == "stderr" for cell in nb.cells for output in cell.outputs)
    state = json.dumps(nb.metadata["widgets"])
    assert "You are working offline" in state and "Submit" in state


def test_without_a_hub_the_control_says_so_and_its_button_is_off(tmp_path):
    control = SubmitControl("gradient_checking", environ={}, notebook=str(tmp_path / "x.ipynb"))
    assert control.state == "offline" and control.button.disabled
    assert control.message.startswith("You are working offline") and "hand it in" in control.message
    control.click()  # a press (from Python: the button is off in the page) changes nothing
    assert control.state == "offline" and control.submission_id == ""


@pytest.fixture(scope="module")
def grading(generated_course, tmp_path_factory, nbgrader_env):
    """The real grading service on a copy of the course, and a learner's token."""
    course = tmp_path_factory.mktemp("submit") / "course"
    shutil.copytree(generated_course, course)
    tokens = issue_tokens(course, nbgrader_env, ["ada"])
    with ServiceProcess(course, nbgrader_env, "--workers", "1") as process:
        yield process.url, tokens["ada"], course


def test_submitting_shows_the_score_of_each_test_and_the_feedback(grading, tmp_path):
    url, token, _ = grading
    notebook = tmp_path / "gradient_checking.ipynb"
    shutil.copy(COURSE / "sample_class" / "gradient_checking" / "ben_course_bugs.ipynb", notebook)
    control = SubmitControl("gradient_checking", service=service.GradingService(url, token), notebook=str(notebook))
    assert control.state == "ready" and not control.button.disabled
    control.click()
    assert control.wait(1200) == "graded", control.message + control.error
    # No front end saved it here (no browser renders the request to save): the file as last saved went, and the
    # learner is told so.
    assert not control.saved and "could not save the notebook" in control.message
    assert {test["name"]: test["score"] for test in control.tests} == {
        "test_forward_propagation": 1, "test_backward_propagation": 1, "test_gradient_check": 2,
        "test_backward_propagation_n": 4, "test_gradient_check_n": 4}
    assert (control.score, control.max_score) == (12, 14)
    assert control.message.startswith("Graded in") and "12 of 14 points" in control.message
    assert "test_backward_propagation_n" in control.results.value and "4 / 6" in control.results.value
    assert "dW2" in control.feedback_html and "db1" in control.feedback_html
    assert 'sandbox=""' in control.feedback.value and not control.button.disabled
    mine = service.GradingService(url, token).submissions("gradient_checking")
    assert [s["id"] for s in mine] == [control.submission_id]


def test_a_refused_submission_says_why_and_nothing_is_kept(grading, tmp_path):
    url, token, _ = grading
    notebook = tmp_path / "gradient_checking.ipynb"
    notebook.write_text("this is not a notebook")
    before = service.GradingService(url, token).submissions("gradient_checking")
    control = SubmitControl("gradient_checking", service=service.GradingService(url, token), notebook=str(notebook))
    control.click()
    assert control.wait(300) == "error"
    assert control.message.startswith("Not submitted:") and "cannot be read as a notebook" in control.message
    wrong = SubmitControl("no_such_assignment", service=service.GradingService(url, token),
                          notebook=str(COURSE / "sample_class" / "gradient_checking" / "ada_correct.ipynb"))
    wrong.click()
    assert wrong.wait(300) == "error" and "404" in wrong.message and "no_such_assignment" in wrong.message
    assert service.GradingService(url, token).submissions("gradient_checking") == before


def test_the_save_request_runs_the_front_ends_save_once():
    first, second = saving.save_request(), saving.save_request()
    script = first["data"]["application/javascript"]
    assert 'execute("docmanager:save")' in script and '[data-command="docmanager:save"]' in script
    assert script != second["data"]["application/javascript"]  # a new output each time, so that it runs again

"""The instructor's dashboard driven from Python, as the other widgets are: click, watch the progress, read the
report, open a student's feedback; errors shown in the widget. And its notebook, autograder/instructor.ipynb,
executed in a real kernel."""
import base64
import html
import shutil
import urllib.request

import nbformat
import pytest
from nbclient import NotebookClient

from gradlab.grading.instructor.dashboard import GradingDashboard
from gradlab.grading.gradebook.scores import read_expected
from nbgrader_course import ASSIGNMENT, COURSE
from protections import assert_protected

SAMPLE = COURSE / "sample_class" / ASSIGNMENT
EXPECTED = read_expected(SAMPLE / "expected_scores.csv")


@pytest.fixture(scope="module")
def graded(generated_course, tmp_path_factory):
    """A dashboard that graded the sample class, loaded with its button into a course with no submission yet,
    with what it showed while grading."""
    course = tmp_path_factory.mktemp("dashboard") / "course"
    shutil.copytree(generated_course, course)
    board = GradingDashboard(str(course), ASSIGNMENT, workers=2)
    assert board.sample_button.layout.display != "none"
    board.sample_button.click()
    assert board.error == "", board.error
    assert f"Grades the {len(EXPECTED)} submissions of <code>{ASSIGNMENT}</code>" in board.where.value
    assert board.sample_button.layout.display == "none" and "Loaded the sample class" in board.status.value
    seen, served = [], []

    def watch(change):  # runs in the grading thread, while the cluster is up
        seen.append((change["new"], board.bar.value, board.status.value))
        if board.dashboard_link and not served:
            with urllib.request.urlopen(board.dashboard_link, timeout=30) as page:
                served.append((board.dashboard_link, page.status))

    board.observe(watch, "graded")
    board.click()
    assert board.state == "grading" and board.button.disabled
    board.wait(timeout=900)
    return board, seen, served, course


def test_the_dashboard_grades_the_class_with_a_live_progress_bar(graded):
    board, seen, served, course = graded
    assert board.error == "" and board.state == "done", board.error
    assert_protected(course, ASSIGNMENT, EXPECTED)
    assert [graded for graded, _, _ in seen] == list(range(1, len(EXPECTED) + 1))  # one step per submission
    assert all(bar == graded for graded, bar, _ in seen)  # the bar moved with it
    assert "per minute" in seen[-1][2] and f"{len(EXPECTED)} of {len(EXPECTED)} graded" in seen[-1][2]
    assert any("left" in status for _, _, status in seen[:-1])  # an ETA while there was work left
    assert board.bar.value == board.bar.max == len(EXPECTED) and board.failed == 0 and board.rate > 0
    assert not board.button.disabled and board.run.scores == EXPECTED


def test_the_dask_dashboard_link_is_shown_and_served_while_grading(graded):
    board, _, served, _ = graded
    assert len(served) == 1 and served[0][0].startswith("http://127.0.0.1:") and served[0][1] == 200
    assert board.dashboard_link == "" and board.link.value == ""  # the local cluster is gone afterwards


def test_the_report_shows_the_distribution_the_common_problems_and_the_students(graded):
    board, _, _, _ = graded
    assert board.report.layout.display != "none"
    image = base64.b64decode(board.histogram.outputs[0]["data"]["image/png"])
    assert image[:4] == b"\x89PNG"
    assert f"<b>{len(EXPECTED)}</b> submissions in the gradebook" in board.summary.value
    problems = html.unescape(board.problems.value)
    assert "backward_propagation_n" in problems and "db1 scaled x4" in problems
    assert all(column in board.students_header.value for column in ("student", "total", "bpn", "gcn"))
    # the columns' initials explained: bpn is backward_propagation_n, with its points
    assert "<b>bpn</b> backward_propagation_n (6 points)" in board.students_header.value
    rows = dict((student, text) for text, student in board.students.options)
    assert set(rows) == set(EXPECTED)
    total = sum(EXPECTED["ben_course_bugs"].values())
    assert f"{total:g} / 14" in rows["ben_course_bugs"]
    # the rows fit the output area: name, total and scores only (a student's problems show with their feedback)
    assert max(len(text) for text in rows.values()) <= 70 and "scaled" not in rows["ben_course_bugs"]
    # the summary comes first, then the distribution's heading over its chart
    parts = list(board.report.children)
    assert parts[0] is board.summary and "Score distribution" in parts[1].value and parts[2] is board.histogram


def test_a_students_feedback_is_one_click_away(graded):
    board, _, _, _ = graded
    board.students.value = "ben_course_bugs"
    assert board.student == "ben_course_bugs"
    shown = board.feedback.value
    assert '<iframe class="gradlab-feedback" sandbox=""' in shown  # the page's own scripts never run
    assert "db1 is 4x too large" in html.unescape(html.unescape(shown))
    assert "problems found: dW2 scaled x2; db1 scaled x4" in html.unescape(shown)
    # the page's links resolve within the frame (its base is the frame's own address, not the notebook's)
    assert '<head><base href="about:srcdoc">' in html.unescape(shown)
    # the figures beside the page go into it: the frame cannot load them by name
    assert 'src="data:image/png;base64,' in html.unescape(shown) and 'src="figure1' not in html.unescape(shown)
    board.students.value = "ada_correct"
    assert "db1 is 4x too large" not in html.unescape(html.unescape(board.feedback.value))


def test_grading_again_finds_nothing_new(graded):
    board, _, _, _ = graded
    board.click()
    run = board.wait(timeout=600)
    assert board.state == "done" and run.graded == [] and len(run.skipped) == len(EXPECTED)
    assert f"Nothing new to grade: the {len(EXPECTED)} submissions found are graded already" in board.status.value


def test_with_nothing_to_grade_the_dashboard_says_what_it_found_and_what_to_do(generated_course, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)  # as a fresh copy of the course: no submitted/ folder
    before = tree(course)
    board = GradingDashboard(str(course), ASSIGNMENT, workers=1)
    assert "No submission of <code>gradient_checking</code> in the course's <code>submitted/</code>" in \
        board.where.value
    assert board.sample_button.layout.display != "none"  # the sample class is offered
    board.click()
    assert board.wait(timeout=600) is None
    status = html.unescape(board.status.value)
    assert board.error == "" and board.state == "ready" and not board.button.disabled
    assert f"Nothing to grade: no submission of {ASSIGNMENT} in {course}/submitted" in status
    assert "Load the sample class" in status and f"nbgrader collect {ASSIGNMENT}" in status
    assert "every submission is graded already" not in status and board.report.layout.display == "none"
    assert tree(course) == before  # nothing written: no gradebook rows, CSV or report for an empty class


def test_loading_the_sample_class_loses_no_submission(generated_course, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    mine = course / "submitted" / "ada_correct" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text("{}")  # a real student of that name, whose notebook is not the sample's
    board = GradingDashboard(str(course), ASSIGNMENT, workers=1)
    assert board.sample_button.layout.display == "none"  # a course with submissions is not offered the sample
    board.load_sample_class()
    assert "ada_correct" in board.error and "nothing was copied" in board.error
    assert mine.read_text() == "{}" and sorted(p.name for p in (course / "submitted").iterdir()) == ["ada_correct"]


def tree(folder):
    """{relative path: bytes} of every file under `folder`, but the grading command's own lock and journal."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".gradlab" not in p.parts}


def test_errors_are_shown_in_the_widget(generated_course, tmp_path):
    missing = GradingDashboard(str(tmp_path / "nowhere"), ASSIGNMENT)
    missing.click()
    assert "does not exist" in missing.error and missing.state == "ready"
    assert missing.error_area.layout.display != "none"
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    unknown = GradingDashboard(str(course), "no_such_assignment", workers=1)
    unknown.click()
    assert unknown.wait(timeout=600) is None
    assert unknown.state == "ready" and "no assignment 'no_such_assignment'" in unknown.error
    assert "the course has batch_normalization, gradient_checking" in unknown.error
    assert not unknown.button.disabled


def test_the_instructor_notebook_opens_the_dashboard(generated_course, tmp_path):
    """autograder/instructor.ipynb, stored without outputs, runs in a kernel in the course and shows the widget."""
    stored = nbformat.read(COURSE / "instructor.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in stored.cells if cell.cell_type == "code")
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    shutil.copy(COURSE / "instructor.ipynb", course)
    nb = nbformat.read(course / "instructor.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(course)}},
                   store_widget_state=True).execute()
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    buttons = [m["state"] for m in state.values() if m["model_name"] == "ButtonModel"]
    # the course has no submission yet: the sample class is offered beside the button that grades
    assert [b["description"] for b in buttons] == ["Grade the class", "Load the sample class"]

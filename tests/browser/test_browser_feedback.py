"""Student markup in a real browser: a <script>, an <img onerror> and a javascript: link in a markdown cell and in
an exception message run nothing in the feedback page a student opens, nor in the formgrader's view of the
submission that the instructor opens while logged in to Jupyter."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the nbgrader helpers beside the other tests

from attack_course import graded_attack_course, plans  # noqa: E402
from conftest import TOKEN, start_course_server, stop_server  # noqa: E402
from nbgrader_course import ASSIGNMENT, COURSE_ID  # noqa: E402
from regular_install import regular_python  # noqa: E402

pytestmark = pytest.mark.browser
STUDENT = "quinn_markup"


@pytest.fixture(scope="module")
def served_course(tmp_path_factory, artifacts):
    """The attack submission autograded with its feedback, in a Jupyter server started in the course directory
    (as nbgrader's formgrader is run), so that the formgrader reads the course's nbgrader_config.py."""
    from gradlab.grading.course.nbgrader_calls import isolated_environment

    home = tmp_path_factory.mktemp("formgrader")
    for name in ("config", "data", "runtime", "ipython", "mpl"):
        (home / name).mkdir()
    plan, _ = plans("glatk-browser", 0)[STUDENT]
    graded_attack_course(home, isolated_environment(str(home / "nbgrader-env")), {STUDENT: plan},
                         regular_python(tmp_path_factory.mktemp("regular")))
    (home / "course").rename(home / "notebooks")
    server = start_course_server("formgrader", home, home / "notebooks")
    try:
        yield home / "notebooks", server
    finally:
        stop_server(server)


def assert_ran_nothing(page):
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # an onerror handler runs after the image fails: give it its chance
    assert page.evaluate("window.gradlabPwned === undefined")
    for link in page.locator("a", has_text="a link").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")


def test_the_feedback_page_runs_no_student_markup(served_course, page):
    course, _ = served_course
    feedback = course / "feedback" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.html"
    page.set_content(feedback.read_text())
    assert_ran_nothing(page)
    text = page.inner_text("body")
    assert "window.gradlabPwned = 1" in text and "window.gradlabPwned = 3" in text  # shown as text, inert


def test_the_formgraders_view_of_the_submission_runs_no_student_markup(served_course, page):
    from nbgrader.api import Gradebook

    course, server = served_course
    with Gradebook(f"sqlite:///{course}/gradebook.db", COURSE_ID) as book:
        submission = book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, STUDENT).id  # notebook, assignment, student
    page.goto(f"{server.url}formgrader/submissions/{submission}/?token={TOKEN}")
    assert_ran_nothing(page)
    assert "window.gradlabPwned = 1" in page.inner_text("body")

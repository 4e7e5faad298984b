"""The formgrader as an instructor opens it on the course, in headless Chromium: no red banner (the course's
config gives it an exchange folder that exists), and in the grading view of a submission, what the student's cells
printed in the sandbox and gradlab's feedback, which wraps inside its output box instead of running past its edge;
the notebook's maths drawn (MathML) with nothing fetched from outside the machine."""
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the nbgrader helpers beside the other tests

from conftest import TOKEN, is_loopback, start_course_server, stop_server  # noqa: E402
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, nbgrader, new_course  # noqa: E402

pytestmark = pytest.mark.browser
STUDENTS = ("ben_course_bugs", "dev_prints_warnings")


@pytest.fixture(scope="module")
def formgrader(tmp_path_factory, artifacts):
    from gradlab.grading.course.nbgrader_calls import isolated_environment

    home = tmp_path_factory.mktemp("formgrader-course")
    for name in ("config", "data", "runtime", "ipython", "mpl"):
        (home / name).mkdir()
    env = isolated_environment(str(home / "nbgrader-env"))
    env.pop("NBGRADER_EXCHANGE", None)
    course = new_course(home / "notebooks", env)
    for student in STUDENTS:
        place = course / "submitted" / student / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(COURSE / "sample_class" / ASSIGNMENT / f"{student}.ipynb", place / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, env, "autograde", ASSIGNMENT)
    server = start_course_server("formgrader-course", home, course)
    try:
        yield course, server
    finally:
        stop_server(server)


def test_the_formgrader_opens_without_a_warning(formgrader, page, artifacts):
    course, server = formgrader
    page.goto(f"{server.url}formgrader/manage_assignments?token={TOKEN}")
    page.wait_for_selector("text=gradient_checking")
    assert page.locator(".alert-warning").count() == 0, page.locator(".alert-warning").all_inner_texts()
    assert (course / "exchange").is_dir()  # where release and collect go on one machine
    page.screenshot(path=str(artifacts / "formgrader-assignments.png"))


def submission_page(course, server, page, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db", COURSE_ID) as book:
        submission = book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).id
    page.goto(f"{server.url}formgrader/submissions/{submission}/?token={TOKEN}")
    page.wait_for_load_state("load")


def test_the_grading_view_shows_what_the_students_code_printed(formgrader, page):
    course, server = formgrader
    submission_page(course, server, page, "dev_prints_warnings")
    assert "a correct solution that writes to stderr" in page.inner_text("body")


def test_the_feedback_wraps_inside_its_box(formgrader, page, artifacts):
    course, server = formgrader
    submission_page(course, server, page, "ben_course_bugs")
    output = page.locator("pre", has_text="db1 is 4x too large").first
    output.scroll_into_view_if_needed()
    assert output.is_visible()
    overflow = output.evaluate("element => element.scrollWidth - element.clientWidth")
    assert overflow <= 1, f"the feedback runs {overflow} px past the edge of its box"
    output.screenshot(path=str(artifacts / "formgrader-feedback.png"))


def test_the_grading_view_draws_the_maths_and_fetches_nothing_from_outside(formgrader, page, artifacts):
    course, server = formgrader
    outside = []
    page.on("request", lambda request: None if is_loopback(request.url) else outside.append(request.url))
    submission_page(course, server, page, "ben_course_bugs")
    page.wait_for_timeout(1000)
    drawn = page.evaluate("Array.from(document.querySelectorAll('math'))"
                          ".filter(m => m.getBoundingClientRect().width > 0).length")
    tex = re.findall(r"\$[^$\n]*\\[a-zA-Z]+[^$\n]*\$", page.inner_text("body"))
    assert drawn >= 10 and not tex, f"{drawn} formulas drawn; TeX left as text: {tex[:5]}"
    assert not outside, f"requests that would leave the machine: {outside}"
    page.locator("math").nth(3).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "formgrader-maths.png"))

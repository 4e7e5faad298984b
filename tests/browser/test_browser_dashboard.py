"""The instructor's dashboard in JupyterLab, in headless Chromium: autograder/instructor.ipynb opened in a copy
of the course with the sample class submitted; "Grade the class" clicked; the progress bar moves while the
Dask dashboard's link shows; the report appears (score distribution, common problems, students); one click on
a student shows their feedback. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import re
import shutil
import time
import urllib.parse

import pytest

from nbgrader_course import ASSIGNMENT, COURSE
from test_browser_lessons import assert_no_errors, lab_kernel_idle, run_all_cells

pytestmark = pytest.mark.browser

GRADE_TIMEOUT = 600  # s, for the sample class to be graded in the notebook's kernel
PROGRESS = re.compile(r"(\d+) of (\d+) graded")


@pytest.fixture(scope="module")
def course_in_lab(jupyter_home, generated_course):
    """The course (generated, the sample class in submitted/, the instructor's notebook) in the servers' folder."""
    course = jupyter_home / "notebooks" / "course"
    shutil.copytree(generated_course, course)
    shutil.copy(COURSE / "instructor.ipynb", course)
    for notebook in (COURSE / "sample_class" / ASSIGNMENT).glob("*.ipynb"):
        place = course / "submitted" / notebook.stem / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(notebook, place / f"{ASSIGNMENT}.ipynb")
    return course


def test_the_dashboard_grades_the_class_in_jupyterlab(course_in_lab, lab, page, artifacts):
    page.goto(f"{lab.url}lab/tree/{urllib.parse.quote('course/instructor.ipynb')}?reset&token={lab.token}")
    lab_kernel_idle(page).first.wait_for(timeout=120_000)
    run_all_cells(page, lab_kernel_idle, "JupyterLab")
    board = page.locator(".gradlab-grading-dashboard").first
    board.wait_for(timeout=60_000)
    button = board.locator("button.widget-button", has_text="Grade the class")
    assert button.count() == 1
    button.click()

    # While grading: the counts move (seen at least once part way) and the Dask dashboard's link is there.
    seen, links, deadline = set(), set(), time.monotonic() + GRADE_TIMEOUT
    report = board.locator("h4", has_text="Most common problems per exercise")
    while time.monotonic() < deadline:
        text = board.locator(".gradlab-progress-text").all_text_contents()
        for match in (PROGRESS.search(t) for t in text):
            if match:
                seen.add((int(match.group(1)), int(match.group(2))))
        links.update(board.locator("a.gradlab-dask-dashboard").evaluate_all("(as) => as.map(a => a.href)"))
        if report.is_visible() and not button.is_disabled():
            break
        if board.locator(".gradlab-error-message").count():
            pytest.fail(f"the dashboard shows an error: {board.locator('.gradlab-error-message').text_content()}")
        time.sleep(0.1)
    else:
        pytest.fail(f"the class was not graded within {GRADE_TIMEOUT} s; progress seen: {sorted(seen)}")
    total = len(list((COURSE / "sample_class" / ASSIGNMENT).glob("*.ipynb")))
    assert (total, total) in seen and any(0 < done < total for done, _ in seen), sorted(seen)
    assert links and all(link.startswith("http://127.0.0.1:") for link in links)
    board.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "lab-dashboard-graded.png"))

    # The report: the distribution as an image, the common problems, a row per student.
    image = board.locator(".gradlab-score-histogram img")
    image.wait_for(timeout=30_000)
    assert image.evaluate("(i) => i.complete && i.naturalWidth > 0")
    assert "db1 scaled x4" in board.locator(".gradlab-problems").text_content()
    options = board.locator(".gradlab-students option")
    assert options.count() == total

    # One click on a student: their feedback, in a sandboxed frame.
    options.filter(has_text="ben_course_bugs").click()
    frame = board.locator("iframe.gradlab-feedback")
    frame.wait_for(timeout=30_000)
    assert frame.get_attribute("sandbox") == ""
    feedback = page.frame_locator("iframe.gradlab-feedback").locator("body")
    feedback.get_by_text("db1 is 4x too large", exact=False).first.wait_for(timeout=30_000)
    frame.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "lab-dashboard-feedback.png"))
    assert_no_errors(page.locator(".jp-NotebookPanel").first, "the instructor's dashboard in JupyterLab")

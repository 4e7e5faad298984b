"""The course on a real JupyterHub, in headless Chromium: the hub as `make hub` starts it (gradlab.hub: JupyterHub 6,
configurable-http-proxy from the set-up's npm install, LocalProcessSpawner with system users made for the test and
removed after it, the grading service as a hub service, nbgrader's exchange shared by all).

- A learner logs in, opens the assignment, writes a buggy backprop in the browser, presses Submit and reads in the
  notebook which gradient is wrong; fixes it, presses Submit again and gets every point. The notebook is saved by
  the control (the fix is in the file).
- The instructor's dashboard (course/instructor.ipynb) shows both attempts, the second counting; the formgrader
  shows the counting one.
- nbgrader's own round trip between those users: another learner fetches and submits through nbgrader's
  Assignments page, the instructor collects, autogrades, generates and releases feedback with nbgrader's commands,
  and the learner fetches the feedback through the same page.

Screenshots go to test-artifacts/browser/hub-*.png, the hub's log to hub-jupyterhub.log.
"""
from __future__ import annotations

import importlib.util
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from ci_mode import in_ci
from conftest import ARTIFACTS, is_loopback, record_timing
from gradlab.grading.course.nbgrader_calls import default_db_url
from nbgrader_course import COURSE
from protections import assert_attempts_protected, assert_protected, expected
from test_browser_lessons import lab_kernel_idle, run_all_cells

pytestmark = pytest.mark.browser

ASSIGNMENT = "gradient_checking"
PASSWORD = "learn-gradients"
GRADE_TIMEOUT = 600_000  # ms for a submission to be graded on a loaded 2-core machine (seconds when it is quiet)
SPAWN_TIMEOUT = 300_000  # ms for a learner's server and JupyterLab to start


def make_sample_class():
    spec = importlib.util.spec_from_file_location("make_sample_class", COURSE / "sample_class" / "make_sample_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def classroom():
    from gradlab.hub import classroom as classrooms
    from gradlab.hub import launch

    reason = launch.missing()
    if reason:
        if in_ci():
            pytest.fail(f"the hub cannot start: {reason}")
        pytest.skip(f"hub tests skipped: {reason}")
    prefix = "gl" + secrets.token_hex(3)  # system users of this run only
    root = Path(tempfile.mkdtemp(prefix="gradlab-hub-test-"))
    made = classrooms.make(root, f"{prefix}-prof", [f"{prefix}-ada", f"{prefix}-ben"], (ASSIGNMENT,))
    try:
        yield made
    finally:
        classrooms.remove(made)


@pytest.fixture(scope="module")
def hub(classroom):
    from gradlab.hub import launch

    started = time.monotonic()
    running = launch.start(classroom, PASSWORD)
    record_timing(f"hub: answered with its grading service after {time.monotonic() - started:.1f}s")
    try:
        yield running
    finally:
        launch.stop(running)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(running.log, ARTIFACTS / "hub-jupyterhub.log")


@pytest.fixture
def login(browser, hub):
    """login(user) -> a page of that user's JupyterLab on the hub (its own browser context, 127.0.0.1 only)."""
    contexts = []

    def open_as(user):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(60_000)
        contexts.append(context)
        page = context.new_page()
        page.route(lambda url: not is_loopback(url), lambda route: route.abort("blockedbyclient"))
        page.goto(hub.url + "hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("[type=submit]")
        page.wait_for_url(re.compile(rf".*/user/{re.escape(user)}/lab.*"), timeout=SPAWN_TIMEOUT)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def graders_layers(classroom):
    """The layers a grading run as the instructor's system user (the hub's grading service, their nbgrader) can have:
    the machine's, less the cgroup where that user cannot make one, by the tests' own cgroup probe run as that user
    in the control group the classroom gave them (gradlab/hub/delegation.py), as their commands run."""
    source = (Path(__file__).resolve().parents[1] / "probes.py").read_text() + "\nprint(cgroups() or '')\n"
    reason = classroom.run_as(classroom.instructor, str(classroom.python), "-c", source).stdout.strip()
    assert not (classroom.groups and reason), f"the instructor was given {classroom.groups}, and yet: {reason}"
    return expected() - ({"cgroup"} if reason else set())


def open_notebook(page, hub, user, path):
    page.goto(f"{hub.url}user/{user}/lab/tree/{path}")
    lab_kernel_idle(page).first.wait_for(timeout=SPAWN_TIMEOUT)


def replace_cell_source(page, containing, source):
    """Write `source` into the code cell whose text holds `containing`, as a learner's edit (the editor's input)."""
    cell = page.locator(".jp-CodeCell", has_text=containing).first
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def run_submit_cell(page):
    """Run the last cell (Run All stops at a failing test cell, as it does for a learner)."""
    cell = page.locator(".jp-CodeCell", has_text="gradlab.submit.control").first
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    button = page.locator(".gradlab-submit button", has_text="Submit")
    button.wait_for(timeout=120_000)
    return button


def press_submit(page, button, shot):
    """Press Submit; wait for the result; (status line, feedback page, seconds from press to result)."""
    button.scroll_into_view_if_needed()
    ended = page.locator(".gradlab-submit-status .gradlab-submit-graded, .gradlab-submit-status "
                         ".gradlab-submit-failed, .gradlab-submit-status .gradlab-submit-error")
    pressed = time.monotonic()
    button.click()
    # the previous attempt's result goes first (the kernel answers the click), so that it is not read as this one's
    ended.first.wait_for(state="detached", timeout=SPAWN_TIMEOUT)
    ended.first.wait_for(timeout=GRADE_TIMEOUT)
    seconds = time.monotonic() - pressed
    status = page.locator(".gradlab-submit-status").text_content()
    frame = page.locator("iframe.gradlab-submit-feedback-page")
    feedback = frame.get_attribute("srcdoc") if frame.count() else ""
    page.locator(".gradlab-submit").screenshot(path=str(ARTIFACTS / shot))
    return status, feedback, seconds


def test_a_learner_submits_a_buggy_then_a_fixed_backprop_and_reads_the_feedback(classroom, hub, login, graders_layers):
    learner = classroom.learners[0]
    classroom.nbgrader(learner, "fetch_assignment", ASSIGNMENT, "--course", "gradient-checking")
    # The learner's work so far: every answer written (the reference answers), saved, as they would have it.
    notebook = classroom.home(learner) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    builder = make_sample_class()
    answers = builder.reference_answers(ASSIGNMENT)
    done = builder.submission(nbformat.read(notebook, as_version=4), answers, {})
    nbformat.write(done, notebook)
    user = classroom.user(learner)
    os.chown(notebook, user.pw_uid, user.pw_gid)

    page = login(learner)
    open_notebook(page, hub, learner, f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    right = answers["backward_propagation_n"]
    buggy = right.replace("dW2 = 1. / m * np.dot(dZ2, A1.T)", "dW2 = 2. / m * np.dot(dZ2, A1.T)")
    assert buggy != right
    replace_cell_source(page, "def backward_propagation_n(", buggy)  # typed, not saved
    run_all_cells_until_a_failing_test(page)
    button = run_submit_cell(page)

    status, feedback, seconds = press_submit(page, button, "hub-submit-buggy.png")
    record_timing(f"hub: buggy backprop graded {seconds:.1f}s after Submit")
    assert "13 of 14 points" in status, status
    table = page.locator(".gradlab-submit-results").text_content()
    assert re.search(r"test_backward_propagation_n\s*5\s*/\s*6", table), table
    assert "dW2" in feedback and "2x too large" in feedback, feedback[:2000]

    replace_cell_source(page, "def backward_propagation_n(", right)  # the fix, typed, not saved
    status, feedback, seconds = press_submit(page, button, "hub-submit-fixed.png")
    record_timing(f"hub: fixed backprop graded {seconds:.1f}s after Submit")
    assert "14 of 14 points" in status, status
    assert "dW2 = 1. / m" in notebook.read_text()  # the control saved the notebook before sending it
    page.screenshot(path=str(ARTIFACTS / "hub-submit-page.png"))
    # both attempts graded by the hub's grading service with every layer the instructor's user can have here
    assert_attempts_protected(default_db_url(classroom.course), student=learner, offered=graders_layers)


def run_all_cells_until_a_failing_test(page):
    """Run > Run All Cells, and wait until the kernel is idle again (it stops at the failing visible test)."""
    page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").first.wait_for(
        timeout=300_000)
    lab_kernel_idle(page).first.wait_for(timeout=300_000)


def test_the_instructor_sees_both_attempts_and_the_formgrader_the_counting_one(classroom, hub, login):
    learner, instructor = classroom.learners[0], classroom.instructor
    page = login(instructor)
    open_notebook(page, hub, instructor, "course/instructor.ipynb")
    run_all_cells(page, lab_kernel_idle, "JupyterLab on the hub")
    rows = page.locator(".gradlab-attempts tr.gradlab-attempt")
    rows.first.wait_for(timeout=120_000)
    texts = [re.sub(r"\s+", " ", text) for text in rows.all_text_contents()]
    mine = [text for text in texts if learner in text]
    assert len(mine) == 2, texts
    assert "14 / 14" in mine[0] and "counts" in mine[0]  # newest first
    assert "13 / 14" in mine[1] and "counts" not in mine[1]
    page.locator(".gradlab-attempts").screenshot(path=str(ARTIFACTS / "hub-dashboard-attempts.png"))

    page.goto(f"{hub.url}user/{instructor}/formgrader/manage_submissions/{ASSIGNMENT}")
    row = page.locator("tr", has_text=learner).first
    row.wait_for(timeout=120_000)
    assert re.search(r"14(\.0)?\s*/\s*14", row.text_content()), row.text_content()
    page.screenshot(path=str(ARTIFACTS / "hub-formgrader.png"))


def assignments_page(page, hub, user):
    """nbgrader's Assignments page (JupyterLab: Nbgrader > Assignment List)."""
    page.goto(f"{hub.url}user/{user}/lab")
    lab_kernel_idle(page).count()  # nothing to wait for: no notebook is open
    page.locator("#jp-MainMenu").get_by_text("Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Assignment List", exact=True).click()
    panel = page.locator("#assignments").first
    panel.wait_for(timeout=120_000)
    return panel


def test_nbgraders_round_trip_through_the_assignments_page(classroom, hub, login, graders_layers):
    learner, instructor = classroom.learners[1], classroom.instructor
    page = login(learner)
    panel = assignments_page(page, hub, learner)
    released = panel.locator("#released_assignments_list")
    released.get_by_text(ASSIGNMENT).first.wait_for(timeout=120_000)
    released.get_by_role("button", name="Fetch", exact=True).first.click()
    notebook = classroom.home(learner) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    deadline = time.monotonic() + 120
    while not notebook.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert notebook.exists(), "Fetch did not bring the assignment into the learner's home"
    # The learner's work: the course's two bugs (as sample_class/ben_course_bugs), written into the fetched file.
    builder = make_sample_class()
    plan = builder.students(ASSIGNMENT)["ben_course_bugs"]
    nbformat.write(builder.submission(nbformat.read(notebook, as_version=4), builder.reference_answers(ASSIGNMENT),
                                      plan), notebook)
    user = classroom.user(learner)
    os.chown(notebook, user.pw_uid, user.pw_gid)
    page.screenshot(path=str(ARTIFACTS / "hub-assignments-fetched.png"))
    fetched = panel.locator("#fetched_assignments_list")
    fetched.get_by_text(ASSIGNMENT).first.wait_for(timeout=120_000)
    fetched.get_by_role("button", name="Submit", exact=True).first.click()
    submitted = panel.locator("#submitted_assignments_list")
    submitted.get_by_text(ASSIGNMENT).first.wait_for(timeout=120_000)

    course = classroom.course
    classroom.nbgrader(instructor, "collect", ASSIGNMENT, cwd=course)
    collected = course / "submitted" / learner / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert collected.exists()
    classroom.nbgrader(instructor, "autograde", ASSIGNMENT, "--student", learner, cwd=course)
    assert_protected(course, ASSIGNMENT, [learner], offered=graders_layers)  # all the instructor's user can have
    classroom.nbgrader(instructor, "generate_feedback", ASSIGNMENT, "--student", learner, cwd=course)
    classroom.nbgrader(instructor, "release_feedback", ASSIGNMENT, "--student", learner, cwd=course)

    panel = assignments_page(page, hub, learner)
    submitted = panel.locator("#submitted_assignments_list")
    submitted.get_by_role("button", name="Fetch Feedback").first.click()
    pages = []
    deadline = time.monotonic() + 120
    while not pages and time.monotonic() < deadline:
        pages = list((classroom.home(learner) / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
        time.sleep(0.5)
    assert pages, "Fetch Feedback brought no feedback"
    text = pages[0].read_text()
    assert "12.0" in text and "14.0" in text and "dW2" in text and "db1" in text
    page.screenshot(path=str(ARTIFACTS / "hub-assignments-feedback.png"))

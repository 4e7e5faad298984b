"""The instructor's dashboard in headless Chromium, at 1280 px, in JupyterLab with its file browser open, in
Notebook 7 and in Voila: autograder/instructor.ipynb opened in a copy of the course with part of the sample class
submitted; "Grade the class" clicked (the first front end grades the class while the progress bar moves and the
Dask dashboard's link shows; the others find it graded); the report read (the summary above the score
distribution's heading and its chart, the problems and the students' list inside the output area with no
scrollbar of their own, a key to the columns); one click on a student shows their feedback in a frame whose
table of contents scrolls within it, whose maths and figures are drawn, whose lines wrap, with no request outside
the machine.
Also the feedback a student gets back, opened from Jupyter's file server. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import urllib.parse

import pytest

from conftest import is_loopback
from nbgrader_course import ASSIGNMENT, COURSE
from page_checks import widget_problems
from test_browser_lessons import assert_no_errors
from test_browser_pages import WIDTH, jupyter_page

pytestmark = pytest.mark.browser

GRADE_TIMEOUT = 900  # s, for the sample class to be graded in the notebook's kernel on a busy machine
PROGRESS = re.compile(r"(\d+) of (\d+) graded")
STUDENT = "ben_course_bugs"
# A part of the sample class, to keep the test short on two cores: a right answer, the course's bugs, missing
# factors, and the longest name (ray_finite_differences), which the students' list must show whole.
CLASS = ("ada_correct", STUDENT, "cleo_missing_factors", "ray_finite_differences")
TOTAL = len(CLASS)


@pytest.fixture(scope="module")
def course_in_lab(jupyter_home, generated_course):
    """The course (generated, part of the sample class in submitted/, the instructor's notebook) in the servers'
    folder."""
    course = jupyter_home / "notebooks" / "course"
    shutil.copytree(generated_course, course)
    shutil.copy(COURSE / "instructor.ipynb", course)
    for student in CLASS:
        place = course / "submitted" / student / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(COURSE / "sample_class" / ASSIGNMENT / f"{student}.ipynb", place / f"{ASSIGNMENT}.ipynb")
    return course


def requests_outside(page):
    """The list, filled as they are made, of the page's requests that would leave the machine."""
    outside = []
    page.on("request", lambda request: None if is_loopback(request.url) else outside.append(request.url))
    return outside


def open_dashboard(front_end, request, browser):
    """The instructor's notebook run in `front_end` at 1280 px; (page, context to close or None)."""
    if front_end == "voila":
        server = request.getfixturevalue("voila_server")
        context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        context.set_default_timeout(60_000)
        page = context.new_page()
        page.route(lambda url: not is_loopback(url), lambda route: route.abort("blockedbyclient"))
        page.goto(f"{server.url}voila/render/course/instructor.ipynb?token={server.token}", timeout=300_000)
        return page, context
    page = request.getfixturevalue("page")
    return jupyter_page(page, front_end, request.getfixturevalue(front_end), "course/instructor.ipynb"), None


def grade(board):
    """Click "Grade the class" and wait for the report; the progress counts seen on the way and the Dask
    dashboard's links."""
    button = board.locator("button.widget-button", has_text="Grade the class")
    assert button.count() == 1
    button.click()
    seen, links, deadline = set(), set(), time.monotonic() + GRADE_TIMEOUT
    report = board.locator("h4", has_text="Most common problems per exercise")
    while time.monotonic() < deadline:
        for match in (PROGRESS.search(t) for t in board.locator(".gradlab-progress-text").all_text_contents()):
            if match:
                seen.add((int(match.group(1)), int(match.group(2))))
        links.update(board.locator("a.gradlab-dask-dashboard").evaluate_all("(as) => as.map(a => a.href)"))
        if report.is_visible() and not button.is_disabled():
            return seen, links
        if board.locator(".gradlab-error-message").count():
            pytest.fail(f"the dashboard shows an error: {board.locator('.gradlab-error-message').text_content()}")
        time.sleep(0.1)
    pytest.fail(f"the class was not graded within {GRADE_TIMEOUT} s; progress seen: {sorted(seen)}")


# Everything in the dashboard that scrolls sideways (a scrollbar of its own, or the output area's), as sentences.
SIDEWAYS_JS = """board => {
  const found = [];
  const area = board.closest('.jp-OutputArea-output') || board.parentElement;
  if (area.scrollWidth > area.clientWidth + 1)
    found.push(`the output area scrolls sideways (${area.scrollWidth} > ${area.clientWidth} px)`);
  for (const e of board.querySelectorAll('select, pre, table, .widget-html-content, .widget-select')) {
    if (e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)
      found.push(`${e.tagName.toLowerCase()}.${e.className} scrolls sideways (${e.scrollWidth} > ${e.clientWidth} px)`);
  }
  return found;
}"""

# The order of the report's parts: the widgets' classes and headings, as they come.
ORDER_JS = """board => Array.from(board.querySelectorAll('.gradlab-summary, h4, .gradlab-score-histogram'))
  .map(e => e.tagName === 'H4' ? e.textContent.trim() : e.classList.contains('gradlab-summary') ? 'summary' : 'chart')"""

# What a feedback page shows, read inside its frame (or on its own).
PAGE_JS = """() => ({
  overflow: document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth,
  wideOutputs: Array.from(document.querySelectorAll('div.output_area pre, div.output_subarea pre'))
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 60)),
  maths: Array.from(document.querySelectorAll('math')).filter(m => m.getBoundingClientRect().width > 0).length,
  tex: (document.body.innerText.match(/\\$[^$\\n]*\\\\[a-zA-Z]+[^$\\n]*\\$/) || [''])[0],
  brokenImages: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
  text: document.body.innerText,
  href: location.href,
})"""


def anchor_in_view_js(name):
    return (f"() => {{ const a = document.getElementsByName({name!r})[0]; const r = a.getBoundingClientRect(); "
            "return r.top >= -1 && r.top < window.innerHeight; }")


def assert_feedback_reads(scope, where):
    """In a feedback page (`scope`: the page, or a frame locator's root): maths drawn as MathML and no TeX left;
    outputs that wrap and nothing wider than the page; the feedback; every figure shown."""
    read = scope.evaluate(PAGE_JS)
    assert read["maths"] >= 10 and not read["tex"], f"{where}: maths not drawn ({read['maths']}, {read['tex']!r})"
    assert read["overflow"] <= 1 and not read["wideOutputs"], f"{where}: scrolls sideways: {read['overflow']} px, " \
                                                              f"{read['wideOutputs']}"
    assert "db1 is 4x too large" in read["text"]
    assert not read["brokenImages"], f"{where}: figures not shown: {read['brokenImages']}"
    return read


@pytest.mark.parametrize("front_end", ("lab", "notebook7", "voila"))
def test_the_dashboard_grades_the_class_and_reads_whole_at_1280_px(front_end, course_in_lab, request, browser,
                                                                   artifacts):
    page, context = open_dashboard(front_end, request, browser)
    outside = requests_outside(page)
    try:
        board = page.locator(".gradlab-grading-dashboard").first
        board.wait_for(timeout=120_000)
        assert f"Grades the {TOTAL} submissions of {ASSIGNMENT}" in board.text_content()
        seen, links = grade(board)
        status = board.locator(".gradlab-progress-text, .widget-html").all_text_contents()
        if any("Nothing new to grade" in s for s in status):  # graded by an earlier front end
            assert any(f"the {TOTAL} submissions found are graded already" in s for s in status)
        else:  # the counts moved (seen at least once part way) while the Dask dashboard's link was there
            assert (TOTAL, TOTAL) in seen and any(0 < done < TOTAL for done, _ in seen), sorted(seen)
            assert links and all(link.startswith("http://127.0.0.1:") for link in links)
        board.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"dashboard-{front_end}-graded.png"))

        # The report, in order: the summary, then the distribution's heading over its chart.
        assert board.evaluate(ORDER_JS)[:3] == ["summary", "Score distribution", "chart"], board.evaluate(ORDER_JS)
        image = board.locator(".gradlab-score-histogram img")
        image.wait_for(timeout=30_000)
        assert image.evaluate("(i) => i.complete && i.naturalWidth > 0")
        assert "db1 scaled x4" in board.locator(".gradlab-problems").text_content()
        options = board.locator(".gradlab-students option")
        assert options.count() == TOTAL
        # Each column's initials are explained under the list's header.
        key = board.locator(".gradlab-columns-key").text_content()
        header = board.locator(".gradlab-students-header").text_content().split()
        for initials, exercise in (("fp", "forward_propagation"), ("bpn", "backward_propagation_n"),
                                   ("gcn", "gradient_check_n")):
            assert initials in header and f"{initials} {exercise}" in key, key

        # One click on a student: their problems, and their feedback in a sandboxed frame.
        options.filter(has_text=STUDENT).click()
        frame = board.locator("iframe.gradlab-feedback")
        frame.wait_for(timeout=30_000)
        assert frame.get_attribute("sandbox") == ""
        assert "db1 scaled x4" in board.locator(".gradlab-student-problems").text_content()
        inside = page.frame_locator("iframe.gradlab-feedback").locator("html")
        inside.get_by_text("db1 is 4x too large", exact=False).first.wait_for(timeout=30_000)
        frame.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        problems = board.evaluate(SIDEWAYS_JS) + widget_problems(page)
        page.screenshot(path=str(artifacts / f"dashboard-{front_end}-feedback.png"))
        assert not problems, f"the dashboard in {front_end} at {WIDTH} px:\n" + "\n".join(problems)
        assert_feedback_reads(inside, f"the feedback frame in {front_end}")

        # The table of contents: a link scrolls the frame to that test cell; the feedback stays.
        target = "test_backward_propagation_n"
        inside.locator(f'#toc a[href="#{target}"]').click()
        page.wait_for_timeout(1000)
        read = assert_feedback_reads(inside, f"the feedback frame in {front_end}, after a link of its contents")
        assert read["href"] == f"about:srcdoc#{target}", read["href"]
        assert inside.evaluate(anchor_in_view_js(target))
        frame.screenshot(path=str(artifacts / f"dashboard-{front_end}-feedback-link.png"))
        assert not outside, f"requests that would leave the machine: {outside}"
        if front_end != "voila":
            assert_no_errors(page.locator(".jp-NotebookPanel").first, f"the instructor's dashboard in {front_end}")
        else:
            assert_no_errors(page, "the instructor's dashboard in Voila")
    finally:
        if context is not None:
            context.close()


def test_returned_feedback_reads_whole_offline(course_in_lab, lab, page, artifacts):
    """The page a student gets back (nbgrader's feedback/ folder), opened from Jupyter's file server at 1280 px:
    maths drawn, lines wrapped, contents that link within it, and nothing fetched from outside (no MathJax CDN)."""
    feedback = course_in_lab / "feedback" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.html"
    if not feedback.exists():  # the dashboard tests grade the class; run alone, grade it here as a terminal does
        done = subprocess.run([sys.executable, "-m", "gradlab.grading", "grade", str(course_in_lab), ASSIGNMENT],
                              capture_output=True, text=True, timeout=GRADE_TIMEOUT)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    page.set_viewport_size({"width": WIDTH, "height": 900})
    outside = requests_outside(page)
    page.goto(f"{lab.url}lab?token={lab.token}")  # logged in (a cookie), as a student is: the figures load too
    page.wait_for_load_state("load")
    path = urllib.parse.quote(f"course/feedback/{STUDENT}/{ASSIGNMENT}/{ASSIGNMENT}.html")
    # From JupyterLab, as a student opens it: Jupyter's file server refuses a page asked for with a cookie and no
    # Referer of its own (its guard against cross-site inclusion)
    page.goto(f"{lab.url}files/{path}", referer=f"{lab.url}lab")
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    assert_feedback_reads(page, "the returned feedback")
    page.locator('#toc a[href="#test_backward_propagation_n"]').click()
    page.wait_for_timeout(500)
    read = assert_feedback_reads(page, "the returned feedback, after a link of its contents")
    assert read["href"].endswith("#test_backward_propagation_n")
    assert page.evaluate(anchor_in_view_js("test_backward_propagation_n"))
    page.screenshot(path=str(artifacts / "returned-feedback.png"))
    assert not outside, f"requests that would leave the machine: {outside}"

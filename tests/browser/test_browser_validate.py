"""nbgrader's Validate as a student meets it, in JupyterLab at 1280 px with its file browser open: a released
assignment whose backprop has the course's two bugs (dW2 doubled, db1 with 4./m), the toolbar's Validate button
clicked, and the dialog read as it opens. The failing test's error starts with its verdict and its diagnoses; the
verdict is on the dialog's first screen (below the test's source, which nbgrader shows first), the diagnoses
right after it, and no frame of gradlab's own files is shown. Screenshot: validate-dialog.png."""

from __future__ import annotations

import shutil
import urllib.parse

import pytest

from nbgrader_course import ASSIGNMENT, COURSE
from test_browser_pages import WIDTH

pytestmark = pytest.mark.browser

VALIDATE_TIMEOUT = 600_000  # ms: nbgrader runs the whole notebook in a kernel, on a busy machine
STUDENT = "ben_course_bugs"

# Where a piece of text of the dialog's error is, against what its scrolling body shows without scrolling.
SHOWN_JS = """(body, words) => {
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const shown = body.getBoundingClientRect();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.textContent.indexOf(words);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + words.length);
    const r = range.getBoundingClientRect();
    return {found: true, top: r.top - shown.top, bottom: r.bottom - shown.top, height: shown.height,
            scrolled: body.scrollTop};
  }
  return {found: false};
}"""


@pytest.fixture(scope="module")
def assignment_in_lab(jupyter_home):
    """The student's copy of the released assignment, with the course's buggy backprop, in the servers' folder."""
    folder = jupyter_home / "notebooks" / ASSIGNMENT
    folder.mkdir()
    shutil.copy(COURSE / "sample_class" / ASSIGNMENT / f"{STUDENT}.ipynb", folder / f"{ASSIGNMENT}.ipynb")
    for figure in (COURSE / "source" / ASSIGNMENT).glob("*.png"):
        shutil.copy(figure, folder)
    return folder


def test_validate_opens_on_the_verdict_and_the_diagnosis(assignment_in_lab, lab, page, artifacts):
    jupyter_page_without_running(page, lab, f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=VALIDATE_TIMEOUT)
    body = dialog.locator(".jp-Dialog-body")
    text = body.text_content()
    page.screenshot(path=str(artifacts / "validate-dialog.png"))
    assert text.count("The following cell failed") == 1, text[:3000]  # the one visible test that fails
    # The error starts with the verdict, then the diagnoses; the numbers behind them come after.
    error = [line.strip() for line in dialog.locator("pre").nth(1).text_content().splitlines() if line.strip()]
    assert error[:3] == ["GradientCheckError:", error[1], "the error bar."] and error[1].startswith(
        "Gradient check FAILED: b1, W2 disagree"), error[:8]
    assert error[3] == "Diagnoses:" and "db1 is 4x too large" in error[4] and "dW2 is 2x too large" in error[7]
    # nbgrader's dialog shows the failing cell's source (the visible test, 13 lines) above the error: the verdict
    # is on its first screen, and the diagnoses right after it, within half a screen more; a traceback through
    # gradlab's own files and the report's table used to stand between them (about three screens).
    verdict = body.evaluate(SHOWN_JS, "Gradient check FAILED: b1, W2 disagree")
    assert verdict["found"] and verdict["scrolled"] == 0 and verdict["bottom"] <= verdict["height"], verdict
    for words in ("db1 is 4x too large", "dW2 is 2x too large"):
        where = body.evaluate(SHOWN_JS, words)
        assert where["found"] and where["bottom"] <= 1.5 * where["height"], \
            f"{words!r} is more than half a screen below the dialog's first ({where}):\n{text[:3000]}"
    assert "report.py" not in text and "site-packages" not in text and "Traceback" not in text
    assert "raised at line" in text


def jupyter_page_without_running(page, lab, name):
    """The notebook opened in JupyterLab at 1280 px with its file browser open, its kernel idle; nothing run
    (Validate runs it in a kernel of its own)."""
    from test_browser_lessons import lab_kernel_idle

    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(f"{lab.url}lab/tree/{urllib.parse.quote(name)}?reset&token={lab.token}")
    lab_kernel_idle(page).first.wait_for(timeout=120_000)
    files = page.locator(".jp-FileBrowser")
    if not files.is_visible():
        page.locator('.jp-SideBar [data-id="filebrowser"]').click()
    files.wait_for(state="visible", timeout=10_000)

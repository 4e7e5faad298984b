"""Lessons 1 and 3 in a real browser: JupyterLab 4, Jupyter Notebook 7 and Voila, in headless Chromium
driven by Playwright.

For each lesson and front end: the notebook runs top to bottom, its widgets render (no "Error displaying
widget", no traceback or stderr output, and no widget showing an error of its own, .gradlab-error-message,
anywhere), moving the "epsilon" slider with the keyboard changes the explorer's output and its numbers follow
the slider and name the best epsilon the library finds, and clicking "Run check" fills or refreshes the check
panel with the verdict and the failing parameters the library finds for the same check. The tests know the
widgets only through the DOM: a slider whose description is "epsilon", a button "Run check", and what the
widgets write. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import gradlab
from gradlab import course
from promises import explorer_says_what_the_library_finds, panel_says_what_the_library_finds

pytestmark = pytest.mark.browser

KERNEL_NAME = "Python 3 (ipykernel)"
KERNEL_IDLE = f"{KERNEL_NAME} | Idle"  # JupyterLab's status bar
NB7_IDLE = re.compile(r"Kernel status:\s*Idle")  # Notebook 7's toolbar
EPSILON = re.compile(r"^\s*epsilon\s*:?\s*$", re.IGNORECASE)
RUN_CHECK = re.compile(r"^\s*Run check\s*$")
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'  # tracebacks and warnings render as this
WIDGET_ERROR = ".gradlab-error-message"  # where a gradlab widget writes a callback's exception
# The cell's own output area: the outermost one around a control (an Output widget nests its own).
CELL_OUTPUT = "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' jp-OutputArea ')][last()]"

RUN_TIMEOUT = 180  # s, to run a whole lesson (each should take well under 60 s)
UPDATE_TIMEOUT = 30  # s, for a widget to answer an interaction

# What the output area shows, apart from slider read-outs (which move with the slider itself): its text,
# images, SVG and canvases, hashed in the page so that big data: URLs do not travel on every poll.
SIGNATURE_JS = """root => {
  const clone = root.cloneNode(true);
  clone.querySelectorAll('.widget-readout').forEach(e => e.remove());
  const text = (clone.textContent || '').replace(/\\s+/g, ' ').trim();
  const images = Array.from(root.querySelectorAll('img')).map(i => i.currentSrc || i.src);
  const svgs = Array.from(clone.querySelectorAll('svg')).map(s => s.outerHTML);
  const canvases = Array.from(root.querySelectorAll('canvas')).map(c => {
    try { return c.toDataURL(); } catch (err) { return 'canvas'; }
  });
  const all = JSON.stringify([text, images, svgs, canvases]);
  let hash = 2166136261;
  for (let i = 0; i < all.length; i++) { hash ^= all.charCodeAt(i); hash = Math.imul(hash, 16777619); }
  const loaded = Array.from(root.querySelectorAll('img')).every(i => i.complete && i.naturalWidth > 0);
  return {hash: (hash >>> 0).toString(16) + ':' + all.length, text: text.slice(0, 400),
          images: images.length, loaded: loaded};
}"""

# Counts nodes added inside the output area, outside buttons and read-outs: a panel that redraws the
# same content still counts as updated.
OBSERVE_JS = """root => {
  if (window.__gradlabObserver) window.__gradlabObserver.disconnect();
  window.__gradlabAdded = 0;
  window.__gradlabObserver = new MutationObserver(records => {
    for (const r of records) {
      const target = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (target && target.closest('.widget-button, .widget-readout')) continue;
      window.__gradlabAdded += r.addedNodes.length;
    }
  });
  window.__gradlabObserver.observe(root, {childList: true, subtree: true});
}"""

# textContent, not innerText: JupyterLab skips the layout of cells out of view (content-visibility), and
# innerText is empty there.
LAB_CELLS_JS = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-CodeCell')).map(c => ({
  prompt: ((c.querySelector('.jp-InputPrompt') || {}).textContent || '').trim(),
  empty: (((c.querySelector('.cm-content') || {}).textContent) || '').trim() === '',
  source: (((c.querySelector('.cm-content') || {}).textContent) || '').slice(0, 200),
  errors: Array.from(c.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(e => (e.textContent || '').slice(0, 3000)),
}))"""


def course_buggy_check(epsilon, mode):
    """What lesson 3's panel checks (tests/test_lessons.py holds the lesson to it), at the panel's settings."""
    X, Y, parameters = course.course_test_case()
    return gradlab.check_backprop(course.forward_propagation_n, course.buggy_backward_propagation_n, X, Y,
                                  parameters, epsilon=epsilon, mode=mode)


@dataclass(frozen=True)
class Lesson:
    number: int
    epsilon_slider: bool  # must have an "epsilon" slider (exercised whenever there is one)
    run_check: bool  # must have a "Run check" button (exercised whenever there is one)
    panel_checks: Callable | None = None  # (epsilon, mode) -> the report its "Run check" panel must show


LESSON_CASES = [
    pytest.param(Lesson(1, epsilon_slider=True, run_check=False), id="lesson01"),
    pytest.param(Lesson(3, epsilon_slider=False, run_check=True, panel_checks=course_buggy_check), id="lesson03"),
]


# --------------------------------------------------------------------------------------------------------
# Helpers


class Timer:
    def __init__(self):
        self.start = time.monotonic()
        self.marks: list[tuple[str, float]] = []

    def mark(self, what: str) -> None:
        self.marks.append((what, time.monotonic() - self.start))

    def __str__(self) -> str:
        return ", ".join(f"{what} {at:.1f}s" for what, at in self.marks)


def record_timings(artifacts: Path, test: str, timer: Timer) -> None:
    with open(artifacts / "timings.txt", "a") as file:
        file.write(f"{test}: {timer}\n")


def epsilon_sliders(page):
    return page.locator(".widget-slider").filter(has=page.locator("label.widget-label", has_text=EPSILON))


def run_check_buttons(page):
    return page.locator("button.widget-button", has_text=RUN_CHECK)


def signature(root) -> dict:
    return root.evaluate(SIGNATURE_JS)


def settle(root, quiet: float = 1.0, timeout: float = UPDATE_TIMEOUT) -> dict:
    """Wait until the output area has stopped changing for `quiet` seconds and its images are loaded."""
    deadline = time.monotonic() + timeout
    last = signature(root)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.15)
        now = signature(root)
        if now["hash"] != last["hash"] or not now["loaded"]:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    return last


def wait_for_change(root, before: dict, timeout: float = UPDATE_TIMEOUT, count_redraws: bool = False) -> dict:
    """Wait until the output area differs from `before` (or, with count_redraws, was redrawn), then settle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        changed = signature(root)["hash"] != before["hash"]
        if not changed and count_redraws:
            changed = root.page.evaluate("() => window.__gradlabAdded || 0") > 0
        if changed:
            return settle(root)
        time.sleep(0.1)
    return signature(root)


def assert_no_errors(scope, where: str) -> None:
    """No "Error displaying widget", no traceback, no warning (stderr) output, and no gradlab widget showing
    an error of its own (a callback's exception, written into the widget) in `scope`."""
    broken = scope.get_by_text("Error displaying widget").all_text_contents()
    assert not broken, f"{where}: {broken}"
    errors = scope.locator(STDERR).all_text_contents()
    assert not errors, f"{where}: error or stderr output:\n" + "\n-----\n".join(e[:3000] for e in errors)
    shown = [text.strip() for text in scope.locator(WIDGET_ERROR).all_text_contents() if text.strip()]
    assert not shown, f"{where}: a widget shows an error:\n" + "\n-----\n".join(shown)


def shoot(page, root, path: Path, full_page: bool = False) -> None:
    root.scroll_into_view_if_needed()
    root.screenshot(path=str(path))
    page.screenshot(path=str(path.with_name(path.stem + "-page.png")), full_page=full_page)


# Keys that move a focused slider down / up: one step with the arrows. Notebook 7 catches key presses for
# its shortcuts before the widget sees them, and binds ArrowLeft / ArrowRight (to the previous / next
# heading), so there the slider gets PageDown / PageUp (a few steps; unbound in Notebook 7).
ARROW_KEYS = ("ArrowLeft", "ArrowRight")
PAGE_KEYS = ("PageDown", "PageUp")


def exercise_epsilon_slider(page, shots: Path, full_page: bool = False, keys=ARROW_KEYS) -> None:
    """Move the first "epsilon" slider with the keyboard (`keys`: down, up); the explorer's output must
    change."""
    slider = epsilon_sliders(page).first
    root = slider.locator(CELL_OUTPUT)
    root.scroll_into_view_if_needed()
    before = settle(root)
    shoot(page, root, shots.with_name(shots.name + "-epsilon-before.png"), full_page)
    handle = slider.locator('[role="slider"]').first
    value, top = float(handle.get_attribute("aria-valuenow")), float(handle.get_attribute("aria-valuemax"))
    readout = slider.locator(".widget-readout").text_content()
    handle.press(keys[0] if value >= top else keys[1])

    deadline = time.monotonic() + 5
    while float(handle.get_attribute("aria-valuenow")) == value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert float(handle.get_attribute("aria-valuenow")) != value, "the epsilon slider did not move"

    after = wait_for_change(root, before)
    assert after["hash"] != before["hash"], (
        f"moving epsilon ({readout} -> {slider.locator('.widget-readout').text_content()}) did not change the "
        f"explorer's output within {UPDATE_TIMEOUT} s; it shows: {after['text']!r}"
    )
    assert_no_errors(root, "explorer after moving epsilon")
    explorer_says_what_the_library_finds(slider)
    shoot(page, root, shots.with_name(shots.name + "-epsilon-after.png"), full_page)


def exercise_run_check(page, shots: Path, full_page: bool = False, panel_checks=None) -> None:
    """Click the first "Run check" button; the check panel's output must appear or be redrawn, without an
    error, and say what panel_checks(epsilon, mode) (the library's check at the panel's settings) says."""
    button = run_check_buttons(page).first
    root = button.locator(CELL_OUTPUT)
    root.scroll_into_view_if_needed()
    before = settle(root)
    root.evaluate(OBSERVE_JS)
    button.click()
    after = wait_for_change(root, before, count_redraws=True)
    added = page.evaluate("() => window.__gradlabAdded || 0")
    assert after["hash"] != before["hash"] or added > 0, (
        f"clicking 'Run check' did not change the check panel within {UPDATE_TIMEOUT} s; it shows: "
        f"{after['text']!r}"
    )
    assert after["text"].strip() or after["images"], "the check panel is empty after 'Run check'"
    assert_no_errors(root, "check panel after 'Run check'")
    if panel_checks is not None:
        panel_says_what_the_library_finds(button, panel_checks)
    shoot(page, root, shots.with_name(shots.name + "-run-check.png"), full_page)


def exercise_widgets(page, lesson: Lesson, shots: Path, full_page: bool = False, keys=ARROW_KEYS) -> None:
    assert page.locator(".jupyter-widgets").count() > 0, "no widget was rendered"
    sliders, buttons = epsilon_sliders(page).count(), run_check_buttons(page).count()
    if lesson.epsilon_slider:
        assert sliders, "no slider with the description 'epsilon'"
    if lesson.run_check:
        assert buttons, "no button 'Run check'"
    if sliders:
        exercise_epsilon_slider(page, shots, full_page, keys)
    if buttons:
        exercise_run_check(page, shots, full_page, lesson.panel_checks)


def wait_for_controls(page, lesson: Lesson, timeout: float = 60) -> None:
    """The widgets a lesson must have are in the DOM (widget views render after the cells have run)."""
    if lesson.epsilon_slider:
        epsilon_sliders(page).first.wait_for(state="attached", timeout=timeout * 1000)
    if lesson.run_check:
        run_check_buttons(page).first.wait_for(state="attached", timeout=timeout * 1000)
    if not (lesson.epsilon_slider or lesson.run_check):
        page.locator(".jupyter-widgets").first.wait_for(state="attached", timeout=timeout * 1000)


# --------------------------------------------------------------------------------------------------------
# JupyterLab and Jupyter Notebook 7 (the same notebook widgets; the kernel indicator differs)


def lab_kernel_idle(page):
    """JupyterLab's status bar: "Python 3 (ipykernel) | Idle"."""
    return page.locator("#jp-main-statusbar").get_by_text(KERNEL_IDLE)


def notebook7_kernel_idle(page):
    """Notebook 7 has no status bar: the notebook toolbar shows the kernel's name, and its execution
    indicator holds the text "Kernel status: Idle"."""
    kernel = page.locator('[data-jp-item-name="kernelName"]', has_text=KERNEL_NAME)
    idle = page.locator('[data-jp-item-name="executionProgress"]', has_text=NB7_IDLE)
    return page.locator(".jp-NotebookPanel-toolbar").filter(has=kernel).filter(has=idle)


def run_all_cells(page, kernel_idle, app: str) -> None:
    """Run > Run All Cells, then wait until every non-empty code cell has an execution count and the
    kernel is idle. `kernel_idle(page)` locates the front end's idle indicator."""
    page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    status = kernel_idle(page)
    deadline = time.monotonic() + RUN_TIMEOUT
    dialogs = page.locator(".jp-Dialog")  # "The kernel appears to have died", and the like
    while True:
        if dialogs.count():
            pytest.fail(f"{app} shows a dialog: {dialogs.first.text_content()!r}", pytrace=False)
        cells = page.evaluate(LAB_CELLS_JS)
        for index, cell in enumerate(cells, start=1):
            if cell["errors"]:
                pytest.fail(
                    f"code cell {index} ({cell['source'][:80]!r}) wrote a traceback or to stderr:\n"
                    + "\n".join(cell["errors"]),
                    pytrace=False,
                )
        pending = [c for c in cells if not c["empty"] and not re.fullmatch(r"\[\d+\]:", c["prompt"])]
        if cells and not pending and status.count():
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"the lesson did not finish within {RUN_TIMEOUT} s; waiting on: "
                + "; ".join(f"{c['prompt']} {c['source'][:60]!r}" for c in pending[:5]),
                pytrace=False,
            )
        time.sleep(0.25)


def check_lesson_in_jupyter(
    page, url: str, kernel_idle, app: str, lesson: Lesson, name: str, shots: Path, keys=ARROW_KEYS
) -> Timer:
    """Open the lesson at `url`, wait for an idle kernel, run all cells, then check and use the widgets."""
    timer = Timer()
    page.goto(url)
    kernel_idle(page).first.wait_for(timeout=120_000)
    timer.mark("kernel idle")
    run_all_cells(page, kernel_idle, app)
    timer.mark("ran all cells")
    wait_for_controls(page, lesson)
    notebook = page.locator(".jp-NotebookPanel").first
    assert_no_errors(notebook, f"{name} in {app}")
    exercise_widgets(page, lesson, shots, keys=keys)
    timer.mark("widgets checked")
    assert_no_errors(notebook, f"{name} in {app}, after the interactions")
    return timer


@pytest.mark.parametrize("lesson", LESSON_CASES)
def test_lesson_in_jupyterlab(lesson, lab, page, lesson_name, artifacts, request):
    name = lesson_name(lesson.number)
    url = f"{lab.url}lab/tree/{urllib.parse.quote(name)}?reset&token={lab.token}"
    shots = artifacts / f"lab-{lesson.number:02d}"
    timer = check_lesson_in_jupyter(page, url, lab_kernel_idle, "JupyterLab", lesson, name, shots)
    record_timings(artifacts, request.node.name, timer)


@pytest.mark.parametrize("lesson", LESSON_CASES)
def test_lesson_in_notebook7(lesson, notebook7, page, lesson_name, artifacts, request):
    name = lesson_name(lesson.number)
    url = f"{notebook7.url}notebooks/{urllib.parse.quote(name)}?token={notebook7.token}"
    shots = artifacts / f"nb7-{lesson.number:02d}"
    timer = check_lesson_in_jupyter(
        page, url, notebook7_kernel_idle, "Notebook 7", lesson, name, shots, keys=PAGE_KEYS
    )
    record_timings(artifacts, request.node.name, timer)


# --------------------------------------------------------------------------------------------------------
# Voila


@pytest.mark.parametrize("lesson", LESSON_CASES)
def test_lesson_in_voila(lesson, voila_server, page, lesson_name, artifacts, request):
    name = lesson_name(lesson.number)
    shots = artifacts / f"voila-{lesson.number:02d}"
    timer = Timer()
    # The page arrives once Voila has run every cell server-side.
    page.goto(
        f"{voila_server.url}voila/render/{urllib.parse.quote(name)}?token={voila_server.token}",
        timeout=RUN_TIMEOUT * 1000,
    )
    timer.mark("page loaded")
    failed = page.get_by_text("There was an error when executing cell").all_text_contents()
    assert not failed, f"{name} in Voila: {failed}"
    wait_for_controls(page, lesson)
    timer.mark("widgets rendered")
    assert_no_errors(page, f"{name} in Voila")
    exercise_widgets(page, lesson, shots, full_page=True)
    timer.mark("widgets checked")
    assert_no_errors(page, f"{name} in Voila, after the interactions")
    record_timings(artifacts, request.node.name, timer)

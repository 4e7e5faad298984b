"""The Submit control: a button that saves the notebook, sends it to the grading service, shows the submission's
progress, then its score per test and the feedback, inline.

A widget rather than a JupyterLab toolbar command: the last cell of the released notebook shows it, so it works
wherever ipywidgets do (JupyterLab, Notebook 7) with no front-end extension to build or install, it talks to the
service from the kernel, where the hub's token for the learner already is, and tests drive it from Python
(`click()`, then `wait()`), as the project's other widgets.

Submitting runs in a thread of the kernel: the learner can go on working while it is graded.
"""
from __future__ import annotations

import html
import os
import threading
import time

import ipywidgets as widgets
import traitlets

from ..widgets.base import GradlabWidget, guarded, table
from . import saving
from .service import Offline, ServiceError, find_service

POLL = 0.5  # seconds between two looks at the submission while it is graded
PATIENCE = 3600.0  # seconds after which the control stops looking (the submission stays with the service)
STEPS = {"saving": 1, "sending": 2, "queued": 3, "grading": 4, "graded": 5, "failed": 5}
FINISHED = ("graded", "failed")


class SubmitControl(GradlabWidget):
    """Submit this notebook for grading and read the result, in the notebook."""

    css_class = "gradlab-submit"
    state = traitlets.Unicode("ready", help="ready, offline, saving, sending, queued, grading, graded, failed or error")
    message = traitlets.Unicode("", help="what the control says now, in words")
    submission_id = traitlets.Unicode("", help="the service's id of the last submission")
    saved = traitlets.Bool(False, help="whether the front end saved the notebook for the last submission")
    score = traitlets.Float(None, allow_none=True, help="points earned by the last submission once graded")
    max_score = traitlets.Float(None, allow_none=True, help="points it could earn")
    tests = traitlets.List(help="[{name, score, max_score}] of the last submission, once graded")
    feedback_html = traitlets.Unicode("", help="the feedback page of the last submission, once graded")

    def __init__(self, assignment, *, service=None, notebook=None, environ=None, **kwargs):
        """assignment: its name on the service; service: a GradingService (default: the hub's, found from the
        environment); notebook: the notebook's path (default: the one this kernel was started for)."""
        super().__init__(**kwargs)
        self.assignment = assignment
        self.environ = os.environ if environ is None else environ
        self.notebook = notebook or saving.notebook_path(self.environ)
        self.service = service
        self._thread = None
        self.button = widgets.Button(description="Submit", button_style="primary", icon="paper-plane",
                                     tooltip=f"save this notebook and submit it for grading ({assignment})")
        self.button.on_click(lambda _: self.click())
        self.bar = widgets.IntProgress(value=0, min=0, max=STEPS["graded"], bar_style="info",
                                       layout=widgets.Layout(width="40%", visibility="hidden"))
        self.status = widgets.HTML("")
        self.status.add_class("gradlab-submit-status")
        self.results = widgets.HTML("")
        self.results.add_class("gradlab-submit-results")
        self.feedback = widgets.HTML("")
        self.feedback.add_class("gradlab-submit-feedback")
        # Where the request to save goes: an output that the front end runs (saving.py says why).
        self.frontend = widgets.Output(layout=widgets.Layout(display="none"))
        self.assemble(widgets.HTML(f"<b>Submit <code>{html.escape(assignment)}</code></b> for grading"),
                      widgets.HBox([self.button, self.bar], layout={"align_items": "center"}), self.status,
                      self.results, self.feedback, self.frontend)
        if self.service is None:
            self._find_service()

    def _find_service(self):
        try:
            self.service = find_service(self.environ)
        except Offline as offline:
            self._say("offline", str(offline))
            self.button.disabled = True
            return False
        except ServiceError as error:
            self._say("error", f"The grading service cannot be found now: {error}. Press Submit to try again.")
            return False
        return True

    def _say(self, state, message):
        self.status.value = f'<span class="gradlab-submit-{state}">{html.escape(message)}</span>'
        self.message, self.state = message, state

    @guarded
    def click(self):
        """Save and submit in the background (what the button does); nothing while a submission is on its way."""
        if self._thread is not None and self._thread.is_alive():
            return
        if self.service is None and not self._find_service():
            return
        if not self.notebook:
            raise RuntimeError("this kernel does not know its notebook's file (it was not started by a Jupyter server "
                               "for a notebook), so there is nothing to submit")
        self.button.disabled = True
        self.submission_id, self.score, self.max_score, self.tests, self.feedback_html = "", None, None, [], ""
        self.results.value = self.feedback.value = ""
        self._thread = threading.Thread(target=self._submit, name="gradlab-submit", daemon=True)
        self._thread.start()

    def wait(self, timeout=None):
        """Wait for the submission started by click() to be graded or to fail; return the state."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.state

    def _step(self, state, message, style="info"):
        self.bar.layout.visibility = "visible"
        self.bar.value, self.bar.bar_style = STEPS[state], style
        self._say(state, message)

    def _submit(self):
        started = time.monotonic()
        try:
            self._step("saving", "Saving the notebook ...")
            data, note = self._save()
            self._step("sending", "Sending it to the grading service ..." + note)
            self.submission_id = self.service.submit(self.assignment, data)
            self._follow(started, note)
        except (ServiceError, OSError) as error:
            self.bar.bar_style = "danger"
            self._say("error", f"Not submitted: {error}")
        except Exception as error:  # anything else: shown in the control, where the learner is looking
            self.show_error(error)
            self.bar.bar_style = "danger"
            self._say("error", "Not submitted: an error in the Submit control (below).")
        finally:
            self.button.disabled = False

    def _save(self):
        """(the notebook's bytes, a note for the learner when it could not be saved from here)."""
        before = saving.modified(self.notebook)
        self.frontend.outputs = (saving.save_request(),)
        data = saving.wait_for_save(self.notebook, before)
        self.frontend.outputs = ()  # so that it never runs again (a reopened notebook, a restored view)
        self.saved = data is not None
        if data is not None:
            return data, ""
        data = saving.read_notebook(self.notebook)
        if data is None:
            raise OSError(f"the notebook {self.notebook} cannot be read as a notebook")
        when = time.strftime("%H:%M:%S", time.localtime(saving.modified(self.notebook) / 1e9))
        return data, (f" This page could not save the notebook, so the version saved at {when} was sent: if you "
                      "changed it since, save it (Ctrl+S) and press Submit again.")

    def _follow(self, started, note):
        """Look at the submission until it is graded or has failed."""
        deadline = started + PATIENCE
        while True:
            found = self.service.submission(self.submission_id)
            status = found.get("status", "queued")
            seconds = time.monotonic() - started
            if status == "graded":
                self._show_result(found, seconds, note)
                return
            if status == "failed":
                reason = found.get("error") or found.get("message") or "no reason given"
                self._step("failed", f"Grading failed after {seconds:.0f} s: {reason}. The service keeps your "
                           f"submission ({self.submission_id}): tell your instructor." + note, "danger")
                return
            if time.monotonic() > deadline:
                self._say("queued", f"Still {status} after {seconds / 60:.0f} minutes; the service keeps your "
                          f"submission ({self.submission_id}). Look again later with Submit." + note)
                return
            words = "Queued for grading" if status == "queued" else "Grading"
            self._step("grading" if status == "grading" else "queued", f"{words} ... {seconds:.0f} s" + note)
            time.sleep(POLL)

    def _show_result(self, found, seconds, note):
        score, maximum = found.get("score"), found.get("max_score")
        self.tests = list(found.get("tests") or [])
        self.feedback_html = found.get("feedback_html") or ""
        self.score = None if score is None else float(score)
        self.max_score = None if maximum is None else float(maximum)
        self.results.value = results_table(self.tests)
        self.feedback.value = feedback_frame(self.feedback_html)
        full = self.score is not None and self.max_score is not None and self.score >= self.max_score
        self._step("graded", f"Graded in {seconds:.0f} s: {points(self.score)} of {points(self.max_score)} points."
                   + note, "success" if full else "warning")


def points(value):
    if value is None:
        return "?"
    return f"{value:g}"


def results_table(tests):
    """The score of each test, as a small table (a mark for the ones with every point)."""
    rows = []
    for test in tests:
        score, maximum = test.get("score"), test.get("max_score")
        full = score is not None and maximum is not None and float(score) >= float(maximum)
        mark = '<span style="color:#1a7f37">&#10003;</span>' if full else '<span style="color:#cf222e">&#10007;</span>'
        rows.append([mark, f"<code>{html.escape(str(test.get('name', '')))}</code>",
                     f"{points(score)} / {points(maximum)}"])
    return table(rows, header=("", "test", "points")) if rows else ""


def feedback_frame(page):
    """The feedback page in a frame that runs nothing of it (sandbox) and keeps its styles to itself."""
    if not page:
        return ""
    return ('<details open><summary><b>Feedback</b></summary><iframe class="gradlab-submit-feedback-page" sandbox="" '
            'title="feedback" style="width:100%;height:600px;border:1px solid #ccc" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe></details>')

"""The instructor's dashboard: a widget that grades the class (classroom.grade_class, on this machine's cores or
an existing Dask cluster) with a live progress bar, then shows the class report inline: the score
distribution, the most common problems per exercise, and the students with their scores, each one's feedback
a click away; and the Dask dashboard's link while the cluster runs.

    from gradlab.grading.instructor.dashboard import GradingDashboard
    GradingDashboard(".", "gradient_checking")          # in the course directory (autograder/instructor.ipynb)

Grading runs in a thread of the kernel, so the notebook stays usable and the widget updates as results come
in; `click()` starts it as the button does, and `wait()` waits for it (from Python, in tests). It says how many
submissions it finds; with none, it says what to do and offers the course's sample class
(`load_sample_class()`, the button "Load the sample class").
"""
from __future__ import annotations

import base64
import html
import io
import os
import threading

import ipywidgets as widgets
import traitlets

from ...widgets.base import GradlabWidget, figure_area, guarded, show_png
from . import dashboard_view as view
from .sample import check_assignment

IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
from ..cluster import engine


class GradingDashboard(GradlabWidget):
    """Grade a class and read its report, in a notebook."""

    css_class = "gradlab-grading-dashboard"
    state = traitlets.Unicode("ready", help="ready, grading, done or failed")
    phase = traitlets.Unicode("", help="what the progress bar counts: autograde or feedback")
    graded = traitlets.Int(0, help="submissions graded so far in this phase")
    failed = traitlets.Int(0, help="submissions that failed so far in this phase")
    total = traitlets.Int(0, help="submissions to grade in this phase")
    rate = traitlets.Float(0.0, help="submissions per minute so far")
    eta = traitlets.Float(None, allow_none=True, help="seconds left at the rate so far")
    dashboard_link = traitlets.Unicode("", help="Dask's dashboard, while the cluster runs")
    student = traitlets.Unicode("", help="the student whose feedback is shown")

    def __init__(self, course=".", assignment="gradient_checking", submissions=None, *, scheduler=None, db=None,
                 workers=None, force=False, **kwargs):
        """scheduler: an address (tcp://HOST:8786), a Dask Client or a cluster object (dask-gateway, KubeCluster,
        SLURMCluster ...); default: a local cluster of `workers` processes. db: the gradebook's URL."""
        super().__init__(**kwargs)
        self.course, self.assignment, self.submissions = os.path.abspath(course), assignment, submissions
        self.options = {"scheduler": scheduler, "db_url": db, "workers": workers, "force": force}
        self.run = None  # the last ClassRun
        self.results = {}  # the last run's results per student: {student: {exercise: {..., "problems": [...]}}}
        self.lines = io.StringIO()  # the command's own progress lines (stderr would show in the notebook)
        self._thread = None
        self.title = widgets.HTML(f"<h3>Grading <code>{assignment}</code> in <code>{self.course}</code></h3>")
        into = f"<code>{html.escape(db.split('@')[-1])}</code>" if db else "the course's gradebook"
        self.engine_line = f"on {html.escape(engine.describe(scheduler))}, into {into}"
        self.where = widgets.HTML("")
        self.button = widgets.Button(description="Grade the class", button_style="primary", icon="play")
        self.button.on_click(lambda _: self.click())
        self.sample_button = widgets.Button(description="Load the sample class", icon="download",
                                            tooltip="copy the course's sample class into submitted/, to try grading",
                                            layout=widgets.Layout(width="auto", display="none"))
        self.sample_button.on_click(lambda _: self.load_sample_class())
        self.bar = widgets.IntProgress(value=0, min=0, max=1, description="", bar_style="info",
                                       layout=widgets.Layout(width="40%"))
        self.status = widgets.HTML("")
        self.link = widgets.HTML("")
        self.summary = widgets.HTML("")
        self.summary.add_class("gradlab-summary")
        self.histogram = figure_area("gradlab-score-histogram")
        self.problems = widgets.HTML("")
        self.students_header = widgets.HTML("")
        self.students = widgets.Select(options=[], rows=12, layout=widgets.Layout(width="auto", max_width="100%"))
        self.students.add_class("gradlab-students")
        self.students.observe(lambda change: self._show_feedback(change["new"]), "value")
        self.feedback = widgets.HTML("")
        self.feedback.add_class("gradlab-feedback-view")
        self.report = widgets.VBox([self.summary, widgets.HTML("<h4>Score distribution</h4>"), self.histogram,
                                    widgets.HTML("<h4>Most common problems per exercise</h4>"), self.problems,
                                    widgets.HTML(f"<h4>Students</h4>{view.STYLE}Click a student to read their "
                                                 "feedback."),
                                    self.students_header, self.students, self.feedback],
                                   layout=widgets.Layout(display="none"))
        # What learners submitted with the notebook's Submit button, when the course runs the grading service.
        self.attempts = widgets.HTML("")
        self.attempts.add_class("gradlab-service-attempts")
        self.assemble(self.title, self.where, widgets.HBox([self.button, self.sample_button, self.bar]), self.status,
                      self.link, self.report, widgets.HTML("<h4>Submitted from the notebooks (the grading service)</h4>"),
                      self.attempts)
        self._say_what_is_found()
        self.show_attempts()

    def _say_what_is_found(self):
        """The line under the title: what will be graded, and where; the sample class offered if nothing is there."""
        from .sample import sample_folder, submissions_found

        if self.submissions:
            self.where.value = (f"Grades the notebooks in <code>{html.escape(str(self.submissions))}</code> "
                                f"{self.engine_line}.")
            return
        found = submissions_found(self.course, self.assignment)
        offer = not found and sample_folder(self.course, self.assignment) is not None
        self.where.value = view.found_line(found, self.assignment, self.engine_line, offer)
        self.sample_button.layout.display = "" if offer else "none"

    @guarded
    def load_sample_class(self):
        """Copy the sample class into the course's submitted/ (what the button "Load the sample class" does)."""
        from .sample import load_sample_class

        loaded = load_sample_class(self.course, self.assignment)
        self._say_what_is_found()
        self.status.value = view.sample_loaded(loaded)
        return loaded

    @guarded
    def show_attempts(self):
        """Read the grading service's attempts of this assignment again and show them."""
        from .service_attempts import attempts_table, read_attempts

        url = self.options["db_url"] or f"sqlite:///{os.path.join(self.course, 'gradebook.db')}"
        if self.options["db_url"] is None and not os.path.exists(url[len("sqlite:///"):]):
            self.attempts.value = attempts_table([])
            return
        self.attempts.value = attempts_table(read_attempts(url, self.assignment))

    @guarded
    def click(self):
        """Start grading in the background (what the button does); nothing if a run is in progress."""
        if self._thread is not None and self._thread.is_alive():
            return
        if not os.path.isdir(self.course):
            raise FileNotFoundError(f"course directory {self.course} does not exist")
        check_assignment(self.course, self.assignment)
        self.state, self.button.disabled, self.run = "grading", True, None
        self.report.layout.display = "none"
        self.status.value, self.bar.bar_style = "starting the cluster ...", "info"
        self._thread = threading.Thread(target=self._grade, name="gradlab-grading", daemon=True)
        self._thread.start()

    def wait(self, timeout=None):
        """Wait for the run started by click(); return its ClassRun (None if it failed: see `error`)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.run

    def _grade(self):
        from ..cluster.classroom import NoSubmissions, grade_class

        try:
            run = grade_class(self.course, self.assignment, self.submissions, stream=self.lines, dashboard=True,
                              on_progress=self._progress, on_cluster=self._cluster, **self.options)
            self._show_report(run)
            self.run, self.state = run, "done"
            self.show_attempts()
            self.clear_error()
        except NoSubmissions as error:  # not a failure: say what was found and what to do
            self._say_what_is_found()
            self.status.value = view.nothing_found(error, self.sample_button.layout.display != "none")
            self.state, self.bar.bar_style = "ready", "info"
            self.clear_error()
        except Exception as error:  # shown in the widget, where the instructor is looking
            self.show_error(error)
            self.state, self.bar.bar_style = "failed", "danger"
        finally:
            self.button.disabled = False
            self.dashboard_link, self.link.value = "", ""  # the local cluster is gone

    def _cluster(self, client):
        self.dashboard_link = engine.dashboard_link(client) or ""
        self.link.value = view.dashboard_link(self.dashboard_link)

    def _progress(self, progress):
        # The views first, then the traits: whoever observes a trait sees the widget as it now stands.
        self.bar.max, self.bar.value = max(progress.total, 1), progress.done
        self.bar.description = progress.phase
        self.bar.bar_style = "warning" if progress.failed else "info"
        self.status.value = view.progress_line(progress)
        self.phase, self.total = progress.phase, progress.total
        self.graded, self.failed, self.rate, self.eta = progress.graded, progress.failed, progress.rate, progress.eta

    def _show_report(self, run):
        from ..gradebook import class_report, class_results

        self.bar.bar_style = "danger" if run.failed else "success"
        if not run.graded and not run.failed:
            self.status.value = (f"Nothing new to grade: the {len(run.skipped)} submissions found are graded "
                                 "already (and unchanged since).")
        results = class_results.read_results(run.course, run.assignment, run.scores)
        maximum = sum(run.points.values())
        totals = [sum(v or 0 for v in row.values()) for row in run.scores.values()]
        self.summary.value = view.summary(run, totals, maximum)
        if run.scores:
            show_png(self.histogram, _png(class_report.score_histogram(totals, maximum)), "score distribution")
        self.problems.value = view.problems_table(class_results.problems_per_exercise(results), len(run.scores))
        header, rows = view.student_rows(run.scores, run.points)
        self.students_header.value = view.students_header(header, run.points)
        self.students.options = rows
        self.results = results
        self.students.value = None
        self.feedback.value = ""
        self.report.layout.display = ""

    @guarded
    def _show_feedback(self, student):
        if not student:
            return
        folder = os.path.join(self.course, "feedback", student, self.assignment)
        pages, images = {}, {}
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            path = os.path.join(folder, name)
            if name.endswith(".html"):
                with open(path, encoding="utf-8") as handle:
                    pages[name] = handle.read()
            elif name.lower().endswith(tuple(IMAGES)) and os.path.isfile(path):  # the figures the page shows by name
                with open(path, "rb") as handle:
                    data = base64.b64encode(handle.read()).decode()
                images[name] = f"data:{IMAGES[os.path.splitext(name.lower())[1]]};base64,{data}"
        self.student = student
        problems = sorted({p for r in self.results.get(student, {}).values() for p in r.get("problems") or []})
        self.feedback.value = view.feedback_frame(student, pages, problems, images)


def _png(figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")  # about 520 px: its labels read at 1280 px
    return buffer.getvalue()

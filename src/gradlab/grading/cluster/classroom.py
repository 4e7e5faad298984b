"""Grading a whole class on a Dask cluster (this machine's cores by default) into one gradebook (SQLite or
PostgreSQL), then a CSV and a class report. Resumable: an interrupted run picks up where it stopped.

nbgrader autogrades one submission after another into one database. Here this process, the coordinator, sends
the assignment's material to the workers once and each submission as data; a worker grades it with nbgrader's
own Autograde in a private gradebook and sends back the results, the autograded notebook and the feedback
page. Only the coordinator writes the course directory and the course's gradebook: each result is merged as it
arrives (many in one transaction when they arrive together) and noted in a journal, which a later run reads
to skip what is already graded.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field

from ..course import files as course_files, nbgrader_calls
from ..course.intake import SubmissionLimits
from . import dispatch, engine, material as materials, worker
from ..gradebook import scores as gradebook, db as gradebook_db
from ..gradebook.book import open_book
from .progress import Progress, ProgressBar
from .submissions import Journal, stage


@dataclass
class ClassRun:
    course: str
    assignment: str
    db_url: str = ""
    graded: list = field(default_factory=list)  # students autograded in this run
    skipped: list = field(default_factory=list)  # already graded, unchanged since
    failed: dict = field(default_factory=dict)  # student (as printed) -> error text: refused, or failed to grade
    feedback: int = 0  # feedback pages made in this run
    feedback_failed: dict = field(default_factory=dict)  # student -> error text
    seconds: float = 0.0  # the whole run
    autograde_seconds: float = 0.0  # from the first submission handed to a worker to the last one merged
    dashboard: str = ""  # Dask's dashboard, where the cluster has one
    csv: str = ""
    report: str = ""
    scores: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)


class NoSubmissions(LookupError):
    """No submission of the assignment where the class was looked for: nothing was graded or written."""

    def __init__(self, course, assignment, folder=None):
        self.course, self.assignment, self.folder = course, assignment, folder
        where = f"{folder} or in " if folder else ""
        super().__init__(f"no submission of {assignment} in {where}{os.path.join(course, 'submitted')} (nbgrader's "
                         f"layout: submitted/STUDENT/{assignment}/, as `nbgrader collect` leaves a class)")


def grade_class(course, assignment, submissions=None, *, workers=None, scheduler=None, db_url=None, force=False,
                feedback=True, report=True, stream=None, on_progress=None, on_cluster=None, dashboard=False):
    """Autograde every submission of `assignment` in `course`; see the module's docstring.

    workers: processes of the local cluster (default: one per core); scheduler: the address of an existing
    Dask cluster's scheduler instead; db_url: the gradebook (default: the course's, as nbgrader_config.py says);
    on_progress(Progress) after each submission; on_cluster(client) once the cluster is up.
    """
    started = time.perf_counter()
    engine.start_process_server(scheduler)
    listeners = [ProgressBar(stream if stream is not None else sys.stderr)] + ([on_progress] if on_progress else [])
    course = os.path.abspath(course)
    nbgrader_calls.ensure_tools_on_path()
    nbgrader_calls.quiet_nbgrader_warnings()
    default_url = nbgrader_calls.default_db_url(course)
    db_url = db_url or default_url
    gradebook_db.check_url(db_url)
    course_id = nbgrader_calls.course_id(course)
    limits = SubmissionLimits(config=nbgrader_calls.course_config(course))
    run = ClassRun(course, assignment, db_url)
    state = os.path.join(course, ".gradlab", assignment)
    os.makedirs(state, exist_ok=True)
    with _only_run(state):
        journal = Journal(os.path.join(state, _journal_name(db_url, default_url)))
        every, run.failed = stage(course, assignment, submissions, limits)
        if not every and not run.failed:
            raise NoSubmissions(course, assignment, submissions)
        todo = [s for s in every if force or not (journal.is_graded(s) and _autograded(course, assignment, s.student))]
        run.skipped = [s.student for s in every if s not in todo]
        missing = [s for s in every if feedback and s not in todo and not _has_feedback(course, assignment, s.student)]
        ensure_released(course, assignment, db_url, course_id)
        with open_book(db_url) as book:  # opened first: a gradebook it cannot write stops the run here
            if todo or missing:
                with engine.cluster(scheduler, min(workers or os.cpu_count() or 1, len(todo) + len(missing)),
                                    dashboard) as client:
                    warming = engine.on_every_worker(client, worker.warm_up)  # imports, while this one prepares
                    run.dashboard = engine.dashboard_link(client) or ""
                    if on_cluster:
                        on_cluster(client)
                    shared, cleanup, returned = _send_material(client, course, assignment, book)
                    try:
                        prior = book.prior(assignment)
                        phase = time.perf_counter()
                        _autograde_all(client, shared, run, book, todo, journal, prior, feedback, listeners, limits,
                                       returned)
                        run.autograde_seconds = time.perf_counter() - phase
                        _feedback_all(client, shared, run, book, missing, prior, listeners, limits, returned)
                    finally:
                        del warming
                        engine.forget_plugin(client, cleanup)
    _export(run, db_url, course_id, report)
    run.seconds = time.perf_counter() - started
    return run


def _send_material(client, course, assignment, book):
    """The assignment's material as a task's result, sent to the scheduler once (a task rather than scattered
    data: if every worker holding it dies, the scheduler makes it again from what it was sent), the name of
    the worker plugin that removes the workers' private courses when the run ends, and the names of the files
    that may go back to a student in feedback/ (see _returned_names)."""
    scratch = tempfile.mkdtemp(prefix="gradlab-material-")
    try:
        material = materials.prepare(course, assignment, book, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    name = f"gradlab-cleanup-{material.digest[:16]}"
    client.register_plugin(worker.Cleanup(material.digest), name=name)
    return (client.submit(worker.keep, material, key=f"material-{material.digest[:16]}", pure=False), name,
            _returned_names(material.files, assignment))


def _returned_names(material_files, assignment):
    """What nbgrader's feedback folder may hold that goes back to the student: each notebook's page and the files
    the assignment releases (source/ASSIGNMENT/, as nbgrader copies it). nbgrader also copies every other file of
    the submission there; those were the student's to begin with, and are not returned."""
    prefix = f"source/{assignment}/"
    names = {name[len(prefix):] for name in material_files if name.startswith(prefix)}
    return {name[: -len(".ipynb")] + ".html" if name.endswith(".ipynb") else name for name in names}


def ensure_released(course, assignment, db_url, course_id):
    """Generate the assignment (release/ and the gradebook entries) if it has not been generated yet."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as book:
        try:
            known = len(book.find_assignment(assignment).notebooks) > 0
        except MissingEntry:
            known = False
    if not known or not os.path.isdir(os.path.join(course, "release", assignment)):
        ok, error = nbgrader_calls.generate_assignment(course, assignment, db_url)
        if not ok:
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed: {error}")


def _autograde_all(client, shared, run, book, todo, journal, prior, feedback, listeners, limits, returned):
    progress = Progress("autograde", len(todo))

    def job(submission):  # read again, as staged: a file changed since is refused, never followed
        return {"student": submission.student, "files": course_files.read_submission(submission.folder, limits),
                "feedback": feedback, "prior": prior.get(submission.student)}

    def arrived(outcomes):
        with book.transaction():  # the whole batch in one commit, each submission under a savepoint of its own
            unmerged = book.merge_each(run.assignment, [(o.job.student, o.value["result"]) for o in outcomes
                                                        if o.value is not None and "refused" not in o.value])
        for outcome in outcomes:
            if outcome.value is not None and "refused" in outcome.value:
                outcome.value, outcome.error = None, outcome.value["refused"]
        merged = []
        for outcome in outcomes:
            student = outcome.job.student
            if outcome.value is not None and student not in unmerged:
                merged.append(outcome)
                continue
            run.failed[student] = unmerged.get(student) or outcome.error
            progress.advance(f"{student} FAILED", ok=False)
            _tell(listeners, progress)
        for outcome in merged:  # the gradebook has them: now their files, then the journal
            _write_returned(run, outcome.job.student, outcome.value, returned)
            run.graded.append(outcome.job.student)
        journal.record_many([(o.job, o.value["seconds"]) for o in merged])
        for outcome in merged:
            progress.advance(f"{outcome.job.student} ({outcome.value['seconds']:.1f} s)")
            _tell(listeners, progress)

    dispatch.run(client, worker.autograde, shared, todo, job, arrived, name="autograde")


def _feedback_all(client, shared, run, book, students, prior, listeners, limits, returned):
    """Feedback for submissions graded in an earlier run (with --no-feedback, or before feedback was wanted)."""
    progress = Progress("feedback", len(students))

    def job(submission):
        student = submission.student
        return {"student": student, "result": book.extract(run.assignment, student), "prior": prior.get(student),
                "autograded": course_files.read_submission(_folder(run, "autograded", student), limits)}

    def arrived(outcomes):
        for outcome in outcomes:
            student = outcome.job.student
            if outcome.value is not None:
                _write_returned(run, student, outcome.value, returned)
            else:
                run.feedback_failed[student] = outcome.error
            progress.advance(student, ok=outcome.value is not None)
            _tell(listeners, progress)

    dispatch.run(client, worker.feedback, shared, students, job, arrived, name="feedback")


def _write_returned(run, student, value, returned):
    """The autograded notebook and the feedback page, as the worker sent them, into the course directory; of
    the feedback folder, only the pages and the assignment's released files (`returned`)."""
    if value.get("autograded") is not None:
        course_files.write_folder(_folder(run, "autograded", student), value["autograded"])
    if value.get("feedback") is not None:
        course_files.write_folder(_folder(run, "feedback", student),
                                  {name: data for name, data in value["feedback"].items() if name in returned})
        run.feedback += 1
    elif value.get("feedback_error"):
        run.feedback_failed[student] = value["feedback_error"]


def _tell(listeners, progress):
    for listener in listeners:
        listener(progress)


def _folder(run, kind, student):
    return os.path.join(run.course, kind, student, run.assignment)


def _journal_name(db_url, default_url):
    """The journal of what reached this gradebook: one per gradebook, so that grading into another database
    does not skip what only the first one holds."""
    if db_url == default_url:
        return "journal.jsonl"
    return f"journal-{hashlib.sha256(db_url.encode()).hexdigest()[:12]}.jsonl"


@contextlib.contextmanager
def _only_run(state):
    """One grading run per assignment at a time: two would both write the same students' results."""
    with open(os.path.join(state, "lock"), "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RuntimeError(f"another grading run of this assignment is in progress ({state}/lock)") from None
        yield


def _export(run, db_url, course_id, report):
    """The per-exercise CSV (exports/) and the class report (reports/), from the course's gradebook."""
    run.scores, run.points = gradebook.read_scores(db_url, run.assignment, course_id)
    run.csv = os.path.join(run.course, "exports", f"{run.assignment}_scores.csv")
    os.makedirs(os.path.dirname(run.csv), exist_ok=True)
    gradebook.write_csv(run.csv, run.scores, run.points)
    if report:
        from ..gradebook import class_report  # matplotlib: imported only when a report is wanted

        problems = class_report.problems_by_student(run.course, run.assignment, run.scores)
        run.report = class_report.write_report(os.path.join(run.course, "reports", f"{run.assignment}.html"),
                                               run.assignment, run.scores, run.points, problems, run.failed)


def _autograded(course, assignment, student):
    return os.path.isdir(os.path.join(course, "autograded", student, assignment))


def _has_feedback(course, assignment, student):
    return os.path.isdir(os.path.join(course, "feedback", student, assignment))

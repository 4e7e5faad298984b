"""Grading a whole class: autograde in parallel on all cores, keep one consistent gradebook, export a CSV,
render feedback and write a class report. Resumable: an interrupted run picks up where it stopped.

nbgrader autogrades one submission after another, and its gradebook is one database. Here each worker process
autogrades submissions with nbgrader's own Autograde in a private copy of the gradebook and returns the
results as data; this process writes them into the course's gradebook one at a time, as they arrive, and
notes each in a journal. Feedback is rendered afterwards, in parallel, from the course's gradebook.
"""
from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from . import gradebook, merge, nbgrader_calls, worker
from .progress import ProgressBar
from .submissions import Journal, stage


@dataclass
class ClassRun:
    course: str
    assignment: str
    graded: list = field(default_factory=list)  # students autograded in this run
    skipped: list = field(default_factory=list)  # already graded, unchanged since
    failed: dict = field(default_factory=dict)  # student -> error text
    seconds: float = 0.0  # the whole run
    autograde_seconds: float = 0.0  # from the first submission handed to a worker to the last one merged
    csv: str = ""
    report: str = ""
    feedback: int = 0
    scores: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)


def _context():
    # fork shares the instructor process's imports (nbgrader takes seconds to import); spawn elsewhere.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") and "fork" in methods else "spawn")


def _preload():
    """Import what every worker needs before the workers are forked, so that they share it instead of each
    paying nbgrader's import time (seconds) again."""
    import nbconvert.exporters  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    from . import preprocessor  # noqa: F401


def _ensure_released(course, assignment, db_url, course_id):
    """Generate the assignment (release/ and the gradebook entries) if it has not been generated yet."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as book:
        try:
            known = len(book.find_assignment(assignment).notebooks) > 0
        except MissingEntry:
            known = False
    if not known or not os.path.isdir(os.path.join(course, "release", assignment)):
        ok, error = nbgrader_calls.generate_assignment(course, assignment)
        if not ok:
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed: {error}")


def grade_class(course, assignment, submissions=None, *, workers=None, force=False, feedback=True, report=True,
                stream=None):
    """Autograde every submission of `assignment` in `course`; see the module's docstring."""
    started = time.perf_counter()
    stream = stream if stream is not None else sys.stderr
    course = os.path.abspath(course)
    nbgrader_calls.ensure_tools_on_path()
    nbgrader_calls.quiet_nbgrader_warnings()
    db_url, course_id = nbgrader_calls.default_db_url(course), nbgrader_calls.course_id(course)
    _ensure_released(course, assignment, db_url, course_id)
    _preload()
    run = ClassRun(course, assignment)
    state = os.path.join(course, ".gradlab", assignment)
    os.makedirs(state, exist_ok=True)
    with _only_run(state):
        journal = Journal(os.path.join(state, "journal.jsonl"))
        every = stage(course, assignment, submissions)
        todo = [s for s in every if force or not (journal.is_graded(s) and _autograded(course, assignment, s.student))]
        run.skipped = [s.student for s in every if s not in todo]
        workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
        workdir = _scratch_folder(state)
        try:
            template = merge.snapshot(db_url, os.path.join(workdir, "template.db"))
            with ProcessPoolExecutor(workers, mp_context=_context(), initializer=worker.start,
                                     initargs=(course, template, workdir)) as pool:
                phase = time.perf_counter()
                _autograde_all(pool, run, todo, journal, db_url, stream)
                run.autograde_seconds = time.perf_counter() - phase
                if feedback:
                    wanted = [s.student for s in every if s.student not in run.failed and (
                        s.student in run.graded or not _has_feedback(course, assignment, s.student))]
                    run.feedback = _feedback_all(pool, run, wanted, db_url, stream)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    _export(run, db_url, course_id, report)
    run.seconds = time.perf_counter() - started
    return run


def _scratch_folder(state):
    """The run's scratch folder (the workers' private gradebooks and logs): in memory where the machine has
    /dev/shm, because nbgrader commits a dozen times per submission and a private copy needs no disk sync."""
    memory = "/dev/shm"
    where = memory if os.path.isdir(memory) and os.access(memory, os.W_OK) else state
    return tempfile.mkdtemp(prefix="gradlab-run-", dir=where)


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
        from . import class_report  # matplotlib: imported only when a report is wanted

        problems = class_report.problems_by_student(run.course, run.assignment, run.scores)
        run.report = class_report.write_report(os.path.join(run.course, "reports", f"{run.assignment}.html"),
                                               run.assignment, run.scores, run.points, problems)


def _autograde_all(pool, run, todo, journal, db_url, stream):
    bar = ProgressBar(len(todo), "autograde", stream)
    with merge.open_course_gradebook(db_url) as book:  # opened first: a gradebook it cannot write stops the run here
        futures = {pool.submit(worker.autograde, run.assignment, s.student): s for s in todo}
        try:
            for future in as_completed(futures):
                submission, outcome = futures[future], future.result()
                if outcome["ok"]:
                    merge.merge(book, run.assignment, submission.student, outcome["result"])
                    journal.record(submission, outcome["seconds"])
                    run.graded.append(submission.student)
                else:
                    run.failed[submission.student] = outcome["error"]
                bar.advance(f"{submission.student} {'' if outcome['ok'] else 'FAILED '}({outcome['seconds']:.1f} s)")
        except BaseException:
            # Ctrl-C or a broken worker: what was merged stays merged (and journaled); the rest waits for a re-run.
            for future in futures:
                future.cancel()
            raise


def _feedback_all(pool, run, students, db_url, stream):
    bar = ProgressBar(len(students), "feedback", stream)
    futures = [pool.submit(worker.feedback, run.assignment, student, db_url) for student in students]
    made = 0
    for future in as_completed(futures):
        outcome = future.result()
        made += outcome["ok"]
        bar.advance(outcome["student"])
    return made


def _autograded(course, assignment, student):
    return os.path.isdir(os.path.join(course, "autograded", student, assignment))


def _has_feedback(course, assignment, student):
    return os.path.isdir(os.path.join(course, "feedback", student, assignment))

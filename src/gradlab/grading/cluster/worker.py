"""What a Dask worker does: grade one submission, given as data, in a private course of its own, and hand back
data: the results for the gradebook, the autograded notebook and the feedback page.

The private course is made from the assignment's material (material.py) the first time a worker sees it:
nbgrader_config.py, exercises/ and source/ASSIGNMENT/, and a template gradebook. Each submission starts from
a fresh copy of that gradebook. nbgrader's own Autograde and GenerateFeedback run on it with the course's
configuration, so the student's code runs, as always, only in the sandboxed children of the grading
preprocessor. The worker needs gradlab installed, and nothing of the coordinator's machine.
"""
from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
import time

# See __main__.py: jsonschema's optional IRI parsers cost seconds at import and nothing in grading uses them.
# A worker is a process of Dask's, so it declines them here, before this module imports nbformat.
sys.modules.setdefault("rfc3987_syntax", None)

from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402

from ..course import files as course_files, nbgrader_calls
from ..course.intake import REFUSAL
from ..gradebook.book import GradebookSQL  # noqa: E402
from . import nbgrader_shortcuts  # noqa: E402

# One submission at a time per process: the grading preprocessor's fork server and nbgrader's converters are
# not shared between threads. Workers are meant to run with one thread each (--nthreads 1).
_LOCK = threading.Lock()
_COURSES = {}  # material digest -> PrivateCourse, in this process


class Cleanup(WorkerPlugin):
    """A Dask worker plugin, one per run: when the run ends (or the worker closes), the run's private course goes.
    (Workers of a local cluster end without running atexit handlers.)"""

    def __init__(self, digest):
        self.digest = digest

    def teardown(self, worker=None):
        course = _COURSES.pop(self.digest, None)
        if course is not None:
            course.remove()


class GradingFailed(RuntimeError):
    """nbgrader could not grade the submission; the message says why, from nbgrader's log."""


def keep(material):
    """The task that holds the material on the cluster. (Task functions live here, in a module that imports
    nbgrader only when grading starts: a worker unpickles them while warm_up may be importing nbgrader in
    another thread, and two threads importing nbgrader's modules at once can meet halfway.)"""
    return material


def warm_up():
    """Import what grading needs (nbgrader takes seconds to import), while the coordinator prepares the run."""
    nbgrader_calls.quiet_nbgrader_warnings()
    import nbconvert.exporters  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    from ..course import preprocessor  # noqa: F401
    return os.getpid()


class PrivateCourse:
    """A course folder of this worker's: the material's files, and a gradebook copied from the template for
    each submission. In memory (/dev/shm) where the machine has it: nbgrader commits a dozen times per
    submission, and nothing here needs to survive the process."""

    def __init__(self, material):
        nbgrader_calls.quiet_nbgrader_warnings()
        memory = "/dev/shm"
        where = memory if os.path.isdir(memory) and os.access(memory, os.W_OK) else tempfile.gettempdir()
        _sweep(where)
        self.root = tempfile.mkdtemp(prefix=f"gradlab-worker-{os.getpid()}-", dir=where)
        atexit.register(shutil.rmtree, self.root, True)
        self.assignment = material.assignment
        for name, data in material.files.items():
            path = os.path.join(self.root, *name.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
        self.template = os.path.join(self.root, ".template.db")
        with open(self.template, "wb") as handle:
            handle.write(material.gradebook)
        self.gradebook = os.path.join(self.root, "gradebook.db")
        self.db_url = "sqlite:///" + self.gradebook
        # No pool: the file is replaced for every submission, and a connection must never outlive its file.
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.engine = create_engine(self.db_url, poolclass=NullPool)
        self.assignments = {}  # the template's assignment as GradebookSQL reads it: the same in every copy
        nbgrader_shortcuts.register(self.db_url, self.engine)  # nbgrader opens it nine times a submission

    def remove(self):
        nbgrader_shortcuts.forget(self.db_url)
        self.engine.dispose()
        shutil.rmtree(self.root, ignore_errors=True)

    def folder(self, kind, student):
        return os.path.join(self.root, kind, student, self.assignment)

    def fresh(self, student):
        """A new gradebook, and no trace of an earlier submission: the course holds this student alone (nbgrader
        looks for submissions with patterns, and would grade whatever else it found)."""
        shutil.copyfile(self.template, self.gradebook)
        for kind in ("submitted", "autograded", "feedback"):
            shutil.rmtree(os.path.join(self.root, kind), ignore_errors=True)

    @contextlib.contextmanager
    def book(self):
        with self.engine.connect() as connection:
            yield GradebookSQL(connection, self.assignments)


def _sweep(where):
    """Remove the private courses of workers that are gone (killed: they could not remove their own)."""
    for name in os.listdir(where):
        parts = name.split("-")
        if name.startswith("gradlab-worker-") and len(parts) >= 4 and parts[2].isdigit():
            try:
                os.kill(int(parts[2]), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(where, name), ignore_errors=True)
            except OSError:
                pass  # alive, another user's


def _course(material):
    if material.digest not in _COURSES:
        while len(_COURSES) >= 4:  # a long-lived worker of a shared cluster: keep the latest runs' courses only
            _COURSES.pop(next(iter(_COURSES))).remove()
        _COURSES[material.digest] = PrivateCourse(material)
    return _COURSES[material.digest]


def autograde(material, job):
    """Autograde one submission: job = {student, files: {path: bytes}, feedback: bool, prior: merge's prior or
    None}. Returns {student, result, autograded, feedback, feedback_error, seconds}, or {student, refused,
    seconds} when the course's limits refuse it; raises GradingFailed when nbgrader cannot grade it."""
    started = time.perf_counter()
    with _LOCK:
        course, student = _course(material), job["student"]
        course.fresh(student)
        course_files.write_folder(course.folder("submitted", student), job["files"])
        if job.get("prior"):
            with course.book() as book, book.transaction():
                book.apply_extension(course.assignment, student, job["prior"])
        with _captured_log(student) as log:
            ok, error = nbgrader_calls.autograde(course.root, course.assignment, student, course.db_url, log.logger)
        if not ok and log.refusals:  # over a limit or past a deadline (course/exporters.py): final, no retry
            return {"student": student, "refused": log.refusals[0], "seconds": time.perf_counter() - started}
        if not ok:
            raise GradingFailed(f"{error}\n{log.text()}".strip())
        with course.book() as book:
            result = book.extract(course.assignment, student)
        outcome = {"student": student, "result": result,
                   "autograded": course_files.read_folder(course.folder("autograded", student))}
        outcome.update(_feedback(course, student, job.get("prior")) if job.get("feedback") else
                       {"feedback": None, "feedback_error": ""})
    return dict(outcome, seconds=time.perf_counter() - started)


def feedback(material, job):
    """Render the feedback of a submission graded earlier: job = {student, result (merge's extract, from the
    course's gradebook), autograded: {path: bytes}, prior}. Returns {student, feedback, feedback_error,
    seconds}."""
    started = time.perf_counter()
    with _LOCK:
        course, student = _course(material), job["student"]
        course.fresh(student)
        with course.book() as book, book.transaction():
            book.merge(course.assignment, student, job["result"])
        course_files.write_folder(course.folder("autograded", student), job["autograded"])
        outcome = dict(_feedback(course, student, job.get("prior")), student=student)
    return dict(outcome, seconds=time.perf_counter() - started)


def _feedback(course, student, prior):
    """nbgrader's GenerateFeedback on the private gradebook, with what a person gave (manual scores and
    comments, extra credit) written in first, as the course's gradebook holds it."""
    if prior:
        with course.book() as book, book.transaction():
            book.apply_manual(course.assignment, student, prior)
    with _captured_log(student) as log:
        ok, error = nbgrader_calls.generate_feedback(course.root, course.assignment, student, course.db_url, log.logger)
    if not ok:
        return {"feedback": None, "feedback_error": f"{error}\n{log.text()}".strip()}
    return {"feedback": course_files.read_folder(course.folder("feedback", student)), "feedback_error": ""}


class _captured_log:
    """nbgrader's warnings and errors about one submission, kept to explain a failure."""

    def __init__(self, student):
        self.buffer = io.StringIO()
        self.logger = logging.getLogger(f"gradlab.grading.cluster.worker.{os.getpid()}.{student}")
        self.refusals = []  # the messages of refusals logged (exporters.REFUSAL)

    def __enter__(self):
        self.logger.propagate = False
        self.logger.setLevel(logging.WARNING)
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        self.handler.addFilter(self._note_refusal)
        self.logger.addHandler(self.handler)
        return self

    def _note_refusal(self, record):
        if hasattr(record, REFUSAL):
            self.refusals.append(getattr(record, REFUSAL))
        return True

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        logging.Logger.manager.loggerDict.pop(self.logger.name, None)  # one logger per submission: let it go

    def text(self, lines=20):
        return "\n".join(self.buffer.getvalue().splitlines()[-lines:])

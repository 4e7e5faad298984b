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

from . import course_files, merge, nbgrader_calls  # noqa: E402

# One submission at a time per process: the grading preprocessor's fork server and nbgrader's converters are
# not shared between threads. Workers are meant to run with one thread each (--nthreads 1).
_LOCK = threading.Lock()
_COURSES = {}  # material digest -> PrivateCourse, in this process


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

    from . import preprocessor  # noqa: F401
    return os.getpid()


class PrivateCourse:
    """A course folder of this worker's: the material's files, and a gradebook copied from the template for
    each submission. In memory (/dev/shm) where the machine has it: nbgrader commits a dozen times per
    submission, and nothing here needs to survive the process."""

    def __init__(self, material):
        memory = "/dev/shm"
        where = memory if os.path.isdir(memory) and os.access(memory, os.W_OK) else None
        self.root = tempfile.mkdtemp(prefix="gradlab-worker-", dir=where)
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

    def folder(self, kind, student):
        return os.path.join(self.root, kind, student, self.assignment)

    def fresh(self, student):
        """A new gradebook, and no trace of an earlier submission of this student."""
        shutil.copyfile(self.template, self.gradebook)
        for kind in ("submitted", "autograded", "feedback"):
            shutil.rmtree(os.path.join(self.root, kind, student), ignore_errors=True)

    def book(self):
        return merge.open_book(self.db_url)


def _course(material):
    if material.digest not in _COURSES:
        while len(_COURSES) >= 4:  # a long-lived worker of a shared cluster: keep the latest runs' courses only
            shutil.rmtree(_COURSES.pop(next(iter(_COURSES))).root, ignore_errors=True)
        _COURSES[material.digest] = PrivateCourse(material)
    return _COURSES[material.digest]


def autograde(material, job):
    """Autograde one submission: job = {student, files: {path: bytes}, feedback: bool, prior: merge's prior or
    None}. Returns {student, result, autograded, feedback, feedback_error, seconds, cpu}; raises
    GradingFailed when nbgrader cannot grade it."""
    with _LOCK, _Measured() as measured:
        course, student = _course(material), job["student"]
        course.fresh(student)
        course_files.write_folder(course.folder("submitted", student), job["files"])
        if job.get("prior"):
            with course.book() as book, book.transaction():
                book.apply_extension(course.assignment, student, job["prior"])
        with _captured_log(student) as log:
            ok, error = nbgrader_calls.autograde(course.root, course.assignment, student, course.db_url, log.logger)
        if not ok:
            raise GradingFailed(f"{error}\n{log.text()}".strip())
        with course.book() as book:
            result = book.extract(course.assignment, student)
        outcome = {"student": student, "result": result,
                   "autograded": course_files.read_folder(course.folder("autograded", student))}
        outcome.update(_feedback(course, student, job.get("prior")) if job.get("feedback") else
                       {"feedback": None, "feedback_error": ""})
    return dict(outcome, seconds=measured.seconds, cpu=measured.cpu)


def feedback(material, job):
    """Render the feedback of a submission graded earlier: job = {student, result (merge's extract, from the
    course's gradebook), autograded: {path: bytes}, prior}. Returns {student, feedback, feedback_error,
    seconds, cpu}."""
    with _LOCK, _Measured() as measured:
        course, student = _course(material), job["student"]
        course.fresh(student)
        with course.book() as book, book.transaction():
            book.merge(course.assignment, student, job["result"])
        course_files.write_folder(course.folder("autograded", student), job["autograded"])
        outcome = dict(_feedback(course, student, job.get("prior")), student=student)
    return dict(outcome, seconds=measured.seconds, cpu=measured.cpu)


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
        self.logger = logging.getLogger(f"gradlab.grading.worker.{os.getpid()}.{student}")

    def __enter__(self):
        self.logger.propagate = False
        self.logger.setLevel(logging.WARNING)
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        logging.Logger.manager.loggerDict.pop(self.logger.name, None)  # one logger per submission: let it go

    def text(self, lines=20):
        return "\n".join(self.buffer.getvalue().splitlines()[-lines:])


class _Measured:
    """Wall-clock and CPU seconds of one submission, the sandboxed children's included (this process and its
    descendants: the fork server reaps the children, so their time shows in its children's times)."""

    def __enter__(self):
        self.started, self.cpu0 = time.perf_counter(), _tree_cpu()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.cpu = _tree_cpu() - self.cpu0


def _tree_cpu():
    import psutil  # Dask's own dependency

    me = psutil.Process()
    total = sum(me.cpu_times()[:4])  # user, system, and those of the children it reaped
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:4])
        except psutil.Error:
            pass  # ended meanwhile: its time is in its parent's children's times
    return total

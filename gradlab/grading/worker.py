"""What a worker process does: autograde one submission at a time in its own private gradebook and hand the
results back as plain data; later, render feedback from the course's gradebook.

A worker is an ordinary process of the instructor's machine running nbgrader's own converters; the student's
code still runs only in the sandboxed children that the grading preprocessor starts.
"""
from __future__ import annotations

import logging
import multiprocessing.util
import os
import shutil
import time
import traceback

from . import launch, merge, nbgrader_calls

_STATE = {}


def start(course, template, workdir):
    """Initializer of each worker: a private copy of the gradebook and a log file of its own."""
    nbgrader_calls.quiet_nbgrader_warnings()
    # Stop this worker's fork server when the worker ends (workers leave through os._exit, not atexit).
    multiprocessing.util.Finalize(None, launch.close_servers, exitpriority=10)
    private = os.path.join(workdir, f"gradebook-{os.getpid()}.db")
    shutil.copyfile(template, private)
    log = logging.getLogger(f"gradlab.grading.worker.{os.getpid()}")
    log.propagate = False
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(os.path.join(workdir, f"worker-{os.getpid()}.log"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    _STATE.update(course=course, private_url="sqlite:///" + private, log=log)


def autograde(assignment, student):
    """Autograde one submission; return {student, ok, error, result, seconds} (result: merge.extract's data)."""
    started = time.perf_counter()
    log = _STATE["log"]
    try:
        ok, error = nbgrader_calls.autograde(_STATE["course"], assignment, student, _STATE["private_url"], log)
        result = merge.extract(_STATE["private_url"], assignment, student) if ok else None
    except Exception:  # a bug or an unreadable notebook: this submission fails, the class goes on
        ok, error, result = False, traceback.format_exc(limit=3), None
        log.error("autograding %s failed:\n%s", student, error)
    return {"student": student, "ok": ok, "error": error, "result": result,
            "seconds": time.perf_counter() - started}


def feedback(assignment, student, db_url):
    """Render one student's feedback from the course's gradebook (read only)."""
    started = time.perf_counter()
    try:
        ok, error = nbgrader_calls.generate_feedback(_STATE["course"], assignment, student, db_url, _STATE["log"])
    except Exception:
        ok, error = False, traceback.format_exc(limit=3)
        _STATE["log"].error("feedback for %s failed:\n%s", student, error)
    return {"student": student, "ok": ok, "error": error, "seconds": time.perf_counter() - started}

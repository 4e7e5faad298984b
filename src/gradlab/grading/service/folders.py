"""The counting attempt of each learner in the course folder, where nbgrader's formgrader and commands look:
submitted/STUDENT/ASSIGNMENT/ (the notebook and its timestamp.txt), autograded/STUDENT/ASSIGNMENT/ and
feedback/STUDENT/ASSIGNMENT/, as the class command leaves them.

Files cannot be in the database's transaction, so they follow it: after a merge, and at every start for any
learner whose files are behind, the files of whatever attempt the database says counts are written, under a lock
on the learner (several processes may share the course folder), with a note of which attempt they are.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import zlib

from sqlalchemy import select

from ..course import files as course_files
from . import catalog, tables
from .record import unpack


def _state(course, *parts):
    return os.path.join(course, ".gradlab", "service", *parts)


@contextlib.contextmanager
def _locked(course, assignment, student):
    folder = _state(course, "files", assignment)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{student}.lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield os.path.join(folder, f"{student}.attempt")


def sync(course, store, assignments, assignment, student):
    """Write the learner's counting attempt into the course folder if the folder holds another; whether it did."""
    a, c = tables.attempt, tables.counted
    with _locked(course, assignment, student) as note:
        with store.reading() as connection:
            row = connection.execute(
                select(a.c.id, a.c.notebook, a.c.received, a.c.files)
                .join(c, c.c.attempt == a.c.id)
                .where(c.c.assignment == assignment, c.c.student == student)).first()
        if row is None or _read(note) == row.id:
            return False
        notebook = assignments[assignment].notebook
        course_files.write_folder(os.path.join(course, "submitted", student, assignment), {
            notebook: zlib.decompress(row.notebook),
            "timestamp.txt": catalog.nbgrader_timestamp(row.received).encode()})
        for kind in ("autograded", "feedback"):
            found = unpack(row.files, kind)
            if found:
                course_files.write_folder(os.path.join(course, kind, student, assignment), found)
        with open(note + ".new", "w") as handle:
            handle.write(row.id)
        os.replace(note + ".new", note)
        return True


def sync_all(course, store, assignments):
    """Bring every learner's files up to their counting attempt (after a process stopped between a merge and its
    files); how many were written."""
    c = tables.counted
    with store.reading() as connection:
        pairs = connection.execute(select(c.c.assignment, c.c.student, c.c.attempt)
                                   .where(c.c.assignment.in_(list(assignments)), c.c.attempt.is_not(None))).all()
    written = 0
    for assignment, student, attempt in pairs:
        if _read(_state(course, "files", assignment, f"{student}.attempt")) != attempt:
            written += sync(course, store, assignments, assignment, student)
    return written


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None

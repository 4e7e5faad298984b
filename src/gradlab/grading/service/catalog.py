"""The assignments the service takes, as it needs them: each one's notebook name, its cells (to tell its
notebook from another assignment's), its test cells and their points (in notebook order), and its due date.

Read at start from the course's source/ and its gradebook, after making sure every assignment is generated in the
gradebook (as the class command does: `nbgrader generate_assignment` where it is missing). Due dates and
extensions are read from the gradebook when a submission arrives, so an instructor's change takes effect at once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import nbformat


@dataclass(frozen=True)
class Assignment:
    name: str
    notebook: str  # its one notebook's file name
    cells: frozenset  # every nbgrader cell id of the source notebook
    tests: tuple  # (grade id, points) of its graded cells, in notebook order


def read(course, db_url, wanted=()):
    """{name: Assignment} for `wanted` (default: every assignment in source/ with exactly one notebook)."""
    from ..cluster.classroom import ensure_released
    from ..course import nbgrader_calls

    source = os.path.join(course, "source")
    names = list(wanted) or sorted(n for n in os.listdir(source) if _one_notebook(os.path.join(source, n)))
    found = {}
    for name in names:
        folder = os.path.join(source, name)
        if not os.path.isdir(folder):
            raise ValueError(f"c.GradingService.assignments names {name!r}, which is not in {source}")
        notebooks = sorted(f for f in os.listdir(folder) if f.endswith(".ipynb"))
        if len(notebooks) != 1:
            raise ValueError(f"{folder} holds {len(notebooks)} notebooks: the service takes one-notebook assignments "
                             "(a submission is one notebook)")
        ensure_released(course, name, db_url, nbgrader_calls.course_id(course))
        found[name] = _describe(name, os.path.join(folder, notebooks[0]))
    if not found:
        raise ValueError(f"no assignment with one notebook in {source}")
    return found


def ensure_gradebook(course, db_url):
    """Create nbgrader's gradebook at `db_url` if there is none yet (as nbgrader's commands do), before the
    service adds its tables beside nbgrader's."""
    from nbgrader.api import Gradebook

    from ..course import nbgrader_calls

    nbgrader_calls.ensure_tools_on_path()
    with Gradebook(db_url, nbgrader_calls.course_id(course)):
        pass


def _one_notebook(folder):
    return os.path.isdir(folder) and len([f for f in os.listdir(folder) if f.endswith(".ipynb")]) == 1


def _describe(name, path):
    notebook = nbformat.read(path, as_version=4)
    cells, tests = set(), []
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id"):
            cells.add(meta["grade_id"])
            if meta.get("grade"):
                tests.append((meta["grade_id"], float(meta.get("points", 0))))
    return Assignment(name, os.path.basename(path), frozenset(cells), tuple(tests))


def due(connection, assignment, student):
    """The learner's due date (nbgrader's duedate plus their extension) as seconds since the epoch, or None."""
    from sqlalchemy import select

    from ..gradebook import db as gradebook_db

    t = gradebook_db.tables()
    a, s = t["assignment"], t["submitted_assignment"]
    row = connection.execute(select(a.c.id, a.c.duedate).where(a.c.name == assignment)).first()
    if row is None or row.duedate is None:
        return None
    extension = connection.execute(select(s.c.extension).where(s.c.assignment_id == row.id,
                                                               s.c.student_id == student)).scalar()
    when = row.duedate + (extension or timedelta(0))  # nbgrader stores naive UTC
    return when.replace(tzinfo=timezone.utc).timestamp()


def nbgrader_timestamp(seconds):
    """A time as nbgrader's exchange writes timestamp.txt (read back with nbgrader.utils.parse_utc)."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def iso(seconds):
    return None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc).isoformat()

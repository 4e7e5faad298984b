"""Moving one submission's autograde results from a worker's private gradebook into the course's gradebook.

Workers autograde in private copies of the gradebook, so that no two processes ever write the same database;
the instructor process copies each result into the course's gradebook, one at a time. Only what autograding
writes is copied (auto scores, auto comments, the submission's timestamp and late penalty): manual scores,
manual comments and extra credit already in the course's gradebook are kept, as `nbgrader autograde` keeps them.

Both sides speak SQL to nbgrader's tables directly: through nbgrader's ORM, reading a result back and writing
it again cost about as much CPU as autograding a small submission, on the cores the workers need. The tables
are those of one schema version, checked before a run starts (`open_course_gradebook`).
"""
from __future__ import annotations

import contextlib
import sqlite3
import uuid

SCHEMA = "e43177bfe90b"  # nbgrader 0.9's gradebook (its alembic revision), the one these statements are written for


def snapshot(db_url, path):
    """Copy a SQLite gradebook to `path` (with SQLite's backup API: consistent even if someone is writing)."""
    with sqlite3.connect(_path(db_url)) as origin, sqlite3.connect(path) as copy:
        origin.backup(copy)
    return path


def sqlite_path(db_url):
    prefix = "sqlite:///"
    return db_url[len(prefix):] if db_url.startswith(prefix) else None


def _path(db_url):
    path = sqlite_path(db_url)
    if path is None:
        raise ValueError(f"parallel grading copies the gradebook, which needs SQLite (nbgrader's default); got {db_url}")
    return path


@contextlib.contextmanager
def open_course_gradebook(db_url):
    """A connection to the course's gradebook, after checking that its schema is the one merge() writes."""
    connection = sqlite3.connect(_path(db_url), timeout=60)  # formgrader may hold a lock for a moment
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        if rows != [(SCHEMA,)]:
            raise RuntimeError(f"the gradebook {db_url} has schema {rows}, not nbgrader 0.9's {SCHEMA}: "
                               "grade it with `nbgrader autograde`, or upgrade it with `nbgrader db upgrade`")
        yield connection
    finally:
        connection.close()


def extract(db_url, assignment, student):
    """The autograde results of one submission, as plain data."""
    with contextlib.closing(sqlite3.connect(f"file:{_path(db_url)}?mode=ro", uri=True)) as db:
        found = db.execute("SELECT s.id, s.timestamp FROM submitted_assignment s JOIN assignment a "
                           "ON a.id = s.assignment_id WHERE a.name = ? AND s.student_id = ?",
                           (assignment, student)).fetchone()
        if found is None:
            raise LookupError(f"no submission of {assignment!r} by {student!r} in {db_url}")
        submission, timestamp = found
        result = {"timestamp": timestamp, "notebooks": {}}  # SQLAlchemy's text form of a DateTime, kept as it is
        for notebook, name, penalty in db.execute(
                "SELECT s.id, n.name, s.late_submission_penalty FROM submitted_notebook s JOIN notebook n "
                "ON n.id = s.notebook_id WHERE s.assignment_id = ?", (submission,)).fetchall():
            result["notebooks"][name] = {
                "late_submission_penalty": penalty,
                "grades": dict(db.execute("SELECT c.name, g.auto_score FROM grade g JOIN base_cell c "
                                          "ON c.id = g.cell_id WHERE g.notebook_id = ?", (notebook,))),
                "comments": dict(db.execute("SELECT c.name, m.auto_comment FROM comment m JOIN base_cell c "
                                            "ON c.id = m.cell_id WHERE m.notebook_id = ?", (notebook,))),
            }
    return result


def merge(db, assignment, student, result):
    """Write `extract`'s data into the course's gradebook (a connection from open_course_gradebook), in one
    transaction: the whole submission or nothing of it."""
    with db:
        db.execute("INSERT OR IGNORE INTO student (id) VALUES (?)", (student,))
        submission = _submission(db, assignment, student, result["timestamp"])
        notebooks = dict(db.execute("SELECT n.name, s.id FROM submitted_notebook s JOIN notebook n "
                                    "ON n.id = s.notebook_id WHERE s.assignment_id = ?", (submission,)))
        for name, data in result["notebooks"].items():
            if name not in notebooks:
                raise LookupError(f"notebook {name!r} of {student!r} is not part of {assignment!r} in the gradebook")
            notebook = notebooks[name]
            db.execute("UPDATE submitted_notebook SET late_submission_penalty = ? WHERE id = ?",
                       (data["late_submission_penalty"], notebook))
            # As SaveAutoGrades decides it: review when a person graded it before, or there is no auto score.
            db.executemany("UPDATE grade SET auto_score = ?1, needs_manual_grade = (manual_score IS NOT NULL "
                           "OR ?1 IS NULL) WHERE notebook_id = ?2 AND cell_id = "
                           "(SELECT g.cell_id FROM grade g JOIN base_cell c ON c.id = g.cell_id "
                           "WHERE g.notebook_id = ?2 AND c.name = ?3)",
                           [(score, notebook, cell) for cell, score in data["grades"].items()])
            db.executemany("UPDATE comment SET auto_comment = ?1 WHERE notebook_id = ?2 AND cell_id = "
                           "(SELECT m.cell_id FROM comment m JOIN base_cell c ON c.id = m.cell_id "
                           "WHERE m.notebook_id = ?2 AND c.name = ?3)",
                           [(text, notebook, cell) for cell, text in data["comments"].items()])


def _submission(db, assignment, student, timestamp):
    """The id of the student's submission, made as nbgrader's add_submission makes it if there is none yet."""
    found = db.execute("SELECT a.id, s.id FROM assignment a LEFT JOIN submitted_assignment s "
                       "ON s.assignment_id = a.id AND s.student_id = ? WHERE a.name = ?", (student, assignment)).fetchone()
    if found is None:
        raise LookupError(f"assignment {assignment!r} is not in the gradebook")
    assignment_id, submission = found
    if submission is not None:
        if timestamp:
            db.execute("UPDATE submitted_assignment SET timestamp = ? WHERE id = ?", (timestamp, submission))
        return submission
    submission = _new_id()
    db.execute("INSERT INTO submitted_assignment (id, assignment_id, student_id, timestamp) VALUES (?, ?, ?, ?)",
               (submission, assignment_id, student, timestamp))
    for (notebook,) in db.execute("SELECT id FROM notebook WHERE assignment_id = ?", (assignment_id,)).fetchall():
        submitted = _new_id()
        db.execute("INSERT INTO submitted_notebook (id, assignment_id, notebook_id, flagged) VALUES (?, ?, ?, 0)",
                   (submitted, submission, notebook))
        # A grade for each grade and task cell, a comment for each solution and task cell: add_submission's rows,
        # with its defaults (needs_manual_grade until a score arrives).
        cells = db.execute("SELECT id, type FROM base_cell WHERE notebook_id = ? AND type IN "
                           "('GradeCell', 'SolutionCell', 'TaskCell')", (notebook,)).fetchall()
        db.executemany("INSERT INTO grade (id, notebook_id, cell_id, needs_manual_grade) VALUES (?, ?, ?, 1)",
                       [(_new_id(), submitted, cell) for cell, kind in cells if kind != "SolutionCell"])
        db.executemany("INSERT INTO comment (id, notebook_id, cell_id) VALUES (?, ?, ?)",
                       [(_new_id(), submitted, cell) for cell, kind in cells if kind != "GradeCell"])
    return submission


def _new_id():
    return uuid.uuid4().hex  # nbgrader's new_uuid

"""A gradebook as gradlab reads and writes it: nbgrader's tables on one open connection (`open_book`), with what
never changes during a run (an assignment's notebooks and cells) read once, and transactions. What is read out of
a gradebook is in reading.py, what is written into one in merge.py; GradebookSQL is both.

One submission's autograde results move between gradebooks as data: out of a worker's private gradebook
(`extract`), into the course's gradebook (`merge`); and what the course's gradebook already holds about a
submission that a worker needs to grade it as nbgrader would (`prior`: an extension, manual grades).

Workers autograde in private gradebooks, so that no two processes ever write the same database; the
coordinator writes each result into the course's gradebook.

Both sides speak SQL to nbgrader's tables (db.py): through nbgrader's ORM, reading a result back
and writing it again cost about as much CPU as autograding a small submission.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

from . import db as gradebook_db
from .merge import Writing
from .reading import Reading


@contextlib.contextmanager
def open_book(db_url):
    """The gradebook at `db_url` (SQLite or PostgreSQL, its schema checked), as a GradebookSQL."""
    with gradebook_db.open_gradebook(db_url) as connection:
        yield GradebookSQL(connection)


@dataclass
class _Assignment:
    id: str
    notebooks: dict  # notebook name -> notebook id
    cells: dict  # notebook id -> {cell name: (cell id, type)}
    names: dict  # cell id -> cell name


class GradebookSQL(Reading, Writing):
    """nbgrader's tables on an open connection (gradebook_db.open_gradebook), with what never changes during a
    run (an assignment's notebooks and cells) read once."""

    def __init__(self, connection, assignments=None):
        """assignments: a dict to keep what is read of assignments in, shared by connections to copies of one
        gradebook (a worker's template)."""
        from sqlalchemy import bindparam, or_

        self.connection = connection
        self.t = t = gradebook_db.tables()
        self._assignments = {} if assignments is None else assignments
        self._writing = False
        grade, comment = t["grade"], t["comment"]
        # As SaveAutoGrades decides it: review when a person graded it before, or there is no auto score.
        self._grade = grade.update().where(grade.c.notebook_id == bindparam("nb"), grade.c.cell_id == bindparam("cell")) \
            .values(auto_score=bindparam("score"), needs_manual_grade=or_(grade.c.manual_score.is_not(None),
                                                                         bindparam("no_score")))
        self._comment = comment.update().where(comment.c.notebook_id == bindparam("nb"),
                                               comment.c.cell_id == bindparam("cell")) \
            .values(auto_comment=bindparam("text"))

    @contextlib.contextmanager
    def transaction(self):
        """One transaction: everything written inside it lands together, or nothing of it."""
        self._end_reading()
        self._writing = True
        try:
            with self.connection.begin():
                yield self
        finally:
            self._writing = False

    def _end_reading(self):
        """End the transaction that reading began (SQLAlchemy begins one on first use), so that a
        PostgreSQL connection is not left idle in a transaction between reads."""
        if not self._writing and self.connection.in_transaction():
            self.connection.commit()

    def assignment(self, name):
        if name not in self._assignments:
            self._assignments[name] = self._read_assignment(name)
        return self._assignments[name]

    def _read_assignment(self, name):
        from sqlalchemy import select

        t = self.t
        row = self.connection.execute(select(t["assignment"].c.id).where(t["assignment"].c.name == name)).first()
        if row is None:
            raise LookupError(f"assignment {name!r} is not in the gradebook")
        notebooks = dict(self.connection.execute(select(t["notebook"].c.name, t["notebook"].c.id)
                                                 .where(t["notebook"].c.assignment_id == row.id)).all())
        cells, names = {notebook: {} for notebook in notebooks.values()}, {}
        cell = t["base_cell"]
        for cell_id, cell_name, notebook, kind in self.connection.execute(
                select(cell.c.id, cell.c.name, cell.c.notebook_id, cell.c.type)
                .where(cell.c.notebook_id.in_(list(notebooks.values())))):
            cells[notebook][cell_name] = (cell_id, kind)
            names[cell_id] = cell_name
        return _Assignment(row.id, notebooks, cells, names)

"""Moving one submission's autograde results between gradebooks, as data: out of a worker's private gradebook
(`extract`), into the course's gradebook (`merge`); and what the course's gradebook already holds about a
submission that a worker needs to grade it as nbgrader would (`prior`: an extension, manual grades).

Workers autograde in private gradebooks, so that no two processes ever write the same database; the
coordinator writes each result into the course's gradebook. Only what autograding writes is copied (auto
scores, auto comments, the submission's timestamp and late penalty): manual scores, manual comments and extra
credit already in the course's gradebook are kept, as `nbgrader autograde` keeps them.

Both sides speak SQL to nbgrader's tables (gradebook_db.py): through nbgrader's ORM, reading a result back
and writing it again cost about as much CPU as autograding a small submission.
"""
from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from . import gradebook_db


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


class GradebookSQL:
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

    # -- reading ---------------------------------------------------------------------------------------------

    def _submitted_notebooks(self, submission):
        """{notebook name: (submitted notebook id, late penalty)} of one submission."""
        from sqlalchemy import select

        t, submitted = self.t, self.t["submitted_notebook"]
        return {name: (nb_id, penalty) for name, nb_id, penalty in self.connection.execute(
            select(t["notebook"].c.name, submitted.c.id, submitted.c.late_submission_penalty)
            .join(t["notebook"], t["notebook"].c.id == submitted.c.notebook_id)
            .where(submitted.c.assignment_id == submission))}

    def _submission(self, assignment, student):
        from sqlalchemy import select

        s = self.t["submitted_assignment"]
        return self.connection.execute(select(s.c.id, s.c.timestamp).where(
            s.c.assignment_id == self.assignment(assignment).id, s.c.student_id == student)).first()

    def extract(self, assignment, student):
        """The autograde results of one submission, as plain data."""
        from sqlalchemy import select

        found = self._submission(assignment, student)
        if found is None:
            self._end_reading()
            raise LookupError(f"no submission of {assignment!r} by {student!r} in the gradebook")
        names = self.assignment(assignment).names
        grade, comment = self.t["grade"], self.t["comment"]
        result = {"timestamp": found.timestamp, "notebooks": {}}
        for name, (notebook, penalty) in self._submitted_notebooks(found.id).items():
            result["notebooks"][name] = {
                "late_submission_penalty": penalty,
                "grades": {names[cell]: score for cell, score in self.connection.execute(
                    select(grade.c.cell_id, grade.c.auto_score).where(grade.c.notebook_id == notebook))},
                "comments": {names[cell]: text for cell, text in self.connection.execute(
                    select(comment.c.cell_id, comment.c.auto_comment).where(comment.c.notebook_id == notebook))},
            }
        self._end_reading()
        return result

    def prior(self, assignment):
        """{student: {"extension": datetime or None, "notebooks": {name: {"grades": {cell: (manual score,
        extra credit)}, "comments": {cell: manual comment}}}}} for the submissions of `assignment` that have any
        of these: what a person gave, which a re-grade keeps and the student's feedback shows."""
        from sqlalchemy import or_, select

        t, a = self.t, self.assignment(assignment)
        s, n, grade, comment = t["submitted_assignment"], t["submitted_notebook"], t["grade"], t["comment"]
        notebook_names = {nb_id: name for name, nb_id in a.notebooks.items()}
        found = {}

        def entry(student):
            return found.setdefault(student, {"extension": None, "notebooks": {}})

        for student, extension in self.connection.execute(select(s.c.student_id, s.c.extension).where(
                s.c.assignment_id == a.id, s.c.extension.is_not(None))):
            entry(student)["extension"] = extension
        joined = s.join(n, n.c.assignment_id == s.c.id)
        for student, notebook, cell, manual, extra in self.connection.execute(
                select(s.c.student_id, n.c.notebook_id, grade.c.cell_id, grade.c.manual_score, grade.c.extra_credit)
                .select_from(joined.join(grade, grade.c.notebook_id == n.c.id))
                .where(s.c.assignment_id == a.id,
                       or_(grade.c.manual_score.is_not(None), grade.c.extra_credit.is_not(None)))):
            place = entry(student)["notebooks"].setdefault(notebook_names[notebook], {"grades": {}, "comments": {}})
            place["grades"][a.names[cell]] = (manual, extra)
        for student, notebook, cell, text in self.connection.execute(
                select(s.c.student_id, n.c.notebook_id, comment.c.cell_id, comment.c.manual_comment)
                .select_from(joined.join(comment, comment.c.notebook_id == n.c.id))
                .where(s.c.assignment_id == a.id, comment.c.manual_comment.is_not(None))):
            place = entry(student)["notebooks"].setdefault(notebook_names[notebook], {"grades": {}, "comments": {}})
            place["comments"][a.names[cell]] = text
        self._end_reading()
        return found

    # -- writing ---------------------------------------------------------------------------------------------

    def merge(self, assignment, student, result):
        """Write `extract`'s data into this gradebook, inside the caller's transaction. Everything is checked
        before anything is written, so a result that does not fit writes nothing."""
        a = self.assignment(assignment)
        unknown = sorted(set(result["notebooks"]) - set(a.notebooks))
        if unknown:
            raise LookupError(f"notebook {unknown[0]!r} of {student!r} is not part of {assignment!r} in the gradebook")
        notebooks, made = self._ensure_submission(assignment, student, result["timestamp"], result)
        if made:
            return  # its rows were written with the results in them
        submitted = self.t["submitted_notebook"]
        for name, data in result["notebooks"].items():
            notebook, cells = notebooks[name], a.cells[a.notebooks[name]]
            self.connection.execute(submitted.update().where(submitted.c.id == notebook)
                                    .values(late_submission_penalty=data["late_submission_penalty"]))
            grades = [{"nb": notebook, "cell": cells[cell][0], "score": score, "no_score": score is None}
                      for cell, score in data["grades"].items() if cell in cells]
            comments = [{"nb": notebook, "cell": cells[cell][0], "text": text}
                        for cell, text in data["comments"].items() if cell in cells]
            if grades:
                self.connection.execute(self._grade, grades)
            if comments:
                self.connection.execute(self._comment, comments)

    def ensure_submission(self, assignment, student, timestamp=None):
        """The student's submission (made as nbgrader's add_submission makes it, student included, if there is
        none yet; its timestamp updated if one is given): {notebook name: submitted notebook id}."""
        return self._ensure_submission(assignment, student, timestamp)[0]

    def _ensure_submission(self, assignment, student, timestamp, result=None):
        """(ensure_submission's ids, whether the submission was made now). A submission made now gets the rows
        of nbgrader's add_submission with `result` already in them: what merge() would write into them next."""
        t, a = self.t, self.assignment(assignment)
        self.connection.execute(self._insert_ignoring_duplicates(t["student"]).values(id=student))
        found = self._submission(assignment, student)
        if found is not None:
            if timestamp:
                s = t["submitted_assignment"]
                self.connection.execute(s.update().where(s.c.id == found.id).values(timestamp=timestamp))
            return {name: nb_id for name, (nb_id, _) in self._submitted_notebooks(found.id).items()}, False
        submission = _new_id()
        self.connection.execute(t["submitted_assignment"].insert().values(
            id=submission, assignment_id=a.id, student_id=student, timestamp=timestamp))
        made, submitted, grades, comments = {}, [], [], []
        for name, notebook in a.notebooks.items():
            data = (result or {"notebooks": {}})["notebooks"].get(name, {"grades": {}, "comments": {}})
            made[name] = _new_id()
            submitted.append({"id": made[name], "assignment_id": submission, "notebook_id": notebook,
                              "flagged": False, "late_submission_penalty": data.get("late_submission_penalty")})
            # A grade for each grade and task cell, a comment for each solution and task cell: add_submission's
            # rows, with its defaults (needs_manual_grade until a score arrives) where no result fills them.
            for cell_name, (cell, kind) in a.cells[notebook].items():
                if kind in ("GradeCell", "TaskCell"):
                    score = data["grades"].get(cell_name)
                    grades.append({"id": _new_id(), "notebook_id": made[name], "cell_id": cell, "auto_score": score,
                                   "needs_manual_grade": score is None})
                if kind in ("SolutionCell", "TaskCell"):
                    comments.append({"id": _new_id(), "notebook_id": made[name], "cell_id": cell,
                                     "auto_comment": data["comments"].get(cell_name)})
        if submitted:
            self.connection.execute(t["submitted_notebook"].insert(), submitted)
        if grades:
            self.connection.execute(t["grade"].insert(), grades)
        if comments:
            self.connection.execute(t["comment"].insert(), comments)
        return made, True

    def apply_extension(self, assignment, student, prior):
        """Give the student's submission the extension the course's gradebook holds (before autograding, which
        computes the late penalty from it)."""
        if prior and prior.get("extension") is not None:
            self.ensure_submission(assignment, student)
            s = self.t["submitted_assignment"]
            self.connection.execute(s.update().where(s.c.assignment_id == self.assignment(assignment).id,
                                                     s.c.student_id == student).values(extension=prior["extension"]))

    def apply_manual(self, assignment, student, prior):
        """Write the manual scores, extra credit and manual comments of `prior` (before rendering feedback)."""
        if not prior or not prior.get("notebooks"):
            return
        from sqlalchemy import bindparam

        a, grade, comment = self.assignment(assignment), self.t["grade"], self.t["comment"]
        notebooks = self.ensure_submission(assignment, student)
        for name, data in prior["notebooks"].items():
            if name not in notebooks:
                continue
            cells = a.cells[a.notebooks[name]]
            grades = [{"nb": notebooks[name], "cell": cells[c][0], "manual": m, "extra": e}
                      for c, (m, e) in data["grades"].items() if c in cells]
            comments = [{"nb": notebooks[name], "cell": cells[c][0], "text": text}
                        for c, text in data["comments"].items() if c in cells]
            if grades:
                self.connection.execute(grade.update().where(grade.c.notebook_id == bindparam("nb"),
                                                             grade.c.cell_id == bindparam("cell"))
                                        .values(manual_score=bindparam("manual"), extra_credit=bindparam("extra")),
                                        grades)
            if comments:
                self.connection.execute(comment.update().where(comment.c.notebook_id == bindparam("nb"),
                                                               comment.c.cell_id == bindparam("cell"))
                                        .values(manual_comment=bindparam("text")), comments)

    def _insert_ignoring_duplicates(self, table):
        if self.connection.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table).on_conflict_do_nothing()


def _new_id():
    return uuid.uuid4().hex  # nbgrader's new_uuid

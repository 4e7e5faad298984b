"""Writing one submission's autograde results into a gradebook (`merge`), as nbgrader's add_submission and
SaveAutoGrades would, and what a person gave before (extensions, manual grades) back into a worker's gradebook.
A part of GradebookSQL (book.py).

Only what autograding writes is copied (auto scores, auto comments, the submission's timestamp and late
penalty): manual scores, manual comments and extra credit already in the course's gradebook are kept, as
`nbgrader autograde` keeps them.
"""
from __future__ import annotations

import uuid


class Writing:
    """GradebookSQL's writing half: needs self.connection, self.t, self.assignment(), self._submission(),
    self._submitted_notebooks() and the prepared statements self._grade and self._comment."""

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

    def merge_each(self, assignment, results):
        """merge() each (student, result) of `results` under a savepoint of its own, inside the caller's
        transaction: a result that does not fit (a notebook the assignment lacks) or that the database refuses (an
        id longer than its column, a value of the wrong type) is rolled back alone. Returns {student: why} for
        those; the others are written. A lost connection is not one student's fault: it is raised."""
        from sqlalchemy.exc import OperationalError, StatementError

        failed = {}
        for student, result in results:
            try:
                with self.connection.begin_nested():
                    self.merge(assignment, student, result)
            except (LookupError, ValueError, StatementError) as error:
                if isinstance(error, OperationalError) or getattr(error, "connection_invalidated", False):
                    raise
                failed[student] = f"not written into the gradebook: {_reason(error)}"
        return failed

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



def _reason(error):
    """What the database said, without the statement and its parameters (which would repeat the whole result)."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _new_id():
    return uuid.uuid4().hex  # nbgrader's new_uuid

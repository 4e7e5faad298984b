"""Reading one submission's autograde results out of a gradebook (`extract`), and what a gradebook holds that a
re-grade keeps (`prior`: extensions, manual scores, extra credit, manual comments). A part of GradebookSQL
(book.py)."""
from __future__ import annotations


class Reading:
    """GradebookSQL's reading half: needs self.connection, self.t (nbgrader's tables), self.assignment() and
    self._end_reading()."""

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

    def prior(self, assignment, student=None):
        """{student: {"extension": datetime or None, "notebooks": {name: {"grades": {cell: (manual score,
        extra credit)}, "comments": {cell: manual comment}}}}} for the submissions of `assignment` that have any
        of these: what a person gave, which a re-grade keeps and the student's feedback shows. `student`: that
        student's only."""
        from sqlalchemy import or_, select, true

        t, a = self.t, self.assignment(assignment)
        s, n, grade, comment = t["submitted_assignment"], t["submitted_notebook"], t["grade"], t["comment"]
        whose = s.c.student_id == student if student is not None else true()
        notebook_names = {nb_id: name for name, nb_id in a.notebooks.items()}
        found = {}

        def entry(student):
            return found.setdefault(student, {"extension": None, "notebooks": {}})

        for student, extension in self.connection.execute(select(s.c.student_id, s.c.extension).where(
                s.c.assignment_id == a.id, whose, s.c.extension.is_not(None))):
            entry(student)["extension"] = extension
        joined = s.join(n, n.c.assignment_id == s.c.id)
        for student, notebook, cell, manual, extra in self.connection.execute(
                select(s.c.student_id, n.c.notebook_id, grade.c.cell_id, grade.c.manual_score, grade.c.extra_credit)
                .select_from(joined.join(grade, grade.c.notebook_id == n.c.id))
                .where(s.c.assignment_id == a.id, whose,
                       or_(grade.c.manual_score.is_not(None), grade.c.extra_credit.is_not(None)))):
            place = entry(student)["notebooks"].setdefault(notebook_names[notebook], {"grades": {}, "comments": {}})
            place["grades"][a.names[cell]] = (manual, extra)
        for student, notebook, cell, text in self.connection.execute(
                select(s.c.student_id, n.c.notebook_id, comment.c.cell_id, comment.c.manual_comment)
                .select_from(joined.join(comment, comment.c.notebook_id == n.c.id))
                .where(s.c.assignment_id == a.id, whose, comment.c.manual_comment.is_not(None))):
            place = entry(student)["notebooks"].setdefault(notebook_names[notebook], {"grades": {}, "comments": {}})
            place["comments"][a.names[cell]] = text
        self._end_reading()
        return found


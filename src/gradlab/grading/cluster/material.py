"""The assignment's material: what the coordinator sends each run's workers once, so that a worker on another
machine grades with exactly the course's configuration, exercises and source, and its gradebook's view of the
assignment."""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..course import files as course_files
from ..gradebook import template


@dataclass(frozen=True)
class Material:
    assignment: str
    files: dict  # course_files.collect_material: {relative path: bytes}
    gradebook: bytes  # template.build: a SQLite gradebook with the assignment and no student
    digest: str  # of all of it: a worker keeps one private course per digest

    def __repr__(self):  # what Dask's dashboard and logs show of it
        return f"Material({self.assignment!r}, {len(self.files)} files, {self.digest[:12]})"


def prepare(course, assignment, book, scratch):
    """The material of `assignment` in `course`, its template made from the course's gradebook (a
    book.GradebookSQL) in the folder `scratch`."""
    files = course_files.collect_material(course, assignment)
    gradebook = template.build(book.connection, assignment, os.path.join(scratch, "template.db"))
    book.connection.commit()  # end the reading transaction (PostgreSQL would hold it open)
    digest = course_files.digest(dict(files, **{".gradebook": gradebook}))
    return Material(assignment, files, gradebook, digest)

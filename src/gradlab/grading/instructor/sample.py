"""A sample class put into a course, to try the grading command and the dashboard before any student submits:

    python -m gradlab.grading sample COURSE ASSIGNMENT

copies sample_class/ASSIGNMENT/*.ipynb (a notebook per student, named by student) into COURSE/submitted/ in
nbgrader's layout (submitted/STUDENT/ASSIGNMENT/NOTEBOOK.ipynb), where `nbgrader collect` puts a real class. The
sample class is the course's own sample_class/ when it has one (a copy of autograder/ has), else the repository's.
A student already in submitted/ with another notebook is never overwritten: the copy stops before it starts.
"""
from __future__ import annotations

import filecmp
import os
import shutil
from dataclasses import dataclass

from ..cluster.submissions import assignment_notebook
from .demo import COURSE


@dataclass
class Loaded:
    assignment: str
    source: str  # the sample class's folder
    submitted: str  # the course's submitted/
    students: list  # every student of the sample class (copied now, or there already, unchanged)


def check_assignment(course, assignment):
    """LookupError naming the assignments the course has, if `assignment` is not one of them (in source/ or
    release/)."""
    known = sorted({name for place in ("source", "release") if os.path.isdir(os.path.join(course, place))
                    for name in os.listdir(os.path.join(course, place))
                    if os.path.isdir(os.path.join(course, place, name))})
    if assignment not in known:
        raise LookupError(f"no assignment {assignment!r} in {os.path.join(course, 'source')}"
                          + (f" (the course has {', '.join(known)})" if known else " (the course has none)"))


def sample_folder(course, assignment):
    """The sample class of `assignment`: the course's sample_class/ASSIGNMENT, else the repository's; None if
    neither has one."""
    for root in (course, COURSE):
        folder = os.path.join(root, "sample_class", assignment)
        if os.path.isdir(folder) and any(name.endswith(".ipynb") for name in os.listdir(folder)):
            return folder
    return None


def submissions_found(course, assignment):
    """How many students have a submission of `assignment` in the course's submitted/."""
    submitted = os.path.join(course, "submitted")
    if not os.path.isdir(submitted):
        return 0
    return sum(os.path.isdir(os.path.join(submitted, student, assignment)) for student in os.listdir(submitted))


def load_sample_class(course, assignment):
    """Copy the sample class of `assignment` into `course`'s submitted/; a Loaded. FileNotFoundError if there is no
    sample class, LookupError if the course has no such assignment, FileExistsError if a student of the sample class already has
    another submission there (nothing is copied then)."""
    course = os.path.abspath(course)
    if not os.path.isdir(course):
        raise FileNotFoundError(f"course directory {course} does not exist")
    check_assignment(course, assignment)
    source = sample_folder(course, assignment)
    if source is None:
        raise FileNotFoundError(f"no sample class for {assignment!r}: neither {course}/sample_class/{assignment}/ nor "
                                f"{COURSE}/sample_class/{assignment}/ holds notebooks")
    notebook = assignment_notebook(course, assignment)
    submitted = os.path.join(course, "submitted")
    students = sorted(name[:-len(".ipynb")] for name in os.listdir(source)
                      if name.endswith(".ipynb") and not name.startswith("."))
    places = {s: os.path.join(submitted, s, assignment, notebook) for s in students}
    clashes = [s for s, place in places.items() if os.path.exists(place)
               and not filecmp.cmp(os.path.join(source, f"{s}.ipynb"), place, shallow=False)]
    if clashes:
        raise FileExistsError(f"{submitted} already has another submission of {assignment} by "
                              f"{', '.join(clashes)}: nothing was copied (move those away to load the sample class)")
    for student, place in places.items():
        os.makedirs(os.path.dirname(place), exist_ok=True)
        shutil.copyfile(os.path.join(source, f"{student}.ipynb"), place)
    return Loaded(assignment, source, submitted, students)


def loaded_message(loaded, course):
    return (f"The sample class of {loaded.assignment}: {len(loaded.students)} submissions from {loaded.source}, now "
            f"in {loaded.submitted}/STUDENT/{loaded.assignment}/ as `nbgrader collect` leaves a class.\n"
            f"Grade them: python -m gradlab.grading grade {course} {loaded.assignment} "
            "(or press Grade the class in instructor.ipynb).")


def nothing_found_advice(course, assignment):
    """What to do when a course has no submission of `assignment`: collect them, or try the sample class."""
    advice = (f"Collect a class with `nbgrader collect {assignment}`, or give a folder of notebooks named by "
              "student")
    if sample_folder(course, assignment):
        advice += (f"; to try grading on the sample class: python -m gradlab.grading sample {course} {assignment}")
    return advice + "."

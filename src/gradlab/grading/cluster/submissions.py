"""Finding a class's submissions and putting them where nbgrader looks for them (submitted/STUDENT/ASSIGNMENT/),
and the journal that makes grading a class resumable.

A folder of submissions is either nbgrader's submitted/ layout (STUDENT/ASSIGNMENT/*.ipynb) or a folder of
notebooks named by student (alice.ipynb, bob.ipynb). Each submission is checked once, here (course/intake.py):
its student id, its files read without following links, within the course's limits; one that fails is refused
with a message naming the file and is neither copied nor graded. Each submission is known by a digest of its
files, so a resubmission is graded again and an unchanged one is not.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass

from ..course import files as course_files
from ..course.intake import SubmissionRefused, check_student_id, shown


@dataclass(frozen=True)
class Submission:
    student: str
    folder: str  # the course's submitted/STUDENT/ASSIGNMENT
    digest: str


def assignment_notebook(course, assignment):
    """The name of the assignment's one notebook, from source/ (or release/)."""
    for place in ("source", "release"):
        folder = os.path.join(course, place, assignment)
        if os.path.isdir(folder):
            names = sorted(n for n in os.listdir(folder) if n.endswith(".ipynb"))
            if len(names) == 1:
                return names[0]
            if names:
                raise ValueError(f"{folder} holds {len(names)} notebooks; a folder of notebooks named by student "
                                 "only works for a one-notebook assignment: use nbgrader's submitted/ layout")
    raise FileNotFoundError(f"no notebook for assignment {assignment!r} in {course}/source or {course}/release")


def stage(course, assignment, folder, limits):
    """Copy the submissions in `folder` (if any, and not the course's own submitted/) into the course's submitted/,
    and list every submission of `assignment` found there: ([Submission], {student as printed: why refused}).
    `limits`: course/intake.SubmissionLimits."""
    submitted = os.path.join(course, "submitted")
    refused = {}
    if folder and os.path.abspath(folder) != os.path.abspath(submitted):
        if any(name.endswith(".ipynb") for name in os.listdir(folder)):
            _copy_named_notebooks(folder, submitted, assignment, assignment_notebook(course, assignment), limits,
                                  refused)
        else:
            _copy_submitted_layout(folder, submitted, assignment, limits, refused)
    found = []
    for student, place in _submission_folders(submitted, assignment, refused):
        if shown(student) in refused:
            continue  # refused when it was copied in: what is there is an earlier submission's
        try:
            check_student_id(student, shown(place))
            files = course_files.read_submission(place, limits)
        except SubmissionRefused as error:
            refused[shown(student)] = str(error)
            continue
        found.append(Submission(student, place, course_files.digest_files(files)))
    return found, refused


def _submission_folders(root, assignment, refused):
    """(student, ROOT/STUDENT/ASSIGNMENT) for each student folder that has the assignment, sorted; a link in
    place of either folder is refused, never followed."""
    if not os.path.isdir(root):
        return []
    found = []
    for student in sorted(os.listdir(root)):
        for place in (os.path.join(root, student), os.path.join(root, student, assignment)):
            try:
                mode = os.lstat(place).st_mode
            except OSError:
                break
            if stat.S_ISLNK(mode):
                refused[shown(student)] = (f"{shown(place)} is a symbolic link: a submission is read without "
                                           "following links; replace it with the folder itself and grade again")
                break
            if not stat.S_ISDIR(mode):
                break
        else:
            found.append((student, os.path.join(root, student, assignment)))
    return found


def _copy_named_notebooks(folder, submitted, assignment, notebook, limits, refused):
    for name in sorted(os.listdir(folder)):
        if name.endswith(".ipynb") and not name.startswith("."):
            student = name[: -len(".ipynb")]
            try:
                check_student_id(student, shown(os.path.join(folder, name)))
                data = course_files.read_file(os.path.join(folder, name), limits)
            except SubmissionRefused as error:
                refused[shown(student)] = str(error)
                continue
            place = os.path.join(submitted, student, assignment)
            os.makedirs(place, exist_ok=True)
            course_files.write_file(os.path.join(place, notebook), data)


def _copy_submitted_layout(folder, submitted, assignment, limits, refused):
    for student, source in _submission_folders(folder, assignment, refused):
        try:
            check_student_id(student, shown(source))
            files = course_files.read_submission(source, limits)
        except SubmissionRefused as error:
            refused[shown(student)] = str(error)
            continue
        destination = os.path.join(submitted, student, assignment)
        try:
            course_files.write_folder(destination, files)
        except OSError as error:  # a link where the course's copy goes, a full disk
            refused[shown(student)] = f"{shown(destination)} could not be written: {error}"


class Journal:
    """One JSON line per submission whose grades reached the course's gradebook: what to skip on a re-run."""

    def __init__(self, path):
        self.path = path
        self.graded = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                        self.graded[entry["student"]] = entry["digest"]
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut short by an interruption

    def is_graded(self, submission):
        return self.graded.get(submission.student) == submission.digest

    def record(self, submission, seconds):
        self.record_many([(submission, seconds)])

    def record_many(self, entries):
        """Note [(submission, seconds)] as graded, with one write to disk for all of them."""
        if not entries:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell():
                handle.seek(handle.tell() - 1)
                if handle.read(1) != "\n":
                    handle.write("\n")  # after a line an interruption cut short
            handle.write("".join(json.dumps({"student": submission.student, "digest": submission.digest,
                                             "seconds": round(seconds, 3)}) + "\n" for submission, seconds in entries))
            handle.flush()
            os.fsync(handle.fileno())
        for submission, _ in entries:
            self.graded[submission.student] = submission.digest

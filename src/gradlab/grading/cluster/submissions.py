"""Finding a class's submissions and putting them where nbgrader looks for them (submitted/STUDENT/ASSIGNMENT/),
and the journal that makes grading a class resumable.

A folder of submissions is either nbgrader's submitted/ layout (STUDENT/ASSIGNMENT/*.ipynb) or a folder of
notebooks named by student (alice.ipynb, bob.ipynb). Each submission is known by a digest of its files, so a
resubmission is graded again and an unchanged one is not.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass


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


def stage(course, assignment, folder=None):
    """Copy the submissions in `folder` into the course's submitted/ (if they are not already there) and list
    every submission of `assignment` found there."""
    submitted = os.path.join(course, "submitted")
    if folder and os.path.abspath(folder) != os.path.abspath(submitted):
        if any(name.endswith(".ipynb") for name in os.listdir(folder)):
            _copy_named_notebooks(folder, submitted, assignment, assignment_notebook(course, assignment))
        else:
            _copy_submitted_layout(folder, submitted, assignment)
    found = []
    if os.path.isdir(submitted):
        for student in sorted(os.listdir(submitted)):
            place = os.path.join(submitted, student, assignment)
            if os.path.isdir(place):
                found.append(Submission(student, place, digest(place)))
    return found


def _copy_named_notebooks(folder, submitted, assignment, notebook):
    for name in sorted(os.listdir(folder)):
        if name.endswith(".ipynb") and not name.startswith("."):
            student = name[: -len(".ipynb")]
            place = os.path.join(submitted, student, assignment)
            os.makedirs(place, exist_ok=True)
            shutil.copyfile(os.path.join(folder, name), os.path.join(place, notebook))


def _copy_submitted_layout(folder, submitted, assignment):
    for student in sorted(os.listdir(folder)):
        source = os.path.join(folder, student, assignment)
        if os.path.isdir(source):
            destination = os.path.join(submitted, student, assignment)
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(source, destination)


def digest(folder):
    """sha256 of a submission's files (names and contents)."""
    hasher = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            hasher.update(os.path.relpath(path, folder).encode() + b"\0")
            with open(path, "rb") as handle:
                hasher.update(hashlib.sha256(handle.read()).digest())
    return hasher.hexdigest()


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

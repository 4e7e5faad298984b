"""Course files as data, so that a worker on another machine needs no shared file system: the assignment's
material (read once, sent once), a submission's files (sent with each submission) and what comes back (the
autograded notebook and the feedback page, written into the course by the coordinator only).
"""
from __future__ import annotations

import hashlib
import os
import shutil

CONFIG = "nbgrader_config.py"
EXERCISES = "exercises"  # COURSE/exercises/ASSIGNMENT.py: the exercises' declarations, never released to students
NEVER = [".ipynb_checkpoints", "*.pyc", "__pycache__"]  # besides the course's own CourseDirectory.ignore


def collect_material(course, assignment):
    """Everything a worker needs of the course to grade `assignment`, as {relative path: bytes}:
    nbgrader_config.py, the exercises/ folder when the course has one, and source/ASSIGNMENT/ (as nbgrader
    copies it: without the files the course's CourseDirectory.ignore names)."""
    from . import nbgrader_calls

    source = os.path.join(course, "source", assignment)
    if not os.path.isdir(source):
        raise FileNotFoundError(f"no source/{assignment}/ in {course}: the workers grade from the assignment's source")
    ignore = list(nbgrader_calls.course_directory(course).ignore) + NEVER
    files = {}
    if os.path.isfile(os.path.join(course, CONFIG)):
        files[CONFIG] = _read(os.path.join(course, CONFIG))
    for folder, patterns in ((os.path.join(course, EXERCISES), NEVER), (source, ignore)):
        if os.path.isdir(folder):
            files.update(read_folder(folder, patterns, prefix=os.path.relpath(folder, course)))
    return files


def read_folder(folder, ignore=NEVER, prefix=""):
    """{path relative to `folder` (under `prefix`), with forward slashes: bytes} for every file in `folder`."""
    from nbgrader.utils import find_all_files

    found = {}
    for path in sorted(find_all_files(folder, list(ignore))):
        name = os.path.relpath(path, folder)
        found["/".join(filter(None, [prefix.replace(os.sep, "/"), name.replace(os.sep, "/")]))] = _read(path)
    return found


def write_folder(folder, files):
    """Make `folder` hold exactly `files` ({relative path: bytes}); a path that would leave it is refused."""
    for name in files:
        parts = name.split("/")
        if not name or name.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"refusing to write {name!r}: not a path inside {folder}")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    for name, data in files.items():
        path = os.path.join(folder, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)


def digest(files):
    """sha256 of {name: bytes}, names included."""
    hasher = hashlib.sha256()
    for name in sorted(files):
        hasher.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return hasher.hexdigest()


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def copy_course(course, destination):
    """Copy the course's config, declarations and source/ into `destination` (created); return it. Nothing an earlier
    run left (gradebook, release, submissions, feedback, exports) is copied."""
    os.makedirs(destination, exist_ok=True)
    shutil.copy(os.path.join(course, CONFIG), destination)
    for folder in (EXERCISES, "source"):
        if os.path.isdir(os.path.join(course, folder)):
            shutil.copytree(os.path.join(course, folder), os.path.join(destination, folder),
                            ignore=shutil.ignore_patterns(*NEVER))
    return destination

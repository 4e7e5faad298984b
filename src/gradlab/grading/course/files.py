"""Course files as data, so that a worker on another machine needs no shared file system: the assignment's
material (read once, sent once), a submission's files (sent with each submission, read without following links)
and what comes back (the autograded notebook and the feedback page, written into the course by the coordinator
only).
"""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import shutil
import stat

from .intake import NotARegularFile, SubmissionTooLarge, shown

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


def walk_submission(folder, limits, ignore=NEVER, label=None):
    """(relative path, open descriptor of its folder, name, os.stat_result) of each file in a submission's
    `folder`, in os.walk's order (top-down, a folder's files before its subfolders, names sorted: the order
    `digest_files` hashes in). Nothing is followed: a symbolic link, a FIFO, a device or a socket anywhere raises
    NotARegularFile naming it; more than limits.max_files files and folders, or limits.max_bytes bytes, raise
    SubmissionTooLarge. Names matching `ignore` (nbgrader's ignore patterns) are passed over. Messages name the
    folder as `label` (default: `folder`)."""
    total, count, label = 0, 0, folder if label is None else label
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    pending = [("", os.open(folder, flags))]  # a stack: the next folder is the last one pushed
    try:
        while pending:
            prefix, fd = pending.pop()
            try:
                folders = []
                for entry in sorted(os.scandir(fd), key=lambda e: e.name):
                    if any(fnmatch.fnmatch(entry.name, pattern) for pattern in ignore):
                        continue
                    path, status = prefix + entry.name, entry.stat(follow_symlinks=False)
                    count += 1
                    if count > limits.max_files:
                        raise SubmissionTooLarge(f"{shown(os.path.join(label, path))}: a submission may hold at most "
                                                 f"{limits.max_files} files and folders (c.SubmissionLimits.max_files)")
                    if stat.S_ISDIR(status.st_mode):
                        folders.append(entry.name)
                        continue
                    if not stat.S_ISREG(status.st_mode):
                        raise NotARegularFile(_not_regular(label, path, status, fd, entry.name))
                    total += status.st_size
                    if total > limits.max_bytes:
                        raise SubmissionTooLarge(f"{shown(os.path.join(label, path))}: the submission's files come "
                                                 f"to more than {limits.max_bytes} bytes, its limit "
                                                 "(c.SubmissionLimits.max_bytes)")
                    yield path, fd, entry.name, status
                for name in reversed(folders):
                    pending.append((prefix + name + "/", os.open(name, flags, dir_fd=fd)))
            finally:
                os.close(fd)
    finally:
        for _, fd in pending:
            os.close(fd)


def _not_regular(folder, path, status, fd, name):
    where = shown(os.path.join(folder, path))
    if stat.S_ISLNK(status.st_mode):
        try:
            target = f" (to {shown(os.readlink(name, dir_fd=fd))})"
        except OSError:
            target = ""
        return (f"{where} is a symbolic link{target}: a submission is read without following links; replace it "
                "with the file itself and grade again")
    kind = "a FIFO" if stat.S_ISFIFO(status.st_mode) else "a socket" if stat.S_ISSOCK(status.st_mode) else "a device"
    return f"{where} is {kind}, not a file: a submission holds only files and folders"


def check_submission(folder, limits, ignore=NEVER, label=None):
    """Walk a submission as read_submission does, reading nothing (see walk_submission)."""
    for _ in walk_submission(folder, limits, ignore, label):
        pass


def read_submission(folder, limits, ignore=NEVER):
    """{path relative to `folder`, with forward slashes: bytes} of a submission, in walk_submission's order, read
    without following links and within `limits` (else NotARegularFile or SubmissionTooLarge naming the file)."""
    found = {}
    for path, fd, name, status in walk_submission(folder, limits, ignore):
        handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
        try:
            if os.fstat(handle).st_ino != status.st_ino:
                raise NotARegularFile(f"{shown(os.path.join(folder, path))} changed while it was read: grade again")
            with open(handle, "rb", closefd=False) as stream:
                data = stream.read(status.st_size + 1)
        finally:
            os.close(handle)
        if len(data) > status.st_size:
            raise SubmissionTooLarge(f"{shown(os.path.join(folder, path))} grew while it was read: grade again")
        found[path] = data
    return found


def read_file(path, limits):
    """The bytes of one submitted file at `path`, read without following a link and within limits.max_bytes
    (else NotARegularFile or SubmissionTooLarge naming it)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotARegularFile(f"{shown(path)} is a symbolic link: a submission is read without following "
                                  "links; replace it with the file itself and grade again") from None
        raise
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFile(f"{shown(path)} is not a file: a submission holds only files and folders")
        if status.st_size > limits.max_bytes:
            raise SubmissionTooLarge(f"{shown(path)} is larger than {limits.max_bytes} bytes, the limit of a "
                                     "submission (c.SubmissionLimits.max_bytes)")
        with open(handle, "rb", closefd=False) as stream:
            data = stream.read(limits.max_bytes + 1)
    finally:
        os.close(handle)
    if len(data) > limits.max_bytes:
        raise SubmissionTooLarge(f"{shown(path)} grew past {limits.max_bytes} bytes while it was read")
    return data


def write_file(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


def digest_files(files):
    """sha256 of a submission's files ({relative path: bytes} in walk_submission's order): names and contents."""
    hasher = hashlib.sha256()
    for name, data in files.items():
        hasher.update(os.fsencode(name) + b"\0")
        hasher.update(hashlib.sha256(data).digest())
    return hasher.hexdigest()


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

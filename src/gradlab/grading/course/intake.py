"""What a submission must be before anything grades it, checked once where it comes in (the grading command's
staging, nbgrader's own pipeline through the course's exporters, or any other caller, such as a service that
takes uploads): a student id that is UTF-8, holds no pattern character and fits the gradebook; files within a
size and a count; a notebook within a number of cells, counted before anything parses it whole.

Each check raises a SubmissionRefused whose message names the file or id at fault and says what to do; nothing
is changed or removed by a refusal.
"""
from __future__ import annotations

import json
import unicodedata

from traitlets import Float, Integer
from traitlets.config import Configurable

PATTERN_CHARACTERS = "*?[]"  # glob's: nbgrader reads a student id as a pattern when it looks for submissions
REFUSAL = "gradlab_refusal"  # the attribute of a log record that carries a refusal's message (exporters.py)


class SubmissionRefused(ValueError):
    """A submission that is not graded; the message says which file or id, and why."""


class BadStudentId(SubmissionRefused):
    pass


class NotARegularFile(SubmissionRefused):
    """A link, a FIFO, a device or a socket where a submission's file should be: never followed or read."""


class SubmissionTooLarge(SubmissionRefused):
    pass


class StepTimedOut(SubmissionRefused):
    pass


class SubmissionLimits(Configurable):
    """What one submission may hold and how long each step of its grading outside the sandbox may take. Set in
    nbgrader_config.py through grade_with_gradlab (c.SubmissionLimits.*), or given directly by another caller."""

    max_bytes = Integer(20 * 2 ** 20, help="The submission's files together, in bytes.").tag(config=True)
    max_files = Integer(200, help="Files in a submission (folders not counted).").tag(config=True)
    max_cells = Integer(1000, help="Cells in one notebook.").tag(config=True)
    step_seconds = Float(120.0, help="Wall-clock seconds for one step of grading outside the sandbox: reading, "
                                     "nbgrader's sanitize and autograde passes (time in the sandbox not counted), "
                                     "rendering the feedback.").tag(config=True)


def shown(name):
    """A name as it can be printed on one line: bytes that are not UTF-8 (a Latin-1 file name) as \\x escapes, and
    characters that are not printable (a newline, an escape sequence for the terminal) as Python writes them."""
    if isinstance(name, bytes):
        text = name.decode("utf-8", "backslashreplace")
    else:
        text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def student_id_length():
    """The longest student id nbgrader's gradebook holds (its column, VARCHAR(128) in nbgrader 0.9): PostgreSQL
    refuses a longer one at the merge, SQLite would keep it."""
    global _LENGTH
    if _LENGTH is None:
        from ..gradebook.db import tables

        _LENGTH = min(tables()[name].c[column].type.length for name, column in
                      (("student", "id"), ("submitted_assignment", "student_id")))
    return _LENGTH


_LENGTH = None


def check_student_id(student, where=""):
    """`student` if it can be graded as an id; else BadStudentId naming it (and `where`, the file it comes from)."""
    place = f"{where}: " if where else ""
    if isinstance(student, bytes):
        try:
            student = student.decode("utf-8")
        except UnicodeDecodeError:
            raise BadStudentId(f"{place}the student id '{shown(student)}' is not UTF-8 (an export or an archive that "
                               "wrote names in another encoding): rename the file in UTF-8") from None
    why = _what_is_wrong(student)
    if why:
        raise BadStudentId(f"{place}the student id '{shown(student)}' {why}")
    return student


def _what_is_wrong(student):
    try:
        student.encode("utf-8")
    except UnicodeEncodeError:
        return ("is not UTF-8 (an export or an archive that wrote names in another encoding, read here as "
                "escapes): rename the file in UTF-8")
    if not student:
        return "is empty"
    if student.startswith("."):
        return "starts with '.' (nbgrader does not see such a folder): rename it"
    if "/" in student or "\0" in student:
        return "holds a path separator"
    found = sorted({c for c in student if c in PATTERN_CHARACTERS})
    if found:
        return (f"holds {', '.join(repr(c) for c in found)}, which nbgrader reads as a pattern matching other "
                "students' folders: rename it")
    if any(unicodedata.category(c) == "Cc" for c in student):
        return "holds a control character (a new line, a tab, ...): rename it"
    if len(student) > student_id_length():
        return (f"is {len(student)} characters long; the gradebook holds at most {student_id_length()} "
                "(nbgrader's column): shorten it")
    return ""


def check_cells(data, limits, name):
    """The notebook `data` (bytes, already within the size limit) holds at most limits.max_cells cells: counted
    from the JSON alone, before nbformat or nbgrader read it. A notebook that is not JSON is left for nbgrader to
    refuse in its own words."""
    try:
        cells = json.loads(data).get("cells")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return
    if isinstance(cells, list) and len(cells) > limits.max_cells:
        raise SubmissionTooLarge(f"{shown(name)} has {len(cells)} cells; a notebook may have at most "
                                 f"{limits.max_cells} (c.SubmissionLimits.max_cells)")

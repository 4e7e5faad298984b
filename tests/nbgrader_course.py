"""What the nbgrader tests share: running `nbgrader` as an instructor does, a freshly generated copy of the
course, a whole gradebook read through nbgrader's own API to compare two gradebooks row by row, and a check that
feedback pages show no hidden test."""
import html
import re
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from gradlab.grading.course.files import copy_course

COURSE = Path(__file__).resolve().parents[1] / "autograder"
ASSIGNMENT = "gradient_checking"  # the first assignment, which the tests of one assignment use
ASSIGNMENTS = tuple(sorted(path.name for path in (COURSE / "source").iterdir() if path.is_dir()))
COURSE_ID = "gradient-checking"


def nbgrader(cwd, env, *args, python=sys.executable):
    """`nbgrader ARGS` in `cwd` (run by `python`); fails the test, with nbgrader's output, if the command fails."""
    done = subprocess.run([python, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def new_course(course, env, extra_config=""):
    """The course at `course` (a new folder) as an instructor has it after `nbgrader generate_assignment` of every
    assignment."""
    copy_course(COURSE, course)
    if extra_config:
        with open(course / "nbgrader_config.py", "a") as handle:
            handle.write("\n" + extra_config + "\n")
    for assignment in ASSIGNMENTS:
        nbgrader(course, env, "generate_assignment", assignment)
    return course


def dump(db_url, assignment, course_id):
    """{student: (timestamp, {notebook: (late penalty, {cell: grade columns}, {cell: comment columns})})}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader 0.9's session use under SQLAlchemy 2
        with Gradebook(db_url, course_id) as book:
            found = {}
            for submission in book.find_assignment(assignment).submissions:
                notebooks = {}
                for notebook in submission.notebooks:
                    grades = {g.name: (g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                              for g in notebook.grades}
                    comments = {c.name: (c.auto_comment, c.manual_comment) for c in notebook.comments}
                    notebooks[notebook.name] = (notebook.late_submission_penalty, grades, comments)
                found[submission.student.id] = (submission.timestamp, notebooks)
    return found


def hidden_lines(assignment=ASSIGNMENT):
    """The lines of the source notebook's hidden test regions."""
    source = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    lines, inside = [], False
    for cell in source.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            if inside and line.strip():
                lines.append(line.strip())
            if "END HIDDEN TESTS" in line:
                inside = False
    assert len(lines) >= 5
    return lines


def feedback_text(page):
    """(the page's HTML without styles and scripts, its text)."""
    raw = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page.read_text(), flags=re.S)
    return raw, html.unescape(re.sub(r"<[^>]+>", "", raw))


def assert_no_hidden_test_in_feedback(course, count, assignment=ASSIGNMENT):
    """`count` feedback pages in `course`, none showing a hidden test line, a traceback, or what a student's code chose
    in a hidden case (an exception's name and message)."""
    pages = sorted((course / "feedback").glob(f"*/{assignment}/*.html"))
    assert len(pages) == count
    lines = hidden_lines(assignment)
    for page in pages:
        raw, text = feedback_text(page)
        for line in lines:
            assert line not in text and html.escape(line) not in raw, f"{page.parent.parent.name}: {line}"
        assert "Traceback (most recent call last)" not in text and "HIDDEN_CASES" not in text
        assert not re.search(r"RTHID_x[m0-9]", text) and "x=-3.5" not in text

"""Moving one submission's autograde results from a worker's private gradebook into the course's gradebook.

Workers autograde in private copies of the gradebook, so that no two processes ever write the same database;
the instructor process copies each result into the course's gradebook, one at a time. Only what autograding
writes is copied (auto scores, auto comments, the submission's timestamp and late penalty): manual scores,
manual comments and extra credit already in the course's gradebook are kept, as `nbgrader autograde` keeps them.
"""
from __future__ import annotations

import sqlite3

from nbgrader.api import Gradebook


def snapshot(db_url, path):
    """Copy a SQLite gradebook to `path` (with SQLite's backup API: consistent even if someone is writing)."""
    source = sqlite_path(db_url)
    if source is None:
        raise ValueError(f"parallel grading copies the gradebook, which needs SQLite (nbgrader's default); got {db_url}")
    with sqlite3.connect(source) as origin, sqlite3.connect(path) as copy:
        origin.backup(copy)
    return path


def sqlite_path(db_url):
    prefix = "sqlite:///"
    return db_url[len(prefix):] if db_url.startswith(prefix) else None


def extract(db_url, course_id, assignment, student):
    """The autograde results of one submission, as plain data."""
    with Gradebook(db_url, course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        result = {"timestamp": submission.timestamp.isoformat() if submission.timestamp else None, "notebooks": {}}
        for notebook in submission.notebooks:
            result["notebooks"][notebook.name] = {
                "late_submission_penalty": notebook.late_submission_penalty,
                "grades": {grade.name: grade.auto_score for grade in notebook.grades},
                "comments": {comment.name: comment.auto_comment for comment in notebook.comments},
            }
    return result


def merge(gradebook, assignment, student, result):
    """Write `extract`'s data into an open Gradebook."""
    gradebook.update_or_create_student(student)
    extra = {"timestamp": result["timestamp"]} if result.get("timestamp") else {}
    gradebook.update_or_create_submission(assignment, student, **extra)
    for name, notebook in result["notebooks"].items():
        submitted = gradebook.find_submission_notebook(name, assignment, student)
        submitted.late_submission_penalty = notebook["late_submission_penalty"]
        for grade in submitted.grades:  # one query for all of them, not one per cell
            if grade.name in notebook["grades"]:
                grade.auto_score = notebook["grades"][grade.name]
                # As SaveAutoGrades decides it: review when a person graded it before, or there is no auto score.
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        for comment in submitted.comments:
            if comment.name in notebook["comments"]:
                comment.auto_comment = notebook["comments"][comment.name]
    gradebook.db.commit()

"""A graded submission recorded exactly once: in one transaction, the attempt is marked graded with its score,
tests and feedback, noted in gradlab_service_recorded, and, when it is the learner's counting attempt (the latest,
or the best, as the instructor chose), merged into nbgrader's gradebook as the class command merges a result.

The transaction first checks that this process's claim still holds the attempt: a process that lost its claim
(its lease lapsed while it was stopped or cut off, and another process graded the attempt) records nothing.
"""
from __future__ import annotations

import io
import json
import time
import zipfile

from sqlalchemy import select, update

from ..gradebook.book import GradebookSQL
from . import tables


def summarize(result, assignment):
    """(score after the late penalty, max score, late penalty, tests) of a worker's result (merge's extract)."""
    grades, penalty = {}, 0.0
    for notebook in result["notebooks"].values():
        grades.update(notebook["grades"])
        penalty += float(notebook.get("late_submission_penalty") or 0.0)
    tests = [{"name": name, "score": float(grades.get(name) or 0.0), "max_score": points}
             for name, points in assignment.tests]
    total = sum(test["score"] for test in tests)
    return total - penalty, sum(points for _, points in assignment.tests), penalty, tests


def pack(value):
    """The worker's autograded notebook and feedback page as one zip (autograded/PATH, feedback/PATH)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind in ("autograded", "feedback"):
            for path, data in (value.get(kind) or {}).items():
                archive.writestr(f"{kind}/{path}", data)
    return buffer.getvalue()


def unpack(files, kind):
    """{path: bytes} of one kind (autograded or feedback) from pack's zip."""
    if not files:
        return {}
    with zipfile.ZipFile(io.BytesIO(files)) as archive:
        prefix = kind + "/"
        return {name[len(prefix):]: archive.read(name) for name in archive.namelist() if name.startswith(prefix)}


def record(store, claimed, value, claim, process, assignment, counting, book_cache):
    """Record the worker's `value` for the `claimed` attempt; returns None if the claim no longer holds it (nothing
    written), else whether it was merged into nbgrader's gradebook as the counting attempt."""
    score, max_score, penalty, tests = summarize(value["result"], assignment)
    files = pack(value)
    error = value.get("feedback_error") or None
    a, c = tables.attempt, tables.counted
    now = time.time()
    with store.transaction() as connection:
        held = select(a.c.seq).where(a.c.seq == claimed.seq, a.c.claim == claim, a.c.status == "grading")
        if store.dialect == "postgresql":
            held = held.with_for_update()
        if connection.execute(held).first() is None:
            return None
        store._lock_learner(connection, claimed.assignment, claimed.student)
        current = connection.execute(select(c).where(c.c.assignment == claimed.assignment,
                                                     c.c.student == claimed.student)).first()
        counts = current is None or current.attempt is None or (
            claimed.seq > current.seq if counting == "latest" else score > current.score)
        if counts:
            GradebookSQL(connection, book_cache).merge(claimed.assignment, claimed.student, value["result"])
            values = dict(attempt=claimed.id, score=score, seq=claimed.seq, merged_at=now)
            if current is None:
                connection.execute(c.insert().values(assignment=claimed.assignment, student=claimed.student, **values))
            else:
                connection.execute(update(c).where(c.c.assignment == claimed.assignment,
                                                   c.c.student == claimed.student).values(**values))
        connection.execute(update(a).where(a.c.seq == claimed.seq).values(
            status="graded", claim=None, lease_until=None, graded_at=now, score=score, max_score=max_score,
            late_penalty=penalty, tests=json.dumps(tests), files=files, error=error, seconds=value.get("seconds")))
        connection.execute(tables.recorded.insert().values(attempt=claimed.id, process=process, at=now, merged=counts))
    return counts

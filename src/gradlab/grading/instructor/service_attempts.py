"""What learners submitted from their notebooks to the grading service (python -m gradlab.grading serve), read
from the service's tables in the course's gradebook: every attempt, newest first, and which one counts (the one
the service merged into nbgrader's gradebook, which the formgrader shows)."""
from __future__ import annotations

import datetime
import html

from sqlalchemy import inspect, select

from ..gradebook import db
from ..service import tables


def read_attempts(db_url, assignment):
    """[{student, received, status, score, max_score, counts}] of `assignment`, newest first; [] when the
    gradebook has no service tables (no service ever ran on it)."""
    engine = db.engine_for(db_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(tables.attempt.name):
                return []
            counting = {(row.student, row.attempt) for row in connection.execute(
                select(tables.counted.c.student, tables.counted.c.attempt)
                .where(tables.counted.c.assignment == assignment))}
            a = tables.attempt.c
            rows = connection.execute(select(a.id, a.student, a.received, a.status, a.score, a.max_score)
                                      .where(a.assignment == assignment).order_by(a.seq.desc()))
            return [{"student": row.student, "received": row.received, "status": row.status, "score": row.score,
                     "max_score": row.max_score, "counts": (row.student, row.id) in counting} for row in rows]
    finally:
        engine.dispose()


def attempts_table(attempts):
    """The attempts as an HTML table (the counting one of each learner marked)."""
    if not attempts:
        return "<p>No submissions from the notebooks yet.</p>"
    cell = '<td style="padding:1px 12px 1px 0;white-space:nowrap">'
    head = "".join(f'<th style="text-align:left;padding-right:12px">{name}</th>'
                   for name in ("student", "received (UTC)", "status", "score", "counts"))
    body = ""
    for row in attempts:
        when = datetime.datetime.fromtimestamp(row["received"], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        score = "" if row["score"] is None else f"{row['score']:g} / {row['max_score']:g}"
        body += (f'<tr class="gradlab-attempt">{cell}{html.escape(row["student"])}</td>{cell}{when}</td>'
                 f'{cell}{html.escape(row["status"])}</td>{cell}{score}</td>'
                 f'{cell}{"&#10003; counts" if row["counts"] else ""}</td></tr>')
    return f'<table class="gradlab-attempts"><tr>{head}</tr>{body}</table>'

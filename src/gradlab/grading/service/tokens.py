"""Learners' tokens for the standalone service, issued from a roster:

    python -m gradlab.grading tokens COURSE ROSTER.csv [--db URL] [--out TOKENS.csv]
    python -m gradlab.grading tokens COURSE --revoke alice bob

The roster is a CSV with an `id` column (nbgrader's `nbgrader db student import` format: first_name, last_name
and email are taken too, and the learners added to nbgrader's gradebook) and an optional `role` column
(`learner`, the default, or `instructor`: may read every submission). Each learner gets a new token, which
replaces (revokes) the ones issued before; the tokens are printed once, as CSV (student,token), and stored only as
their SHA-256 (a token is 32 random bytes, so a plain hash cannot be reversed by guessing; no slow hash is needed).
"""
from __future__ import annotations

import csv
import hashlib
import re
import secrets
import time

from sqlalchemy import select, update

from . import tables

ROLES = ("learner", "instructor")
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


def check_id(student, what="the learner's id"):
    """ValueError unless `student` can be an nbgrader student id and a folder name (no '/', no '..', no spaces)."""
    if not isinstance(student, str) or not STUDENT_ID.fullmatch(student) or ".." in student:
        raise ValueError(f"{what} {student!r} cannot be a student id here: letters, digits and . _ @ + - only, "
                         "starting with a letter or digit, at most 128 characters")
    return student


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def read_roster(path):
    """[(id, role, {first_name, last_name, email})] of the roster CSV, or ValueError naming the line at fault."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise ValueError(f"{path}: the roster needs an 'id' column (its columns: {reader.fieldnames})")
        found, seen = [], set()
        for line, row in enumerate(reader, start=2):
            student = (row.get("id") or "").strip()
            check_id(student, f"{path}, line {line}: the id")
            role = (row.get("role") or "learner").strip() or "learner"
            if role not in ROLES:
                raise ValueError(f"{path}, line {line}: role {role!r} is not one of {', '.join(ROLES)}")
            if student in seen:
                raise ValueError(f"{path}, line {line}: {student!r} is in the roster twice")
            seen.add(student)
            found.append((student, role, {key: (row.get(key) or "").strip() or None
                                          for key in ("first_name", "last_name", "email")}))
    if not found:
        raise ValueError(f"{path}: the roster has no learner")
    return found


def issue(store, roster):
    """A new token for each (id, role, names) of the roster; [(id, token)]. The learners' earlier tokens are
    revoked and the learners added to nbgrader's gradebook, in one transaction."""
    from ..gradebook import db as gradebook_db

    t = tables.token
    students = gradebook_db.tables()["student"]
    now, issued = time.time(), []
    with store.transaction() as connection:
        known = set(connection.execute(select(students.c.id).where(
            students.c.id.in_([student for student, _, _ in roster]))).scalars())
        for student, role, names in roster:
            connection.execute(update(t).where(t.c.student == student, t.c.revoked.is_(None)).values(revoked=now))
            token = secrets.token_urlsafe(32)
            connection.execute(t.insert().values(hash=digest(token), student=student, role=role, issued=now))
            if student not in known:
                connection.execute(students.insert().values(id=student, **names))
            issued.append((student, token))
    return issued


def revoke(store, students):
    """Revoke every token of these learners; how many tokens."""
    t = tables.token
    with store.transaction() as connection:
        return connection.execute(update(t).where(t.c.student.in_(list(students)), t.c.revoked.is_(None))
                                  .values(revoked=time.time())).rowcount


def lookup(store, token):
    """The token's row (student, role, revoked), or None for a token never issued."""
    t = tables.token
    with store.reading() as connection:
        return connection.execute(select(t.c.student, t.c.role, t.c.revoked).where(t.c.hash == digest(token))).first()


def tokens_command(course, roster, db_url=None, out=None, revoked=None):
    """`python -m gradlab.grading tokens`: issue from `roster`, or revoke `revoked`; 0 when done."""
    import os
    import sys

    from ..course import nbgrader_calls
    from .queue import Store

    if bool(roster) == bool(revoked):
        raise ValueError("give a roster CSV to issue tokens, or --revoke ID ... to revoke them (one of the two)")
    from . import catalog

    found = read_roster(roster) if roster else None
    db_url = db_url or nbgrader_calls.default_db_url(course)
    catalog.ensure_gradebook(course, db_url)
    store = Store(db_url)
    try:
        if revoked:
            count = revoke(store, [check_id(student) for student in revoked])
            print(f"revoked {count} token(s) of {len(revoked)} learner(s)", file=sys.stderr)
            return 0
        issued = issue(store, found)
    finally:
        store.close()
    lines = "student,token\n" + "".join(f"{student},{token}\n" for student, token in issued)
    if out:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(lines)
        print(f"{len(issued)} token(s) written to {out} (earlier tokens of these learners revoked)", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0

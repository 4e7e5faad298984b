"""The durable queue of submissions, in the service's own tables: a submission is stored before it is
acknowledged, claimed by one service process at a time under a lease that the process renews while it grades,
and given back to the queue when the lease lapses (the process died or hung), for any process to claim.

Claims take the oldest submission at the head of each learner's queue, and a learner has at most one submission
being graded at a time, so a learner who sends many delays only themselves. On PostgreSQL, processes claim with
SELECT ... FOR UPDATE SKIP LOCKED; SQLite serves one process, whose writes are BEGIN IMMEDIATE transactions.
"""
from __future__ import annotations

import contextlib
import threading
import time
import uuid
import zlib
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, text, update

from ..gradebook import db as gradebook_db
from . import tables

HOUR = 3600.0
MAX_TRIES = 3  # claims of one submission that ended without a result (its process died) before it is failed


@dataclass(frozen=True)
class Claimed:
    seq: int
    id: str
    assignment: str
    student: str
    received: float
    notebook: bytes  # decompressed
    tries: int


@dataclass(frozen=True)
class TooMany:
    """The learner's attempts in the last hour are at the limit; the next one may come after `retry_after` s."""
    retry_after: int


class Store:
    """The service's tables on the gradebook's database (`db_url`): one per process, shared by its threads."""

    def __init__(self, db_url):
        self.db_url = db_url
        self.dialect = gradebook_db.check_url(db_url)
        # SQLite: BEGIN IMMEDIATE takes the write lock at once (waiting up to the connection's timeout for it)
        # rather than at the first write, where a reader that wants to write next to another writer is refused at
        # once with 'database is locked'.
        self.engine = gradebook_db.engine_for(db_url, sqlite_begin="BEGIN IMMEDIATE")
        self._sqlite_writes = threading.Lock() if self.dialect == "sqlite" else None
        # SQLite: reads on an engine of their own, so that they do not take the write lock (below) that writes take.
        self.reader = gradebook_db.engine_for(db_url) if self.dialect == "sqlite" else self.engine
        tables.create(self.engine)

    def close(self):
        self.engine.dispose()
        self.reader.dispose()

    @contextlib.contextmanager
    def transaction(self):
        """A write transaction (SQLite: one writer thread at a time, and BEGIN IMMEDIATE, so that a transaction that
        reads first never meets another writer half-way)."""
        lock = self._sqlite_writes or contextlib.nullcontext()
        with lock, self.engine.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def reading(self):
        with self.reader.connect() as connection:
            yield connection

    # -- learners' side ------------------------------------------------------------------------------------------

    def attempts_in_last_hour(self, connection, assignment, student, now):
        a = tables.attempt
        return connection.execute(select(func.count(), func.min(a.c.received)).where(
            a.c.assignment == assignment, a.c.student == student, a.c.received > now - HOUR)).one()

    def accept(self, assignment, student, notebook, late, per_hour, now=None):
        """Store a submission (durably: committed before this returns) and return its id, or TooMany when the
        learner has made `per_hour` submissions of this assignment in the last hour. The count and the insert are
        one transaction, under a lock on the learner (PostgreSQL: an advisory lock), so that two processes do not
        both let the last one through."""
        now = time.time() if now is None else now
        with self.transaction() as connection:
            self._lock_learner(connection, assignment, student)
            count, oldest = self.attempts_in_last_hour(connection, assignment, student, now)
            if count >= per_hour:
                return TooMany(retry_after=max(1, int(oldest + HOUR - now) + 1))
            attempt_id = uuid.uuid4().hex
            connection.execute(tables.attempt.insert().values(
                id=attempt_id, assignment=assignment, student=student, received=now, late=late,
                notebook=zlib.compress(notebook, 6), status="queued", tries=0))
        return attempt_id

    def too_many(self, assignment, student, per_hour, now=None):
        """TooMany if the learner is at the limit now (a check before the body is read), else None."""
        now = time.time() if now is None else now
        with self.reading() as connection:
            count, oldest = self.attempts_in_last_hour(connection, assignment, student, now)
        return TooMany(retry_after=max(1, int(oldest + HOUR - now) + 1)) if count >= per_hour else None

    def _lock_learner(self, connection, assignment, student):
        if self.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                               {"key": f"gradlab-learner/{assignment}/{student}"})  # text: no NUL in it

    def find(self, attempt_id):
        """The row of one submission (a mapping), or None."""
        with self.reading() as connection:
            return connection.execute(select(tables.attempt).where(tables.attempt.c.id == attempt_id)).mappings().first()

    def of_learner(self, assignment, student):
        """A learner's submissions of `assignment`, newest first (without the notebook and files)."""
        a = tables.attempt
        columns = [c for c in a.c if c.name not in ("notebook", "files")]
        with self.reading() as connection:
            return connection.execute(select(*columns).where(a.c.assignment == assignment, a.c.student == student)
                                      .order_by(a.c.seq.desc())).mappings().all()

    # -- graders' side -------------------------------------------------------------------------------------------

    def reap(self, now=None):
        """Put back in the queue every submission whose claim has lapsed; fail those claimed MAX_TRIES times.
        Returns how many went back."""
        now = time.time() if now is None else now
        a = tables.attempt
        lapsed = and_(a.c.status == "grading", a.c.lease_until < now)
        with self.transaction() as connection:
            connection.execute(update(a).where(lapsed, a.c.tries >= MAX_TRIES).values(
                status="failed", claim=None, lease_until=None, graded_at=now,
                error=f"grading was interrupted {MAX_TRIES} times (the service process grading it stopped)"))
            return connection.execute(update(a).where(lapsed).values(status="queued", claim=None,
                                                                     lease_until=None)).rowcount

    def claim(self, count, claim, lease_seconds, now=None):
        """Claim up to `count` queued submissions for `claim` (a process's id): the oldest at the head of each
        learner's queue whose learner has none being graded. Returns [Claimed]."""
        if count <= 0:
            return []
        now = time.time() if now is None else now
        a, busy, before = tables.attempt, tables.attempt.alias("busy"), tables.attempt.alias("before")
        query = (select(a.c.seq).where(
            a.c.status == "queued",
            ~exists().where(busy.c.assignment == a.c.assignment, busy.c.student == a.c.student,
                            busy.c.status == "grading"),
            ~exists().where(before.c.assignment == a.c.assignment, before.c.student == a.c.student,
                            before.c.status == "queued", before.c.seq < a.c.seq))
            .order_by(a.c.seq).limit(count))
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=a)
        with self.transaction() as connection:
            seqs = connection.execute(query).scalars().all()
            if not seqs:
                return []
            connection.execute(update(a).where(a.c.seq.in_(seqs), a.c.status == "queued").values(
                status="grading", claim=claim, lease_until=now + lease_seconds, claimed_at=now, tries=a.c.tries + 1))
            rows = connection.execute(select(a.c.seq, a.c.id, a.c.assignment, a.c.student, a.c.received, a.c.notebook,
                                             a.c.tries).where(a.c.seq.in_(seqs), a.c.claim == claim)
                                      .order_by(a.c.seq)).all()
        return [Claimed(r.seq, r.id, r.assignment, r.student, r.received, zlib.decompress(r.notebook), r.tries)
                for r in rows]

    def renew(self, claim, lease_seconds, now=None):
        """Extend the lease of everything `claim` holds."""
        now = time.time() if now is None else now
        a = tables.attempt
        with self.transaction() as connection:
            connection.execute(update(a).where(a.c.claim == claim, a.c.status == "grading")
                               .values(lease_until=now + lease_seconds))

    def release(self, claim, seqs=None):
        """Give back to the queue what `claim` holds (all of it, or the submissions `seqs`), for another claim;
        a release does not count as a try."""
        a = tables.attempt
        where = [a.c.claim == claim, a.c.status == "grading"] + ([a.c.seq.in_(list(seqs))] if seqs is not None else [])
        with self.transaction() as connection:
            connection.execute(update(a).where(*where).values(status="queued", claim=None, lease_until=None,
                                                              tries=a.c.tries - 1))

    def release_all(self):
        """Put back in the queue everything being graded (at the start of the only process a SQLite gradebook has:
        what it finds being graded was a previous process's, which stopped)."""
        a = tables.attempt
        with self.transaction() as connection:
            connection.execute(update(a).where(a.c.status == "grading").values(status="queued", claim=None,
                                                                               lease_until=None))

    def fail(self, seq, claim, error, now=None):
        """Mark a claimed submission failed (if the claim still holds it); whether it did."""
        now = time.time() if now is None else now
        a = tables.attempt
        with self.transaction() as connection:
            return connection.execute(update(a).where(a.c.seq == seq, a.c.claim == claim, a.c.status == "grading")
                                      .values(status="failed", claim=None, lease_until=None, graded_at=now,
                                              error=error)).rowcount == 1

    def known_learners(self):
        """Every learner the course knows: tokens issued, and nbgrader's students."""
        t = gradebook_db.tables()
        with self.reading() as connection:
            issued = set(connection.execute(select(tables.token.c.student).distinct()).scalars())
            students = set(connection.execute(select(t["student"].c.id)).scalars())
        return issued | students


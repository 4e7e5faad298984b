"""The service's own tables, in the gradebook's database beside nbgrader's, so that recording a result and merging
it into nbgrader's tables is one transaction. nbgrader never reads or migrates them (its alembic revisions name
only its own tables).

    gradlab_service_attempt   every submission: its notebook, where it is in the queue, its result and feedback
    gradlab_service_counted   per learner and assignment, the attempt merged into nbgrader's gradebook
    gradlab_service_recorded  one row per result recorded (an attempt graded twice would show two)
    gradlab_service_token     learners' tokens (standalone), hashed
"""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, Index, Integer, LargeBinary, MetaData, String, Table, Text,
                        UniqueConstraint)

METADATA = MetaData()
ID = 32  # characters of an attempt's id (uuid4 hex)
NAME = 128  # an assignment's or a learner's id

attempt = Table(
    "gradlab_service_attempt", METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # the queue's order
    Column("id", String(ID), nullable=False, unique=True),  # what the API shows: random, so not guessable
    Column("assignment", String(NAME), nullable=False),
    Column("student", String(NAME), nullable=False),
    Column("received", Float, nullable=False),  # seconds since the epoch, UTC
    Column("late", Boolean, nullable=False, default=False),  # received after the learner's due date
    Column("notebook", LargeBinary, nullable=False),  # the body as received, zlib-compressed
    Column("status", String(16), nullable=False),  # queued, grading, graded, failed
    Column("claim", String(ID)),  # the claim of the process grading it (status grading)
    Column("lease_until", Float),  # when that claim lapses unless renewed
    Column("tries", Integer, nullable=False, default=0),  # claims so far
    Column("claimed_at", Float),  # when it was last claimed
    Column("graded_at", Float),
    Column("score", Float),  # after nbgrader's late penalty
    Column("max_score", Float),
    Column("late_penalty", Float),
    Column("tests", Text),  # JSON: [{"name", "score", "max_score"}]
    Column("files", LargeBinary),  # a zip: autograded/... and feedback/... as the worker returned them
    Column("error", Text),  # why it failed
    Column("seconds", Float),  # the worker's time
    Index("gradlab_service_attempt_queue", "status", "seq"),
    Index("gradlab_service_attempt_learner", "assignment", "student", "seq"),
)

counted = Table(
    "gradlab_service_counted", METADATA,
    Column("assignment", String(NAME), primary_key=True),
    Column("student", String(NAME), primary_key=True),
    Column("attempt", String(ID)),  # None until a first attempt is graded
    Column("score", Float),
    Column("seq", Integer),
    Column("merged_at", Float),
)

recorded = Table(
    "gradlab_service_recorded", METADATA,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("attempt", String(ID), nullable=False, index=True),  # deliberately not unique: a double would show
    Column("process", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("merged", Boolean, nullable=False),
)

token = Table(
    "gradlab_service_token", METADATA,
    Column("hash", String(64), primary_key=True),  # sha256 of the token
    Column("student", String(NAME), nullable=False, index=True),
    Column("role", String(16), nullable=False),  # learner or instructor
    Column("issued", Float, nullable=False),
    Column("revoked", Float),
    UniqueConstraint("hash"),
)


def create(engine):
    """Create the service's tables where they are missing (every process does it at start). On PostgreSQL under an
    advisory lock, so that two processes starting together do not both create them."""
    from sqlalchemy import text

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_CREATE})
        METADATA.create_all(connection, checkfirst=True)


ADVISORY_CREATE = 0x67726164  # any fixed number: the lock that serializes creating these tables

"""nbgrader's gradebook as a database the grading command writes with its own SQL: any SQLAlchemy URL that
nbgrader takes (`--db`) for SQLite or PostgreSQL, checked before anything is written.

The statements in merge.py and template.py are written against nbgrader 0.9's tables (one alembic revision), as
SQLAlchemy Core expressions on nbgrader's own table definitions, so that each value is stored in the form
nbgrader's ORM stores it on either database (a DateTime in SQLite is text in SQLAlchemy's format, in
PostgreSQL a timestamp). Other databases and other revisions are refused with a message saying what to do.
"""
from __future__ import annotations

import contextlib
import os

SCHEMA = "e43177bfe90b"  # nbgrader 0.9's gradebook (its alembic revision), the one these statements are written for
DIALECTS = ("sqlite", "postgresql")


def tables():
    """nbgrader's tables by name (imported here: nbgrader.api takes a while to import)."""
    from nbgrader.api import Base

    return Base.metadata.tables


def sqlite_path(db_url):
    prefix = "sqlite:///"
    return db_url[len(prefix):] if db_url.startswith(prefix) else None


def check_url(db_url):
    """The database `db_url` names (sqlite or postgresql), or ValueError naming the URL when it is not one the
    merge writes."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        dialect = make_url(db_url).get_backend_name()
    except ArgumentError:
        raise ValueError(f"--db {db_url!r} is not a database URL (e.g. sqlite:///gradebook.db or "
                         "postgresql+psycopg://user@host/gradebook)") from None
    if dialect not in DIALECTS:
        raise ValueError(f"the grading command writes SQLite and PostgreSQL gradebooks; {safe_url(db_url)} is "
                         f"{dialect}: grade it with `nbgrader autograde`")
    return dialect


def engine_for(db_url, sqlite_begin="BEGIN"):
    """An engine for `db_url` (see check_url). On SQLite every transaction starts with `sqlite_begin`: the
    service's writers take the write lock at once with "BEGIN IMMEDIATE"."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import NoSuchModuleError

    dialect = check_url(db_url)
    # SQLite: formgrader may hold the lock for a moment while an instructor saves a grade.
    arguments = {"connect_args": {"timeout": 60}} if dialect == "sqlite" else {}
    try:
        engine = create_engine(db_url, **arguments)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise ValueError(f"cannot open {db_url!r}: {error} (PostgreSQL needs `pip install \"psycopg[binary]\"` "
                         "and a postgresql+psycopg:// URL)") from None
    if dialect == "sqlite":
        _transactions_by_sqlalchemy(engine, sqlite_begin)
    return engine


def _transactions_by_sqlalchemy(engine, begin):
    """Python's sqlite3 begins and ends transactions by itself, which breaks SAVEPOINT (the merge's per-submission
    rollback); SQLAlchemy's documented remedy: sqlite3 leaves them alone and SQLAlchemy emits BEGIN."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql(begin)


def check_schema(connection, db_url):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        rows = [tuple(row) for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    except DBAPIError:
        connection.rollback()
        rows = []
    if not rows and stamp_half_made(sqlite_path(db_url)):
        rows = [(SCHEMA,)]
    if rows != [(SCHEMA,)]:
        raise RuntimeError(f"the gradebook {safe_url(db_url)} has schema {rows or 'none'}, not nbgrader 0.9's {SCHEMA}: "
                           "grade it with `nbgrader autograde`, or upgrade it with `nbgrader db upgrade`")


def stamp_half_made(path):
    """Stamp the SQLite gradebook at `path` with SCHEMA if it has nbgrader 0.9's tables but no schema version, as
    nbgrader stamps a new one; True if it did. nbgrader makes a gradebook's tables, then runs `alembic` to find
    the version to stamp: where that command is missing it stops in between, and every later run takes the
    tables as a gradebook of unknown version (`nbgrader db upgrade` fails on it). Tables that are not nbgrader
    0.9's (another version's, or another program's) are refused with a message, never stamped."""
    import sqlite3

    if not path or not os.path.isfile(path):
        return False
    connection = sqlite3.connect(path, timeout=60)
    try:
        found = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not found or "alembic_version" in found:
            return False
        expected = {name: {column.name for column in table.columns} for name, table in tables().items()}
        columns = {name: {row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')} for name in found}
        if columns != expected:
            raise RuntimeError(f"the gradebook {path} has tables but no schema version, and they are not nbgrader "
                               "0.9's: it was not made by this nbgrader. Move it away (or delete it, if it holds no "
                               "grades you need) and run the command again")
        with connection:
            connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            connection.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (SCHEMA,))
    finally:
        connection.close()
    return True


@contextlib.contextmanager
def open_gradebook(db_url):
    """A connection to the gradebook at `db_url` after checking its database and its schema; closed after."""
    engine = engine_for(db_url)
    try:
        with engine.connect() as connection:
            check_schema(connection, db_url)
            connection.commit()
            yield connection
    finally:
        engine.dispose()


def safe_url(db_url):
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)

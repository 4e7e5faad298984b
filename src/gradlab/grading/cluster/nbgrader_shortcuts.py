"""Two of nbgrader's steps made cheap in a worker, with the same results.

A worker runs nbgrader's own Autograde and GenerateFeedback in-process on a private gradebook (worker.py). Measured
there, two steps cost a fifth of the worker's CPU per submission without doing anything a submission needs:

- opening the gradebook: nbgrader opens `Gradebook(db_url)` nine times per submission, and each time builds a new
  SQLAlchemy engine, lists the tables and checks every table of its schema (create_all). The private gradebook is a
  copy of a template made with that schema (gradebook/template.py), so for its URL the engine is made once and the
  schema is not checked again; everything else (the course check, the session) is nbgrader's.
- checking cells' metadata (CheckCellMetadata, twice per submission): nbgrader calls jsonschema.validate for every
  cell, which checks the schema itself before the cell. The schema is nbgrader's own file; it is compiled once here
  and every cell is checked against it as before (an invalid cell still raises jsonschema's ValidationError).

nbgrader 0.9 (the only version gradlab grades with: gradebook/db.py checks it) has no setting for either, hence
these patches, installed once per worker process and acting only where they say.
"""
from __future__ import annotations

import json
import threading

_LOCK = threading.Lock()
_PRIVATE = {}  # db_url -> the engine of a private gradebook made from the template
_INSTALLED = []


def register(db_url, engine):
    """Gradebooks at `db_url` are copies of the template: open them with `engine` and without checking the schema."""
    install()
    with _LOCK:
        _PRIVATE[db_url] = engine


def forget(db_url):
    with _LOCK:
        _PRIVATE.pop(db_url, None)


def install():
    """Install both shortcuts in this process (once)."""
    with _LOCK:
        if _INSTALLED:
            return
        _INSTALLED.append(True)
    _install_gradebook_opening()
    _install_metadata_validation()


def _install_gradebook_opening():
    import nbgrader.api as api
    from sqlalchemy.orm import scoped_session, sessionmaker

    original = api.Gradebook.__init__

    def opened(self, db_url, course_id="default_course", authenticator=None):
        engine = _PRIVATE.get(db_url)
        if engine is None:
            return original(self, db_url, course_id, authenticator)
        # nbgrader's own __init__ without the engine's creation and the schema's check (see the module's docstring)
        self.engine = engine
        self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
        self.check_course(course_id=course_id)
        self.course_id = course_id
        self.authenticator = authenticator

    api.Gradebook.__init__ = opened


class _CompiledValidation:
    """Stands in for the jsonschema module where nbgrader's metadata validator calls jsonschema.validate."""

    def __init__(self, jsonschema):
        self.jsonschema, self.compiled, self.last = jsonschema, {}, (None, None)

    def validate(self, instance, schema):
        if self.last[0] is not schema:  # nbgrader reads its schema afresh for every notebook: compiled by content
            key = json.dumps(schema, sort_keys=True)
            if key not in self.compiled:
                self.compiled[key] = self.jsonschema.validators.validator_for(schema)(schema)
            self.last = (schema, self.compiled[key])
        self.last[1].validate(instance)

    def __getattr__(self, name):
        return getattr(self.jsonschema, name)


def _install_metadata_validation():
    import jsonschema
    import nbgrader.nbgraderformat.common as common

    common.jsonschema = _CompiledValidation(jsonschema)

"""The gradebook a worker grades in: a new SQLite gradebook holding one assignment as the course's gradebook
holds it (its due date, notebooks, cells and the locked cells' source, which nbgrader restores before grading),
and no student.

It is made once per run from the course's gradebook, whatever database that is, and sent to the workers with
the assignment's material; a worker starts every submission from a fresh copy of it, so that nothing one
submission leaves in it can touch the next, and no worker needs the course's database.
"""
from __future__ import annotations

import os

from . import db as gradebook_db


def _rows(connection, table, column, values):
    from sqlalchemy import select

    if not values:
        return []
    return [dict(row) for row in connection.execute(select(table).where(column.in_(list(values)))).mappings()]


def build(connection, assignment, path):
    """Write the template for `assignment` at `path` (a new SQLite file) from the course's gradebook open on
    `connection`; return its bytes."""
    from sqlalchemy import create_engine, text

    t = gradebook_db.tables()
    assignments = _rows(connection, t["assignment"], t["assignment"].c.name, [assignment])
    if not assignments:
        raise LookupError(f"assignment {assignment!r} is not in the gradebook: run `nbgrader generate_assignment`")
    notebooks = _rows(connection, t["notebook"], t["notebook"].c.assignment_id, [assignments[0]["id"]])
    notebook_ids = [row["id"] for row in notebooks]
    cells = _rows(connection, t["base_cell"], t["base_cell"].c.notebook_id, notebook_ids)
    cell_ids = [row["id"] for row in cells]
    copied = [("course", [{"id": assignments[0]["course_id"]}]), ("assignment", assignments), ("notebook", notebooks),
              ("base_cell", cells)]
    copied += [(name, _rows(connection, t[name], t[name].c.id, cell_ids))
               for name in ("grade_cells", "solution_cells", "task_cells")]
    copied.append(("source_cell", _rows(connection, t["source_cell"], t["source_cell"].c.notebook_id, notebook_ids)))
    if os.path.exists(path):
        os.remove(path)
    engine = create_engine("sqlite:///" + path)
    try:
        with engine.begin() as target:
            # What nbgrader's Gradebook does for a new database: its tables, stamped with their revision.
            t["course"].metadata.create_all(target)
            target.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            target.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": gradebook_db.SCHEMA})
            for name, rows in copied:
                if rows:
                    target.execute(t[name].insert(), rows)
    finally:
        engine.dispose()
    with open(path, "rb") as handle:
        return handle.read()

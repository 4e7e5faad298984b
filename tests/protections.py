"""The protections that held a submission, as the grader records them, against what this machine offers (by the
tests' own probes, probes.py): where the machine offers bubblewrap, a cgroup or Landlock, a grading run that went
without one fell back, and that is a failure wherever it happens (one sandbox run, nbgrader autograde, the class
command, a Dask worker, the grading service)."""
from __future__ import annotations

import json
from pathlib import Path

import probes

LAYERS = ("bubblewrap", "cgroup", "landlock")


def layers(protections):
    """The sandbox's layers among a list of protections (ChildRun.protections, or the list a notebook keeps)."""
    return {layer for layer in LAYERS if any(str(p).startswith(layer) for p in protections)}


def expected(contained=True):
    """The layers a run must report here: every one the machine offers (without bubblewrap if told so)."""
    return probes.offered() - (set() if contained else {"bubblewrap"})


def recorded(notebook):
    """What an autograded notebook's metadata says held its submission: {"in_force": [...], "runs": N}."""
    return held_by(json.loads(Path(notebook).read_text()))


def held_by(document):
    """The protections an autograded notebook (its JSON, parsed) records, or None."""
    return document.get("metadata", {}).get("gradlab", {}).get("protections")


def _fallback(held, offered, where):
    """The layers `offered` lacks in `held` (None when they are the same), once `held` says some run reported them."""
    assert held["runs"] >= 1, f"{where}: no run reported its protections ({held})"
    return sorted(offered - layers(held["in_force"])) if layers(held["in_force"]) != offered else None


def assert_attempts_protected(db_url, ids=None, student=None, offered=None):
    """Every attempt of the grading service among `ids` (or every one of `student`'s) was graded with every layer the
    machine offers (or `offered`: those offered to the user who grades), in each of its runs: as the autograded
    notebook the worker returned records it, which the attempt's row keeps (gradlab_service_attempt.files)."""
    offered = expected() if offered is None else offered
    from sqlalchemy import create_engine, select

    from gradlab.grading.service import tables
    from gradlab.grading.service.record import unpack

    a = tables.attempt
    query = select(a.c.id, a.c.status, a.c.files)
    query = query.where(a.c.id.in_(list(ids))) if ids is not None else query.where(a.c.student == student)
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    finally:
        engine.dispose()
    assert rows and (ids is None or len(rows) == len(set(ids))), f"attempts {ids or student}: {len(rows)} stored"
    missing = {}
    for row in rows:
        notebooks = {path: data for path, data in unpack(row.files, "autograded").items() if path.endswith(".ipynb")}
        assert notebooks, f"attempt {row.id} ({row.status}) keeps no autograded notebook"
        for path, data in notebooks.items():
            held = held_by(json.loads(data))
            assert held is not None, f"attempt {row.id}: {path} records no protections"
            lacking = _fallback(held, offered, f"attempt {row.id}: {path}")
            if lacking is not None:
                missing[f"{row.id}/{path}"] = lacking
    assert not missing, f"graded without layers this machine offers (a fallback): {missing}"


def assert_protected(course, assignment, students, discarded=(), offered=None):
    """Every student's autograded notebook of `assignment` in `course` was graded in a sandbox with every layer the
    machine offers (or `offered`: those offered to the user who grades), in each of its runs. `discarded`: students
    whose code breaks the result protocol in every run, so that no report of theirs comes back (and nothing of their
    runs is scored)."""
    offered = expected() if offered is None else offered
    missing = {}
    for student in students:
        found = sorted(Path(course, "autograded", student, assignment).glob("*.ipynb"))
        assert found, f"{student} has no autograded notebook in {course}"
        for notebook in found:
            held = recorded(notebook)
            assert held is not None, f"{notebook} records no protections"
            if student in discarded:
                assert held["runs"] == 0 and held["unreported"] >= 1, f"{notebook}: {held}"
                continue
            lacking = _fallback(held, offered, notebook)
            if lacking is not None:
                missing[f"{student}/{notebook.name}"] = lacking
    assert not missing, f"graded without layers this machine offers (a fallback): {missing}"

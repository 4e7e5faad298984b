"""nbgrader run as `.venv/bin/nbgrader` from a shell without the environment on PATH, in a course configured with
grade_with_gradlab: nbgrader makes a new gradebook with the `alembic` command it finds on PATH, and used to stop
half way (tables, no schema version), leaving a gradebook that the next run accepted and `nbgrader db upgrade`
could not mend. The course's configuration now puts the interpreter's tools on PATH, and stamps a gradebook
that such a run left half-made."""
import os
import sqlite3
import subprocess
import sys

from gradlab.grading.course.files import copy_course
from gradlab.grading.course.nbgrader_calls import isolated_environment
from gradlab.grading.gradebook.db import SCHEMA
from nbgrader_course import ASSIGNMENT, COURSE

NBGRADER = os.path.join(os.path.dirname(sys.executable), "nbgrader")  # the environment's, called by its path


def without_the_environment(folder):
    """Variables for a shell where neither this environment nor any other `alembic` is on PATH."""
    env = isolated_environment(folder)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if p and not os.path.exists(os.path.join(p, "alembic")))
    env.pop("VIRTUAL_ENV", None)
    return env


def nbgrader(course, env, *args):
    return subprocess.run([NBGRADER, *args], cwd=course, env=env, capture_output=True, text=True, timeout=900)


def schema(course):
    with sqlite3.connect(course / "gradebook.db") as connection:
        return [row for (row,) in connection.execute("SELECT version_num FROM alembic_version")]


def test_nbgrader_outside_the_environment_makes_a_whole_gradebook(tmp_path):
    course = copy_course(COURSE, tmp_path / "course")
    env = without_the_environment(str(tmp_path / "jupyter"))
    done = nbgrader(course, env, "generate_assignment", ASSIGNMENT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "alembic" not in done.stderr
    assert schema(course) == [SCHEMA]
    upgraded = nbgrader(course, env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stdout[-2000:] + upgraded.stderr[-2000:]


def test_a_gradebook_left_half_made_is_stamped_and_can_be_upgraded(tmp_path):
    from nbgrader.api import Base
    from sqlalchemy import create_engine

    course = copy_course(COURSE, tmp_path / "course")
    engine = create_engine(f"sqlite:///{course / 'gradebook.db'}")
    Base.metadata.create_all(engine)  # what nbgrader leaves when it cannot run `alembic`: tables, no version
    engine.dispose()
    env = without_the_environment(str(tmp_path / "jupyter"))
    done = nbgrader(course, env, "generate_assignment", ASSIGNMENT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "had nbgrader's tables without their schema version" in done.stderr and "stamped it" in done.stderr
    assert schema(course) == [SCHEMA]
    upgraded = nbgrader(course, env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stdout[-2000:] + upgraded.stderr[-2000:]
    # the assignment it generated is in the stamped gradebook
    with sqlite3.connect(course / "gradebook.db") as connection:
        assert connection.execute("SELECT name FROM assignment").fetchall() == [(ASSIGNMENT,)]


def test_tables_that_are_not_nbgraders_are_named_and_left_alone(tmp_path):
    course = copy_course(COURSE, tmp_path / "course")
    with sqlite3.connect(course / "gradebook.db") as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    env = without_the_environment(str(tmp_path / "jupyter"))
    done = nbgrader(course, env, "db", "student", "list")
    assert "has tables but no schema version, and they are not nbgrader 0.9's" in done.stderr
    with sqlite3.connect(course / "gradebook.db") as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "alembic_version" not in tables

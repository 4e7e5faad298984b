"""What the test modules share: the groups of tests that protect or show, skippable outside CI only
(groups.py, whose hooks are imported here), Hypothesis's profile chosen by the same test of CI (ci_mode.py), the
coherence check every report the suite builds goes through (tests/coherence.py), a PostgreSQL server of the tests'
own (postgres_server.py), and the course as nbgrader makes it (generated, then each assignment's sample class
autograded by `nbgrader autograde`: the oracle the grading command's results are compared with), each made once per
session."""
import functools
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gradlab.check  # noqa: E402
from coherence import assert_coherent  # noqa: E402
from ci_mode import load_hypothesis_profile  # noqa: E402
from groups import pytest_configure as configure_groups  # noqa: E402
from groups import (pytest_collection_modifyitems, pytest_runtest_makereport, pytest_runtest_setup,  # noqa: E402,F401
                    pytest_sessionfinish, pytest_terminal_summary)
from postgres_server import PostgresServer  # noqa: E402


def pytest_configure(config):
    configure_groups(config)
    load_hypothesis_profile(config)  # by the same test of CI as the groups'


@pytest.fixture(autouse=True, scope="session")
def every_report_is_coherent():
    """Every report the suite builds goes through assert_coherent: session-wide, so that the reports built in module
    and session fixtures (set up before any function's fixture) are checked too."""
    build = gradlab.check.build_report

    @functools.wraps(build)
    def checked(*fields):
        return assert_coherent(build(*fields))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gradlab.check, "build_report", checked)
        yield


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server on 127.0.0.1 for the whole session (the tests that use it are the postgresql group:
    groups.py skips or fails them, with the reason, where PostgreSQL is missing)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def nbgrader_env(tmp_path_factory):
    """Environment variables for running nbgrader and jupyter with their files in a temporary folder."""
    from gradlab.grading.course.nbgrader_calls import isolated_environment

    return isolated_environment(str(tmp_path_factory.mktemp("jupyter")))


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory, nbgrader_env):
    """The course as an instructor has it after `nbgrader generate_assignment` of every assignment (copy it before
    changing it)."""
    from nbgrader_course import new_course

    return new_course(tmp_path_factory.mktemp("generated") / "course", nbgrader_env)


@pytest.fixture(scope="session")
def autograded_by_nbgrader(generated_course, tmp_path_factory, nbgrader_env):
    """assignment -> a copy of the course where its sample class was submitted, then `nbgrader autograde` (its output
    kept in autograde.log), `export` and `generate_feedback`; made when a test first asks for that assignment."""
    from nbgrader_course import COURSE, nbgrader

    made = {}

    def course_for(assignment):
        if assignment not in made:
            course = tmp_path_factory.mktemp(f"nbgrader-{assignment}") / "course"
            shutil.copytree(generated_course, course)
            for notebook in (COURSE / "sample_class" / assignment).glob("*.ipynb"):
                place = course / "submitted" / notebook.stem / assignment
                place.mkdir(parents=True)
                shutil.copy(notebook, place / f"{assignment}.ipynb")
            done = nbgrader(course, nbgrader_env, "autograde", assignment)
            (course / "autograde.log").write_text(done.stdout + done.stderr)
            nbgrader(course, nbgrader_env, "export")
            nbgrader(course, nbgrader_env, "generate_feedback", assignment)
            made[assignment] = course
        return made[assignment]

    return course_for


@pytest.fixture(scope="session")
def nbgrader_autograded(autograded_by_nbgrader):
    """The gradient_checking sample class as `nbgrader autograde` grades it."""
    from nbgrader_course import ASSIGNMENT

    return autograded_by_nbgrader(ASSIGNMENT)


@pytest.fixture(scope="session")
def layers_course(tmp_path_factory, nbgrader_env):
    """The shipped course with the layer assignments of tests/courses/layers, every assignment generated (copy it
    before changing it)."""
    from layers_course import new_layers_course

    return new_layers_course(tmp_path_factory.mktemp("layers") / "course", nbgrader_env)


@pytest.fixture(scope="session")
def layers_autograded(layers_course, tmp_path_factory, nbgrader_env):
    """assignment -> (a copy of the layers course where the finite-difference class of tests/differences_class.py
    was submitted, then `nbgrader autograde` and `generate_feedback`; student -> expected scores), made when a test
    first asks for that assignment."""
    from layers_course import autograde

    made = {}

    def course_for(assignment):
        if assignment not in made:
            course = tmp_path_factory.mktemp(f"layers-{assignment}") / "course"
            shutil.copytree(layers_course, course)
            made[assignment] = (course, autograde(course, nbgrader_env, assignment))
        return made[assignment]

    return course_for

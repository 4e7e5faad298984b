"""Fixtures shared by test modules: a PostgreSQL server of the tests' own (postgres_server.py)."""
import os

import pytest

from postgres_server import PostgresServer, find_bin


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server on 127.0.0.1 for the whole session. Without PostgreSQL installed the tests that need
    it are skipped with the reason, except in CI (.ci/run installs it), where that is a failure."""
    if find_bin() is None:
        message = "PostgreSQL is not installed (apt-get install -y postgresql; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def nbgrader_env(tmp_path_factory):
    """Environment variables for running nbgrader and jupyter with their files in a temporary folder."""
    from gradlab.grading.nbgrader_calls import isolated_environment

    return isolated_environment(str(tmp_path_factory.mktemp("jupyter")))


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory, nbgrader_env):
    """The course as an instructor has it after `nbgrader generate_assignment` (copy it before changing it)."""
    from nbgrader_course import new_course

    return new_course(tmp_path_factory.mktemp("generated") / "course", nbgrader_env)


@pytest.fixture(scope="session")
def nbgrader_autograded(generated_course, tmp_path_factory, nbgrader_env):
    """The sample class submitted, then `nbgrader autograde`, `export` and `generate_feedback`: the oracle that the
    grading command's results are compared with."""
    import shutil

    from nbgrader_course import ASSIGNMENT, COURSE, nbgrader

    course = tmp_path_factory.mktemp("nbgrader") / "course"
    shutil.copytree(generated_course, course)
    for notebook in (COURSE / "sample_class").glob("*.ipynb"):
        place = course / "submitted" / notebook.stem / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(notebook, place / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, nbgrader_env, "autograde", ASSIGNMENT)
    nbgrader(course, nbgrader_env, "export")
    nbgrader(course, nbgrader_env, "generate_feedback", ASSIGNMENT)
    return course

"""nbgrader's own converters (GenerateAssignment, Autograde, GenerateFeedback), run in this process with the
course's nbgrader_config.py, as `nbgrader <command>` would run them in the course directory.

Running them in-process lets a worker pay nbgrader's import time once for many submissions.
"""
from __future__ import annotations

import logging
import os
import sys
import warnings

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def ensure_tools_on_path():
    """nbgrader runs the `alembic` command to create a gradebook: it lives next to this interpreter."""
    here = os.path.dirname(sys.executable)
    if here not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([here, os.environ.get("PATH", "")])


def isolated_environment(folder, base=None):
    """Environment variables for running `nbgrader` or `jupyter` as a subprocess with its configuration,
    data and runtime files under `folder` (nothing read from or written to the user's ~/.jupyter), and this
    interpreter's tools (nbgrader, alembic) first on PATH."""
    env = dict(os.environ if base is None else base)
    env.update(PATH=os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")]), JUPYTER_PLATFORM_DIRS="1",
               JUPYTER_CONFIG_DIR=os.path.join(folder, "jupyter-config"),
               JUPYTER_DATA_DIR=os.path.join(folder, "jupyter-data"),
               JUPYTER_RUNTIME_DIR=os.path.join(folder, "jupyter-runtime"), IPYTHONDIR=os.path.join(folder, "ipython"))
    return env


def quiet_nbgrader_warnings():
    """nbgrader 0.9 with SQLAlchemy 2 warns about its own session use, and nbformat about the id of a cell
    nbgrader restores: nothing an instructor can act on, and it would scramble the progress bar."""
    from nbformat.warnings import MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)


def course_config(course, db_url=None):
    """The course's nbgrader_config.py, rooted at `course`, optionally with another gradebook."""
    config = Config()
    if os.path.exists(os.path.join(course, CONFIG_FILE)):
        config.merge(PyFileConfigLoader(CONFIG_FILE, path=course).load_config())
    config.CourseDirectory.root = os.path.abspath(course)
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config


def course_directory(course):
    """nbgrader's CourseDirectory for `course`, as its nbgrader_config.py sets it."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=course_config(course))


def default_db_url(course):
    return course_directory(course).db_url


def course_id(course):
    return course_directory(course).course_id


def _run(converter_class, course, assignment, student=None, db_url=None, log=None, force=True, **settings):
    """Run one nbgrader converter; return (succeeded, error text). Its log goes to `log` (a logger)."""
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    ensure_tools_on_path()
    config = course_config(course, db_url)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    if student is not None:
        coursedir.student_id = student
    converter = converter_class(coursedir=coursedir, config=config)
    converter.force = force
    for name, value in settings.items():
        setattr(converter, name, value)
    converter.log = log or logging.getLogger("gradlab.grading.nbgrader")
    try:
        converter.start()
    except NbGraderException as error:
        return False, str(error) or "nbgrader reported an error (see the log)"
    return True, ""


def generate_assignment(course, assignment, db_url=None, log=None):
    from nbgrader.converters import GenerateAssignment

    return _run(GenerateAssignment, course, assignment, db_url=db_url, log=log, create_assignment=True)


def autograde(course, assignment, student, db_url=None, log=None):
    from nbgrader.converters import Autograde

    return _run(Autograde, course, assignment, student, db_url, log, create_student=True)


def generate_feedback(course, assignment, student, db_url=None, log=None):
    from nbgrader.converters import GenerateFeedback

    return _run(GenerateFeedback, course, assignment, student, db_url, log)

"""The classroom's folders on the hub's machine, made before the hub starts.

    ROOT/home/NAME       each user's home (the instructor's holds the course, as ~/course)
    ROOT/exchange        nbgrader's exchange, mode 777 as nbgrader's documentation sets it up for a hub
    ROOT/jupyter         configuration every server reads (its JUPYTER_CONFIG_PATH): the exchange's place, and
                         JupyterLab without news or update checks, its application reachable by the Submit control
    ROOT/hub             the hub's own state (database, cookie secret), the root's only
    ROOT/python          only where the users cannot run the hub's Python: theirs (interpreter.py)

and, where the machine's cgroups are root's, a control group given to the instructor, in which the grading service
and their commands start (delegation.py), so that grading on the hub keeps each submission's cgroup.

A real hub keeps the last two in /etc/jupyter; here they stay in ROOT, so that nothing outside it is touched but
the system users.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.course.files import copy_course
from . import delegation, interpreter, users

COURSE_SOURCE = Path(__file__).resolve().parents[3] / "autograder"  # the course in this repository
COURSE_ID = "gradient-checking"


@dataclass
class Classroom:
    root: Path
    instructor: str
    learners: list
    python: Path = Path(sys.executable)  # what the users' servers, the service and their commands run
    made: list = field(default_factory=list)  # the system users made here, to remove at the end
    groups: list = field(default_factory=list)  # the instructor's control groups (delegation.py), or none

    @property
    def exchange(self):
        return self.root / "exchange"

    @property
    def config(self):
        return self.root / "jupyter"

    def home(self, name):
        return self.root / "home" / name

    @property
    def course(self):
        return self.home(self.instructor) / "course"

    def user(self, name):
        import pwd

        return pwd.getpwnam(name)

    def environment(self):
        """What a command run as one of the users needs: this Python's tools first, the servers' configuration."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "IPYTHON"))}
        env.update(PATH=os.pathsep.join([str(self.python.parent), "/usr/local/bin:/usr/bin:/bin"]),
                   JUPYTER_CONFIG_PATH=str(self.config))
        return env

    def run_as(self, name, *argv, cwd=None):
        """A command as the user `name`; raises with its output when it fails."""
        # As in a terminal of their server: nbgrader's configuration reads JUPYTERHUB_USER to know it is on a hub,
        # and the instructor's commands run in their control group, as their server does.
        argv = delegation.command(self.python, self.groups, argv) if name == self.instructor else list(argv)
        done = users.run_as(self.user(name), argv, dict(self.environment(), JUPYTERHUB_USER=name), cwd=cwd)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} (as {name}) failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def nbgrader(self, name, *args, cwd=None):
        return self.run_as(name, str(self.python), "-m", "nbgrader", *args, cwd=cwd)

    def remove_users(self):
        for name in reversed(self.made):
            users.remove(name)
        self.made.clear()


def make(root, instructor, learners, assignments=("gradient_checking",), release=True):
    """The classroom in the new folder `root`: users made, the course generated in the instructor's home and its
    assignments released to the exchange (as the instructor, with nbgrader's commands). On failure the users made
    so far are removed."""
    root = Path(root)
    classroom = Classroom(root, instructor, list(learners))
    for folder in ("home", "jupyter", "hub"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    os.chmod(root / "home", 0o755)
    os.chmod(root / "jupyter", 0o755)
    os.chmod(root / "hub", 0o700)
    classroom.exchange.mkdir(exist_ok=True)
    os.chmod(classroom.exchange, 0o777)
    _server_configuration(classroom.config, classroom.exchange)
    classroom.python = interpreter.for_users(root / "python")
    try:
        for name in [instructor, *learners]:
            users.create(name, classroom.home(name))
            classroom.made.append(name)
            _user_settings(classroom, name)
        classroom.groups = delegation.delegate(classroom.user(instructor), f"gradlab-hub-{instructor}")
        _course(classroom, assignments, release)
    except BaseException:
        classroom.remove_users()
        raise
    return classroom


def _server_configuration(folder, exchange):
    (folder / "nbgrader_config.py").write_text(
        "# nbgrader's exchange on this hub, for every user (a real hub has this in /etc/jupyter/nbgrader_config.py)\n"
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(exchange)!r}\n")
    (folder / "jupyter_server_config.json").write_text(json.dumps({
        # No news and no update checks (they would go to the internet); the application reachable from the page,
        # so that the Submit control can run JupyterLab's own Save (gradlab/submit/saving.py).
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                   "expose_app_in_browser": True},
        "JupyterNotebookApp": {"expose_app_in_browser": True},
    }, indent=1))


def _own(path, user):
    for folder, dirs, files in os.walk(path):
        os.chown(folder, user.pw_uid, user.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), user.pw_uid, user.pw_gid, follow_symlinks=False)


def _user_settings(classroom, name):
    """JupyterLab without the toast that asks to fetch news (it would cover part of the page)."""
    home = classroom.home(name)
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                           "checkForUpdates": False}))
    _own(home, classroom.user(name))


def _course(classroom, assignments, release):
    instructor = classroom.user(classroom.instructor)
    copy_course(COURSE_SOURCE, classroom.course)
    shutil.copy(COURSE_SOURCE / "instructor.ipynb", classroom.course)  # the instructor's dashboard
    (classroom.home(classroom.instructor) / ".jupyter" / "nbgrader_config.py").write_text(
        "# The instructor's course, for the formgrader (nbgrader's set-up for one instructor on a hub)\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(classroom.course)!r}\n")
    _own(classroom.home(classroom.instructor), instructor)
    for assignment in assignments:
        classroom.nbgrader(classroom.instructor, "generate_assignment", assignment, cwd=classroom.course)
        if release:
            classroom.nbgrader(classroom.instructor, "release_assignment", assignment, cwd=classroom.course)


def remove(classroom, keep=False):
    """Remove the users made for the classroom (and the instructor's control groups), and its folder unless `keep`."""
    classroom.remove_users()
    delegation.remove(classroom.groups)
    if not keep:
        shutil.rmtree(classroom.root, ignore_errors=True)

"""The classroom round trip through a local exchange folder, as a JupyterHub class runs it: the instructor
releases, a student fetches, works and submits, the instructor collects and autogrades."""
import os
import shutil

from gradlab.grading.gradebook.scores import read_expected, read_scores
from gradlab.grading.course.nbgrader_calls import isolated_environment
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, nbgrader, new_course


def test_release_fetch_submit_collect_autograde(tmp_path):
    env = isolated_environment(str(tmp_path / "jupyter"))
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)  # as on a shared JupyterHub: everyone may write their submissions
    where = f"--Exchange.root={exchange}"
    course = new_course(tmp_path / "course", env)
    nbgrader(course, env, "release_assignment", ASSIGNMENT, where)

    home = tmp_path / "student-home"
    home.mkdir()
    nbgrader(home, env, "fetch_assignment", ASSIGNMENT, "--course", COURSE_ID, where)
    fetched = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert "raise NotImplementedError()" in fetched.read_text()
    assert "HIDDEN_CASES" not in fetched.read_text()
    shutil.copy(COURSE / "sample_class" / ASSIGNMENT / "ben_course_bugs.ipynb", fetched)  # the student's work
    nbgrader(home, env, "submit", ASSIGNMENT, "--course", COURSE_ID, where)

    nbgrader(course, env, "collect", ASSIGNMENT, where)
    submitted = list((course / "submitted").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))
    assert len(submitted) == 1
    student = submitted[0].parent.parent.name
    nbgrader(course, env, "autograde", ASSIGNMENT)
    scores, _ = read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)
    assert scores == {student: read_expected(COURSE / "sample_class" / ASSIGNMENT / "expected_scores.csv")["ben_course_bugs"]}

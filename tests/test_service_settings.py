"""The instructor's settings and the service's life on one machine: the best attempt counting instead of the latest,
submissions refused after the due date, one service process per SQLite gradebook, and a service killed in the
middle of grading and started again (nothing lost, nothing graded twice), then stopped as a supervisor stops it."""
import shutil
import time

import pytest
from sqlalchemy import create_engine, func, select

from gradebook_state import service_state
from grading_service import ServiceProcess, Learner, issue_tokens, sample_notebooks
from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.service import tables
from nbgrader_course import COURSE_ID, nbgrader

SAMPLES = {(a, name): (body, total, tests) for a, name, body, total, tests in sample_notebooks()}


@pytest.fixture(scope="module")
def course(generated_course, tmp_path_factory, nbgrader_env):
    course = tmp_path_factory.mktemp("service-settings") / "course"
    shutil.copytree(generated_course, course)
    with open(course / "nbgrader_config.py", "a") as handle:
        handle.write("\nc.GradingService.counting = 'best'\nc.GradingService.after_due = 'refuse'\n"
                     "c.GradingService.lease_seconds = 5\n")
    nbgrader(course, nbgrader_env, "db", "assignment", "add", "gradient_checking", "--duedate",
             "2020-01-01 00:00:00 UTC")
    return course


@pytest.fixture(scope="module")
def tokens(course, nbgrader_env):
    return issue_tokens(course, nbgrader_env, ["ana", "ben"])


@pytest.fixture(scope="module")
def service(course, tokens, nbgrader_env):
    process = ServiceProcess(course, nbgrader_env, "--workers", "1").start()
    yield process
    process.stop()


def db(course):
    return f"sqlite:///{course}/gradebook.db"


def test_after_the_due_date_a_submission_is_refused_when_the_instructor_says_so(service, tokens, course):
    before = service_state(db(course), course)
    answer = Learner(service.url, tokens["ana"]).submit("gradient_checking",
                                                        SAMPLES["gradient_checking", "ada_correct"][0])
    assert answer.status_code == 403
    assert "gradient_checking was due at 2020-01-01T00:00:00+00:00" in answer.json()["error"]
    assert service_state(db(course), course) == before


def test_the_best_attempt_counts_when_the_instructor_says_so(service, tokens, course):
    ana = Learner(service.url, tokens["ana"])
    good, _, good_tests = SAMPLES["planar_classifier", "ana_correct"]
    worse, worse_total, _ = SAMPLES["planar_classifier", "ben_tanh_derivative"]
    first = ana.wait(ana.submit("planar_classifier", good).json()["id"])
    second = ana.wait(ana.submit("planar_classifier", worse).json()["id"])
    assert second["score"] == worse_total < first["score"]
    assert read_scores(db(course), "planar_classifier", COURSE_ID)[0]["ana"] == good_tests  # the best, not the latest


def test_one_service_process_per_sqlite_gradebook(service, course, nbgrader_env):
    second = ServiceProcess(course, nbgrader_env, "--workers", "1")
    with pytest.raises(RuntimeError, match="did not start"):
        second.start()
    assert second.process.returncode == 2
    assert "another grading service" in second.stderr() and "several need PostgreSQL" in second.stderr()


def test_killed_while_grading_then_started_again_nothing_lost_nothing_graded_twice(service, tokens, course):
    """SIGKILL to the service and its local cluster while ben's submissions are queued and being graded; the same
    command again grades every one of them, once; then SIGTERM stops it cleanly."""
    ben = Learner(service.url, tokens["ben"])
    names = ["ana_correct", "cal_no_keepdims", "dee_missing_1_over_m"]
    sent = {ben.submit("planar_classifier", SAMPLES["planar_classifier", n][0]).json()["id"]: n for n in names}
    engine = create_engine(db(course))
    a = tables.attempt
    deadline = time.monotonic() + 600
    with engine.connect() as connection:
        while connection.execute(select(func.count()).where(a.c.status == "grading")).scalar() == 0:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    service.kill()
    service.start()
    ben = Learner(service.url, tokens["ben"])
    for attempt, name in sent.items():
        assert ben.wait(attempt)["score"] == SAMPLES["planar_classifier", name][1]
    with engine.connect() as connection:
        recorded = dict(connection.execute(select(tables.recorded.c.attempt, func.count())
                                           .where(tables.recorded.c.attempt.in_(list(sent)))
                                           .group_by(tables.recorded.c.attempt)).all())
    engine.dispose()
    assert recorded == {attempt: 1 for attempt in sent}
    assert service.stop() == 0
    assert service.lines[-1].strip() == "gradlab grading service stopped"

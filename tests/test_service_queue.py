"""The durable queue and the recording of results, on a course's own SQLite gradebook and without a cluster, step by
step where the load tests can only catch them by chance: a result is recorded only under the claim that still holds
its submission (a process that lost its claim records nothing), a learner has one submission being graded at a
time, and the hourly allowance is counted in the transaction that stores the submission."""
import shutil

import pytest
from sqlalchemy import func, select

from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.service import catalog, tables
from gradlab.grading.service.queue import Store, TooMany
from gradlab.grading.service.record import record
from nbgrader_course import COURSE, COURSE_ID

ASSIGNMENT = "planar_classifier"


@pytest.fixture
def store(generated_course, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    found = Store(f"sqlite:///{course}/gradebook.db")
    yield found
    found.close()


def result(score):
    """A worker's result as cluster/worker.py extracts it from its private gradebook: planar_classifier's one test."""
    return {"result": {"timestamp": None, "notebooks": {ASSIGNMENT: {
        "late_submission_penalty": None, "grades": {"test_backward_propagation": score},
        "comments": {"backward_propagation": None}}}}, "autograded": {}, "feedback": {}, "seconds": 1.0}


def describe():
    return catalog._describe(ASSIGNMENT, COURSE / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def recorded(store, attempt):
    with store.reading() as connection:
        return connection.execute(select(func.count()).where(tables.recorded.c.attempt == attempt)).scalar()


def test_a_process_that_lost_its_claim_records_nothing(store):
    attempt = store.accept(ASSIGNMENT, "ana", b"{}", False, 10, now=1000.0)
    (first,) = store.claim(5, "process-a", lease_seconds=10, now=1000.0)
    assert store.reap(now=1005.0) == 0  # within its lease
    assert store.reap(now=1011.0) == 1  # process-a went quiet: its claim lapsed, the submission is queued again
    (again,) = store.claim(5, "process-b", lease_seconds=10, now=1011.0)
    assert again.id == first.id == attempt and again.tries == 2
    assert record(store, first, result(2.0), "process-a", "a", describe(), "latest", {}) is None  # too late
    assert recorded(store, attempt) == 0 and read_scores(store.db_url, ASSIGNMENT, COURSE_ID)[0] == {}
    assert record(store, again, result(4.0), "process-b", "b", describe(), "latest", {}) is True
    assert record(store, again, result(4.0), "process-b", "b", describe(), "latest", {}) is None  # and only once
    assert recorded(store, attempt) == 1
    assert read_scores(store.db_url, ASSIGNMENT, COURSE_ID)[0] == {"ana": {"test_backward_propagation": 4.0}}
    row = store.find(attempt)
    assert row["status"] == "graded" and row["score"] == 4.0 and row["claim"] is None


def test_a_learner_has_one_submission_graded_at_a_time_and_the_queue_is_fair(store):
    ana = [store.accept(ASSIGNMENT, "ana", b"{}", False, 10, now=2000.0 + k) for k in range(3)]
    ben = store.accept(ASSIGNMENT, "ben", b"{}", False, 10, now=2010.0)
    claimed = store.claim(3, "p", lease_seconds=60, now=2011.0)
    assert [c.id for c in claimed] == [ana[0], ben]  # ana's second waits for her first, not ben
    assert store.claim(3, "p", lease_seconds=60, now=2012.0) == []
    store.fail(claimed[0].seq, "p", "a test's failure", now=2013.0)
    assert [c.id for c in store.claim(3, "p", lease_seconds=60, now=2014.0)] == [ana[1]]


def test_the_hourly_allowance_is_counted_where_the_submission_is_stored(store):
    kept = [store.accept(ASSIGNMENT, "cy", b"{}", False, 2, now=3000.0 + k) for k in range(2)]
    refused = store.accept(ASSIGNMENT, "cy", b"{}", False, 2, now=3100.0)
    assert all(isinstance(k, str) for k in kept)
    assert isinstance(refused, TooMany) and refused.retry_after == 3000 + 3600 - 3100 + 1
    assert isinstance(store.accept(ASSIGNMENT, "cy", b"{}", False, 2, now=3000.0 + 3601), str)  # an hour on
    assert isinstance(store.accept("softmax_regression", "cy", b"{}", False, 2, now=3101.0), str)  # per assignment

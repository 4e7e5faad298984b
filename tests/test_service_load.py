"""The grading service under load and faults, as a MOOC runs it: two service processes sharing one PostgreSQL
gradebook and one Dask cluster (`dask scheduler`, two `dask worker`s that cannot see the course), learners sending
the sample classes' notebooks at random moments to either process. Every accepted submission is graded exactly
once with its expected score, and each learner's latest attempt is the one in nbgrader's gradebook; then the same
while a worker is killed, one service process is killed and started again, and the other is paused past its lease
(another process grades what it held; its own results, arriving late, are not recorded).

Bounded in count (110 submissions in all) and asserted on counts, never on the machine's speed."""
import os
import random
import signal
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, func, select

from dask_processes import DaskProcesses
from grading_service import GRADE_TIMEOUT, Learner, ServiceProcess, issue_tokens, sample_notebooks
from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.service import tables
from nbgrader_course import COURSE_ID
from protections import assert_attempts_protected

LEASE = 8  # seconds: short, so that the faults below are over soon
UNDER_LOAD, UNDER_FAULTS = 60, 50  # submissions: enough to keep both workers and both processes busy throughout
# kai_hangs holds a worker for its whole wall-clock limit by design: left out of the load, not out of the tests
NOTEBOOKS = sample_notebooks(leave_out=("kai_hangs",))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, nbgrader_env):
    with DaskProcesses(2, env=nbgrader_env, hide=[tmp_path_factory.getbasetemp()]) as processes:
        yield processes


@pytest.fixture(scope="module")
def setup(generated_course, postgres, cluster, tmp_path_factory, nbgrader_env):
    """The course on PostgreSQL, 60 learners' tokens, and two service processes on the one cluster."""
    import shutil

    course = tmp_path_factory.mktemp("service-load") / "course"
    shutil.copytree(generated_course, course)
    with open(course / "nbgrader_config.py", "a") as handle:
        handle.write(f"\nc.GradingService.lease_seconds = {LEASE}\nc.GradingService.attempts_per_hour = 1000\n")
    url = postgres.create_database("service_load")
    learners = [f"learner{k:03d}" for k in range(60)]
    tokens = issue_tokens(course, nbgrader_env, learners, db=url)
    options = ("--db", url, "--scheduler", cluster.address)
    first = ServiceProcess(course, nbgrader_env, *options).start()  # generates the assignments in the gradebook
    second = ServiceProcess(course, nbgrader_env, *options).start()
    yield course, url, tokens, [first, second]
    for process in (first, second):
        process.stop()


class Load:
    """Learners sending notebooks at random moments to whichever process the proxy would pick."""

    def __init__(self, tokens, services, count, seconds, seed):
        self.rng = random.Random(seed)
        self.tokens, self.services = tokens, services
        self.plan = sorted((self.rng.uniform(0, seconds), self.rng.choice(sorted(tokens)), self.rng.choice(NOTEBOOKS))
                           for _ in range(count))
        self.accepted = {}  # id -> (learner, assignment, expected tests)
        self.order = []  # (learner, assignment, id) in the order acknowledged
        self.unanswered = 0  # requests that got no answer (the process was killed while they were in flight)
        self.lock = threading.Lock()

    def send(self, learner, notebook):
        assignment, _, body, _, tests = notebook
        for _ in range(20):
            service = self.rng.choice([s for s in self.services if s.url])
            try:
                answer = Learner(service.url, self.tokens[learner]).submit(assignment, body)
            except requests.ConnectionError:
                with self.lock:
                    self.unanswered += 1
                time.sleep(0.5)
                continue  # as a learner presses Submit again
            assert answer.status_code == 202, answer.text
            with self.lock:
                self.accepted[answer.json()["id"]] = (learner, assignment, tests)
                self.order.append((learner, assignment, answer.json()["id"]))
            return
        raise AssertionError(f"{learner}'s submission was never accepted")

    def run(self):
        started = time.monotonic()
        threads = []
        for at, learner, notebook in self.plan:
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            threads.append(threading.Thread(target=self.send, args=(learner, notebook)))
            threads[-1].start()
        for thread in threads:
            thread.join()


def counts(url, ids):
    """(attempts stored, graded, failed, results recorded per attempt) among `ids`."""
    engine = create_engine(url)
    a, r = tables.attempt, tables.recorded
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(a.c.id, a.c.status).where(a.c.id.in_(ids))).all())
        recorded = dict(connection.execute(select(r.c.attempt, func.count()).where(r.c.attempt.in_(ids))
                                           .group_by(r.c.attempt)).all())
    engine.dispose()
    return statuses, recorded


def wait_until_graded(url, ids, timeout=GRADE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses, recorded = counts(url, ids)
        if len(statuses) == len(ids) and all(s in ("graded", "failed") for s in statuses.values()):
            return statuses, recorded
        time.sleep(2)
    raise AssertionError(f"not all graded within {timeout} s: {sorted(set(statuses.values()))}")


def assert_exactly_once_with_expected_scores(url, load):
    ids = list(load.accepted)
    statuses, recorded = wait_until_graded(url, ids)
    assert set(statuses.values()) == {"graded"}, {i: s for i, s in statuses.items() if s != "graded"}
    assert recorded == {i: 1 for i in ids}  # accepted = graded = recorded, once each
    assert_attempts_protected(url, ids)  # on the Dask workers, with every layer this machine offers
    engine = create_engine(url)
    a, c = tables.attempt, tables.counted
    with engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(select(a.c.id, a.c.tests, a.c.student, a.c.seq)
                                                          .where(a.c.id.in_(ids)))}
        counted = {(row.assignment, row.student): row.attempt for row in connection.execute(select(c))}
        merged = dict(connection.execute(select(tables.recorded.c.attempt, func.count())
                                         .where(tables.recorded.c.merged).group_by(tables.recorded.c.attempt)).all())
    engine.dispose()
    import json

    for attempt, (learner, assignment, tests) in load.accepted.items():
        assert rows[attempt].student == learner
        assert {t["name"]: t["score"] for t in json.loads(rows[attempt].tests)} == tests, attempt
    assert all(n == 1 for n in merged.values())  # nothing merged twice
    # each learner's latest attempt is the counting one, and nbgrader's gradebook holds its scores
    latest = {}
    for attempt, (learner, assignment, tests) in load.accepted.items():
        key = (assignment, learner)
        if key not in latest or rows[attempt].seq > rows[latest[key]].seq:
            latest[key] = attempt
    for assignment in {key[0] for key in latest}:
        scores = read_scores(url, assignment, COURSE_ID)[0]
        for (where, learner), attempt in latest.items():
            if where == assignment:
                assert counted[assignment, learner] == attempt
                assert scores[learner] == load.accepted[attempt][2], (learner, assignment)


def test_under_load_every_accepted_submission_is_graded_once_with_its_expected_score(setup):
    course, url, tokens, services = setup
    load = Load(tokens, services, count=UNDER_LOAD, seconds=20, seed=2020)
    load.run()
    assert len(load.accepted) == UNDER_LOAD and load.unanswered == 0
    assert_exactly_once_with_expected_scores(url, load)
    # any process answers for any submission
    some = sorted(load.accepted)[:5]
    for attempt in some:
        learner = load.accepted[attempt][0]
        for service in services:
            assert Learner(service.url, tokens[learner]).submission(attempt).json()["status"] == "graded"


def test_a_killed_worker_a_killed_and_restarted_process_and_a_paused_one_lose_nothing_and_grade_nothing_twice(
        setup, cluster):
    course, url, tokens, services = setup
    first, second = services
    load = Load(tokens, services, count=UNDER_FAULTS, seconds=20, seed=2021)
    sender = threading.Thread(target=load.run)
    sender.start()
    events = []

    def recorded_so_far():
        return sum(counts(url, list(load.accepted))[1].values()) if load.accepted else 0

    def when(fraction, timeout=GRADE_TIMEOUT):
        deadline = time.monotonic() + timeout
        while recorded_so_far() < fraction * UNDER_FAULTS and time.monotonic() < deadline:
            time.sleep(0.5)

    when(0.15)
    os.kill(sorted(cluster.pids.values())[0], signal.SIGKILL)  # a worker dies mid-grading: the other gets its work
    events.append("worker killed")
    when(0.3)
    first.kill()  # the process dies with its claims; they lapse after the lease and go to the other
    first.url = None
    events.append("first process killed")
    time.sleep(LEASE)
    first.start()  # the same command again
    events.append("first process restarted")
    when(0.5)
    second.pause()  # a process that hangs past its lease: the first takes over what it held
    time.sleep(3 * LEASE)
    second.resume()  # its results, arriving late, must not be recorded
    events.append("second process paused and resumed")
    sender.join()
    assert events == ["worker killed", "first process killed", "first process restarted",
                      "second process paused and resumed"]
    assert len(load.accepted) == UNDER_FAULTS  # every submission acknowledged, some after pressing Submit again
    assert_exactly_once_with_expected_scores(url, load)

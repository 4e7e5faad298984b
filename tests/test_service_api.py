"""The grading service on one machine (the course's SQLite gradebook, a local Dask cluster), started by its own
command and spoken to over HTTP as a learner's Submit button speaks to it: a submission graded as the class command
grades it and merged into nbgrader's gradebook; the counting attempt (latest, best); due dates and nbgrader's late
penalty; and every bad input refused with its error, each shown to change nothing else (no submission stored,
nothing graded or merged, the learner's hourly allowance untouched)."""
import json
import shutil
import subprocess
import sys
import threading

import pytest
import requests
from sqlalchemy import create_engine, func, select, text

from gradebook_state import service_state
from grading_service import ServiceProcess, Learner, issue_tokens, sample_notebooks
from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.service import tables
from nbgrader_course import COURSE_ID, nbgrader
from protections import assert_protected

SAMPLES = {(a, name): (body, total, tests) for a, name, body, total, tests in sample_notebooks()}
LEARNERS = ["ada", "bob", "cy", "dee", "flood", "gone"]
PER_HOUR = 4
MAX_BYTES = 200_000


def body(assignment, name):
    return SAMPLES[assignment, name][0]


@pytest.fixture(scope="module")
def course(generated_course, tmp_path_factory, nbgrader_env):
    """A course with the service's limits set low enough to test, nbgrader's late penalty "zero", and
    softmax_regression overdue (set with nbgrader's own command)."""
    course = tmp_path_factory.mktemp("service") / "course"
    shutil.copytree(generated_course, course)
    with open(course / "nbgrader_config.py", "a") as handle:
        handle.write(f"\nc.GradingService.attempts_per_hour = {PER_HOUR}\n"
                     f"c.GradingService.max_notebook_bytes = {MAX_BYTES}\n"
                     "c.LateSubmissionPlugin.penalty_method = 'zero'\n")
    nbgrader(course, nbgrader_env, "db", "assignment", "add", "softmax_regression", "--duedate",
             "2020-01-01 00:00:00 UTC")
    return course


@pytest.fixture(scope="module")
def tokens(course, nbgrader_env):
    found = issue_tokens(course, nbgrader_env, LEARNERS, instructors=["prof"])
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "tokens", str(course), "--revoke", "gone"],
                          capture_output=True, text=True, env=nbgrader_env, timeout=600)
    assert done.returncode == 0 and "revoked 1 token(s)" in done.stderr, done.stderr
    return found


@pytest.fixture(scope="module")
def service(course, tokens, nbgrader_env):
    with ServiceProcess(course, nbgrader_env, "--workers", "2") as process:
        yield process


def db(course):
    return f"sqlite:///{course}/gradebook.db"


def learner(service, tokens, name):
    return Learner(service.url, tokens.get(name, name))


def test_a_submission_is_graded_as_the_class_command_grades_it_and_merged(service, tokens, course):
    ada = learner(service, tokens, "ada")
    sent = ada.submit("gradient_checking", body("gradient_checking", "ben_course_bugs"))
    assert sent.status_code == 202, sent.text
    assert set(sent.json()) == {"id", "status"} and sent.json()["status"] == "queued"
    graded = ada.wait(sent.json()["id"])
    _, total, tests = SAMPLES["gradient_checking", "ben_course_bugs"]
    assert graded["status"] == "graded" and graded["student"] == "ada" and graded["assignment"] == "gradient_checking"
    assert graded["score"] == total == 12 and graded["max_score"] == 14 and graded["late_penalty"] == 0
    assert {t["name"]: t["score"] for t in graded["tests"]} == tests
    assert [t["name"] for t in graded["tests"]][0] == "test_forward_propagation"  # notebook order
    # nbgrader's feedback page, in the exercise's own words, without hidden tests
    assert "db1 is 4x too large" in graded["feedback_html"] and "HIDDEN_CASES" not in graded["feedback_html"]
    # merged into nbgrader's gradebook, and its files where the formgrader looks
    assert read_scores(db(course), "gradient_checking", COURSE_ID)[0]["ada"] == tests
    for kind, name in (("submitted", "gradient_checking.ipynb"), ("autograded", "gradient_checking.ipynb"),
                       ("feedback", "gradient_checking.html")):
        assert (course / kind / "ada" / "gradient_checking" / name).is_file(), kind
    assert_protected(course, "gradient_checking", ["ada"])  # graded by the service, every layer this machine offers
    assert (course / "submitted" / "ada" / "gradient_checking" / "gradient_checking.ipynb").read_bytes() == \
        body("gradient_checking", "ben_course_bugs")
    listed = ada.mine("gradient_checking").json()["submissions"]
    assert [s["id"] for s in listed] == [graded["id"]] and "feedback_html" not in listed[0]


def test_the_latest_attempt_counts_every_attempt_is_kept(service, tokens, course):
    bob = learner(service, tokens, "bob")
    first = bob.submit("gradient_checking", body("gradient_checking", "ada_correct")).json()["id"]
    second = bob.submit("gradient_checking", body("gradient_checking", "cleo_missing_factors")).json()["id"]
    assert bob.wait(first)["score"] == 14 and bob.wait(second)["score"] == 7
    assert [s["id"] for s in bob.mine("gradient_checking").json()["submissions"]] == [second, first]  # newest first
    assert read_scores(db(course), "gradient_checking", COURSE_ID)[0]["bob"] == \
        SAMPLES["gradient_checking", "cleo_missing_factors"][2]
    engine = create_engine(db(course))
    with engine.connect() as connection:
        counted = connection.execute(select(tables.counted.c.attempt).where(tables.counted.c.student == "bob")).scalar()
        recorded = dict(connection.execute(select(tables.recorded.c.attempt, func.count())
                                           .where(tables.recorded.c.attempt.in_([first, second]))
                                           .group_by(tables.recorded.c.attempt)).all())
    engine.dispose()
    assert counted == second and recorded == {first: 1, second: 1}


def test_after_the_due_date_nbgrader_s_late_penalty_applies(service, tokens, course):
    """softmax_regression was due in 2020; the course's penalty method is nbgrader's "zero"."""
    cy = learner(service, tokens, "cy")
    graded = cy.wait(cy.submit("softmax_regression", body("softmax_regression", "ana_correct")).json()["id"])
    full = SAMPLES["softmax_regression", "ana_correct"][1]
    assert graded["late_penalty"] == full > 0 and graded["score"] == 0
    engine = create_engine(db(course))
    with engine.connect() as connection:
        penalty = connection.execute(text(
            "SELECT n.late_submission_penalty FROM submitted_notebook n JOIN submitted_assignment s "
            "ON n.assignment_id = s.id JOIN assignment a ON s.assignment_id = a.id "
            "WHERE s.student_id = 'cy' AND a.name = 'softmax_regression'")).scalar()
    engine.dispose()
    assert penalty == full  # in nbgrader's own column, as nbgrader autograde writes it


def refused(answer, status, *words):
    assert answer.status_code == status, (answer.status_code, answer.text)
    error = answer.json()["error"]
    assert set(answer.json()) == {"error"}
    for word in words:
        assert word in error, error
    return error


def notebook_with(change, assignment="gradient_checking", name="ada_correct"):
    data = json.loads(body(assignment, name))
    change(data)
    return json.dumps(data).encode()


BAD_BODIES = {
    "not JSON": (b'{"cells": [', 400, "not JSON"),
    "not UTF-8": (b"\x80\x81garbage", 400, "not text"),
    "JSON, not a notebook": (b'{"hello": "world"}', 400, "not a notebook"),
    "nbformat 3": (json.dumps({"cells": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}).encode(), 400,
                   "nbformat 3"),
    "invalid nbformat 4": (notebook_with(lambda nb: nb["cells"][0].update(cell_type="spreadsheet")), 400,
                           "not valid nbformat 4"),
    "another assignment's notebook": (body("planar_classifier", "ana_correct"), 422, "planar_classifier's"),
    "a notebook of no assignment": (json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                "nbformat_minor": 5}).encode(), 422, "none of gradient_checking"),
    "over the course's cell limit": (notebook_with(lambda nb: nb["cells"].extend(
        {"cell_type": "markdown", "id": f"note-{k}", "metadata": {}, "source": ""} for k in range(1001))), 413,
        "a notebook may have at most 1000", "c.SubmissionLimits.max_cells"),
    "another learner's id in the metadata": (notebook_with(lambda nb: nb["metadata"].update(student="bob")), 403,
                                             "'bob'", "metadata.student"),
    "another learner's id in a cell": (notebook_with(lambda nb: nb["cells"][3]["metadata"].update(
        submitted_by={"user": ["cy"]})), 403, "'cy'"),
    "another learner's id as an output": (notebook_with(lambda nb: nb["cells"].append(
        {"cell_type": "code", "execution_count": 1, "id": "who", "metadata": {}, "source": "whoami",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["dee\n"]}]})), 403, "'dee'"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_a_bad_body_is_refused_with_its_reason_and_changes_nothing(service, tokens, course, case):
    data, status, *words = BAD_BODIES[case]
    before = service_state(db(course), course)
    refused(learner(service, tokens, "ada").submit("gradient_checking", data), status, *words)
    assert service_state(db(course), course) == before


def test_over_the_size_limit_refused_before_it_is_read_and_while_it_arrives(service, tokens, course):
    ada = learner(service, tokens, "ada")
    big = notebook_with(lambda nb: nb["metadata"].update(padding="x" * MAX_BYTES))
    before = service_state(db(course), course)
    refused(ada.submit("gradient_checking", big), 413, f"{MAX_BYTES:,} bytes")  # Content-Length says so
    chunked = requests.post(f"{service.url}api/assignments/gradient_checking/submissions", headers=ada.headers(),
                            data=(big[k:k + 8192] for k in range(0, len(big), 8192)), timeout=120)  # no length
    refused(chunked, 413, f"over {MAX_BYTES:,} bytes")
    assert service_state(db(course), course) == before


@pytest.mark.parametrize("token, words", [(None, "no token"), ("not-a-token", "not one this course issued"),
                                          ("gone", "revoked")])
def test_a_missing_wrong_or_revoked_token_is_refused(service, tokens, course, token, words):
    caller = Learner(service.url, tokens.get(token, token))
    before = service_state(db(course), course)
    answer = caller.submit("gradient_checking", body("gradient_checking", "ada_correct"))
    refused(answer, 401, words)
    assert answer.headers["WWW-Authenticate"] == "token"
    refused(caller.mine("gradient_checking"), 401, words)
    assert service_state(db(course), course) == before


def test_an_unknown_assignment_or_endpoint_is_404(service, tokens, course):
    ada = learner(service, tokens, "ada")
    before = service_state(db(course), course)
    refused(ada.submit("no_such_assignment", body("gradient_checking", "ada_correct")), 404, "no_such_assignment",
            "gradient_checking")
    refused(ada.session.get(f"{service.url}api/nothing", headers=ada.headers()), 404, "no such endpoint")
    assert service_state(db(course), course) == before


def test_a_learner_cannot_read_another_s_submission_an_instructor_can(service, tokens, course):
    ada, bob, prof = (learner(service, tokens, name) for name in ("ada", "bob", "prof"))
    mine = ada.submit("gradient_checking", body("gradient_checking", "ada_correct")).json()["id"]
    stranger = bob.submission(mine)
    nobody = bob.submission("0" * 32)
    refused(stranger, 404, "of yours")
    assert stranger.json()["error"].replace(mine, "ID") == nobody.json()["error"].replace("0" * 32, "ID")
    assert mine not in [s["id"] for s in bob.mine("gradient_checking").json()["submissions"]]
    seen = prof.submission(mine)
    assert seen.status_code == 200 and seen.json()["student"] == "ada"
    assert ada.wait(mine)["score"] == 14  # graded before the next test counts its claims


def test_a_flood_from_one_learner_meets_its_rate_limit_and_delays_only_itself(service, tokens, course):
    """`flood` sends three times its hourly allowance at once: the allowance is taken (202), the rest refused (429,
    with Retry-After), and what is accepted is graded one at a time: dee, who submits just after, is claimed no
    later than flood's second submission."""
    flood, dee = learner(service, tokens, "flood"), learner(service, tokens, "dee")
    answers = [None] * (3 * PER_HOUR)

    def send(k):
        answers[k] = flood.submit("planar_classifier", body("planar_classifier", "ana_correct"))

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = [a.json()["id"] for a in answers if a.status_code == 202]
    too_many = [a for a in answers if a.status_code == 429]
    assert len(accepted) == PER_HOUR and len(too_many) == 2 * PER_HOUR
    refused(too_many[0], 429, f"{PER_HOUR} submissions", "in the last hour")
    assert 0 < int(too_many[0].headers["Retry-After"]) <= 3601
    other = dee.submit("planar_classifier", body("planar_classifier", "ben_tanh_derivative")).json()["id"]
    expected = SAMPLES["planar_classifier", "ana_correct"][1]
    assert [flood.wait(a)["score"] for a in accepted] == [expected] * PER_HOUR
    assert dee.wait(other)["score"] == SAMPLES["planar_classifier", "ben_tanh_derivative"][1]
    engine = create_engine(db(course))
    with engine.connect() as connection:
        claimed = dict(connection.execute(select(tables.attempt.c.id, tables.attempt.c.claimed_at)
                                          .where(tables.attempt.c.id.in_(accepted + [other]))).all())
    engine.dispose()
    flood_claims = sorted(claimed[a] for a in accepted)
    assert claimed[other] <= flood_claims[1]
    # the allowance spent, a fifth is refused before its body is stored, and costs nothing
    before = service_state(db(course), course)
    refused(flood.submit("planar_classifier", body("planar_classifier", "ana_correct")), 429)
    assert service_state(db(course), course) == before

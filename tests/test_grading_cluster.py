"""The grading command on a Dask cluster of separate processes (`dask scheduler`, two `dask worker`s that cannot
see the course's files) into a PostgreSQL gradebook, compared row by row with `nbgrader autograde` into SQLite;
what nbgrader's own export and formgrader read from it; a worker killed in the middle of the class; a submission
that fails every time; and what a person graded, kept through a re-grade and shown in the feedback."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings

import pytest
from sqlalchemy import create_engine, text

from dask_processes import DaskProcesses
from gradlab.grading.gradebook.scores import read_expected, read_scores
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, assert_no_hidden_test_in_feedback, dump, nbgrader, new_course
from protections import assert_protected

SAMPLE = COURSE / "sample_class" / ASSIGNMENT
EXPECTED = read_expected(SAMPLE / "expected_scores.csv")


def grade(course, env, *options, ok=True):
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "grade", str(course), ASSIGNMENT, *options],
                          cwd=course, env=env, capture_output=True, text=True, timeout=900)
    if ok:
        assert done.returncode == 0, f"grade {options} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def copy_of(generated_course, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    return course


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, nbgrader_env):
    """A scheduler and two workers, each a process of its own; the workers do not see the tests' folders."""
    with DaskProcesses(2, env=nbgrader_env, hide=[tmp_path_factory.getbasetemp()]) as processes:
        yield processes


@pytest.fixture(scope="module")
def on_postgres(cluster, postgres, generated_course, tmp_path_factory, nbgrader_env):
    """The sample class graded through the cluster into a PostgreSQL gradebook."""
    course = copy_of(generated_course, tmp_path_factory.mktemp("cluster"))
    url = postgres.create_database("cluster_class")
    done = grade(course, nbgrader_env, str(SAMPLE), "--scheduler", cluster.address, "--db", url)
    return course, url, done


@pytest.mark.requires("bubblewrap")  # the test's own use of it: an empty folder mounted over the course
def test_the_workers_cannot_see_the_course(cluster, tmp_path_factory):
    assert cluster.hidden_from_workers()
    from distributed import Client

    probe = str(tmp_path_factory.getbasetemp())
    with Client(cluster.address) as client:
        seen = client.run(os.listdir, probe)
    assert len(seen) == 2 and all(listing == [] for listing in seen.values())  # an empty tmpfs in their place
    assert os.listdir(probe)  # while the tests' own view holds the course


def test_a_cluster_grades_into_postgresql_as_nbgrader_grades_into_sqlite(on_postgres, nbgrader_autograded):
    course, url, done = on_postgres
    assert f"graded {len(EXPECTED)}, already graded 0, failed 0" in done.stdout
    assert read_scores(url, ASSIGNMENT, COURSE_ID)[0] == EXPECTED
    oracle = f"sqlite:///{nbgrader_autograded}/gradebook.db"
    # Row for row: auto scores, review flags, comments, penalties and timestamps, read through nbgrader's API.
    assert dump(url, ASSIGNMENT, COURSE_ID) == dump(oracle, ASSIGNMENT, COURSE_ID)
    assert read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)[0] == {}  # nothing went there
    # The workers sent back each autograded notebook and feedback page; only this process wrote them.
    assert sorted(p.parent.parent.name for p in (course / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb")) == \
        sorted(EXPECTED)
    # On the workers (themselves in bubblewrap, to hide the course), each submission's sandbox had every layer.
    assert_protected(course, ASSIGNMENT, EXPECTED)
    assert_no_hidden_test_in_feedback(course, len(EXPECTED))
    page = (course / "feedback" / "ben_course_bugs" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "db1 is 4x too large" in page


def test_nbgrader_export_reads_the_postgresql_gradebook(on_postgres, nbgrader_autograded, nbgrader_env):
    course, url, _ = on_postgres
    nbgrader(course, nbgrader_env, "export", f"--db={url}")

    def rows(path):
        with open(path, newline="") as handle:
            return sorted((row["student_id"], row["raw_score"], row["late_submission_penalty"], row["score"])
                          for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT)

    assert rows(course / "grades.csv") == rows(nbgrader_autograded / "grades.csv")
    assert len(rows(course / "grades.csv")) == len(EXPECTED)


def test_the_formgrader_reads_the_postgresql_gradebook(on_postgres, nbgrader_autograded, tmp_path):
    """What the formgrader's pages are made of: nbgrader's NbGraderAPI on each gradebook, ids aside."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from sqlalchemy.exc import SAWarning

    from gradlab.grading.course.nbgrader_calls import course_config

    def formgrader_view(course, db_url):
        config = course_config(str(course), db_url)
        config.Exchange.root = str(tmp_path / "exchange")  # not the system-wide default, which root may not want
        (tmp_path / "exchange").mkdir(exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            api = NbGraderAPI(CourseDirectory(config=config), config=config)
            pages = (api.get_assignment(ASSIGNMENT), api.get_submissions(ASSIGNMENT),
                     api.get_notebook_submissions(ASSIGNMENT, ASSIGNMENT),
                     api.get_student_notebook_submissions("ben_course_bugs", ASSIGNMENT))
        assignment, submissions, notebooks, bens = json.loads(json.dumps(pages, default=str).replace(
            str(course), "COURSE"), object_hook=_without_ids)
        # The order of rows is each database's own (nbgrader asks for none), and "index" is the position in it.
        notebooks = sorted(({k: v for k, v in n.items() if k != "index"} for n in notebooks), key=lambda n: n["student"])
        return assignment, submissions, notebooks, bens

    course, url, _ = on_postgres
    view = formgrader_view(course, url)
    assert view == formgrader_view(nbgrader_autograded, f"sqlite:///{nbgrader_autograded}/gradebook.db")
    assert view[0]["num_submissions"] == len(EXPECTED)
    assert len(view[1]) == len(EXPECTED) and all(s["autograded"] for s in view[1])


def _without_ids(record):
    """Everything but the ids (uuids each gradebook makes for itself)."""
    return {key: value for key, value in record.items() if key != "id" and not key.endswith("_id") or
            key in ("student_id", "assignment_id", "notebook_id") and not _uuid(value)}


def _uuid(value):
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def test_grading_again_on_the_cluster_resumes(on_postgres, cluster, nbgrader_env):
    course, url, _ = on_postgres
    again = grade(course, nbgrader_env, "--scheduler", cluster.address, "--db", url, "--no-report")
    assert f"graded 0, already graded {len(EXPECTED)}, failed 0" in again.stdout
    # The default gradebook (SQLite in the course) has a journal of its own: nothing there is graded yet.
    assert not list((course / ".gradlab" / ASSIGNMENT).glob("journal.jsonl"))


def test_a_worker_killed_in_the_middle_has_its_submissions_graded_elsewhere(
        generated_course, nbgrader_autograded, tmp_path, tmp_path_factory, nbgrader_env):
    from distributed import Client

    course = copy_of(generated_course, tmp_path)
    journal = course / ".gradlab" / ASSIGNMENT / "journal.jsonl"
    with DaskProcesses(2, env=nbgrader_env, hide=[tmp_path_factory.getbasetemp()]) as processes:
        command = subprocess.Popen([sys.executable, "-m", "gradlab.grading", "grade", str(course), ASSIGNMENT,
                                    str(SAMPLE), "--scheduler", processes.address, "--no-feedback", "--no-report"],
                                   cwd=course, env=nbgrader_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        try:
            held = []
            with Client(processes.address) as client:
                deadline = time.monotonic() + 600
                while not held and time.monotonic() < deadline and command.poll() is None:
                    merged = journal.read_text().count("\n") if journal.exists() else 0
                    if merged >= 2:  # the class is under way: kill a worker that holds submissions
                        for address, keys in client.processing().items():
                            graded = [key for key in keys if "autograde" in str(key)]
                            if graded:
                                os.kill(processes.pids[address], signal.SIGKILL)
                                held = graded
                                break
                    time.sleep(0.05)
            out, err = command.communicate(timeout=900)
        finally:
            if command.poll() is None:
                command.kill()
                command.wait()
    assert held, f"no worker was killed while it held submissions:\n{out[-2000:]}\n{err[-2000:]}"
    assert command.returncode == 0, f"{out[-3000:]}\n{err[-3000:]}"
    assert f"graded {len(EXPECTED)}, already graded 0, failed 0" in out
    # Each submission merged exactly once (one journal line each), and the gradebook is an undisturbed run's.
    students = [json.loads(line)["student"] for line in journal.read_text().splitlines()]
    assert sorted(students) == sorted(EXPECTED)
    oracle = f"sqlite:///{nbgrader_autograded}/gradebook.db"
    assert dump(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID) == dump(oracle, ASSIGNMENT, COURSE_ID)
    assert_protected(course, ASSIGNMENT, EXPECTED)  # the worker that took over too


def test_a_submission_that_fails_three_times_is_reported(generated_course, tmp_path, nbgrader_env):
    course = copy_of(generated_course, tmp_path)
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SAMPLE / "ada_correct.ipynb", folder / "ada.ipynb")
    (folder / "zed.ipynb").write_text("this is not a notebook")
    done = grade(course, nbgrader_env, str(folder), "--workers", "2", "--no-report", ok=False)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "graded 1, already graded 0, failed 1" in done.stdout
    failure = next(line for line in done.stdout.splitlines() if line.strip().startswith("zed:"))
    assert "(attempt 3 of 3)" in failure
    assert read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)[0] == {"ada": EXPECTED["ada_correct"]}
    assert_protected(course, ASSIGNMENT, ["ada"])


def test_what_a_person_graded_is_kept_and_shown_in_the_feedback(on_postgres, nbgrader_env):
    """A manual score and comment given in the formgrader survive a re-grade, and the feedback the workers render
    shows them, as nbgrader's generate_feedback would from the course's gradebook."""
    course, url, _ = on_postgres
    student, cell = "ben_course_bugs", "test_backward_propagation_n"
    mine = ("SELECT n.id FROM submitted_notebook n JOIN submitted_assignment s ON s.id = n.assignment_id "
            "WHERE s.student_id = :student")
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text(f"UPDATE grade SET manual_score = 5.5 WHERE notebook_id IN ({mine}) AND cell_id IN "
                        "(SELECT id FROM base_cell WHERE name = :cell)"), {"student": student, "cell": cell})
        db.execute(text(f"UPDATE comment SET manual_comment = 'Well argued: see me about db1.' WHERE notebook_id IN "
                        f"({mine}) AND cell_id IN (SELECT id FROM base_cell WHERE name = 'backward_propagation_n')"),
                   {"student": student})
    engine.dispose()
    # The student submits again (the same answers): only that submission is graded again.
    notebook = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook.write_text(notebook.read_text() + "\n")
    before = dump(url, ASSIGNMENT, COURSE_ID)[student]
    again = grade(course, nbgrader_env, "--db", url, "--workers", "1", "--no-report")
    assert f"graded 1, already graded {len(EXPECTED) - 1}, failed 0" in again.stdout
    after = dump(url, ASSIGNMENT, COURSE_ID)[student]
    # Kept, and flagged for review (as SaveAutoGrades flags a cell a person graded before).
    assert after[1][ASSIGNMENT][1][cell] == (before[1][ASSIGNMENT][1][cell][0], 5.5, None, True)
    page = (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "Well argued: see me about db1." in page and "5.5" in page


def test_the_command_refuses_what_it_cannot_do(generated_course, tmp_path, nbgrader_env):
    course = copy_of(generated_course, tmp_path)
    refused = grade(course, nbgrader_env, "--db", "mysql://grader@127.0.0.1/grades", ok=False)
    assert refused.returncode == 2 and "writes SQLite and PostgreSQL gradebooks" in refused.stderr
    both = grade(course, nbgrader_env, "--scheduler", "tcp://127.0.0.1:1", "--workers", "2", ok=False)
    assert both.returncode == 2 and "--workers sizes the local cluster" in both.stderr


def test_a_client_of_an_existing_cluster_keeps_few_of_dasks_messages(cluster):
    from gradlab.grading.cluster import engine

    with engine.cluster(scheduler=cluster.address) as client:
        kept = engine.COORDINATOR_SETTINGS["distributed.admin.low-level-log-length"]
        assert client.scheduler_comm.recent_message_log.maxlen == kept


def test_a_client_of_the_callers_own_is_used_and_left_open(cluster, generated_course, tmp_path):
    """As with dask-gateway or KubeCluster, whose clients carry their own security: grade_class takes the client."""
    import io

    from distributed import Client

    from gradlab.grading.cluster.classroom import grade_class

    course = copy_of(generated_course, tmp_path)
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SAMPLE / "ben_course_bugs.ipynb", folder / "ben.ipynb")
    with Client(cluster.address) as client:
        run = grade_class(str(course), ASSIGNMENT, str(folder), scheduler=client, report=False, stream=io.StringIO())
        assert client.status == "running"
    assert run.graded == ["ben"] and run.scores == {"ben": EXPECTED["ben_course_bugs"]} and run.feedback == 1
    assert_protected(course, ASSIGNMENT, ["ben"])


def test_an_extension_in_the_gradebook_reaches_the_worker(tmp_path, nbgrader_env):
    """A late submission under a zero-if-late policy, then an extension granted in the gradebook and the class
    graded again: the penalty goes as nbgrader's own autograde takes it away."""
    from datetime import timedelta

    from gradlab.grading.gradebook.db import tables

    def course_with_ada_late(name):
        course = new_course(tmp_path / name, nbgrader_env, 'c.LateSubmissionPlugin.penalty_method = "zero"')
        nbgrader(course, nbgrader_env, "db", "assignment", "add", ASSIGNMENT, "--duedate=2026-01-01 00:00:00 UTC")
        place = course / "submitted" / "ada" / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(SAMPLE / "ada_correct.ipynb", place / f"{ASSIGNMENT}.ipynb")
        (place / "timestamp.txt").write_text("2026-01-03 12:00:00 UTC")
        return course

    def extend(course):
        submissions = tables()["submitted_assignment"]
        engine = create_engine(f"sqlite:///{course}/gradebook.db")
        with engine.begin() as db:
            db.execute(submissions.update().values(extension=timedelta(days=7)))
        engine.dispose()

    def penalty(course):
        return dump(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)["ada"][1][ASSIGNMENT][0]

    ours, theirs = course_with_ada_late("ours"), course_with_ada_late("theirs")
    grade(ours, nbgrader_env, "--workers", "1", "--no-report")
    nbgrader(theirs, nbgrader_env, "autograde", ASSIGNMENT)
    assert penalty(ours) == penalty(theirs) == sum(EXPECTED["ada_correct"].values())  # late: all of it
    extend(ours)
    extend(theirs)
    grade(ours, nbgrader_env, "--workers", "1", "--no-report", "--force")
    nbgrader(theirs, nbgrader_env, "autograde", ASSIGNMENT, "--force")
    assert penalty(ours) == penalty(theirs) and not penalty(theirs)  # on time now: no penalty
    assert_protected(ours, ASSIGNMENT, ["ada"])
    assert_protected(theirs, ASSIGNMENT, ["ada"])
    assert dump(f"sqlite:///{ours}/gradebook.db", ASSIGNMENT, COURSE_ID) == \
        dump(f"sqlite:///{theirs}/gradebook.db", ASSIGNMENT, COURSE_ID)

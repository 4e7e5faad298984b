"""The course end to end, through nbgrader's own commands and through the instructor's parallel command, on
the sample class: every expected score, feedback without hidden tests, restored test cells, the same gradebook
either way, and a run that resumes."""
import csv
import html
import importlib.util
import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from gradlab.grading.gradebook import read_expected, read_scores
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, assert_no_hidden_test_in_feedback, dump, nbgrader

SAMPLE = COURSE / "sample_class"
EXPECTED = read_expected(SAMPLE / "expected_scores.csv")


def run(command, cwd, env, ok=True):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if ok:
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def scores(course):
    return read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]


@pytest.fixture(scope="module")
def env(nbgrader_env):
    return nbgrader_env


@pytest.fixture(scope="module")
def generated(generated_course):
    """The course as an instructor has it after `nbgrader generate_assignment`."""
    return generated_course


def fresh_copy(generated, tmp_path_factory, name):
    course = tmp_path_factory.mktemp(name) / "course"
    shutil.copytree(generated, course)
    return course


@pytest.fixture(scope="module")
def autograded(nbgrader_autograded):
    """The sample class submitted, then `nbgrader autograde`, `export` and `generate_feedback`."""
    return nbgrader_autograded


@pytest.fixture(scope="module")
def parallel(generated, tmp_path_factory, env):
    """The same class graded by the instructor's command, with two workers."""
    course = fresh_copy(generated, tmp_path_factory, "parallel")
    done = run([sys.executable, "-m", "gradlab.grading", "grade", str(course), ASSIGNMENT, str(SAMPLE),
                "--workers", "2"], course, env)
    return course, done


def test_the_sample_class_is_complete():
    assert set(EXPECTED) == {path.stem for path in SAMPLE.glob("*.ipynb")}
    assert len(EXPECTED) >= 12


def test_the_sample_class_is_built_from_the_assignment_as_released(generated):
    spec = importlib.util.spec_from_file_location("make_sample_class", SAMPLE / "make_sample_class.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    release = nbformat.read(generated / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = builder.reference_answers()
    for student, plan in builder.STUDENTS.items():
        built = nbformat.writes(builder.submission(release, answers, plan))
        stored = (SAMPLE / f"{student}.ipynb").read_text()
        assert built.rstrip() == stored.rstrip(), f"{student} is stale: run make_sample_class.py"


def test_every_submission_gets_its_expected_scores(autograded):
    assert scores(autograded) == EXPECTED


def test_the_exported_csv_has_each_students_total(autograded):
    with open(autograded / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    assert rows == {student: sum(cells.values()) for student, cells in EXPECTED.items()}


def test_feedback_has_no_hidden_test_line_and_no_traceback(autograded):
    assert_no_hidden_test_in_feedback(autograded, len(EXPECTED))


def test_feedback_explains_in_words(autograded):
    page = (autograded / "feedback" / "ben_course_bugs" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "db1 is 4x too large" in html.unescape(page) and "dW2 is 2x too large" in html.unescape(page)


def test_a_deleted_test_cell_is_restored_and_an_edited_one_reset(autograded):
    nb = nbformat.read(autograded / "autograded" / "rex_edits_tests" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                       as_version=4)
    tests = {c.metadata.nbgrader.grade_id: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    restored = tests["test_backward_propagation_n"]
    assert "was missing from the submission" in restored.source
    assert restored.outputs[-1]["data"]["text/plain"] == "4.0"
    reset = tests["test_gradient_check_n"]
    assert "gradient_check_n(parameters, buggy, X, Y" in reset.source
    assert reset.outputs[-1]["data"]["text/plain"] == "0.0"


def test_the_reference_solution_passes_its_own_tests_in_a_kernel(generated, env):
    done = nbgrader(generated, env, "validate", f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert "Success! Your notebook passes all the tests." in done.stdout


def test_the_command_starts_without_building_jsonschemas_iri_parsers(generated, env):
    done = run([sys.executable, "-X", "importtime", "-m", "gradlab.grading", "table", str(generated), ASSIGNMENT],
               generated, env)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert {"nbgrader.api", "nbformat", "jsonschema"} <= imported
    assert "rfc3987_syntax.syntax_helpers" not in imported and "lark" not in imported  # its parsers, never built


def test_the_instructor_command_in_parallel_gives_the_same_gradebook(parallel, autograded):
    course, done = parallel
    assert scores(course) == scores(autograded) == EXPECTED
    # Row for row: auto scores, review flags, comments and penalties as nbgrader's own autograde wrote them.
    url = "sqlite:///{}/gradebook.db"
    assert dump(url.format(course), ASSIGNMENT, COURSE_ID) == dump(url.format(autograded), ASSIGNMENT, COURSE_ID)
    assert f"graded {len(EXPECTED)}, already graded 0, failed 0" in done.stdout
    assert_no_hidden_test_in_feedback(course, len(EXPECTED))
    with open(course / "exports" / f"{ASSIGNMENT}_scores.csv", newline="") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert totals == {student: sum(cells.values()) for student, cells in EXPECTED.items()}
    report = (course / "reports" / f"{ASSIGNMENT}.html").read_text()
    assert report.count("data:image/png;base64,") == 3 and "db1 scaled x4" in report


def test_grading_again_resumes_and_loses_nothing(parallel, env):
    course, _ = parallel
    before = scores(course)
    command = [sys.executable, "-m", "gradlab.grading", "grade", str(course), ASSIGNMENT, "--no-report"]
    again = run(command, course, env)
    assert f"graded 0, already graded {len(EXPECTED)}" in again.stdout
    # An interruption after 13 submissions: the journal lacks the others, their results never landed.
    journal = course / ".gradlab" / ASSIGNMENT / "journal.jsonl"
    entries = journal.read_text().splitlines()
    journal.write_text("\n".join(entries[:13]) + "\n" + entries[13][:20])
    resumed = run(command + ["--no-feedback"], course, env)
    assert f"graded {len(EXPECTED) - 13}, already graded 13" in resumed.stdout
    recorded = [json.loads(line)["student"] for line in journal.read_text().splitlines() if line.endswith("}")]
    assert set(recorded[13:]) == {json.loads(line)["student"] for line in entries[13:]}
    forced = run(command + ["--force", "--no-feedback", "--workers", "2"], course, env)
    assert f"graded {len(EXPECTED)}, already graded 0" in forced.stdout
    assert scores(course) == before

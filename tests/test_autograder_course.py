"""The course end to end, through nbgrader's own commands and through the instructor's parallel command, on every
assignment's sample class: every expected score, feedback without hidden tests and in the exercise's own words,
visible tests that pass every full-marks solution, restored test cells, the same gradebook either way, and a run
that resumes."""
import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from gradlab.grading.gradebook.scores import read_expected, read_scores
from nbgrader_course import (ASSIGNMENT, ASSIGNMENTS, COURSE, COURSE_ID, assert_no_hidden_test_in_feedback, dump,
                             feedback_text, nbgrader)
from protections import assert_protected


def sample(assignment):
    return COURSE / "sample_class" / assignment


def expected(assignment):
    return read_expected(sample(assignment) / "expected_scores.csv")


def run(command, cwd, env, ok=True):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if ok:
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def scores(course, assignment):
    return read_scores(f"sqlite:///{course}/gradebook.db", assignment, COURSE_ID)[0]


@pytest.fixture(scope="module")
def env(nbgrader_env):
    return nbgrader_env


@pytest.fixture(scope="module")
def generated(generated_course):
    """The course as an instructor has it after `nbgrader generate_assignment` of every assignment."""
    return generated_course


def fresh_copy(generated, tmp_path_factory, name):
    course = tmp_path_factory.mktemp(name) / "course"
    shutil.copytree(generated, course)
    return course


def once_per_assignment(make):
    """A module fixture's value for each assignment, made when a test first asks for that assignment."""
    made = {}

    def value(assignment):
        if assignment not in made:
            made[assignment] = make(assignment)
        return made[assignment]

    return value


@pytest.fixture(scope="module")
def autograded(autograded_by_nbgrader):
    """assignment -> a course where its sample class was submitted, then `nbgrader autograde`, `export` and
    `generate_feedback`."""
    return autograded_by_nbgrader


@pytest.fixture(scope="module")
def parallel(generated, tmp_path_factory, env):
    """assignment -> (the course, the command's output) after the instructor's command graded the same class with
    two workers."""
    def make(assignment):
        course = fresh_copy(generated, tmp_path_factory, f"parallel-{assignment}")
        done = run([sys.executable, "-m", "gradlab.grading", "grade", str(course), assignment, str(sample(assignment)),
                    "--workers", "2"], course, env)
        return course, done

    return once_per_assignment(make)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_sample_class_is_complete(assignment):
    assert set(expected(assignment)) == {path.stem for path in sample(assignment).glob("*.ipynb")}
    assert len(expected(assignment)) >= 9


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_sample_class_is_built_from_the_assignment_as_released(generated, assignment):
    spec = importlib.util.spec_from_file_location("make_sample_class", COURSE / "sample_class" / "make_sample_class.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    release = nbformat.read(generated / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = builder.reference_answers(assignment)
    for student, plan in builder.students(assignment).items():
        built = nbformat.writes(builder.submission(release, answers, plan))
        stored = (sample(assignment) / f"{student}.ipynb").read_text()
        assert built.rstrip() == stored.rstrip(), f"{student} is stale: run make_sample_class.py {assignment}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_submission_gets_its_expected_scores(autograded, assignment):
    assert scores(autograded(assignment), assignment) == expected(assignment)
    assert_protected(autograded(assignment), assignment, expected(assignment))  # by nbgrader autograde


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_exported_csv_has_each_students_total(autograded, assignment):
    with open(autograded(assignment) / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)
                if row["assignment"] == assignment}
    assert rows == {student: sum(cells.values()) for student, cells in expected(assignment).items()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_has_no_hidden_test_line_and_no_traceback(autograded, assignment):
    assert_no_hidden_test_in_feedback(autograded(assignment), len(expected(assignment)), assignment)


# What a student reads: the exercise's own output names, the shape expected, the reason in words.
FEEDBACK = [
    ("gradient_checking", "ben_course_bugs", ["db1 is 4x too large", "dW2 is 2x too large"]),
    ("gradient_checking", "ray_finite_differences", ["as closely as finite differences do",
                                                     "this exercise asks for backpropagation"]),
    ("gradient_checking", "sam_names_errors", ["in a hidden case: raised an error (3 cases)",
                                               "dtheta has the wrong shape"]),
    ("gradient_checking", "max_wrong_types", ["db2 is float32: rounded to float32, a gradient is as far from the exact "
                                              "one as finite differences are", "compute it in float64"]),
    ("planar_classifier", "ben_tanh_derivative", ["dW1 WRONG, db1 WRONG, dW2 ok, db2 ok", "backward step of layer 1"]),
    ("planar_classifier", "cal_no_keepdims", ["db1 has shape (4,); it should have shape (4, 1)"]),
    ("planar_classifier", "dee_missing_1_over_m", ["dW2 is 3x too large, and m = 3: the 1/m is missing"]),
    ("planar_classifier", "fay_forgets_db2", ["db2 is missing from the returned dictionary"]),
    ("planar_classifier", "gus_hard_codes", ["dW1, db1, dW2: right in the case you can run, but not in one you have "
                                             "not seen (3 inputs, 5 hidden units, 7 examples; 2 inputs, 6 hidden "
                                             "units, 10 examples): each has the wrong shape"]),
    ("planar_classifier", "ida_finite_differences", ["this exercise asks for backpropagation"]),
    ("softmax_regression", "ben_dW_without_mean", ["loss ok, dW WRONG", "dW is 5x too large"]),
    ("softmax_regression", "eli_returns_dW_transposed", ["dW has shape (3, 4); it should have shape (4, 3)"]),
    ("softmax_regression", "fay_no_gradient_yet", ["dW is a NoneType, not a number or a numpy array"]),
    ("softmax_regression", "gus_sums_the_loss", ["loss WRONG, dW ok", "loss = 5.03872, expected 1.00774"]),
    ("softmax_regression", "jon_returns_the_loss_only", ["not a tuple of 2 (loss, dW)"]),
    ("batch_normalization", "ben_direct_path_only", ["dx WRONG, dgamma ok, dbeta ok"]),
    ("batch_normalization", "dee_keepdims_dbeta", ["dbeta has shape (1, 3); it should have shape (3,)"]),
    ("batch_normalization", "fay_forgets_dbeta", ["returned a tuple of 2, not a tuple of 3 (dx, dgamma, dbeta)"]),
    ("batch_normalization", "gus_finite_differences", [
        "dx agrees with the exact gradient only as closely as finite differences do",
        "dgamma, dbeta: right in the case you can run, but not in one you have not seen (6 examples of 3 features, "
        "beta shifted by 100000): each looks like finite differences, not backpropagation"]),
]


@pytest.mark.parametrize("assignment, student, words", FEEDBACK, ids=[f"{a}-{s}" for a, s, _ in FEEDBACK])
def test_feedback_explains_in_words(autograded, assignment, student, words):
    _, text = feedback_text(autograded(assignment) / "feedback" / student / assignment / f"{assignment}.html")
    text = " ".join(text.split())  # feedback is wrapped to the page
    for phrase in words:
        assert phrase in text, phrase


def test_a_deleted_test_cell_is_restored_and_an_edited_one_reset(autograded):
    nb = nbformat.read(autograded(ASSIGNMENT) / "autograded" / "rex_edits_tests" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                       as_version=4)
    tests = {c.metadata.nbgrader.grade_id: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    restored = tests["test_backward_propagation_n"]
    assert "was missing from the submission" in restored.source
    assert restored.outputs[-1]["data"]["text/plain"] == "4.0"
    reset = tests["test_gradient_check_n"]
    assert "gradient_check_n(parameters, buggy, X, Y" in reset.source
    assert reset.outputs[-1]["data"]["text/plain"] == "0.0"


# nbgrader's validate fails a cell that writes to stderr, as its autograde would; the grader does not.
WRITES_TO_STDERR = {"dev_prints_warnings"}


def full_marks(assignment):
    """The sample students the autograder gives every point (who print nothing on stderr)."""
    points = max(sum(cells.values()) for cells in expected(assignment).values())
    return [student for student, cells in expected(assignment).items()
            if sum(cells.values()) == points and student not in WRITES_TO_STDERR]


# Cheats made to pass the visible tests in the student's kernel: nbgrader's validate is fooled, the grader is not.
FOOL_THE_VISIBLE_TESTS = {"planar_classifier": ["gus_hard_codes", "hal_patches_gradlab"],
                          "softmax_regression": ["hal_patches_checks"],
                          "batch_normalization": ["ida_replaces_the_check"]}


def test_only_an_edited_test_cell_is_reported_as_changed(autograded):
    # nbgrader takes the checksum before hidden tests are cleared, so it used to call every untouched test cell with
    # hidden tests changed; now only rex, who rewrote a test cell, is reported.
    log = (autograded(ASSIGNMENT) / "autograde.log").read_text()
    changed = re.findall(r"Attribute 'checksum' for cell (\S+) has changed", log)
    assert changed == ["test_gradient_check_n"]
    assert "rex_edits_tests" in log.split("Attribute 'checksum'")[0].rsplit("Autograding", 1)[-1]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_visible_tests_pass_the_solution_and_every_full_marks_submission_in_a_kernel(generated, env, assignment):
    notebooks = [f"source/{assignment}/{assignment}.ipynb"] + [
        str(sample(assignment) / f"{student}.ipynb")
        for student in full_marks(assignment) + FOOL_THE_VISIBLE_TESTS.get(assignment, [])]
    done = nbgrader(generated, env, "validate", *notebooks)  # one kernel per notebook, in this order
    assert done.stdout.count("Success! Your notebook passes all the tests.") == len(notebooks), done.stdout[-3000:]


@pytest.mark.parametrize("notebook", sorted((COURSE / "source").glob("*/*.ipynb")), ids=lambda p: p.stem)
def test_visible_tests_fit_in_what_validate_shows(notebook):
    # nbgrader validate shows a failing cell's lines cut at 87 characters (its width, 90, with an indent of 4).
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert [line for line in visible.splitlines() if len(line) > 83] == [], cell.metadata.nbgrader.grade_id


def validate(course, env, assignment, student):
    """`nbgrader validate` on a sample submission, as the student's Validate button runs it; its output."""
    place = course / "validate" / assignment / f"{student}.ipynb"
    place.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(sample(assignment) / f"{student}.ipynb", place)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(place)], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)
    return done.stdout + done.stderr


def test_validate_shows_the_report_of_a_failing_gradient_check(generated, env):
    # Validate shows only the failing test's error, so the error carries the report itself.
    out = validate(generated, env, ASSIGNMENT, "ben_course_bugs")
    error = out[out.index("The error was:"):]
    assert "dW2 is 2x too large" in error and "db1 is 4x too large" in error
    # its first lines are the verdict and the diagnoses, and no frame of gradlab's own files comes before them
    first = " ".join(line.strip() for line in error.splitlines()[1:12] if line.strip())
    assert first.startswith("GradientCheckError: Gradient check FAILED: b1, W2 disagree"), first
    assert "Diagnoses:" in first and "db1 is 4x too large" in first and "dW2 is 2x too large" in first
    assert "report.py" not in error and "site-packages" not in error and "Traceback" not in error
    assert "W2" in error and "FAIL" in error  # the per-parameter table
    # nbgrader cuts every line of the error at its width (90): none of the report's lines may be cut.
    report = error[error.index("GradientCheckError:"):]
    assert not [line for line in report.splitlines() if line.endswith("...")]


def test_validate_agrees_with_autograde_on_a_right_checker_beside_a_wrong_backprop(generated, env):
    # ben's gradient_check_n is right (autograde gives it full marks) while his backprop is not: Validate must not
    # fail gradient_check_n's visible test for it.
    out = validate(generated, env, ASSIGNMENT, "ben_course_bugs")
    assert expected(ASSIGNMENT)["ben_course_bugs"]["test_gradient_check_n"] == 4
    failing = re.findall(r"The following cell failed:\s*\n(.*?)\n", out)
    assert all("gradient_check_n(parameters" not in line for line in failing), failing
    assert out.count("The following cell failed") == 1


FAILING = [("planar_classifier", "ben_tanh_derivative", "GradientCheckError", "Gradient check FAILED: W1, b1 disagree"),
           ("softmax_regression", "cal_forgets_minus_one", "GradientCheckError", "Gradient check FAILED: W disagrees"),
           ("batch_normalization", "ben_direct_path_only", "GradientCheckError", "Gradient check FAILED: x disagrees"),
           ("batch_normalization", "dee_keepdims_dbeta", "AssertionError",
            "dbeta has shape (1, 3), not (3,)")]


@pytest.mark.parametrize("assignment, student, error, words", FAILING, ids=[f"{a}-{s}" for a, s, _, _ in FAILING])
def test_a_failing_visible_test_says_why_in_its_message(generated, env, assignment, student, error, words):
    # Validate shows the failing cell and its exception, never what the cell printed: the words are in the message.
    out = validate(generated, env, assignment, student)
    assert "VALIDATION FAILED" in out and words in out[out.rindex(f"{error}:"):]


def test_the_command_starts_without_building_jsonschemas_iri_parsers(generated, env):
    done = run([sys.executable, "-X", "importtime", "-m", "gradlab.grading", "table", str(generated), ASSIGNMENT],
               generated, env)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert {"nbgrader.api", "nbformat", "jsonschema"} <= imported
    assert "rfc3987_syntax.syntax_helpers" not in imported and "lark" not in imported  # its parsers, never built


# A label of the class report's "most common problems", from a known bug of each sample class.
REPORT_LABELS = {"gradient_checking": "db1 scaled x4", "planar_classifier": "dW2 without 1/m",
                 "softmax_regression": "dW without 1/m", "batch_normalization": "dbeta wrong shape"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_instructor_command_in_parallel_gives_the_same_gradebook(parallel, autograded, assignment):
    course, done = parallel(assignment)
    assert scores(course, assignment) == scores(autograded(assignment), assignment) == expected(assignment)
    # Row for row: auto scores, review flags, comments and penalties as nbgrader's own autograde wrote them.
    url = "sqlite:///{}/gradebook.db"
    assert dump(url.format(course), assignment, COURSE_ID) == dump(url.format(autograded(assignment)), assignment,
                                                                   COURSE_ID)
    assert f"graded {len(expected(assignment))}, already graded 0, failed 0" in done.stdout
    assert_protected(course, assignment, expected(assignment))  # on the local cluster's workers
    assert_no_hidden_test_in_feedback(course, len(expected(assignment)), assignment)
    with open(course / "exports" / f"{assignment}_scores.csv", newline="") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert totals == {student: sum(cells.values()) for student, cells in expected(assignment).items()}
    report = (course / "reports" / f"{assignment}.html").read_text()
    assert report.count("data:image/png;base64,") == 3 and REPORT_LABELS[assignment] in report


def test_grading_again_resumes_and_loses_nothing(parallel, env):
    course, _ = parallel(ASSIGNMENT)
    before = scores(course, ASSIGNMENT)
    count = len(expected(ASSIGNMENT))
    command = [sys.executable, "-m", "gradlab.grading", "grade", str(course), ASSIGNMENT, "--no-report"]
    again = run(command, course, env)
    assert f"graded 0, already graded {count}" in again.stdout
    # An interruption after 13 submissions: the journal lacks the others, their results never landed.
    journal = course / ".gradlab" / ASSIGNMENT / "journal.jsonl"
    entries = journal.read_text().splitlines()
    journal.write_text("\n".join(entries[:13]) + "\n" + entries[13][:20])
    resumed = run(command + ["--no-feedback"], course, env)
    assert f"graded {count - 13}, already graded 13" in resumed.stdout
    recorded = [json.loads(line)["student"] for line in journal.read_text().splitlines() if line.endswith("}")]
    assert set(recorded[13:]) == {json.loads(line)["student"] for line in entries[13:]}
    forced = run(command + ["--force", "--no-feedback", "--workers", "2"], course, env)
    assert f"graded {count}, already graded 0" in forced.stdout
    assert scores(course, ASSIGNMENT) == before
    assert_protected(course, ASSIGNMENT, expected(ASSIGNMENT))

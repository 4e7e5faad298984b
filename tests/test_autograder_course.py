"""The course end to end, through nbgrader's own commands and through the instructor's parallel command, on
the sample class: every expected score, feedback without hidden tests, restored test cells, the same gradebook
either way, and a run that resumes."""
import csv
import html
import importlib.util
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from gradlab.grading.gradebook import read_expected, read_scores
from gradlab.grading.nbgrader_calls import isolated_environment
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, dump, nbgrader, new_course

SAMPLE = COURSE / "sample_class" / ASSIGNMENT
EXPECTED = read_expected(SAMPLE / "expected_scores.csv")


def run(command, cwd, env, ok=True):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if ok:
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def scores(course):
    return read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return isolated_environment(str(tmp_path_factory.mktemp("jupyter")))


@pytest.fixture(scope="module")
def generated(tmp_path_factory, env):
    """The course as an instructor has it after `nbgrader generate_assignment`."""
    return new_course(tmp_path_factory.mktemp("generated") / "course", env)


def fresh_copy(generated, tmp_path_factory, name):
    course = tmp_path_factory.mktemp(name) / "course"
    shutil.copytree(generated, course)
    return course


@pytest.fixture(scope="module")
def autograded(generated, tmp_path_factory, env):
    """The sample class submitted, then `nbgrader autograde`, `export` and `generate_feedback`."""
    course = fresh_copy(generated, tmp_path_factory, "nbgrader")
    for notebook in SAMPLE.glob("*.ipynb"):
        place = course / "submitted" / notebook.stem / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(notebook, place / f"{ASSIGNMENT}.ipynb")
    done = nbgrader(course, env, "autograde", ASSIGNMENT)
    (course / "autograde.log").write_text(done.stdout + done.stderr)
    nbgrader(course, env, "export")
    nbgrader(course, env, "generate_feedback", ASSIGNMENT)
    return course


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
    spec = importlib.util.spec_from_file_location("make_sample_class", COURSE / "sample_class" / "make_sample_class.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    release = nbformat.read(generated / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = builder.reference_answers(ASSIGNMENT)
    for student, plan in builder.students(ASSIGNMENT).items():
        built = nbformat.writes(builder.submission(release, answers, plan))
        stored = (SAMPLE / f"{student}.ipynb").read_text()
        assert built.rstrip() == stored.rstrip(), f"{student} is stale: run make_sample_class.py {ASSIGNMENT}"


def test_every_submission_gets_its_expected_scores(autograded):
    assert scores(autograded) == EXPECTED


def test_the_exported_csv_has_each_students_total(autograded):
    with open(autograded / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    assert rows == {student: sum(cells.values()) for student, cells in EXPECTED.items()}


def hidden_lines():
    source = nbformat.read(COURSE / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    lines, inside = [], False
    for cell in source.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            if inside and line.strip():
                lines.append(line.strip())
            if "END HIDDEN TESTS" in line:
                inside = False
    assert len(lines) >= 15
    return lines


def assert_no_hidden_test_in_feedback(course):
    pages = sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) == len(EXPECTED)
    lines = hidden_lines()
    for page in pages:
        raw = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page.read_text(), flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", raw))
        for line in lines:
            assert line not in text and html.escape(line) not in raw, f"{page.parent.parent.name}: {line}"
        assert "Traceback (most recent call last)" not in text and "HIDDEN_CASES" not in text
        # What a student's code chose in a hidden case (an exception's name and message) never comes back.
        assert not re.search(r"RTHID_x[m0-9]", text) and "x=-3.5" not in text


def test_feedback_has_no_hidden_test_line_and_no_traceback(autograded):
    assert_no_hidden_test_in_feedback(autograded)


def test_feedback_explains_in_words(autograded):
    page = (autograded / "feedback" / "ben_course_bugs" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "db1 is 4x too large" in html.unescape(page) and "dW2 is 2x too large" in html.unescape(page)
    page = " ".join(html.unescape((autograded / "feedback" / "ray_finite_differences" / ASSIGNMENT /
                                   f"{ASSIGNMENT}.html").read_text()).split())  # feedback lines are wrapped
    assert "as closely as finite differences do" in page and "this exercise asks for backpropagation" in page
    page = " ".join(html.unescape((autograded / "feedback" / "sam_names_errors" / ASSIGNMENT /
                                   f"{ASSIGNMENT}.html").read_text()).split())
    assert "in a hidden case: raised an error (3 cases)" in page and "dtheta has the wrong shape" in page


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


def test_only_an_edited_test_cell_is_reported_as_changed(autograded):
    # nbgrader takes the checksum before hidden tests are cleared, so it used to call every untouched test cell with
    # hidden tests changed; now only rex, who rewrote a test cell, is reported.
    log = (autograded / "autograde.log").read_text()
    changed = re.findall(r"Attribute 'checksum' for cell (\S+) has changed", log)
    assert changed == ["test_gradient_check_n"]
    assert "rex_edits_tests" in log.split("Attribute 'checksum'")[0].rsplit("Autograding", 1)[-1]


def test_the_reference_solution_passes_its_own_tests_in_a_kernel(generated, env):
    done = nbgrader(generated, env, "validate", f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert "Success! Your notebook passes all the tests." in done.stdout


@pytest.mark.parametrize("notebook", sorted((COURSE / "source").glob("*/*.ipynb")), ids=lambda p: p.stem)
def test_visible_tests_fit_in_what_validate_shows(notebook):
    # nbgrader validate shows a failing cell's lines cut at 87 characters (its width, 90, with an indent of 4).
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert [line for line in visible.splitlines() if len(line) > 83] == [], cell.metadata.nbgrader.grade_id


def validate(course, env, student):
    """`nbgrader validate` on a sample submission, as the student's Validate button runs it; its output."""
    place = course / "validate" / f"{student}.ipynb"
    place.parent.mkdir(exist_ok=True)
    shutil.copy(SAMPLE / f"{student}.ipynb", place)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(place)], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)
    return done.stdout + done.stderr


def test_validate_shows_the_report_of_a_failing_gradient_check(generated, env):
    # Validate shows only the failing test's error, so the error carries the report itself.
    out = validate(generated, env, "ben_course_bugs")
    error = out[out.index("The error was:"):]
    assert "dW2 is 2x too large" in error and "db1 is 4x too large" in error
    assert "W2" in error and "FAIL" in error  # the per-parameter table
    # nbgrader cuts every line of the error at its width (90): none of the report's lines may be cut.
    report = error[error.index("GradientCheckError:"):]
    assert not [line for line in report.splitlines() if line.endswith("...")]


def test_validate_agrees_with_autograde_on_a_right_checker_beside_a_wrong_backprop(generated, env):
    # ben's gradient_check_n is right (autograde gives it full marks) while his backprop is not: Validate must not
    # fail gradient_check_n's visible test for it.
    out = validate(generated, env, "ben_course_bugs")
    assert EXPECTED["ben_course_bugs"]["test_gradient_check_n"] == 4
    failing = re.findall(r"The following cell failed:\s*\n(.*?)\n", out)
    assert all("gradient_check_n(parameters" not in line for line in failing), failing
    assert out.count("The following cell failed") == 1


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
    assert_no_hidden_test_in_feedback(course)
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

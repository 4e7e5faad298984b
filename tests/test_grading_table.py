"""`python -m gradlab.grading table --expected`: the gradebook next to the scores a CSV expects, on the gradient_checking
sample class as `nbgrader autograde` graded it: it exits 1 when a row differs, and refuses a CSV it cannot read
(nbgrader's own grades.csv among them) with the columns it needs."""
import csv
import subprocess
import sys

from gradlab.grading.gradebook.scores import read_expected
from nbgrader_course import ASSIGNMENT, COURSE

EXPECTED = COURSE / "sample_class" / ASSIGNMENT / "expected_scores.csv"
CLASS = len(read_expected(EXPECTED))


def table(course, env, expected):
    return subprocess.run([sys.executable, "-m", "gradlab.grading", "table", str(course), ASSIGNMENT, "--expected",
                           str(expected)], cwd=course, env=env, capture_output=True, text=True, timeout=600)


def rewritten(tmp_path, change):
    with EXPECTED.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows, fields = change(rows, fields)
    path = tmp_path / "expected.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_expected_scores_of_the_sample_class_match(nbgrader_autograded, nbgrader_env):
    done = table(nbgrader_autograded, nbgrader_env, EXPECTED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DIFFERS" not in done.stdout and f"0 of {CLASS} submissions differ from the expected scores" in done.stdout


def test_a_score_that_differs_exits_non_zero_and_is_named(nbgrader_autograded, nbgrader_env, tmp_path):
    def change(rows, fields):
        rows[0]["test_gradient_check_n"] = "3"
        return rows, fields

    done = table(nbgrader_autograded, nbgrader_env, rewritten(tmp_path, change))
    assert done.returncode == 1
    marked = [line.split()[0] for line in done.stdout.splitlines() if line.rstrip().endswith("DIFFERS")]
    assert marked == ["ada_correct"]
    assert f"1 of {CLASS} submissions differ from the expected scores: ada_correct" in done.stdout


def test_a_student_missing_from_the_expected_scores_exits_non_zero(nbgrader_autograded, nbgrader_env, tmp_path):
    done = table(nbgrader_autograded, nbgrader_env, rewritten(tmp_path, lambda rows, fields: (rows[1:], fields)))
    assert done.returncode == 1 and "graded but not in" in done.stdout and "ada_correct" in done.stdout.split(
        "graded but not in")[1]


def test_nbgraders_grades_csv_is_refused_with_the_columns_it_lacks(nbgrader_autograded, nbgrader_env):
    done = table(nbgrader_autograded, nbgrader_env, nbgrader_autograded / "grades.csv")  # one row per assignment
    assert done.returncode == 2 and done.stdout == ""
    assert "has no column student, test_forward_propagation, test_backward_propagation" in done.stderr
    assert ("the expected scores need the columns student, test_forward_propagation, test_backward_propagation, "
            "test_gradient_check, test_backward_propagation_n, test_gradient_check_n") in done.stderr
    assert "student_id" in done.stderr  # what it has instead


def test_a_score_that_is_not_a_number_is_refused_with_its_line(nbgrader_autograded, nbgrader_env, tmp_path):
    def change(rows, fields):
        rows[2]["test_backward_propagation_n"] = "six"
        return rows, fields

    done = table(nbgrader_autograded, nbgrader_env, rewritten(tmp_path, change))
    assert done.returncode == 2
    assert "line 4: test_backward_propagation_n of cleo_missing_factors is 'six', not a number" in done.stderr

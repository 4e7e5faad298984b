"""`python -m gradlab.grading table COURSE ASSIGNMENT [--expected CSV]`: the gradebook as a table, and with --expected
each row compared with the score it should have; the command exits 1 when any differs.

The expected scores are a CSV with a `student` column and one column per test cell of the assignment, named by its
grade_id (test_softmax_loss, ...), each holding that cell's score; other columns (total, notes) are ignored. It is
the layout of the sample classes' expected_scores.csv and of the grading command's exports/ASSIGNMENT_scores.csv. A
file in another layout (nbgrader's grades.csv has a row per assignment, not per test cell) is refused, with the
columns it lacks, rather than read as zeros.
"""
from __future__ import annotations

import csv


class ExpectedScoresError(ValueError):
    """A CSV of expected scores that cannot be read for this assignment, and why."""


def layout(columns):
    return "student, " + ", ".join(columns) + " (a score per test cell; other columns are ignored)"


def expected_scores(path, columns):
    """{student: {test cell: score}} from the CSV at `path`, which must hold every column of `columns` (the
    assignment's test cells) and a `student` column, with a number in each of those cells."""
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ExpectedScoresError(f"cannot read the expected scores in {path}: {error}") from error
    missing = [name for name in ["student", *columns] if name not in header]
    if missing:
        raise ExpectedScoresError(f"{path} has no column {', '.join(missing)}: the expected scores need the columns "
                                  f"{layout(columns)}; it has {', '.join(header) or 'none'}")
    found = {}
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        student = (row.get("student") or "").strip()
        if not student:
            raise ExpectedScoresError(f"{path}, line {number}: no student")
        if student in found:
            raise ExpectedScoresError(f"{path}, line {number}: {student} is there twice")
        scores = {}
        for column in columns:
            try:
                scores[column] = float(row[column])
            except (TypeError, ValueError):
                raise ExpectedScoresError(f"{path}, line {number}: {column} of {student} is {row[column]!r}, not a "
                                          "number") from None
        found[student] = scores
    return found


def differences(scores, expected):
    """Students whose scores differ from the expected ones, those graded but not expected, and the reverse."""
    columns = sorted({column for row in expected.values() for column in row})
    differ = [student for student in scores if student in expected and any(
        abs((scores[student].get(column) or 0.0) - expected[student][column]) >= 1e-6 for column in columns)]
    return differ, sorted(set(scores) - set(expected)), sorted(set(expected) - set(scores))


def run_table(course, assignment, expected_path=None, db=None, stream=None):
    """Print the table; return the exit code (0, or 1 when a score differs from the expected one)."""
    import sys

    from ..course import nbgrader_calls
    from ..gradebook.scores import read_scores, render_table, table_rows

    stream = stream or sys.stdout
    scores, points = read_scores(db or nbgrader_calls.default_db_url(course), assignment,
                                 nbgrader_calls.course_id(course))
    if expected_path is None:
        print(render_table(table_rows(scores, points)), file=stream)
        return 0
    if not points:
        raise ExpectedScoresError(f"the gradebook has no test cells of {assignment}: nothing to compare")
    expected = expected_scores(expected_path, list(points))
    print(render_table(table_rows(scores, points, expected)), file=stream)
    differ, unexpected, ungraded = differences(scores, expected)
    lines = [f"{len(differ)} of {len(scores)} submissions differ from the expected scores"
             + (f": {', '.join(sorted(differ))}" if differ else "")]
    if unexpected:
        lines.append(f"graded but not in {expected_path}: {', '.join(unexpected)}")
    if ungraded:
        lines.append(f"expected but not in the gradebook: {', '.join(ungraded)}")
    print("\n" + "\n".join(lines), file=stream)
    return 1 if differ or unexpected or ungraded else 0

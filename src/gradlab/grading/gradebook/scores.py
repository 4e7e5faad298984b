"""Reading scores out of an nbgrader gradebook, and the gradebook as a table on the terminal or in a CSV.

Scores are read per test cell (grade_id), so a table shows where each point was won or lost, not just totals.
"""
from __future__ import annotations

import csv
import io

from nbgrader.api import BaseCell, Grade, Gradebook, MissingEntry, SubmittedAssignment, SubmittedNotebook


def read_scores(db_url, assignment, course_id):
    """{student: {grade_id: score}} for every submission of `assignment`, and the points of each grade_id.

    course_id must be the course's (CourseDirectory.course_id): nbgrader adds a course it does not know.
    Scores are read as rows (nbgrader's own `Grade.score`: manual over automatic, plus extra credit), not as
    nbgrader's objects, which hold about 14 KB per submission: at the end of a class of 100,000, over a gigabyte.
    """
    scores, points = {}, {}
    with Gradebook(db_url, course_id) as gradebook:
        try:
            record = gradebook.find_assignment(assignment)
        except MissingEntry:
            return {}, {}
        for notebook in record.notebooks:
            for cell in notebook.grade_cells:
                points[cell.name] = float(cell.max_score)
        submitted = gradebook.db.query(SubmittedAssignment.student_id).filter(
            SubmittedAssignment.assignment_id == record.id)
        for (student,) in submitted:
            scores[student] = {}
        grades = (gradebook.db.query(SubmittedAssignment.student_id, BaseCell.name, Grade.score)
                  .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                  .join(Grade, Grade.notebook_id == SubmittedNotebook.id)
                  .join(BaseCell, BaseCell.id == Grade.cell_id)
                  .filter(SubmittedAssignment.assignment_id == record.id))
        for student, name, score in grades:
            scores[student][name] = None if score is None else float(score)
    return scores, points


def table_rows(scores, points, expected=None):
    """Rows of strings: student, one column per test cell, total (and expected total, if given)."""
    columns = sorted(points, key=list(points).index)
    header = ["student", *(_short(c) for c in columns), "total"] + (["expected", ""] if expected is not None else [])
    rows = [header]
    for student in sorted(scores):
        row = scores[student]
        values = [row.get(c) for c in columns]
        total = sum(v for v in values if v is not None)
        line = [student, *("-" if v is None else f"{v:g}" for v in values), f"{total:g}"]
        if expected is not None:
            want = expected.get(student)
            same = want is not None and all(abs((row.get(c) or 0.0) - want.get(c, 0.0)) < 1e-6 for c in columns)
            line += ["?" if want is None else f"{sum(want.get(c, 0.0) for c in columns):g}", "ok" if same else "DIFFERS"]
        rows.append(line)
    rows.append(["(points)", *(f"{points[c]:g}" for c in columns), f"{sum(points.values()):g}"]
                + (["", ""] if expected is not None else []))
    return rows


def render_table(rows):
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if k == 0 else cell.rjust(w) for k, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_csv(path, scores, points):
    """One row per student: a column per test cell and the total."""
    columns = sorted(points, key=list(points).index)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *columns, "total", "max_score"])
        for student in sorted(scores):
            values = [scores[student].get(c) for c in columns]
            writer.writerow([student, *("" if v is None else f"{v:g}" for v in values),
                             f"{sum(v for v in values if v is not None):g}", f"{sum(points.values()):g}"])


def read_expected(path):
    """{student: {grade_id: score}} from a CSV such as the sample class's expected_scores.csv."""
    with open(path, newline="") as handle:
        text = handle.read()
    expected = {}
    for row in csv.DictReader(io.StringIO(text)):
        expected[row["student"]] = {key: float(value) for key, value in row.items()
                                    if key.startswith("test_") and value not in (None, "")}
    return expected


def _short(grade_id):
    return grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id

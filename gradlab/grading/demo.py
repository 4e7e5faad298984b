"""The instructor demo: grade the sample class in a scratch copy of the course and print the gradebook.

    python -m gradlab.grading demo

Copies autograder/ (the course, its source notebook and the sample class) to a temporary folder, generates
the assignment, submits the sample class, grades it in parallel (feedback, CSV and class report included) and
prints the gradebook next to the expected scores. The repository's autograder/ is never written to.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from .classroom import grade_class
from .course_files import copy_course
from .gradebook import read_expected, render_table, table_rows

ASSIGNMENT = "gradient_checking"
COURSE = Path(__file__).resolve().parents[2] / "autograder"


def run_demo(course=COURSE, workdir=None, workers=None, stream=None):
    """Grade the sample class; return (ClassRun, the table as text, whether every score was as expected)."""
    stream = stream if stream is not None else sys.stdout
    course = Path(course)
    sample = course / "sample_class" / ASSIGNMENT
    if not (sample / "expected_scores.csv").exists():
        raise FileNotFoundError(f"no sample class in {course}: the demo needs the repository's autograder/ "
                                "directory (give its path with --course)")
    keep = workdir is not None
    workdir = Path(workdir) if keep else Path(tempfile.mkdtemp(prefix="gradlab-demo-"))
    try:
        target = copy_course(course, workdir / "course")
        run = grade_class(target, ASSIGNMENT, str(sample), workers=workers, stream=sys.stderr)
        expected = read_expected(sample / "expected_scores.csv")
        rows = table_rows(run.scores, run.points, expected)
        table = render_table(rows)
        matches = all(row[-1] == "ok" for row in rows[1:-1]) and set(expected) == set(run.scores)
        print(table, file=stream)
        print(f"\n{len(run.scores)} submissions graded in {run.seconds:.1f} s with {workers or os.cpu_count()} "
              f"workers; {'every score is as expected' if matches else 'SOME SCORES DIFFER FROM THE EXPECTED ONES'}.",
              file=stream)
        if keep:
            print(f"gradebook: {target}/gradebook.db\nscores:    {run.csv}\nreport:    {run.report}\n"
                  f"feedback:  {target}/feedback/", file=stream)
        return run, table, matches
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)

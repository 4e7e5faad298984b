"""The instructor demo: grade every sample class in a fresh copy of the course and print the gradebooks.

    python -m gradlab.grading demo [--keep DIR]

Copies autograder/ (the course's config, declarations and source notebooks) to a new folder, and for each
assignment with a sample class (sample_class/ASSIGNMENT/ with expected_scores.csv) generates the assignment, submits
the sample class, grades it in parallel (feedback, CSV and class report included) and prints the gradebook next to
the expected scores. The results stay in that folder, whose paths it prints; the repository's autograder/ is never
written to.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..cluster.classroom import grade_class
from ..course.files import copy_course
from ..gradebook.scores import read_expected, render_table, table_rows

COURSE = Path(__file__).resolve().parents[4] / "autograder"  # src/gradlab/grading/instructor/ -> the checkout


def sample_classes(course):
    """The assignments of `course` that have a sample class, in name order."""
    return sorted(p.parent.name for p in (Path(course) / "sample_class").glob("*/expected_scores.csv"))


def run_demo(course=COURSE, workdir=None, workers=None, stream=None):
    """Grade every sample class; return ({assignment: ClassRun}, the tables as text, whether every score was as
    expected)."""
    stream = stream if stream is not None else sys.stdout
    course = Path(course)
    assignments = sample_classes(course)
    if not assignments:
        raise FileNotFoundError(f"no sample class in {course}: the demo needs the repository's autograder/ "
                                "directory (give its path with --course)")
    kept = workdir is not None
    workdir = Path(workdir) if kept else Path(tempfile.mkdtemp(prefix="gradlab-demo-"))
    target = copy_course(course, workdir / "course")
    runs, tables, matches = {}, [], True
    for assignment in assignments:
        sample = course / "sample_class" / assignment
        run = grade_class(target, assignment, str(sample), workers=workers, stream=sys.stderr)
        expected = read_expected(sample / "expected_scores.csv")
        rows = table_rows(run.scores, run.points, expected)
        same = all(row[-1] == "ok" for row in rows[1:-1]) and set(expected) == set(run.scores)
        tables.append(f"{assignment}\n{render_table(rows)}")
        print(f"\n{tables[-1]}\n\n{len(run.scores)} submissions graded in {run.seconds:.1f} s with "
              f"{workers or os.cpu_count()} workers; "
              f"{'every score is as expected' if same else 'SOME SCORES DIFFER FROM THE EXPECTED ONES'}.", file=stream)
        runs[assignment], matches = run, matches and same
    where = "" if kept else " (a temporary folder: delete it when you are done; --keep DIR puts them in DIR)"
    print(f"\nThe results are in {workdir}{where}:\n"
          f"  gradebook:  {target / 'gradebook.db'}\n"
          f"  scores:     {target / 'exports'}/ASSIGNMENT_scores.csv\n"
          f"  reports:    {target / 'reports'}/ASSIGNMENT.html\n"
          f"  feedback:   {target / 'feedback'}/STUDENT/ASSIGNMENT/", file=stream)
    return runs, "\n\n".join(tables), matches

"""gradebook: nbgrader's gradebook and what is read from a graded class.

    scores.py         the scores of an assignment (nbgrader's own Grade.score), expected scores, tables, CSV
    db.py             nbgrader 0.9's tables, checked before anything is written to them
    book.py           GradebookSQL: nbgrader's tables on one connection (SQLite or PostgreSQL), open_book
    reading.py        a submission's results read out of a gradebook, and what a re-grade keeps
    merge.py          a submission's results written into a gradebook, as nbgrader writes them
    template.py       a gradebook holding one assignment and no student, for a worker to grade in
    class_results.py  the grader's results as each autograded notebook keeps them
    class_report.py   the class report: score distribution, the most common problems (matplotlib)

May import: nothing of gradlab.grading (nbgrader, SQLAlchemy, nbformat, matplotlib).
"""
from .scores import read_expected, read_scores, render_table, table_rows

__all__ = ["read_expected", "read_scores", "render_table", "table_rows"]

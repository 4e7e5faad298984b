"""Reading a whole gradebook through nbgrader's own API, to compare two gradebooks row by row."""
import warnings

from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning


def dump(db_url, assignment, course_id):
    """{student: (timestamp, {notebook: (late penalty, {cell: grade columns}, {cell: comment columns})})}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader 0.9's session use under SQLAlchemy 2
        with Gradebook(db_url, course_id) as book:
            found = {}
            for submission in book.find_assignment(assignment).submissions:
                notebooks = {}
                for notebook in submission.notebooks:
                    grades = {g.name: (g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                              for g in notebook.grades}
                    comments = {c.name: (c.auto_comment, c.manual_comment) for c in notebook.comments}
                    notebooks[notebook.name] = (notebook.late_submission_penalty, grades, comments)
                found[submission.student.id] = (submission.timestamp, notebooks)
    return found

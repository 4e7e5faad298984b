"""Grading student backprop with gradient checking, outside the student's kernel.

    nbgrader autograde ...            with GradeOutsideKernel in the course's nbgrader_config.py (preprocessor.py)
    python -m gradlab.grading grade   a whole class in parallel: CSV, feedback, class report (classroom.py)
    python -m gradlab.grading verify  an assignment's own tests, tested before release (verify.py)
    python -m gradlab.grading demo    the sample class, graded, and its gradebook printed (demo.py)

What is graded is declared per assignment in the course directory (exercises/ASSIGNMENT.py, see declare.py): the
student's function, the cases it is called on, what it returns and against what each output is checked. How a
submission is graded (grader.py): each declared exercise runs in a sandboxed child (sandbox.py, launch.py, child/)
that executes the submission's code cells and calls the student's function on each case's data (job.py); the grader
reads back plain data (returned.py), judges each output (judge.py, with gradlab's gradient check against the
declared cost) and gives credit by output (credit.py) in an ExerciseResult (result.py): a score and words. Ordinary
test cells run in a child too (plain.py) and are scored by nbgrader as usual.
"""
from .declare import Case, Exercise, Gradient, Value, Verdict
from .grader import grade_notebook
from .result import ExerciseResult
from .sandbox import Limits

__all__ = ["Case", "Exercise", "ExerciseResult", "Gradient", "Limits", "Value", "Verdict", "grade_notebook"]

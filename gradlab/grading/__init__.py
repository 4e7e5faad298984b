"""Grading student backprop with gradient checking, outside the student's kernel.

    nbgrader autograde ...            with GradeOutsideKernel in the course's nbgrader_config.py (preprocessor.py)
    python -m gradlab.grading grade   a whole class in parallel: CSV, feedback, class report (classroom.py)
    python -m gradlab.grading demo    the sample class, graded, and its gradebook printed (demo.py)

How a submission is graded (grader.py): for each test cell, the exercise it grades runs in its own sandboxed
child process (sandbox.py, launch.py, child/), which executes the submission's code cells and calls the
student's function on the grader's cases (cases.py); the grader reads back plain data (returned.py) and scores
it with gradlab (scoring.py, backprop.py) into an ExerciseResult (result.py): a score and words.
"""
from .grader import EXERCISES, grade_notebook
from .result import ExerciseResult
from .sandbox import Limits

__all__ = ["EXERCISES", "ExerciseResult", "Limits", "grade_notebook"]

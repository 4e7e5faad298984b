"""Grading student backprop with gradient checking, outside the student's kernel.

    nbgrader autograde ...            nbgrader's own commands, with grade_with_gradlab(c) in nbgrader_config.py
    python -m gradlab.grading grade   a whole class on Dask: one gradebook, CSV, feedback, class report
    python -m gradlab.grading check   a class's submissions as grading would take them (ids, links, sizes)
    python -m gradlab.grading verify  an assignment's own tests, tested before release
    python -m gradlab.grading sample  an assignment's sample class put into a course, to try grading on it
    python -m gradlab.grading demo    the sample classes, graded, and their gradebooks printed
    python -m gradlab.grading serve   the grading service: learners submit over HTTP, feedback in seconds
    python -m gradlab.grading package an assignment packaged for Gradescope, Coursera or edX's XQueue

The parts, each a folder whose __init__ says what it owns; a part imports only the parts listed before it
(tests/test_engine_layout.py holds that order):

    declare/     what an instructor writes: Exercise, Case, Gradient, Value, Verdict; loading them; mutants
    sandbox/     running a submission's code in bubblewrap, a cgroup and a confined child; reading back data
    judging/     one notebook graded: jobs to the sandbox, what comes back judged and credited
    gradebook/   nbgrader's gradebook: scores, merging a result into it, the class's results and report
    course/      gradlab inside an nbgrader course: the preprocessors and config its commands load
    cluster/     a class graded on Dask and merged into one gradebook
    service/     grading as an HTTP service: submissions queued durably, graded on Dask, merged exactly once
    platforms/   an assignment packaged for hosted platforms (Gradescope, Coursera, XQueue), graded there as here
    instructor/  the command line and the dashboard
"""
from .declare import Case, Exercise, Gradient, NoFiniteDifferences, Value, Verdict
from .judging.grader import grade_notebook
from .judging.result import ExerciseResult
from .sandbox import Limits

__all__ = ["Case", "Exercise", "ExerciseResult", "Gradient", "Limits", "NoFiniteDifferences", "Value", "Verdict",
           "grade_notebook"]

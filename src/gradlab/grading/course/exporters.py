"""nbconvert exporters for nbgrader's converters (c.Autograde.exporter_class, c.GenerateFeedback.exporter_class)
that bound the work nbgrader does outside the sandbox: before a notebook is parsed, its submission is checked
(no link, FIFO or device; within the size and file limits) and its cells counted; the whole conversion (reading,
every preprocessor, the page's rendering) runs under a deadline whose clock stops while the sandbox grades.

A refusal is raised as SubmissionRefused, which nbgrader reports as that submission's failure (the others are
graded), and logged with the record attribute REFUSAL, so that a caller running nbgrader (the grading command's
workers) can tell a refusal, final, from a failure worth another attempt.
"""
from __future__ import annotations

import os

from nbconvert.exporters import HTMLExporter, NotebookExporter

from . import deadline as deadlines
from .files import check_submission
from .intake import (REFUSAL, SubmissionLimits, SubmissionRefused, SubmissionTooLarge, check_cells, check_student_id,
                     shown)


class _Bounded:
    """The part both exporters share; `step` names what they do, for the deadline's message."""

    step = "a step"
    checks_submission = False  # the submission's folder and student id: where nbgrader reads what was submitted

    def from_filename(self, filename, resources=None, **kw):
        limits = SubmissionLimits(parent=self)
        name = _in_course(self, filename)
        try:
            if self.checks_submission and _reading_submitted(self, filename):
                student = (resources or {}).get("nbgrader", {}).get("student")
                if student is not None:
                    check_student_id(student, shown(name))
                check_submission(os.path.dirname(filename), limits, label=os.path.dirname(name))
            with open(filename, "rb") as handle:
                if os.fstat(handle.fileno()).st_size > limits.max_bytes:
                    raise SubmissionTooLarge(f"{shown(name)} is larger than {limits.max_bytes} bytes, the limit of a "
                                             "submission (c.SubmissionLimits.max_bytes)")
                check_cells(handle.read(limits.max_bytes + 1), limits, name)
            with deadlines.deadline(limits.step_seconds, f"{self.step} of {shown(name)}"):
                return super().from_filename(filename, resources, **kw)
        except SubmissionRefused as refused:
            self.log.error("%s", refused, extra={REFUSAL: str(refused)})
            raise

    def register_preprocessor(self, preprocessor, enabled=False):
        """Register it as nbconvert does; the grading preprocessor's time (in the sandbox, with limits of its own)
        does not count against the deadline."""
        registered = super().register_preprocessor(preprocessor, enabled)
        from .preprocessor import GradeOutsideKernel

        if isinstance(registered, GradeOutsideKernel):
            self._preprocessors[self._preprocessors.index(registered)] = _Paused(registered)
        return registered


class _Paused:
    """A preprocessor called with the deadlines' clocks stopped."""

    def __init__(self, preprocessor):
        self.preprocessor = preprocessor

    def __call__(self, nb, resources):
        with deadlines.paused():
            return self.preprocessor(nb, resources)

    def __repr__(self):
        return repr(self.preprocessor)


def _in_course(exporter, filename):
    """`filename` relative to the course's folder (as a refusal names it, whichever machine grades), or as given."""
    coursedir = getattr(getattr(exporter, "parent", None), "coursedir", None)
    if coursedir is None:
        return filename
    return os.path.relpath(os.path.abspath(filename), os.path.abspath(coursedir.root))


def _reading_submitted(exporter, filename):
    """Whether `filename` is in the course's submitted/ folder (nbgrader's sanitize pass) rather than a notebook
    nbgrader wrote itself (autograded/)."""
    coursedir = getattr(getattr(exporter, "parent", None), "coursedir", None)
    if coursedir is None:
        return False
    submitted = os.path.abspath(os.path.join(coursedir.root, coursedir.submitted_directory))
    return os.path.commonpath([os.path.abspath(filename), submitted]) == submitted


class BoundedNotebookExporter(_Bounded, NotebookExporter):
    """nbgrader autograde's exporter (both passes: sanitize, then grade), bounded."""

    step = "autograding"
    checks_submission = True


class BoundedHTMLExporter(_Bounded, HTMLExporter):
    """nbgrader generate_feedback's exporter, bounded: the feedback page is rendered within the deadline."""

    step = "rendering the feedback"

"""The instructor's settings for the grading service, in the course's nbgrader_config.py beside nbgrader's own:

    c.GradingService.counting = "best"          # which attempt goes into nbgrader's gradebook: "latest" or "best"
    c.GradingService.attempts_per_hour = 20     # per learner and assignment
    c.GradingService.max_notebook_bytes = 2_000_000
    c.GradingService.after_due = "refuse"       # or "penalize": graded with nbgrader's late penalty (the default)

Due dates are nbgrader's own (the gradebook's assignment.duedate, with a learner's extension), and so is the late
penalty (c.LateSubmissionPlugin.penalty_method, applied by nbgrader's AssignLatePenalties as the worker autogrades).
"""
from __future__ import annotations

from traitlets import Bool, Enum, Float, Int, List, Unicode
from traitlets.config import Configurable


class GradingService(Configurable):
    counting = Enum(("latest", "best"), default_value="latest",
                    help="Which graded attempt of a learner is merged into nbgrader's gradebook: the latest one "
                         "(as nbgrader's collect takes the latest submission) or the best one.").tag(config=True)
    attempts_per_hour = Int(30, help="Submissions a learner may make of one assignment in any hour; "
                                     "more are refused (429) until the hour has moved on.").tag(config=True)
    max_notebook_bytes = Int(4 * 1024 * 1024, help="The largest notebook accepted, in bytes; a larger body is refused "
                                                  "(413) before it is read.").tag(config=True)
    after_due = Enum(("penalize", "refuse"), default_value="penalize",
                     help="A submission after the assignment's due date (nbgrader's duedate plus the learner's "
                          "extension): graded with nbgrader's late penalty, or refused (403).").tag(config=True)
    assignments = List(Unicode(), help="The assignments the service takes (default: every assignment in source/ "
                                       "with one notebook).").tag(config=True)
    instructor_groups = List(Unicode(), help="As a JupyterHub service: the hub groups whose members may read every "
                                             "submission (default: formgrade-COURSE_ID, nbgrader's group of "
                                             "graders on a hub).").tag(config=True)
    lease_seconds = Float(60.0, help="How long a claim on a submission lasts without being renewed: a service "
                                     "process that dies leaves its submissions to the others after this long."
                          ).tag(config=True)
    keep_submitted_files = Bool(True, help="Write the counting attempt into the course folder (submitted/, "
                                           "autograded/, feedback/), as the class command does, for the formgrader."
                                ).tag(config=True)


def load(course):
    """The GradingService settings of `course` (its nbgrader_config.py), checked; `submission_limits` holds the
    course's SubmissionLimits, the ones the class command stages with, so that the door refuses what grading
    would."""
    from ..course import nbgrader_calls
    from ..course.intake import SubmissionLimits

    config = nbgrader_calls.course_config(course)
    settings = GradingService(config=config)
    settings.submission_limits = SubmissionLimits(config=config)
    if settings.attempts_per_hour < 1:
        raise ValueError(f"c.GradingService.attempts_per_hour is {settings.attempts_per_hour}: at least 1")
    if settings.max_notebook_bytes < 1024:
        raise ValueError(f"c.GradingService.max_notebook_bytes is {settings.max_notebook_bytes}: at least 1024")
    if settings.lease_seconds < 2:
        raise ValueError(f"c.GradingService.lease_seconds is {settings.lease_seconds}: at least 2")
    return settings

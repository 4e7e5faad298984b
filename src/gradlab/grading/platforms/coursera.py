"""Coursera: a custom grader (its "v2" graders), after coursera/programming-assignments-demo (custom-graders/README.md
and custom-graders/v2/, as read in 2026) and the checks of coursera_autograder's `grade local`.

The grader is a Docker image built from the package's Dockerfile. For every Submit, Coursera runs its ENTRYPOINT as a
user who is not root, without network, with 1 GB of memory and one core by default, with the learner's file in
/shared/submission/ (read-only) and the part being graded in the environment variable partId (variables set in the
Dockerfile are cleared). The grader writes /shared/feedback.json,

    {"fractionalScore": 0.0 to 1.0, "feedback": text, "feedbackType": "HTML"}

and, since feedbackType is HTML, /shared/htmlFeedback.html, which is what the learner sees. The same JSON object is
the only line the grader prints on stdout (Coursera's first graders, and `coursera_autograder grade local`, read it
there); everything else goes to stderr, which only the course's staff can read.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
from html import escape

from . import grade, payload, summary_html

GRADER = "/grader"
SHARED = "/shared"

DOCKERFILE = f"""# The Coursera grader for this assignment: build it (docker build -t NAME .) or upload this folder as a zip.
FROM ubuntu:22.04
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv bubblewrap && rm -rf /var/lib/apt/lists/*
COPY grader {GRADER}
RUN bash {GRADER}/{payload.FOLDER}/install.sh {GRADER}/venv && chmod -R a+rX {GRADER}
ENTRYPOINT ["{GRADER}/run_grader"]
"""

RUN_GRADER = f"""#!/usr/bin/env bash
# Coursera runs this for every Submit (as a user who is not root): the file in {SHARED}/submission/, the part in $partId.
exec {GRADER}/venv/bin/python -m gradlab.grading.platforms.run coursera --package {GRADER}/{payload.FOLDER}
"""


def files():
    """{path in the package's folder: (text, executable)}."""
    return {"Dockerfile": (DOCKERFILE, False), "grader/run_grader": (RUN_GRADER, True)}


def feedback(outcome, part_id):
    """(feedback.json's object, htmlFeedback.html's text) for an Outcome."""
    return ({"fractionalScore": outcome.fraction, "feedback": summary_html.text(outcome), "feedbackType": "HTML"},
            summary_html.render(outcome))


def run(package, shared=SHARED, environ=None):
    """What the image's entry point does for one Submit. Whatever goes wrong, feedback.json is written (a score of
    0 that says so), and the traceback goes to stderr, which only staff read."""
    environ = os.environ if environ is None else environ
    part_id = environ.get("partId", "")
    try:
        settings = payload.read_settings(package)
        path, error = grade.find_notebook(os.path.join(shared, "submission"), settings.notebook)
        if settings.part_ids and part_id not in settings.part_ids:
            error = (f"This grader grades {settings.assignment} (parts {', '.join(settings.part_ids)}), not part "
                     f"{part_id or '(none given)'}: tell the course staff.")
            print(f"partId {part_id!r} is not one of {settings.part_ids}", file=sys.stderr)
        outcome = grade.grade(package, path, error)
        document, page = feedback(outcome, part_id)
        print(f"sandbox: {outcome.sandbox}; part {part_id!r}; graded in {outcome.seconds:.1f} s", file=sys.stderr)
        print(grade.protections_line(outcome), file=sys.stderr)
    except Exception:
        traceback.print_exc(file=sys.stderr)
        document = {"fractionalScore": 0.0, "feedback": grade.FAILED, "feedbackType": "HTML"}
        page = f'<div class="gradlab-feedback"><p>{escape(grade.FAILED)}</p></div>'
    with open(os.path.join(shared, "htmlFeedback.html"), "w") as handle:
        handle.write(page)
    with open(os.path.join(shared, "feedback.json"), "w") as handle:
        json.dump(document, handle)
    print(json.dumps(document))
    return 0

"""Gradescope: the autograder zip and the results file, after Gradescope's "Autograder Specifications"
(gradescope-autograders.readthedocs.io, /en/latest/specs/, as read in 2026) and otter-grader 7's export.

The zip holds setup.sh and run_autograder at its root. Gradescope unpacks it into /autograder/source, runs setup.sh
as root once while it builds the image, copies run_autograder to /autograder/run_autograder and runs it for every
upload, as root, in /autograder, with the upload in /autograder/submission; whatever it prints goes to
/autograder/results/stdout (the instructor's), and what a learner sees is /autograder/results/results.json:

    {"score": total, "execution_time": seconds, "output": text, "stdout_visibility": "hidden",
     "tests": [{"name", "number", "score", "max_score", "status": "passed" | "failed", "output", "visibility"}]}

one test per test cell. A test cell that holds hidden tests gets the package's visibility for hidden tests
("visible", "hidden", "after_due_date" or "after_published"; gradlab's words about hidden cases never show their
inputs, so "visible" is the default); the grader's own log (which says when the sandbox runs without bubblewrap)
stays in stdout, which learners never see.
"""
from __future__ import annotations

import json
import os
import sys
import traceback

from . import grade, payload, summary_html

ROOT = "/autograder"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
bash {ROOT}/source/{payload.FOLDER}/install.sh {ROOT}/venv
"""

RUN_AUTOGRADER = f"""#!/usr/bin/env bash
# Gradescope runs this for every upload: the notebook in {ROOT}/submission, the results in {ROOT}/results/results.json.
exec {ROOT}/venv/bin/python -m gradlab.grading.platforms.run gradescope --package {ROOT}/source/{payload.FOLDER}
"""


def scripts():
    """{name at the zip's root: text} (each executable)."""
    return {"setup.sh": SETUP_SH, "run_autograder": RUN_AUTOGRADER}


def results(outcome, hidden_visibility="visible"):
    """Gradescope's results.json for an Outcome."""
    tests = []
    for number, test in enumerate(outcome.tests, 1):
        tests.append({"name": test.name, "number": str(number), "score": test.score, "max_score": test.points,
                      "status": "passed" if test.score >= test.points else "failed", "output": test.text,
                      "visibility": hidden_visibility if test.hidden else "visible"})
    head = f"{outcome.assignment}: {outcome.score:g} / {outcome.points:g} points."
    return {"score": outcome.score, "execution_time": int(round(outcome.seconds)),
            "output": head + (f"\n{outcome.error}" if outcome.error else ""), "stdout_visibility": "hidden",
            "tests": tests}


def run(package, root=ROOT):
    """What run_autograder does: grade the upload, write results.json, say in stdout how it went. Whatever goes
    wrong, results.json is written (a score of 0 that says so), and the traceback goes to stdout, the instructor's."""
    os.makedirs(os.path.join(root, "results"), exist_ok=True)
    try:
        settings = payload.read_settings(package)
        path, error = grade.find_notebook(os.path.join(root, "submission"), settings.notebook)
        outcome = grade.grade(package, path, error)
        document = results(outcome, settings.hidden_visibility)
        log = (f"sandbox: {outcome.sandbox}\n{grade.protections_line(outcome)}\n{summary_html.text(outcome)}\n"
               f"(graded in {outcome.seconds:.1f} s)")
    except Exception:
        log = traceback.format_exc()
        document = {"score": 0.0, "output": grade.FAILED, "stdout_visibility": "hidden", "tests": []}
    with open(os.path.join(root, "results", "results.json"), "w") as handle:
        json.dump(document, handle, indent=1)
    print(log, file=sys.stdout)
    return 0

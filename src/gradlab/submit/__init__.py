"""Submitting an assignment from its notebook to the grading service of the JupyterHub it runs on.

The released assignment's last cell is

    import gradlab.submit
    gradlab.submit.control("gradient_checking")

In a learner's kernel it shows the Submit control (`widget.SubmitControl`): a button that saves the notebook,
sends it to the course's grading service (`python -m gradlab.grading serve`), shows its progress, then the score
per test and the feedback. Anywhere else (the grader runs the notebook's cells in a sandbox with no kernel and no
network; `nbgrader validate`; a script) the call does nothing and imports nothing beyond this module, so that the
cell is silent and costs the grader nothing.

Modules: `service` (finding the service and talking to it over its HTTP API), `saving` (asking the notebook's
front end to save it and waiting for the file), `widget` (the control).
"""
from __future__ import annotations

import sys


def in_kernel():
    """Whether this code runs in a live Jupyter kernel (ipykernel), the only place a Submit button can be pressed."""
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def control(assignment, **options):
    """The Submit control for `assignment` in a learner's kernel; None anywhere else (a grader's sandbox, a script).

    options go to SubmitControl (service=, notebook=, environ=)."""
    if not in_kernel():
        return None
    from .widget import SubmitControl

    return SubmitControl(assignment, **options)


__all__ = ["control", "in_kernel"]

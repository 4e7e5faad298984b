"""The report's sentences about its own numbers: the course's difference beside the verdict, and what the
check could resolve here. Each is one sentence, built from the report's measurements.
"""
from __future__ import annotations

import numpy as np

NOISY = 10  # a cost with more round-off than this many eps_mach |J| gets a word on why


def course_line(report):
    """The course's number and threshold, as a student compares them with the course's notebook."""
    return f"The course's difference is {report.difference:.3g} (its threshold {report.threshold:g})."


def disagreement(report):
    """Why the course's number says otherwise than the verdict, in one sentence; "" where they agree."""
    if not report.meaningful:
        return ""
    d, great = report.difference, report.tolerance.scale[0]
    if report.passed and d >= great:
        above = (f"above its threshold {report.threshold:g}" if d >= report.threshold else
                 f"under its threshold {report.threshold:g} but above the {great:g} it calls great")
        return f"It is {above} only by what the check cannot avoid: {_why_large(report)}."
    if report.failing and d < report.threshold:
        verb = "stands" if len(report.failing) == 1 else "stand"
        return (f"It is under its threshold, yet {', '.join(report.failing)} {verb} above the error bar: a wrong "
                "gradient that is small next to the others hardly moves one overall number.")
    return ""


WELCH_RIGHT = 1e-8  # Welch Labs' rule of thumb for their metric


def welch_line(report):
    """For check_network: Welch Labs' metric beside ours, and why it says otherwise where it does."""
    w = report.welch_difference
    line = (f"Welch Labs' metric norm(grad - numgrad) / norm(grad + numgrad) is {w:.3g} (theirs: about "
            f"{WELCH_RIGHT:g} or less when right).")
    if report.passed and w > WELCH_RIGHT:
        line += f" It is above that only by what the check cannot avoid: {_why_large(report)}."
    elif report.failing and w <= WELCH_RIGHT:
        line += f" Yet {', '.join(report.failing)} stand(s) above the error bar."
    return line


def _why_large(report):
    reasons = []
    noise = report.noise
    if noise is not None:
        per_entry = noise.sigma / (np.sqrt(2.0) * report.epsilon)
        text = (f"the cost's own round-off ({noise.sigma:.2g}, {noise.times_floor:.0f} x eps_mach |J|) puts about "
                f"{per_entry:.2g} into each numerical derivative at epsilon = {report.epsilon:g}")
        if noise.times_floor > NOISY:
            text += (" (a cost that takes log(1 - a) of an output a = sigmoid(z) near 1, as the course's "
                     "forward_propagation_n does, loses digits this way)")
        reasons.append(text)
    truncation = report.measurements.truncation
    if np.any(np.isfinite(truncation)):
        reasons.append(f"truncation at epsilon = {report.epsilon:g} adds up to {np.nanmax(truncation):.2g}")
    if report.scale < 1e-2:
        reasons.append(f"and the gradient is small (largest entry {report.scale:.2g}), so those errors weigh more "
                       "in a relative difference")
    return ", ".join(reasons) if reasons else "round-off in the numerical gradient"


def resolution_line(report):
    """What the check could see here: the honest form of "run it again after training"."""
    if not report.meaningful or not len(report.measurements):
        return ""
    entry = report.resolution
    if report.mode == "directional":
        share = f" (about {report.relative_resolution:.1g} of the largest one)" if report.scale > 0 else ""
        return (f"Resolution: a derivative along a random direction off by more than {entry:.2g} would "
                f"show{share}; smaller errors, or errors in entries the directions barely touch, cannot be seen "
                "at this point.")
    if report.scale > 0:
        return (f"Resolution: errors larger than about {report.relative_resolution:.1g} of this gradient (an entry "
                f"off by more than {entry:.2g}) would show; smaller ones cannot be seen at this point.")
    return f"Resolution: an entry off by more than {entry:.2g} would show; smaller errors cannot be seen here."

"""Checks in a row from one line of code: the sign of a check run inside a training loop.

The course's first tip: use the check only to debug, never in training, since each check costs 2n cost
calls. A report says so when one line has run check after check.
"""
from __future__ import annotations

import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_CHECK = os.path.join(_PACKAGE, "check.py")
REPEATED_CHECKS = 5  # from this many checks in a row at one line on, the report says: a training loop?
_streak = {"frame": None, "line": None, "count": 0}


def repeated_check_count():
    """How many checks in a row the caller's line has run, counting this one (0: gradlab's own call).

    The caller is the first frame outside check.py. When that is gradlab itself (a widget, a tip helper
    that checks before and after training), the loop is the library's, not the student's: it is not
    counted. Frames are compared as objects (and the last one is held until the next check, so its memory
    cannot be reused): a loop keeps one frame alive across its iterations, while separate calls (a cell run
    again) each get a new frame.
    """
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename) == _CHECK:
        frame = frame.f_back
    if frame is None or os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE + os.sep):
        _streak.update(frame=None, line=None, count=0)
        return 0
    if frame is _streak["frame"] and frame.f_lineno == _streak["line"]:
        _streak["count"] += 1
    else:
        _streak.update(frame=frame, line=frame.f_lineno, count=1)
    return _streak["count"]

"""Limits that must cover starting an interpreter, scaled to how long this machine takes to start one now.

On a quiet 2-core machine an interpreter that imports numpy starts in about 0.15 s; with both cores shared by a
dozen busy processes it took 1.9 s. A wall-clock limit meant to cover a child's start-up and a second of work is
given that second plus twenty start-ups, so that load cannot make a test fail that is not about load.
"""
from __future__ import annotations

import functools
import subprocess
import sys
import time

START_UPS = 20


@functools.cache
def start_up_seconds():
    """The slowest of three starts of `python -I -c "import numpy"`, measured once per test process."""
    slowest = 0.0
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True, timeout=600)
        slowest = max(slowest, time.perf_counter() - started)
    return slowest


def generous(seconds):
    """`seconds` of work, plus twenty start-ups of an interpreter at this machine's current pace."""
    return seconds + START_UPS * start_up_seconds()

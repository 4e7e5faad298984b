"""A deadline on a step of grading that runs in the grader's own process (nbgrader's passes over a notebook,
rendering its feedback), and a pause for the time a step spends waiting on the sandbox, which has limits of its
own.

Written by hand because no kept tool interrupts a step in the thread that runs it: a signal (SIGALRM) reaches
only the main thread, and a Dask worker grades in another; running the step in a thread or process of its own
(as func-timeout or pebble do) would move nbgrader, its database connections and the sandbox's fork server out
of the thread that holds them. So a timer asks the interpreter to raise StepInterrupted in the step's thread
(PyThreadState_SetAsyncExc), and again every second until the step has ended, in case something caught it.
The exception arrives between two bytecodes: a long call into C (a regular expression, a JSON parse) finishes
first, which the size and cell limits keep short.
"""
from __future__ import annotations

import contextlib
import ctypes
import threading
import time

from .intake import StepTimedOut

_ACTIVE = threading.local()  # .deadlines: the deadlines of this thread, innermost last
REPEAT_SECONDS = 1.0


class StepInterrupted(BaseException):
    """Raised inside a step past its deadline (a BaseException, so that an `except Exception` in the step does
    not swallow it); the deadline turns it into StepTimedOut."""


def _raise_in(thread_id, exception):
    """Ask the interpreter to raise `exception` in the thread (None: withdraw one not yet raised)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exception) if exception else None)


class Deadline:
    def __init__(self, seconds, what):
        self.seconds, self.what = seconds, what
        self.thread = threading.get_ident()
        self.lock = threading.Lock()
        self.left = seconds
        self.started = None
        self.timer = None
        self.ended = False
        self.expired = False

    def start(self):
        with self.lock:
            if self.ended or self.timer is not None:
                return
            self.started = time.monotonic()
            self.timer = threading.Timer(max(self.left, 0.0), self._fire)
            self.timer.daemon = True
            self.timer.start()

    def pause(self):
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
                self.left -= time.monotonic() - self.started

    def end(self):
        """No more exceptions from this deadline: withdraw one that was asked for and not yet raised."""
        with self.lock:
            self.ended = True
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.expired:
                _raise_in(self.thread, None)

    def _fire(self):
        with self.lock:
            if self.ended or self.timer is None:
                return
            self.expired = True
            _raise_in(self.thread, StepInterrupted)
            self.timer = threading.Timer(REPEAT_SECONDS, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def message(self):
        return (f"{self.what} took longer than {self.seconds:g} s, the deadline on each step of grading outside "
                "the sandbox (c.SubmissionLimits.step_seconds)")


class deadline:
    """`with deadline(seconds, what):` runs the block within `seconds` of wall-clock time (not counting paused()
    time), or raises StepTimedOut saying `what` took too long. A deadline of 0 or less (or None) means none."""

    def __init__(self, seconds, what):
        self.current = Deadline(seconds, what) if seconds and seconds > 0 else None

    def __enter__(self):
        if self.current is not None:
            _stack().append(self.current)
            self.current.start()
        return self

    def __exit__(self, kind, error, traceback):
        current = self.current
        if current is None:
            return False
        while True:  # an exception asked for just before end() took its lock may arrive inside end()
            try:
                current.end()
                break
            except StepInterrupted:
                continue
        _stack().remove(current)
        if current.expired:  # interrupted (or turned into another error by the code it interrupted)
            raise StepTimedOut(current.message()) from None
        return False


@contextlib.contextmanager
def paused():
    """Stop the clocks of this thread's deadlines for the block (time spent waiting on the sandbox)."""
    stack = list(_stack())
    for each in stack:
        each.pause()
    try:
        yield
    finally:
        for each in stack:
            each.start()


def _stack():
    if not hasattr(_ACTIVE, "deadlines"):
        _ACTIVE.deadlines = []
    return _ACTIVE.deadlines

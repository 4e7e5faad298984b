"""Charged time: how long a process has run, or waited for anything but a core.

A time limit must mean the same on a quiet machine and on one whose cores are shared (a class graded on every core,
other users): the time a process spends waiting for a core that others hold is the machine's, not the submission's.
The kernel counts that time per task in /proc/PID/schedstat (its second field, run_delay, in nanoseconds). Charged
time is wall-clock time minus the growth of run_delay: computing counts, and so does sleeping or blocking (a cell
that sleeps for a minute is charged a minute), but waiting for a core does not. Where schedstat is missing (a kernel
without it), charged time is wall-clock time.

The file is opened once and read with pread, so a process can keep reading its own after Landlock has closed /proc.
"""
import os
import time


class ChargedClock:
    """Charged seconds of one task, counted from when the clock was made."""

    def __init__(self, pid="self"):
        try:
            self.fd = os.open(f"/proc/{pid}/schedstat", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.fd = None
        self.delay = 0.0
        self.started = self.now()

    def _run_delay(self):
        if self.fd is not None:
            try:
                self.delay = int(os.pread(self.fd, 128, 0).split()[1]) / 1e9
            except (OSError, ValueError, IndexError):  # the task is gone, or the file was closed under us: from
                pass  # here on, charged time grows as wall-clock time
        return self.delay

    def now(self):
        """Charged seconds since an arbitrary origin (differences are what count)."""
        return time.monotonic() - self._run_delay()

    def elapsed(self):
        return self.now() - self.started

    def close(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None

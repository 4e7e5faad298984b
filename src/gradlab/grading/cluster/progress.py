"""How far a run has got (graded, failed, rate, time left), and a progress bar that shows it on a terminal:
one line redrawn in place, or one line per step when the stream is not a terminal. The instructor's dashboard
shows the same Progress in a widget."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field


@dataclass
class Progress:
    phase: str  # "autograde" or "feedback"
    total: int
    graded: int = 0
    failed: int = 0
    last: str = ""  # the latest submission, in words
    started: float = field(default_factory=time.perf_counter)

    @property
    def done(self):
        return self.graded + self.failed

    @property
    def elapsed(self):
        return time.perf_counter() - self.started

    @property
    def rate(self):
        """Submissions per minute so far (0 before the first)."""
        return 60.0 * self.done / self.elapsed if self.done and self.elapsed > 0 else 0.0

    @property
    def eta(self):
        """Seconds left at the rate so far, or None before the first submission."""
        return 60.0 * (self.total - self.done) / self.rate if self.rate else None

    def advance(self, label, ok=True):
        if ok:
            self.graded += 1
        else:
            self.failed += 1
        self.last = label


class ProgressBar:
    """Call it with a Progress after each step."""

    def __init__(self, stream=None, width=30):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, progress):
        if not self.live:
            self.stream.write(f"{progress.phase}: {progress.done}/{progress.total} {progress.last}\n")
        else:
            filled = int(self.width * progress.done / progress.total) if progress.total else self.width
            bar = "#" * filled + "." * (self.width - filled)
            left = f"  ~{progress.eta:.0f} s left" if progress.eta and progress.done < progress.total else ""
            failed = f", {progress.failed} failed" if progress.failed else ""
            text = (f"\r{progress.phase} [{bar}] {progress.done}/{progress.total}{failed}  {progress.elapsed:5.1f} s"
                    f"{left}  {progress.last}")
            self.stream.write(text[:150].ljust(110) + ("\n" if progress.done >= progress.total else ""))
        self.stream.flush()

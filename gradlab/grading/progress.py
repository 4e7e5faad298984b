"""A progress bar on the terminal: one line redrawn in place, or one line per step when not a terminal."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total, title, stream=None, width=30):
        self.total, self.title, self.width = max(int(total), 0), title, width
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.started = time.perf_counter()
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        if self.live and self.total:
            self._draw("")

    def advance(self, label):
        self.done += 1
        if self.live:
            self._draw(label)
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.title}: {self.done}/{self.total} {label}\n")
        self.stream.flush()

    def _draw(self, label):
        filled = int(self.width * self.done / self.total) if self.total else self.width
        elapsed = time.perf_counter() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        text = (f"\r{self.title} [{bar}] {self.done}/{self.total}  {elapsed:5.1f} s"
                f"{f'  ~{eta:.0f} s left' if self.done < self.total and self.done else ''}  {label}")
        self.stream.write(text[:150].ljust(110))
        self.stream.flush()

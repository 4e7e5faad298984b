"""How long each mode would take, measured before running it: the cost of one call times the calls needed."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .check import PROBE_CALLS
from .noise import noise_calls
from .target import CheckTarget

_TIMED_CALLS = 5


@dataclass(frozen=True)
class CostEstimate:
    seconds_per_call: float
    calls: dict  # mode -> cost calls
    parameters: int  # n, the length of theta

    @property
    def seconds(self):
        return {mode: calls * self.seconds_per_call for mode, calls in self.calls.items()}

    def __str__(self):
        lines = [f"{self.parameters} parameters; one cost call takes {self.seconds_per_call * 1e3:.3g} ms."]
        for mode, calls in self.calls.items():
            lines.append(f"  {mode:<12} {calls:>10} calls  {self.seconds[mode]:10.3g} s")
        return "\n".join(lines)


def estimate_cost(cost, parameters, *, samples=5, directions=3):
    """Cost calls and seconds of a full, sampled and directional check at `parameters`, from timed calls.

    Each mode also makes PROBE_CALLS calls at theta and noise_calls(parameters) to measure the cost's round-off.
    The figures leave out what only a failing check (or one at a kink) adds: rows measured again at epsilon / 2
    and 2 epsilon (4 calls each) where a gap stands above its error bar, and in directional mode
    2 x max(samples, 20) calls for each parameter that fails.
    """
    target = CheckTarget(cost, parameters, _zeros_like(parameters))
    target.evaluate()  # the first call pays for caches and imports; it is not typical
    times = []
    for _ in range(_TIMED_CALLS):
        started = time.perf_counter()
        target.evaluate()
        times.append(time.perf_counter() - started)
    per_call = float(np.median(times))
    target.restore()
    sizes = [int(np.prod(shape, dtype=np.int64)) for shape in target.layout.shapes]
    fixed = PROBE_CALLS + noise_calls(len(sizes))
    calls = {"full": 2 * sum(sizes) + fixed,
             "sampled": 2 * sum(min(samples, s) for s in sizes) + fixed,
             "directional": 2 * sum(min(directions, s) for s in sizes) + fixed}
    return CostEstimate(per_call, calls, sum(sizes))


def _zeros_like(parameters):
    if isinstance(parameters, dict):
        return {k: np.zeros(np.shape(v)) for k, v in parameters.items()}
    return np.zeros(np.shape(parameters))

"""How long each mode would take, measured before running it: the cost of one call times the calls needed;
and one backprop pass against one cost call, timed so that a busy machine cannot turn them upside down."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .check import PROBE_CALLS
from .layout import layout_of
from .noise import noise_calls
from .target import CheckTarget

_TIMED_CALLS = 5
# The median round over the fastest one: above this the machine's load shows in the timings.
NOISY = 1.5


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


def count_calls(parameters, *, samples=5, directions=3):
    """(n, mode -> cost calls) of a full, sampled and directional check of `parameters`.

    Each mode also makes PROBE_CALLS calls at theta and noise_calls(parameters) to measure the cost's round-off.
    The counts leave out what only a failing check (or one at a kink) adds: rows measured again at epsilon / 2,
    2 epsilon and 1.125 epsilon (6 calls each) where a gap stands above its error bar, and in directional mode
    2 x max(samples, 20) calls for each parameter that fails.
    """
    shapes = layout_of(parameters).shapes if isinstance(parameters, dict) else [np.shape(parameters)]
    sizes = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
    fixed = PROBE_CALLS + noise_calls(len(sizes))
    return sum(sizes), {"full": 2 * sum(sizes) + fixed,
                        "sampled": 2 * sum(min(samples, s) for s in sizes) + fixed,
                        "directional": 2 * sum(min(directions, s) for s in sizes) + fixed}


def estimate_cost(cost, parameters, *, samples=5, directions=3):
    """Cost calls and seconds of a full, sampled and directional check at `parameters`, from timed calls
    (the median of a few; see count_calls for what the counts include)."""
    target = CheckTarget(cost, parameters, _zeros_like(parameters))
    target.evaluate()  # the first call pays for caches and imports; it is not typical
    times = []
    for _ in range(_TIMED_CALLS):
        started = time.perf_counter()
        target.evaluate()
        times.append(time.perf_counter() - started)
    per_call = float(np.median(times))
    target.restore()
    n, calls = count_calls(parameters, samples=samples, directions=directions)
    return CostEstimate(per_call, calls, n)


@dataclass(frozen=True)
class PassTimes:
    """One cost call (a forward pass) and one backprop pass (forward and backward), timed in the same rounds."""

    cost_call: float  # seconds: the fastest forward pass
    backprop: float  # the fastest forward-and-backward round: never below cost_call
    spread: float  # the median round over the fastest: 1 on a quiet machine
    rounds: int
    threads: int | None  # BLAS threads while timing (None: numpy's own)

    @property
    def noisy(self):
        """True when the machine's load showed in the timings (the median round above NOISY x the fastest)."""
        return self.spread > NOISY


def time_backprop_pass(forward, backward, X, Y, parameters, *, rounds=9, threads=1):
    """Time `rounds` rounds of forward(X, Y, parameters) -> (cost, cache) then backward(X, Y, cache).

    Each round times the forward pass and then the backward pass on its cache, back to back, so a backprop pass
    includes its cost call and cannot come out faster than it, whatever the machine is doing. Load only ever
    adds time, so the fastest round is the machine's own speed; `spread` says how far the median round was
    from it. threads=1 times with one BLAS thread: on a busy machine numpy's threads wait for each other,
    which can make one call slower than a whole pass measured a moment later.
    """
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads) if threads else nullcontext():
        backward(X, Y, forward(X, Y, parameters)[1])  # the first round pays for caches; it is not typical
        calls, passes = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            cache = forward(X, Y, parameters)[1]
            called = time.perf_counter()
            backward(X, Y, cache)
            done = time.perf_counter()
            calls.append(called - started)
            passes.append(done - started)
    fastest = min(passes)
    spread = float(np.median(passes) / fastest) if fastest > 0 else 1.0
    return PassTimes(min(calls), fastest, spread, rounds, threads)


def _zeros_like(parameters):
    if isinstance(parameters, dict):
        return {k: np.zeros(np.shape(v)) for k, v in parameters.items()}
    return np.zeros(np.shape(parameters))

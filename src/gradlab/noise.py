"""How noisy the cost is: its round-off measured from a handful of its own values (Moré and Wild's ECnoise).

A cost computed in floating point is its true value plus a small error that jumps about from one point to the
next. That error, divided by epsilon, lands in every centred difference, and it is often far above
eps_mach * |J| (a log of a number near 0 or 1, as in log(1 - sigmoid(z)), loses digits). So it is measured:
the cost at a few equally spaced points along one random direction, a table of differences, and the level
where the differences stop following the smooth function and look like noise (Moré and Wild, "Estimating
computational noise", SIAM J. Sci. Comput. 33, 2011). Written by hand because no maintained package ships it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POINTS = 12  # Moré and Wild use 7 to 9; more points steady the estimate
CALLS = POINTS  # when the first table shows noise, as it does for any cost that is not coarsely quantized
WIDER = (1.0, 30.0, 1000.0)  # steps tried in turn while the values hardly change (a float16 cost, say)


@dataclass(frozen=True)
class NoiseEstimate:
    sigma: float  # the cost's noise, a standard deviation of its round-off
    floor: float  # eps_mach * |J|: the least round-off a cost of this size carries
    found: bool  # False when the table showed no clear noise level and a cautious bound is used instead
    calls: int = CALLS  # cost calls spent measuring it

    @property
    def times_floor(self):
        """How many times eps_mach * |J| the measured noise is."""
        return self.sigma / self.floor if self.floor > 0 else 1.0


def noise_levels(values):
    """ECnoise on equally spaced values: (sigma or None, the level estimates of each order of difference).

    When half the values repeat the one before, the step is below the cost's resolution: (None, None).
    """
    table = np.asarray(values, dtype=np.float64)
    count = table.size
    levels, signs = np.zeros(count - 1), np.zeros(count - 1, dtype=bool)
    gamma = 1.0
    for order in range(1, count):
        table = np.diff(table)
        if order == 1 and np.sum(table == 0) >= count / 2:
            return None, None
        gamma *= 0.5 * order / (2 * order - 1)  # (order!)^2 / (2 order)!: makes each level a standard deviation
        levels[order - 1] = np.sqrt(gamma * np.mean(table ** 2))
        signs[order - 1] = table.min() * table.max() < 0
    for k in range(count - 3):
        window = levels[k:k + 3]
        # three orders in a row agree within a factor 4 and the differences change sign: that is noise
        if window.max() <= 4 * window.min() and signs[k]:
            return float(window.max()), levels
    return None, levels


def estimate_noise(target, cost_at_theta, dtype, seed=0):
    """The cost's noise near theta: CALLS cost calls along one seeded random direction. Returns NoiseEstimate."""
    eps = float(np.finfo(dtype).eps)
    floor = eps * max(abs(cost_at_theta), float(np.finfo(np.float64).tiny))
    flat, pristine = target.flat, target.pristine.reshape(-1)
    rng = np.random.default_rng([seed, 7])
    direction = rng.standard_normal(flat.size)
    direction /= np.linalg.norm(direction)
    # Small enough that the smooth part of the third and higher differences is far below round-off, large
    # enough that every point is a different number in the parameters' own precision.
    scale = max(1.0, float(np.sqrt(np.mean(pristine.astype(np.float64) ** 2))))
    base = np.sqrt(float(np.finfo(target.dtype).eps)) * scale
    calls = 0
    for widen in WIDER:
        values = _along(target, flat, pristine, direction, base * widen)
        calls += POINTS
        if not np.all(np.isfinite(values)):
            return NoiseEstimate(floor, floor, False, calls)
        sigma, levels = noise_levels(values)
        if sigma is not None:
            return NoiseEstimate(max(sigma, floor), floor, True, calls)
        if levels is not None:
            # No clear level (a kink along the way, or values quantized in steps): the largest of the second to
            # sixth differences' levels, noise plus whatever else moved them, is a cautious bound.
            return NoiseEstimate(max(float(np.max(levels[1:6])), floor), floor, False, calls)
    # Flat at every step tried: the cost moves by less than its own resolution; one quantum of it is the noise.
    spread = float(np.max(values) - np.min(values))
    return NoiseEstimate(max(spread, floor), floor, False, calls)


def _along(target, flat, pristine, direction, step):
    """The cost at theta + k step direction, k = 1 ... POINTS; theta put back afterwards.

    On one side of theta only: a ReLU exactly at its corner at theta (a unit whose inputs are all 0) would
    put a kink in the middle of a table centred there, and a kink looks like a lot of noise.
    """
    values = []
    try:
        for k in range(1, POINTS + 1):
            flat[:] = pristine + (k * step) * direction
            values.append(target.evaluate())
    finally:
        flat[:] = pristine
    return np.asarray(values)

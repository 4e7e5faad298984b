"""How noisy the cost is: its round-off measured from a handful of its own values (Moré and Wild's ECnoise).

A cost computed in floating point is its true value plus a small error that jumps about from one point to the
next. That error, divided by epsilon, lands in every centred difference, and it is often far above
eps_mach * |J| (a log of a number near 0 or 1, as in log(1 - sigmoid(z)), loses digits). So it is measured:
the cost at a few equally spaced points along a random direction, a table of differences, and the level
where the differences stop following the smooth function and look like noise (Moré and Wild, "Estimating
computational noise", SIAM J. Sci. Comput. 33, 2011), along one direction through all of theta and one in
each parameter. Written by hand because no maintained package ships it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POINTS = 12  # Moré and Wild use 7 to 9; more points steady the estimate
WIDER = (1.0, 30.0, 1000.0)  # steps tried in turn while the values hardly change (a float16 cost, say)
# The final rounding alone gives a cost a round-off of spacing(J) / sqrt(12); two evaluations close together often
# round alike, so half of that is the least a cost is taken to carry (it binds when a handful of values happen to
# under-state the noise).
FLOOR_SHARE = 0.5 / np.sqrt(12.0)


@dataclass(frozen=True)
class NoiseEstimate:
    sigma: float  # the cost's noise, a standard deviation of its round-off (pooled over every line measured)
    floor: float  # the least round-off a cost of this size carries (the final rounding's, halved)
    found: bool  # False when no line showed a clear noise level and a cautious bound is used instead
    calls: int = 0  # cost calls spent measuring it
    per_parameter: tuple = ()  # the noise each parameter's rows carry: its own line's estimate or the pooled one,
    # whichever is larger (empty: sigma for every parameter)
    machine: float = 0.0  # eps_mach * |J|, the scale round-off is usually told in

    @property
    def times_floor(self):
        """How many times eps_mach * |J| the measured noise is."""
        return self.sigma / self.machine if self.machine > 0 else 1.0

    def of(self, parameter):
        """The noise of the rows of parameter number `parameter`."""
        return self.per_parameter[parameter] if self.per_parameter else self.sigma


def noise_calls(parameters):
    """Cost calls spent measuring the noise of a cost with this many parameters (when every line shows its noise
    at the first step tried, as any cost that is not coarsely quantized does)."""
    return POINTS * (parameters + 1)


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
    """The cost's noise near theta, from one line of POINTS values along a seeded random direction in all of
    theta and one in each parameter's block. A single line under-states the noise twofold now and then; pooled
    over several it stays within a third or so of the truth. Each parameter's rows get the larger of its own
    line's estimate and the pooled one: perturbing one parameter leaves the rounding of whatever does not depend
    on it unchanged, so its rows may carry less noise than a direction through everything, never much more."""
    eps = float(np.finfo(dtype).eps)
    floor = FLOOR_SHARE * float(np.spacing(np.asarray(abs(cost_at_theta), dtype=dtype)))
    floor = max(floor, FLOOR_SHARE * eps * float(np.finfo(np.float64).tiny))
    blocks = [slice(None)] + [target.layout.slice(name) for name in target.layout.names]
    lines, calls = [], 0
    for number, block in enumerate(blocks):
        sigma, clear, spent = _line(target, block, [seed, 7, number])
        lines.append((sigma, clear))
        calls += spent
    clear = [sigma for sigma, found in lines if found]
    pooled = max(float(np.sqrt(np.mean(np.square(clear or [sigma for sigma, _ in lines])))), floor)
    own = tuple(max(sigma, pooled) if found else pooled for sigma, found in lines[1:])
    return NoiseEstimate(pooled, floor, bool(clear), calls, own, eps * abs(cost_at_theta))


def _line(target, block, seed):
    """(sigma, clear, calls): ECnoise along one seeded random direction in `block` of theta."""
    flat, pristine = target.flat, target.pristine.reshape(-1)
    direction = np.zeros(flat.size)
    size = direction[block].size
    direction[block] = np.random.default_rng(seed).standard_normal(size)
    direction /= np.linalg.norm(direction)
    # Small enough that the smooth part of the third and higher differences is far below round-off, large
    # enough that every point is a different number in the parameters' own precision.
    scale = max(1.0, float(np.sqrt(np.mean(pristine[block].astype(np.float64) ** 2))))
    base = np.sqrt(float(np.finfo(target.dtype).eps)) * scale
    calls = 0
    for widen in WIDER:
        values = _along(target, flat, pristine, direction, base * widen)
        calls += POINTS
        if not np.all(np.isfinite(values)):
            return 0.0, False, calls
        sigma, levels = noise_levels(values)
        if sigma is not None:
            return sigma, True, calls
        if levels is not None:
            # No clear level (a kink along the way, or values quantized in steps): the largest of the second to
            # sixth differences' levels, noise plus whatever else moved them, is a cautious bound.
            return float(np.max(levels[1:6])), False, calls
    # Flat at every step tried: the cost moves by less than its own resolution; one quantum of it is the noise.
    return float(np.max(values) - np.min(values)), False, calls
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

"""An error bar for every measured derivative, from the check's own data.

A centred difference is off from the true derivative by
- round-off: the cost's noise (measured, gradlab.noise) divided by epsilon;
- the step: theta_i + epsilon is rounded to the parameters' precision, so the step taken is not exactly
  epsilon (known exactly, so it is computed, not guessed);
- truncation: about |f'''| epsilon**2 / 6. It matters only where a gap stands above the other two; there the
  worst rows of the parameter are measured again at epsilon / 2 (Richardson): truncation shrinks four times,
  a bug does not, and (4 D(epsilon / 2) - D(epsilon)) / 3 is free of it.
The analytic side carries its own rounding, a few eps of its precision.

A row whose gap |analytic - numerical| lies within its bar agrees; above it, it disagrees. Rows at a kink, or
whose step was lost to rounding, cannot be judged and are left out.
"""
from __future__ import annotations

import numpy as np

from .modes import measure_again

NOISE_SIGMAS = 20  # the bar is this many standard deviations of round-off: no false alarm over 1e5 rows
# even when a handful of values under-estimate the noise threefold (they do, now and then)
RICHARDSON_ROWS = 2  # rows of a parameter measured again at epsilon / 2 when its gaps stand above round-off
TRUNCATION_SAFETY = 1.5  # rows not measured again get the parameter's largest truncation, times this
HIGHER_ORDER = 0.25  # the share of the measured truncation kept for the terms Richardson does not remove
ANALYTIC_EPS = 100  # the backprop's own rounding: this many eps of the precision it was computed in
LOST_STEP = 0.5  # a step off from epsilon by more than this fraction was lost to rounding: no judgement


def round_off(noise, epsilon):
    """The standard deviation round-off gives a centred difference: sqrt(2) sigma / (2 epsilon)."""
    return noise.sigma / (np.sqrt(2.0) * epsilon)


def component_steps(target, positions, epsilon):
    """r for component rows: the mean of the two steps actually taken (theta_i + epsilon is rounded to the
    parameters' precision), as a ratio to epsilon. D is then about r times the derivative."""
    old = target.pristine.reshape(-1)[positions]
    dtype = target.dtype.type
    up = (old + dtype(epsilon)).astype(np.float64) - old.astype(np.float64)
    down = old.astype(np.float64) - (old - dtype(epsilon)).astype(np.float64)
    ratio = (up + down) / (2 * epsilon)
    return ratio


def base_bars(target, rows, noise, epsilon, gradient_eps, direction_steps=None):
    """(bar, lost) before truncation: round-off, the step's own error, and the backprop's rounding."""
    sigma = round_off(noise, epsilon)
    analytic = np.abs(rows.analytic)
    if direction_steps is None:
        ratio = component_steps(target, rows.position, epsilon)
        with np.errstate(divide="ignore", invalid="ignore"):
            derivative = np.where(ratio > 0, np.abs(rows.numerical) / ratio, np.abs(rows.analytic))
        step = np.maximum(derivative, analytic) * np.abs(ratio - 1)
        lost = np.abs(ratio - 1) > LOST_STEP
    else:
        step = direction_steps
        lost = np.zeros(len(rows), dtype=bool)
    bar = NOISE_SIGMAS * sigma + step + ANALYTIC_EPS * gradient_eps * analytic
    return bar, lost


def richardson(rows, remeasured, noise, epsilon, bar):
    """Bars and extrapolated values once the rows in `remeasured` (index -> D(epsilon / 2)) are known.

    Returns (bar, extrapolated, truncation): extrapolated is NaN where a row was not measured again.
    """
    extrapolated = np.full(len(rows), np.nan)
    truncation = np.full(len(rows), np.nan)
    bar = bar.copy()
    sigma = round_off(noise, epsilon)
    for row, half in remeasured.items():
        t = (rows.numerical[row] - half) * 4.0 / 3.0  # the epsilon**2 term at epsilon
        extrapolated[row] = rows.numerical[row] - t
        truncation[row] = abs(t)
        # (4 D(e/2) - D(e)) / 3 has round-off sqrt(16 * 4 + 1) / 3 times that of D(e)
        bar[row] += NOISE_SIGMAS * sigma * (np.sqrt(65.0) / 3.0 - 1.0) + HIGHER_ORDER * abs(t)
    for k in np.unique(rows.parameter):
        measured = [row for row in remeasured if rows.parameter[row] == k]
        if not measured:
            continue
        others = (rows.parameter == k) & np.isnan(extrapolated)
        bar[others] += TRUNCATION_SAFETY * max(truncation[row] for row in measured)
    return bar, extrapolated, truncation


def rows_to_remeasure(rows, gap, bar, judged):
    """Per parameter whose gaps stand above round-off, its RICHARDSON_ROWS largest gaps."""
    chosen = []
    above = judged & (gap > bar)
    for k in np.unique(rows.parameter[above]):
        candidates = np.flatnonzero(above & (rows.parameter == k))
        chosen += list(candidates[np.argsort(-gap[candidates], kind="stable")[:RICHARDSON_ROWS]])
    return chosen


def judge(target, rows, noise, epsilon, gradient_eps, seed):
    """Error bars, kinks and lost steps for measured rows, measuring the worst again where truncation may
    explain a gap. Returns (rows with bar, kink, lost, extrapolated and truncation filled in, cost calls)."""
    directional = len(rows) > 0 and bool(np.all(rows.position < 0))
    bar, lost = base_bars(target, rows, noise, epsilon, gradient_eps, rows.slip if directional else None)
    gap = np.abs(rows.analytic - rows.numerical)
    with np.errstate(invalid="ignore"):
        # Across a kink the left and right differences disagree by the jump in slope, the centred one lands
        # halfway, and backprop takes the slope of one side: it matches one one-sided difference closely. A
        # bug on a smooth cost matches neither (they differ from the truth by |f''| epsilon / 2 each way).
        one_side = np.minimum(np.abs(rows.analytic - rows.left), np.abs(rows.analytic - rows.right))
        kink = (~lost & (gap > bar) & (np.abs(rows.right - rows.left) >= gap) & (one_side <= 0.25 * gap)
                & (gap > 1e-3 * (np.abs(rows.analytic) + np.abs(rows.numerical))))
    chosen = rows_to_remeasure(rows, gap, bar, ~(kink | lost))
    again, calls = measure_again(target, rows, chosen, epsilon / 2, seed)
    bar, extrapolated, truncation = richardson(rows, again, noise, epsilon, bar)
    return rows.with_(bar=bar, kink=kink, lost=lost, extrapolated=extrapolated, truncation=truncation), calls

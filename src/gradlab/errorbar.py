"""An error bar for every measured derivative, from the check's own data.

A centred difference D(epsilon) is off from the true derivative by
- round-off: the cost's noise (measured near theta for each parameter, gradlab.noise) divided by epsilon, a
  standard deviation of sigma / (sqrt(2) epsilon);
- the step: theta_i + epsilon is rounded to the parameters' precision, so the step taken is not epsilon. It is
  known exactly, and D is divided by it; what is left, (up - down) f'' / 2, is bounded from the one-sided
  differences;
- truncation, about |f'''| epsilon**2 / 6, and kinks (a ReLU or a max exactly at its corner), where no
  derivative exists. Both matter only where a gap stands above round-off: such rows are measured again at
  epsilon / 2, 2 epsilon and 1.125 epsilon (gradlab.ladder), which sets a kink aside, measures truncation and takes
  a second look.
The analytic side carries its own rounding, a few eps of its precision.

A row whose gap |analytic - best numerical value| lies within its bar agrees; above it, it disagrees. Rows at a
kink, or whose step was lost to rounding, cannot be judged and are left out.

Two looks. The first bar is a screen of SCREEN_SIGMAS standard deviations: a row below it agrees. A row above it is
measured again (gradlab.ladder) and judged on a second look that shares no cost value with the first, against a bar
of CONFIRM_SIGMAS: a correct row fails only if its round-off stands out twice, independently (about 5e-11 a row
with the noise measured right, 7e-6 with it under-stated by a third). A row judged on one look alone needs a bar of
NOISE_SIGMAS for the same safety, and a bug that much larger to show: so are kinks tested, and so are judged the rows
above the screen beyond the RICHARDSON_ROWS largest of a parameter (a parameter wrong in many entries).
"""
from __future__ import annotations

import numpy as np

from . import ladder
from .modes import steps_taken

# A single look's bar is this many standard deviations of round-off. The noise is measured from the check's own
# values and may be under-stated by a third; the largest of 1e5 rows' round-off is near 5 standard deviations; 7 keeps
# a correct gradient under its bars with room. It is the bar of rows judged on one look only: the kink test, and rows
# above the screen beyond the RICHARDSON_ROWS of their parameter measured again.
NOISE_SIGMAS = 7
SCREEN_SIGMAS = 4.5  # the first look's bar: above it, a row is measured again
CONFIRM_SIGMAS = 4.5  # the second look's bar, in standard deviations of its own round-off
# What the resolution promises (Report.resolution): a wrong entry shows though the round-off of each look moves it
# by up to this many standard deviations toward the right value.
ERROR_SIGMAS = 5
KINK_SCREEN = 0.5  # one-sided differences that disagree by half a row's gap or more may be a kink: measured again
RICHARDSON_ROWS = 2  # of the other rows above round-off, the largest gaps of each parameter measured again
TRUNCATION_SAFETY = 1.5  # rows not measured again get the parameter's largest truncation, times this
ANALYTIC_EPS = 100  # the backprop's own rounding: this many eps of the precision it was computed in
LOST_STEP = 0.5  # a step off from epsilon by more than this fraction was lost to rounding: no judgement


def round_off(sigma, epsilon):
    """The standard deviation round-off gives a centred difference: sqrt(2) sigma / (2 epsilon)."""
    return sigma / (np.sqrt(2.0) * epsilon)


def base_bars(target, rows, noise, epsilon, gradient_eps):
    """(bar, lost, rest) before truncation and kinks: round-off, the step's rounding and the backprop's;
    rest is the part that is not round-off."""
    sigma = np.array([noise.of(int(k)) for k in rows.parameter], dtype=np.float64)
    components = rows.position >= 0
    step = np.where(components, 0.0, rows.slip)
    if np.any(components):
        up, down = steps_taken(target, rows.position[components], epsilon)
        with np.errstate(invalid="ignore"):
            curvature = np.abs(rows.right[components] - rows.left[components]) / epsilon  # about |f''|
        step[components] = np.nan_to_num(curvature * np.abs(up - down) / 2)
    lost = components & (np.abs(rows.step - 1) > LOST_STEP)
    rest = step + ANALYTIC_EPS * gradient_eps * np.abs(rows.analytic)
    return SCREEN_SIGMAS * round_off(sigma, epsilon) + rest, lost, rest


def rows_to_measure_again(rows, gap, bar, lost):
    """Rows above their bar that may sit at a kink (every direction; components whose one-sided differences
    disagree by a share of the gap), and per parameter the largest gaps of the others (for truncation)."""
    above = ~lost & (gap > bar)
    with np.errstate(invalid="ignore"):
        may_be_kink = above & ((rows.position < 0) | (np.abs(rows.right - rows.left) >= KINK_SCREEN * gap))
    chosen = list(np.flatnonzero(may_be_kink))
    others = above & ~may_be_kink
    for k in np.unique(rows.parameter[others]):
        candidates = np.flatnonzero(others & (rows.parameter == k))
        chosen += list(candidates[np.argsort(-gap[candidates], kind="stable")[:RICHARDSON_ROWS]])
    return sorted(int(row) for row in chosen)


def judge(target, rows, noise, epsilon, gradient_eps, seed, cost_at_theta):
    """Error bars, kinks and lost steps for measured rows, measuring again where a gap stands above round-off.
    Returns (rows with bar, kink, lost, extrapolated and truncation filled in, cost calls)."""
    bar, lost, rest = base_bars(target, rows, noise, epsilon, gradient_eps)
    gap = rows.gap
    chosen = rows_to_measure_again(rows, gap, bar, lost)
    ladders, calls = ladder.measure(target, rows, chosen, epsilon, seed)
    # above the screen but not measured again: judged on the one look, with a single look's bar
    one_look = ~lost & (gap > bar)
    one_look[chosen] = False
    bar[one_look] = (bar[one_look] - rest[one_look]) * (NOISE_SIGMAS / SCREEN_SIGMAS) + rest[one_look]
    kink = np.zeros(len(rows), dtype=bool)
    extrapolated, truncation = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    for row, measured in ladders.items():
        k = int(rows.parameter[row])
        reading = ladder.read(measured, rows, row, noise.of(k), epsilon, cost_at_theta, NOISE_SIGMAS,
                              _size(target, rows, row), CONFIRM_SIGMAS)
        if reading.kink:
            kink[row] = True
        elif np.isfinite(reading.value):
            extrapolated[row], truncation[row], bar[row] = reading.value, reading.truncation, reading.bar + rest[row]
    for k in np.unique(rows.parameter):
        measured = (rows.parameter == k) & np.isfinite(truncation)
        if np.any(measured):
            others = (rows.parameter == k) & np.isnan(extrapolated) & ~kink
            bar[others] += TRUNCATION_SAFETY * np.max(truncation[measured])
    return rows.with_(bar=bar, kink=kink, lost=lost, extrapolated=extrapolated, truncation=truncation), calls


def _size(target, rows, row):
    """The size of the derivative along a row, for how far the rounding of a step can move a cost value."""
    if rows.position[row] >= 0:
        return float(max(abs(rows.analytic[row]), abs(rows.numerical[row])))
    block = target.layout.slice(target.layout.names[int(rows.parameter[row])])
    return float(np.linalg.norm(target.analytic[block]))

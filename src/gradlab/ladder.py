"""Rows measured again at epsilon / 2, 2 epsilon and 1.125 epsilon: a kink told from a smooth cost, truncation
measured, and a second look.

Where a gap stands above round-off, the cost along the row's axis (or random direction) is taken at
+/- epsilon / 2 and +/- 2 epsilon as well: with the cost at theta and at +/- epsilon, seven values on one line;
and at +/- 1.125 epsilon, for the second look.

A kink (a ReLU or a max exactly at its corner). The fourth difference of five equally spaced values,
f(2h) - 4 f(h) + 6 f(0) - 4 f(-h) + f(-2h), is h**4 f'''' on a smooth cost and -2 s h across a kink whose slope
jumps by s. So the one over [-epsilon, epsilon] (step epsilon / 2) is a sixteenth of the one over
[-2 epsilon, 2 epsilon] on a smooth cost, and half of it at a kink: far from a sixteenth, the line crosses a kink
within epsilon and the row is set aside. A smooth bug is never read as one, however large epsilon is (float32
at 1e-2): its one-sided differences may disagree by f'' epsilon, more than its gap, but that disagreement
shrinks with the step, and a kink's does not. Where the jump is too small for the fourth differences to show
above round-off, a component is a kink only when its backprop value matches one one-sided difference, as
backprop's slope of one side does, and still matches that side's difference at 2 epsilon: a smooth bug of
f'' epsilon / 2 matches one at epsilon by coincidence, and that side moves on by the whole gap at 2 epsilon.

Truncation. D(h) = f' + c h**2 + ...: Richardson's (4 D(epsilon) - D(2 epsilon)) / 3 is free of the h**2 term,
with 1.34 times the round-off of D(epsilon) (from epsilon / 2 it would carry 2.69 times: the larger step is
the quieter partner). The value from epsilon / 2 and epsilon checks it: where the two disagree beyond their
round-off, the cost is not smooth at this scale (a kink just beyond epsilon, say), and the bar covers both.

A second look. The row was measured again because its first gap stood above a bar of a few standard deviations:
by a bug, or by the round-off of D(epsilon) itself, about once in 150,000 rows. A value that carries that
same round-off (Richardson's from epsilon, say) would stand above its bar again whenever the first one did, so the
row is judged on a value that shares no cost value with the first: the centred difference at CONFIRM epsilon (other
points, so other rounding) less its truncation, measured from epsilon / 2 and 2 epsilon alone. Round-off makes a
correct row fail only if it stands out in both, independently; a bug stands out in both.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .modes import costs_at, steps_taken

SMOOTH_SLACK = 0.5  # a smooth cost's fourth differences may stray this far from the h**4 rule (higher orders)
HIGHER_ORDER = 0.25  # the share of the measured truncation kept for the terms Richardson does not remove
ONE_SIDE = 0.25  # a backprop value this close (a share of the gap) to a one-sided difference is that side's slope
# the fourth differences' weights, and how a kink of jump s shows in their comparison (-s h + 2 s h / 16)
WEIGHTS = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
KINK_SHOWS = 1.0 - 2.0 / 16.0 - SMOOTH_SLACK * 2.0 / 16.0
AGAIN = np.sqrt(16.25) / 3  # Richardson's value from epsilon and 2 epsilon: this many times D(epsilon)'s round-off
CONFIRM = 1.125  # the second look's step over epsilon: other points, and nearly the same truncation
CALLS_PER_ROW = 6  # a row measured again: the cost at +/- epsilon / 2, 2 epsilon and CONFIRM epsilon
APART_H2 = 2.0 ** 2 - 0.5 ** 2  # the h**2 coefficients of D(2 epsilon) and D(epsilon / 2) apart
# the truncation c epsilon**2 measured from epsilon / 2 and 2 epsilon: (D(2 e) - D(e / 2)) / APART_H2, with round-off
# sqrt(1 / 4 + 4) / APART_H2 that of D(epsilon); the second look's value, D(CONFIRM e) less CONFIRM**2 times it,
# carries this many times D(epsilon)'s round-off:
SECOND_LOOK = float(np.sqrt(1 / CONFIRM ** 2 + (CONFIRM ** 2 * np.sqrt(0.5 ** 2 + 2.0 ** 2) / APART_H2) ** 2))


@dataclass(frozen=True)
class Ladder:
    """The cost along one row at +/- epsilon / 2 and +/- 2 epsilon (NaN where not finite), the steps taken
    there over the step meant (components), and how far rounding moved each pair of steps (as a distance)."""

    half: tuple  # (plus, minus) at epsilon / 2
    double: tuple  # (plus, minus) at 2 epsilon
    taken: tuple  # (at epsilon / 2, at epsilon, at 2 epsilon): mean step over the step meant
    off: tuple  # (at epsilon / 2, at epsilon, at 2 epsilon): |up - h| + |down - h|, or the directions' slips
    second: tuple  # (plus, minus, taken) at CONFIRM epsilon: the second look


@dataclass(frozen=True)
class Reading:
    kink: bool
    value: float = np.nan  # the best value of the derivative (the second look's, or Richardson's)
    bar: float = np.nan  # its error bar from round-off and the truncation left in it
    truncation: float = np.nan  # the truncation of D(epsilon)


def measure(target, rows, indices, epsilon, seed):
    """row -> Ladder for each row index given, and the cost calls made (CALLS_PER_ROW per row)."""
    found = {}
    for row in indices:
        half = costs_at(target, rows, row, epsilon / 2, seed)
        double, second = _beyond(target, rows, row, 2 * epsilon, seed), _beyond(target, rows, row, CONFIRM * epsilon, seed)
        if rows.position[row] >= 0:
            up, down = steps_taken(target, np.array([rows.position[row]]), epsilon)
            middle = (float((up[0] + down[0]) / (2 * epsilon)), float(abs(up[0] - epsilon) + abs(down[0] - epsilon)))
        else:
            middle = (1.0, float(rows.slip[row]) * 2 * epsilon / max(_gradient_norm(target, rows, row), 1e-300))
        found[int(row)] = Ladder(half[:2], double[:2], (half[2], middle[0], double[2]), (half[3], middle[1], double[3]),
                                 second[:3])
    return found, CALLS_PER_ROW * len(found)


def _beyond(target, rows, row, h, seed):
    """costs_at beyond the caller's epsilon, NaN where the cost is not finite there."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # beyond the caller's epsilon the cost may leave its domain (a log of a negative number): that is
        # a value we cannot use, not an error of the caller's, and nothing of it may reach stderr
        warnings.simplefilter("ignore")
        try:
            return costs_at(target, rows, row, h, seed)
        except Exception:
            return (np.nan, np.nan, np.nan, np.nan)


def read(ladder, rows, row, sigma, epsilon, cost_at_theta, sigmas, gradient, confirm_sigmas):
    """What a row's ladder shows: a kink, or the best value of the derivative with its bar (the second look's
    where the cost is smooth at this scale). sigma: the cost's noise for this row; sigmas: how many standard
    deviations a bar of one look spans, confirm_sigmas the second look's; gradient: the size of the
    derivative along the row (for the rounding of the steps)."""
    e = epsilon
    plus, minus = rows.plus[row], rows.minus[row]
    (half_plus, half_minus), (double_plus, double_minus) = ladder.half, ladder.double
    if not (np.isfinite(half_plus) and np.isfinite(half_minus)):
        return Reading(kink=False)  # nothing to read: the row keeps its first bar
    has_double = bool(np.isfinite(double_plus) and np.isfinite(double_minus))
    # rounding of the steps moves each value by about |f'| times how far its step was off
    slack_half = gradient * (4 * ladder.off[0] + ladder.off[1])
    slack_one = gradient * (4 * ladder.off[1] + ladder.off[2]) if has_double else 0.0
    fourth_half = WEIGHTS @ [plus, -half_plus, cost_at_theta, -half_minus, minus]
    gap = abs(rows.analytic[row] - rows.numerical[row] / ladder.taken[1])
    jump = abs(rows.right[row] - rows.left[row])
    if has_double:
        fourth_one = WEIGHTS @ [double_plus, -plus, cost_at_theta, -minus, double_minus]
        deviation = abs(fourth_half - fourth_one / 16)
        noise = sigmas * sigma * np.sqrt(70.0 + 70.0 / 256.0) + slack_half + slack_one / 16
        smooth = SMOOTH_SLACK * abs(fourth_one) / 16
        if deviation > noise + smooth:
            return Reading(kink=True)
        could_show = KINK_SHOWS * jump * e > 2 * noise  # had it been a kink of this jump, it would have shown
    else:
        could_show = False
        if abs(fourth_half) > sigmas * sigma * np.sqrt(70.0) + slack_half and rows.position[row] < 0:
            return Reading(kink=True)
    if not could_show and rows.position[row] >= 0 and _one_sided(rows, row, gap, jump) and (
            not has_double or _same_side_at_double(ladder, rows, row, gap, sigma * sigmas, e, cost_at_theta, gradient)):
        return Reading(kink=True)
    return _richardson(rows, row, ladder, sigma, e, sigmas, has_double, confirm_sigmas)


def _one_sided(rows, row, gap, jump):
    """Backprop takes one side's slope at a kink: it matches one one-sided difference, and the two differ."""
    a = rows.analytic[row]
    one_side = min(abs(a - rows.left[row]), abs(a - rows.right[row]))
    return bool(jump >= gap and one_side <= ONE_SIDE * gap)


def _same_side_at_double(ladder, rows, row, gap, spread, e, cost_at_theta, gradient):
    """At a kink, backprop's value is one side's slope, and that side's one-sided difference stays near it at
    2 epsilon (curvature moves it by f'' epsilon at most, twice what it may at epsilon). A smooth bug whose size
    happens to be f'' epsilon / 2 matches a one-sided difference at epsilon (a bug just above the bar once read as
    a kink, and its parameter as ok); at 2 epsilon that side has moved on by f'' epsilon, the whole gap.
    spread: the bar's multiple of the cost's noise."""
    a = rows.analytic[row]
    matched_right = abs(a - rows.right[row]) <= abs(a - rows.left[row])
    side = (ladder.double[0] - cost_at_theta if matched_right else cost_at_theta - ladder.double[1]) / (2 * e)
    noise = spread * np.sqrt(2.0) / (2 * e) + gradient * ladder.off[2] / (2 * e)
    return bool(abs(a - side) <= ONE_SIDE * gap + noise)


def _richardson(rows, row, ladder, sigma, e, sigmas, has_double, confirm_sigmas):
    sigma_d = sigma / (np.sqrt(2.0) * e)  # round-off of D(epsilon); D(h) carries epsilon / h times that
    d_half = (ladder.half[0] - ladder.half[1]) / (e * ladder.taken[0])
    d_one = rows.numerical[row] / ladder.taken[1]
    from_half = (4 * d_half - d_one) / 3  # round-off sqrt(16 * 4 + 1) / 3 sigma_d
    if not has_double:
        truncation = abs(d_one - d_half) * 4 / 3
        return Reading(False, from_half, sigmas * np.sqrt(65.0) / 3 * sigma_d + HIGHER_ORDER * truncation, truncation)
    d_double = (ladder.double[0] - ladder.double[1]) / (4 * e * ladder.taken[2])
    from_double = (4 * d_one - d_double) / 3  # round-off sqrt(16 + 1 / 4) / 3 sigma_d
    truncation = abs(d_double - d_one) / 3
    apart = abs(from_half - from_double)  # round-off sqrt(64 + 25 + 1 / 4) / 3 sigma_d
    if apart <= sigmas * np.sqrt(89.25) / 3 * sigma_d + HIGHER_ORDER * truncation:
        plus, minus, taken = ladder.second
        if np.isfinite(plus) and np.isfinite(minus):
            c_h2 = (d_double - d_half) / APART_H2  # the truncation c epsilon**2, from neither D(epsilon) nor this look
            value = (plus - minus) / (2 * CONFIRM * e * taken) - CONFIRM ** 2 * c_h2
            return Reading(False, value, confirm_sigmas * SECOND_LOOK * sigma_d
                           + HIGHER_ORDER * CONFIRM ** 2 * truncation, truncation)
        return Reading(False, from_double, sigmas * AGAIN * sigma_d + HIGHER_ORDER * truncation,
                       truncation)
    # not smooth at this scale: the value from the smaller steps, with a bar that reaches the other one
    return Reading(False, from_half, sigmas * np.sqrt(65.0) / 3 * sigma_d + apart, max(truncation, apart))


def _gradient_norm(target, rows, row):
    block = target.layout.slice(target.layout.names[int(rows.parameter[row])])
    return float(np.linalg.norm(target.analytic[block]))

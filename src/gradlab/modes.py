"""The three ways to measure: every component, a seeded sample of each parameter, or random directions.

Each returns Measurements and the number of cost calls it made. Perturbations are writes into theta (a
component) or into one parameter's block (a direction); theta is restored after every one.
"""
from __future__ import annotations

import numpy as np

from .measurements import Measurements
from .parallel import run_split


def centred_differences(target, positions, epsilon):
    """Cost at theta_i + epsilon and theta_i - epsilon for each position, perturbing in place."""
    flat, evaluate = target.flat, target.fast_evaluator()
    plus = np.empty(len(positions))
    minus = np.empty(len(positions))
    for k, i in enumerate(positions):
        old = flat[i]
        try:
            flat[i] = old + epsilon
            plus[k] = evaluate()
            flat[i] = old - epsilon
            minus[k] = evaluate()
        except Exception as error:
            _add_note(error, f"while evaluating the cost at {target.layout.label(i)} +/- epsilon")
            raise
        finally:
            flat[i] = old
    return plus, minus


def component_rows(target, positions, epsilon, cost_at_theta, workers=1, seconds_per_call=0.0):
    """Measurements for the given flat positions; with workers > 1, split over forked processes."""
    positions = np.asarray(positions, dtype=np.int64)
    plus, minus = run_split(lambda chunk: centred_differences(target, chunk, epsilon), positions, workers,
                            seconds_per_call * 2)
    _require_finite_costs(target, positions, plus, minus)
    numerical = (plus - minus) / (2 * epsilon)
    right = (plus - cost_at_theta) / epsilon
    left = (cost_at_theta - minus) / epsilon
    analytic = target.analytic[positions]
    parameter = np.searchsorted(target.layout.starts, positions, side="right") - 1
    values = target.pristine.reshape(-1)[positions].astype(np.float64)
    return Measurements.of(parameter, positions, analytic, numerical, left, right, values), 2 * len(positions)


def full_positions(target):
    return np.arange(target.layout.size)


def sampled_positions(target, samples, seed):
    """k random components of every parameter (all of a small one), so that every parameter is looked at."""
    rng = np.random.default_rng(seed)
    chosen = []
    for name in target.layout.names:
        block = target.layout.slice(name)
        size = block.stop - block.start
        chosen.append(block.start + np.sort(rng.choice(size, size=min(samples, size), replace=False)))
    return np.concatenate(chosen)


def direction(size, seed, parameter, number):
    """The number-th seeded random unit direction in a parameter's block (the same on every call)."""
    v = np.random.default_rng([seed, parameter, number]).standard_normal(size)
    return v / np.linalg.norm(v)


def directional_difference(target, k, v, epsilon):
    """(D along v, the bound on D's error from rounding theta +/- epsilon v) in parameter k's block."""
    name = target.layout.names[k]
    block = target.flat[target.layout.slice(name)]
    saved = block.copy()  # one copy per direction: restoring by subtraction would not be exact
    try:
        block += epsilon * v
        taken_up = block.astype(np.float64) - saved
        plus = target.evaluate()
        block[:] = saved - epsilon * v
        taken_down = saved - block.astype(np.float64)
        minus = target.evaluate()
    except Exception as error:
        _add_note(error, f"while evaluating the cost along a random direction in {name}")
        raise
    finally:
        block[:] = saved
    if not (np.isfinite(plus) and np.isfinite(minus)):
        raise ValueError(f"the cost is not finite along a random direction in {name} (epsilon={epsilon})")
    # the steps taken differ from epsilon v by rounding; a derivative of size |g| moves D by at most this much
    slip = np.linalg.norm(taken_up + taken_down - 2 * epsilon * v) / (2 * epsilon)
    gradient = np.linalg.norm(target.analytic[target.layout.slice(name)])
    return (plus - minus) / (2 * epsilon), float(slip * gradient)


def directional_rows(target, directions, epsilon, seed):
    """Per parameter, the derivative along a few random unit directions against the projected gradient."""
    rows = {field: [] for field in ("parameter", "number", "analytic", "numerical", "value", "slip")}
    calls = 0
    for k, name in enumerate(target.layout.names):
        block = target.layout.slice(name)
        for j in range(min(directions, block.stop - block.start)):
            v = direction(block.stop - block.start, seed, k, j)
            numerical, slip = directional_difference(target, k, v, epsilon)
            calls += 2
            rows["parameter"].append(k)
            rows["number"].append(j)
            rows["numerical"].append(numerical)
            rows["slip"].append(slip)
            rows["analytic"].append(float(target.analytic[block] @ v))
            rows["value"].append(float(target.pristine.reshape(-1)[block].astype(np.float64) @ v))
    n = len(rows["parameter"])
    nothing = np.full(n, np.nan)
    measurements = Measurements.of(np.asarray(rows["parameter"], dtype=np.int64), np.full(n, -1, dtype=np.int64),
                                   np.asarray(rows["analytic"]), np.asarray(rows["numerical"]), nothing, nothing,
                                   np.asarray(rows["value"]), slip=np.asarray(rows["slip"]),
                                   number=np.asarray(rows["number"], dtype=np.int64))
    return measurements, calls


def measure_again(target, rows, indices, epsilon, seed):
    """D at another epsilon for some rows (components or directions): index -> value, and the calls made."""
    found = {}
    for row in indices:
        if rows.position[row] >= 0:
            plus, minus = centred_differences(target, [rows.position[row]], epsilon)
            value = (plus[0] - minus[0]) / (2 * epsilon)
        else:
            k = int(rows.parameter[row])
            block = target.layout.slice(target.layout.names[k])
            v = direction(block.stop - block.start, seed, k, int(rows.number[row]))
            value = directional_difference(target, k, v, epsilon)[0]
        if not np.isfinite(value):
            raise ValueError(f"the cost is not finite at epsilon = {epsilon:g} while measuring again")
        found[int(row)] = float(value)
    return found, 2 * len(found)


def _require_finite_costs(target, positions, plus, minus):
    for values, sign in ((plus, +1), (minus, -1)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"the cost is {values[bad[0]]} at {target.label(positions[bad[0]], sign)}: "
                             f"a perturbed cost must be finite (try a smaller epsilon, or look for log(0))")


def _add_note(error, note):
    if hasattr(error, "add_note"):
        error.add_note(note)

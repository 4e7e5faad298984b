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
    up, down = steps_taken(target, positions, epsilon)
    return Measurements.of(parameter, positions, analytic, numerical, left, right, values, plus=plus, minus=minus,
                           step=(up + down) / (2 * epsilon)), 2 * len(positions)


def steps_taken(target, positions, h):
    """(up, down): theta_i + h and theta_i - h are rounded to the parameters' precision, so the steps taken
    are these, exactly (in float64), not h."""
    old = target.pristine.reshape(-1)[positions]
    dtype = target.dtype.type
    up = (old + dtype(h)).astype(np.float64) - old.astype(np.float64)
    down = old.astype(np.float64) - (old - dtype(h)).astype(np.float64)
    return up, down


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


def directional_costs(target, k, v, h):
    """(cost at theta + h v, cost at theta - h v, how far rounding moved each step from h v) in parameter k's
    block; theta is put back exactly afterwards."""
    name = target.layout.names[k]
    block = target.flat[target.layout.slice(name)]
    saved = block.copy()  # one copy per direction: restoring by subtraction would not be exact
    try:
        block += h * v
        slip_up = np.linalg.norm(block.astype(np.float64) - saved - h * v)
        plus = target.evaluate()
        block[:] = saved - h * v
        slip_down = np.linalg.norm(saved - block.astype(np.float64) - h * v)
        minus = target.evaluate()
    except Exception as error:
        _add_note(error, f"while evaluating the cost along a random direction in {name}")
        raise
    finally:
        block[:] = saved
    return plus, minus, float(slip_up), float(slip_down)


def directional_rows(target, directions, epsilon, seed, cost_at_theta):
    """Per parameter, the derivative along a few random unit directions against the projected gradient."""
    rows = {field: [] for field in ("parameter", "number", "analytic", "plus", "minus", "value", "slip")}
    calls = 0
    for k, name in enumerate(target.layout.names):
        block = target.layout.slice(name)
        gradient = np.linalg.norm(target.analytic[block])
        for j in range(min(directions, block.stop - block.start)):
            v = direction(block.stop - block.start, seed, k, j)
            plus, minus, slip_up, slip_down = directional_costs(target, k, v, epsilon)
            if not (np.isfinite(plus) and np.isfinite(minus)):
                raise ValueError(f"the cost is not finite along a random direction in {name} (epsilon={epsilon})")
            calls += 2
            rows["parameter"].append(k)
            rows["number"].append(j)
            rows["plus"].append(plus)
            rows["minus"].append(minus)
            # the steps taken differ from epsilon v by rounding; a derivative of size |g| moves D by at most this
            rows["slip"].append((slip_up + slip_down) / (2 * epsilon) * gradient)
            rows["analytic"].append(float(target.analytic[block] @ v))
            rows["value"].append(float(target.pristine.reshape(-1)[block].astype(np.float64) @ v))
    plus, minus = np.asarray(rows["plus"], dtype=np.float64), np.asarray(rows["minus"], dtype=np.float64)
    n = len(plus)
    measurements = Measurements.of(np.asarray(rows["parameter"], dtype=np.int64), np.full(n, -1, dtype=np.int64),
                                   np.asarray(rows["analytic"]), (plus - minus) / (2 * epsilon),
                                   (cost_at_theta - minus) / epsilon, (plus - cost_at_theta) / epsilon,
                                   np.asarray(rows["value"]), plus=plus, minus=minus, slip=np.asarray(rows["slip"]),
                                   number=np.asarray(rows["number"], dtype=np.int64))
    return measurements, calls


def costs_at(target, rows, row, h, seed):
    """(cost at +h, cost at -h, taken, off) along the axis or direction of one measured row. For a component,
    taken is the mean step over h (theta_i + h is rounded) and off is |up - h| + |down - h|; for a direction,
    taken is 1 and off is how far rounding moved the two steps from h v (the norms, added)."""
    if rows.position[row] >= 0:
        position = int(rows.position[row])
        plus, minus = centred_differences(target, [position], h)
        up, down = steps_taken(target, np.array([position]), h)
        taken, off = (up[0] + down[0]) / (2 * h), abs(up[0] - h) + abs(down[0] - h)
        return float(plus[0]), float(minus[0]), float(taken), float(off)
    k = int(rows.parameter[row])
    block = target.layout.slice(target.layout.names[k])
    v = direction(block.stop - block.start, seed, k, int(rows.number[row]))
    plus, minus, slip_up, slip_down = directional_costs(target, k, v, h)
    return plus, minus, 1.0, slip_up + slip_down


def _require_finite_costs(target, positions, plus, minus):
    for values, sign in ((plus, +1), (minus, -1)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"the cost is {values[bad[0]]} at {target.label(positions[bad[0]], sign)}: "
                             f"a perturbed cost must be finite (try a smaller epsilon, or look for log(0))")


def _add_note(error, note):
    if hasattr(error, "add_note"):
        error.add_note(note)

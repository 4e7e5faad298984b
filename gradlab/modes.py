"""The three ways to measure: every component, a seeded sample of each parameter, or random directions.

Each returns Measurements and the number of cost calls it made. Perturbations are writes into theta (a
component) or into one parameter's block (a direction); theta is restored after every one.
"""
from __future__ import annotations

import numpy as np

from .parallel import run_split
from .report import Measurements


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


def component_rows(target, positions, epsilon, cost_at_theta, workers=1):
    """Measurements for the given flat positions; with workers > 1, split over forked processes."""
    positions = np.asarray(positions, dtype=np.int64)
    plus, minus = run_split(lambda chunk: centred_differences(target, chunk, epsilon), positions, workers)
    _require_finite_costs(target, positions, plus, minus)
    numerical = (plus - minus) / (2 * epsilon)
    right = (plus - cost_at_theta) / epsilon
    left = (cost_at_theta - minus) / epsilon
    analytic = target.analytic[positions]
    parameter = np.searchsorted(target.layout.starts, positions, side="right") - 1
    kink = _kinks(analytic, numerical, left, right, cost_at_theta, epsilon, target.dtype)
    values = target.pristine.reshape(-1)[positions].astype(np.float64)
    return Measurements(parameter, positions, analytic, numerical, left, right, values, kink), 2 * len(positions)


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


def directional_rows(target, directions, epsilon, seed):
    """Per parameter, the derivative along a few random unit directions against the projected gradient."""
    rng = np.random.default_rng(seed)
    evaluate = target.evaluate
    rows = {field: [] for field in ("parameter", "analytic", "numerical", "value")}
    calls = 0
    for k, name in enumerate(target.layout.names):
        block = target.flat[target.layout.slice(name)]
        saved = block.copy()  # one copy per parameter: restoring by subtraction would not be exact
        for _ in range(min(directions, block.size)):
            v = rng.standard_normal(block.size)
            v /= np.linalg.norm(v)
            try:
                block += epsilon * v
                plus = evaluate()
                block[:] = saved - epsilon * v
                minus = evaluate()
            except Exception as error:
                _add_note(error, f"while evaluating the cost along a random direction in {name}")
                raise
            finally:
                block[:] = saved
            if not (np.isfinite(plus) and np.isfinite(minus)):
                raise ValueError(f"the cost is not finite along a random direction in {name} (epsilon={epsilon})")
            calls += 2
            rows["parameter"].append(k)
            rows["numerical"].append((plus - minus) / (2 * epsilon))
            rows["analytic"].append(float(target.analytic[target.layout.slice(name)] @ v))
            rows["value"].append(float(saved.astype(np.float64) @ v))
    n = len(rows["parameter"])
    nothing = np.full(n, np.nan)
    measurements = Measurements(np.asarray(rows["parameter"], dtype=np.int64), np.full(n, -1, dtype=np.int64),
                                np.asarray(rows["analytic"]), np.asarray(rows["numerical"]), nothing, nothing,
                                np.asarray(rows["value"]), np.zeros(n, dtype=bool))
    return measurements, calls


def _kinks(analytic, numerical, left, right, cost_at_theta, epsilon, dtype):
    """Rows where the one-sided differences disagree by as much as the backprop and the centred one do.

    On a smooth cost left and right differ by about |f''| * epsilon, far less than a bug's gap; across a
    ReLU's kink they differ by the jump in slope, and the centred difference lands halfway, so the gap between
    analytic and numerical is about half the jump. Gaps at round-off level are never kinks.
    """
    roundoff = 4 * np.finfo(dtype).eps * max(abs(cost_at_theta), np.finfo(dtype).tiny) / epsilon
    gap = np.abs(analytic - numerical)
    scale = np.abs(analytic) + np.abs(numerical)
    return (gap > 100 * roundoff) & (np.abs(right - left) >= gap) & (gap > 1e-3 * scale)


def _require_finite_costs(target, positions, plus, minus):
    for values, sign in ((plus, +1), (minus, -1)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"the cost is {values[bad[0]]} at {target.label(positions[bad[0]], sign)}: "
                             f"a perturbed cost must be finite (try a smaller epsilon, or look for log(0))")


def _add_note(error, note):
    if hasattr(error, "add_note"):
        error.add_note(note)

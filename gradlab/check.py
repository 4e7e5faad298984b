"""gradient_check and check_backprop: compare a backprop's gradient with centred differences of the cost."""
from __future__ import annotations

import time

import numpy as np

from . import modes
from .diagnose import diagnose
from .report import GradCheckReport, relative_difference
from .target import CheckTarget, cost_dtype
from .tips import repeated_check_count

MODES = ("full", "sampled", "directional")
PROBE_CALLS = 3  # calls at the same theta before anything else: a cost that changes between them is random


def gradient_check(cost, parameters, gradients, *, epsilon=1e-7, threshold=2e-7, mode="full", samples=5,
                   directions=3, seed=0, workers=1, examples=None, raise_on_failure=False):
    """Check `gradients` against centred differences of `cost` at `parameters`; return a GradCheckReport.

    cost(parameters) -> float. parameters is a float (the 1-D case), an ndarray or a dict of arrays, and
    gradients matches it (a dict may be keyed dW1 or W1; entries such as dZ1 are ignored).
    mode: "full" checks every component; "sampled" `samples` seeded components of each parameter;
    "directional" `directions` seeded random directions per parameter, then samples the failing ones.
    workers > 1 spreads a full or sampled check over forked processes (same numbers to the last bit).
    examples: m, if known, so that a factor of m reads as a missing 1/m.
    """
    _check_options(epsilon, threshold, mode, samples, directions)
    in_a_row = repeated_check_count()
    target = CheckTarget(cost, parameters, gradients)
    started = time.perf_counter()
    try:
        cost_at_theta, spread, dtype = _probe(target)
        if mode == "directional":
            measurements, calls = modes.directional_rows(target, directions, epsilon, seed)
            components, more = _refine(target, measurements, threshold, epsilon, samples, seed, cost_at_theta)
            calls += more
        else:
            positions = modes.full_positions(target) if mode == "full" else modes.sampled_positions(
                target, samples, seed)
            measurements, calls = modes.component_rows(target, positions, epsilon, cost_at_theta, workers)
            components = measurements
    finally:
        wrote = target.restore()
    if wrote:
        raise ValueError("the cost changed the parameters it was given (an in-place update such as W1 -= ...); "
                         "a cost must only read them")
    report = GradCheckReport(target.layout, mode, float(epsilon), float(threshold), dtype.name, measurements,
                             components, cost_at_theta, spread, calls + PROBE_CALLS,
                             time.perf_counter() - started, examples, in_a_row)
    report.diagnoses = diagnose(report)
    if raise_on_failure:
        report.assert_passed()
    return report


def check_backprop(forward, backward, X, Y, parameters, **options):
    """gradient_check in the course's conventions.

    forward(X, Y, parameters) -> (cost, cache); backward(X, Y, cache) -> gradients (dW1, db1, ...).
    The backward pass is run once at `parameters`; the cost is forward's first output.
    """
    result = forward(X, Y, parameters)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError("forward must return (cost, cache) as forward_propagation_n does; "
                        f"it returned {type(result).__name__}")
    gradients = backward(X, Y, result[1])
    if not isinstance(gradients, dict):
        raise TypeError(f"backward must return a dict of gradients (dW1, db1, ...); got {type(gradients).__name__}")
    options.setdefault("examples", _examples(X))
    return gradient_check(lambda p: forward(X, Y, p)[0], parameters, gradients, **options)


def check_network(network, X, y, *, epsilon=1e-4, **options):
    """gradient_check for a network object in the form of Welch Labs' "Neural Networks Demystified".

    The object has getParams() -> flat vector, setParams(vector), computeGradients(X, y) -> flat vector
    and costFunction(X, y) -> cost; epsilon defaults to theirs (1e-4). The report also carries their metric,
    `welch_difference` = norm(grad - numgrad) / norm(grad + numgrad) (about 1e-8 or less when right).
    The network's parameters are set back to what they were, even when the cost raises.
    """
    missing = [m for m in ("getParams", "setParams", "computeGradients", "costFunction")
               if not callable(getattr(network, m, None))]
    if missing:
        raise TypeError(f"the network has no method {', '.join(missing)}: check_network needs getParams, "
                        "setParams, computeGradients and costFunction")
    original = np.array(network.getParams(), dtype=np.float64)
    gradients = np.asarray(network.computeGradients(X, y), dtype=np.float64)

    def cost(theta):
        network.setParams(theta)
        return network.costFunction(X, y)

    try:
        return gradient_check(cost, original.copy(), gradients, epsilon=epsilon, **options)
    finally:
        network.setParams(original)


def _probe(target):
    """The cost at theta, how much it moves over repeated calls, and the precision it is computed in."""
    first = target.call()
    value = target.convert(first)
    target.learn_return_type(first)
    values = [value] + [target.evaluate() for _ in range(PROBE_CALLS - 1)]
    if not np.isfinite(value):
        raise ValueError(f"the cost is {value} at the parameters given: it must be finite to be checked")
    dtype = np.result_type(target.dtype, cost_dtype(first))
    return value, float(max(values) - min(values)), np.dtype(dtype)


def _refine(target, measurements, threshold, epsilon, samples, seed, cost_at_theta):
    """Directional mode names parameters; measure a seeded sample of each failing one to name components."""
    failing = []
    for k, name in enumerate(target.layout.names):
        rows = measurements.parameter == k
        if relative_difference(measurements.analytic[rows], measurements.numerical[rows]) >= threshold:
            failing.append(name)
    if not failing:
        positions = np.zeros(0, dtype=np.int64)
    else:
        every = modes.sampled_positions(target, max(samples, 20), seed)
        names = np.array([target.layout.locate(i)[0] for i in every])
        positions = every[np.isin(names, failing)]
    return modes.component_rows(target, positions, epsilon, cost_at_theta)


def _examples(X):
    shape = np.shape(X)
    return int(shape[1]) if len(shape) == 2 else None


def _check_options(epsilon, threshold, mode, samples, directions):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    for name, value in (("epsilon", epsilon), ("threshold", threshold)):
        if not isinstance(value, (int, float, np.floating)) or not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number; got {value!r}")
    for name, value in (("samples", samples), ("directions", directions)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")

"""gradient_check and check_backprop: compare a backprop's gradient with centred differences of the cost."""
from __future__ import annotations

import time

import numpy as np

from . import modes
from .diagnose import diagnose
from .errorbar import judge
from .noise import estimate_noise
from .report import GradCheckReport
from .streak import repeated_check_count
from .target import CheckTarget, cost_dtype

MODES = ("full", "sampled", "directional")
PROBE_CALLS = 2  # calls at the same theta before anything else: a cost that changes between them is random
REFINE_SAMPLES = 20  # components sampled from each parameter that directional mode finds failing


def gradient_check(cost, parameters, gradients, *, epsilon=1e-7, threshold=2e-7, mode="full", samples=5,
                   directions=3, seed=0, workers=None, examples=None, gradient_names=None,
                   raise_on_failure=False):
    """Check `gradients` against centred differences of `cost` at `parameters`; return a GradCheckReport.

    cost(parameters) -> float. parameters is a float (the 1-D case), an ndarray or a dict of arrays, and
    gradients matches it (a dict may be keyed dW1 or W1; entries such as dZ1 are ignored).
    mode: "full" checks every component; "sampled" `samples` seeded components of each parameter;
    "directional" `directions` seeded random directions per parameter, then samples the failing ones.
    Every measured derivative gets an error bar (the cost's measured round-off, the step's rounding, and
    truncation where it matters); a parameter fails when a gap stands above its bar. `threshold` is the
    course's, for its relative difference, which the report shows beside the verdict.
    workers > 1 spreads a full or sampled check over forked processes (same numbers to the last bit), each
    with its share of the BLAS threads; None (the default) uses every core on Linux when the work is long
    enough to pay for the forks, and one process otherwise; workers=1 keeps to one process.
    examples: m, if known, so that a factor of m reads as a missing 1/m.
    gradient_names: {"W": "dW", ...}, the gradients' keys and how feedback names them (default "d" + name).
    """
    _check_options(epsilon, threshold, mode, samples, directions)
    in_a_row = repeated_check_count()
    target = CheckTarget(cost, parameters, gradients, gradient_names)
    started = time.perf_counter()
    try:
        cost_at_theta, spread, dtype, per_call = _probe(target)
        meaningful = spread == 0.0
        noise = estimate_noise(target, cost_at_theta, dtype, seed) if meaningful else None
        calls = PROBE_CALLS + (noise.calls if meaningful else 0)
        gradient_eps = float(np.finfo(target.gradient_dtype).eps)
        if mode == "directional":
            measurements, more = modes.directional_rows(target, directions, epsilon, seed, cost_at_theta)
            calls += more
            if meaningful:
                measurements, more = judge(target, measurements, noise, epsilon, gradient_eps, seed, cost_at_theta)
                calls += more
            positions = _refine_positions(target, measurements, samples, seed)
        else:
            positions = modes.full_positions(target) if mode == "full" else modes.sampled_positions(
                target, samples, seed)
            measurements = None
        components, more = modes.component_rows(target, positions, epsilon, cost_at_theta, workers, per_call)
        calls += more
        if meaningful:
            components, more = judge(target, components, noise, epsilon, gradient_eps, seed, cost_at_theta)
            calls += more
        if measurements is None:
            measurements = components
        elif meaningful:
            measurements = _set_aside_what_components_deny(target, measurements, components)
    finally:
        wrote = target.restore()
    if wrote:
        raise ValueError("the cost changed the parameters it was given (an in-place update such as W1 -= ...); "
                         "a cost must only read them")
    report = build_report(target.layout, mode, float(epsilon), float(threshold), dtype.name, measurements,
                          components, cost_at_theta, spread, calls, time.perf_counter() - started, noise,
                          examples, in_a_row, target.gradient_names)
    if raise_on_failure:
        report.assert_passed()
    return report


def build_report(*fields):
    """The finished report: numbers, decision and diagnoses (one place, so that every report is built alike)."""
    report = GradCheckReport(*fields)
    report.diagnoses = diagnose(report)
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
    and costFunction(X, y) -> cost; epsilon defaults to theirs (1e-4). The report carries their metric beside
    ours, `welch_difference` = norm(grad - numgrad) / norm(grad + numgrad) (about 1e-8 or less when right).
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
        report = gradient_check(cost, original.copy(), gradients, epsilon=epsilon, **options)
    finally:
        network.setParams(original)
    report.welch = True
    return report


def _probe(target):
    """The cost at theta, how much it moves over repeated calls, its precision, and the seconds of one call."""
    first = target.call()
    value = target.convert(first)
    target.learn_return_type(first)
    if not np.isfinite(value):
        raise ValueError(f"the cost is {value} at the parameters given: it must be finite to be checked")
    started = time.perf_counter()
    values = [value] + [target.evaluate() for _ in range(PROBE_CALLS - 1)]
    per_call = (time.perf_counter() - started) / max(PROBE_CALLS - 1, 1)
    dtype = np.result_type(target.dtype, cost_dtype(first))
    return value, float(max(values) - min(values)), np.dtype(dtype), per_call


def _refine_positions(target, measurements, samples, seed):
    """Directional mode names parameters; a seeded sample of each failing one names its components."""
    failing = {int(k) for k in measurements.parameter[measurements.above]}
    if not failing:
        return np.zeros(0, dtype=np.int64)
    every = modes.sampled_positions(target, max(samples, REFINE_SAMPLES), seed)
    owners = np.searchsorted(target.layout.starts, every, side="right") - 1
    return every[np.isin(owners, sorted(failing))]


def _set_aside_what_components_deny(target, directions, components):
    """A direction that disagrees, in a parameter whose every component was measured and none disagrees, crosses
    a point where the cost has no gradient (the sum of agreeing components would be its derivative otherwise):
    it is set aside as a kink, so that no report names a bug its own rows deny."""
    kink = directions.kink.copy()
    for k, name in enumerate(target.layout.names):
        block = target.layout.slice(name)
        mine = components.parameter == k
        covered = np.unique(components.position[mine]).size == block.stop - block.start
        if covered and not np.any(components.above[mine]):
            kink |= (directions.parameter == k) & directions.above
    return directions.with_(kink=kink)


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

"""Telling backpropagation from finite differences by their values (Exercise(finite_differences=False)).

Backpropagation computes the exact gradient up to round-off. Finite differences of the cost stay further away:
their round-off grows as the cost's noise over the step (eps |J| / h), their truncation as h^2 f''' (centred) or
h f'' (one-sided). How far depends on the case, not on a constant: on a linear layer with inputs of order one,
centred differences at h = 1e-3 come within 1e-12 of the exact gradient, nearer than some honest backpropagation;
give the same layer a bias of 1e6 and they stay 1e-8 away at every step. So each case measures its own line
(declare.NoFiniteDifferences says how): how close differences of the declared cost come at any step, and how far
an honest float64 backpropagation may be, judged from how far the reference moves when the case's floats are
rounded differently. Only a dtype's values are read, never its label: a float32 answer, or float64 values in an
array that says float32, are as far from the exact gradient as their values are.

This is written here rather than taken from gradlab.numeric because it must do what a student does (the nominal
step, one entry at a time, in place, centred and one-sided from the same evaluations), not the careful differences
of gradlab's check.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

SCHEMES = ("centred", "forward", "backward")
ROUNDING_ULPS = 4  # how differently each float of a case is rounded to see how far the reference moves
ROUNDING_DRAWS = 3
REACH_SLACK = 3.0  # how much further than the farthest measured differences an answer may be and still read as them
ROUNDED_SINGLE = 1e-5  # how far a gradient computed or stored in float32 may be from the exact one
_REACHES = {}  # (id(exercise), id(case), output) -> (case, Reach): the cases live as long as the process


@dataclass(frozen=True)
class Reach:
    """For one output in one case: how close finite differences come to the exact gradient, how far honest
    backpropagation may be, and the line between them (all relative distances, in norm)."""

    closest: float  # the closest finite differences of the declared cost came, at any step
    step: float  # ... at this step
    farthest: float  # the farthest they went, at any step and scheme measured
    scheme: str  # ... with this scheme (centred, forward, backward)
    honest: float  # how far an honest float64 backpropagation may be
    line: float  # an answer further than this from the exact gradient is finite differences (closest / margin)
    exact: np.ndarray = dataclasses.field(repr=False, compare=False, default=None)  # reference(case)[output]

    @property
    def separates(self):
        """Whether the case tells backpropagation from finite differences for this output."""
        return self.line > self.honest


def distance(value, exact):
    """||value - exact|| / ||exact|| (the norm of value itself when the exact gradient is zero)."""
    value, exact = np.asarray(value, dtype=np.float64), np.asarray(exact, dtype=np.float64)
    scale = float(np.linalg.norm(exact))
    gap = float(np.linalg.norm(value - exact))
    return gap / scale if scale > 0 else gap


def steps_between(low, high):
    """1, 2 and 5 per decade from `low` to `high`, both included."""
    found = {float(low), float(high)}
    for exponent in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1):
        for mantissa in (1.0, 2.0, 5.0):
            step = float(f"{mantissa}e{exponent}")
            if low <= step <= high:
                found.add(step)
    return sorted(found)


def differences(cost, at, of, step):
    """{scheme: array} of the finite differences of cost(at) with respect to at[of] at this step, as a student
    computes them: one entry at a time, moved by the nominal step in place and put back."""
    point = {name: np.array(value, dtype=np.float64, copy=True) for name, value in at.items()}
    flat = point[of].reshape(-1)
    centre = float(cost(point))
    found = {scheme: np.empty(flat.size) for scheme in SCHEMES}
    for index in range(flat.size):
        kept = flat[index]
        flat[index] = kept + step
        plus = float(cost(point))
        flat[index] = kept - step
        minus = float(cost(point))
        flat[index] = kept
        found["centred"][index] = (plus - minus) / (2 * step)
        found["forward"][index] = (plus - centre) / step
        found["backward"][index] = (centre - minus) / step
    return {scheme: values.reshape(point[of].shape) for scheme, values in found.items()}


def reach(exercise, case, name):
    """The Reach of output `name` (a Gradient) of `exercise` in `case`, measured once per process."""
    key = (id(exercise), id(case), name)
    if key not in _REACHES:
        _REACHES[key] = (case, _measure(exercise, case, name))
    return _REACHES[key][1]


def _exact(exercise, case, name):
    return np.asarray(exercise.reference(case)[name], dtype=np.float64)


def _measure(exercise, case, name):
    rule = exercise.difference_rule
    of = exercise.outputs[name].of
    right = _exact(exercise, case, name)
    closest, farthest = (np.inf, 0.0, ""), 0.0
    for step in steps_between(*rule.steps):
        for scheme, values in differences(lambda at: exercise.cost(at, case), case.at, of, step).items():
            gap = distance(values, right)
            closest, farthest = min(closest, (gap, step, scheme)), max(farthest, gap)
    spread = _rounding_spread(exercise, case, name, right)
    # A reference that cannot take the case rounded differently says nothing of its conditioning: assume the worst
    # that honest_error allows, careless times over.
    honest = max(rule.honest_error, rule.careless * (rule.honest_error if spread is None else spread))
    return Reach(closest[0], closest[1], farthest, closest[2], honest, closest[0] / rule.margin, right)


def _rounding_spread(exercise, case, name, right):
    """How far the reference moves when every float of the case is rounded differently: what any backward-stable
    float64 computation of the gradient may be off by (the inputs' rounding is all it is allowed to miss)."""
    rng = np.random.default_rng(0)  # the same draws in every process, so that every grader draws the same line
    spread = 0.0
    for _ in range(ROUNDING_DRAWS):
        moved = dataclasses.replace(case, args=_rounded(case.args, rng), kwargs=_rounded(case.kwargs, rng),
                                    at=_rounded(case.at, rng), data=_rounded(case.data, rng))
        try:
            spread = max(spread, distance(_exact(exercise, moved, name), right))
        except Exception:  # the instructor's reference may not take a case it did not build
            return None
    return spread


def _rounded(value, rng):
    """`value` with every float (in arrays, dicts, tuples and lists) moved by up to ROUNDING_ULPS units in the last
    place; anything else as it is."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        eps = np.finfo(value.dtype).eps
        return value * (1 + ROUNDING_ULPS * eps * rng.uniform(-1, 1, value.shape)).astype(value.dtype)
    if isinstance(value, float):
        return value * (1 + ROUNDING_ULPS * np.finfo(np.float64).eps * float(rng.uniform(-1, 1)))
    if isinstance(value, dict):
        return {key: _rounded(item, rng) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item, rng) for item in value]
    if isinstance(value, tuple):
        items = [_rounded(item, rng) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)  # a namedtuple takes its fields
    return value


def looks_like_differences(exercise, case, name, value):
    """True when the case tells backpropagation from finite differences for this output, and `value` (float64
    numbers, whatever dtype the child said) is as far from the exact gradient as differences are."""
    found = reach(exercise, case, name)
    return found.separates and distance(value, found.exact) > found.line


def within_reach_of_differences(exercise, case, name, value):
    """looks_like_differences, and no further from the exact gradient than differences at the steps measured go
    (REACH_SLACK times), or than float32 puts a gradient: a gradient the check calls wrong is then told it looks
    like differences, not given the check's diagnosis of a bug in its lines (the check, sharper than the steps a
    student takes, calls differences and float32 rounding wrong on many cases)."""
    found = reach(exercise, case, name)
    return looks_like_differences(exercise, case, name, value) and distance(value, found.exact) <= max(
        REACH_SLACK * found.farthest, ROUNDED_SINGLE)

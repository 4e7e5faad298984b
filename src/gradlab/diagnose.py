"""The practical tips, automated: rules that read a report and say what is most likely wrong.

Each rule looks at one pattern in the per-parameter rows (analytic, numerical, parameter value) and returns
Diagnosis objects. `diagnose` runs them in an order where a more specific explanation claims a parameter
before a vaguer one can: a random cost voids everything; a constant factor or a missing L2 term explains a
parameter completely; only what is left is placed in a layer or called isolated. Talk of dZ, dA and layers is
kept to parameters named in the course's convention (W1, b1, W2, ...); every gradient is named through
`report.gradient_name`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .streak import REPEATED_CHECKS

_LAYER = re.compile(r"^[Wb](\d+)$")
_FIT = 1e-2  # relative residual under which a pattern (a factor, a multiple of W) explains a parameter


@dataclass(frozen=True)
class Diagnosis:
    kind: str  # scale sign layer regularization isolated | nondeterministic kink precision unresolved training-loop
    parameter: str | None  # the one parameter it is about, or None (several, or the whole check)
    message: str
    factor: float | None = None  # c for scale and sign; the implied lambd/m for regularization
    parameters: tuple = ()  # every parameter it concerns
    layer: int | None = None  # for kind "layer": the layer whose backward step is most likely wrong

    def __post_init__(self):
        if self.parameter and not self.parameters:
            object.__setattr__(self, "parameters", (self.parameter,))

    def __str__(self):
        return self.message


def diagnose(report):
    if not report.meaningful:
        return [nondeterministic(report)] + training_loop(report)
    found = training_loop(report) + precision(report) + kinks(report)
    failing = report.failing
    explained = set()
    for rule in (regularization, scale_or_sign):
        for diagnosis in rule(report, [p for p in failing if p not in explained]):
            found.append(diagnosis)
            explained.update(diagnosis.parameters)
    by_layer = layer(report, failing, explained)
    claimed = explained.union(*(d.parameters for d in by_layer))
    found += by_layer + [isolated(report, p) for p in failing if p not in claimed]
    return found + unresolved(report)


def layered(report):
    """True when the parameters follow the course's W1, b1, W2, b2, ... convention (layers, dZ, dA apply)."""
    return all(_LAYER.match(name) for name in report.layout.names)


# -- rules ------------------------------------------------------------------------------------------------

def nondeterministic(report):
    return Diagnosis("nondeterministic", None,
                     f"The cost gave different values at the same parameters (calls in a row came out up to "
                     f"{report.cost_spread:.3g} apart): dropout is on, or something random runs in the forward pass. "
                     "The numerical gradient is then noise and pass/fail means nothing. Set keep_prob = 1.0 "
                     "(or fix the dropout mask with a seed) for the check, then turn dropout back on.")


def training_loop(report):
    if report.checks_in_a_row < REPEATED_CHECKS:
        return []
    return [Diagnosis("training-loop", None,
                      f"This line has run {report.checks_in_a_row} gradient checks in a row, as a training loop "
                      f"would: each costs {report.calls} cost calls ({report.seconds:.2g} s) where backprop "
                      "costs about one. Train with backprop; run the check only to debug, at initialization "
                      "and once more after some training.")]


def precision(report):
    """float32 / float16: what the precision allows, read from the check's own error bars."""
    if report.dtype == "float64":
        return []
    eps = float(np.finfo(report.dtype).eps)
    advice = f"epsilon={report.tolerance.epsilon:g}"
    if report.unresolved:
        return [Diagnosis("precision", None,
                          f"The cost is computed in {report.dtype}, which resolves only about {eps:.1g} of a "
                          f"value: at epsilon={report.epsilon:g} round-off swamps the numerical gradient (its error "
                          f"bar is {report.resolution:.2g}, next to a gradient whose largest entry is "
                          f"{report.scale:.2g}). Cast parameters and data to float64 (best), or use {advice}.")]
    return [Diagnosis("precision", None,
                      f"The cost is computed in {report.dtype} (resolution about {eps:.1g}): at "
                      f"epsilon={report.epsilon:g} only errors larger than about {report.relative_resolution:.1g} "
                      "of the gradient's largest entry would show. Use float64 for a tighter check.")]


def unresolved(report):
    """Parameters the check cannot judge, grouped by why: kinks only, steps lost, a zero gradient, or a bar too
    coarse for the gradient."""
    if not report.meaningful:
        return []
    groups = {}
    for name in report.unresolved:
        rows = report.measurements.select(report.measurements.parameter == report.layout.names.index(name))
        if np.all(rows.kink | rows.lost):
            groups.setdefault("kink" if np.any(rows.kink) else "lost", []).append(name)
        else:
            judged = rows.select(rows.judged)
            zero = np.all(np.maximum(np.abs(judged.analytic), np.abs(judged.reference)) <= judged.bar)
            groups.setdefault("zero" if zero else "coarse", []).append(name)
    found = []
    directions = report.mode == "directional"
    for reason, names in groups.items():
        listed = ", ".join(names)
        if reason == "kink":
            where = (f"Every random direction measured in {listed} crosses a kink" if directions else
                     f"Every measured entry of {listed} sits at a kink")
            text = (f"{where}, where no derivative exists: the check cannot judge it here. Check again at other "
                    "parameters (or other data)" + (", or in full mode." if directions else "."))
        elif reason == "lost":
            text = (f"In {listed}, theta + epsilon rounds back to theta (epsilon = {report.epsilon:g} is below "
                    f"the parameters' resolution in {report.dtype}): nothing was measured. Use a larger epsilon.")
        elif reason == "zero":
            text = (f"The gradient of {listed} is zero within its error bar (a minimum, a plateau, ReLU units off "
                    "for every example, or a gradient too small for this epsilon): an error that adds to it would "
                    "show, but one that multiplies it (a wrong factor) cannot. Check again at other parameters, or "
                    "with a larger epsilon.")
        else:
            noise = report.noise.sigma if report.noise is not None else float("nan")
            text = (f"The error bar of {listed} is more than a tenth of {'its' if len(names) == 1 else 'their'} own "
                    f"gradient: the cost's round-off ({noise:.2g}) divided by epsilon ({report.epsilon:g}) swamps "
                    "what the check measures there, so an error of a tenth of that gradient could hide in it. "
                    "Check with a larger epsilon, in float64, or where the gradients are larger.")
        found.append(Diagnosis("unresolved", names[0] if len(names) == 1 else None, text,
                               parameters=tuple(names)))
    return found


def kinks(report):
    found = []
    c = report.components
    directions = report.measurements if report.mode == "directional" else None
    for k, name in enumerate(report.layout.names):
        count = int(np.sum(c.kink & (c.parameter == k)))
        crossing = 0 if directions is None else int(np.sum(directions.kink & (directions.parameter == k)))
        parts = []
        if count:
            parts.append(f"{count} entr{'y' if count == 1 else 'ies'} of {name} {'sits' if count == 1 else 'sit'} "
                         "at a kink")
        if crossing:
            parts.append(f"{crossing} random direction{'' if crossing == 1 else 's'} in {name} "
                         f"{'crosses' if crossing == 1 else 'cross'} a kink")
        if parts:
            found.append(Diagnosis(
                "kink", name,
                f"{' and '.join(parts)} (a ReLU or max exactly at its corner): the left and right one-sided "
                "differences disagree there, and do not come together as the step shrinks, so no derivative "
                "exists. Not a bug; they are left out of the verdict (difference "
                f"{report.difference:.3g} without them, {report.difference_including_kinks:.3g} with them)."))
    return found


def scale_or_sign(report, failing):
    """A gradient that is a constant multiple c of the numerical one: an extra 2, a missing 1/m, a sign."""
    found = []
    for name in failing:
        a, n, _ = report.rows(name)
        c = _fit(a, n)
        if c is None or abs(c - 1) < _FIT:
            continue
        if abs(c + 1) < _FIT:
            found.append(Diagnosis("sign", name,
                                   f"{report.gradient_name(name)} has the wrong sign: it is -1 x the numerical "
                                   "gradient. "
                                   "Look for a flipped subtraction (A - Y versus Y - A) or a lost minus.", -1.0))
        else:
            found.append(Diagnosis("scale", name, _scale_message(report.gradient_name(name), c, report.examples),
                                   float(c)))
    return found


def regularization(report, failing):
    """Every dW off by the same multiple of W, and nothing else wrong: the L2 term is missing on one side."""
    weights = [p for p in report.layout.names if p.startswith("W")]
    if not any(p in failing for p in weights) or any(p in failing for p in failing if p not in weights):
        return []
    gaps, values = zip(*[(a - n, w) for a, n, w in (report.rows(p) for p in weights)])
    gap, value = np.concatenate(gaps), np.concatenate(values)
    k = _fit(gap, value)
    if k is None or abs(k) == 0:
        return []
    per_weight = [_fit(g, w) for g, w in zip(gaps, values) if np.linalg.norm(w) > 0]
    if any(kw is None or abs(kw - k) > 0.05 * abs(k) for kw in per_weight):
        return []  # one lambda across all layers, or it is not L2
    implied = f"lambd/m = {abs(k):.4g}" + (f" (lambd = {abs(k) * report.examples:.4g} with m = "
                                           f"{report.examples})" if report.examples else "")
    grads = ", ".join(report.gradient_name(p) for p in weights)
    each = f"Each of {grads}" if len(weights) > 1 else grads
    if k < 0:
        text = (f"{each} is smaller than the numerical gradient by the same multiple of its weight ({implied}): "
                "the backprop leaves out the L2 term. Add (lambd / m) * W to the gradient of every W.")
    else:
        text = (f"{each} exceeds the numerical gradient by the same multiple of its weight ({implied}): the "
                "backprop has the L2 term but the cost does not (or the backprop adds it twice). Add "
                "lambd / (2 m) * sum of squared W to the cost.")
    return [Diagnosis("regularization", None, text, float(abs(k)), parameters=tuple(weights))]


def layer(report, failing, explained):
    """Layers 1..l fail and the layers above pass: backprop carries an error downwards, so look at layer l.

    A layer counts as failing when any of its parameters fails (a sampled check may miss the rows of a
    bug that spare some units), among parameters no more specific rule has explained. Only for parameters in
    the course's convention, where layer numbers mean something.
    """
    if not layered(report):
        return []
    layers = {}
    for name in report.layout.names:
        match = _LAYER.match(name)
        if match:
            layers.setdefault(int(match.group(1)), []).append(name)
    unexplained = [p for p in failing if p not in explained]
    if len(unexplained) < 2:
        return []
    bad = {number for number, names in layers.items() if any(p in unexplained for p in names)}
    top = max(bad, default=None)
    if top is None or any(number not in bad for number in layers if number <= top):
        return []
    if any(p in failing for number in layers if number > top for p in layers[number]):
        return []
    above = sorted(n for n in layers if n > top)
    passing = f"layers {above[0]} to {above[-1]} pass" if len(above) > 1 else (
        f"layer {above[0]} passes" if above else "no layer passes")
    members = tuple(p for number in sorted(layers) if number <= top for p in layers[number] if p in failing)
    return [Diagnosis("layer", None,
                      f"The gradients of layers 1 to {top} are wrong and {passing}. Backprop carries an error "
                      f"from the output towards the input, so the bug is most likely in the backward step of "
                      f"layer {top}: dZ{top} = dA{top} * g'(Z{top}) (the activation's derivative), the dropout "
                      f"mask of layer {top}, or dA{top} itself.", parameters=members, layer=top)]


def isolated(report, name):
    d = report.gradient_name(name)
    if layered(report):
        return Diagnosis("isolated", name,
                         f"{d} disagrees with the numerical gradient (difference {report.per_parameter[name]:.3g}) "
                         "while the gradients it shares a dZ with look right: the bug is in the line that computes "
                         f"{d} itself (a transposed product, a sum over the wrong axis, a wrong cached value).")
    return Diagnosis("isolated", name,
                     f"{d} disagrees with the numerical gradient (difference {report.per_parameter[name]:.3g}) "
                     f"while the other gradients look right: the bug is in the lines that compute {d} "
                     "(a transposed product, a sum over the wrong axis, a wrong cached value).")


# -- helpers ----------------------------------------------------------------------------------------------

def _fit(y, x):
    """c with y = c x when the residual is small, else None."""
    xx = float(x @ x)
    if xx == 0 or not np.any(y):
        return None
    c = float(x @ y) / xx
    return c if np.linalg.norm(y - c * x) <= _FIT * np.linalg.norm(y) else None


def _scale_message(d, c, examples):
    if examples and abs(c - examples) < _FIT * examples and examples != 1:
        return (f"{d} is {c:.4g}x too large, and m = {examples}: the 1/m is missing where {d} is computed.")
    if examples and abs(c * examples - 1) < _FIT:
        return f"{d} is 1/m = 1/{examples} of what it should be: the 1/m is applied twice."
    size = f"{_nice(c)}x too large" if abs(c) > 1 else f"{_nice(c)}x what it should be (too small)"
    return (f"{d} is {size}, the same factor in every entry: a constant is wrong in the line that computes {d} "
            "(an extra 2, a 4./m where 1./m belongs, a missing or doubled 1/m).")


def _nice(c):
    """2 for 2.0000003, 1/3 for 0.33333, else four digits."""
    if round(c) and abs(c - round(c)) < 1e-3 * abs(c):
        return f"{round(c):d}"
    if round(1 / c) and abs(1 / c - round(1 / c)) < 1e-3 * abs(1 / c):
        return f"1/{round(1 / c):d}"
    return f"{c:.4g}"

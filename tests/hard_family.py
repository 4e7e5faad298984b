"""The harder family: cases over tests/hard_models.py, the exact gradient from an independent automatic
differentiation (autograd), and bugs planted at their realistic size or just above what a check can resolve.

A case is a model at a fixed point, a precision and an epsilon (float32 at its own, 1e-2). Each is checked in
every mode. A correct gradient must never FAIL; it must pass, except for parameters the case names as out of
reach, each with its reason. A bug is planted as g + lam (g_bug - g): lam = 1 is the realistic mistake as
written, and `just_above` scales it so that the largest change it makes to a row the check measures is twice the
resolution that the report of the correct gradient states.
"""
from dataclasses import dataclass, field

import autograd.numpy as anp
import numpy as np
from autograd import grad

import gradlab
from gradlab import modes

import hard_models
import hard_regimes

M, R = hard_models, hard_regimes
BUILDERS = {"conv": M.conv_net, "max_pool": M.max_pool_net, "rnn": M.rnn, "lstm": M.lstm, "attention": M.attention,
            "layer_norm": M.layer_norm, "batch_norm": M.batch_norm, "large_logits": R.large_logits,
            "large_constant": R.large_constant, "tiny_gradients": R.tiny_gradients, "mixed_scales": R.mixed_scales,
            "minimum": R.ridge_minimum, "linear_regression": R.linear_regression,
            "relu_zero_biases": R.relu_zero_biases}


def build_model(name, dtype=np.float64):
    """The named model, its parameters in `dtype` (its data stays float64 where the cost casts it)."""
    model = BUILDERS[name]()
    model.parameters = {k: np.asarray(v, dtype=dtype) for k, v in model.parameters.items()}
    return model


MODES = {"full": {}, "sampled": {"samples": 6}, "directional": {"directions": 3}}
JUST_ABOVE = 2.0  # a bug planted "just above the resolution" moves a measured row by this many resolutions


@dataclass(frozen=True)
class Case:
    model: str
    dtype: str = "float64"
    epsilon: float = 1e-7
    # parameter -> the modes in which every row of it crosses a kink (None: every mode)
    kinked: dict = field(default_factory=dict)
    zero_gradient: tuple = ()  # parameters whose gradient is zero here: no factor can be seen in them

    @property
    def label(self):
        return self.model + ("" if self.dtype == "float64" else f" ({self.dtype}, epsilon {self.epsilon:g})")

    def build(self):
        return build_model(self.model, np.dtype(self.dtype))

    def at_kinks(self, name, mode):
        """True where every row of the parameter crosses a kink in this mode: no verdict on it."""
        return name in self.kinked and (self.kinked[name] is None or mode in self.kinked[name])

    def may_be_unresolved(self, name, mode):
        return self.at_kinks(name, mode) or name in self.zero_gradient


CASES = (
    Case("conv"),
    Case("conv", "float32", 1e-2),
    Case("max_pool", kinked={"W": ("directional",)}),  # a random direction in W breaks the tie
    Case("rnn"),
    Case("lstm"),
    Case("attention"),
    Case("layer_norm"),
    Case("batch_norm"),
    Case("large_logits"),
    Case("large_constant"),
    Case("tiny_gradients"),
    Case("mixed_scales"),
    Case("minimum", zero_gradient=("w", "b")),
    Case("linear_regression", "float32", 1e-2),
    Case("relu_zero_biases", kinked={"b1": None, "b2": None}),  # every unit's input is 0 on the zero example
)


def check(case, mode, gradients, model=None):
    model = model or case.build()
    return gradlab.gradient_check(model.cost, model.parameters, gradients, epsilon=case.epsilon, mode=mode,
                                  seed=0, workers=1, **MODES[mode])


def correct_gradients(case, model=None):
    model = model or case.build()
    return model.backward(model.parameters)


def exact_gradient(case, model=None):
    """The oracle: autograd's gradient of the cost in float64 at the case's point."""
    model = model or case.build()
    point = {k: v.astype(np.float64) for k, v in model.parameters.items()}
    return grad(lambda p: model.loss(p, anp))(point)


def planted(case, bug, lam=1.0, model=None):
    model = model or case.build()
    right, wrong = model.backward(model.parameters), model.backward(model.parameters, bug)
    return {k: right[k] + lam * (wrong[k] - right[k]) for k in right}


def on_rows(report, values):
    """What a gradient (a dict of arrays, keyed by parameter) is on each row the report measured: its entry for
    a component, its projection for a random direction."""
    flat = np.concatenate([np.asarray(values[name], dtype=np.float64).reshape(-1) for name in report.layout.names])
    m = report.measurements
    out = np.empty(len(m))
    for row in range(len(m)):
        if m.position[row] >= 0:
            out[row] = flat[m.position[row]]
        else:
            k = int(m.parameter[row])
            block = report.layout.slice(report.layout.names[k])
            v = modes.direction(block.stop - block.start, 0, k, int(m.number[row]))
            out[row] = flat[block] @ v
    return out


def real_error(report, exact):
    """The check's real numerical error: the largest |centred difference - exact value| over its judged rows."""
    m = report.measurements
    return float(np.max(np.abs(m.numerical - on_rows(report, exact))[m.judged], initial=0.0))


def just_above(case, mode, bug, model=None, factor=JUST_ABOVE):
    """(gradients, lam): the bug scaled so that the largest change it makes to a judged row of the correct
    gradient's report is `factor` times the resolution that report states; None where it changes no row the
    check can judge in this mode (every row of its parameters crosses a kink, say)."""
    model = model or case.build()
    report = check(case, mode, correct_gradients(case, model), model)
    right, wrong = model.backward(model.parameters), model.backward(model.parameters, bug)
    touched = affected(case, bug, model)
    reach = np.isin(report.measurements.parameter, [k for k, name in enumerate(report.layout.names) if name in touched])
    change = np.abs(on_rows(report, {k[1:]: wrong[k] - right[k] for k in right}))
    change = change[report.measurements.judged & reach]
    if not np.any(change > 0):
        return None
    lam = factor * report.resolution / np.max(change)
    return planted(case, bug, lam, model), lam


def affected(case, bug, model=None):
    """The parameters whose gradient the bug changes (by more than the rounding of a different order of sums)."""
    model = model or case.build()
    right, wrong = model.backward(model.parameters), model.backward(model.parameters, bug)
    return {k[1:] for k in right
            if np.max(np.abs(wrong[k] - right[k])) > 1e-12 * max(np.max(np.abs(right[k])), 1e-300)}

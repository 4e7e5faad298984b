"""What a check works on: theta in one contiguous vector, the cost called on views of it, the analytic gradient.

The cost never sees the caller's arrays: theta is a private copy and the cost gets views into it, so a
perturbation is one write into theta, and the caller's parameters are unchanged whatever the cost does.
"""
from __future__ import annotations

from numbers import Number

import numpy as np

from .layout import ParameterLayout, gradient_key, gradients_to_vector, layout_of


class CheckTarget:
    """theta, its layout, the analytic gradient (float64), and `evaluate()`: the cost at the current theta."""

    def __init__(self, cost, parameters, gradients, gradient_names=None):
        if not callable(cost):
            raise TypeError(f"cost must be a function of the parameters; got {type(cost).__name__}")
        self.cost = cost
        if isinstance(parameters, dict):
            self.layout = layout_of(parameters)
            values = parameters
            self.gradient_names = _gradient_names(gradient_names, self.layout)
            analytic = gradients_to_vector(gradients, self.layout, self.gradient_names)
            self.gradient_dtype = _working_dtype(
                gradients[gradient_key(gradients, name, self.gradient_names)] for name in self.layout.names)
        elif isinstance(parameters, (np.ndarray, Number)) and not isinstance(parameters, bool):
            shape = np.shape(parameters)
            self.layout = ParameterLayout(("theta",), (shape,))
            values = {"theta": parameters}
            self.gradient_names = _gradient_names(gradient_names, self.layout)
            analytic = _single_gradient(gradients, shape)
            self.gradient_dtype = _working_dtype([gradients])
        else:
            raise TypeError("parameters must be a number, a numpy array or a dict of arrays; "
                            f"got {type(parameters).__name__}")
        self.dtype = _working_dtype(values.values())
        self.theta = np.empty((self.layout.size, 1), dtype=self.dtype)
        for name in self.layout.names:
            self.theta[self.layout.slice(name), 0] = np.asarray(values[name]).reshape(-1)
        self.flat = self.theta.reshape(-1)
        self.analytic = analytic.reshape(-1)
        _require_finite(self.flat, self.layout, "parameter")
        _require_finite(self.analytic, self.layout, "gradient", self.gradient_names)
        self.pristine = self.theta.copy()  # one copy per check, to restore and to catch a cost that writes
        if isinstance(parameters, Number):
            self.argument = None  # the 1-D case: the cost gets a float, rebuilt at each call
        elif isinstance(parameters, dict):
            self.argument = self.layout.views(self.theta)
        else:
            self.argument = self.layout.views(self.theta)["theta"]
        self.convert = _to_float
        self.calls = 0

    def call(self):
        """The cost at the current theta, as the cost returned it."""
        return self.cost(float(self.flat[0]) if self.argument is None else self.argument)

    def evaluate(self):
        """The cost at the current theta, as a float."""
        return self.convert(self.call())

    def fast_evaluator(self):
        """A bare call for the hot loop, when the cost returns a plain float (no conversion needed)."""
        if self.argument is None or self.convert is not _plain:
            return self.evaluate
        cost, argument = self.cost, self.argument
        return lambda: cost(argument)

    def learn_return_type(self, value):
        """After the first call: if the cost returns a plain float64, the hot loop may skip conversion."""
        if type(value) in (float, np.float64):
            self.convert = _plain

    def restore(self):
        """Put theta back; complain if the cost wrote into the parameters it was given."""
        changed = not np.array_equal(self.theta, self.pristine)
        self.theta[...] = self.pristine
        return changed

    def label(self, position, sign=+1):
        return f"{self.layout.label(position)} {'+' if sign > 0 else '-'} epsilon"


def _plain(value):
    return value


def _to_float(value):
    if isinstance(value, (Number, np.number)) and not isinstance(value, (bool, complex, np.complexfloating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.floating):
        return float(value.reshape(()))
    if isinstance(value, tuple):
        raise TypeError(f"the cost returned a tuple of {len(value)} items; it must return the cost alone, a float. "
                        "For forward(X, Y, parameters) -> (cost, cache), use gradlab.check_backprop")
    shape = f" of shape {value.shape}" if isinstance(value, np.ndarray) else ""
    raise TypeError(f"the cost must return one real number; it returned {type(value).__name__}{shape}")


def cost_dtype(value):
    """float32 when the cost computes in float32, which limits what the check can resolve."""
    return np.asarray(value).dtype if isinstance(value, (np.ndarray, np.floating)) else np.dtype(np.float64)


def _single_gradient(gradients, shape):
    if isinstance(gradients, dict):
        raise TypeError("parameters is a single array or number, so gradients must be one too, not a dict")
    grad = np.asarray(gradients)
    if grad.dtype == object or not np.issubdtype(grad.dtype, np.number) or np.iscomplexobj(grad):
        raise TypeError(f"gradients must be real numbers; got {type(gradients).__name__}")
    if grad.shape != shape:
        raise ValueError(f"gradients has shape {grad.shape}, parameters has shape {shape}")
    return grad.astype(np.float64).reshape(-1)


def _working_dtype(values):
    """The precision values share: float16 or float32 when all floats are, else float64."""
    floats = [np.asarray(v).dtype for v in values if np.issubdtype(np.asarray(v).dtype, np.floating)]
    dtype = np.result_type(*floats) if floats else np.dtype(np.float64)
    return dtype if dtype in (np.float16, np.float32) else np.dtype(np.float64)


def _gradient_names(gradient_names, layout):
    """The caller's gradient_names, checked: a dict from parameter names to strings."""
    if gradient_names is None:
        return {}
    if not isinstance(gradient_names, dict):
        raise TypeError(f"gradient_names must be a dict such as {{'W': 'dW'}}; got {type(gradient_names).__name__}")
    for name, key in gradient_names.items():
        if name not in layout:
            raise ValueError(f"gradient_names names {name!r}, which is not a parameter; the parameters are "
                             f"{', '.join(layout.names)}")
        if not isinstance(key, str) or not key:
            raise TypeError(f"gradient_names[{name!r}] must be a non-empty string; got {key!r}")
    return dict(gradient_names)


def _require_finite(flat, layout, what, gradient_names=None):
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        name, _ = layout.locate(bad[0])
        key = name if what == "parameter" else (gradient_names or {}).get(name, f"d{name}")
        raise ValueError(f"{what} {key} is not finite at {layout.label(bad[0])}: {flat[bad[0]]} "
                         f"({bad.size} non-finite entr{'y' if bad.size == 1 else 'ies'} in all)")

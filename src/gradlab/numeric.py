"""Finite differences: the numerical side of a gradient check.

One-sided differences are off by O(epsilon), two-sided (centred) ones by O(epsilon**2); both lose digits to
round-off when epsilon gets too small. The complex step has no subtraction, hence no round-off, but needs an
f that accepts complex input. `epsilon_sweep` measures all of that against a known derivative.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("one-sided", "two-sided", "complex-step")


def one_sided_difference(f, x, epsilon=1e-7):
    """(f(x + epsilon) - f(x)) / epsilon for a scalar function of a scalar."""
    _check_epsilon(epsilon)
    return (f(x + epsilon) - f(x)) / epsilon


def two_sided_difference(f, x, epsilon=1e-7):
    """(f(x + epsilon) - f(x - epsilon)) / (2 epsilon), the centred difference."""
    _check_epsilon(epsilon)
    return (f(x + epsilon) - f(x - epsilon)) / (2 * epsilon)


def complex_step_difference(f, x, epsilon=1e-20):
    """Im f(x + i epsilon) / epsilon: exact to machine precision for analytic f that accept complex input."""
    _check_epsilon(epsilon)
    return float(np.imag(f(x + 1j * epsilon)) / epsilon)


_SCALAR_RULES = {
    "one-sided": one_sided_difference,
    "two-sided": two_sided_difference,
    "complex-step": complex_step_difference,
}


def numerical_gradient(f, x, epsilon=1e-7, method="two-sided"):
    """The gradient of a scalar function f of an array x, one component at a time.

    x is perturbed in a private copy (complex for the complex step), so the caller's array never changes.
    """
    rule = _rule(method)
    x = np.asarray(x)
    work = np.array(x, dtype=complex if method == "complex-step" else np.float64)
    flat = work.reshape(-1)
    grad = np.empty(flat.size)
    for i in range(flat.size):
        original = flat[i]

        def along_i(t):
            flat[i] = t
            return f(work)

        grad[i] = rule(along_i, original.real if method == "complex-step" else original, epsilon)
        flat[i] = original
    return grad.reshape(x.shape)


@dataclass(frozen=True)
class EpsilonSweep:
    """Errors of each method against the true derivative, for each epsilon: the V-shaped curve's data."""

    epsilons: np.ndarray
    estimates: dict  # method -> array of estimates, one per epsilon
    errors: dict  # method -> array of |estimate - derivative|
    derivative: float

    def best_epsilon(self, method="two-sided"):
        """The epsilon with the smallest error: where round-off starts to outweigh truncation."""
        return float(self.epsilons[int(np.argmin(self.errors[method]))])

    def slope(self, method, lo, hi):
        """The log-log slope of the error over [lo, hi]: about 1 for one-sided, 2 for two-sided."""
        keep = (self.epsilons >= lo) & (self.epsilons <= hi) & (self.errors[method] > 0)
        if keep.sum() < 2:
            raise ValueError(f"need at least two epsilons with a non-zero error in [{lo}, {hi}]")
        return float(np.polyfit(np.log10(self.epsilons[keep]), np.log10(self.errors[method][keep]), 1)[0])


def epsilon_sweep(f, x, derivative, epsilons=None, methods=("one-sided", "two-sided"), dtype=np.float64):
    """Estimate f'(x) with each method for each epsilon and return the errors against `derivative`.

    `dtype` sets the precision x and epsilon are fed to f in (float32 shows round-off much sooner).
    """
    epsilons = np.logspace(-16, 0, 65) if epsilons is None else np.asarray(epsilons, dtype=np.float64)
    if epsilons.ndim != 1 or epsilons.size == 0 or np.any(epsilons <= 0):
        raise ValueError("epsilons must be a non-empty 1-D sequence of positive numbers")
    for method in methods:
        _rule(method)
    cast = np.dtype(dtype).type
    estimates = {}
    with np.errstate(all="ignore"):  # tiny epsilons in float32 divide by zero on purpose: that is the lesson
        for method in methods:
            if method == "complex-step":
                values = [complex_step_difference(f, float(x), float(e)) for e in epsilons]
            else:
                values = [_SCALAR_RULES[method](f, cast(x), cast(e)) for e in epsilons]
            estimates[method] = np.asarray(values, dtype=np.float64)
    errors = {m: np.abs(v - derivative) for m, v in estimates.items()}
    return EpsilonSweep(epsilons, estimates, errors, float(derivative))


def _rule(method):
    if method not in _SCALAR_RULES:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    return _SCALAR_RULES[method]


def _check_epsilon(epsilon):
    if not np.isfinite(epsilon) or epsilon <= 0:
        raise ValueError(f"epsilon must be a positive number; got {epsilon!r}")

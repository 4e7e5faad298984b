"""Measurements: what a check measured, row by row, and the error bar of each row."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np


@dataclass(frozen=True)
class Measurements:
    """Parallel arrays, one entry per measured row (a component of theta, or a random direction)."""

    parameter: np.ndarray  # index into layout.names
    position: np.ndarray  # flat position in theta, or -1 for a direction
    analytic: np.ndarray  # the backprop's value (a component, or the gradient projected on a direction)
    numerical: np.ndarray  # the centred difference D(epsilon), exactly as the course computes it
    left: np.ndarray  # one-sided differences: they disagree at a kink
    right: np.ndarray
    value: np.ndarray  # the parameter's own value (or projection): the L2 gap is a multiple of it
    kink: np.ndarray  # rows whose steps cross a non-differentiable point: not judged
    lost: np.ndarray  # rows whose step was lost to rounding (theta + epsilon == theta): not judged
    slip: np.ndarray  # directions: how far rounding the perturbed block can move D (NaN for components)
    number: np.ndarray  # directions: which direction of its parameter (-1 for components)
    bar: np.ndarray  # the error bar: how far the best numerical value may be from the true derivative
    extrapolated: np.ndarray  # the value of the row's second look (or Richardson's) where it was measured again, else NaN
    truncation: np.ndarray  # the truncation of D(epsilon) measured there, else NaN
    plus: np.ndarray  # the cost at theta + epsilon (along the row's axis or direction)
    minus: np.ndarray  # and at theta - epsilon
    step: np.ndarray  # the step taken (theta + epsilon is rounded) over epsilon, the mean of both sides; 1 for
    # a direction, where the rounding is bounded by `slip` instead

    @classmethod
    def of(cls, parameter, position, analytic, numerical, left, right, value, *, plus, minus, step=None, slip=None,
           number=None):
        n = len(analytic)
        nothing = np.full(n, np.nan)
        return cls(parameter, position, analytic, numerical, left, right, value, np.zeros(n, dtype=bool),
                   np.zeros(n, dtype=bool), nothing if slip is None else slip,
                   np.full(n, -1, dtype=np.int64) if number is None else number, np.full(n, np.inf),
                   nothing, nothing, plus, minus, np.ones(n) if step is None else step)

    def select(self, mask):
        return Measurements(*(getattr(self, f.name)[mask] for f in fields(self)))

    def with_(self, **changes):
        return replace(self, **changes)

    def __len__(self):
        return len(self.analytic)

    @property
    def judged(self):
        """Rows the verdict rests on: not at a kink, step not lost."""
        return ~(self.kink | self.lost)

    @property
    def reference(self):
        """The best value of the true derivative: Richardson's where measured again, else D(epsilon) divided by
        the step actually taken (theta +/- epsilon rounded), which the course's D leaves in."""
        with np.errstate(divide="ignore", invalid="ignore"):
            corrected = np.where(self.step > 0, self.numerical / self.step, self.numerical)
        return np.where(np.isnan(self.extrapolated), corrected, self.extrapolated)

    @property
    def gap(self):
        """|analytic - the best numerical value|: what the error bar is compared with."""
        return np.abs(self.analytic - self.reference)

    @property
    def ratio(self):
        """gap / bar: at most 1 within the error, above 1 a disagreement (0 where both are 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.gap == 0, 0.0, self.gap / self.bar)

    @property
    def above(self):
        """Judged rows whose gap stands above their error bar."""
        return self.judged & (self.gap > self.bar)

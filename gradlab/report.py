"""GradCheckReport: what a gradient check measured, and the numbers and verdict that follow from it.

A report holds rows of measurements: one per component of theta (full and sampled modes) or one per random
direction (directional mode). Every number it shows is derived from those rows, so nothing can disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from .tolerance import tolerance_for, verdict


class GradientCheckError(AssertionError):
    """A gradient check failed; the message names the worst components, never whole arrays."""


@dataclass(frozen=True)
class Measurements:
    """Parallel arrays, one entry per measured row."""

    parameter: np.ndarray  # index into layout.names
    position: np.ndarray  # flat position in theta, or -1 for a direction
    analytic: np.ndarray  # the backprop's value (a component, or the gradient projected on a direction)
    numerical: np.ndarray  # the centred difference
    left: np.ndarray  # one-sided differences (NaN where not measured); they disagree at a kink
    right: np.ndarray
    value: np.ndarray  # the parameter's own value (or projection): the L2 gap is a multiple of it
    kink: np.ndarray  # rows at a non-differentiable point, left out of the verdict

    def select(self, mask):
        return Measurements(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    def __len__(self):
        return len(self.analytic)


class WorstComponent(NamedTuple):
    parameter: str
    index: tuple
    analytic: float
    numerical: float
    relative_error: float


def relative_difference(analytic, numerical):
    """The course's ||grad - gradapprox|| / (||grad|| + ||gradapprox||); 0 when both are zero."""
    numerator = np.linalg.norm(analytic - numerical)
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numerical)
    return float(numerator / denominator) if denominator > 0 else 0.0


@dataclass
class GradCheckReport:
    layout: object  # ParameterLayout
    mode: str
    epsilon: float
    threshold: float
    dtype: str  # the precision the cost was evaluated in
    measurements: Measurements  # the rows the verdict rests on
    components: Measurements  # component rows (for worst(); in directional mode, from refinement)
    cost_value: float
    cost_spread: float  # max - min of the cost over repeated calls at the same parameters
    calls: int
    seconds: float
    examples: int | None = None  # m, when known: it turns a factor into "a missing 1/m"
    checks_in_a_row: int = 1  # checks one after another from the same line of user code (0: gradlab's own)
    diagnoses: list = field(default_factory=list)

    # -- the numbers -------------------------------------------------------------------------------
    @property
    def meaningful(self):
        """False when the cost is not a function of the parameters (dropout on): no verdict then."""
        return self.cost_spread == 0.0

    @cached_property
    def difference(self):
        """The course's relative difference, kinks left out."""
        kept = ~self.measurements.kink
        return relative_difference(self.measurements.analytic[kept], self.measurements.numerical[kept])

    @cached_property
    def difference_including_kinks(self):
        return relative_difference(self.measurements.analytic, self.measurements.numerical)

    @property
    def passed(self):
        return self.meaningful and self.difference < self.threshold

    @property
    def verdict(self):
        """(word, sentence) on the dtype's scale: correct / look closer / suspicious / bug."""
        if not self.meaningful:
            return "meaningless", "the cost changes between calls at the same parameters, so no verdict"
        return verdict(self.difference, self.dtype)

    @property
    def analytic(self):
        return self.measurements.analytic.reshape(-1, 1)

    @property
    def numerical(self):
        return self.measurements.numerical.reshape(-1, 1)

    @property
    def checked(self):
        """The flat positions of theta that were measured one by one."""
        return self.components.position

    @cached_property
    def per_parameter(self):
        """name -> the relative difference over that parameter's rows (kinks left out)."""
        return {name: relative_difference(*self.rows(name)[:2]) for name in self.layout.names}

    @cached_property
    def failing(self):
        """Parameters at or above the threshold by more than round-off can explain.

        A parameter whose gradient is tiny has a noisy relative difference: a gap of 1e-9 on a gradient of
        1e-3 reads 1e-6. A gap below about 100 eps_mach |J| / epsilon per entry is round-off, not a bug.
        """
        noise = 100 * np.finfo(self.dtype).eps * abs(self.cost_value) / self.epsilon
        result = []
        for name, d in self.per_parameter.items():
            a, n, _ = self.rows(name)
            if not d < self.threshold and np.linalg.norm(a - n) > noise * np.sqrt(max(len(a), 1)):
                result.append(name)
        return result

    def status(self, name):
        """"ok", "FAIL", or "round-off" (above the threshold, but only by round-off)."""
        if self.per_parameter[name] < self.threshold:
            return "ok"
        return "FAIL" if name in self.failing else "round-off"

    @property
    def welch_difference(self):
        """norm(grad - numgrad) / norm(grad + numgrad), the metric of Welch Labs' checker (about 1e-8 or less)."""
        a, n = self.measurements.analytic, self.measurements.numerical
        denominator = np.linalg.norm(a + n)
        return float(np.linalg.norm(a - n) / denominator) if denominator > 0 else 0.0

    @property
    def tolerance(self):
        return tolerance_for(self.dtype)

    def rows(self, name, *, include_kinks=False):
        """(analytic, numerical, value) of the verdict's rows for one parameter."""
        m = self.measurements
        mask = m.parameter == self.layout.names.index(name)
        if not include_kinks:
            mask &= ~m.kink
        return m.analytic[mask], m.numerical[mask], m.value[mask]

    def worst(self, k=5):
        """The k components with the largest disagreement |analytic - numerical|, kinks left out."""
        c = self.components.select(~self.components.kink)
        gap = np.abs(c.analytic - c.numerical)
        order = np.argsort(-gap, kind="stable")[:k]
        result = []
        for row in order:
            name, index = self.layout.locate(c.position[row])
            scale = abs(c.analytic[row]) + abs(c.numerical[row])
            result.append(WorstComponent(name, index, float(c.analytic[row]), float(c.numerical[row]),
                                         float(gap[row] / scale) if scale > 0 else 0.0))
        return result

    def assert_passed(self, k=3):
        """Raise GradientCheckError naming the worst components if the check did not pass."""
        if self.passed:
            return self
        from .render import failure_message
        raise GradientCheckError(failure_message(self, k))

    # -- display ---------------------------------------------------------------------------------------
    def __str__(self):
        from .render import render_text
        return render_text(self)

    def _repr_html_(self):
        from .render import render_html
        return render_html(self)

    def __repr__(self):
        word = "passed" if self.passed else ("meaningless" if not self.meaningful else "FAILED")
        return f"<GradCheckReport {word}: difference={self.difference:.3g}, mode={self.mode}>"

"""GradCheckReport: what a gradient check measured, and the one decision that follows from it.

Each measured row has an error bar (gradlab.errorbar). A parameter is "FAIL" when a row of it stands above
its bar, "unresolved" when the check cannot judge it (only kinks, steps lost to rounding, a bar coarser than a
tenth of its own gradient, a random cost), and "ok" otherwise. Everything that states a verdict reads `status`:
`failing`, `unresolved`, `passed`, `verdict`, the text, the HTML, the heatmaps, the widgets, the grader. The
course's relative difference and its threshold are reported beside it, and explained where they disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from . import errorbar
from .ladder import SECOND_LOOK
from .measurements import Measurements  # noqa: F401  (part of the report's public vocabulary)
from .tolerance import tolerance_for, verdict as course_scale

OK, FAIL, UNRESOLVED = "ok", "FAIL", "unresolved"
STATUSES = (OK, FAIL, UNRESOLVED)
# A parameter whose error bar is more than this share of its own gradient (its largest entry, either side) cannot be
# judged: an error a tenth the size of the gradient could hide in it. At a minimum the gradient is zero: an error
# that adds to it would still show (a gap above the bar fails), one that scales it could not.
RESOLVE_LIMIT = 0.1
# Where the bars are that coarse, a gap just above one is no evidence: it must stand this many bars above.
CLEARLY_ABOVE = 3.0


class GradientCheckError(AssertionError):
    """A gradient check did not pass; the message is the compact report (verdict and diagnoses first, then the
    numbers behind them)."""

    def _render_traceback_(self):
        """What IPython shows for this error (in a notebook, and in nbgrader's Validate, which shows only the failing
        cell and this) in place of its traceback: the report, then the line that raised it. The frames inside
        gradlab say nothing a student can act on, and pushed the diagnoses screens down Validate's dialog; IPython's
        __tracebackhide__ cannot hide them, since it keeps the frame that raised. A hook IPython documents for
        exceptions that render themselves (it falls back to its own traceback if this raises)."""
        lines = [f"{type(self).__name__}:"] + str(self).lstrip("\n").splitlines()
        caller = _raised_at(self.__traceback__)
        return lines + (["", caller] if caller else [])


def _without_comment(line):
    """The line of code without its trailing comment (what raised is the code; a comment only makes the line too
    long to read whole where Validate shows it)."""
    import io
    import tokenize

    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[:token.start[1]]
    except (tokenize.TokenError, SyntaxError):
        pass
    return line


def _raised_at(traceback):
    """"raised at line 13: report.assert_passed()", for the last frame of `traceback` outside gradlab; "" if none."""
    import linecache
    import os

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    found = None
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if not os.path.abspath(code.co_filename).startswith(package):
            found = (code.co_filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    if found is None:
        return ""
    where = f"raised at line {found[1]}"
    text = _without_comment(linecache.getline(*found)).strip()
    if len(where) + 2 + len(text) > 80:  # a line of the message is read whole where Validate shows it (render.py)
        text = text[:80 - len(where) - 5] + "..."
    return where + (f": {text}" if text else "")


class WorstComponent(NamedTuple):
    parameter: str
    index: tuple
    analytic: float
    numerical: float
    relative_error: float
    gap: float = 0.0  # |analytic - numerical| (Richardson's numerical value where it was measured again)
    bar: float = 0.0  # its error bar


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
    threshold: float  # the course's threshold on its relative difference (reported, not decided on)
    dtype: str  # the precision the cost was evaluated in
    measurements: Measurements  # the rows the verdict rests on
    components: Measurements  # component rows (for worst(); in directional mode, from refinement)
    cost_value: float
    cost_spread: float  # max - min of the cost over repeated calls at the same parameters
    calls: int
    seconds: float
    noise: object = None  # NoiseEstimate: the cost's measured round-off
    examples: int | None = None  # m, when known: it turns a factor into "a missing 1/m"
    checks_in_a_row: int = 1  # checks one after another from the same line of user code (0: gradlab's own)
    gradient_names: dict = field(default_factory=dict)  # parameter -> the gradient's name in feedback
    diagnoses: list = field(default_factory=list)
    welch: bool = False  # checked by check_network: the text shows Welch Labs' metric beside ours

    # -- the course's numbers ------------------------------------------------------------------------------
    @property
    def meaningful(self):
        """False when the cost is not a function of the parameters (dropout on): no verdict then."""
        return self.cost_spread == 0.0

    @cached_property
    def difference(self):
        """The course's relative difference, unjudged rows (kinks, lost steps) left out."""
        kept = self.measurements.judged
        return relative_difference(self.measurements.analytic[kept], self.measurements.numerical[kept])

    @cached_property
    def difference_including_kinks(self):
        return relative_difference(self.measurements.analytic, self.measurements.numerical)

    @cached_property
    def per_parameter(self):
        """name -> the course's relative difference over that parameter's judged rows."""
        return {name: relative_difference(*self.rows(name)[:2]) for name in self.layout.names}

    @property
    def course_verdict(self):
        """(word, sentence) of the course's rule of thumb for `difference` (1e-7 / 1e-5 / 1e-3 in float64)."""
        return course_scale(self.difference, self.dtype)

    @property
    def welch_difference(self):
        """norm(grad - numgrad) / norm(grad + numgrad), the metric of Welch Labs' checker (about 1e-8 or less)."""
        kept = self.measurements.judged
        a, n = self.measurements.analytic[kept], self.measurements.numerical[kept]
        denominator = np.linalg.norm(a + n)
        return float(np.linalg.norm(a - n) / denominator) if denominator > 0 else 0.0

    # -- the decision --------------------------------------------------------------------------------------
    @cached_property
    def scale(self):
        """The gradient's largest entry (judged rows, either side): what the error bars are measured against."""
        m = self.measurements.select(self.measurements.judged)
        return float(np.max(np.maximum(np.abs(m.analytic), np.abs(m.reference)), initial=0.0))

    @cached_property
    def statuses(self):
        """name -> "ok", "FAIL" or "unresolved": the one decision every verdict is read from."""
        return {name: self._decide(name) for name in self.layout.names}

    def _decide(self, name):
        if not self.meaningful:
            return UNRESOLVED
        rows = self._parameter_rows(name)
        judged = rows.select(rows.judged)
        if len(judged) == 0:
            return UNRESOLVED
        coarse = self.coarse[name]
        if np.any(judged.above) and (not coarse or np.max(judged.ratio) > CLEARLY_ABOVE):
            return FAIL
        return UNRESOLVED if coarse else OK

    @cached_property
    def coarse(self):
        """name -> True where the parameter's error bar is more than RESOLVE_LIMIT of its own gradient (its
        largest entry, analytic or numerical, over its judged rows)."""
        result = {}
        for name in self.layout.names:
            rows = self._parameter_rows(name)
            judged = rows.select(rows.judged)
            own = float(np.max(np.maximum(np.abs(judged.analytic), np.abs(judged.reference)), initial=0.0))
            result[name] = bool(len(judged)) and bool(np.max(judged.bar) > RESOLVE_LIMIT * own)
        return result

    def status(self, name):
        """"ok" (within its error bar), "FAIL" (above it) or "unresolved" (the check cannot judge it)."""
        if name not in self.layout:
            raise KeyError(f"no parameter named {name!r}; the check covered {', '.join(self.layout.names)}")
        return self.statuses[name]

    @property
    def failing(self):
        """Parameters with a row above its error bar, in theta's order."""
        return [name for name, status in self.statuses.items() if status == FAIL]

    @property
    def unresolved(self):
        """Parameters the check cannot judge, in theta's order."""
        return [name for name, status in self.statuses.items() if status == UNRESOLVED]

    @property
    def passed(self):
        """True when every parameter is within its error bar (and the cost is a function of them)."""
        return all(status == OK for status in self.statuses.values())

    @property
    def outcome(self):
        """One word: "passed", "FAILED", "unresolved" or "meaningless"."""
        if not self.meaningful:
            return "meaningless"
        return "FAILED" if self.failing else ("unresolved" if self.unresolved else "passed")

    @property
    def verdict(self):
        """(word, sentence): correct / bug / unresolved / meaningless, from the per-parameter decision."""
        if not self.meaningful:
            return "meaningless", "the cost changes between calls at the same parameters, so no verdict"
        if self.failing:
            return "bug", (f"{_names(self.failing)} {'disagrees' if len(self.failing) == 1 else 'disagree'} "
                           "with the numerical gradient by more than the error bar")
        if self.unresolved:
            return "unresolved", f"the check cannot judge {_names(self.unresolved)} here"
        return "correct", "every parameter agrees with the numerical gradient within its error bar"

    @cached_property
    def gap_ratio(self):
        """name -> the largest gap / error bar over everything measured of it, judged rows only (above 1: FAIL).

        In directional mode that is its directions and the components then sampled from a failing parameter,
        so the table's number is never below a worst component's."""
        sources = [self.measurements] + ([] if self.components is self.measurements else [self.components])
        result = {}
        for name in self.layout.names:
            parts = [self._parameter_rows(name, rows) for rows in sources]
            result[name] = max(float(np.max(part.ratio[part.judged], initial=0.0)) for part in parts)
        return result

    @cached_property
    def resolution(self):
        """An entry (in directional mode, a derivative along a random direction) off by more than this would
        show, over every judged row. A wrong row's first gap stands above the screen, so it is measured again and
        judged on the second look (gradlab.errorbar), whose round-off is SECOND_LOOK (1.13) times the first's and
        whose bar spans CONFIRM_SIGMAS of it; its gap must stand above that bar (CLEARLY_ABOVE of them in a
        parameter whose bars are coarse) though each look be off by up to ERROR_SIGMAS standard deviations. In
        units of a first bar: the larger of 1 + ERROR / SCREEN and SECOND_LOOK (clear CONFIRM + ERROR) / SCREEN
        (2.38 times it, 4.64 where coarse); a row already measured again has its final bar: clear plus the larger
        of ERROR / CONFIRM and 1 times it (a value of one look keeps a bar that spans its error). Checked by
        single-row bugs at just over the stated resolution on costs of normal round-off (tests/test_errorbars.py)."""
        m = self.measurements
        widest = 0.0
        for k, name in enumerate(self.layout.names):
            mine = m.judged & (m.parameter == k)
            if np.any(mine):
                clear = CLEARLY_ABOVE if self.coarse[name] else 1.0
                screen, confirm, error = errorbar.SCREEN_SIGMAS, errorbar.CONFIRM_SIGMAS, errorbar.ERROR_SIGMAS
                first = max(1 + error / screen, SECOND_LOOK * (clear * confirm + error) / screen)
                again = clear + max(1.0, error / confirm)
                factor = np.where(np.isnan(m.extrapolated[mine]), first, again)
                widest = max(widest, float(np.max(factor * m.bar[mine])))
        return widest

    @property
    def relative_resolution(self):
        """`resolution` as a share of the gradient's largest entry (inf when the gradient is zero)."""
        return self.resolution / self.scale if self.scale > 0 else float("inf")

    def gradient_name(self, name):
        """How feedback names the gradient of parameter `name`: "dW1" unless gradient_names says otherwise."""
        return self.gradient_names.get(name, f"d{name}")

    # -- rows ----------------------------------------------------------------------------------------------
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

    @property
    def tolerance(self):
        return tolerance_for(self.dtype)

    def _parameter_rows(self, name, rows=None):
        rows = self.measurements if rows is None else rows
        return rows.select(rows.parameter == self.layout.names.index(name))

    def rows(self, name, *, include_kinks=False):
        """(analytic, numerical, value) of the verdict's rows for one parameter (judged rows only, unless
        include_kinks)."""
        rows = self._parameter_rows(name)
        if not include_kinks:
            rows = rows.select(rows.judged)
        return rows.analytic, rows.numerical, rows.value

    def worst(self, k=5):
        """The k judged components furthest above (or least within) their error bars."""
        c = self.components.select(self.components.judged)
        order = np.lexsort((-c.gap, -c.ratio))[:k]
        result = []
        for row in order:
            name, index = self.layout.locate(c.position[row])
            scale = abs(c.analytic[row]) + abs(c.numerical[row])
            gap = abs(c.analytic[row] - c.numerical[row])
            result.append(WorstComponent(name, index, float(c.analytic[row]), float(c.numerical[row]),
                                         float(gap / scale) if scale > 0 else 0.0, float(c.gap[row]),
                                         float(c.bar[row])))
        return result

    def assert_passed(self, k=3):
        """Raise GradientCheckError, whose message is the compact report, unless the check passed."""
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
        return f"<GradCheckReport {self.outcome}: difference={self.difference:.3g}, mode={self.mode}>"


def _names(names):
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:3])} and {len(names) - 3} more"

"""The same check at several epsilons: how the error bar (and so what the check can see) depends on epsilon.

Round-off, the cost's noise over epsilon, falls as epsilon grows; truncation, about |f'''| epsilon**2 / 6,
rises. The resolution traces the V of lesson 1, for this cost.
"""
from __future__ import annotations

from dataclasses import dataclass

from .check import check_backprop

EPSILONS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
# Each heading names its column alone: the resolution, then the same as a share of the gradient's largest entry.
HEADINGS = ("epsilon", "verdict", "course's difference", "resolution", "resolution / gradient")


@dataclass(frozen=True)
class EpsilonRow:
    epsilon: float
    outcome: str  # passed / FAILED / unresolved / meaningless
    difference: float  # the course's relative difference
    resolution: float  # the largest error bar: an entry off by more than this would show
    relative_resolution: float  # the same, as a share of the gradient's largest entry


@dataclass(frozen=True)
class EpsilonTable:
    rows: tuple

    @property
    def best(self):
        """The epsilon with the finest resolution."""
        return min(self.rows, key=lambda row: row.resolution).epsilon

    def _lines(self):
        return [(f"{r.epsilon:.0e}", r.outcome, f"{r.difference:.2g}", f"{r.resolution:.2g}",
                 f"{r.relative_resolution:.1g}") for r in self.rows]

    def __str__(self):
        head = HEADINGS
        lines = [head] + self._lines()
        widths = [max(len(line[k]) for line in lines) for k in range(len(head))]
        text = ["  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines]
        return "\n".join(text + [f"finest resolution at epsilon = {self.best:.0e}"])

    def _repr_html_(self):
        head = "".join(f"<th style='padding:2px 10px;text-align:right'>{h}</th>" for h in HEADINGS)
        body = "".join("<tr>" + "".join(f"<td style='padding:2px 10px;text-align:right;white-space:nowrap'>{c}</td>"
                                        for c in line) + "</tr>" for line in self._lines())
        return (f"<table><tr>{head}</tr>{body}</table><p>Finest resolution at epsilon = "
                f"<b>{self.best:.0e}</b>.</p>")


def check_across_epsilons(forward, backward, X, Y, parameters, epsilons=EPSILONS, **options):
    """check_backprop at each epsilon; the verdict, the course's difference and the resolution of each."""
    rows = []
    for epsilon in epsilons:
        report = check_backprop(forward, backward, X, Y, parameters, epsilon=epsilon, **options)
        rows.append(EpsilonRow(float(epsilon), report.outcome, report.difference, report.resolution,
                               report.relative_resolution))
    return EpsilonTable(tuple(rows))

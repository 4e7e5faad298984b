"""The V-shaped error curves of lesson 1: one-sided, two-sided and complex-step errors against epsilon, and a marker at the epsilon a student picks."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .figure import ERROR_FLOOR, METHOD_COLOURS, _MARGINS, _log_axes
from ..numeric import METHODS

def error_curves(sweep, epsilon=None, methods=None, *, title=None, size=(6.0, 3.6)):
    """|estimate - derivative| against epsilon on log-log axes, one curve per method; epsilon marked.

    The axes are fixed (the sweep's epsilons, errors from 1e-17 to 100); the curves, legend, title and
    markers are `fig.gradlab_markers`, so that `show_sweep` and `mark_epsilon` can change them and a widget
    redraw only them (gradlab.widgets.base.MarkedFigure).
    """
    fig = Figure(figsize=size)
    ax = fig.add_subplot()
    fig.subplots_adjust(**_MARGINS)
    _log_axes(ax)
    ax.set_xlim(sweep.epsilons.min(), sweep.epsilons.max())
    ax.set_ylim(ERROR_FLOOR / 3, 100)
    ax.set_xlabel("epsilon", fontsize=10)
    ax.set_ylabel("error of the estimate", fontsize=10)
    fig.gradlab_curves = {m: ax.plot([], [], color=METHOD_COLOURS[m], label=m, lw=1.5)[0] for m in METHODS}
    fig.gradlab_dots = {m: ax.plot([np.nan], [np.nan], "o", color=METHOD_COLOURS[m], ms=6)[0] for m in METHODS}
    fig.gradlab_line = ax.axvline(1.0, color="black", lw=1, ls="--", visible=False)
    fig.gradlab_title = ax.set_title("", fontsize=10)
    fig.gradlab_dynamic = [*fig.gradlab_curves.values(), *fig.gradlab_dots.values(), fig.gradlab_line,
                           fig.gradlab_title]
    show_sweep(fig, sweep, methods, title)
    if epsilon is not None:
        mark_epsilon(fig, epsilon, {m: _interpolated(sweep, m, epsilon) for m in fig.gradlab_methods})
    return fig


def show_sweep(fig, sweep, methods=None, title=None):
    """Draw another sweep (over the same epsilons) in an `error_curves` figure."""
    methods = [m for m in (methods or sweep.errors) if m in sweep.errors]
    ax = fig.gradlab_line.axes
    for method, curve in fig.gradlab_curves.items():
        curve.set_visible(method in methods)
        fig.gradlab_dots[method].set_visible(method in methods)
        if method in methods:
            curve.set_data(sweep.epsilons, np.maximum(sweep.errors[method], ERROR_FLOOR))
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    legend = ax.legend(handles=[fig.gradlab_curves[m] for m in methods], fontsize=9, loc="lower left")
    legend.set_animated(True)
    fig.gradlab_title.set_text(title or "")
    fig.gradlab_methods = methods
    fig.gradlab_markers = [*fig.gradlab_curves.values(), legend, fig.gradlab_title, fig.gradlab_line,
                           *fig.gradlab_dots.values()]


def mark_epsilon(fig, epsilon, errors):
    """Move the markers of an `error_curves` figure to epsilon and the given errors (method -> error)."""
    fig.gradlab_line.set_xdata([epsilon, epsilon])
    fig.gradlab_line.set_visible(True)
    for method in fig.gradlab_methods:
        fig.gradlab_dots[method].set_data([epsilon], [max(errors.get(method, np.nan), ERROR_FLOOR)])


def _interpolated(sweep, method, epsilon):
    return float(np.interp(np.log10(epsilon), np.log10(sweep.epsilons), sweep.errors[method]))



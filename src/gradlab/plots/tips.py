"""The practical tips' charts (lesson 4): the cost of a check as the network grows, the cost called again and again (dropout), the check's ratio over training."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .figure import _MARGINS, _PLAIN, _log_axes

def check_cost_growth(sizes, seconds, *, highlight=None, size=(6.0, 3.6)):
    """Seconds of one backprop pass and of each kind of check against n, the number of parameters.

    sizes: n per network; seconds: label -> seconds per network. `highlight` marks one network (an index).
    """
    fig = Figure(figsize=size)
    ax = fig.add_subplot()
    fig.subplots_adjust(**_MARGINS)
    _log_axes(ax)
    styles = ("-o", "--s", "-.^", ":v", "-d")
    for (label, values), style in zip(seconds.items(), styles):
        ax.plot(sizes, values, style, label=label, ms=3, lw=1.2)
    _vertical_marker(fig, ax, None if highlight is None else sizes[highlight])
    ax.set_xlabel("parameters n (length of theta)", fontsize=10)
    ax.set_ylabel("seconds", fontsize=10)
    ax.legend(fontsize=9)
    return fig


def _vertical_marker(fig, ax, x):
    line = ax.axvline(0 if x is None else x, color="black", lw=1, ls="--", visible=x is not None)
    fig.gradlab_markers = [line]


def mark_x(fig, x):
    """Move the vertical marker of a `check_cost_growth` or `difference_over_training` figure to x."""
    line = fig.gradlab_markers[0]
    line.set_xdata([x, x])
    line.set_visible(True)


def repeated_costs(costs, *, limits=None, size=(6.0, 2.8)):
    """The cost computed again and again at the same parameters: flat for a function, scattered with dropout.

    limits: the cost axis range; keep it fixed (and use `mark_costs`) to redraw only the points.
    """
    fig = Figure(figsize=size)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.22, top=0.86)
    calls = np.arange(1, len(costs) + 1)
    line = ax.plot(calls, costs, "o-", ms=3, lw=1)[0]
    ax.set_xlabel("call number (same parameters every time)", fontsize=10)
    ax.set_ylabel("cost J", fontsize=10)
    ax.tick_params(labelsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # calls are counts
    ax.grid(True, alpha=0.3)
    if limits is None:
        middle, half = (max(costs) + min(costs)) / 2, max((max(costs) - min(costs)) / 2, 0.05) * 1.2
        limits = (middle - half, middle + half)
    ax.set_ylim(*limits)
    caption = ax.set_title("", fontsize=10)
    fig.gradlab_markers = [line, caption]
    mark_costs(fig, costs)
    return fig


def mark_costs(fig, costs):
    """Show new costs in a `repeated_costs` figure."""
    line, caption = fig.gradlab_markers
    line.set_data(np.arange(1, len(costs) + 1), costs)
    low, high = min(costs), max(costs)
    caption.set_text(f"{len(costs)} calls: costs from {low:.3g} to {high:.3g} (a range of {high - low:.3g})")


def ratio_over_training(steps, ratios, *, current=None, size=(6.4, 3.2)):
    """The check's largest gap / error bar after each number of training steps, one curve per backprop.

    Above the line at 1 a gradient disagrees with the numerical one by more than the error bar (FAILED); below
    it, within the error (passed). steps are counts, so its ticks are whole numbers.
    """
    fig = Figure(figsize=size)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.17, top=0.93)
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(_PLAIN)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for label, values in ratios.items():
        ax.plot(steps, np.maximum(values, 1e-4), "o-", label=label, ms=4, lw=1.5)
    ax.axhline(1.0, color="#cf222e", lw=1.2, ls="--", label="error bar: above it, FAILED")
    _vertical_marker(fig, ax, current)
    ax.set_xlabel("training steps", fontsize=10)
    ax.set_ylabel("largest gap / error bar", fontsize=10)
    ax.tick_params(labelsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    return fig

"""Matplotlib figures for the lessons and the widgets: what a check measured, drawn small and fast.

Every function returns a `matplotlib.figure.Figure` built without pyplot, so no global figure state piles up
in a long-running kernel and nothing depends on the backend. `png` turns a figure into image bytes; `show`
displays one in a notebook. Figures are small (a widget redraws them on every interaction) and their tick
labels are plain text: mathtext labels such as 10^{-8} cost more to draw than everything else together.
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .numeric import METHODS

DPI = 96
METHOD_COLOURS = {"one-sided": "#d95f02", "two-sided": "#1b9e77", "complex-step": "#7570b3"}
PARAMETER_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7")
COMPRESSION = 1  # PNG level: the images are small, and higher levels cost more time than they save bytes
ERROR_FLOOR = 1e-17  # an error of exactly 0 is drawn here, so that it stays on a log axis
# fixed margins: a constrained layout measures every label first and doubles the drawing time
_MARGINS = dict(left=0.14, right=0.97, bottom=0.16, top=0.9)


def _plain_power(value, _=None):
    """1e-08 -> "1e-8", 100 -> "1e2", 1 -> "1": short labels without mathtext."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return mantissa if int(exponent) == 0 else f"{mantissa}e{int(exponent)}"


_PLAIN = FuncFormatter(_plain_power)


def png(fig, dpi=DPI):
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": COMPRESSION})
    return buffer.getvalue()


def show(fig, dpi=DPI):
    """Display a figure in a notebook as an image."""
    from IPython.display import Image, display
    display(Image(data=png(fig, dpi)))


def _log_axes(ax):
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10, numticks=6))
        axis.set_minor_locator(NullLocator())
        axis.set_major_formatter(_PLAIN)
    ax.tick_params(labelsize=9)
    ax.grid(True, alpha=0.3)


# -- numerical approximation -------------------------------------------------------------------------------

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


# -- parameters as one vector ----------------------------------------------------------------------------

_STRIP_AXES = (0.02, 0.3, 0.96, 0.28)  # the bar, in figure fractions: room above for the arrow, below for names


def _text_width(text, fontsize, fig):
    """About how wide `text` draws, as a share of the strip's width (DejaVu Sans: about 0.6 em per character)."""
    longest = max(len(line) for line in text.split("\n"))
    return longest * 0.6 * fontsize / 72 / (fig.get_figwidth() * _STRIP_AXES[2])


def parameter_strip(layout, position=None, *, size=(7.2, 1.9)):
    """theta drawn as a bar of coloured segments, one per parameter, with position marked.

    Every parameter is named: inside its segment where the name fits, else below the bar (on a second row
    where two such names would overlap). The marker (an arrow and its caption) is in `fig.gradlab_markers`.
    """
    fig = Figure(figsize=size)
    ax = fig.add_axes(_STRIP_AXES)
    right_ends = [float("-inf"), float("-inf")]  # where the names below the bar end, per row (share of width)
    for k, name in enumerate(layout.names):
        block = layout.slice(name)
        colour = PARAMETER_COLOURS[k % len(PARAMETER_COLOURS)]
        ax.barh(0, block.stop - block.start, left=block.start, height=1, color=colour, edgecolor="white", lw=1)
        share, middle = (block.stop - block.start) / layout.size, (block.start + block.stop) / 2
        text = f"{name}\n{block.start}:{block.stop}"
        if _text_width(text, 9, fig) * 1.15 > share:
            text = name
        if _text_width(text, 9, fig) * 1.15 <= share:
            ax.text(middle, 0, text, ha="center", va="center", fontsize=9, color="white", fontweight="bold")
            continue
        # too narrow for its name: the name goes below the bar, on the first row where it overlaps nothing
        width = _text_width(name, 9, fig) * 1.1
        left = min(max(middle / layout.size - width / 2, 0.0), 1.0 - width)
        row = next((r for r, end in enumerate(right_ends) if left > end), None)
        if row is None:
            row = int(np.argmin(right_ends))
        right_ends[row] = left + width
        ax.text((left + width / 2) * layout.size, -0.6 - 0.55 * row, name, ha="center", va="top", fontsize=9,
                color="#333333", fontweight="bold")
        ax.plot([middle, middle], [-0.5, -0.58 - 0.55 * row], color=colour, lw=1, clip_on=False)
    ax.set_xlim(0, layout.size)
    ax.set_ylim(-0.5, 0.5)
    ax.set_axis_off()  # the block labels say where each parameter starts; tick labels would only slow it
    fig.text(0.02, 0.02, f"theta: {layout.size} numbers, shape ({layout.size}, 1)", fontsize=10)
    arrow = ax.annotate("", xy=(0.5, 0.5), xytext=(0.5, 1.35), textcoords="data",
                        arrowprops=dict(arrowstyle="->", color="black", lw=1.5), annotation_clip=False)
    caption = ax.text(0.5, 1.45, "", ha="center", va="bottom", fontsize=10, clip_on=False)
    fig.gradlab_markers = [arrow, caption]
    fig.gradlab_layout = layout
    mark_position(fig, position)
    return fig


def mark_position(fig, position):
    """Point the arrow of a `parameter_strip` figure at flat position `position` (None hides it).

    The caption is centred on the arrow, or starts (ends) at it near the left (right) end of the bar, so that
    it is never cut off by the figure's edge."""
    arrow, caption = fig.gradlab_markers
    visible = position is not None
    arrow.set_visible(visible)
    caption.set_visible(visible)
    if visible:
        size = fig.gradlab_layout.size
        x = position + 0.5
        text = f"theta[{position}] = {fig.gradlab_layout.label(position)}"
        half = _text_width(text, 10, fig) / 2 * 1.1
        align = "left" if x / size < half else ("right" if x / size > 1 - half else "center")
        arrow.xy, arrow.xyann = (x, 0.5), (x, 1.35)
        caption.set_position((x, 1.45))
        caption.set_horizontalalignment(align)
        caption.set_text(text)


# -- a check's report --------------------------------------------------------------------------------------

def component_ratios(report):
    """name -> an array of the parameter's shape: each judged component's gap / error bar, NaN elsewhere.

    Above 1 a component disagrees with the numerical gradient, at most 1 it agrees: the report's own decision
    (its `worst` list over every component), so the picture and the table say the same.
    """
    grids = {name: np.full(shape or (1,), np.nan) for name, shape in zip(report.layout.names,
                                                                           report.layout.shapes)}
    for w in report.worst(len(report.components)):
        grids[w.parameter][w.index or (0,)] = w.gap / w.bar if w.bar > 0 else (0.0 if w.gap == 0 else np.inf)
    return grids


def component_errors(report):
    """name -> each measured component's relative error |a - n| / (|a| + |n|) (the course's measure), NaN
    elsewhere. The heatmaps draw `component_ratios`, which is what the verdict reads."""
    grids = {name: np.full(shape or (1,), np.nan) for name, shape in zip(report.layout.names,
                                                                           report.layout.shapes)}
    for w in report.worst(len(report.components)):
        grids[w.parameter][w.index or (0,)] = w.relative_error
    return grids


RATIO_LIMITS = (1e-4, 1e4)  # the heatmaps' range of gap / error bar; 1 (the error bar) sits in the middle


def component_heatmaps(report, *, low=RATIO_LIMITS[0], high=RATIO_LIMITS[1], height=2.4):
    """One heatmap per parameter: each component's gap / error bar, blue within its error bar (the darker,
    the further within), red above it (the darker, the further above); grey where not measured or judged.

    All blocks share one colour scale, with the error bar (ratio 1) marked, so a failing parameter stands out
    as a red block among blue ones. Everything is drawn in one axes without ticks: separate axes per
    parameter would take several times as long to draw. The images are in `fig.gradlab_markers`;
    `fill_heatmaps` puts another report of the same layout into them.
    """
    layout = report.layout
    shapes = [_as_matrix_shape(shape) for shape in layout.shapes]
    unit = 1.0 / max(rows for rows, _ in shapes)  # one cell size for all blocks, so shapes compare at a glance
    gap, x = 2.2 * unit, 0.0
    fig = Figure(figsize=(8.4, height))
    ax = fig.add_axes((0.01, 0.04, 0.98, 0.8))
    ax.set_axis_off()
    cmap, lo, hi = _ratio_colour_map(), np.log10(low), np.log10(high)
    images = []
    for name, (rows, columns) in zip(layout.names, shapes):
        width = columns * unit
        images.append(ax.imshow(np.full((rows, columns), np.nan), cmap=cmap, vmin=lo, vmax=hi,
                                interpolation="nearest", extent=(x, x + width, rows * unit, 0)))
        ax.text(x + width / 2, -0.04, name, ha="center", va="bottom", fontsize=10)
        x += width + gap
    # the colour scale, drawn as one more image with its labels beside it
    scale = np.linspace(hi, lo, 64).reshape(-1, 1)
    ax.imshow(scale, cmap=cmap, vmin=lo, vmax=hi, extent=(x, x + 0.6 * unit, 1, 0), interpolation="nearest")
    for y, text, align in ((0, f"{_plain_power(high)}: far above", "top"), (0.5, "1: the error bar", "center"),
                           (1, f"{_plain_power(low)}: well within", "bottom")):
        ax.text(x + 0.8 * unit, y, text, fontsize=9, va=align)
    ax.plot([x, x + 0.6 * unit], [0.5] * 2, color="black", lw=1.5)
    ax.text(x, -0.04, "gap / error bar", fontsize=10, va="bottom")
    ax.set_xlim(-0.1 * unit, x + 9 * unit)
    ax.set_ylim(1.02, -0.02)
    fig.gradlab_markers = images
    fig.gradlab_limits = (low, high)
    fill_heatmaps(fig, report)
    return fig


def fill_heatmaps(fig, report):
    """Show report's gap / error bar per component in a `component_heatmaps` figure of the same layout."""
    low, high = fig.gradlab_limits
    for image, grid in zip(fig.gradlab_markers, component_ratios(report).values()):
        with np.errstate(divide="ignore"):
            image.set_data(np.log10(np.clip(grid.reshape(_as_matrix_shape(grid.shape)), low, high)))


def _as_matrix_shape(shape):
    """Rows and columns to draw a parameter of this shape as: a scalar is 1 x 1, a vector a column."""
    if len(shape) == 0:
        return 1, 1
    return int(shape[0]), int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1


def _ratio_colour_map():
    """Blues below the middle (within the error bar), reds above it, with a clean break at the error bar."""
    from matplotlib.colors import LinearSegmentedColormap

    colours = [(0.0, "#08306b"), (0.4999, "#c6dbef"), (0.5, "#fcbba1"), (1.0, "#67000d")]
    return LinearSegmentedColormap.from_list("gradlab_ratio", colours, N=256).with_extremes(bad="#d0d0d0")


# -- the practical tips ------------------------------------------------------------------------------------

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

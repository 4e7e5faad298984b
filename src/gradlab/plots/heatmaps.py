"""What a check's report shows per component: the gap over its error bar as heatmaps, one per parameter, on one colour scale that the verdict reads."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .figure import _plain_power

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



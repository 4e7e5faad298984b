"""Theta as one vector (lesson 2): the parameters as segments of a strip, named, and a marker at one position."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .figure import PARAMETER_COLOURS

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



"""What every figure of gradlab shares: its size and colours, PNG bytes, display in a notebook, log axes with
plain-text tick labels (mathtext labels such as 10^{-8} cost more to draw than everything else together)."""
from __future__ import annotations

import io

from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

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



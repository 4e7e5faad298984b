"""Matplotlib figures for the lessons and the widgets: what a check measured, drawn small and fast.

Every function returns a `matplotlib.figure.Figure` built without pyplot, so no global figure state piles up
in a long-running kernel and nothing depends on the backend. `png` turns a figure into image bytes; `show`
displays one in a notebook. Figures are small (a widget redraws them on every interaction) and their tick
labels are plain text.

    figure.py    what every figure shares: size, colours, PNG bytes, log axes with plain labels
    curves.py    lesson 1: the V-shaped error curves against epsilon
    strip.py     lesson 2: theta as one vector, its parameters as named segments
    heatmaps.py  lessons 3 and 5: a report's gap / error bar per component, one heatmap per parameter
    tips.py      lesson 4: a check's cost as the network grows, repeated costs, the ratio over training
"""
from .curves import error_curves, mark_epsilon, show_sweep
from .figure import COMPRESSION, DPI, ERROR_FLOOR, METHOD_COLOURS, PARAMETER_COLOURS, png, show
from .heatmaps import RATIO_LIMITS, component_errors, component_heatmaps, component_ratios, fill_heatmaps
from .strip import mark_position, parameter_strip
from .tips import check_cost_growth, mark_costs, mark_x, ratio_over_training, repeated_costs

__all__ = ["COMPRESSION", "DPI", "ERROR_FLOOR", "METHOD_COLOURS", "PARAMETER_COLOURS", "RATIO_LIMITS",
           "check_cost_growth", "component_errors", "component_heatmaps", "component_ratios", "error_curves",
           "fill_heatmaps", "mark_costs", "mark_epsilon", "mark_position", "mark_x", "parameter_strip", "png",
           "ratio_over_training", "repeated_costs", "show", "show_sweep"]

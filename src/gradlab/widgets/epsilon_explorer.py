"""EpsilonExplorer: how the error of a finite difference depends on epsilon, one-sided against two-sided.

Pick a function and a point; move the epsilon slider. The curves come from `gradlab.epsilon_sweep` over
epsilon = 1e-16 ... 1; the numbers beside them are the estimates at the slider's epsilon exactly.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import plots
from ..numeric import METHODS, epsilon_sweep
from .base import GradlabWidget, MarkedFigure, figure_area, guarded, html_area, labelled, show_png, table
from .examples import EXAMPLE_FUNCTIONS

# Where each error is dominated by truncation (not round-off), so that its log-log slope is the method's
# order. float32 loses digits sooner, so its range starts at a larger epsilon.
SLOPE_RANGES = {"float64": (1e-3, 1e-1), "float32": (1e-2, 1e-1)}
TOGGLE_LABELS = {"one-sided": "one-sided", "two-sided": "two-sided", "complex-step": "complex step"}


class EpsilonExplorer(GradlabWidget):
    """Error of one-sided, two-sided and complex-step estimates of f'(theta) against epsilon.

    Traits (set them, or move the controls): function, point, epsilon, methods, precision. After each
    change, `estimates` and `errors` (method -> value at the current epsilon), `slopes` (method -> log-log
    slope) and `sweep` (the EpsilonSweep drawn) describe what is shown.

    functions: name -> ExampleFunction (f, exact derivative, formula); the default is EXAMPLE_FUNCTIONS, and
    the first one is shown unless `function` names another. The slider is `epsilon_slider`, a FloatLogSlider
    with description "epsilon" (CSS class gradlab-epsilon-slider).
    """

    css_class = "gradlab-epsilon-explorer"
    function = traitlets.Unicode("theta^3")
    point = traitlets.Float(1.0)
    epsilon = traitlets.Float(1e-2)
    methods = traitlets.Tuple(("one-sided", "two-sided"))
    precision = traitlets.Enum(("float64", "float32"), "float64")
    estimates = traitlets.Dict(read_only=True)
    errors = traitlets.Dict(read_only=True)
    slopes = traitlets.Dict(read_only=True)
    sweep = traitlets.Any(None, read_only=True, allow_none=True)

    def __init__(self, function=None, point=1.0, epsilon=1e-2, methods=("one-sided", "two-sided"),
                 precision="float64", functions=None, **kwargs):
        super().__init__(**kwargs)
        self.functions = dict(EXAMPLE_FUNCTIONS if functions is None else functions)
        function = next(iter(self.functions)) if function is None else function
        self._ready = False  # observers wait until every control exists and holds its first value
        self.function_picker = widgets.Dropdown(options=list(self.functions), value=function,
                                                description="function")
        self.point_slider = widgets.FloatSlider(value=point, min=-2.0, max=2.0, step=0.1, description="theta",
                                                readout_format=".2f")
        self.epsilon_slider = widgets.FloatLogSlider(value=epsilon, base=10, min=-16, max=0, step=0.25,
                                                     description="epsilon", readout_format=".1e")
        self.epsilon_slider.add_class("gradlab-epsilon-slider")
        self.method_toggles = {m: widgets.ToggleButton(description=TOGGLE_LABELS[m], value=m in methods,
                                                       tooltip=f"show the {m} difference")
                               for m in METHODS}
        self.precision_picker = widgets.ToggleButtons(options=["float64", "float32"], value=precision,
                                                      tooltips=["64-bit floats", "32-bit floats"],
                                                      layout={"width": "auto"}, style={"button_width": "auto"})
        self.formula = html_area("gradlab-formula")
        self.figure = figure_area("gradlab-error-curves")
        self.numbers = html_area("gradlab-numbers")
        # Beside the figure, never squeezed narrower than its table (min-content: the table's cells do not
        # wrap), so no column is cut off.
        self.numbers.layout = widgets.Layout(flex="0 1 auto", min_width="min-content", margin="0 0 0 12px")
        self._drawing = None  # the MarkedFigure of the current sweep

        for control, name in ((self.function_picker, "function"), (self.point_slider, "point"),
                              (self.epsilon_slider, "epsilon"), (self.precision_picker, "precision")):
            widgets.link((control, "value"), (self, name))
        self.methods = tuple(methods)
        for toggle in self.method_toggles.values():
            toggle.observe(self._on_toggle, names="value")
        self.assemble(
            widgets.HBox([self.function_picker, self.point_slider]),
            widgets.HBox([self.epsilon_slider, labelled("precision", self.precision_picker)]),
            widgets.HBox(list(self.method_toggles.values())),
            self.formula,
            # The numbers sit right beside the figure, and wrap below it when the page is too narrow for both.
            widgets.HBox([self.figure, self.numbers],
                         layout={"flex_flow": "row wrap", "align_items": "flex-start"}),
        )
        self._ready = True
        self.redraw()

    # -- reacting to changes -------------------------------------------------------------------------------
    @traitlets.validate("function")
    def _valid_function(self, proposal):
        if proposal.value not in self.functions:
            raise traitlets.TraitError(f"function must be one of {', '.join(self.functions)}; "
                                       f"got {proposal.value!r}")
        return proposal.value

    @traitlets.validate("methods")
    def _valid_methods(self, proposal):
        unknown = [m for m in proposal.value if m not in METHODS]
        if unknown:
            raise traitlets.TraitError(f"methods must come from {', '.join(METHODS)}; got {unknown}")
        return tuple(m for m in METHODS if m in proposal.value)  # a fixed order keeps colours and rows stable

    @traitlets.observe("function", "point", "precision", "methods")
    def _on_curve_change(self, change):
        if change["name"] == "methods":
            self._ready, ready = False, self._ready  # the toggles follow the trait without calling back
            for method, toggle in self.method_toggles.items():
                toggle.value = method in change["new"]
            self._ready = ready
        if self._ready:
            self.redraw()

    @traitlets.observe("epsilon")
    def _on_epsilon(self, change):
        if self._ready:
            self.mark()

    @guarded
    def _on_toggle(self, change):
        if self._ready:
            self.methods = tuple(m for m, toggle in self.method_toggles.items() if toggle.value)

    # -- drawing -------------------------------------------------------------------------------------------
    @guarded
    def redraw(self):
        """Sweep epsilon for the current function, point, precision and methods; draw the curves."""
        example = self.functions[self.function]
        sweep = epsilon_sweep(example.f, self.point, float(example.derivative(self.point)),
                              methods=self.methods, dtype=np.dtype(self.precision))
        self.set_trait("sweep", sweep)
        slopes = {}
        for method in self.methods:
            try:
                slopes[method] = sweep.slope(method, *SLOPE_RANGES[self.precision])
            except ValueError:  # errors of exactly 0 over the whole range: there is no slope to measure
                slopes[method] = None
        self.set_trait("slopes", slopes)
        self.formula.value = (f"<code>{html.escape(example.formula)}</code>, at theta = {self.point:g}: "
                              f"f'(theta) = {sweep.derivative:.10g}. Computed in {self.precision}"
                              + (" (the complex step always in complex128)." if "complex-step" in self.methods
                                 and self.precision != "float64" else "."))
        title = f"{self.function} at theta = {self.point:g} ({self.precision})"
        if self._drawing is None:
            self._drawing = MarkedFigure(plots.error_curves(sweep, self.epsilon, self.methods, title=title))
        else:  # same axes, new curves: only the changing artists are drawn again
            plots.show_sweep(self._drawing.fig, sweep, self.methods, title)
        self._mark()

    @guarded
    def mark(self):
        """Move the marker to the current epsilon and update the numbers: cheap, the curves stay drawn."""
        if self.sweep is None:  # no sweep has succeeded yet; its error is on show until one does
            return self.redraw()
        self._mark()

    def _mark(self):
        example = self.functions[self.function]
        at_epsilon = epsilon_sweep(example.f, self.point, self.sweep.derivative, epsilons=[self.epsilon],
                                   methods=self.methods, dtype=np.dtype(self.precision))
        estimates = {m: float(v[0]) for m, v in at_epsilon.estimates.items()}
        errors = {m: float(v[0]) for m, v in at_epsilon.errors.items()}
        self.set_trait("estimates", estimates)
        self.set_trait("errors", errors)
        plots.mark_epsilon(self._drawing.fig, self.epsilon, errors)
        show_png(self.figure, self._drawing.png(), f"error against epsilon for {self.function}")
        # The figure area is as wide as its image (narrower only when the page is). Left to its own width, an
        # Output in Voila is as wide as the room it is given (its output area is a 100%-wide table), which
        # moves the numbers to the far right, or, if it may not shrink, off the row altogether.
        width, _ = self._drawing.canvas.get_width_height()
        self.figure.layout.width, self.figure.layout.max_width = f"{width}px", "100%"
        self.numbers.value = self._numbers_html()

    def _numbers_html(self):
        lo, hi = SLOPE_RANGES[self.precision]
        rows = []
        for method in self.methods:
            slope = self.slopes.get(method)
            rows.append((f'<b style="color:{plots.METHOD_COLOURS[method]}">{method}</b>',
                         f"{self.estimates[method]:.10g}", f"{self.errors[method]:.2e}",
                         "no error to fit" if slope is None else f"{slope:.2f}"))
        best = (f"<p>Smallest two-sided error at epsilon = {self.sweep.best_epsilon('two-sided'):.1e}.</p>"
                if "two-sided" in self.methods else "")
        return (f"<p>At epsilon = <b>{self.epsilon:.2e}</b> the true derivative is "
                f"{self.sweep.derivative:.10g}.</p>"
                + table(rows, ("method", "estimate", "error", f"slope on [{lo:g}, {hi:g}]")) + best)

"""Live demonstrations of the course's practical tips on gradient checking (tip 2, "look at the components",
is the CheckPanel itself):

1. CheckCostDemo: a check costs about 2n cost calls, a backprop pass about one: use the check only to debug.
3. RegularizationDemo: with L2 in the cost, the backprop needs its (lambd / m) W term too.
4. DropoutDemo: with dropout on, the cost is not a function of the parameters, so the check means nothing.
5. TrainingDemo (in tip_training.py): check at initialization and again after some training.

The numbers all come from the library (models, bugs, check_backprop, gradlab.estimate); these classes only
choose what to run and show it.
"""
from __future__ import annotations

import itertools

import ipywidgets as widgets
import traitlets

from .. import bugs, models, plots
from ..check import check_backprop
from ..estimate import count_calls, time_backprop_pass
from .base import GradlabWidget, MarkedFigure, figure_area, guarded, html_area, show_png, table

COURSE_DIMS = (4, 5, 3, 1)


class CheckCostDemo(GradlabWidget):
    """Seconds of one backprop pass against a full, sampled and directional check, as the network grows.

    Measured once when built, for networks 4-h-h-1 with h in `widths`; the slider picks one to read. Each
    network's cost call and backprop pass are timed together (`gradlab.estimate.time_backprop_pass`: the
    fastest of several rounds, one BLAS thread), so a busy machine cannot show a cost call slower than a whole
    pass; when the load showed, the numbers say so. `rows` holds the measurements (one dict per network).
    """

    css_class = "gradlab-tip-cost"
    width = traitlets.Int()

    def __init__(self, widths=(4, 8, 16, 32, 64, 128), m=64, seed=0, **kwargs):
        super().__init__(**kwargs)
        X, Y = models.make_dataset(4, m, seed=seed)
        self.rows = [_measure_network((4, w, w, 1), X, Y, seed) for w in widths]
        self.network_slider = widgets.SelectionSlider(options=[(f"4-{w}-{w}-1", w) for w in widths],
                                                      value=widths[len(widths) // 2], description="network")
        self.network_slider.add_class("gradlab-network-slider")
        self.figure = figure_area("gradlab-check-cost")
        self.numbers = html_area("gradlab-numbers")
        self.numbers.layout = widgets.Layout(flex="1 1 300px", margin="0 0 0 12px")
        sizes = [row["n"] for row in self.rows]
        fig = plots.check_cost_growth(sizes, {
            "one backprop pass": [row["backprop"] for row in self.rows],
            "full check": [row["seconds"]["full"] for row in self.rows],
            "sampled check": [row["seconds"]["sampled"] for row in self.rows],
            "directional check": [row["seconds"]["directional"] for row in self.rows]})
        self._drawing = MarkedFigure(fig)
        widgets.link((self.network_slider, "value"), (self, "width"))
        # the numbers beside the figure, below it when the page is too narrow for both
        self.assemble(self.network_slider, widgets.HBox([self.figure, self.numbers],
                                                        layout={"flex_flow": "row wrap", "align_items": "flex-start"}))
        self.show()

    @traitlets.observe("width")
    def _on_width(self, change):
        if hasattr(self, "_drawing"):
            self.show()

    @guarded
    def show(self):
        row = next(row for row in self.rows if row["dims"][1] == self.width)
        plots.mark_x(self._drawing.fig, row["n"])
        show_png(self.figure, self._drawing.png(), "seconds of a check against a backprop pass")
        width, _ = self._drawing.canvas.get_width_height()
        self.figure.layout.width, self.figure.layout.max_width = f"{width}px", "100%"
        lines = [(mode, f"{row['calls'][mode]:,}", f"{row['seconds'][mode] * 1e3:,.1f} ms",
                  f"{row['seconds'][mode] / row['backprop']:,.0f}")
                 for mode in ("full", "sampled", "directional")]
        times = row["times"]
        how = (f"The fastest of {times.rounds} rounds, each timing a cost call and then the backward pass on its "
               f"cache, with one BLAS thread.")
        if times.noisy:
            how += (f" <b>This machine was busy</b> while it measured (the median round took {times.spread:.1f}x "
                    "the fastest): read these times as rough.")
        self.numbers.value = (
            f"<p>Network {'-'.join(map(str, row['dims']))}: n = <b>{row['n']:,}</b> parameters.<br>"
            f"One backprop pass (forward + backward): <b>{row['backprop'] * 1e3:.2f} ms</b>; "
            f"one cost call (a forward pass): {row['per_call'] * 1e3:.2f} ms.</p>"
            + table(lines, ("check", "cost calls", "time", "backprop passes"))
            + f'<p class="gradlab-timing-note"><small>{how}</small></p>')


def _measure_network(dims, X, Y, seed):
    parameters = models.initialize_parameters(dims, init="he", seed=seed)
    times = time_backprop_pass(models.forward, models.backward, X, Y, parameters)
    n, calls = count_calls(parameters)
    return {"dims": dims, "n": n, "backprop": times.backprop, "per_call": times.cost_call, "times": times,
            "calls": calls, "seconds": {mode: count * times.cost_call for mode, count in calls.items()}}


class RegularizationDemo(GradlabWidget):
    """The course's network with an L2 term in the cost; the backprop with or without its L2 gradient."""

    css_class = "gradlab-tip-regularization"
    lambd = traitlets.Float(0.7)
    l2_in_backprop = traitlets.Bool(True)
    report = traitlets.Any(None, allow_none=True, read_only=True)

    def __init__(self, lambd=0.7, l2_in_backprop=True, **kwargs):
        super().__init__(**kwargs)
        self.X, self.Y, self.parameters = models.course_test_case()
        self._backprops = {True: models.backward, False: bugs.plant("forgotten_l2", layer_dims=COURSE_DIMS)}
        self.lambd_slider = widgets.FloatSlider(value=lambd, min=0.0, max=2.0, step=0.1, description="lambd")
        self.l2_checkbox = widgets.Checkbox(value=l2_in_backprop, description="backprop adds (lambd / m) W to dW",
                                            layout={"width": "auto"}, style={"description_width": "initial"},
                                            indent=False)
        self.report_view = html_area("gradlab-report-view")
        widgets.link((self.lambd_slider, "value"), (self, "lambd"))
        widgets.link((self.l2_checkbox, "value"), (self, "l2_in_backprop"))
        self.assemble(widgets.HBox([self.lambd_slider, self.l2_checkbox]), self.report_view)
        self.check()

    @traitlets.observe("lambd", "l2_in_backprop")
    def _on_change(self, change):
        if hasattr(self, "report_view"):
            self.check()

    @guarded
    def check(self):
        lambd = self.lambd

        def forward(X, Y, parameters):
            return models.forward(X, Y, parameters, lambd=lambd)

        report = check_backprop(forward, self._backprops[self.l2_in_backprop], self.X, self.Y, self.parameters)
        self.set_trait("report", report)
        backprop = "with" if self.l2_in_backprop else "<b>without</b>"
        self.report_view.value = (f"<p>Cost with L2 term, lambd = {lambd:g}; backprop {backprop} the L2 "
                                  f"gradient.</p>" + report._repr_html_())


class DropoutDemo(GradlabWidget):
    """Dropout on: the same parameters give a different cost at every call, unless the mask is fixed."""

    css_class = "gradlab-tip-dropout"
    keep_prob = traitlets.Float(0.8)
    fixed_mask = traitlets.Bool(False)
    report = traitlets.Any(None, allow_none=True, read_only=True)
    costs = traitlets.List(read_only=True)

    def __init__(self, keep_prob=0.8, fixed_mask=False, calls=20, **kwargs):
        super().__init__(**kwargs)
        scenario = bugs.scenario("dropout_mask_not_applied")  # its data and parameters; its bug is not used
        self.X, self.Y, self.parameters = scenario.X, scenario.Y, scenario.parameters
        self.calls = int(calls)
        # fresh masks for every call, from a seeded sequence: random to the check, the same on every run
        self._mask_seeds = itertools.count(1)
        self.keep_prob_slider = widgets.FloatSlider(value=keep_prob, min=0.5, max=1.0, step=0.05,
                                                    description="keep_prob",
                                                    style={"description_width": "initial"})
        self.mask_picker = widgets.ToggleButtons(options=[("new mask every call", False),
                                                          ("one fixed mask", True)], value=fixed_mask,
                                                 layout={"width": "auto"}, style={"button_width": "auto"})
        self.figure = figure_area("gradlab-repeated-costs")
        self.report_view = html_area("gradlab-report-view")
        # the axis range of the widest spread (the slider's smallest keep_prob), fixed so that a change
        # redraws only the points
        widest = [models.forward(self.X, self.Y, self.parameters, keep_prob=self.keep_prob_slider.min,
                                 seed=10_000 + k)[0] for k in range(self.calls)]
        fig = plots.repeated_costs(widest)
        self._drawing = MarkedFigure(fig)
        widgets.link((self.keep_prob_slider, "value"), (self, "keep_prob"))
        widgets.link((self.mask_picker, "value"), (self, "fixed_mask"))
        self.assemble(widgets.HBox([self.keep_prob_slider, self.mask_picker]), self.figure, self.report_view)
        self.check()

    @traitlets.observe("keep_prob", "fixed_mask")
    def _on_change(self, change):
        if hasattr(self, "report_view"):
            self.check()

    def forward(self, X, Y, parameters):
        """The network's forward pass with the demo's dropout settings."""
        seed = 0 if self.fixed_mask else next(self._mask_seeds)
        return models.forward(X, Y, parameters, keep_prob=self.keep_prob, seed=seed)

    @guarded
    def check(self):
        costs = [self.forward(self.X, self.Y, self.parameters)[0] for _ in range(self.calls)]
        self.set_trait("costs", costs)
        report = check_backprop(self.forward, models.backward, self.X, self.Y, self.parameters)
        self.set_trait("report", report)
        plots.mark_costs(self._drawing.fig, costs)
        show_png(self.figure, self._drawing.png(), "the cost at the same parameters, call after call")
        self.report_view.value = report._repr_html_()

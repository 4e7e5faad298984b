"""TrainingDemo: tip 5, run the check at random initialization and again after some training.

A tanh network whose backprop takes tanh'(z) as 1 is nearly right while the weights are small (tanh'(z) =
1 - tanh(z)^2 is close to 1 near z = 0): at a small initialization its error is below what the check can
resolve, so the check passes (and says what it could resolve); training grows the weights, the error grows
past the error bar, and the same check fails. The figure shows each check's largest gap / error bar, the
number the verdict reads. Every (backprop, steps) pair is checked once when the demo is built, so moving the
slider only reads the results.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import traitlets

from .. import bugs, models, plots
from ..tips import check_at_init_and_after_training
from .base import GradlabWidget, MarkedFigure, figure_area, guarded, html_area, labelled, show_png

DIMS = (4, 5, 3, 1)
STEPS = (0, 25, 50, 100, 150, 200)
BACKPROPS = ("correct tanh'", "tanh' taken as 1")


def unbalanced_dataset(m=32, share=0.75, seed=0):
    """make_dataset's points, labelled 1 inside the `share` quantile of the radius instead of the median.

    With balanced labels the output bias's gradient is near 0 at a small initialization, so the whole
    gradient is tiny and round-off alone lifts the difference of a correct backprop above the threshold;
    unbalanced labels give the check a gradient it can resolve, so only the bug can make it fail.
    """
    X, _ = models.make_dataset(DIMS[0], m, seed=seed)
    radius = np.sqrt(np.sum(X ** 2, axis=0))
    return X, (radius < np.quantile(radius, share)).astype(np.float64).reshape(1, -1)


class TrainingDemo(GradlabWidget):
    """The same check at initialization and after `steps` steps of training, for a correct tanh backprop
    and one that takes tanh' as 1. Traits: steps, backprop; `results` maps (backprop, steps) to the
    InitAndTrained pair of reports."""

    css_class = "gradlab-tip-training"
    steps = traitlets.Int(150)
    backprop = traitlets.Enum(BACKPROPS, BACKPROPS[1])

    def __init__(self, steps=150, backprop=BACKPROPS[1], scale=0.017, learning_rate=1.0, **kwargs):
        super().__init__(**kwargs)
        if steps not in STEPS:
            raise ValueError(f"steps must be one of {STEPS}; got {steps!r}")
        X, Y = unbalanced_dataset()
        backwards = {BACKPROPS[0]: models.backward,
                     BACKPROPS[1]: bugs.plant("activation_derivative_dropped", layer_dims=DIMS)}
        self.results = {(name, k): check_at_init_and_after_training(
                            DIMS, backward=backward, activation="tanh", steps=k, learning_rate=learning_rate,
                            init="random", scale=scale, X=X, Y=Y)
                        for name, backward in backwards.items() for k in STEPS}
        self.scale = scale
        self.steps_slider = widgets.SelectionSlider(options=list(STEPS), value=steps,
                                                    description="training steps",
                                                    style={"description_width": "initial"},
                                                    layout={"width": "420px"})
        self.backprop_picker = widgets.ToggleButtons(options=list(BACKPROPS), value=backprop,
                                                     layout={"width": "auto"}, style={"button_width": "auto"})
        self.figure = figure_area("gradlab-difference-over-training")
        self.report_view = html_area("gradlab-report-view")
        fig = plots.ratio_over_training(
            STEPS, {name: [max(self.results[(name, k)].after_training.gap_ratio.values()) for k in STEPS]
                    for name in BACKPROPS}, current=steps)
        self._drawing = MarkedFigure(fig)
        widgets.link((self.steps_slider, "value"), (self, "steps"))
        widgets.link((self.backprop_picker, "value"), (self, "backprop"))
        self.assemble(labelled("backprop", self.backprop_picker), self.steps_slider, self.figure, self.report_view)
        self.show()

    @property
    def result(self):
        """The InitAndTrained pair of reports on show."""
        return self.results[(self.backprop, self.steps)]

    @traitlets.observe("steps", "backprop")
    def _on_change(self, change):
        if hasattr(self, "_drawing"):
            self.show()

    @guarded
    def show(self):
        plots.mark_x(self._drawing.fig, self.steps)
        show_png(self.figure, self._drawing.png(), "the check's difference after each number of training steps")
        result = self.result
        words = [report.outcome for report in (result.at_init, result.after_training)]
        self.report_view.value = (
            f"<p>tanh network {'-'.join(map(str, DIMS))}, weights drawn at scale {self.scale:g}, backprop with "
            f"<b>{self.backprop}</b>: at initialization the check <b>{words[0]}</b>; after {self.steps} "
            f"training steps it <b>{words[1]}</b>.</p>" + result._repr_html_())

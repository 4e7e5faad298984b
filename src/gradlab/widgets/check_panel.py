"""CheckPanel: run a gradient check and read its report: verdict, per-parameter table, heatmaps, diagnoses.

What it checks is given once, in one of three ways:
    CheckPanel(cost=J, parameters=p, gradients=g)                   gradlab.gradient_check
    CheckPanel(forward=f, backward=b, X=X, Y=Y, parameters=p)       gradlab.check_backprop
    CheckPanel(bug="dW2_times_2")  (or bugs=[...] for a menu)       a planted bug from gradlab.bugs
The "Run check" button (or `run()`) runs the check with the epsilon and mode chosen in the panel.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import traitlets

from .. import bugs as bug_catalogue
from .. import plots
from ..check import MODES, check_backprop, gradient_check
from ..render import render_html
from .base import GradlabWidget, MarkedFigure, figure_area, guarded, html_area, labelled, show_png

EPSILONS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
WAITING = "<p>Press <b>Run check</b> to compare the backprop's gradient with the numerical one.</p>"


class CheckPanel(GradlabWidget):
    """A gradient check with its controls and its report.

    Traits: epsilon, mode, bug (the catalogue name checked, in bug mode), report (the last GradCheckReport,
    None before the first run), runs (how many checks have run). `run_button` has description "Run check".
    """

    css_class = "gradlab-check-panel"
    epsilon = traitlets.Float(1e-7)
    mode = traitlets.Enum(MODES, "full")
    bug = traitlets.Unicode(None, allow_none=True)
    report = traitlets.Any(None, allow_none=True, read_only=True)
    runs = traitlets.Int(0, read_only=True)

    def __init__(self, cost=None, parameters=None, gradients=None, *, forward=None, backward=None, X=None,
                 Y=None, bug=None, bugs=None, epsilon=1e-7, threshold=2e-7, mode="full", samples=5,
                 title=None, heatmaps=True, diagnoses=True, run=False, **kwargs):
        super().__init__(**kwargs)
        self._source = _source(cost, parameters, gradients, forward, backward, X, Y, bug, bugs)
        self.threshold, self.samples = float(threshold), int(samples)
        self.show_diagnoses = bool(diagnoses)  # False: the report is shown without its diagnoses
        self.epsilon, self.mode = float(epsilon), mode
        self._heatmap_drawings = {}  # (layout, threshold) -> MarkedFigure
        self._scenarios = {}  # bug name -> Scenario, built once: the data search in bugs.scenario takes time
        self.title = html_area("gradlab-title", value=f"<h4>{html.escape(title)}</h4>" if title else "")
        self.epsilon_picker = widgets.Dropdown(options=_epsilon_options(self.epsilon), value=self.epsilon,
                                               description="epsilon", layout={"width": "170px"})
        self.mode_picker = widgets.ToggleButtons(options=list(MODES), value=self.mode, layout={"width": "auto"},
                                                 style={"button_width": "auto"})
        self.run_button = widgets.Button(description="Run check", button_style="primary", icon="play",
                                         tooltip="run the gradient check", layout={"width": "auto"})
        self.run_button.add_class("gradlab-run-check")
        self.status = html_area("gradlab-status")
        self.report_view = html_area("gradlab-report-view", value=WAITING)
        self.heatmaps = figure_area("gradlab-heatmaps") if heatmaps else None
        self.bug_picker = None
        if self._source["kind"] == "bug":
            names = self._source["names"]
            self.bug_picker = widgets.Dropdown(options=[(f"{n}: {bug_catalogue.get(n).title}", n) for n in names],
                                               value=names[0], description="bug", layout={"width": "430px"})
            widgets.link((self.bug_picker, "value"), (self, "bug"))
        widgets.link((self.epsilon_picker, "value"), (self, "epsilon"))
        widgets.link((self.mode_picker, "value"), (self, "mode"))
        self.run_button.on_click(self._on_click)
        self.assemble(self.title, self.bug_picker,
                      widgets.HBox([self.epsilon_picker, labelled("mode", self.mode_picker)]),
                      widgets.HBox([self.run_button, self.status]), self.report_view, self.heatmaps)
        if run:
            self.run()

    @traitlets.validate("epsilon")
    def _valid_epsilon(self, proposal):
        if not proposal.value > 0:
            raise traitlets.TraitError(f"epsilon must be positive; got {proposal.value}")
        if hasattr(self, "epsilon_picker") and proposal.value not in EPSILONS:
            # a value from code: offer it in the menu too, so the menu never shows another epsilon
            self.epsilon_picker.options = _epsilon_options(proposal.value)
        return proposal.value

    @traitlets.validate("bug")
    def _valid_bug(self, proposal):
        if self._source["kind"] == "bug" and proposal.value not in self._source["names"]:
            raise traitlets.TraitError(f"bug must be one of {', '.join(self._source['names'])}; "
                                       f"got {proposal.value!r}")
        return proposal.value

    @traitlets.observe("epsilon", "mode", "bug")
    def _on_setting(self, change):
        if self.report is not None:
            self.status.value = "<i>Settings changed: press Run check again.</i>"

    def _on_click(self, button):
        self.run()

    @guarded
    def run(self):
        """Run the check with the current settings and show its report. Returns the report."""
        self.status.value = "<i>checking...</i>"
        try:
            report = self._check()
        except Exception:
            self.status.value = "<b>The check could not run</b> (see the error below)."
            raise
        self.set_trait("report", report)
        self.set_trait("runs", self.runs + 1)
        self.report_view.value = render_html(report, diagnoses=self.show_diagnoses)
        if self.heatmaps is not None:
            self._draw_heatmaps(report)
        word = "no verdict" if not report.meaningful else report.outcome
        self.status.value = (f"Check {self.runs}: <b>{word}</b>, course's difference = {report.difference:.3g} "
                             f"({report.calls} cost calls, {report.seconds * 1e3:.0f} ms).")
        return report

    def _draw_heatmaps(self, report):
        # The blocks depend only on the layout: draw them once, then refill the images.
        key = report.layout
        if key not in self._heatmap_drawings:
            fig = plots.component_heatmaps(report)
            self._heatmap_drawings[key] = MarkedFigure(fig)
        drawing = self._heatmap_drawings[key]
        plots.fill_heatmaps(drawing.fig, report)
        show_png(self.heatmaps, drawing.png(), "gap / error bar of each component, one block per parameter")

    def _check(self):
        source, options = self._source, dict(epsilon=self.epsilon, threshold=self.threshold, mode=self.mode,
                                              samples=self.samples)
        if source["kind"] == "cost":
            return gradient_check(source["cost"], source["parameters"], source["gradients"], **options)
        if source["kind"] == "backprop":
            return check_backprop(source["forward"], source["backward"], source["X"], source["Y"],
                                  source["parameters"], **options)
        scenario = self.scenario
        return check_backprop(scenario.forward, scenario.backward, scenario.X, scenario.Y, scenario.parameters,
                              **options)

    @property
    def scenario(self):
        """In bug mode, the network, data and buggy backprop of the current bug."""
        if self.bug not in self._scenarios:
            self._scenarios[self.bug] = bug_catalogue.scenario(self.bug)
        return self._scenarios[self.bug]


def _epsilon_options(epsilon):
    return [(f"{e:.0e}", e) for e in sorted(set(EPSILONS) | {float(epsilon)}, reverse=True)]


def _source(cost, parameters, gradients, forward, backward, X, Y, bug, bugs):
    """Which of the three ways the panel was given what to check, with its pieces; a TypeError if unclear."""
    given = {"cost": cost is not None or gradients is not None,
             "backprop": forward is not None or backward is not None,
             "bug": bug is not None or bugs is not None}
    if sum(given.values()) != 1:
        raise TypeError("give exactly one of: cost, parameters and gradients; forward, backward, X, Y and "
                        "parameters; or bug (a name from gradlab.bugs.CATALOGUE) or bugs (several names)")
    if given["cost"]:
        if cost is None or parameters is None or gradients is None:
            raise TypeError("a check of a cost needs cost, parameters and gradients")
        return {"kind": "cost", "cost": cost, "parameters": parameters, "gradients": gradients}
    if given["backprop"]:
        if any(v is None for v in (forward, backward, X, Y, parameters)):
            raise TypeError("a check of a backprop needs forward, backward, X, Y and parameters")
        return {"kind": "backprop", "forward": forward, "backward": backward, "X": X, "Y": Y,
                "parameters": parameters}
    names = list(bugs) if bugs is not None else [bug]
    if bug is not None and bug not in names:
        names.insert(0, bug)
    for name in names:
        bug_catalogue.get(name)  # an unknown name fails here, listing the valid ones
    if bug is not None:
        names.remove(bug)
        names.insert(0, bug)
    return {"kind": "bug", "names": names}

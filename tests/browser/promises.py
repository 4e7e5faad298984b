"""What a lesson's widgets promise, read from the page and compared with what gradlab computes for the same
settings (nothing written down): the epsilon explorer's numbers follow its slider and name the best epsilon
of the function on show; the check panel states the library's verdict, names its failing parameters, and
gives each diagnosis, in the gradients' own names (dW2, db1)."""

from __future__ import annotations

import re

import numpy as np

import gradlab
from gradlab.render import headline
from gradlab.widgets import EXAMPLE_FUNCTIONS

NUMBER = r"(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)"


def ancestor(locator, css_class: str):
    """The nearest enclosing element with `css_class`."""
    return locator.locator(f"xpath=ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')][1]")


def selected(menu) -> str:
    return menu.locator("select").evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ")


def explorer_says_what_the_library_finds(slider) -> None:
    """The explorer around `slider` shows the estimates at the slider's epsilon and the best epsilon that
    gradlab.epsilon_sweep finds for its function, point and precision."""
    explorer = ancestor(slider, "gradlab-epsilon-explorer")
    numbers = explorer.locator(".gradlab-numbers").text_content()
    formula = explorer.locator(".gradlab-formula").text_content()
    name = selected(explorer.locator(".widget-dropdown").filter(has_text="function"))
    theta = float(re.search(rf"at theta = {NUMBER}", formula).group(1))
    precision = re.search(r"Computed in (float\d+)", formula).group(1)
    readout = float(slider.locator(".widget-readout").text_content())
    shown = float(re.search(rf"At epsilon = {NUMBER}", numbers).group(1))
    assert np.isclose(shown, readout, rtol=0.06), f"the numbers are at epsilon {shown}, the slider at {readout}"
    example = EXAMPLE_FUNCTIONS[name]
    sweep = gradlab.epsilon_sweep(example.f, theta, float(example.derivative(theta)), dtype=np.dtype(precision))
    best = f"Smallest two-sided error at epsilon = {sweep.best_epsilon('two-sided'):.1e}."
    assert best in numbers, f"the explorer ({name} at {theta}, {precision}) should say {best!r}; it says {numbers!r}"


def panel_says_what_the_library_finds(button, check) -> None:
    """The check panel around `button` shows the verdict of check(epsilon, mode), the library's own check at
    the panel's epsilon and mode: its headline (the verdict and the failing parameters) and every diagnosis
    (which name the gradients: dW2, db1)."""
    panel = ancestor(button, "gradlab-check-panel")
    epsilon = float(selected(panel.locator(".widget-dropdown").filter(has_text="epsilon")))
    mode = panel.locator(".widget-toggle-buttons button.mod-active").text_content().strip()
    report = check(epsilon, mode)
    text = re.sub(r"\s+", " ", panel.locator(".gradlab-report-view").text_content())
    status = panel.locator(".gradlab-status").text_content()
    assert headline(report) in text, f"the panel should say {headline(report)!r}; it says {text[:300]!r}"
    assert report.outcome in status, f"the status line should say {report.outcome}: {status!r}"
    for name in report.failing:
        assert report.gradient_name(name) in text, f"the panel does not name {report.gradient_name(name)}"
    for diagnosis in report.diagnoses:
        assert re.sub(r"\s+", " ", diagnosis.message) in text, f"the panel lacks the diagnosis {diagnosis.message!r}"

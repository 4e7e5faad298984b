"""One helper that asserts every field of a report that states a verdict says the same thing.

tests/conftest.py calls it on every report the test suite builds (through gradlab.check.build_report).
"""
import re

import numpy as np

from gradlab import plots
from gradlab.render import MESSAGE_WIDTH, WIDTH
from gradlab.report import FAIL, OK, STATUSES, UNRESOLVED, GradientCheckError

BUG_KINDS = ("scale", "sign", "layer", "regularization", "isolated")
WORDS = {"passed": "correct", "FAILED": "bug", "unresolved": "unresolved", "meaningless": "meaningless"}
HEADLINES = {"passed": "passed", "FAILED": "FAILED", "unresolved": "UNRESOLVED", "meaningless": "MEANINGLESS"}
CSS = {OK: "ok", FAIL: "fail", UNRESOLVED: "unresolved"}


def assert_coherent(report):
    names = report.layout.names
    statuses = {name: report.status(name) for name in names}
    assert set(statuses.values()) <= set(STATUSES), statuses
    # the lists, passed, the outcome and the verdict word are the per-parameter decision
    assert report.failing == [n for n in names if statuses[n] == FAIL]
    assert report.unresolved == [n for n in names if statuses[n] == UNRESOLVED]
    assert report.passed == all(s == OK for s in statuses.values())
    outcome = report.outcome
    assert report.verdict[0] == WORDS[outcome]
    assert (outcome == "passed") == report.passed
    assert (outcome == "FAILED") == bool(report.failing)
    assert (outcome == "meaningless") == (not report.meaningful)
    if not report.meaningful:
        assert all(s == UNRESOLVED for s in statuses.values())  # never silently "ok" without a verdict
    else:
        # FAIL only where a judged row stands above its error bar; a row above it in a parameter that is not
        # FAIL belongs to one whose bars are too coarse to judge (unresolved)
        for name in names:
            ratio = report.gap_ratio[name]
            assert statuses[name] != FAIL or ratio > 1, (name, ratio)
            assert ratio <= 1 or statuses[name] in (FAIL, UNRESOLVED), (name, ratio)
            assert statuses[name] != OK or ratio <= 1, (name, ratio)
        m = report.measurements
        assert np.all(np.isfinite(m.bar[m.judged])) and np.all(m.bar[m.judged] >= 0)
    # the text: headline, one table row per parameter with its status, short lines
    text = str(report)
    assert text.startswith(f"Gradient check {HEADLINES[outcome]}:"), text.splitlines()[0]
    table = {line.split()[0]: line.split()[-1] for line in text.splitlines()
             if line.startswith("  ") and len(line.split()) == 5 and line.split()[0] in names}
    assert table == statuses, (table, statuses)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    # the HTML: the headline's colour and each row's class
    html = report._repr_html_()
    headline_class = {"passed": "ok", "FAILED": "fail"}.get(outcome, "unresolved")
    assert f'<b class="{headline_class}">Gradient check {HEADLINES[outcome]}' in html
    rows = dict(re.findall(r'<tr class="(\w+)"><td>([^<]*)</td>', html)[k][::-1]
                for k in range(len(names)))
    assert rows == {n: CSS[statuses[n]] for n in names}, rows
    # assert_passed raises exactly when the check did not pass, with the compact report as its message
    try:
        report.assert_passed()
        raised = None
    except GradientCheckError as error:
        raised = str(error)
    assert (raised is None) == report.passed
    if raised is not None:
        assert raised.startswith(f"\nGradient check {HEADLINES[outcome]}:")
        assert max(len(line) for line in raised.splitlines()) <= MESSAGE_WIDTH
    # the heatmaps' scale: a failing parameter has a component above 1, an ok one none
    if report.meaningful and len(report.components):
        grids = plots.component_ratios(report)
        for name in names:
            measured = grids[name][~np.isnan(grids[name])]
            if statuses[name] == OK and report.mode != "directional":
                assert np.all(measured <= 1), name
            if statuses[name] == FAIL and report.mode != "directional":
                assert np.any(measured > 1), name
        if report.failing:
            assert report.worst(1)[0].parameter in report.failing
    # diagnoses of a bug name failing parameters only, and a passed check has none
    for diagnosis in report.diagnoses:
        if diagnosis.kind in BUG_KINDS:
            assert not report.passed and set(diagnosis.parameters) <= set(report.failing), diagnosis
        if diagnosis.kind == "kink":  # a kink is named only where a row of that parameter was set aside as one
            k = names.index(diagnosis.parameter)
            assert np.any(report.measurements.kink[report.measurements.parameter == k]) or np.any(
                report.components.kink[report.components.parameter == k]), diagnosis
    # no row denies a failing parameter: in directional mode, a parameter whose every component was measured
    # fails only if one of those components stands above its bar
    if report.mode == "directional" and report.meaningful:
        c = report.components
        for k, name in enumerate(names):
            mine = c.parameter == k
            if statuses[name] == FAIL and np.unique(c.position[mine]).size == _size(report.layout, name):
                assert np.any(c.above[mine]), (name, "its components all agree")
    return report


def _size(layout, name):
    block = layout.slice(name)
    return block.stop - block.start

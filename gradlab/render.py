"""A report as text (for print and for error messages) and as HTML (for Jupyter): short, named, no arrays."""
from __future__ import annotations

import html

import numpy as np

_WORST = 3


def _status(report):
    if not report.meaningful:
        return "MEANINGLESS"
    return "passed" if report.passed else "FAILED"


def headline(report):
    word, sentence = report.verdict
    return (f"Gradient check {_status(report)}: difference = {report.difference:.3g} "
            f"(threshold {report.threshold:g}), {word}: {sentence}.")


def _parameter_rows(report):
    """(name, shape, difference, status) per parameter, in theta's order."""
    rows = []
    for name, shape in zip(report.layout.names, report.layout.shapes):
        d = report.per_parameter[name]
        rows.append((name, "x".join(map(str, shape)) or "scalar", d, report.status(name)))
    return rows


def _worst_lines(report, k):
    lines = []
    for w in report.worst(k):
        where = f"{w.parameter}[{', '.join(map(str, w.index))}]" if w.index else w.parameter
        lines.append(f"{where}: analytic {w.analytic:.6g}, numerical {w.numerical:.6g}, "
                     f"relative error {w.relative_error:.3g}")
    return lines


def _mode_line(report):
    measured = {"full": f"all {report.layout.size} component{'s' if report.layout.size > 1 else ''}",
                "sampled": f"{len(report.components)} of {report.layout.size} components (seeded sample)",
                "directional": f"{len(report.measurements)} random directions"}[report.mode]
    return (f"Checked {measured} with epsilon = {report.epsilon:g} in {report.dtype}: "
            f"{report.calls} cost calls, {report.seconds:.3g} s.")


def render_text(report, k=_WORST):
    lines = [headline(report), _mode_line(report), ""]
    width = max(len(name) for name in report.layout.names)
    for name, shape, d, status in _parameter_rows(report):
        lines.append(f"  {name:<{width}}  {shape:>9}  {d:10.3g}  {status}")
    if not report.passed and len(report.components):
        lines += ["", "Worst components:"] + ["  " + line for line in _worst_lines(report, k)]
    if report.diagnoses:
        lines += ["", "Diagnoses:"] + [f"  - [{d.kind}] {d.message}" for d in report.diagnoses]
    return "\n".join(lines)


def failure_message(report, k=_WORST):
    """For GradientCheckError: the verdict, the failing parameters, the worst few components, the diagnoses."""
    failing = ", ".join(f"{name} ({report.per_parameter[name]:.3g})" for name in report.failing) or "none"
    lines = [headline(report), f"Failing parameters: {failing}."]
    if len(report.components):
        lines += ["Worst components:"] + ["  " + line for line in _worst_lines(report, k)]
    lines += [f"- {d.message}" for d in report.diagnoses]
    return "\n".join(lines)


_STYLE = ("<style>.gradlab-report td,.gradlab-report th{padding:2px 8px;text-align:left}"
          ".gradlab-report .ok{color:#1a7f37}.gradlab-report .fail{color:#cf222e;font-weight:bold}"
          ".gradlab-report .bar{display:inline-block;height:0.8em;background:currentColor}</style>")


def render_html(report, k=_WORST):
    e = html.escape
    status_class = "ok" if report.passed else "fail"
    parts = [_STYLE, '<div class="gradlab-report">',
             f'<p><b class="{status_class}">{e(headline(report))}</b><br><small>{e(_mode_line(report))}</small></p>',
             "<table><tr><th>parameter</th><th>shape</th><th>difference</th><th></th><th></th></tr>"]
    for name, shape, d, status in _parameter_rows(report):
        # a bar whose length is log10 of the difference, so 1e-9 and 1e-1 are far apart at a glance
        length = int(np.clip((np.log10(max(d, 1e-16)) + 16) * 8, 2, 128))
        css = "fail" if status == "FAIL" else "ok"
        parts.append(f'<tr class="{css}"><td>{e(name)}</td><td>{e(shape)}</td><td>{d:.3g}</td>'
                     f'<td>{status}</td><td><span class="bar" style="width:{length}px"></span></td></tr>')
    parts.append("</table>")
    if not report.passed and len(report.components):
        parts.append("<p>Worst components:</p><ul>" + "".join(f"<li>{e(line)}</li>"
                                                                for line in _worst_lines(report, k)) + "</ul>")
    if report.diagnoses:
        parts.append("<p>Diagnoses:</p><ul>" + "".join(
            f"<li><b>{e(d.kind)}</b>: {e(d.message)}</li>" for d in report.diagnoses) + "</ul>")
    parts.append("</div>")
    return "".join(parts)

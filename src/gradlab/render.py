"""A report as text (for print and for error messages) and as HTML (for Jupyter): short, named, no arrays.

Text lines stay within WIDTH characters, so that a message shown in a narrow box (nbgrader's Validate shows
only the exception's message) reads whole.
"""
from __future__ import annotations

import html
import textwrap

import numpy as np

from .explain import course_line, disagreement, resolution_line, welch_line

WIDTH = 100
_WORST = 3
_HEADLINES = {"passed": "passed", "FAILED": "FAILED", "unresolved": "UNRESOLVED", "meaningless": "MEANINGLESS"}


def headline(report):
    return f"Gradient check {_HEADLINES[report.outcome]}: {report.verdict[1]}."


def summary_lines(report):
    """The verdict, the course's number (and why it differs, if it does), and the resolution."""
    course = " ".join(part for part in (course_line(report), disagreement(report)) if part)
    welch = welch_line(report) if report.welch and report.meaningful else ""
    return [line for line in (headline(report), course, welch, resolution_line(report)) if line]


def _parameter_rows(report):
    """(name, shape, difference, gap/error, status) per parameter, in theta's order."""
    rows = []
    for name, shape in zip(report.layout.names, report.layout.shapes):
        ratio = report.gap_ratio[name] if report.meaningful else float("nan")
        rows.append((name, "x".join(map(str, shape)) or "scalar", report.per_parameter[name], ratio,
                     report.status(name)))
    return rows


def _ratio(ratio):
    """gap / error bar as shown: "-" where there is none (a cost that changes between calls)."""
    return f"{ratio:.2g}" if np.isfinite(ratio) else "-"


def _worst_lines(report, k):
    lines = []
    for w in report.worst(k):
        where = f"{w.parameter}[{', '.join(map(str, w.index))}]" if w.index else w.parameter
        times = f"{w.gap / w.bar:.2g} x its error bar" if w.bar > 0 and np.isfinite(w.bar) else "no error bar"
        lines.append(f"{where}: analytic {w.analytic:.6g}, numerical {w.numerical:.6g}, gap {w.gap:.3g} ({times})")
    return lines


def _mode_line(report):
    measured = {"full": f"all {report.layout.size} component{'s' if report.layout.size > 1 else ''}",
                "sampled": f"{len(report.components)} of {report.layout.size} components (seeded sample)",
                "directional": f"{len(report.measurements)} random directions"}[report.mode]
    return (f"Checked {measured} with epsilon = {report.epsilon:g} in {report.dtype}: "
            f"{report.calls} cost calls, {report.seconds:.3g} s.")


def _wrap(text, indent="", hanging="", width=WIDTH):
    return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=hanging or indent,
                         break_long_words=True, break_on_hyphens=False)


def _table_lines(report):
    column = max(len(name) for name in report.layout.names + ("parameter",))
    lines = [f"  {'parameter':<{column}}  {'shape':>9}  {'difference':>10}  {'gap/error':>9}  status"]
    for name, shape, d, ratio, status in _parameter_rows(report):
        lines.append(f"  {name:<{column}}  {shape:>9}  {d:10.3g}  {_ratio(ratio):>9}  {status}")
    return lines


def _diagnosis_lines(report, width):
    return [_wrap(f"- [{d.kind}] {d.message}", "  ", "    ", width) for d in report.diagnoses]


def _worst_part(report, k, width):
    if report.passed or not len(report.components) or not report.meaningful:
        return []
    return ["", "Worst components:"] + [_wrap(line, "  ", "    ", width) for line in _worst_lines(report, k)]


def render_text(report, k=_WORST, width=WIDTH):
    lines = [_wrap(line, width=width) for line in summary_lines(report)]
    lines += [_wrap(_mode_line(report), width=width), ""] + _table_lines(report) + _worst_part(report, k, width)
    if report.diagnoses:
        lines += ["", "Diagnoses:"] + _diagnosis_lines(report, width)
    return "\n".join(lines)


MESSAGE_WIDTH = 80  # nbgrader validate cuts each line of an error at 83 characters (its width, 90, less an indent)


def failure_message(report, k=_WORST):
    """For GradientCheckError: the compact report, verdict and diagnoses first. nbgrader's Validate shows only
    the failing cell and this message, so what a student must read comes in its first lines and the numbers that
    back it (the course's difference, the table, the worst components) after. It starts on a line of its own,
    after the exception's name, and no line is cut where Validate shows it."""
    width = MESSAGE_WIDTH
    headline_, *rest = summary_lines(report)
    lines = [_wrap(headline_, width=width)]
    if report.diagnoses:
        lines += ["Diagnoses:"] + _diagnosis_lines(report, width)
    lines += [""] + [_wrap(line, width=width) for line in rest] + [_wrap(_mode_line(report), width=width), ""]
    lines += _table_lines(report) + _worst_part(report, k, width)
    return "\n" + "\n".join(lines)


def diagnoses_html(report):
    e = html.escape
    return ("<p>Diagnoses:</p><ul>" + "".join(f"<li><b>{e(d.kind)}</b>: {e(d.message)}</li>"
                                             for d in report.diagnoses) + "</ul>")


_STYLE = ("<style>.gradlab-report{white-space:normal;overflow-wrap:anywhere;max-width:100%}"
          ".gradlab-report td,.gradlab-report th{padding:2px 8px;text-align:left;white-space:nowrap}"
          ".gradlab-report .ok{color:#1a7f37}.gradlab-report .fail{color:#cf222e;font-weight:bold}"
          ".gradlab-report .unresolved{color:#9a6700;font-weight:bold}"
          ".gradlab-report .bar{display:inline-block;height:0.8em;background:currentColor}"
          ".gradlab-report .edge{display:inline-block;height:0.8em;border-left:1px dashed #555}</style>")
_CSS = {"ok": "ok", "FAIL": "fail", "unresolved": "unresolved"}
_OUTCOME_CSS = {"passed": "ok", "FAILED": "fail", "unresolved": "unresolved", "meaningless": "unresolved"}


_BAR_KEY = ("The bars draw gap / error bar on a log scale; the dashed mark is the error bar itself: a bar that "
            "reaches past it stands above its error bar.")
_NO_BAR_KEY = "A dash: no error bar, since the cost gave different values at the same parameters."


def _ratio_bar(ratio):
    """A bar whose length is log10 of gap / error bar, with the error bar itself at the dashed mark: a parameter
    within its error ends left of it, one above it right of it. Nothing where there is no error bar."""
    if not np.isfinite(ratio):
        return ""
    length = int(np.clip((np.log10(max(ratio, 1e-6)) + 6) * 10, 2, 100))
    return (f'<span class="bar" style="width:{min(length, 60)}px"></span><span class="edge"></span>'
            f'<span class="bar" style="width:{max(length - 60, 0)}px"></span>')


def render_html(report, k=_WORST, *, diagnoses=True):
    """The report as HTML; diagnoses=False leaves the diagnoses out (a game may hold them back as a hint)."""
    e = html.escape
    summary, *rest = summary_lines(report)
    parts = [_STYLE, '<div class="gradlab-report">',
             f'<p><b class="{_OUTCOME_CSS[report.outcome]}">{e(summary)}</b><br>'
             + "<br>".join(e(line) for line in rest) + f"<br><small>{e(_mode_line(report))}</small></p>",
             "<table><tr><th>parameter</th><th>shape</th><th>difference</th><th>gap / error bar</th>"
             "<th>status</th><th>gap / error bar, log scale</th></tr>"]
    rows = _parameter_rows(report)
    for name, shape, d, ratio, status in rows:
        parts.append(f'<tr class="{_CSS[status]}"><td>{e(name)}</td><td>{e(shape)}</td><td>{d:.3g}</td>'
                     f'<td>{_ratio(ratio)}</td><td>{status}</td><td>{_ratio_bar(ratio)}</td></tr>')
    parts.append("</table>")
    finite = {bool(np.isfinite(row[3])) for row in rows}
    keys = [key for key, shown in ((_BAR_KEY, True in finite), (_NO_BAR_KEY, False in finite)) if shown]
    parts.append(f'<p class="gradlab-bar-key"><small>{" ".join(keys)}</small></p>')
    if not report.passed and len(report.components) and report.meaningful:
        parts.append("<p>Worst components:</p><ul>" + "".join(f"<li>{e(line)}</li>"
                                                                for line in _worst_lines(report, k)) + "</ul>")
    if report.diagnoses and diagnoses:
        parts.append(diagnoses_html(report))
    parts.append("</div>")
    return "".join(parts)

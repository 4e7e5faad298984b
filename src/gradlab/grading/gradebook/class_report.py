"""The class report: one HTML page with the score distribution, the mean score per exercise and the most
common problems (the grader's labels, from gradlab's diagnoses), as matplotlib figures, and a table.

The problems come from the autograded notebooks' "gradlab" metadata, written by the grading preprocessor.
"""
from __future__ import annotations

import base64
import html
import io
import os
from collections import Counter

import nbformat
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def problems_by_student(course, assignment, students):
    """{student: [label, ...]} from each autograded notebook of the assignment."""
    found = {}
    for student in students:
        folder = os.path.join(course, "autograded", student, assignment)
        labels = []
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if name.endswith(".ipynb"):
                nb = nbformat.read(os.path.join(folder, name), as_version=4)
                for result in nb.metadata.get("gradlab", {}).get("results", {}).values():
                    labels += list(result.get("problems", []))
        found[student] = labels
    return found


def _png(figure):
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(totals, maximum):
    figure = Figure(figsize=(6, 3.2))
    axes = figure.add_subplot()
    edges = [k - 0.5 for k in range(int(maximum) + 2)]  # one bar per whole score, 0 to the maximum
    axes.hist(totals, bins=edges, color="#4c72b0", edgecolor="white")
    axes.set(xlabel=f"total score (out of {maximum:g})", ylabel="students", title="Score distribution")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return figure


def exercise_means(scores, points):
    figure = Figure(figsize=(6, 3.2))
    axes = figure.add_subplot()
    names = list(points)
    shares = [100 * sum(scores[s].get(n) or 0 for s in scores) / (len(scores) * points[n]) if scores and points[n]
              else 0 for n in names]
    axes.barh([n.removeprefix("test_") for n in names][::-1], shares[::-1], color="#55a868")
    axes.set(xlim=(0, 100), xlabel="mean score (% of the points)", title="Score per exercise")
    return figure


def common_problems(counts, top=12):
    figure = Figure(figsize=(6, 0.4 * max(len(counts[:top]), 2) + 1))
    axes = figure.add_subplot()
    labels, values = zip(*counts[:top]) if counts else ((), ())
    axes.barh(list(labels)[::-1], list(values)[::-1], color="#c44e52")
    axes.set(xlabel="students", title="Most common problems")
    axes.xaxis.get_major_locator().set_params(integer=True)
    return figure


def write_report(path, assignment, scores, points, problems, failed=None):
    """Write the HTML page; return its path. `failed`: {student: why} for the submissions that were refused or
    could not be graded, listed with the reason."""
    maximum = sum(points.values())
    totals = [sum(v or 0 for v in row.values()) for row in scores.values()]
    counts = Counter(label for labels in problems.values() for label in set(labels)).most_common()
    images = [_png(score_histogram(totals, maximum)), _png(exercise_means(scores, points)), _png(common_problems(counts))]
    mean = sum(totals) / len(totals) if totals else 0.0
    rows = "\n".join(
        f"<tr><td>{html.escape(student)}</td><td>{sum(v or 0 for v in scores[student].values()):g}</td>"
        f"<td>{html.escape('; '.join(sorted(set(problems.get(student, [])))) or '-')}</td></tr>"
        for student in sorted(scores))
    figures = "\n".join(f'<img alt="figure" src="data:image/png;base64,{image}">' for image in images)
    not_graded = ""
    if failed:
        items = "\n".join(f"<tr><td>{html.escape(student)}</td><td>{html.escape(why)}</td></tr>"
                          for student, why in sorted(failed.items()))
        not_graded = (f"<h2>Not graded ({len(failed)})</h2>\n<table><tr><th>student</th><th>why</th></tr>\n"
                      f"{items}\n</table>")
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Class report: {html.escape(assignment)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}} img{{max-width:48%;margin:0.5em}}
table{{border-collapse:collapse}} td,th{{border-bottom:1px solid #ddd;padding:0.3em 0.8em;text-align:left}}</style>
</head><body>
<h1>Class report: {html.escape(assignment)}</h1>
<p>{len(totals)} submissions; mean {mean:.2f} of {maximum:g} points;
{sum(1 for t in totals if t >= maximum)} with full marks.</p>
{figures}
<h2>Students</h2>
<table><tr><th>student</th><th>total</th><th>problems found</th></tr>
{rows}
</table>
{not_graded}
</body></html>
"""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page)
    return path

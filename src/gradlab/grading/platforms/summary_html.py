"""The HTML feedback that Coursera and edX show a learner: one element (edX parses the message as XML before it
shows it), each test cell with its score and its words in a <pre>, everything the grader did not write escaped."""
from __future__ import annotations

from html import escape


def render(outcome):
    """One <div> for an Outcome (grade.py); well-formed XML, no script, no style sheet, no link."""
    rows = []
    for test in outcome.tests:
        state = "correct" if test.score >= test.points else "incorrect"
        rows.append(f'<tr class="{state}"><td>{escape(test.name)}</td><td>{test.score:g} / {test.points:g}</td></tr>'
                    f'<tr><td colspan="2"><pre>{escape(test.text)}</pre></td></tr>')
    error = f"<p><strong>{escape(outcome.error)}</strong></p>" if outcome.error else ""
    return (f'<div class="gradlab-feedback"><p>{escape(outcome.assignment)}: {outcome.score:g} / {outcome.points:g} '
            f'points.</p>{error}<table><tr><th>test</th><th>score</th></tr>{"".join(rows)}</table></div>')


def text(outcome):
    """The same, as plain text (what Coursera shows where HTML is not rendered, and Gradescope's overall output)."""
    lines = [f"{outcome.assignment}: {outcome.score:g} / {outcome.points:g} points."]
    if outcome.error:
        lines.append(outcome.error)
    for test in outcome.tests:
        lines += ["", f"{test.name}: {test.score:g} / {test.points:g}", test.text]
    return "\n".join(lines)

"""What the instructor's dashboard shows, as HTML: what it found to grade, the progress line, the summary of a
run, the most common problems per exercise, the students' rows (with a key to their columns) and a student's
feedback page."""
from __future__ import annotations

import html
import re

# The students' rows line up in a monospace list; the problems table wraps inside the output area (gradlab's
# widgets keep table cells on one line, which here ran the problems past the edge).
STYLE = ("<style>.gradlab-students select,.gradlab-students-header{font-family:monospace;font-size:12px;"
         "padding-left:4px;margin:0}.gradlab-grading-dashboard .gradlab-problems{width:100%}"
         ".gradlab-grading-dashboard .gradlab-problems td{white-space:normal;overflow-wrap:anywhere;"
         "vertical-align:top}.gradlab-grading-dashboard .gradlab-problems td:first-child{white-space:nowrap}"
         ".gradlab-columns-key{font-size:12px;color:#555}</style>")


def found_line(found, assignment, engine_line, sample_offered=False):
    """What the dashboard found to grade in the course's submitted/, and where it grades it."""
    if not found:
        return (f"No submission of <code>{html.escape(assignment)}</code> in the course's <code>submitted/</code> "
                f"yet: collect the class with <code>nbgrader collect {html.escape(assignment)}</code>"
                + (", or load the sample class to try the dashboard." if sample_offered else "."))
    return (f"Grades the {found} submission{'s' if found != 1 else ''} of <code>{html.escape(assignment)}</code> in "
            f"the course's <code>submitted/</code> {engine_line}.")


def nothing_found(error, sample_offered):
    """The status after "Grade the class" found nothing: what, where, and what to do."""
    todo = ("Press <b>Load the sample class</b> to try grading on it, or collect" if sample_offered else "Collect")
    return (f'<span class="gradlab-nothing-found">Nothing to grade: {html.escape(str(error))}. {todo} the class '
            f"with <code>nbgrader collect {html.escape(error.assignment)}</code>.</span>")


def sample_loaded(loaded):
    return (f"Loaded the sample class: {len(loaded.students)} submissions of <code>{html.escape(loaded.assignment)}"
            f"</code> in <code>submitted/</code>. Press <b>Grade the class</b>.")


def progress_line(progress):
    """"12 of 17 graded, 1 failed · 8.3 per minute · about 40 s left"."""
    parts = [f"{progress.graded} of {progress.total} {'graded' if progress.phase == 'autograde' else 'done'}"
             + (f", <b>{progress.failed} failed</b>" if progress.failed else "")]
    if progress.rate:
        parts.append(f"{progress.rate:.1f} per minute")
    if progress.eta is not None and progress.done < progress.total:
        parts.append(f"about {_duration(progress.eta)} left")
    return f'<span class="gradlab-progress-text">{" · ".join(parts)}</span>'


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def summary(run, totals, maximum):
    mean = sum(totals) / len(totals) if totals else 0.0
    failed = "".join(f"<li>{html.escape(student)}: {html.escape(_last_line(error))}</li>"
                     for student, error in sorted(run.failed.items()))
    return (f"<p><b>{len(totals)}</b> submissions in the gradebook; mean <b>{mean:.2f}</b> of {maximum:g} points, "
            f"{sum(1 for t in totals if t >= maximum)} with full marks. This run graded {len(run.graded)} "
            f"(already graded: {len(run.skipped)}, failed: {len(run.failed)}) in {run.seconds:.0f} s.</p>"
            + (f"<p>Failed:</p><ul>{failed}</ul>" if failed else "")
            + f"<p>Scores: <code>{html.escape(run.csv)}</code>"
            + (f"; report: <code>{html.escape(run.report)}</code>" if run.report else "") + "</p>")


def problems_table(counts, students, top=3):
    """Per exercise: how many students had a problem, and the most common ones."""
    if not counts:
        return "<p>No results in the autograded notebooks.</p>"
    rows = []
    for exercise, counter in counts.items():
        common = ", ".join(f"{html.escape(label)} <b>({count})</b>" for label, count in counter.most_common(top))
        rows.append(f"<tr><td><code>{html.escape(exercise)}</code></td><td>{common or '—'}</td></tr>")
    return ('<table class="gradlab-problems"><tr><th style="text-align:left">exercise</th>'
            f'<th style="text-align:left">most common problems (students, of {students})</th></tr>'
            + "".join(rows) + "</table>")


def student_rows(scores, points):
    """The students' list as a header line and [(row text, student)]: name, total and each exercise's score,
    under its initials (bpn for backward_propagation_n; students_header gives the key)."""
    columns = list(points)
    names = [_initials(c) for c in columns]
    widths = [max(len(n), 3) for n in names]
    width = max([len(s) for s in scores] + [7])
    header = f"{'student':<{width}}  {'total':>9}   " + " ".join(f"{n:>{w}}" for n, w in zip(names, widths))
    rows = []
    for student in sorted(scores):
        row = scores[student]
        total = sum(v or 0 for v in row.values())
        cells = " ".join(f"{'-' if row.get(c) is None else format(row.get(c), 'g'):>{w}}" for c, w in zip(columns, widths))
        rows.append((f"{student:<{width}}  {total:>4g} / {sum(points.values()):<2g}   {cells}", student))
    return header, rows


def students_header(header, points):
    """The list's header line, and under it what each column's initials stand for."""
    key = " · ".join(f"<b>{html.escape(_initials(c))}</b> {html.escape(_exercise(c))} ({p:g} "
                     f"point{'' if p == 1 else 's'})" for c, p in points.items())
    return (f'<pre class="gradlab-students-header">{html.escape(header)}</pre>'
            f'<div class="gradlab-columns-key">Columns: {key}; "-": no score.</div>')


def _exercise(grade_id):
    return grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id


def _initials(grade_id):
    name = _exercise(grade_id)
    return "".join(part[:1] for part in name.split("_") if part) or name


# A page shown in a srcdoc frame takes its base URL from the page around it (the notebook's), so its own links
# (the table of contents, "(Top)", headings' anchors: "#test_..." ) led the frame to the notebook's URL, where a
# sandboxed frame, sent no cookies, gets Jupyter's login page. With the frame's own address as its base, they
# scroll within the page.
_FRAME_BASE = '<base href="about:srcdoc">'
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def framed_page(page, images=None):
    """A feedback page as a srcdoc frame's document: its in-page links resolved within the frame, and the figures
    beside it ({file name: data URL}) in place of their names, which the frame cannot load."""
    found = _HEAD.search(page)
    page = page[:found.end()] + _FRAME_BASE + page[found.end():] if found else _FRAME_BASE + page
    if images:
        page = _IMAGE_SOURCE.sub(lambda m: f'src="{images.get(html.unescape(m.group(1)), m.group(1))}"', page)
    return page


_IMAGE_SOURCE = re.compile(r'src="([^"/:]+)"')  # a file beside the page, named without a folder or a scheme


def feedback_frame(student, pages, problems=(), images=None):
    """A student's feedback pages ({name: HTML text}) in sandboxed frames: their own styles stay inside, and
    nothing in a page (it holds the student's own markdown) runs. Above them, the problems found."""
    if not pages:
        return f"<p>No feedback for {html.escape(student)} yet.</p>"
    found = (f'<p class="gradlab-student-problems"><b>{html.escape(student)}</b>: '
             + (f"problems found: {html.escape('; '.join(problems))}" if problems else "no problems found") + "</p>")
    frames = "".join(f'<p>{html.escape(name)}</p>'
                     f'<iframe class="gradlab-feedback" sandbox="" title="feedback for {html.escape(student)}" '
                     f'style="width:100%;height:560px;border:1px solid #ccc;box-sizing:border-box" '
                     f'srcdoc="{html.escape(framed_page(page, images), quote=True)}"></iframe>'
                     for name, page in sorted(pages.items()))
    return found + frames


def dashboard_link(link):
    if not link:
        return ""
    return (f'<a class="gradlab-dask-dashboard" href="{html.escape(link, quote=True)}" target="_blank" '
            f'rel="noopener">Dask dashboard</a> (workers, tasks, memory; live while grading)')


def _last_line(text):
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "failed"

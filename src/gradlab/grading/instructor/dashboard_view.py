"""What the instructor's dashboard shows, as HTML: the progress line, the summary of a run, the most common
problems per exercise, the students' rows and a student's feedback page."""
from __future__ import annotations

import html


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


def student_rows(scores, points, results):
    """The students' list as a header line and [(row text, student)]: name, total, each exercise's score (under
    its initials: bpn for backward_propagation_n) and the problems found."""
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
        problems = sorted({p for r in results.get(student, {}).values() for p in r.get("problems") or []})
        text = f"{student:<{width}}  {total:>4g} / {sum(points.values()):<2g}   {cells}"
        rows.append((text + (f"   {'; '.join(problems)}" if problems else ""), student))
    return header + "   problems", rows


def _initials(grade_id):
    name = grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id
    return "".join(part[:1] for part in name.split("_") if part) or name


def feedback_frame(student, pages):
    """A student's feedback pages ({name: HTML text}) in sandboxed frames: their own styles stay inside, and
    nothing in a page (it holds the student's own markdown) runs."""
    if not pages:
        return f"<p>No feedback for {html.escape(student)} yet.</p>"
    frames = "".join(f'<p><b>{html.escape(student)}</b>: {html.escape(name)}</p>'
                     f'<iframe class="gradlab-feedback" sandbox="" title="feedback for {html.escape(student)}" '
                     f'style="width:100%;height:560px;border:1px solid #ccc" srcdoc="{html.escape(page, quote=True)}">'
                     "</iframe>" for name, page in sorted(pages.items()))
    return frames


def dashboard_link(link):
    if not link:
        return ""
    return (f'<a class="gradlab-dask-dashboard" href="{html.escape(link, quote=True)}" target="_blank" '
            f'rel="noopener">Dask dashboard</a> (workers, tasks, memory; live while grading)')


def _last_line(text):
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "failed"

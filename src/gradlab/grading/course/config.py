"""What a course's nbgrader_config.py needs to grade with gradlab, in one call:

    from gradlab.grading.course_config import grade_with_gradlab

    c = get_config()
    c.CourseDirectory.course_id = "my-course"
    grade_with_gradlab(c)

Every setting below is nbgrader's own (its preprocessors, in its pipelines); each says why it is there.
"""
import os
import sys


def grade_with_gradlab(c, *, wall_seconds=20, cell_seconds=5, call_seconds=5, memory_mb=1024, submission_mb=20,
                       submission_files=200, notebook_cells=1000, step_seconds=120):
    """Set nbgrader's autograde, sanitize and feedback pipelines, and its HTML exporter, for gradlab's grading."""
    # nbgrader makes a new gradebook with the `alembic` command it finds on PATH: run as .venv/bin/nbgrader from a
    # shell without the environment on PATH, it made the tables, then stopped, and left them without their schema
    # version (which a second run accepted and `nbgrader db upgrade` could not mend). nbgrader reads this file
    # before it opens the gradebook: the interpreter's own tools go on PATH here, and a gradebook left half-made
    # by such a run is stamped as nbgrader stamps a new one.
    from . import feedback_page
    from .nbgrader_calls import ensure_tools_on_path
    from ..gradebook.db import stamp_half_made

    ensure_tools_on_path()
    gradebook = _course_gradebook(c)
    try:
        if stamp_half_made(gradebook):
            print(f"gradlab: {gradebook} had nbgrader's tables without their schema version (left by a run that "
                  "could not find `alembic`); stamped it as nbgrader stamps a new gradebook", file=sys.stderr)
    except RuntimeError as error:  # never raised from here: nbgrader would go on without the rest of this file
        print(f"gradlab: {error}", file=sys.stderr)

    # Autograding never executes the submission in a kernel. GradeOutsideKernel takes the place of nbgrader's
    # Execute: it runs the student's code in sandboxed children (a sandbox per submission), scores the test cells
    # that exercises/ASSIGNMENT.py declares, runs the others as ordinary test cells, and writes each test cell's
    # outputs, which SaveAutoGrades then records as usual.
    c.Autograde.autograde_preprocessors = [
        "gradlab.grading.course.preprocessor.GradeOutsideKernel",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.GradeOutsideKernel.wall_seconds = wall_seconds  # one child process, start to end
    c.GradeOutsideKernel.cell_seconds = cell_seconds  # one code cell
    c.GradeOutsideKernel.call_seconds = call_seconds  # one call of a student's function
    c.GradeOutsideKernel.memory_mb = memory_mb  # a process, and the submission's processes together

    # What nbgrader does outside the sandbox grows with the submission (about 3 ms per cell and pass, a gigabyte
    # of memory per hundred megabytes of notebook): the exporters of its autograde and feedback steps check a
    # submission before parsing it (no link, FIFO or device, which nbgrader would follow or block on; its size,
    # its files, then its notebook's cells, counted from the JSON) and give each step a deadline, whose clock stops
    # while the sandbox grades. A submission over a limit is nbgrader's failure of that submission, with the reason.
    c.Autograde.exporter_class = "gradlab.grading.course.exporters.BoundedNotebookExporter"
    c.GenerateFeedback.exporter_class = "gradlab.grading.course.exporters.BoundedHTMLExporter"
    c.SubmissionLimits.max_bytes = int(submission_mb * 2 ** 20)
    c.SubmissionLimits.max_files = submission_files
    c.SubmissionLimits.max_cells = notebook_cells
    c.SubmissionLimits.step_seconds = step_seconds

    # A deleted test cell comes back (and is graded) instead of leaving "needs manual grade"; an edited one is
    # restored from the gradebook, as nbgrader always does for locked cells. RestoreTestCells is nbgrader's
    # OverwriteCells, except that a pasted or forged cell with an unknown grade id becomes an ordinary cell instead
    # of failing the whole submission, that its grade, solution and task flags are restored from the gradebook too
    # (a flipped flag would fail nbgrader's checksum and the whole submission), and that an untouched cell with
    # hidden tests is not reported as changed.
    c.Autograde.sanitize_preprocessors = [
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "gradlab.grading.course.restore.RestoreTestCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.OverwriteCells.add_missing_cells = True

    # Feedback is rendered from the autograded notebook, whose test cells hold the hidden tests again: take the
    # hidden regions out before rendering, so that no hidden test line reaches a student.
    # The page's outputs wrap at its edge and its maths is MathML, with no MathJax from a CDN (feedback_page.py),
    # so that it reads whole wherever it is opened: the student's copy, offline too, and the dashboard's frame.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbgrader.preprocessors.GetGrades",
        "gradlab.grading.course.feedback_page.FeedbackPageCSS",
    ]
    c.HTMLExporter.extra_template_basedirs = feedback_page.template_basedirs()

    # Every page rendered from a student's notebook (the feedback, and the formgrader's view of a submission,
    # opened in the instructor's logged-in browser) is cleaned: markdown and outputs lose scripts, event handlers
    # and javascript: links, and long cells are shown without the syntax highlighting that would take minutes on
    # them. nbgrader's own templates render markdown without nbconvert's sanitize_html, hence gradlab's filters.
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.filters = {"markdown2html": "gradlab.grading.course.feedback_html.markdown2html",
                              "highlight_code": "gradlab.grading.course.feedback_html.highlight_code"}
    return c


def _course_gradebook(c):
    """The SQLite file of the course's gradebook as nbgrader will open it: its db_url if this file sets one, else
    gradebook.db in the course's root (nbgrader's default: the folder it is run in); None for another database."""
    course = c.CourseDirectory
    if "db_url" in course:
        url = course.db_url
        return url[len("sqlite:///"):] if url.startswith("sqlite:///") else None
    return os.path.join(course.root if "root" in course else os.getcwd(), "gradebook.db")

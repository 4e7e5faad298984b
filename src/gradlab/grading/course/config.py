"""What a course's nbgrader_config.py needs to grade with gradlab, in one call:

    from gradlab.grading.course_config import grade_with_gradlab

    c = get_config()
    c.CourseDirectory.course_id = "my-course"
    grade_with_gradlab(c)

Every setting below is nbgrader's own (its preprocessors, in its pipelines); each says why it is there.
"""


def grade_with_gradlab(c, *, wall_seconds=20, cell_seconds=5, call_seconds=5, memory_mb=1024, submission_mb=20,
                       submission_files=200, notebook_cells=1000, step_seconds=120):
    """Set nbgrader's autograde, sanitize and feedback pipelines, and its HTML exporter, for gradlab's grading."""
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
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]

    # Every page rendered from a student's notebook (the feedback, and the formgrader's view of a submission,
    # opened in the instructor's logged-in browser) is cleaned: markdown and outputs lose scripts, event handlers
    # and javascript: links, and long cells are shown without the syntax highlighting that would take minutes on
    # them. nbgrader's own templates render markdown without nbconvert's sanitize_html, hence gradlab's filters.
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.filters = {"markdown2html": "gradlab.grading.course.feedback_html.markdown2html",
                              "highlight_code": "gradlab.grading.course.feedback_html.highlight_code"}
    return c

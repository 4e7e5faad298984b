# The gradient-checking course: nbgrader's ordinary commands, with grading moved out of the student's kernel. Each
# assignment's exercises are declared in exercises/ASSIGNMENT.py (never released); test every assignment's own tests
# before releasing it with `python -m gradlab.grading verify . ASSIGNMENT`.
#
#   nbgrader generate_assignment gradient_checking
#   nbgrader autograde gradient_checking
#   nbgrader generate_feedback gradient_checking
#   nbgrader export
#
# or, for a whole class in parallel with a CSV, feedback and a class report:
#
#   python -m gradlab.grading grade . gradient_checking
import os

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "gradient-checking"

# Release, fetch, submit and collect go through an exchange folder that the instructor and every student can reach.
# On a JupyterHub the administrator makes one shared folder (e.g. /srv/nbgrader/exchange, mode 777) and names it in
# the system-wide /etc/jupyter/nbgrader_config.py for everyone, so this file leaves it alone there. On one machine
# (a laptop, `make lab`), exchange/ beside this file serves, made when missing, so the formgrader's release and
# collect work at once. NBGRADER_EXCHANGE names another folder in either case.
if os.environ.get("NBGRADER_EXCHANGE"):
    c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
elif not os.environ.get("JUPYTERHUB_USER"):
    c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")
    os.makedirs(c.Exchange.root, exist_ok=True)

# Autograding never executes the submission in a kernel. GradeOutsideKernel takes the place of nbgrader's
# Execute: it runs the student's code cells in a sandboxed child process per exercise and writes each test
# cell's score as its output, which SaveAutoGrades then records as usual.
c.Autograde.autograde_preprocessors = [
    "gradlab.grading.preprocessor.GradeOutsideKernel",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GradeOutsideKernel.wall_seconds = 20  # one exercise's child process, start to end
c.GradeOutsideKernel.cell_seconds = 5  # one code cell
c.GradeOutsideKernel.call_seconds = 5  # one call of a student's function
c.GradeOutsideKernel.memory_mb = 1024

# A deleted test cell comes back (and is graded) instead of leaving "needs manual grade"; an edited one is
# restored from the gradebook, as nbgrader always does for locked cells. RestoreTestCells is nbgrader's
# OverwriteCells, except that a pasted or forged cell with an unknown grade id becomes an ordinary cell
# instead of failing the whole submission.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "gradlab.grading.sanitize.RestoreTestCells",
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

# Every page rendered from a student's notebook (the feedback, and the formgrader's view of a submission, opened
# in the instructor's logged-in browser) is cleaned: markdown and outputs lose scripts, event handlers and
# javascript: links, and long cells are shown without the syntax highlighting that would take minutes on them.
# nbgrader's own templates render markdown without nbconvert's sanitize_html, hence gradlab's filters.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"markdown2html": "gradlab.grading.feedback_html.markdown2html",
                          "highlight_code": "gradlab.grading.feedback_html.highlight_code"}

# The gradient-checking course: nbgrader's ordinary commands, with grading moved out of the student's kernel.
# Each assignment's exercises are declared in exercises/ASSIGNMENT.py (never released); test an assignment's own
# tests before releasing it with `python -m gradlab.grading verify . ASSIGNMENT`.
#
#   nbgrader generate_assignment gradient_checking
#   nbgrader autograde gradient_checking
#   nbgrader generate_feedback gradient_checking
#   nbgrader export
#
# or, for a whole class on a Dask cluster (local by default), with a CSV, feedback and a class report:
#
#   python -m gradlab.grading grade . gradient_checking
import os

from gradlab.grading.course_config import grade_with_gradlab

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "gradient-checking"

# nbgrader's pipelines with gradlab's grading in place of the kernel (see src/gradlab/grading/course/config.py).
# The exercises' networks are tiny: 256 MiB per process (about 150 MiB above what Python, numpy and gradlab map) is
# far more than any of them needs, and a submission that hoards memory meets the limit in a tenth of a second
# rather than the two seconds it takes to fill 1 GiB.
grade_with_gradlab(c, memory_mb=256)

# Release, fetch, submit and collect go through an exchange folder that the instructor and every student can reach.
# On a JupyterHub the administrator makes one shared folder (e.g. /srv/nbgrader/exchange, mode 777) and names it in
# the system-wide /etc/jupyter/nbgrader_config.py for everyone, so this file leaves it alone there. On one machine
# (a laptop, `make lab`), exchange/ beside this file serves, made when missing, so the formgrader's release and
# collect work at once. NBGRADER_EXCHANGE names another folder in either case.
if os.environ.get("NBGRADER_EXCHANGE"):
    c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
elif not (os.environ.get("JUPYTERHUB_USER") or os.environ.get("JUPYTERHUB_SERVICE_NAME")):  # a hub's server or service
    c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")
    os.makedirs(c.Exchange.root, exist_ok=True)

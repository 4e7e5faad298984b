"""sandbox: running a submission's code where it can harm nothing, and reading back only data.

    box.py         Sandbox (one per submission), Limits, ChildRun: a job in, what the child left out
    job.py         what a child is asked to do, as plain data (cells, calls, arrays)
    launch.py      starting the submission's supervisor, the pipe to it, making sure it ends
    bubblewrap.py  the bwrap command line (namespaces, uid 65534, read-only binds, size-limited tmpfs)
    cgroups.py     a control group per submission (memory, process count)
    child/         the code that runs inside: the supervisor, the child, its own confinement (Landlock, rlimits);
                   standard library and numpy only, never gradlab

May import: nothing of gradlab.grading (it knows nothing of exercises, nbgrader or gradebooks).
"""
from .box import ChildRun, Limits, Sandbox

__all__ = ["ChildRun", "Limits", "Sandbox"]

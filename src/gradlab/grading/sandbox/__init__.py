"""sandbox: running a submission's code where it can harm nothing, and reading back only data.

    box.py         Sandbox (one per submission), Limits, ChildRun: a job in, what the child left out
    job.py         what a child is asked to do, as plain data (cells, calls, arrays; whether it holds hidden inputs)
    zygote.py      one sandboxed process per grader process, its imports done, forking a supervisor per submission
    launch.py      the submission's supervisor: its cgroup, the socket to it, making sure it ends
    bubblewrap.py  the bwrap command line (namespaces, uid 65534, read-only binds, size-limited tmpfs)
    cgroups.py     a control group per submission (memory, process count)
    child/         the code that runs inside: the zygote, the supervisor, each run's namespaces and monitor, the
                   child and its own confinement (Landlock, rlimits, charged time); standard library and numpy
                   only, never gradlab (the zygote imports the modules it is told to preload)

May import: nothing of gradlab.grading (it knows nothing of exercises, nbgrader or gradebooks).
"""
from .box import ChildRun, Limits, Sandbox

__all__ = ["ChildRun", "Limits", "Sandbox"]

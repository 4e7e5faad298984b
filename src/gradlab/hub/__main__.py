"""The demo hub: `make hub`, or `python -m gradlab.hub [--port 8000] [--keep DIR]` as root.

It makes two learners and an instructor (system users, removed when the hub stops), the course in the instructor's
home with every assignment generated and released to nbgrader's exchange, and starts JupyterHub on 127.0.0.1 with
the grading service. It prints where to log in and runs until Ctrl+C.
"""
from __future__ import annotations

import argparse
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

from . import classroom as classrooms
from . import launch

INSTRUCTOR = "gradlab-instructor"
LEARNERS = ("gradlab-ada", "gradlab-ben")
ASSIGNMENTS = ("gradient_checking", "planar_classifier", "softmax_regression", "batch_normalization")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gradlab.hub", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1 (default 8000)")
    parser.add_argument("--keep", metavar="DIR", help="make the classroom in DIR (a new folder) and keep it afterwards")
    parser.add_argument("--password", help="the demo users' password (default: a new random one, printed)")
    options = parser.parse_args(argv)
    reason = launch.missing()
    if reason:
        sys.exit(f"The demo hub cannot start: {reason}.")
    if options.keep and Path(options.keep).exists():
        sys.exit(f"--keep {options.keep}: that folder exists already; name a new one")
    root = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="gradlab-hub-"))
    password = options.password or secrets.token_urlsafe(9)
    print(f"Making the classroom in {root}: users {INSTRUCTOR}, {', '.join(LEARNERS)}; the course generated and "
          "released ...", flush=True)
    classroom = classrooms.make(root, INSTRUCTOR, LEARNERS, ASSIGNMENTS)
    hub = None
    try:
        hub = launch.start(classroom, password, port=options.port)
        print(f"\nJupyterHub: {hub.url}  (log: {hub.log})\n"
              f"  learners   {', '.join(LEARNERS)}: Nbgrader > Assignment List fetches an assignment; its last cell has "
              "the Submit button\n"
              f"  instructor {INSTRUCTOR}: course/ holds the course, course/instructor.ipynb the dashboard, "
              "Nbgrader > Formgrader the gradebook\n"
              f"  password   {password}\n"
              f"  grading service: {hub.service_url} (a hub service: {hub.url}services/grading/)\n"
              "Ctrl+C stops the hub and removes the users.", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while hub.process.poll() is None:
            time.sleep(1)
        print(f"jupyterhub exited with code {hub.process.returncode}:\n{hub.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if hub is not None:
            launch.stop(hub)
        classrooms.remove(classroom, keep=bool(options.keep))
        print("The hub is stopped and its users are removed" + (f"; the classroom stays in {root}." if options.keep
                                                                 else "."), flush=True)


if __name__ == "__main__":
    sys.exit(main())

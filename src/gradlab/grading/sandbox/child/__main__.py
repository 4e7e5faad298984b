"""The sandboxed child: `python -I <this directory> RUN_DIR OUT PID_FD ISOLATION` (a new interpreter for each run);
or the zygote, which forks a supervisor per submission and a child per run from itself, with
`--zygote FD SCRATCH RESULTS PRELOAD` (zygote.py).

The child says its pid (as /proc names it) on PID_FD, reads RUN_DIR/job.json and RUN_DIR/inputs.npz, confines itself
(confine.py), refuses imports of gradlab's reference implementations (references.py), runs the submission's cells
and the calls the job asks for (calls.py), and leaves its results in OUT (a folder where the submission's own files
cannot take the room results need): start.json (protections in force), cells.json (cells that failed, what cells
printed, test cells' outcomes), case-K.json and case-K.npz (one per call), and done.json when it finished.
"""
import json
import os
import sys

import numpy as np

import calls
import cells
import charged
import confine
import references


def main(scratch, out, pid_fd=None, reading=None, isolated=()):
    if pid_fd is not None:  # for the monitor, which charges this process's time (charged.py)
        try:
            os.write(pid_fd, os.readlink("/proc/self").encode())
        except OSError:
            pass
        os.close(pid_fd)
    cells.CLOCK = charged.ChargedClock()
    with open(os.path.join(scratch, "job.json")) as handle:
        job = json.load(handle)
    with np.load(os.path.join(scratch, "inputs.npz"), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    limits = job["limits"]
    os.chdir(scratch)
    protections = confine.confine([scratch, out], limits["memory_bytes"], limits["cpu_seconds"],
                                  limits["file_bytes"], reading)
    protections += [*isolated, references.refuse_imports()]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p) != os.path.dirname(os.path.abspath(__file__))]
    calls.write_record(out, "start", {"protections": protections})
    calls.run_job(job, arrays, out)  # the submission's cells, then the calls: see calls.py
    calls.write_record(out, "done", {})


if __name__ == "__main__":
    if sys.argv[1] == "--zygote":
        import zygote

        zygote.serve(int(sys.argv[2]), sys.argv[3], sys.argv[4], [n for n in sys.argv[5].split(",") if n], main)
        sys.exit(0)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), None, json.loads(sys.argv[4]))
    # Leave at once: atexit handlers and finalizers a submission registered do not run.
    os._exit(0)

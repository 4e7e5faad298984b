"""The sandboxed child: `python -I <this directory> SCRATCH [OUT]`; or the submission's supervisor, which
starts children (forked from itself, or as new interpreters), with `--supervise ROOT RESULTS fork|exec`
(supervisor.py).

The child reads SCRATCH/job.json and SCRATCH/inputs.npz, confines itself (confine.py), refuses imports of
gradlab's reference implementations (references.py), runs the submission's cells and the calls the job asks
for (calls.py), and leaves its results in OUT (default SCRATCH/out; the supervisor gives a folder where the submission's
own files cannot take the room results need): start.json (protections in force), cells.json (cells that
failed, what cells printed, test cells' outcomes), case-K.json and case-K.npz (one per call), and done.json
when it finished.
"""
import json
import os
import sys

import numpy as np

import calls
import confine
import references


def main(scratch, out=None):
    with open(os.path.join(scratch, "job.json")) as handle:
        job = json.load(handle)
    with np.load(os.path.join(scratch, "inputs.npz"), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    out = out or os.path.join(scratch, "out")
    limits = job["limits"]
    os.chdir(scratch)
    protections = confine.confine([scratch, out], limits["memory_bytes"], limits["cpu_seconds"],
                                  limits["file_bytes"])
    protections.append(references.refuse_imports())
    sys.path[:] = [p for p in sys.path if os.path.abspath(p) != os.path.dirname(os.path.abspath(__file__))]
    calls.write_record(out, "start", {"protections": protections})
    calls.run_job(job, arrays, out)  # the submission's cells, then the calls: see calls.py
    calls.write_record(out, "done", {})


if __name__ == "__main__":
    if sys.argv[1] == "--supervise":
        import supervisor

        supervisor.serve(sys.argv[2], sys.argv[3], main if sys.argv[4] == "fork" else None)
        sys.exit(0)
    main(*sys.argv[1:3])
    # Leave at once: atexit handlers and finalizers a submission registered do not run.
    os._exit(0)

"""The sandboxed child: `python -I <this directory> SCRATCH`, or a fork server with `--serve`.

Reads SCRATCH/job.json and SCRATCH/inputs.npz, confines itself (confine.py), runs the submission's code cells,
calls one exercise's function on each case, and leaves its results in SCRATCH/out: start.json (protections in
force), cells.json (cells that failed), case-K.json and case-K.npz, and done.json when it finished.
"""
import json
import os
import sys

import numpy as np

import calls
import cells
import confine


def main(scratch):
    with open(os.path.join(scratch, "job.json")) as handle:
        job = json.load(handle)
    with np.load(os.path.join(scratch, "inputs.npz"), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    references = calls.compile_references(job["references"])
    out = os.path.join(scratch, "out")
    limits = job["limits"]
    os.chdir(scratch)
    protections = confine.confine(scratch, limits["memory_bytes"], limits["cpu_seconds"], limits["file_bytes"])
    sys.path[:] = [p for p in sys.path if os.path.abspath(p) != os.path.dirname(os.path.abspath(__file__))]
    calls.write_record(out, "start", {"protections": protections})
    namespace = cells.new_namespace()
    failures = cells.run_cells(job["cells"], namespace, limits["cell_seconds"])
    calls.write_record(out, "cells", {"failures": failures})
    calls.run_cases(job["exercise"], namespace, job["cases"], arrays, references, limits["call_seconds"], out)
    calls.write_record(out, "done", {})


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        import forkserver

        forkserver.serve(main)
        sys.exit(0)
    main(sys.argv[1])
    # Leave at once: atexit handlers and finalizers a submission registered do not run.
    os._exit(0)

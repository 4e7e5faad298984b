"""What the sandbox costs per submission: a Sandbox opened, six runs of a small job (one per exercise, as the
course's grading makes them), closed; with bubblewrap and without, forked children and new interpreters.

    .venv/bin/python benchmarks/sandbox.py [--submissions 20]

Wall-clock seconds on this machine (the sandboxes' processes are not the caller's children to the end, so their
CPU time cannot be read from here). Not a timed test: it prints a table.
"""
from __future__ import annotations

import argparse
import statistics
import time

from gradlab.grading.sandbox.job import Call, Job
from gradlab.grading.sandbox.box import Limits, Sandbox

SOURCE = "import numpy as np\ndef forward_propagation(x, theta):\n    return theta * x\n"
RUNS = 6


def one_submission(contained, fork):
    job = Job([(SOURCE, None)], [Call("forward_propagation", (2.0, 4.0))])
    started = time.perf_counter()
    with Sandbox(Limits(), fork_server=fork, contained=contained) as box:
        first = time.perf_counter()
        box.run(job)
        opened = time.perf_counter() - first
        for _ in range(RUNS - 1):
            box.run(job)
    return time.perf_counter() - started, opened


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"{'sandbox':34s} {'s/submission':>12s} {'first run':>10s} {'later run':>10s}")
    for contained in (True, False):
        for fork in (True, False):
            totals, firsts = zip(*(one_submission(contained, fork) for _ in range(args.submissions)))
            total, first = statistics.median(totals), statistics.median(firsts)
            name = f"{'bubblewrap' if contained else 'no bubblewrap'}, {'forked' if fork else 'new interpreter'}"
            print(f"{name:34s} {total:12.3f} {first:10.3f} {(total - first) / (RUNS - 1):10.3f}")


if __name__ == "__main__":
    main()

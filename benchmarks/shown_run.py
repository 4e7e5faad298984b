"""What the run that shows a student's printed output and errors costs: each sample submission graded in this process
(grade_notebook, the sandbox on) as grading does it, and again with that run left out where the notebook has no
ordinary test cell (before it, the first exercise's run, which holds the hidden cases' inputs, was shown instead).

    .venv/bin/python benchmarks/shown_run.py [--rounds 3]

The two take turns over each sample class, round after round, and each assignment's figure is the median over rounds of the wall
clock per submission; the ratio is the median of the rounds' ratios. Not a timed test: it prints a table.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import nbformat

from gradlab.grading.declare import declarations
from gradlab.grading.judging import grader

COURSE = Path(__file__).resolve().parents[1] / "autograder"


def without_the_shown_run(run_plain_tests):
    """run_plain_tests, skipped where there is no ordinary test cell (nothing is then shown for the student's cells)."""
    def run(box, cells, plain_ids, log=None):
        return run_plain_tests(box, cells, plain_ids, log) if plain_ids else ({}, {})

    return run


def seconds(notebooks, declared):
    started = time.perf_counter()
    for nb in notebooks:
        grader.grade_notebook(nb, declared)
    return (time.perf_counter() - started) / len(notebooks)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    shown, skipped = grader.run_plain_tests, without_the_shown_run(grader.run_plain_tests)
    print(f"{'assignment':22s} {'submissions':>11s} {'with it':>9s} {'without':>9s} {'ratio':>6s}")
    for folder in sorted(path for path in (COURSE / "sample_class").iterdir() if path.is_dir()):
        notebooks = [nbformat.read(path, as_version=4) for path in sorted(folder.glob("*.ipynb"))]
        declared = declarations.load(COURSE, folder.name)
        timings = {"with": [], "without": []}
        for _ in range(args.rounds):
            for name, function in (("with", shown), ("without", skipped)):
                grader.run_plain_tests = function
                timings[name].append(seconds(notebooks, declared))
        grader.run_plain_tests = shown
        ratio = statistics.median(a / b for a, b in zip(timings["with"], timings["without"]))
        print(f"{folder.name:22s} {len(notebooks):11d} {statistics.median(timings['with']):8.2f}s "
              f"{statistics.median(timings['without']):8.2f}s {ratio:5.2f}x")


if __name__ == "__main__":
    main()

"""How long each lesson takes top to bottom in a fresh kernel (the goal: under 60 s each).

    python benchmarks/lessons.py
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


def main():
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["IPYTHONDIR"] = os.path.join(scratch, "ipython")
        print("| lesson | seconds |\n|---|---|")
        for path in sorted(LESSONS.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            started = time.perf_counter()
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(LESSONS)}}).execute()
            print(f"| {path.stem} | {time.perf_counter() - started:.1f} |", flush=True)


if __name__ == "__main__":
    main()

"""The nbgrader plug-in: a preprocessor that grades every test cell outside the student's kernel.

It takes the place of nbgrader's Execute in `c.Autograde.autograde_preprocessors`, so the student's notebook is
never run in a kernel at all: no kernel to die, to hang, or to be reprogrammed by the code it runs. Each test
cell gets the outputs nbgrader's SaveAutoGrades reads: a stdout stream with the feedback in words, and an
execute_result whose text/plain is the score as a plain float, between 0 and the cell's points. The results
also go into the notebook's metadata ("gradlab"), where the class report reads them.
"""
from __future__ import annotations

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Dict, Float, Integer, Unicode

from .grader import grade_notebook, result_summary
from .notebook import is_test_cell
from .sandbox import Limits


class GradeOutsideKernel(NbGraderPreprocessor):
    """Run each exercise of the submission in a sandboxed child process and score it with gradlab."""

    wall_seconds = Float(20.0, help="Wall-clock limit for one exercise's child process (start-up, cells, calls).").tag(
        config=True)
    cell_seconds = Float(5.0, help="Time limit for one code cell of the submission.").tag(config=True)
    call_seconds = Float(5.0, help="Time limit for one call of a student's function.").tag(config=True)
    memory_mb = Integer(1024, help="Address-space limit of a child process, in MiB.").tag(config=True)
    exercises = Dict({}, help="grade_id -> exercise name, for test cells not named test_<exercise>.").tag(config=True)
    python = Unicode("", help="The interpreter for child processes (default: the grader's own).").tag(config=True)
    fork_server = Bool(True, help="Fork each child from a pristine interpreter kept for the purpose (fast) instead "
                                  "of starting a new interpreter for every exercise.").tag(config=True)

    def preprocess(self, nb, resources):
        limits = Limits(self.wall_seconds, self.cell_seconds, self.call_seconds, self.memory_mb)
        results = grade_notebook(nb, limits, dict(self.exercises), self.python or None, self.log, self.fork_server)
        count = 0
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            count += 1
            result = results[cell.metadata.nbgrader["grade_id"]]
            cell.execution_count = count
            cell.outputs = [new_output("stream", name="stdout", text=result.text() + "\n"),
                            new_output("execute_result", data={"text/plain": repr(float(result.score))},
                                       execution_count=count)]
        nb.metadata["gradlab"] = {"results": result_summary(results)}
        return nb, resources

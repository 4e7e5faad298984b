"""The nbgrader plug-in: a preprocessor that grades every test cell outside the student's kernel.

It takes the place of nbgrader's Execute in `c.Autograde.autograde_preprocessors`, so the student's notebook is
never run in a kernel at all: no kernel to die, to hang, or to be reprogrammed by the code it runs. A test cell
that a declared exercise scores (the course's exercises/ASSIGNMENT.py) gets a stdout stream with the feedback in
words and an execute_result whose text/plain is the score as a plain float between 0 and the cell's points; an
ordinary test cell gets the outputs a kernel would have given it (plain.py); every other code cell gets what it
printed in the sandbox, and the error it raised as a kernel shows one (judging/cell_outputs.py). nbgrader's
SaveAutoGrades then reads them as usual. The results also go into the notebook's metadata ("gradlab"), where the
class report reads them, with the protections that held the submission in every run ("protections": {"in_force",
"runs", "unreported"}).
"""
from __future__ import annotations

from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from ..declare import declarations
from ..judging.cell_outputs import cell_outputs
from ..judging.grader import grade_notebook, protections_summary, result_summary
from ..judging.notebook import is_test_cell
from ..judging.plain import outputs as plain_outputs
from ..sandbox.box import Limits


class GradeOutsideKernel(NbGraderPreprocessor):
    """Run the submission in sandboxed child processes and score its test cells with gradlab."""

    declarations = Unicode(declarations.DEFAULT, help="Where an assignment's exercise declarations are, relative to "
                                                      "the course directory ({assignment} is replaced).").tag(config=True)
    wall_seconds = Float(20.0, help="Wall-clock limit for one exercise's child process (start-up, cells, calls).").tag(
        config=True)
    cell_seconds = Float(5.0, help="Time limit for one code cell of the submission.").tag(config=True)
    call_seconds = Float(5.0, help="Time limit for one call of a student's function.").tag(config=True)
    memory_mb = Integer(1024, help="Address-space limit of a child process, in MiB.").tag(config=True)
    python = Unicode("", help="The interpreter for child processes (default: the grader's own).").tag(config=True)
    fork_server = Bool(True, help="Fork each child from a pristine interpreter kept for the purpose (fast) instead "
                                  "of starting a new interpreter for every exercise.").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        root = CourseDirectory(config=self.config).root
        declared = declarations.load(root, assignment, self.declarations)
        limits = Limits(self.wall_seconds, self.cell_seconds, self.call_seconds, self.memory_mb)
        graded = grade_notebook(nb, declared, limits, self.python or None, self.log, self.fork_server)
        count = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            count += 1
            cell.execution_count = count
            if not is_test_cell(cell):
                cell.outputs = cell_outputs(graded.printed.get(index))
                continue
            grade_id, points = cell.metadata.nbgrader["grade_id"], cell.metadata.nbgrader.get("points", 0)
            if grade_id in graded.exercises:
                result = graded.exercises[grade_id]
                cell.outputs = [new_output("stream", name="stdout", text=result.text() + "\n"),
                                new_output("execute_result", data={"text/plain": repr(float(result.score))},
                                           execution_count=count)]
            else:
                cell.outputs = plain_outputs(graded.plain[grade_id], points, count)
        nb.metadata["gradlab"] = {"results": result_summary(graded), "protections": protections_summary(graded)}
        return nb, resources

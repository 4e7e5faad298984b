"""RestoreTestCells: nbgrader's OverwriteCells, made safe against cells that carry nbgrader metadata without a
grade id it knows or with flipped flags, and quiet about test cells nobody changed.

Two ordinary things produce cells with an unknown grade id: a copied and pasted test cell (DeduplicateIds empties the
metadata of all copies but one) and a cell pasted from another notebook or forged (OverwriteCells deletes its unknown
grade_id). nbgrader 0.9 then fails the whole submission on them (a KeyError in add_missing_grade_cells,
add_missing_task_cells or SaveAutoGrades). Here they become ordinary cells: they earn nothing, break nothing.

nbgrader records a locked cell's checksum before generate_assignment clears its hidden tests (jupyter/nbgrader#1961),
so every untouched test cell with hidden tests reads as changed ("Attribute 'checksum' for cell ... has changed!"),
and an instructor reads tampering into every submission. A cell whose source is exactly the released one (the
recorded source with its hidden region cleared, as ClearHiddenTests clears it) is given the recorded source before
OverwriteCells compares: the warning then means what it says, an edited cell.

OverwriteCells restores a locked cell's source, type, lock and points, but not whether it is a grade, solution or
task cell, which its checksum covers: a student who flips a test cell's `grade` or `solution` flag makes the
restored cell's checksum differ ("Inconsistent checksums"), and nbgrader fails the whole submission, which then
goes to a person who grades it in a live kernel. Here the three flags come from the gradebook first, like the
rest, and the submission is scored with the restored tests.
"""
import copy

from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class RestoreTestCells(OverwriteCells):
    def preprocess(self, nb, resources):
        self._recorded = None  # this notebook's flags as the gradebook holds them, read at its first cell
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        self._restore_flags(cell)
        self._restore_if_as_released(cell)
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if "nbgrader" in cell.metadata and "grade_id" not in cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources

    def _restore_flags(self, cell):
        """The cell's grade, solution and task flags (and its points, for a grade cell that lost them), as the
        gradebook records the cell of that grade id."""
        nbgrader = cell.metadata.get("nbgrader")
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if grade_id is None:
            return
        if self._recorded is None:
            source = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
            self._recorded = {"grade": {c.name: c.max_score for c in source.grade_cells},
                              "solution": {c.name for c in source.solution_cells},
                              "task": {c.name for c in source.task_cells},
                              "known": {c.name for c in source.source_cells}}
        if grade_id not in self._recorded["known"]:
            return  # OverwriteCells makes it an ordinary cell
        for flag in ("grade", "solution", "task"):
            recorded = grade_id in self._recorded[flag]
            if bool(nbgrader.get(flag, False)) != recorded:
                self.report_change(grade_id, flag, recorded, nbgrader.get(flag))
                nbgrader[flag] = recorded
        if nbgrader["grade"] and "points" not in nbgrader:
            nbgrader["points"] = float(self._recorded["grade"][grade_id])

    def _restore_if_as_released(self, cell):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            return
        try:
            recorded = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return
        if not recorded.locked or recorded.source == cell.source:
            return
        released = copy.deepcopy(cell)
        released.source = recorded.source
        ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        if cell.source == released.source:
            cell.source = recorded.source

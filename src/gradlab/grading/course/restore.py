"""RestoreTestCells: nbgrader's OverwriteCells, made safe against cells that carry nbgrader metadata without a
grade id it knows, and quiet about test cells nobody changed.

Two ordinary things produce cells with an unknown grade id: a copied and pasted test cell (DeduplicateIds empties the
metadata of all copies but one) and a cell pasted from another notebook or forged (OverwriteCells deletes its unknown
grade_id). nbgrader 0.9 then fails the whole submission on them (a KeyError in add_missing_grade_cells,
add_missing_task_cells or SaveAutoGrades). Here they become ordinary cells: they earn nothing, break nothing.

nbgrader records a locked cell's checksum before generate_assignment clears its hidden tests (jupyter/nbgrader#1961),
so every untouched test cell with hidden tests reads as changed ("Attribute 'checksum' for cell ... has changed!"),
and an instructor reads tampering into every submission. A cell whose source is exactly the released one (the
recorded source with its hidden region cleared, as ClearHiddenTests clears it) is given the recorded source before
OverwriteCells compares: the warning then means what it says, an edited cell.
"""
import copy

from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class RestoreTestCells(OverwriteCells):
    def preprocess_cell(self, cell, resources, cell_index):
        self._restore_if_as_released(cell)
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if "nbgrader" in cell.metadata and "grade_id" not in cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources

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

"""RestoreTestCells: nbgrader's OverwriteCells, made safe against cells that carry nbgrader metadata without a
grade id it knows.

Two ordinary things produce such cells: a copied and pasted test cell (DeduplicateIds empties the metadata of
all copies but one) and a cell pasted from another notebook or forged (OverwriteCells deletes its unknown
grade_id). nbgrader 0.9 then fails the whole submission on them (a KeyError in add_missing_grade_cells,
add_missing_task_cells or SaveAutoGrades). Here they become ordinary cells: they earn nothing, break nothing.
"""
from nbgrader.preprocessors import OverwriteCells


class RestoreTestCells(OverwriteCells):
    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if "nbgrader" in cell.metadata and "grade_id" not in cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources

"""What a submission's body must be before it is stored, each refusal with the status code and the words that say
what is wrong: no more cells than the course's SubmissionLimits allow, a JSON Jupyter notebook (nbformat 4), this assignment's notebook and not another's, and one that
names no other learner.

Identity is the token's, never the body's: nothing in the body is read as who sent it. A body that holds another
learner's id is refused all the same (a copied notebook, or an attempt to pass as them), where "holds" means: a
string of the notebook's JSON (a key or a value, in metadata, a cell's source or an output) that is exactly the id
of another learner the course knows (its tokens' learners and nbgrader's students). Ids inside longer text
("worked with bob") are a learner's own words and are not refused.
"""
from __future__ import annotations

import json
import warnings


class Refused(Exception):
    """A request refused: its HTTP status and the words for {"error": ...}."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def within_cells(body, limits, name):
    """Refused(413) if the body holds more cells than the course's c.SubmissionLimits.max_cells: counted by the
    check the class command stages with, before nbformat parses the notebook whole."""
    from ..course.intake import SubmissionTooLarge, check_cells

    try:
        check_cells(body, limits, name)
    except SubmissionTooLarge as refused:
        raise Refused(413, str(refused)) from None


def notebook(body):
    """The body as a notebook (nbformat's NotebookNode), or Refused(400) saying why it is not one."""
    import nbformat

    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise Refused(400, "the body is not text (UTF-8): a submission is a notebook's .ipynb JSON") from None
    except ValueError as error:
        raise Refused(400, f"the body is not JSON ({error}): a submission is a notebook's .ipynb JSON") from None
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        raise Refused(400, "the body is JSON but not a notebook: a notebook is an object with 'cells', 'metadata' "
                           "and 'nbformat'")
    if data.get("nbformat") != 4:
        raise Refused(400, f"the notebook is nbformat {data.get('nbformat')!r}: the service takes nbformat 4 "
                           "(save it from Jupyter 4 or later)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat's notes about cell ids it adds: nothing a learner can act on
        try:
            node = nbformat.from_dict(data)
            nbformat.validate(node)
        except nbformat.ValidationError as error:
            where = "/".join(str(p) for p in error.absolute_path) or "the top level"
            raise Refused(400, f"the notebook is not valid nbformat 4 at {where}: {error.message}") from None
    return node


def of_assignment(node, assignment, assignments):
    """Refused(422) unless the notebook is `assignment`'s: the assignment whose nbgrader cells it shares the largest
    part of (a notebook with cells deleted or added is still its own assignment's)."""
    ids = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in node.cells}
    ids.discard(None)

    def share(other):
        cells = assignments[other].cells
        return len(ids & cells) / len(ids | cells) if ids | cells else 0.0

    mine = share(assignment)
    best = max(assignments, key=share)
    if mine == 0.0:
        elsewhere = f" (it is {best}'s notebook)" if share(best) > 0 else ""
        raise Refused(422, f"the notebook holds none of {assignment}'s cells{elsewhere}: submit {assignment}'s "
                           f"notebook, {assignments[assignment].notebook}")
    if share(best) > mine:
        raise Refused(422, f"the notebook is {best}'s, not {assignment}'s (it shares more of {best}'s cells): submit "
                           f"it to {best}, or submit {assignments[assignment].notebook} here")


def names_no_other(data, student, learners):
    """Refused(403) if any string of the notebook's JSON is exactly the id of a learner other than `student`."""
    others = learners - {student}
    if not others:
        return
    stack = [(data, "the notebook")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key in others:
                    _impersonation(key, f"{where}, a key")
                stack.append((item, f"{where}.{key}" if isinstance(key, str) else where))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{k}]") for k, item in enumerate(value))
        elif isinstance(value, str) and value.strip() in others:
            _impersonation(value.strip(), where)


def _impersonation(name, where):
    where = where.replace("the notebook.", "", 1)
    raise Refused(403, f"the notebook names another learner, {name!r} (at {where}): a submission is its sender's, "
                       "known from the token; remove the other learner's id and submit again")

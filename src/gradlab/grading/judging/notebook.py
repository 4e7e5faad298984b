"""What the grader reads from a submitted notebook: the student's code cells in order, the test cells, and the
hidden cases a test cell names in its hidden region.

Only text is read here; nothing in the notebook is executed. The hidden region is parsed with ast and only a
literal `HIDDEN_CASES = {...}` is taken from it.
"""
from __future__ import annotations

import ast
import re

BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
# A line that starts with % or ! (after blanks), or ends with ? (help). Blanks here never include a newline, so
# that the search stays linear: with \s*, 50,000 blank lines took 45 s (each line start rescanned the rest).
_MAGIC = re.compile(r"^[^\S\n]*[%!]|\?[^\S\n]*$", re.MULTILINE)
# IPython's transformer tokenizes the whole cell again for every magic it rewrites (600 magic lines: 9 s), so it
# gets only cells where that stays small; the others have their magic lines replaced by `pass` here, in one pass.
_TRANSFORMER_MAGICS, _TRANSFORMER_CHARACTERS = 10, 20000


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell):
    """An autograder test: a grade cell with code that is not the student's answer."""
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def student_code(nb):
    """[(label, source)] for every code cell that is not a test cell, in notebook order.

    These are the cells a kernel would have run before the tests: the given code, the student's answers and
    any cell the student added. Magics are rewritten by IPython's own transformer into get_ipython() calls.
    """
    return [(cell.label, cell.source) for cell in code_cells(nb) if cell.test is None]


class CodeCell:
    """A code cell as the grader runs it: its place in the notebook, how feedback names it, its Python source, and
    its grade_id if it is a test cell. count: its execution count in the autograded notebook (code cells in order,
    from 1); written: the source as the student wrote it (magics not rewritten)."""

    def __init__(self, index, label, source, test, count=0, written=None):
        self.index, self.label, self.source, self.test = index, label, source, test
        self.count, self.written = count, source if written is None else written


def code_cells(nb):
    """Every code cell in notebook order (test cells included, marked by their grade_id)."""
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        label = f"'{grade_id}'" if grade_id else f"number {index + 1}"
        written = _source(cell)
        found.append(CodeCell(index, label, _python(written), grade_id if is_test_cell(cell) else None,
                              len(found) + 1, written))
    return found


def autograder_tests(nb):
    """[(cell, grade_id, points)] for the notebook's test cells."""
    return [(cell, _nbgrader(cell).get("grade_id", ""), float(_nbgrader(cell).get("points", 0)))
            for cell in nb.get("cells", []) if is_test_cell(cell)]


def hidden_cases(source):
    """The literal HIDDEN_CASES dict assigned in the cell's hidden test region, or {} if there is none."""
    region, inside = [], False
    for line in source.splitlines():
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif inside:
            region.append(line)
    try:
        tree = ast.parse("\n".join(region))
    except SyntaxError:
        return {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "HIDDEN_CASES" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _python(source):
    magics = 0
    for magics, _ in enumerate(_MAGIC.finditer(source), start=1):
        if magics > _TRANSFORMER_MAGICS:
            break
    if not magics:
        return source
    if magics > _TRANSFORMER_MAGICS or len(source) > _TRANSFORMER_CHARACTERS:
        return _without_magics(source)
    from IPython.core.inputtransformer2 import TransformerManager  # only for cells that need it: a slow import

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # a cell IPython cannot parse either: let the child report the SyntaxError
        return source


def _without_magics(source):
    """The cell with each magic line made a `pass` (what the child's stand-in kernel would do with it); a cell
    magic (%%) makes the whole cell nothing, as it would be no Python for the child."""
    if source.lstrip().startswith("%%"):
        return "pass\n"
    lines = source.split("\n")
    for number, line in enumerate(lines):
        body = line.lstrip()
        if body[:1] in ("%", "!") or line.rstrip().endswith("?"):
            lines[number] = line[: len(line) - len(body)] + "pass"
    return "\n".join(lines)

"""The grading engine's parts (src/gradlab/grading/PART/) and their order: a part imports only the parts before it in
gradlab.grading's own list, each part says in its __init__ what it owns, and the checkout's folder cannot shadow an
installed gradlab (the src/ layout)."""
import ast
import re
from pathlib import Path

import gradlab.grading

GRADING = Path(gradlab.grading.__file__).parent
REPO = Path(__file__).resolve().parents[1]


def declared_order(init_doc):
    """The parts in the order gradlab.grading's docstring lists them ("    name/   what it is")."""
    return re.findall(r"^\s{4}(\w+)/\s", init_doc, re.M)


def imported_parts(path, grading, parts):
    """The parts of gradlab.grading that the module at `path` imports (relative or absolute, anywhere in it)."""
    package = path.parent.relative_to(grading).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[:len(package) - node.level + 1]) if node.level <= len(package) + 1 else None
            if base is None:
                continue
            dotted = base + (node.module.split(".") if node.module else [])
            targets = [dotted + [alias.name] for alias in node.names] if not node.module else [dotted]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gradlab.grading"):
            dotted = node.module.split(".")[2:]
            targets = [dotted + [alias.name] for alias in node.names] if not dotted else [dotted]
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".")[2:] for alias in node.names if alias.name.startswith("gradlab.grading.")]
        for dotted in targets:
            if dotted and dotted[0] in parts:
                found.add(dotted[0])
    return found


def upward_imports(grading, order):
    """[(module, the part it imports that is not below its own)] for every module of every part."""
    rank = {part: k for k, part in enumerate(order)}
    wrong = []
    for part in order:
        for path in sorted((grading / part).rglob("*.py")):
            for imported in imported_parts(path, grading, rank):
                if rank[imported] > rank[part]:
                    wrong.append((str(path.relative_to(grading)), imported))
    return wrong


def test_every_folder_of_the_engine_is_a_listed_part_with_its_owners_docstring():
    order = declared_order(gradlab.grading.__doc__)
    folders = sorted(p.name for p in GRADING.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert sorted(order) == folders
    assert 5 <= len(order) <= 10
    for part in order:
        doc = ast.get_docstring(ast.parse((GRADING / part / "__init__.py").read_text()))
        assert doc and doc.startswith(f"{part}:"), part
        assert "May import:" in doc, part
        # every module of the part is named in its docstring, so the map is the whole of it
        for module in (GRADING / part).glob("*.py"):
            if module.name != "__init__.py":
                assert module.name in doc, f"{part}/{module.name} is not in {part}/__init__.py's map"


def test_no_part_imports_a_part_above_it():
    order = declared_order(gradlab.grading.__doc__)
    assert upward_imports(GRADING, order) == []


def test_the_order_check_finds_an_upward_import(tmp_path):
    """The check above is shown to fail: a copy of the engine with one planted upward import (the sandbox
    importing the judging part) is caught, naming the module and the part."""
    copy = tmp_path / "grading"
    for path in GRADING.rglob("*.py"):
        target = copy / path.relative_to(GRADING)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    box = copy / "sandbox" / "box.py"
    box.write_text(box.read_text() + "\nfrom ..judging import credit  # planted\n")
    order = declared_order(gradlab.grading.__doc__)
    assert upward_imports(copy, order) == [("sandbox/box.py", "judging")]


def test_the_checkout_cannot_shadow_an_installed_gradlab():
    assert not (REPO / "gradlab").exists()
    assert (REPO / "src" / "gradlab" / "__init__.py").is_file()
    assert Path(gradlab.grading.__file__).is_relative_to(REPO / "src") or "site-packages" in gradlab.grading.__file__

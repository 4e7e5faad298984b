"""The worker's two shortcuts through nbgrader (cluster/nbgrader_shortcuts.py) change what it costs, not what it
does: a private gradebook is opened on its own engine without its schema checked again, any other as nbgrader opens
it; cells' metadata is checked against nbgrader's schema as before. (That the grading command's gradebook matches
`nbgrader autograde`'s row by row is tested in test_grading_cluster.py.)"""
import warnings
from pathlib import Path

import nbformat
import pytest
from nbgrader import api
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from sqlalchemy import create_engine
from sqlalchemy.exc import SAWarning
from sqlalchemy.pool import NullPool

from gradlab.grading.cluster import nbgrader_shortcuts
from gradlab.grading.course.nbgrader_calls import ensure_tools_on_path

SOURCE = Path(__file__).resolve().parents[1] / "autograder" / "source" / "gradient_checking" / "gradient_checking.ipynb"


def test_cells_metadata_is_checked_as_nbgrader_checks_it():
    nbgrader_shortcuts.install()
    nb = nbformat.read(SOURCE, as_version=4)
    MetadataValidator().validate_nb(nb)
    graded = next(cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade"))
    graded.metadata.nbgrader["points"] = "many"
    with pytest.raises(ValidationError):
        MetadataValidator().validate_nb(nb)
    graded.metadata.nbgrader["points"] = 2
    graded.metadata.nbgrader["grade_id"] = "no spaces allowed"
    with pytest.raises(ValidationError):
        MetadataValidator().validate_nb(nb)


def test_a_private_gradebook_opens_on_its_engine_without_its_schema_checked(tmp_path, monkeypatch):
    ensure_tools_on_path()  # nbgrader stamps a new gradebook with the alembic command
    warnings.simplefilter("ignore", SAWarning)  # nbgrader 0.9's session use under SQLAlchemy 2
    private, other = f"sqlite:///{tmp_path / 'private.db'}", f"sqlite:///{tmp_path / 'other.db'}"
    with api.Gradebook(private, "course") as book:  # a gradebook with nbgrader's schema, as the template has it
        book.add_assignment("ps1")
    engine = create_engine(private, poolclass=NullPool)
    nbgrader_shortcuts.register(private, engine)
    checks = []
    create_all = api.Base.metadata.create_all
    monkeypatch.setattr(api.Base.metadata, "create_all", lambda *a, **k: checks.append(1) or create_all(*a, **k))
    try:
        for _ in range(3):
            with api.Gradebook(private, "course") as book:
                assert book.engine is engine and book.find_assignment("ps1").name == "ps1"
        assert checks == []
        with api.Gradebook(other, "course") as book:  # any other gradebook: nbgrader's own opening
            assert book.engine is not engine
        assert checks == [1]
    finally:
        nbgrader_shortcuts.forget(private)
        engine.dispose()

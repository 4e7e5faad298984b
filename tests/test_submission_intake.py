"""The checks a submission passes before anything grades it (course/intake.py, course/files.py), the deadline on a
step outside the sandbox (course/deadline.py) and the bounded exporters (course/exporters.py), each called as a
caller other than the class command would call them (a service that takes uploads)."""
import copy
import json
import os
import threading
import time

import nbformat
import pytest

from gradlab.grading.course import deadline as deadlines, files
from gradlab.grading.course.exporters import BoundedHTMLExporter
from gradlab.grading.course.intake import (BadStudentId, NotARegularFile, StepTimedOut, SubmissionLimits,
                                           SubmissionTooLarge, check_cells, check_student_id, student_id_length)
from nbgrader_course import ASSIGNMENT, COURSE

LIMITS = SubmissionLimits(max_bytes=10_000, max_files=5, max_cells=50, step_seconds=30)


@pytest.mark.parametrize("student, words, named", [
    ("\udce9l\udce8ve", "is not UTF-8", "\\xe9l\\xe8ve"),  # b"\xe9l\xe8ve" as os.listdir reads a Latin-1 name
    (b"\xe9l\xe8ve", "is not UTF-8", "\\xe9l\\xe8ve"),  # named with its bytes as escapes, printable
    ("[A-Z]*", "which nbgrader reads as a pattern", "[A-Z]*"),
    ("ada?", "which nbgrader reads as a pattern", "ada?"),
    ("x" * 129, "the gradebook holds at most 128", "x" * 129),
    (".ada", "starts with '.'", ".ada"),
    ("ada\nben", "control character", "ada\\nben"),  # on one line: a newline would split the message
    ("ada\x1bcben", "control character", "ada\\x1bcben"),  # a terminal's escape (ESC c resets it): shown, not obeyed
    ("", "is empty", ""),
])
def test_a_student_id_that_cannot_be_graded_is_refused_naming_the_file(student, words, named):
    with pytest.raises(BadStudentId, match=words) as refused:
        check_student_id(student, "class/file.ipynb")
    assert str(refused.value).startswith(f"class/file.ipynb: the student id '{named}' ")


def test_ordinary_and_accented_ids_pass_and_the_length_is_nbgraders_column():
    from nbgrader.api import Student

    assert student_id_length() == Student.__table__.c.id.type.length == 128
    for student in ("ada", "élève", "Zoë_O'Brien-2", "x" * 128, "李雷"):
        assert check_student_id(student) == student


def test_a_submission_is_read_in_walk_order_without_following_anything(tmp_path):
    folder = tmp_path / "sub"
    (folder / "b" / "c").mkdir(parents=True)
    (folder / "z.txt").write_bytes(b"z")
    (folder / "b" / "x.txt").write_bytes(b"x")
    (folder / "b" / "c" / "y.txt").write_bytes(b"y")
    (folder / "a.ipynb").write_bytes(b"{}")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "old.ipynb").write_bytes(b"old")
    read = files.read_submission(str(folder), SubmissionLimits(max_bytes=100, max_files=6))
    walked = [os.path.relpath(os.path.join(root, name), folder) for root, dirs, names in os.walk(folder)
              if not dirs.sort() and ".ipynb_checkpoints" not in root for name in sorted(names)]
    assert list(read) == walked == ["a.ipynb", "z.txt", "b/x.txt", "b/c/y.txt"]
    assert read["b/c/y.txt"] == b"y"


@pytest.mark.parametrize("make, words", [
    (lambda place, secret: (place / "notes.txt").symlink_to(secret), r"notes.txt is a symbolic link \(to "),
    (lambda place, secret: (place / "data").symlink_to(secret.parent), "data is a symbolic link"),
    (lambda place, secret: os.mkfifo(place / "pipe"), "pipe is a FIFO"),
    (lambda place, secret: (place / "big.bin").write_bytes(bytes(10_001)), "more than 10000 bytes"),
    (lambda place, secret: [(place / f"f{k}").write_bytes(b"") for k in range(6)], "at most 5 files and folders"),
])
def test_a_link_fifo_or_oversized_submission_is_refused_and_nothing_of_it_is_read(tmp_path, make, words):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("SECRET-MARKER")
    place = tmp_path / "sub"
    place.mkdir()
    (place / f"{ASSIGNMENT}.ipynb").write_bytes(b"{}")
    make(place, secret)
    for attempt in (files.read_submission, files.check_submission):
        with pytest.raises((NotARegularFile, SubmissionTooLarge), match=words) as refused:
            attempt(str(place), LIMITS)
        assert str(place) in str(refused.value)
    assert secret.read_text() == "SECRET-MARKER"  # and nothing was changed or removed
    assert (place / f"{ASSIGNMENT}.ipynb").read_bytes() == b"{}"


def test_one_submitted_file_is_read_only_if_regular_and_within_the_size(tmp_path):
    (tmp_path / "ok.ipynb").write_bytes(b"{}")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "ok.ipynb")
    (tmp_path / "big.ipynb").write_bytes(bytes(10_001))
    assert files.read_file(str(tmp_path / "ok.ipynb"), LIMITS) == b"{}"
    with pytest.raises(NotARegularFile, match="link.ipynb is a symbolic link"):
        files.read_file(str(tmp_path / "link.ipynb"), LIMITS)
    with pytest.raises(SubmissionTooLarge, match="big.ipynb is larger than 10000 bytes"):
        files.read_file(str(tmp_path / "big.ipynb"), LIMITS)


def test_cells_are_counted_from_the_json_alone():
    notebook = {"cells": [{"cell_type": "markdown", "source": "x", "metadata": {}}] * 51, "metadata": {}}
    with pytest.raises(SubmissionTooLarge, match="nb.ipynb has 51 cells; a notebook may have at most 50"):
        check_cells(json.dumps(notebook).encode(), LIMITS, "nb.ipynb")
    check_cells(json.dumps(dict(notebook, cells=notebook["cells"][:50])).encode(), LIMITS, "nb.ipynb")
    check_cells(b"not a notebook", LIMITS, "nb.ipynb")  # nbgrader refuses it in its own words


def _busy(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_step_past_its_deadline_is_stopped_even_if_it_catches_exceptions():
    started = time.monotonic()
    with pytest.raises(StepTimedOut, match="spinning took longer than 0.3 s"):
        with deadlines.deadline(0.3, "spinning"):
            while time.monotonic() - started < 10:
                try:
                    _busy(0.05)
                except Exception:  # noqa: BLE001  (what careless code in a step does)
                    pass
    assert time.monotonic() - started < 5  # stopped at its deadline, not when the step chose to end (10 s)


def test_time_paused_for_the_sandbox_does_not_count_and_nothing_arrives_after_the_step():
    with deadlines.deadline(0.5, "a step"):
        _busy(0.2)
        with deadlines.paused():
            time.sleep(1.0)  # the sandbox's time: limits of its own
        _busy(0.2)
    _busy(1.5)  # no exception arrives once the step has ended


def test_a_deadline_belongs_to_its_thread():
    seen = []

    def other():
        _busy(1.0)
        seen.append("finished")

    thread = threading.Thread(target=other)
    with pytest.raises(StepTimedOut):
        with deadlines.deadline(0.2, "this thread's step"):
            thread.start()
            _busy(5)
    thread.join()
    assert seen == ["finished"]


def _long_notebook(cells):
    nb = nbformat.read(COURSE / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    nb = copy.deepcopy(nb)
    nb.cells += [nbformat.v4.new_markdown_cell(f"# Note {k}\n\nSome *text* and a [link](https://example.org) " * 3)
                 for k in range(cells)]
    return nb


def test_feedback_past_its_deadline_is_refused_with_the_reason(tmp_path):
    """Rendering 900 markdown cells takes seconds of CPU (about 5 ms each): past a deadline of half a second on
    any machine, however loaded."""
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(_long_notebook(900), path)
    from traitlets.config import Config

    config = Config()
    config.SubmissionLimits.step_seconds = 0.5
    config.SubmissionLimits.max_cells = 1000
    config.SubmissionLimits.max_bytes = 2 ** 24
    with pytest.raises(StepTimedOut, match=r"rendering the feedback of .*gradient_checking.ipynb took longer than 0.5 s"):
        BoundedHTMLExporter(config=config).from_filename(str(path))
    config.SubmissionLimits.step_seconds = 600
    page, _ = BoundedHTMLExporter(config=config).from_filename(str(path))  # within its deadline: rendered
    assert "Note 899" in page


def test_an_exporter_counts_the_cells_before_parsing(tmp_path):
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(_long_notebook(60), path)
    from traitlets.config import Config

    config = Config()
    config.SubmissionLimits.max_cells = 50
    with pytest.raises(SubmissionTooLarge, match="cells; a notebook may have at most 50"):
        BoundedHTMLExporter(config=config).from_filename(str(path))


def test_the_sandboxs_time_does_not_count_against_an_exporters_deadline(tmp_path):
    """The grading preprocessor waits on the sandbox (limits of its own): the autograde exporter's deadline stops
    while it runs, and counts everything else."""
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets.config import Config

    from gradlab.grading.course.exporters import BoundedNotebookExporter
    from gradlab.grading.course.preprocessor import GradeOutsideKernel

    class WaitsLikeTheSandbox(GradeOutsideKernel):
        def preprocess(self, nb, resources):
            time.sleep(4.0)
            return nb, resources

    class BusyOutside(NbGraderPreprocessor):  # any other preprocessor: its time counts
        def preprocess(self, nb, resources):
            _busy(4.0)
            return nb, resources

    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(_long_notebook(0), path)
    config = Config()
    config.SubmissionLimits.step_seconds = 2.0
    waits = BoundedNotebookExporter(config=config)
    waits.register_preprocessor(WaitsLikeTheSandbox, enabled=True)
    waits.from_filename(str(path))  # four seconds in the sandbox, within a deadline of two
    busy = BoundedNotebookExporter(config=config)
    busy.register_preprocessor(BusyOutside, enabled=True)
    with pytest.raises(StepTimedOut, match="autograding of .*took longer than 2 s"):
        busy.from_filename(str(path))

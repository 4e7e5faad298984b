"""What the coordinator sends a worker and what a worker does with it, without a cluster: the assignment's material
(nbgrader_config.py, exercises/, source/ASSIGNMENT/ and nothing else), files written back only inside their
folder, a worker's private course made from the material alone, and the private courses of killed workers
swept away."""
import os
import shutil

import pytest

from gradlab.grading.course import files as course_files
from gradlab.grading.cluster import material as materials, worker
from gradlab.grading.gradebook.book import open_book
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, dump


def test_the_material_is_the_config_the_exercises_and_the_source(generated_course, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course, ignore=shutil.ignore_patterns("exercises"))
    (course / "exercises" / "__pycache__").mkdir(parents=True)
    (course / "exercises" / f"{ASSIGNMENT}.py").write_text("EXERCISES = []\n")
    (course / "exercises" / "shared.py").write_text("# helpers the declarations import\n")
    for figure in (course / "source" / ASSIGNMENT).glob("*.png"):
        figure.unlink()
    (course / "exercises" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (course / "source" / ASSIGNMENT / "data.csv").write_text("x,y\n1,2\n")
    (course / "source" / ASSIGNMENT / ".ipynb_checkpoints").mkdir()
    (course / "source" / ASSIGNMENT / ".ipynb_checkpoints" / "old.ipynb").write_text("{}")
    (course / "source" / "another").mkdir()
    (course / "source" / "another" / "another.ipynb").write_text("{}")
    files = course_files.collect_material(str(course), ASSIGNMENT)
    # the whole exercises/ folder (a declaration may import a helper beside it), and no gradebook, release,
    # submissions or other assignment's source
    assert set(files) == {"nbgrader_config.py", f"exercises/{ASSIGNMENT}.py", "exercises/shared.py",
                          f"source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", f"source/{ASSIGNMENT}/data.csv"}
    assert files["exercises/gradient_checking.py"] == b"EXERCISES = []\n"
    shutil.rmtree(course / "exercises")
    assert "exercises/gradient_checking.py" not in course_files.collect_material(str(course), ASSIGNMENT)
    with pytest.raises(FileNotFoundError, match="no source/missing/"):
        course_files.collect_material(str(course), "missing")


def test_files_sent_back_are_written_inside_their_folder_only(tmp_path):
    folder = tmp_path / "autograded" / "ada" / ASSIGNMENT
    course_files.write_folder(str(folder), {"a.ipynb": b"1", "data/b.csv": b"2"})
    course_files.write_folder(str(folder), {"a.ipynb": b"3"})  # replaces what was there
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == ["a.ipynb"]
    for bad in ("../../escape.txt", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(ValueError, match="refusing to write"):
            course_files.write_folder(str(folder), {bad: b"x"})
    assert not (tmp_path / "escape.txt").exists()


def test_a_worker_grades_from_the_material_alone(generated_course, tmp_path):
    """The worker's task, called here without Dask: a private course from the material, the submission as data,
    results as data equal to what nbgrader writes; the course itself untouched."""
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    before = sorted(str(p) for p in course.rglob("*"))
    with open_book(f"sqlite:///{course}/gradebook.db") as book:
        material = materials.prepare(str(course), ASSIGNMENT, book, str(tmp_path))
    notebook = (COURSE / "sample_class" / ASSIGNMENT / "ben_course_bugs.ipynb").read_bytes()
    outcome = worker.autograde(material, {"student": "ben", "files": {f"{ASSIGNMENT}.ipynb": notebook},
                                          "feedback": True, "prior": None})
    private = worker._COURSES[material.digest]
    try:
        assert not private.root.startswith(str(course))
        assert os.path.isfile(os.path.join(private.root, "exercises", f"{ASSIGNMENT}.py"))
        # the autograded notebook, and the assignment's other files as nbgrader puts them beside it (its figures)
        released = {p.name for p in (COURSE / "source" / ASSIGNMENT).iterdir()}
        assert f"{ASSIGNMENT}.ipynb" in outcome["autograded"] and set(outcome["autograded"]) <= released
        assert b"db1 is 4x too large" in outcome["feedback"][f"{ASSIGNMENT}.html"]
        grades = outcome["result"]["notebooks"][ASSIGNMENT]["grades"]
        assert sum(grades.values()) == 12.0  # ben's expected total
    finally:
        worker.Cleanup(material.digest).teardown()
    assert not os.path.exists(private.root)
    assert sorted(str(p) for p in course.rglob("*")) == before  # the worker wrote nothing of the course's
    assert dump(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID) == {}


def test_the_private_courses_of_killed_workers_are_swept(tmp_path):
    gone = tmp_path / "gradlab-worker-999999999-abc"  # no such process
    mine = tmp_path / f"gradlab-worker-{os.getpid()}-def"
    other = tmp_path / "something-else"
    for folder in (gone, mine, other):
        folder.mkdir()
    worker._sweep(str(tmp_path))
    assert not gone.exists() and mine.exists() and other.exists()

"""Merging a worker's results into the course's gradebook with SQL, against the oracle of nbgrader's own
`nbgrader autograde` writing the same submissions (read back through nbgrader's API): the same rows and values,
manual grades kept on a re-grade, nothing written when a merge fails, another schema refused."""
import shutil
import sqlite3

import pytest

from gradlab.grading import merge
from gradlab.grading.nbgrader_calls import isolated_environment
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, dump, nbgrader, new_course

SAMPLE = COURSE / "sample_class" / ASSIGNMENT
STUDENTS = {"ada": "ada_correct", "ben": "ben_course_bugs"}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose gradebook nbgrader filled (ada late, under a zero-if-late policy), and a copy of the
    gradebook as it was before any submission."""
    root = tmp_path_factory.mktemp("merge")
    env = isolated_environment(str(root / "jupyter"))
    course = new_course(root / "course", env, 'c.LateSubmissionPlugin.penalty_method = "zero"')
    nbgrader(course, env, "db", "assignment", "add", ASSIGNMENT, "--duedate=2026-01-01 00:00:00 UTC")
    shutil.copy(course / "gradebook.db", root / "released.db")
    for student, notebook in STUDENTS.items():
        place = course / "submitted" / student / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(SAMPLE / f"{notebook}.ipynb", place / f"{ASSIGNMENT}.ipynb")
    (course / "submitted" / "ada" / ASSIGNMENT / "timestamp.txt").write_text("2026-02-01 09:30:00.250000 UTC")
    nbgrader(course, env, "autograde", ASSIGNMENT)
    return f"sqlite:///{course}/gradebook.db", root / "released.db"


def merged_copy(course, tmp_path, students=STUDENTS):
    graded, released = course
    target = tmp_path / "merged.db"
    shutil.copy(released, target)
    url = f"sqlite:///{target}"
    with merge.open_course_gradebook(url) as book:
        for student in students:
            merge.merge(book, ASSIGNMENT, student, merge.extract(graded, ASSIGNMENT, student))
    return url


def test_a_merged_gradebook_holds_what_nbgrader_wrote(course, tmp_path):
    oracle = dump(course[0], ASSIGNMENT, COURSE_ID)
    assert oracle["ada"][0] is not None and oracle["ada"][1][ASSIGNMENT][0] > 0  # late, and penalised
    assert oracle["ben"][0] is None
    assert dump(merged_copy(course, tmp_path), ASSIGNMENT, COURSE_ID) == oracle


def test_merging_again_keeps_what_a_person_graded(course, tmp_path):
    url = merged_copy(course, tmp_path)
    path = merge.sqlite_path(url)
    cell = "test_backward_propagation_n"
    with sqlite3.connect(path) as db:
        db.execute("UPDATE grade SET manual_score = 1.5, needs_manual_grade = 0 WHERE id IN (SELECT g.id FROM grade g "
                   "JOIN base_cell c ON c.id = g.cell_id JOIN submitted_notebook n ON n.id = g.notebook_id JOIN "
                   "submitted_assignment s ON s.id = n.assignment_id WHERE s.student_id = 'ben' AND c.name = ?)",
                   (cell,))
        db.execute("UPDATE comment SET manual_comment = 'see me' WHERE notebook_id IN (SELECT n.id FROM "
                   "submitted_notebook n JOIN submitted_assignment s ON s.id = n.assignment_id WHERE s.student_id = 'ben')")
    result = merge.extract(course[0], ASSIGNMENT, "ben")
    result["notebooks"][ASSIGNMENT]["grades"][cell] = 0.25  # a re-grade that changes one auto score
    with merge.open_course_gradebook(url) as book:
        merge.merge(book, ASSIGNMENT, "ben", result)
    _, notebooks = dump(url, ASSIGNMENT, COURSE_ID)["ben"]
    _, grades, comments = notebooks[ASSIGNMENT]
    assert grades[cell] == (0.25, 1.5, None, True)  # kept, and flagged for review since its auto score changed
    assert {manual for _, manual in comments.values()} == {"see me"}
    before = dump(course[0], ASSIGNMENT, COURSE_ID)["ben"][1][ASSIGNMENT][1]
    assert {k: v for k, v in grades.items() if k != cell} == {k: v for k, v in before.items() if k != cell}


def test_a_merge_that_fails_writes_nothing(course, tmp_path):
    url = merged_copy(course, tmp_path, students=["ada"])
    before = dump(url, ASSIGNMENT, COURSE_ID)
    result = merge.extract(course[0], ASSIGNMENT, "ben")
    result["notebooks"]["another_notebook"] = result["notebooks"][ASSIGNMENT]
    with merge.open_course_gradebook(url) as book, pytest.raises(LookupError, match="another_notebook"):
        merge.merge(book, ASSIGNMENT, "ben", result)
    assert dump(url, ASSIGNMENT, COURSE_ID) == before
    with sqlite3.connect(merge.sqlite_path(url)) as db:
        assert db.execute("SELECT count(*) FROM student WHERE id = 'ben'").fetchone() == (0,)


def test_a_gradebook_of_another_schema_is_refused(course, tmp_path):
    target = tmp_path / "other.db"
    shutil.copy(course[1], target)
    with sqlite3.connect(target) as db:
        db.execute("UPDATE alembic_version SET version_num = 'abcdef123456'")
    with pytest.raises(RuntimeError, match="abcdef123456.*e43177bfe90b"):
        with merge.open_course_gradebook(f"sqlite:///{target}"):
            pass
    with pytest.raises(LookupError, match="nobody"):
        merge.extract(course[0], ASSIGNMENT, "nobody")
    with pytest.raises(ValueError, match="needs SQLite"):
        merge.extract("postgresql://grades", ASSIGNMENT, "ada")

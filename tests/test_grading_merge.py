"""Merging a worker's results into the course's gradebook with SQL, on SQLite and on PostgreSQL, against the
oracle of nbgrader's own `nbgrader autograde` writing the same submissions (read back through nbgrader's API):
the same rows and values, manual grades kept on a re-grade, nothing written when a merge fails, another schema
or another database refused; and the workers' template gradebook, made from either database."""
import shutil
import sqlite3
import warnings
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from gradlab.grading.gradebook import db as gradebook_db, template
from gradlab.grading.gradebook.book import open_book
from gradlab.grading.course.nbgrader_calls import isolated_environment
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, dump, nbgrader, new_course

SAMPLE = COURSE / "sample_class" / ASSIGNMENT
STUDENTS = {"ada": "ada_correct", "ben": "ben_course_bugs"}
DUE = "--duedate=2026-01-01 00:00:00 UTC"
LATE_POLICY = 'c.LateSubmissionPlugin.penalty_method = "zero"'


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose gradebook nbgrader filled (ada late, under a zero-if-late policy), and a copy of the
    gradebook as it was before any submission."""
    root = tmp_path_factory.mktemp("merge")
    env = isolated_environment(str(root / "jupyter"))
    course = new_course(root / "course", env, LATE_POLICY)
    nbgrader(course, env, "db", "assignment", "add", ASSIGNMENT, DUE)
    shutil.copy(course / "gradebook.db", root / "released.db")
    for student, notebook in STUDENTS.items():
        place = course / "submitted" / student / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(SAMPLE / f"{notebook}.ipynb", place / f"{ASSIGNMENT}.ipynb")
    (course / "submitted" / "ada" / ASSIGNMENT / "timestamp.txt").write_text("2026-02-01 09:30:00.250000 UTC")
    nbgrader(course, env, "autograde", ASSIGNMENT)
    return f"sqlite:///{course}/gradebook.db", root / "released.db"


@pytest.fixture(scope="module")
def released_postgres(postgres, tmp_path_factory):
    """A PostgreSQL database in which nbgrader itself made the assignment (schema, due date, cells), as an
    instructor does with `--db`; tests clone it."""
    root = tmp_path_factory.mktemp("merge-postgres")
    env = isolated_environment(str(root / "jupyter"))
    course = new_course(root / "course", env, LATE_POLICY)
    url = postgres.create_database("released")
    nbgrader(course, env, "db", "assignment", "add", ASSIGNMENT, DUE, f"--db={url}")
    nbgrader(course, env, "generate_assignment", ASSIGNMENT, "--force", f"--db={url}")
    return url


_clones = iter(range(10 ** 6))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.requires("postgresql"))])
def released(request, course, tmp_path):
    """A gradebook as it was before any submission: a copy of the SQLite one, or a clone of the PostgreSQL one."""
    if request.param == "sqlite":
        target = tmp_path / "merged.db"
        shutil.copy(course[1], target)
        return f"sqlite:///{target}"
    source = request.getfixturevalue("released_postgres")
    server = request.getfixturevalue("postgres")
    name = f"merged_{next(_clones)}"
    engine = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as db:
            db.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.rsplit("/", 1)[1]}"'))
    finally:
        engine.dispose()
    return server.url(name)


def execute(url, statement, **values):
    engine = create_engine(url)
    try:
        with engine.begin() as db:
            return db.execute(text(statement), values).fetchall() if statement.startswith("SELECT") else \
                db.execute(text(statement), values)
    finally:
        engine.dispose()


def merged(course, url, students=STUDENTS):
    with open_book(course[0]) as graded, open_book(url) as book:
        results = {student: graded.extract(ASSIGNMENT, student) for student in students}
        with book.transaction():
            for student, result in results.items():
                book.merge(ASSIGNMENT, student, result)
    return url


def test_a_merged_gradebook_holds_what_nbgrader_wrote(course, released):
    oracle = dump(course[0], ASSIGNMENT, COURSE_ID)
    assert oracle["ada"][0] is not None and oracle["ada"][1][ASSIGNMENT][0] > 0  # late, and penalised
    assert oracle["ben"][0] is None
    assert dump(merged(course, released), ASSIGNMENT, COURSE_ID) == oracle


def test_merging_again_keeps_what_a_person_graded(course, released):
    url = merged(course, released)
    cell = "test_backward_propagation_n"
    ben = ("SELECT n.id FROM submitted_notebook n JOIN submitted_assignment s ON s.id = n.assignment_id "
           "WHERE s.student_id = 'ben'")
    execute(url, f"UPDATE grade SET manual_score = 1.5, needs_manual_grade = false WHERE notebook_id IN ({ben}) "
                 "AND cell_id IN (SELECT id FROM base_cell WHERE name = :cell)", cell=cell)
    execute(url, f"UPDATE comment SET manual_comment = 'see me' WHERE notebook_id IN ({ben})")
    with open_book(course[0]) as graded:
        result = graded.extract(ASSIGNMENT, "ben")
    result["notebooks"][ASSIGNMENT]["grades"][cell] = 0.25  # a re-grade that changes one auto score
    with open_book(url) as book, book.transaction():
        book.merge(ASSIGNMENT, "ben", result)
    _, notebooks = dump(url, ASSIGNMENT, COURSE_ID)["ben"]
    _, grades, comments = notebooks[ASSIGNMENT]
    assert grades[cell] == (0.25, 1.5, None, True)  # kept, and flagged for review since its auto score changed
    assert {manual for _, manual in comments.values()} == {"see me"}
    before = dump(course[0], ASSIGNMENT, COURSE_ID)["ben"][1][ASSIGNMENT][1]
    assert {k: v for k, v in grades.items() if k != cell} == {k: v for k, v in before.items() if k != cell}


def test_what_a_person_gave_is_read_back_for_the_workers(course, released):
    url = merged(course, released)
    submissions = gradebook_db.tables()["submitted_assignment"]
    engine = create_engine(url)
    with engine.begin() as db:  # nbgrader keeps an extension as an Interval: SQLAlchemy's typed column writes it
        db.execute(submissions.update().where(submissions.c.student_id == "ada").values(extension=timedelta(days=2)))
    engine.dispose()
    execute(url, "UPDATE grade SET extra_credit = 0.5 WHERE cell_id IN (SELECT id FROM base_cell WHERE name = "
                 "'test_gradient_check') AND notebook_id IN (SELECT n.id FROM submitted_notebook n JOIN "
                 "submitted_assignment s ON s.id = n.assignment_id WHERE s.student_id = 'ben')")
    with open_book(url) as book:
        prior = book.prior(ASSIGNMENT)
    assert set(prior) == {"ada", "ben"}
    assert prior["ada"] == {"extension": timedelta(days=2), "notebooks": {}}
    assert prior["ben"] == {"extension": None, "notebooks": {ASSIGNMENT: {
        "grades": {"test_gradient_check": (None, 0.5)}, "comments": {}}}}


def test_a_merge_that_fails_writes_nothing(course, released):
    url = merged(course, released, students=["ada"])
    before = dump(url, ASSIGNMENT, COURSE_ID)
    with open_book(course[0]) as graded:
        result = graded.extract(ASSIGNMENT, "ben")
    result["notebooks"]["another_notebook"] = result["notebooks"][ASSIGNMENT]
    with open_book(url) as book, pytest.raises(LookupError, match="another_notebook"):
        with book.transaction():
            book.merge(ASSIGNMENT, "ben", result)
    assert dump(url, ASSIGNMENT, COURSE_ID) == before
    assert execute(url, "SELECT count(*) FROM student WHERE id = 'ben'") == [(0,)]


def test_a_gradebook_of_another_schema_is_refused(released):
    execute(released, "UPDATE alembic_version SET version_num = 'abcdef123456'")
    with pytest.raises(RuntimeError, match="abcdef123456.*e43177bfe90b"):
        with open_book(released):
            pass


def test_other_databases_and_unknown_students_are_refused(course, tmp_path):
    with pytest.raises(ValueError, match="writes SQLite and PostgreSQL gradebooks.*mysql"):
        gradebook_db.engine_for("mysql://grader@localhost/grades")
    with pytest.raises(ValueError, match="not a database URL"):
        gradebook_db.engine_for("gradebook.db")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(RuntimeError, match="schema none"):
        with open_book(f"sqlite:///{empty}"):
            pass
    with open_book(course[0]) as book, pytest.raises(LookupError, match="nobody"):
        book.extract(ASSIGNMENT, "nobody")


def test_the_workers_template_holds_the_assignment_and_no_student(course, released, tmp_path):
    """Made from either database, the template is a SQLite gradebook that nbgrader reads as the course's
    assignment (due date, notebooks, cells with their points and locked source) without any submission."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with open_book(released) as book:
        template.build(book.connection, ASSIGNMENT, str(tmp_path / "template.db"))

    def described(url):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            with Gradebook(url, COURSE_ID) as gradebook:
                assignment = gradebook.find_assignment(ASSIGNMENT)
                return (assignment.duedate, len(assignment.submissions), len(gradebook.students),
                        {nb.name: ({c.name: c.max_score for c in nb.grade_cells},
                                   {c.name: (c.locked, c.checksum, c.source) for c in nb.source_cells})
                         for nb in assignment.notebooks})

    made = described(f"sqlite:///{tmp_path / 'template.db'}")
    assert made == described(released) and made[1:3] == (0, 0)
    assert str(made[0]) == "2026-01-01 00:00:00" and len(made[3][ASSIGNMENT][0]) == 5


def test_scores_are_read_back_as_nbgrader_scores_them(course, released):
    # The oracle is nbgrader's own Grade.score, object by object: a manual score over the automatic one, extra
    # credit added; read_scores reads the same as rows.
    from nbgrader.api import Gradebook

    from gradlab.grading.gradebook.scores import read_scores

    url = merged(course, released)
    ben = ("SELECT n.id FROM submitted_notebook n JOIN submitted_assignment s ON s.id = n.assignment_id "
           "WHERE s.student_id = 'ben'")
    execute(url, f"UPDATE grade SET manual_score = 1.5 WHERE notebook_id IN ({ben}) AND cell_id IN "
                 "(SELECT id FROM base_cell WHERE name = 'test_backward_propagation_n')")
    execute(url, f"UPDATE grade SET extra_credit = 0.5 WHERE notebook_id IN ({ben}) AND cell_id IN "
                 "(SELECT id FROM base_cell WHERE name = 'test_gradient_check')")
    with Gradebook(url, COURSE_ID) as book:
        oracle = {s.student.id: {g.name: g.score for nb in s.notebooks for g in nb.grades}
                  for s in book.find_assignment(ASSIGNMENT).submissions}
        points = {c.name: c.max_score for nb in book.find_assignment(ASSIGNMENT).notebooks for c in nb.grade_cells}
    scores, read_points = read_scores(url, ASSIGNMENT, COURSE_ID)
    assert scores == oracle and read_points == points
    assert scores["ben"]["test_backward_propagation_n"] == 1.5
    assert scores["ben"]["test_gradient_check"] == oracle["ada"]["test_gradient_check"] + 0.5
    assert read_scores(url, "no_such_assignment", COURSE_ID) == ({}, {})


def test_a_result_the_database_refuses_costs_that_student_alone(course, released):
    """Each submission is merged under a savepoint of its own: an id longer than nbgrader's column (PostgreSQL
    refuses it; SQLite keeps any length) or a timestamp of the wrong type (refused by either) rolls back that
    student's rows alone, with the database's reason, and the batch's others are written in the same
    transaction."""
    with open_book(course[0]) as graded:
        results = {student: graded.extract(ASSIGNMENT, student) for student in STUDENTS}
    wrong_time = dict(results["ben"], timestamp="not a time")
    postgres = released.startswith("postgresql")
    batch = [("ada", results["ada"]), ("cleo", wrong_time)] + ([("x" * 200, results["ben"])] if postgres else []) \
        + [("ben", results["ben"])]
    with open_book(released) as book:
        with book.transaction():
            failed = book.merge_each(ASSIGNMENT, batch)
    assert sorted(failed) == sorted(["cleo"] + (["x" * 200] if postgres else []))
    assert all(why.startswith("not written into the gradebook: ") for why in failed.values())
    if postgres:
        assert "too long" in failed["x" * 200]
    assert dump(released, ASSIGNMENT, COURSE_ID) == dump(course[0], ASSIGNMENT, COURSE_ID)  # ada and ben, as nbgrader
    assert execute(released, "SELECT count(*) FROM student WHERE id NOT IN ('ada', 'ben')") == [(0,)]

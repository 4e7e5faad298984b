"""Attacks on what happens around the sandbox, graded as an instructor grades them: through the grading command
(a local Dask cluster, into PostgreSQL) and through `nbgrader autograde` with the course's configuration. Each
attack is a submission beside honest ones (ada: right answers, ben: the course's bugs); each gets the score a
sound grader gives (refused, with the reason, or scored with the restored tests), the honest ones are graded as
always, and nothing else changes: no row in the gradebook, no folder copied, no file returned, no secret read.

    latin1      a notebook named b"\\xe9l\\xe8ve.ipynb" (an LMS export in Latin-1): a student id with surrogates
    pattern     "[A-Z]*.ipynb": a student id that nbgrader reads as a pattern
    long        a 200-character id: fine in SQLite, longer than nbgrader's VARCHAR(128) in PostgreSQL
    linker      notes.txt -> a file of the grader's machine, beside a right notebook
    bulky       the right notebook with 1,100 more markdown cells (over the limit of 1,000)
    heavy       the right notebook with 21 MB of markdown (over the limit of 20 MB)
    flipper     the right notebook with two test cells' grade and solution flags flipped
"""
import copy
import json
import os
import shutil
import subprocess
import sys

import pytest

from gradlab.grading.gradebook.scores import read_expected, read_scores
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, dump
from protections import assert_protected

SAMPLE = COURSE / "sample_class" / ASSIGNMENT
EXPECTED = read_expected(SAMPLE / "expected_scores.csv")
SECRET = "SECRET-OF-THE-GRADERS-MACHINE-4b1d"
LATIN1 = b"\xe9l\xe8ve"
LONG = "x" * 200
SOUND = {"ada": EXPECTED["ada_correct"], "ben": EXPECTED["ben_course_bugs"], "flipper": EXPECTED["ada_correct"]}
REFUSED = {  # student as reported -> words of the reason
    "\\xe9l\\xe8ve": "is not UTF-8",
    "[A-Z]*": "which nbgrader reads as a pattern",
    LONG: "the gradebook holds at most 128",
    "linker": "notes.txt is a symbolic link",
    "bulky": f"has {len(json.loads((SAMPLE / 'ada_correct.ipynb').read_text())['cells']) + 1100} cells; "
             "a notebook may have at most 1000",
    "heavy": "20971520 bytes",
}


def notebooks():
    """{student (bytes: a file name may be any bytes): notebook as JSON text}."""
    ada = json.loads((SAMPLE / "ada_correct.ipynb").read_text())
    flipped = copy.deepcopy(ada)
    for cell in flipped["cells"]:
        flags = cell["metadata"].get("nbgrader", {})
        if flags.get("grade_id") == "test_backward_propagation_n":
            flags["grade"] = False
        if flags.get("grade_id") == "test_gradient_check":
            flags["solution"] = True
    bulky, heavy = copy.deepcopy(ada), copy.deepcopy(ada)
    bulky["cells"] += [{"cell_type": "markdown", "id": f"note-{k}", "metadata": {}, "source": f"note {k}"}
                       for k in range(1100)]
    heavy["cells"].append({"cell_type": "markdown", "id": "heavy", "metadata": {}, "source": "x" * (21 * 2 ** 20)})
    text = json.dumps(ada)
    return {b"ada": text, b"ben": (SAMPLE / "ben_course_bugs.ipynb").read_text(), LATIN1: text, b"[A-Z]*": text,
            LONG.encode(): text, b"linker": text, b"bulky": json.dumps(bulky), b"heavy": json.dumps(heavy),
            b"flipper": json.dumps(flipped)}


def submit(course, student, text, secret):
    """STUDENT's submission in the course's submitted/ (as nbgrader collect leaves it); linker's holds a link."""
    place = os.path.join(os.fsencode(course), b"submitted", student, ASSIGNMENT.encode())
    os.makedirs(place)
    with open(os.path.join(place, f"{ASSIGNMENT}.ipynb".encode()), "w") as handle:
        handle.write(text)
    if student == b"linker":
        os.symlink(secret, os.path.join(place, b"notes.txt"))


def a_secret(folder):
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET + "\n")
    return str(folder / "secret.txt")


def files_holding(root, words):
    """Files under `root` (links not followed) whose bytes hold `words`."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                with open(path, "rb") as handle:
                    if words.encode() in handle.read():
                        found.append(path)
    return found


@pytest.fixture(scope="module")
def by_command(generated_course, postgres, tmp_path_factory, nbgrader_env):
    """The class as a folder of notebooks named by student (linker's submission already in submitted/), graded by
    the grading command on a local cluster into PostgreSQL."""
    root = tmp_path_factory.mktemp("perimeter-command")
    secret = a_secret(root / "host")
    course = root / "course"
    shutil.copytree(generated_course, course)
    folder = os.path.join(os.fsencode(root), b"class")
    os.makedirs(folder)
    for student, text in notebooks().items():
        if student == b"linker":
            submit(course, student, text, secret)
            continue
        with open(os.path.join(folder, student + b".ipynb"), "w") as handle:
            handle.write(text)
    url = postgres.create_database("perimeter")
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "grade", str(course), ASSIGNMENT,
                           os.fsdecode(folder), "--workers", "2", "--db", url], cwd=course, env=nbgrader_env,
                          capture_output=True, text=True, timeout=1800)
    return course, url, done


def test_the_grading_command_scores_the_honest_and_the_flipped_and_refuses_the_rest(by_command):
    course, url, done = by_command
    assert done.returncode == 1, done.stderr[-3000:]  # 1: some submissions were not graded
    assert f"graded {len(SOUND)}, already graded 0, failed {len(REFUSED)}" in done.stdout, done.stdout[-3000:]
    assert read_scores(url, ASSIGNMENT, COURSE_ID)[0] == SOUND
    assert_protected(course, ASSIGNMENT, SOUND)  # on the class command's workers, every layer this machine offers
    lines = {line.strip().split(": ", 1)[0]: line for line in done.stdout.splitlines() if line.startswith("  ")}
    for student, words in REFUSED.items():
        assert words in lines[student], lines.get(student)
    report = (course / "reports" / f"{ASSIGNMENT}.html").read_text()
    assert f"Not graded ({len(REFUSED)})" in report and "notes.txt is a symbolic link" in report
    assert "Traceback" not in done.stderr and "msgpack" not in done.stderr


def test_the_grading_command_leaves_no_trace_of_what_it_refused(by_command):
    course, url, _ = by_command
    assert set(dump(url, ASSIGNMENT, COURSE_ID)) == set(SOUND)  # no row of a refused student
    assert read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)[0] == {}
    # Refused at staging: never copied in (bulky's is refused by the worker, after staging, like any grading).
    assert sorted(os.listdir(course / "submitted")) == sorted(["ada", "ben", "bulky", "flipper", "linker"])
    assert sorted(os.listdir(course / "autograded")) == sorted(SOUND)
    # Feedback: each page and the assignment's own figures, nothing else of the submission.
    released = sorted(n for n in os.listdir(COURSE / "source" / ASSIGNMENT) if not n.endswith(".ipynb"))
    for student in SOUND:
        assert sorted(os.listdir(course / "feedback" / student / ASSIGNMENT)) == sorted(released +
                                                                                     [f"{ASSIGNMENT}.html"])
    assert sorted(os.listdir(course / "feedback")) == sorted(SOUND)
    assert files_holding(course, SECRET) == []
    journal = (course / ".gradlab" / ASSIGNMENT).glob("journal-*.jsonl")
    assert sorted(json.loads(line)["student"] for path in journal for line in path.read_text().splitlines()) == \
        sorted(SOUND)


def test_the_flipped_flags_are_restored_and_said(by_command):
    course, _, _ = by_command
    graded = json.loads((course / "autograded" / "flipper" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    flags = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"] for c in graded["cells"]
             if "nbgrader" in c["metadata"]}
    assert flags["test_backward_propagation_n"]["grade"] is True
    assert flags["test_gradient_check"]["solution"] is False


@pytest.fixture(scope="module")
def by_nbgrader(generated_course, tmp_path_factory, nbgrader_env):
    """The same class in the course's submitted/ (without the pattern id: see the README on nbgrader's own folder
    search), graded by `nbgrader autograde` and given feedback by `nbgrader generate_feedback`."""
    root = tmp_path_factory.mktemp("perimeter-nbgrader")
    secret = a_secret(root / "host")
    course = root / "course"
    shutil.copytree(generated_course, course)
    for student, text in notebooks().items():
        if student != b"[A-Z]*":
            submit(course, student, text, secret)

    def nbgrader(*args):
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=nbgrader_env,
                              capture_output=True, text=True, timeout=1800)

    return course, nbgrader("autograde", ASSIGNMENT), nbgrader("generate_feedback", ASSIGNMENT)


def test_nbgrader_autograde_scores_the_honest_and_the_flipped_and_refuses_the_rest(by_nbgrader):
    course, autograde, feedback = by_nbgrader
    assert autograde.returncode == 1 and feedback.returncode == 0, (autograde.stderr[-3000:], feedback.stderr[-3000:])
    scores = read_scores(f"sqlite:///{course}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]
    assert {student: scores[student] for student in SOUND} == SOUND
    assert_protected(course, ASSIGNMENT, SOUND)  # in nbgrader autograde, every layer this machine offers
    log = autograde.stdout + autograde.stderr
    for student, words in REFUSED.items():
        if student not in ("[A-Z]*", "\\xe9l\\xe8ve"):  # nbgrader's own sqlite refuses the Latin-1 id first
            assert words in log, student
            assert f"for student '{student}'" in log
    assert "for student '\\udce9l\\udce8ve'" in log
    assert "Inconsistent checksums" not in log


def test_nbgrader_returns_nothing_of_a_refused_submission(by_nbgrader):
    course, _, _ = by_nbgrader
    assert sorted(os.listdir(course / "feedback")) == sorted(SOUND)
    for student in ("bulky", "heavy", "linker", LONG):
        assert not (course / "autograded" / student / ASSIGNMENT).exists()
    assert files_holding(course, SECRET) == []


def test_a_worker_grades_each_submission_in_a_course_holding_that_student_alone(generated_course, tmp_path):
    """Behind the staging's check, a worker's private course is emptied before each submission: nbgrader looks for
    the submission with the student id as a pattern, and would grade every earlier student it matched."""
    from gradlab.grading.cluster import material as materials, worker
    from gradlab.grading.gradebook.book import open_book

    with open_book(f"sqlite:///{generated_course}/gradebook.db") as book:
        material = materials.prepare(str(generated_course), ASSIGNMENT, book, str(tmp_path))
    ada = {f"{ASSIGNMENT}.ipynb": (SAMPLE / "ada_correct.ipynb").read_bytes()}
    try:
        first = worker.autograde(material, {"student": "Ada", "files": ada, "feedback": False, "prior": None})
        assert sum(first["result"]["notebooks"][ASSIGNMENT]["grades"].values()) == sum(EXPECTED["ada_correct"].values())
        with pytest.raises(worker.GradingFailed, match="No notebooks were matched"):  # not Ada's, graded again
            worker.autograde(material, {"student": "[A-Z]*", "files": ada, "feedback": False, "prior": None})
        private = worker._COURSES[material.digest]
        assert os.listdir(os.path.join(private.root, "submitted")) == ["[A-Z]*"]
        assert not os.path.exists(os.path.join(private.root, "autograded", "Ada"))
    finally:
        worker._COURSES.pop(material.digest).remove()


def test_check_names_what_nbgrader_autograde_would_mishandle(generated_course, tmp_path, nbgrader_env):
    """What an instructor runs before `nbgrader autograde`: every submission the grading command would refuse,
    one line each, and a non-zero exit; the submissions are left as they are."""
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    secret = a_secret(tmp_path / "host")
    for student, text in notebooks().items():
        if student not in (b"bulky", b"flipper", b"heavy"):
            submit(course, student, text, secret)
    submit(course, b"[a-z]*", notebooks()[b"ada"], secret)
    before = sorted(os.listdir(os.path.join(os.fsencode(course), b"submitted")))
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "check", str(course), ASSIGNMENT], cwd=course,
                          env=nbgrader_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr[-3000:]
    refused = {line.split(": ", 1)[0][len("refused "):]: line for line in done.stdout.splitlines()
               if line.startswith("refused ")}
    assert sorted(refused) == sorted(["\\xe9l\\xe8ve", "[A-Z]*", "[a-z]*", LONG, "linker"])
    assert "notes.txt is a symbolic link" in refused["linker"] and "as a pattern" in refused["[a-z]*"]
    assert "2 submissions can be graded, 5 refused" in done.stdout
    assert sorted(os.listdir(os.path.join(os.fsencode(course), b"submitted"))) == before

"""An instructor trying the class command from a fresh copy of the course, as autograder/README.md says: with no
submitted/ folder it says what it found and what to do, and writes nothing; `python -m gradlab.grading sample`
puts a sample class where `nbgrader collect` puts a class, without touching a student already there; the class
command then grades it."""
import shutil
import subprocess
import sys

from gradlab.grading.instructor.demo import COURSE
from nbgrader_course import ASSIGNMENT


def command(env, *args, timeout=1800):
    return subprocess.run([sys.executable, "-m", "gradlab.grading", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def tree(folder):
    """{relative path: bytes} of every file under `folder`, but the grading command's own lock and journal."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".gradlab" not in p.parts}


def test_with_nothing_to_grade_the_class_command_says_so_and_what_to_do_and_writes_nothing(generated_course,
                                                                                          tmp_path, nbgrader_env):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)  # generated, with its gradebook, and no submitted/ folder
    before = tree(course)
    done = command(nbgrader_env, "grade", str(course), ASSIGNMENT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""  # no empty table
    assert f"Nothing to grade: no submission of {ASSIGNMENT} in {course}/submitted" in done.stderr
    assert f"nbgrader collect {ASSIGNMENT}" in done.stderr
    assert f"python -m gradlab.grading sample {course} {ASSIGNMENT}" in done.stderr
    assert tree(course) == before  # no empty CSV, no empty report, the gradebook untouched


def test_an_unknown_assignment_is_named_with_those_the_course_has(generated_course, tmp_path, nbgrader_env):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    for args in (("grade", str(course), "gradient_cheking"), ("sample", str(course), "gradient_cheking")):
        done = command(nbgrader_env, *args)
        assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
        assert "no assignment 'gradient_cheking'" in done.stderr and "gradient_checking" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (course / "submitted").exists()


def test_the_sample_command_loads_the_sample_class_and_the_class_command_grades_it(generated_course, tmp_path,
                                                                                   nbgrader_env):
    assignment = "planar_classifier"  # the smallest sample class
    sample = COURSE / "sample_class" / assignment
    students = sorted(p.stem for p in sample.glob("*.ipynb"))
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)  # no sample_class/ of its own: the repository's is used
    done = command(nbgrader_env, "sample", str(course), assignment)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(students)} submissions from {sample}" in done.stdout
    assert f"python -m gradlab.grading grade {course} {assignment}" in done.stdout
    for student in students:  # nbgrader's layout, the notebook under the assignment's own name
        placed = course / "submitted" / student / assignment / f"{assignment}.ipynb"
        assert placed.read_bytes() == (sample / f"{student}.ipynb").read_bytes()
    again = command(nbgrader_env, "sample", str(course), assignment)  # the same class again: nothing lost or doubled
    assert again.returncode == 0 and sorted(p.name for p in (course / "submitted").iterdir()) == students

    graded = command(nbgrader_env, "grade", str(course), assignment, "--workers", "2")
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    assert f"graded {len(students)}, already graded 0, failed 0" in graded.stdout


def test_a_course_with_its_own_sample_class_uses_it_and_a_student_already_there_is_never_overwritten(
        generated_course, tmp_path, nbgrader_env):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    own = course / "sample_class" / ASSIGNMENT
    own.mkdir(parents=True)
    for student in ("ada_correct", "ben_course_bugs"):
        shutil.copy(COURSE / "sample_class" / ASSIGNMENT / f"{student}.ipynb", own)
    mine = course / "submitted" / "ben_course_bugs" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text('{"a": "real submission"}')
    done = command(nbgrader_env, "sample", str(course), ASSIGNMENT)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "already has another submission of gradient_checking by ben_course_bugs: nothing was copied" in done.stderr
    assert mine.read_text() == '{"a": "real submission"}'
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["ben_course_bugs"]
    mine.unlink()
    done = command(nbgrader_env, "sample", str(course), ASSIGNMENT)
    assert done.returncode == 0 and f"2 submissions from {own}" in done.stdout, done.stdout + done.stderr

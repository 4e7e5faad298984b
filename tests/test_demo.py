"""The instructor demo, run as `make demo KEEP=DIR` runs it: every sample class graded in a new copy of the course,
each gradebook printed beside its expected scores, the exit status saying whether all matched, and the printed
paths where the results are. A sample class whose expected scores are wrong makes the demo fail and say where."""
import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

from gradlab.grading.instructor.demo import COURSE, sample_classes
from protections import assert_protected


def demo(env, *options):
    return subprocess.run([sys.executable, "-m", "gradlab.grading", "demo", *options], env=env,
                          capture_output=True, text=True, timeout=1800)


def test_the_demo_grades_every_sample_class_as_expected_and_says_where_the_results_are(tmp_path, nbgrader_env):
    keep = tmp_path / "kept"
    done = demo(nbgrader_env, "--keep", str(keep))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assignments = sample_classes(COURSE)
    assert len(assignments) >= 4
    for assignment in assignments:
        students = len(list((COURSE / "sample_class" / assignment).glob("*.ipynb")))
        assert f"\n{assignment}\n" in done.stdout
        assert f"{students} submissions graded in" in done.stdout
    assert done.stdout.count("every score is as expected") == len(assignments)
    assert "DIFFERS" not in done.stdout
    # The paths it prints are where the results are, and the folder given is kept, not called temporary.
    assert f"The results are in {keep}:" in done.stdout and "temporary" not in done.stdout
    printed = dict(re.findall(r"^  (\w+):\s+(\S+)$", done.stdout, re.M))
    assert set(printed) == {"gradebook", "scores", "reports", "feedback"}
    assert Path(printed["gradebook"]).is_file()
    for assignment in assignments:
        assert Path(printed["scores"].replace("ASSIGNMENT", assignment)).is_file()
        assert Path(printed["reports"].replace("ASSIGNMENT", assignment)).is_file()
        feedback = printed["feedback"].replace("ASSIGNMENT", assignment)
        assert any(Path(feedback.replace("STUDENT", s.stem)).is_dir()
                   for s in (COURSE / "sample_class" / assignment).glob("*.ipynb"))
        students = [s.stem for s in (COURSE / "sample_class" / assignment).glob("*.ipynb")]
        assert_protected(keep / "course", assignment, students)  # every layer this machine offers, for each


def test_a_score_other_than_expected_fails_the_demo_and_is_marked(tmp_path, nbgrader_env):
    course = tmp_path / "course"
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns("__pycache__"))
    for other in (course / "sample_class").iterdir():
        if other.is_dir() and other.name != "planar_classifier":
            shutil.rmtree(other)
    table = course / "sample_class" / "planar_classifier" / "expected_scores.csv"
    with table.open() as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["test_backward_propagation"] = "3"  # ana_correct earns 4
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = demo(nbgrader_env, "--course", str(course))
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "SOME SCORES DIFFER FROM THE EXPECTED ONES" in done.stdout
    marked = [line.split()[0] for line in done.stdout.splitlines() if line.rstrip().endswith("DIFFERS")]
    assert marked == [rows[0]["student"]]
    folder = re.search(r"The results are in (\S+) \(a temporary folder", done.stdout).group(1)
    shutil.rmtree(folder)

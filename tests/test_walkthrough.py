"""The walk-through "Write your own assignment" (autograder/README.md), followed literally: its shell blocks run one
after another in an empty folder, from a course with nothing in it to a graded class whose scores are the ones its
sample class expects."""
import os
import re
import subprocess
import sys
from pathlib import Path

from gradlab.grading.gradebook.scores import read_expected
from gradlab.grading.course.nbgrader_calls import isolated_environment
from protections import assert_protected

REPO = Path(__file__).resolve().parents[1]
README = REPO / "autograder" / "README.md"


def walkthrough_commands():
    text = README.read_text()
    section = text[text.index("## Write your own assignment"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 5
    return "\n".join(blocks)


def test_the_walkthrough_works_when_followed_literally(tmp_path):
    env = isolated_environment(str(tmp_path / "jupyter"))
    env["GRADLAB"] = str(REPO)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env["PATH"]])  # python and nbgrader
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", walkthrough_commands()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "verify softmax_regression:" in done.stdout and ", 0 problems." in done.stdout
    expected = read_expected(REPO / "autograder" / "sample_class" / "softmax_regression" / "expected_scores.csv")
    table = done.stdout[done.stdout.rindex("student"):]
    rows = [line.split() for line in table.splitlines()[2:] if line.split() and line.split()[0] in expected]
    assert {row[0] for row in rows} == set(expected)
    assert all(row[-1] == "ok" for row in rows), table
    assert_protected(tmp_path / "mycourse", "softmax_regression", expected)
    # What students get is the source's notebook and figures, and nothing of the reference or the hidden cases
    released = tmp_path / "mycourse" / "release" / "softmax_regression"
    source = REPO / "autograder" / "source" / "softmax_regression"
    assert sorted(p.name for p in released.iterdir()) == sorted(p.name for p in source.iterdir())
    notebook = (released / "softmax_regression.ipynb").read_text()
    reference = (tmp_path / "mycourse" / "exercises" / "softmax_regression.py").read_text()
    assert "def cases(hidden)" in reference and "def cases(hidden)" not in notebook
    assert "BEGIN SOLUTION" not in notebook and "BEGIN HIDDEN TESTS" not in notebook

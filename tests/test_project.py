"""The project's set-up files agree with each other."""
import os
import re
import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement):
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_and_pyproject_name_the_same_runtime_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # pip's extras ("psycopg[binary]") have no conda form: conda-forge's package is the whole of it.
    runtime = {_name(r): re.sub(r"\[.*?\]", "", r.replace(" ", "")) for r in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for entry in env["dependencies"]:
        if isinstance(entry, str) and _name(entry) not in ("python", "pip"):
            conda[_name(entry)] = entry.replace(" ", "")
    assert conda == runtime  # the same packages with the same version bounds
    assert "conda-forge" in env["channels"]
    pip_section = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    assert "." in pip_section  # the package itself, installed with pip


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1]
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", quick, re.S).group(1)
    commands = [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert commands[1] in ci


def test_the_readme_example_prints_what_the_readme_shows(capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The check in ten lines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"prints\n\n```\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    timing = re.compile(r"cost calls, [0-9.e-]+ s\.")
    assert timing.sub("", printed).strip() == timing.sub("", shown).strip()
    difference, w2, factor = eval(code.strip().splitlines()[-1].split("#")[0], namespace)
    assert (round(difference, 3), round(w2, 3), round(factor, 6)) == (0.285, 0.333, 2.0)


def test_the_readme_counts_each_sample_class_as_it_is():
    readme = (ROOT / "README.md").read_text()
    named = re.search(r"nbgrader course \(nbgrader [0-9.]+\) with \w+ assignments: (.*?)\n\n", readme, re.S).group(1)
    assignments = [a for a in re.findall(r"`(\w+)` \(", named) if (ROOT / "autograder" / "source" / a).is_dir()]
    assert sorted(assignments) == sorted(p.name for p in (ROOT / "autograder" / "source").iterdir() if p.is_dir())
    counts = re.search(r"sample class \(([0-9, and]+) submissions", readme).group(1)
    said = [int(n) for n in re.findall(r"\d+", counts)]
    assert said == [len(list((ROOT / "autograder" / "sample_class" / a).glob("*.ipynb"))) for a in assignments]


def test_the_readme_lists_the_settings_an_existing_cluster_needs():
    from gradlab.grading.cluster import engine

    readme = (ROOT / "README.md").read_text()
    listed = dict(re.findall(r"`(DASK_[A-Z_]+)=([^`]+)`", readme))
    assert listed == engine.settings_as_environment()


def _dry_run(*arguments):
    result = subprocess.run(["make", "-n", *arguments], cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if "jupyter lab" in line]


def test_make_lab_starts_as_root_and_says_why():
    """Jupyter refuses root without --allow-root (a container's usual user); make lab gives it only to root."""
    (as_root,) = _dry_run("lab", "USER_ID=0")
    (as_user,) = _dry_run("lab", "USER_ID=1000")
    assert as_root.split()[-1] == "--allow-root" and "--allow-root" not in as_user
    assert "running as root" in subprocess.run(["make", "-n", "lab", "USER_ID=0"], cwd=ROOT, capture_output=True,
                                                text=True).stdout
    (here,) = _dry_run("lab")  # whoever runs the tests: root gets the flag, anyone else does not
    assert ("--allow-root" in here) == (os.geteuid() == 0)


def test_the_quick_start_says_how_long_the_tests_take():
    quick = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"`make test`[^.]*(minutes|an hour)", quick.replace("\n", " "))



def test_make_instructor_opens_a_copy_of_the_course_with_a_sample_class(tmp_path):
    """`make instructor`: a copy of the course (the repository's autograder/ untouched), the sample class of
    gradient_checking in its submitted/, JupyterLab started in it at instructor.ipynb (here a stand-in that
    records where it was started and with what)."""
    course, seen = tmp_path / "course", tmp_path / "lab.txt"
    before = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "autograder").rglob("*"))
    lab = f"sh -c 'pwd > {seen}; echo \"$$0 $$@\" >> {seen}'"
    for _ in range(2):  # a second run keeps the copy and what is in it
        subprocess.run(["make", "instructor", f"INSTRUCTOR_COURSE={course}", f"OPEN_LAB={lab}", "USER_ID=1000"],
                       cwd=ROOT, check=True, capture_output=True, text=True, timeout=900)
    students = sorted(p.stem for p in (ROOT / "autograder" / "sample_class" / "gradient_checking").glob("*.ipynb"))
    assert sorted(p.name for p in (course / "submitted").iterdir()) == students
    assert (course / "nbgrader_config.py").is_file() and (course / "instructor.ipynb").is_file()
    where, args = seen.read_text().splitlines()
    assert where == str(course) and args.split()[-1] == "instructor.ipynb"
    assert sorted(str(p.relative_to(ROOT)) for p in (ROOT / "autograder").rglob("*")) == before

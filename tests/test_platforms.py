"""Every shipped assignment packaged for Gradescope, Coursera and edX's XQueue by the command an instructor runs,
and each package run the way its platform runs it: no Docker engine here, so each platform's container is a root of
its own (platform_root.py) with the platform's folders where the platform puts them. The package's own set-up builds
its venv there (once per platform, from the wheels pip fetched once as this machine configures it), then every
submission of every sample class is graded by the package's own entry point, and every score, and the format of
what the platform reads, is compared with the sample class's expected scores and the platform's published format
(platform_formats/). The XQueue grader is run against a stand-in that speaks XQueue's HTTP protocol."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import nbformat
import pytest

from nbgrader_course import ASSIGNMENTS, COURSE, hidden_lines
from platform_root import run_in_root
from protections import expected as offered_layers
from protections import layers
from xqueue_standin import StandIn

from gradlab.grading.instructor.cli import main as cli

HERE = Path(__file__).resolve().parent
FORMATS = HERE / "platform_formats"
SAMPLES = COURSE / "sample_class"
HIDDEN_VISIBILITY = {"gradient_checking": "after_due_date"}  # the other assignments keep the default, "visible"
CORRECT = {"gradient_checking": "ada_correct"}  # otherwise ana_correct
WARNING_WORDS = ("WITHOUT bubblewrap", "bwrap", "Traceback", "warning", "Warning")


def container_layers(bubblewrap):
    """The sandbox's layers a platform's container as platform_root.py makes it offers: Landlock (the kernel's own,
    where this machine offers it), no cgroup filesystem, and bubblewrap only where the container lets it start."""
    return offered_layers() & ({"landlock"} | ({"bubblewrap"} if bubblewrap else set()))


def held_per_submission(log):
    """The layers that held each submission graded in an instructor's `log`, in every run of it that reported them
    (the line grade.protections_line writes), in order; a submission no run of which reported does not match."""
    return [layers(found.split("; ")) for found in
            re.findall(r"^.*protections in force in each of \d+ run\(s\)(?:, \d+ unreported)?: (.*)$", log, flags=re.M)]


def schema(name):
    return json.loads((FORMATS / name).read_text())


def expected(assignment):
    """{student: ({grade_id: points won}, total)} from the sample class's expected_scores.csv."""
    with open(SAMPLES / assignment / "expected_scores.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cells = [name for name in rows[0] if name not in ("student", "total", "what the submission does")]
    return {row["student"]: ({cell: float(row[cell]) for cell in cells}, float(row["total"])) for row in rows}


def points(assignment):
    """{grade_id: points} of the source notebook's test cells, and the ids of those that hold hidden tests."""
    nb = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    found, hidden = {}, set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            found[meta["grade_id"]] = float(meta["points"])
            if "BEGIN HIDDEN TESTS" in cell.source or "HIDDEN_CASES" in cell.source:
                hidden.add(meta["grade_id"])
    return found, hidden


def submissions(assignment):
    return sorted((SAMPLES / assignment).glob("*.ipynb"))


def tree(folder):
    """{relative path: size and mtime} of everything under `folder`: what "nothing else changed" compares."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def course_files():
    """The course's source files (its notebooks, declarations, configuration): what packaging must leave as they are;
    and whether nbgrader left anything in it (a gradebook, release/)."""
    found = {path: stamp for path, stamp in tree(COURSE).items() if path.split("/")[0] in ("source", "exercises")
             or path == "nbgrader_config.py"}
    return found, [name for name in ("gradebook.db", "release", ".gradlab") if (COURSE / name).exists()]


SETUP_ENV = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/wheelhouse"}


def setup_binds(wheelhouse):
    return [(wheelhouse, "/wheelhouse", "ro")]


def unzip_as_gradescope(archive, destination):
    """Unpack an autograder zip as Gradescope does into /autograder/source, keeping the modes of its files."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            path = Path(zipped.extract(info, destination))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def no_hidden_lines(assignment, text):
    lines = hidden_lines(assignment)
    leaked = [line for line in lines if line in text]
    assert not leaked and "HIDDEN_CASES" not in text, leaked


# -- the packages, made by the command --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """platform -> assignment -> the package's folder, each made by `python -m gradlab.grading package` (in this
    process, so the wheel is built once); the course they are made from is left exactly as it was."""
    root = tmp_path_factory.mktemp("packages")
    before = course_files()
    made = {}
    for platform in ("gradescope", "coursera", "xqueue"):
        for assignment in ASSIGNMENTS:
            out = root / platform / assignment
            args = ["package", str(COURSE), assignment, "--for", platform, "--out", str(out)]
            if platform == "gradescope" and assignment in HIDDEN_VISIBILITY:
                args += ["--hidden-visibility", HIDDEN_VISIBILITY[assignment]]
            if platform == "coursera":
                args += ["--part-id", f"part-{assignment}"]
            assert cli(args) == 0
            made.setdefault(platform, {})[assignment] = out
    assert course_files() == before
    return made


def test_each_package_holds_what_its_platform_asks_for_and_the_released_notebook(packages):
    for assignment in ASSIGNMENTS:
        gradescope = packages["gradescope"][assignment]
        with zipfile.ZipFile(gradescope / "autograder.zip") as archive:
            names = archive.namelist()
            modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
            settings = json.loads(archive.read("gradlab/settings.json"))
        assert {"setup.sh", "run_autograder"} <= set(names)  # at the zip's root, not in a folder
        assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
        assert f"gradlab/material/source/{assignment}/{assignment}.ipynb" in names
        assert f"gradlab/material/exercises/{assignment}.py" in names
        assert any(re.fullmatch(r"gradlab/wheels/gradlab_course-[\d.]+-py3-none-any\.whl", n) for n in names)
        assert settings["assignment"] == assignment and settings["notebook"] == f"{assignment}.ipynb"
        coursera = packages["coursera"][assignment]
        assert (coursera / "Dockerfile").is_file() and os.access(coursera / "grader" / "run_grader", os.X_OK)
        with zipfile.ZipFile(coursera / "grader.zip") as archive:
            assert {"Dockerfile", "grader/run_grader", "grader/gradlab/install.sh"} <= set(archive.namelist())
        xqueue = packages["xqueue"][assignment] / "grader"
        assert os.access(xqueue / "setup.sh", os.X_OK) and os.access(xqueue / "run_watcher", os.X_OK)
        ElementTree.fromstring((xqueue / "problem.xml").read_text())
        for platform in packages:
            # learners get the notebook as nbgrader releases it: no solution, no hidden test
            student = nbformat.read(packages[platform][assignment] / "student" / f"{assignment}.ipynb", as_version=4)
            text = "\n".join(cell.source for cell in student.cells)
            assert "### BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
            assert "YOUR CODE HERE" in text or "raise NotImplementedError" in text
            no_hidden_lines(assignment, text)


def test_the_package_command_names_what_is_wrong(tmp_path, capsys):
    assert cli(["package", str(COURSE), "no_such_assignment", "--for", "gradescope", "--out", str(tmp_path / "a")]) == 2
    assert "no_such_assignment" in capsys.readouterr().err
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert cli(["package", str(COURSE), "softmax_regression", "--for", "xqueue", "--out", str(foreign)]) == 2
    assert "is not a package this command made" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert cli(["package", str(tmp_path), "softmax_regression", "--for", "coursera"]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


@pytest.fixture(scope="module")
def wheelhouse(packages, tmp_path_factory):
    """gradlab's wheel (the packages carry the same bytes) and every dependency, fetched once by pip as this machine
    configures it; each package's own set-up then installs from this folder (PIP_NO_INDEX, PIP_FIND_LINKS) instead
    of fetching the same wheels three times."""
    wheels = {wheel.read_bytes(): wheel for platform in ("coursera", "xqueue") for assignment in ASSIGNMENTS
              for wheel in (packages[platform][assignment] / "grader" / "gradlab" / "wheels").glob("*.whl")}
    for assignment in ASSIGNMENTS:
        with zipfile.ZipFile(packages["gradescope"][assignment] / "autograder.zip") as archive:
            name = next(n for n in archive.namelist() if n.startswith("gradlab/wheels/"))
            assert archive.read(name) in wheels
    assert len(wheels) == 1
    folder = tmp_path_factory.mktemp("wheelhouse")
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(folder),
                           str(next(iter(wheels.values())))], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


# -- Gradescope ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gradescope_image(packages, wheelhouse, tmp_path_factory):
    """assignment -> (source, run_autograder) unpacked as Gradescope does, and the venv its setup.sh built (as root,
    once: every package's setup.sh and wheel are the same bytes, which is checked, so one image's venv serves all)."""
    root = tmp_path_factory.mktemp("gradescope")
    venv = root / "venv"
    venv.mkdir()
    image, setups, wheels = {}, set(), set()
    for assignment in ASSIGNMENTS:
        source = root / assignment / "source"
        unzip_as_gradescope(packages["gradescope"][assignment] / "autograder.zip", source)
        setups.add((source / "setup.sh").read_bytes())
        wheels.add(next((source / "gradlab" / "wheels").glob("*.whl")).read_bytes())
        image[assignment] = source
    assert len(setups) == 1 and len(wheels) == 1
    first = image[ASSIGNMENTS[0]]
    done = run_in_root(["bash", "/autograder/source/setup.sh"],
                       [(root / ASSIGNMENTS[0], "/autograder", "rw"), (first, "/autograder/source", "rw"),
                        (venv, "/autograder/venv", "rw"), *setup_binds(wheelhouse)], cwd="/autograder", env=SETUP_ENV,
                       timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"venv": venv, "sources": image}


def run_gradescope(image, assignment, notebooks, where, host_proc=False):
    """One upload (the files `notebooks`), graded by run_autograder in /autograder as root; (process, results)."""
    submission, results = where / "submission", where / "results"
    submission.mkdir(parents=True)
    results.mkdir()
    for notebook in notebooks:
        shutil.copy(notebook, submission / Path(notebook).name)
    source = image["sources"][assignment]
    done = run_in_root(["/autograder/run_autograder"],
                       [(source, "/autograder/source", "rw"), (image["venv"], "/autograder/venv", "rw"),
                        (source / "run_autograder", "/autograder/run_autograder", "ro"),
                        (submission, "/autograder/submission", "rw"), (results, "/autograder/results", "rw")],
                       cwd="/autograder", host_proc=host_proc)
    found = results / "results.json"
    return done, (json.loads(found.read_text()) if found.exists() else None)


def grade_all(run, jobs):
    """Run `run(job)` for every job, two at a time (the machine's two cores)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(run, jobs)))


@pytest.fixture(scope="module")
def gradescope_runs(gradescope_image, tmp_path_factory):
    """(assignment, student) -> (process, results.json) for every sample class, as Gradescope runs the package: root
    in a container whose /proc is masked as Docker masks it, so bubblewrap cannot start (the documented fallback)."""
    root = tmp_path_factory.mktemp("gradescope-runs")
    jobs = [(a, p.stem) for a in ASSIGNMENTS for p in submissions(a)]
    return grade_all(lambda job: run_gradescope(gradescope_image, job[0], [SAMPLES / job[0] / f"{job[1]}.ipynb"],
                                                root / job[0] / job[1]), jobs)


def check_gradescope(assignment, student, done, results):
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    jsonschema.validate(results, schema("gradescope_results.schema.json"))
    cells, total = expected(assignment)[student]
    worth, hidden = points(assignment)
    assert [test["name"].rsplit("(", 1)[-1].rstrip(")") for test in results["tests"]] == list(worth)
    for test in results["tests"]:
        grade_id = test["name"].rsplit("(", 1)[-1].rstrip(")")
        assert test["score"] == pytest.approx(cells[grade_id], abs=1e-6), (student, grade_id)
        assert test["max_score"] == worth[grade_id]
        assert test["status"] == ("passed" if test["score"] >= test["max_score"] else "failed")
        want = HIDDEN_VISIBILITY.get(assignment, "visible") if grade_id in hidden else "visible"
        assert test["visibility"] == want, (grade_id, test["visibility"])
    assert results["score"] == pytest.approx(total, abs=1e-6)
    assert results["stdout_visibility"] == "hidden"
    shown = json.dumps(results)
    no_hidden_lines(assignment, shown)
    assert not any(word in shown for word in WARNING_WORDS), student


def test_gradescope_grades_every_sample_class_to_its_expected_scores_in_gradescopes_format(gradescope_runs):
    assert len(gradescope_runs) == sum(len(submissions(a)) for a in ASSIGNMENTS)
    for (assignment, student), (done, results) in gradescope_runs.items():
        check_gradescope(assignment, student, done, results)
        # the instructor's stdout says how student code was held: here, as in Docker, without bubblewrap
        assert "sandbox: without bubblewrap" in done.stdout
        assert held_per_submission(done.stdout) == [container_layers(bubblewrap=False)], (student, done.stdout)


def test_gradescope_package_uses_bubblewrap_where_the_container_allows_it(gradescope_image, tmp_path):
    assignment = "planar_classifier"
    for notebook in submissions(assignment)[:3]:
        done, results = run_gradescope(gradescope_image, assignment, [notebook], tmp_path / notebook.stem,
                                       host_proc=True)
        check_gradescope(assignment, notebook.stem, done, results)
        assert "sandbox: bubblewrap" in done.stdout
        assert held_per_submission(done.stdout) == [container_layers(bubblewrap=True)], (notebook.stem, done.stdout)


# -- Coursera -----------------------------------------------------------------------------------------------------


def dockerfile(folder):
    """(the RUN line that installs gradlab, the ENTRYPOINT) of the package's Dockerfile: what the tests run."""
    text = (folder / "Dockerfile").read_text()
    install = next(line[4:] for line in text.splitlines() if line.startswith("RUN ") and "install.sh" in line)
    entry = json.loads(next(line[11:] for line in text.splitlines() if line.startswith("ENTRYPOINT ")))
    return install, entry


@pytest.fixture(scope="module")
def coursera_image(packages, wheelhouse, tmp_path_factory):
    """The grader folder of each package at /grader, and the venv the Dockerfile's RUN line built in it (as root,
    once; the install lines and wheels of the four packages are the same bytes)."""
    root = tmp_path_factory.mktemp("coursera")
    venv = root / "venv"
    venv.mkdir()
    assert len({json.dumps(dockerfile(packages["coursera"][a])) for a in ASSIGNMENTS}) == 1
    install, _ = dockerfile(packages["coursera"][ASSIGNMENTS[0]])
    grader = packages["coursera"][ASSIGNMENTS[0]] / "grader"
    done = run_in_root(["bash", "-c", install], [(grader, "/grader", "rw"), (venv, "/grader/venv", "rw"),
                                                 *setup_binds(wheelhouse)], env=SETUP_ENV, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"venv": venv}


def run_coursera(packages, image, assignment, notebook, where, part_id=None):
    """One Submit: the entry point as a user who is not root, no network, no user namespaces (Docker's seccomp),
    the learner's file in /shared/submission/ (read-only), partId in the environment; (process, feedback, html)."""
    folder = packages["coursera"][assignment]
    _, entry = dockerfile(folder)
    (folder / "grader" / "venv").mkdir(exist_ok=True)  # where the image has its venv: the shared one is bound there
    shared = where / "shared"
    (shared / "submission").mkdir(parents=True)
    shutil.copy(notebook, shared / "submission" / Path(notebook).name)
    shared.chmod(0o777)
    done = run_in_root(entry, [(folder / "grader", "/grader", "ro"), (image["venv"], "/grader/venv", "ro"),
                               (shared, "/shared", "rw"), (shared / "submission", "/shared/submission", "ro")],
                       user=1000, user_namespaces=False, env={"partId": part_id or f"part-{assignment}"},
                       home="/home/grader")
    feedback = shared / "feedback.json"
    page = shared / "htmlFeedback.html"
    return done, (json.loads(feedback.read_text()) if feedback.exists() else None), (
        page.read_text() if page.exists() else None)


@pytest.fixture(scope="module")
def coursera_runs(packages, coursera_image, tmp_path_factory):
    root = tmp_path_factory.mktemp("coursera-runs")
    jobs = [(a, p.stem) for a in ASSIGNMENTS for p in submissions(a)]
    return grade_all(lambda job: run_coursera(packages, coursera_image, job[0], SAMPLES / job[0] / f"{job[1]}.ipynb",
                                              root / job[0] / job[1]), jobs)


def test_coursera_grades_every_sample_class_to_its_expected_scores_in_courseras_format(coursera_runs):
    assert len(coursera_runs) == sum(len(submissions(a)) for a in ASSIGNMENTS)
    for (assignment, student), (done, feedback, page) in coursera_runs.items():
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        jsonschema.validate(feedback, schema("coursera_feedback.schema.json"))
        assert feedback["feedbackType"] == "HTML" and page
        # the one line on stdout is the same object (where coursera_autograder's grade local reads it)
        assert done.stdout.strip().splitlines() == [json.dumps(feedback)]
        cells, total = expected(assignment)[student]
        worth, _ = points(assignment)
        assert feedback["fractionalScore"] == pytest.approx(total / sum(worth.values()), abs=1e-6), student
        rows = ElementTree.fromstring(page).iter("tr")
        shown = {cells_[0].text.rsplit("(", 1)[-1].rstrip(")"): cells_[1].text for cells_ in
                 ([list(row) for row in rows]) if len(cells_) == 2 and cells_[0].tag == "td"}
        assert shown == {g: f"{cells[g]:g} / {worth[g]:g}" for g in worth}
        no_hidden_lines(assignment, page + feedback["feedback"])
        assert not any(word in page + feedback["feedback"] for word in WARNING_WORDS), student
        assert "sandbox: without bubblewrap" in done.stderr
        assert held_per_submission(done.stderr) == [container_layers(bubblewrap=False)], (student, done.stderr)


def test_coursera_grader_answers_a_part_it_does_not_grade_with_zero_and_says_so(packages, coursera_image, tmp_path):
    done, feedback, page = run_coursera(packages, coursera_image, "softmax_regression",
                                        SAMPLES / "softmax_regression" / "ana_correct.ipynb", tmp_path,
                                        part_id="another-part")
    assert done.returncode == 0
    jsonschema.validate(feedback, schema("coursera_feedback.schema.json"))
    assert feedback["fractionalScore"] == 0
    assert "not part another-part" in feedback["feedback"] and "tell the course staff" in page


# -- XQueue -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xqueue_watcher(packages, wheelhouse, tmp_path_factory):
    """The watcher's folder as its setup.sh leaves it on the grading machine: the venv beside run_watcher."""
    root = tmp_path_factory.mktemp("xqueue")
    venv = root / "venv"
    venv.mkdir()
    folder = packages["xqueue"][ASSIGNMENTS[0]] / "grader"
    done = run_in_root(["bash", "/srv/watcher/setup.sh"],
                       [(folder, "/srv/watcher", "rw"), (venv, "/srv/watcher/venv", "rw"), *setup_binds(wheelhouse)],
                       env=SETUP_ENV, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return venv


def test_xqueue_grader_answers_every_sample_class_through_xqueues_protocol(packages, xqueue_watcher, tmp_path):
    """Per assignment, a stand-in XQueue holds the whole class (as file submissions, and one as a textbox answer) and a
    submission for another assignment; two watchers, run as the package runs them on two machines of the course's
    (where bubblewrap works), pull from the same queue at once, answer each submission over HTTP and stop when the
    queue is empty. The stand-in takes one answer per submission (its key is spent): none is answered twice."""
    for assignment in ASSIGNMENTS:
        folder = packages["xqueue"][assignment] / "grader"
        (folder / "venv").mkdir(exist_ok=True)  # where setup.sh makes it: the shared one is bound there
        worth, _ = points(assignment)
        with StandIn(queue_name=assignment) as xqueue:
            numbers = {}
            payload = json.dumps({"assignment": assignment})
            for notebook in submissions(assignment):
                body = {"student_info": {"anonymous_student_id": notebook.stem}, "student_response": "",
                        "grader_payload": payload}
                numbers[xqueue.submit(body, {f"{assignment}.ipynb": notebook.read_bytes()})] = notebook.stem
            typed = SAMPLES / assignment / f"{CORRECT.get(assignment, 'ana_correct')}.ipynb"
            as_text = xqueue.submit({"student_response": typed.read_text(), "grader_payload": payload})
            other = xqueue.submit({"student_response": typed.read_text(),
                                   "grader_payload": json.dumps({"assignment": "another_assignment"})})
            config = tmp_path / f"{assignment}.json"
            config.write_text(json.dumps({"server": xqueue.url, "queue_name": assignment, "username": "grader",
                                          "password": "s3cret", "poll_seconds": 0.2}))
            watchers = grade_all(lambda _: run_in_root(
                ["/srv/watcher/run_watcher", "/srv/config.json", "--until-empty"],
                [(folder, "/srv/watcher", "ro"), (xqueue_watcher, "/srv/watcher/venv", "ro"),
                 (config, "/srv/config.json", "ro")], network=True, host_proc=True, timeout=1800), ["one", "two"])
        held = []
        for done in watchers.values():
            assert done.returncode == 0, done.stderr[-3000:]
            assert "sandbox: bubblewrap" in done.stderr
            held += held_per_submission(done.stderr)
        # each graded submission (the files and the textbox answer; not the other assignment's), whichever watcher
        # graded it, in every run
        assert held == [container_layers(bubblewrap=True)] * (len(numbers) + 1)
        assert xqueue.refused == [] and set(xqueue.replies) == set(numbers) | {as_text, other}
        for number, reply in xqueue.replies.items():
            jsonschema.validate(reply, schema("xqueue_reply.schema.json"))
            ElementTree.fromstring(reply["msg"])  # edX parses the message as XML before it shows it
            no_hidden_lines(assignment, reply["msg"])
            assert not any(word in reply["msg"] for word in WARNING_WORDS)
        for number, student in numbers.items():
            total = expected(assignment)[student][1]
            reply = xqueue.replies[number]
            assert reply["score"] == pytest.approx(total / sum(worth.values()), abs=1e-6), student
            assert reply["correct"] is (total == sum(worth.values()))
        assert xqueue.replies[as_text]["score"] == 1.0 and xqueue.replies[as_text]["correct"] is True
        assert xqueue.replies[other]["score"] == 0 and "not another_assignment" in xqueue.replies[other]["msg"]


# -- the same grading as the class command ------------------------------------------------------------------------


def test_gradescope_scores_equal_the_class_commands(gradescope_runs, generated_course, tmp_path):
    """The class command grades the softmax class in a copy of the course: every test cell's score is the same as
    the package's on Gradescope."""
    from gradlab.grading.cluster.classroom import grade_class

    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    with open(os.devnull, "w") as quiet:
        run = grade_class(str(course), "softmax_regression", str(SAMPLES / "softmax_regression"), workers=1,
                          feedback=False, report=False, stream=quiet)
    assert not run.failed and len(run.scores) == len(submissions("softmax_regression"))
    for student, scores in run.scores.items():
        _, results = gradescope_runs[("softmax_regression", student)]
        assert {t["name"].rsplit("(", 1)[-1].rstrip(")"): t["score"] for t in results["tests"]} == scores


# -- attacks on the platform's own files --------------------------------------------------------------------------

FORGER = '''import json, os
forged = {"score": 100.0, "tests": [], "fractionalScore": 1.0, "feedback": "FORGED by the notebook"}
for path in ("/autograder/results/results.json", "/shared/feedback.json", "/shared/htmlFeedback.html"):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            json.dump(forged, handle)
    except OSError:
        pass
for path in ("/autograder/source/gradlab/material/exercises/softmax_regression.py",
             "/grader/gradlab/material/exercises/softmax_regression.py"):
    try:
        print("STOLEN", open(path).read())
    except OSError:
        pass
print(json.dumps(forged))
'''


def forging_notebook(where):
    """ben_dW_without_mean (1 of 3 points), with a first code cell that writes a full score where each platform
    reads the results, prints one on stdout, and prints the exercise's declarations if it can read them."""
    nb = nbformat.read(SAMPLES / "softmax_regression" / "ben_dW_without_mean.ipynb", as_version=4)
    first = next(k for k, cell in enumerate(nb.cells) if cell.cell_type == "code")
    nb.cells.insert(first, nbformat.v4.new_code_cell(FORGER))
    path = where / "softmax_regression.ipynb"
    where.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_a_notebook_cannot_forge_its_gradescope_results_or_read_the_declarations(gradescope_image, tmp_path):
    before = tree(gradescope_image["sources"]["softmax_regression"])
    done, results = run_gradescope(gradescope_image, "softmax_regression", [forging_notebook(tmp_path / "nb")],
                                   tmp_path / "run")
    check_gradescope("softmax_regression", "ben_dW_without_mean", done, results)
    shown = json.dumps(results) + done.stdout
    assert results["score"] == 1.0 and "FORGED" not in shown and "STOLEN" not in shown and "EXERCISES" not in shown
    assert tree(gradescope_image["sources"]["softmax_regression"]) == before


def test_a_notebook_cannot_forge_its_coursera_feedback_or_read_the_declarations(packages, coursera_image, tmp_path):
    done, feedback, page = run_coursera(packages, coursera_image, "softmax_regression",
                                        forging_notebook(tmp_path / "nb"), tmp_path / "run")
    assert done.returncode == 0
    assert feedback["fractionalScore"] == pytest.approx(1 / 3, abs=1e-6)
    shown = json.dumps(feedback) + page + done.stdout
    assert "FORGED" not in shown and "STOLEN" not in shown and "EXERCISES" not in shown
    assert done.stdout.strip().splitlines() == [json.dumps(feedback)]


# -- what a learner may get wrong ----------------------------------------------------------------------------------


@pytest.mark.parametrize("upload, words", [
    ([], "No notebook was submitted"),
    (["ana_correct.ipynb", "ben_dW_without_mean.ipynb"], "2 notebooks were submitted"),
    (["not_a_notebook.ipynb"], "is not a Jupyter notebook"),
])
def test_gradescope_upload_without_one_readable_notebook_scores_zero_and_says_why(tmp_path, upload, words):
    """Run in this process (gradescope.run with the package's payload and a folder standing for /autograder): nothing
    is graded, every test cell scores 0, the results still follow Gradescope's format."""
    from gradlab.grading.platforms import gradescope
    from gradlab.grading.platforms.package import build_package

    source = tmp_path / "source"
    unzip_as_gradescope(Path(build_package(COURSE, "softmax_regression", "gradescope", tmp_path / "package"))
                        / "autograder.zip", source)
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    for name in upload:
        target = root / "submission" / name
        if name == "not_a_notebook.ipynb":
            target.write_text("print('hello')\n")
        else:
            shutil.copy(SAMPLES / "softmax_regression" / name, target)
    assert gradescope.run(str(source / "gradlab"), root=str(root)) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, schema("gradescope_results.schema.json"))
    assert results["score"] == 0 and words in results["output"]
    assert [t["score"] for t in results["tests"]] == [0.0] and words in results["tests"][0]["output"]


def test_a_package_that_cannot_grade_still_answers_on_every_platform_with_zero_and_says_so(tmp_path, capsys,
                                                                                           monkeypatch):
    """A package whose settings cannot be read (a broken upload of it, say): each platform still gets its answer in
    its own format, 0 and words a learner can act on, and the traceback goes where only the staff look."""
    from gradlab.grading.platforms import coursera, gradescope, xqueue
    from gradlab.grading.platforms.grade import FAILED
    from gradlab.grading.platforms.package import build_package

    source = tmp_path / "gradescope" / "source"
    unzip_as_gradescope(Path(build_package(COURSE, "softmax_regression", "gradescope", tmp_path / "p1"))
                        / "autograder.zip", source)
    (source / "gradlab" / "settings.json").write_text("{broken")
    root = tmp_path / "gradescope" / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copy(SAMPLES / "softmax_regression" / "ana_correct.ipynb", root / "submission")
    assert gradescope.run(str(source / "gradlab"), root=str(root)) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, schema("gradescope_results.schema.json"))
    assert results["score"] == 0 and results["output"] == FAILED and "Traceback" in capsys.readouterr().out

    package = Path(build_package(COURSE, "softmax_regression", "coursera", tmp_path / "p2")) / "grader" / "gradlab"
    (package / "settings.json").write_text("{broken")
    shared = tmp_path / "shared"
    (shared / "submission").mkdir(parents=True)
    assert coursera.run(str(package), shared=str(shared), environ={"partId": "x"}) == 0
    feedback = json.loads((shared / "feedback.json").read_text())
    jsonschema.validate(feedback, schema("coursera_feedback.schema.json"))
    printed = capsys.readouterr()
    assert feedback["fractionalScore"] == 0 and feedback["feedback"] == FAILED
    assert printed.out.strip().splitlines() == [json.dumps(feedback)] and "Traceback" in printed.err
    ElementTree.fromstring((shared / "htmlFeedback.html").read_text())

    def broken(*args):
        raise RuntimeError("planted: grading itself breaks")

    package = Path(build_package(COURSE, "softmax_regression", "xqueue", tmp_path / "p3")) / "grader" / "gradlab"
    monkeypatch.setattr(xqueue, "answer", broken)
    with StandIn(queue_name="softmax_regression") as standin:
        for _ in range(2):
            standin.submit({"student_response": (SAMPLES / "softmax_regression" / "ana_correct.ipynb").read_text(),
                            "grader_payload": "{}"})
        config = {"server": standin.url, "queue_name": "softmax_regression", "username": "grader",
                  "password": "s3cret"}
        assert xqueue.watch(str(package), config, until_empty=True) == 2  # and the watcher carries on
    assert standin.refused == [] and len(standin.replies) == 2
    for reply in standin.replies.values():
        jsonschema.validate(reply, schema("xqueue_reply.schema.json"))
        assert reply["score"] == 0 and reply["correct"] is False and FAILED in reply["msg"]
        ElementTree.fromstring(reply["msg"])

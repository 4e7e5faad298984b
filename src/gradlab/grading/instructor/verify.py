"""`python -m gradlab.grading verify COURSE ASSIGNMENT`: an assignment's own tests, tested before it is released.

1. Read: the declarations load, every test cell is accounted for (scored by a declared exercise, or an ordinary
   test cell), no declaration lacks its test cell, no test cell's name says one exercise while another scores it,
   and every declared function exists in the solution with the declared signature.
2. The source notebook's own solution is graded as a submission: it must earn every point of every test cell; the
   notebook's visible test must call each function with the declaration's visible case (verify_visible.py).
3. Mutants of the solution (mutants.py), one declared output at a time: each must earn less, and its feedback must
   name the output that was changed (and call the others right); where an exercise refuses finite differences,
   some case must tell each gradient from them, and finite-difference mutants must earn less too
   (verify_differences.py).

Grading uses the course's own limits (GradeOutsideKernel's wall, cell and call seconds and memory in its
nbgrader_config.py), as `nbgrader autograde` would.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

import nbformat

from ..declare import declarations, mutants
from ..declare import Gradient
from ..judging.grader import cases_of, grade_exercise, grade_notebook
from ..judging.judge import UNJUDGED
from ..judging.notebook import autograder_tests, code_cells, hidden_cases
from ..sandbox.box import Limits, Sandbox
from .verify_differences import check_differences
from .verify_visible import check_visible

KINDS = ("scaled", "sign-flipped", "transposed", "one entry off", "a term dropped")


@dataclass
class Finding:
    ok: bool
    text: str


@dataclass
class Verification:
    assignment: str
    findings: list = field(default_factory=list)

    @property
    def ok(self):
        return all(f.ok for f in self.findings)

    def add(self, ok, text):
        self.findings.append(Finding(ok, text))

    def __str__(self):
        lines = [f"verify {self.assignment}:"] + [f"  {'ok     ' if f.ok else 'PROBLEM'}  {f.text}"
                                                   for f in self.findings]
        problems = sum(not f.ok for f in self.findings)
        lines.append(f"{len(self.findings)} checks, {problems} problem{'' if problems == 1 else 's'}.")
        return "\n".join(lines)


def course_limits(course):
    """The Limits the course grades with: GradeOutsideKernel's settings in its nbgrader_config.py (grade_with_gradlab's
    arguments), or the defaults."""
    from ..course.nbgrader_calls import course_config

    settings = course_config(course).get("GradeOutsideKernel", {})
    defaults = Limits()
    return Limits(float(settings.get("wall_seconds", defaults.wall_seconds)),
                  float(settings.get("cell_seconds", defaults.cell_seconds)),
                  float(settings.get("call_seconds", defaults.call_seconds)),
                  int(settings.get("memory_mb", defaults.memory_mb)))


def verify(course, assignment, limits=None, pattern=declarations.DEFAULT, mutate=True):
    report = Verification(assignment)
    limits = course_limits(course) if limits is None else limits
    try:
        declared = declarations.load(course, assignment, pattern)
    except declarations.DeclarationError as error:
        report.add(False, str(error))
        return report
    folder = os.path.join(course, "source", assignment)
    notebooks = sorted(n for n in os.listdir(folder) if n.endswith(".ipynb")) if os.path.isdir(folder) else []
    if not notebooks:
        report.add(False, f"no source notebook in {folder}")
        return report
    seen = set()
    for name in notebooks:
        nb = nbformat.read(os.path.join(folder, name), as_version=4)
        seen |= _read_checks(report, name, nb, declared)
        if all(f.ok for f in report.findings):
            solution = _graded_solution(report, name, nb, declared, limits)
            _visible_cases(report, name, nb, declared, limits)
            if solution and mutate:
                _mutants(report, name, nb, declared, limits)
    for cell, exercise in declared.items():
        if cell not in seen:
            report.add(False, f"exercise {exercise.function} is scored by test cell {cell!r}, which no notebook of "
                              f"{assignment} has")
    return report


def _read_checks(report, notebook, nb, declared):
    tests = autograder_tests(nb)
    defined = _functions(nb)
    functions = {exercise.function: cell for cell, exercise in declared.items()}
    for cell, grade_id, points in tests:
        exercise = declared.get(grade_id)
        if exercise is None:
            named = grade_id[len("test_"):] if grade_id.startswith("test_") else None
            if named in functions:
                report.add(False, f"{notebook}: test cell {grade_id!r} is named after {named}, but the exercise "
                                  f"{named} is scored by {functions[named]!r}; {grade_id!r} would run as an "
                                  "ordinary test cell")
            else:
                report.add(True, f"{notebook}: test cell {grade_id!r} is an ordinary test cell (no exercise is "
                                 "declared for it): it runs in the sandbox and nbgrader scores it")
            continue
        report.add(True, f"{notebook}: test cell {grade_id!r} ({points:g} points) is scored by exercise "
                         f"{exercise.function} ({', '.join(exercise.outputs)})")
        if abs(exercise.points - points) > 1e-9:
            report.add(True, f"{notebook}: {exercise.function}'s outputs declare {exercise.points:g} points and its "
                             f"test cell has {points:g}: scores are scaled to the cell's points")
        if exercise.function not in defined:
            report.add(False, f"{notebook}: the solution defines no function {exercise.function}")
        elif defined[exercise.function] != exercise.parameters():
            report.add(False, f"{notebook}: {exercise.function} is declared as {exercise.signature} but the solution "
                              f"has ({', '.join(defined[exercise.function])})")
        try:
            cases = cases_of(exercise, hidden_cases(cell.get("source", "")))
            report.add(True, f"{notebook}: {exercise.function} has {len(cases)} cases "
                             f"({sum(c.visible for c in cases)} visible)")
        except Exception as error:  # the instructor's cases function: say what it raised
            report.add(False, f"{notebook}: the cases of {exercise.function} could not be built: "
                              f"{type(error).__name__}: {error}")
            continue
        unhinted = sum(not case.visible and not case.hint for case in cases)
        if unhinted:
            report.add(True, f"{notebook}: {unhinted} hidden case{'s' if unhinted > 1 else ''} of "
                             f"{exercise.function} {'have' if unhinted > 1 else 'has'} no hint: when one fails, "
                             "feedback says only that a case the student has not seen failed (Case(hint=...))")
    return {grade_id for _, grade_id, _ in tests}


def _functions(nb):
    """name -> parameter names of every function the notebook's code cells define at top level."""
    found = {}
    for cell in code_cells(nb):
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
    return found


def _graded_solution(report, notebook, nb, declared, limits):
    graded = grade_notebook(nb, declared, limits)
    perfect = True
    for _, grade_id, points in autograder_tests(nb):
        if grade_id in graded.exercises:
            result = graded.exercises[grade_id]
            unjudged = any(UNJUDGED in line for line in result.details)  # a case the check cannot resolve
            ok = result.score >= points and not result.problems and not unjudged
            why = "" if ok else ": " + " ".join(result.text().split())
            if unjudged:
                why += " (a case whose gradients the check cannot judge: draw it better conditioned)"
        else:
            test = graded.plain[grade_id]
            ok = test.status == "ok" and not test.stderr and not (test.value and test.value.get("number") is not None
                                                                  and test.value["number"] < points)
            why = "" if ok else f": {test.status} {test.error} {test.message or test.note} {test.stderr}".rstrip()
        report.add(ok, f"{notebook}: the solution earns {'every point' if ok else 'less than full marks'} in "
                       f"{grade_id!r}{why}")
        perfect &= ok
    return perfect


def _visible_cases(report, notebook, nb, declared, limits):
    student = [cell for cell in code_cells(nb) if cell.test is None]
    tests = {cell.test: cell for cell in code_cells(nb) if cell.test is not None}
    for cell, grade_id, _ in autograder_tests(nb):
        exercise = declared.get(grade_id)
        if exercise is not None:
            check_visible(report, notebook, exercise, tests[grade_id], student,
                          cases_of(exercise, hidden_cases(cell.get("source", ""))), limits)


def _mutants(report, notebook, nb, declared, limits):
    student = [cell for cell in code_cells(nb) if cell.test is None]
    solution = "\n\n".join(cell.source for cell in student)
    for _, grade_id, points in autograder_tests(nb):
        exercise = declared.get(grade_id)
        if exercise is None:
            continue
        hidden = hidden_cases(next(c for c, g, _ in autograder_tests(nb) if g == grade_id).get("source", ""))
        cases = cases_of(exercise, hidden)
        for name, output in exercise.outputs.items():
            square = isinstance(output, Gradient) and _square(cases, output)
            made = [mutants.wrapped(exercise, name, kind, square) for kind in KINDS[:4]]
            made.append(mutants.term_dropped(exercise, name, solution))
            for mutant in (m for m in made if m is not None):
                _judge_mutant(report, exercise, grade_id, points, student, hidden, mutant, limits)
        check_differences(report, notebook, exercise, grade_id, points, cases)


def _square(cases, output):
    shape = cases[0].at[output.of].shape
    return len(shape) == 2 and shape[0] == shape[1] > 1


def _judge_mutant(report, exercise, grade_id, points, student, hidden, mutant, limits):
    cell = _extra_cell(student, mutant.source)
    with Sandbox(limits) as box:
        result = grade_exercise(box, exercise, grade_id, points, student + [cell], hidden)
    text = " ".join(result.text().split())
    others = [name for name in exercise.outputs if name != mutant.output]
    named = (f"{mutant.output} WRONG" in text or f"{mutant.output} right in" in text) if others else (
        mutant.output in text or exercise.function in text)
    others_right = all(f"{name} ok" in text for name in others)
    ok = result.score < points and named and others_right
    what = f"{exercise.function}: {mutant.output} {mutant.kind} earns {result.score:g} of {points:g}"
    if not ok:
        what += (": it should earn less" if result.score >= points else
                 ": its feedback should name it and call the other outputs right") + f" ({text[:300]})"
    report.add(ok, what)


def _extra_cell(student, source):
    from ..judging.notebook import CodeCell

    return CodeCell(max((c.index for c in student), default=0) + 1, "(mutant)", source, None)

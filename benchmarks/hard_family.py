"""Benchmark: right answers on the harder family (tests/hard_family.py), gradlab beside two fixed rules.

    python benchmarks/hard_family.py

Each case of the family is checked with its correct gradient, with each of its realistic bugs as written, and
with each bug scaled to twice the resolution gradlab's full check of the correct gradient states. A right answer:
a correct gradient is not failed (gradlab: it passes, or reads unresolved only where the case says why); a bug
is failed (gradlab: FAIL, naming only parameters the bug changes).

The rules beside it, both on every component:
- the course's: relative difference ||g - n|| / (||g|| + ||n||) < 2e-7 with centred differences at epsilon 1e-7.
  The course gives no other setting for float32, so its float32 cases are checked the same way;
- torch.autograd.gradcheck's default rule, written out here (torch is not installed): centred differences at
  eps = 1e-6 in the parameters' own precision, and every entry within |analytic - numerical| <= atol + rtol
  |numerical|, atol = 1e-5, rtol = 1e-3.
gradlab runs with its defaults (float32 at its own epsilon, 1e-2); sampled mode takes 6 components per
parameter, directional mode 3 directions. The rules see only full checks, so their columns count those items.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import hard_family as F  # noqa: E402

COURSE_EPSILON, COURSE_THRESHOLD = 1e-7, 2e-7
TORCH_EPS, TORCH_ATOL, TORCH_RTOL = 1e-6, 1e-5, 1e-3


def centred(model, epsilon):
    """The numerical gradient of every component, perturbing a copy of the parameters in their own dtype."""
    out = {}
    for name, value in model.parameters.items():
        point = {k: v.copy() for k, v in model.parameters.items()}
        flat, numerical = point[name].reshape(-1), np.empty(value.size)
        for i in range(value.size):
            old = flat[i]
            flat[i] = old + value.dtype.type(epsilon)
            plus = float(model.cost(point))
            flat[i] = old - value.dtype.type(epsilon)
            minus = float(model.cost(point))
            flat[i] = old
            numerical[i] = (plus - minus) / (2 * epsilon)
        out[name] = numerical
    return out


def course_rule(model, gradients, numerical):
    g = np.concatenate([np.asarray(gradients["d" + k], dtype=np.float64).reshape(-1) for k in numerical])
    n = np.concatenate(list(numerical.values()))
    denominator = np.linalg.norm(g) + np.linalg.norm(n)
    return (np.linalg.norm(g - n) / denominator if denominator else 0.0) < COURSE_THRESHOLD


def torch_rule(model, gradients, numerical):
    return all(np.all(np.abs(np.asarray(gradients["d" + k], dtype=np.float64).reshape(-1) - n)
                      <= TORCH_ATOL + TORCH_RTOL * np.abs(n)) for k, n in numerical.items())


def gradlab_right(case, mode, report, bug, touched):
    if bug is None:
        return not report.failing and all(report.status(name) == "ok" or case.may_be_unresolved(name, mode)
                                          for name in report.layout.names)
    if all(case.at_kinks(name, mode) for name in touched):  # nothing it changes can be judged here
        return not report.failing and all(report.status(name) != "ok" for name in touched)
    return bool(report.failing) and set(report.failing) <= touched


def items(case, model):
    """(label, gradients or None for each mode's own scaling, bug or None)."""
    yield "correct", F.correct_gradients(case, model), None
    for bug in model.bugs:
        yield "as written", F.planted(case, bug, 1.0, model), bug
        yield "just above", None, bug


def run():
    rows, totals, sharpness = [], np.zeros(6, dtype=int), []
    started = time.perf_counter()
    for case in F.CASES:
        model = case.build()
        exact = F.exact_gradient(case, model)
        course_numerical = centred(model, COURSE_EPSILON)
        torch_numerical = centred(model, TORCH_EPS)
        score = np.zeros(6, dtype=int)  # items, full, sampled, directional, course, torch
        for label, gradients, bug in items(case, model):
            touched = F.affected(case, bug, model) if bug else set()
            full_gradients = gradients
            for column, mode in enumerate(F.MODES, start=1):
                given = gradients
                if given is None:
                    found = F.just_above(case, mode, bug, model)
                    given = found[0] if found else F.planted(case, bug, 1.0, model)
                if mode == "full":
                    full_gradients = given
                report = F.check(case, mode, given, model)
                score[column] += gradlab_right(case, mode, report, bug, touched)
                if bug is None and report.passed:
                    sharpness.append(report.resolution / F.real_error(report, exact))
            score[0] += 1
            wrong = bug is not None
            score[4] += course_rule(model, full_gradients, course_numerical) != wrong
            score[5] += torch_rule(model, full_gradients, torch_numerical) != wrong
        rows.append((case.label, score))
        totals += score
    return rows, totals, np.array(sharpness), time.perf_counter() - started


def main():
    rows, totals, sharpness, seconds = run()
    head = ("case", "items", "gradlab full", "sampled", "directional", "course's rule", "torch's default rule")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, s in rows:
        print(f"| {label} | {s[0]} | {s[1]} | {s[2]} | {s[3]} | {s[4]} | {s[5]} |")
    print(f"| **all** | **{totals[0]}** | **{totals[1]}** | **{totals[2]}** | **{totals[3]}** | **{totals[4]}** "
          f"| **{totals[5]}** |")
    print(f"\n{len(rows)} cases, {totals[0]} items each column, {seconds:.1f} s")
    print(f"The stated resolution over the check's real numerical error (the largest |centred difference - exact|"
          f" over its rows), {len(sharpness)} passing checks of a correct gradient: median {np.median(sharpness):.1f},"
          f" from {sharpness.min():.1f} to {sharpness.max():.1f}; a gap above one error bar (half of it) fails.")


if __name__ == "__main__":
    main()

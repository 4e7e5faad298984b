"""Benchmark: right answers on the harder family (tests/hard_family.py), gradlab beside two fixed rules.

    python benchmarks/hard_family.py          # right answers (below)
    python benchmarks/hard_family.py --bars   # how wide the error bars are, and what makes them so
    python benchmarks/hard_family.py --noise  # the noise measured against the noise the rows carry

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

--bars: for each correct gradient of this family (every mode) and of the older one (tests/test_verdicts.py: the
course's network and forward, the reference network at seeded points, 3,121 components), the stated resolution over
the check's real numerical error (the largest |centred difference - exact derivative| over its judged rows; exact:
autograd here, the reference backward there), what the widest error bar is made of, how the round-off actually
found compares with the noise measured, and the largest correct gap in standard deviations of the measured
round-off (a row above errorbar.SCREEN_SIGMAS = 4.5 is measured again, and fails only if its second look stands
above CONFIRM_SIGMAS too). Then the same checks, and costs whose round-off is normal noise of known size over 1,000
and 10,000 components, with both looks' bars lowered (LOOKS).

--noise: for every parameter with 10 judged rows or more in a full check of either family, the noise its rows carry
(from |centred difference - exact|) against what each way of measuring it finds: gradlab's, and lines that sample
the parameter otherwise (tests/bar_makeup.py). A bar is as safe as its noise is never far below the rows' own: an
estimator nearer on the median but lower in its worst case would buy narrower bars with false FAILs.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import gradlab

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import hard_family as F  # noqa: E402
from bar_makeup import (LINES_PER_PARAMETER, gaussian_round_off, makeup, noise_estimators, old_family,  # noqa: E402
                        round_off_found, with_looks)

LOOKS = (4.5, 4, 3.5, 3)  # the two looks' bars tried, in standard deviations of round-off (gradlab's: 4.5)
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
          f" from {sharpness.min():.1f} to {sharpness.max():.1f}.")


def hard_checks(seeds=(0,)):
    """(family, label, mode, seed, cost, parameters, gradients, exact, options) for the correct gradients."""
    for case in F.CASES:
        model = case.build()
        exact = F.exact_gradient(case, model)
        exact = {"d" + name: np.asarray(value, dtype=np.float64) for name, value in exact.items()}
        for mode in F.MODES:
            for seed in seeds:
                yield ("harder", case.label, mode, seed, model.cost, model.parameters, F.correct_gradients(case, model),
                       exact, dict(epsilon=case.epsilon, mode=mode, **F.MODES[mode]))


def older_checks(seeds=(0,)):
    for label, cost, parameters, gradients, examples in old_family():
        for seed in seeds:
            yield "older", label, "full", seed, cost, parameters, gradients, gradients, dict(examples=examples)


def check(item):
    _, _, _, seed, cost, parameters, gradients, _, options = item
    return gradlab.gradient_check(cost, parameters, gradients, seed=seed, workers=1, **options)


def bars():
    print("| family | case | mode | rows | resolution / real error | widest bar: round-off, step, backprop, "
          "measured again, truncation (%) | round-off found / measured | largest correct gap (sigmas) |")
    print("|---|---|---|---|---|---|---|---|")
    ratios, known = {"harder": [], "older": []}, {"harder": [], "older": []}
    for item in list(hard_checks()) + list(older_checks()):
        family, label, mode, _, cost, parameters, gradients, exact, _ = item
        report = check(item)
        shares = makeup(report, cost, parameters, gradients)
        found, largest = round_off_found(report, exact)
        real = F.real_error(report, {k[1:]: v for k, v in exact.items()})
        ratio = report.resolution / real if report.passed and real > 0 else float("nan")
        if np.isfinite(ratio):
            ratios[family].append(ratio)
            known[family].append(ratio * found)
        print(f"| {family} | {label} | {mode} | {int(report.measurements.judged.sum())} | "
              + (f"{ratio:.1f}" if np.isfinite(ratio) else report.outcome)
              + f" | {', '.join(f'{100 * x:.0f}' for x in shares)} | {found:.2f} | {largest:.1f} |")
    for family, values in ratios.items():
        print(f"\n{family} family, {len(values)} passing checks of a correct gradient: resolution / real error median "
              f"{np.median(values):.1f}, from {np.min(values):.1f} to {np.max(values):.1f}; had the noise measured been"
              f" what the rows carry, {np.median(known[family]):.1f}, from {np.min(known[family]):.1f} to "
              f"{np.max(known[family]):.1f}")
    print("\n| both looks' bars (sigmas) | harder: median (max) resolution / real error | older: median (max) | "
          "false FAILs, harder (3 seeds x 3 modes) | older | normal round-off, 1,000 components (5 seeds) "
          "| 10,000 components (5 seeds) |")
    print("|---|---|---|---|---|---|---|")
    items = list(hard_checks((0, 1, 2))) + list(older_checks())
    for sigmas in LOOKS:
        with with_looks(sigmas, sigmas):
            ratios, fails = {"harder": [], "older": []}, {"harder": 0, "older": 0}
            for item in items:
                report = check(item)
                fails[item[0]] += bool(report.failing)
                if item[3] == 0 and report.passed:
                    real = F.real_error(report, {k[1:]: v for k, v in item[7].items()})
                    ratios[item[0]].append(report.resolution / real)
            normal = [sum(bool(gradlab.gradient_check(*gaussian_round_off(n, seed), seed=seed, workers=1).failing)
                          for seed in range(5)) for n in (1000, 10_000)]
        print(f"| {sigmas:g} | {np.median(ratios['harder']):.1f} ({np.max(ratios['harder']):.1f}) | "
              f"{np.median(ratios['older']):.1f} ({np.max(ratios['older']):.1f}) | {fails['harder']} | "
              f"{fails['older']} | {normal[0]} | {normal[1]} |")


def noise_table():
    found = []
    for item in [item for item in hard_checks() if item[2] == "full"] + list(older_checks()):
        _, _, _, _, cost, parameters, gradients, exact, _ = item
        found += noise_estimators(check(item), cost, parameters, gradients, exact)
    calls = {"gradlab": "12 max(P + 1, 6) in all", "pooled": "(the same lines)", "own line": "12"}
    print(f"{len(found)} parameters with 10 judged rows or more (full checks, both families); each estimator's figure "
          "over the noise the rows carry\n")
    print("| estimator | cost calls per parameter | median | 10th percentile | lowest | below 2/3 |")
    print("|---|---|---|---|---|---|")
    for name in found[0][1]:
        ratio = np.array([figures[name] / carried for carried, figures in found])
        ratio = ratio[np.isfinite(ratio)]
        lines = LINES_PER_PARAMETER * (24 if "centred" in name else 12)
        print(f"| {name} | {calls.get(name, f'{lines} ({LINES_PER_PARAMETER} lines)')} | {np.median(ratio):.2f} | "
              f"{np.percentile(ratio, 10):.2f} | {ratio.min():.2f} | {np.mean(ratio < 2 / 3):.0%} |")


if __name__ == "__main__":
    if "--noise" in sys.argv[1:]:
        started = time.perf_counter()
        noise_table()
        print(f"\n{time.perf_counter() - started:.0f} s")
    elif "--bars" in sys.argv[1:]:
        started = time.perf_counter()
        bars()
        print(f"\n{time.perf_counter() - started:.0f} s")
    else:
        main()

"""Interaction latency of the lesson widgets, kernel side (no browser): the time from a value set or a button
click to the widget's new state and image, on the lessons' problem sizes. The goal is under 100 ms each.

    .venv/bin/python benchmarks/widgets.py [--repeats 20]

Each interaction runs once untimed (first-use caches), then `repeats` times; the table gives the median and
the slowest run. Timings depend on the machine and its load: this is a table to read, not a test.
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

import gradlab
from gradlab import bugs, course
from gradlab import widgets as gw

GOAL_MS = 100.0


def cycle(values):
    """A setter that moves to the next value on each call, so that every call is a real change."""
    values = itertools.cycle(values)
    return lambda: next(values)


def interactions():
    """(widget, what is done, problem size, action) for every interaction the lessons offer."""
    X, Y, parameters = course.course_test_case()
    explorer = gw.EpsilonExplorer()
    epsilons, precisions = cycle([1e-2, 1e-5, 1e-8, 1e-12]), cycle(["float32", "float64"])
    toggles, functions = cycle([True, False]), cycle(["sin(theta)", "theta^3"])
    view = gw.ParameterVectorView(parameters)
    positions, names = cycle([3, 17, 30, 46]), cycle(["W2", "b1", "W3"])
    panel = gw.CheckPanel(forward=course.forward_propagation_n, backward=course.buggy_backward_propagation_n,
                          X=X, Y=Y, parameters=parameters)
    catalogue = gw.CheckPanel(bugs=list(bugs.CATALOGUE))
    bug_names = cycle(list(bugs.CATALOGUE))
    cost_demo = gw.CheckCostDemo()
    widths = cycle([4, 32, 128])
    regularization = gw.RegularizationDemo()
    lambdas, l2 = cycle([0.0, 0.5, 1.0, 1.5]), cycle([False, True])
    dropout = gw.DropoutDemo()
    keep, masks = cycle([0.6, 0.8, 1.0]), cycle([True, False])
    training = gw.TrainingDemo()
    steps, backprops = cycle([0, 50, 150, 200]), cycle(["correct tanh'", "tanh' taken as 1"])
    game = gw.FindTheBug(seed=0)
    guesses = cycle(list(bugs.CATALOGUE))
    quiz = gw.Quiz([gw.Question(f"question {k}", ["a", "b", "c"], answer=k % 3) for k in range(4)])
    answers = cycle([(0, 0), (1, 2), (2, 1), (3, 0)])
    course_size = f"n = {gradlab.dictionary_to_vector(parameters)[0].size}"
    catalogue_size = f"n = {gradlab.dictionary_to_vector(bugs.scenario('dW2_times_2').parameters)[0].size}"

    def set_(control, values):
        return lambda: setattr(control, "value", values())

    def choose():
        quiz.choose(*answers())

    def run_in(mode):
        def run():
            panel.mode = mode
            panel.run_button.click()
        return run

    def next_bug():
        catalogue.bug_picker.value = bug_names()
        catalogue.run_button.click()

    def guess():
        game.guess_picker.value = guesses()
        game.submit_button.click()

    return [
        (explorer, "EpsilonExplorer", "move the epsilon slider", "65 epsilons",
         set_(explorer.epsilon_slider, epsilons)),
        (explorer, "EpsilonExplorer", "switch float32 / float64", "65 epsilons",
         set_(explorer.precision_picker, precisions)),
        (explorer, "EpsilonExplorer", "toggle the complex step", "65 epsilons",
         set_(explorer.method_toggles["complex-step"], toggles)),
        (explorer, "EpsilonExplorer", "pick another function", "65 epsilons",
         set_(explorer.function_picker, functions)),
        (view, "ParameterVectorView", "move the position slider", course_size,
         set_(view.position_slider, positions)),
        (view, "ParameterVectorView", "pick a parameter", course_size, set_(view.parameter_picker, names)),
        (panel, "CheckPanel", "Run check, full", course_size, run_in("full")),
        (panel, "CheckPanel", "Run check, sampled", course_size, run_in("sampled")),
        (panel, "CheckPanel", "Run check, directional", course_size, run_in("directional")),
        (catalogue, "CheckPanel (bugs)", "pick a bug, Run check", catalogue_size, next_bug),
        (cost_demo, "CheckCostDemo", "move the network slider", "n up to 17,281",
         set_(cost_demo.network_slider, widths)),
        (regularization, "RegularizationDemo", "move the lambd slider", course_size,
         set_(regularization.lambd_slider, lambdas)),
        (regularization, "RegularizationDemo", "switch the L2 term", course_size,
         set_(regularization.l2_checkbox, l2)),
        (dropout, "DropoutDemo", "move the keep_prob slider", catalogue_size,
         set_(dropout.keep_prob_slider, keep)),
        (dropout, "DropoutDemo", "fix / free the mask", catalogue_size, set_(dropout.mask_picker, masks)),
        (training, "TrainingDemo", "move the training steps", "n = 41", set_(training.steps_slider, steps)),
        (training, "TrainingDemo", "switch the backprop", "n = 41", set_(training.backprop_picker, backprops)),
        (game, "FindTheBug", "submit an answer", catalogue_size, guess),
        (game, "FindTheBug", "New mystery bug", catalogue_size, game.next_button.click),
        (quiz, "Quiz", "choose an answer", "4 questions", choose),
    ]


def measure(action, repeats):
    action()  # first use: caches (a bug's scenario, a figure's background) are filled here
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = interactions()
    built = time.perf_counter() - started
    print(f"Interaction latency, kernel side, {args.repeats} repeats each (goal: under {GOAL_MS:.0f} ms); "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs.\n")
    header = f"{'widget':<20} {'interaction':<27} {'problem':<16} {'median ms':>9} {'max ms':>8}  goal"
    print(header)
    print("-" * len(header))
    for widget, name, what, size, action in rows:
        median, slowest = measure(action, args.repeats)
        if widget.error:
            raise RuntimeError(f"{name}: {what} failed: {widget.error}")
        verdict = "ok" if median < GOAL_MS else "SLOW"
        print(f"{name:<20} {what:<27} {size:<16} {median:9.1f} {slowest:8.1f}  {verdict}")
    print(f"\nBuilding all the widgets took {built:.1f} s (once per lesson cell, not an interaction).")


if __name__ == "__main__":
    main()

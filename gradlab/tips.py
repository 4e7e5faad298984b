"""The course's practical tips that are about when and how to run a check, as helpers.

- Run it at random initialization and again after some training: `check_at_init_and_after_training`.
- It does not work with dropout: `models.dropout_disabled()` (keep_prob = 1.0 inside the block), and the
  "nondeterministic" diagnosis when a check meets a random cost.
- Use it only to debug, not in training: `repeated_check_count` lets a report say when one line of code has
  run check after check (as in a training loop), each costing 2n cost calls.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from . import models

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_CHECK = os.path.join(_PACKAGE, "check.py")
REPEATED_CHECKS = 5  # from this many checks in a row at one line on, the report says: a training loop?
_streak = {"frame": None, "line": None, "count": 0}


def repeated_check_count():
    """How many checks in a row the caller's line has run, counting this one (0: gradlab's own call).

    The caller is the first frame outside check.py. When that is gradlab itself (a widget, a tip helper
    that checks before and after training), the loop is the library's, not the student's: it is not
    counted. Frames are compared as objects (and the last one is held until the next check, so its memory
    cannot be reused): a loop keeps one frame alive across its iterations, while separate calls (a cell run
    again) each get a new frame.
    """
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename) == _CHECK:
        frame = frame.f_back
    if frame is None or os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE + os.sep):
        _streak.update(frame=None, line=None, count=0)
        return 0
    if frame is _streak["frame"] and frame.f_lineno == _streak["line"]:
        _streak["count"] += 1
    else:
        _streak.update(frame=frame, line=frame.f_lineno, count=1)
    return _streak["count"]


@dataclass
class InitAndTrained:
    """The same backprop checked at initialization and after training, side by side."""

    at_init: object  # GradCheckReport
    after_training: object
    costs: list  # the training costs in between
    steps: int

    def __str__(self):
        return (f"At initialization:\n{self.at_init}\n\nAfter {self.steps} training steps "
                f"(cost {self.costs[0]:.4g} -> {self.costs[-1]:.4g}):\n{self.after_training}")

    def _repr_html_(self):
        cell = '<td style="vertical-align:top;padding-right:16px">'
        return (f"<table><tr><th>At initialization</th><th>After {self.steps} training steps</th></tr>"
                f"<tr>{cell}{self.at_init._repr_html_()}</td>{cell}{self.after_training._repr_html_()}</td>"
                "</tr></table>")


def check_at_init_and_after_training(layer_dims=(4, 5, 3, 1), *, backward=None, activation="relu",
                                     steps=100, learning_rate=0.5, init="he", scale=0.01, lambd=0.0, m=32,
                                     seed=0, X=None, Y=None, **check_options):
    """Check `backward` on the reference network at initialization, train `steps` steps with it, check again.

    A backprop that is right only near zero (tanh' taken as 1, say) passes at a small initialization and
    fails once training has grown the weights: the reason for the tip.
    """
    from .check import check_backprop  # here, not at the top: check imports this module

    if X is None or Y is None:
        X, Y = models.make_dataset(layer_dims[0], m, seed=seed)
    backward = models.backward if backward is None else backward
    parameters = models.initialize_parameters(layer_dims, init=init, seed=seed, scale=scale)

    def forward(X, Y, parameters):
        return models.forward(X, Y, parameters, activation=activation, lambd=lambd)

    at_init = check_backprop(forward, backward, X, Y, parameters, **check_options)
    trained, costs = models.train(X, Y, parameters, learning_rate=learning_rate, num_iterations=steps,
                                  activation=activation, lambd=lambd, backward=backward)
    after = check_backprop(forward, backward, X, Y, trained, **check_options)
    return InitAndTrained(at_init, after, costs, steps)

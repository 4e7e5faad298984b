"""The course's practical tips that are about when and how to run a check, as helpers.

- Run it at random initialization and again after some training: `check_at_init_and_after_training`.
- It does not work with dropout: `models.dropout_disabled()` (keep_prob = 1.0 inside the block), and the
  "nondeterministic" diagnosis when a check meets a random cost.
- Use it only to debug, not in training: gradlab.streak lets a report say when one line of code has run
  check after check (as in a training loop), each costing 2n cost calls.
"""
from __future__ import annotations

from dataclasses import dataclass

from .check import check_backprop


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
        # side by side where both fit, one above the other where they do not: each is as narrow as its table
        box = '<div style="flex:1 1 0;min-width:min-content">'
        return ('<div class="gradlab-side-by-side" style="display:flex;flex-wrap:wrap;column-gap:24px">'
                f"{box}<h5>At initialization</h5>{self.at_init._repr_html_()}</div>"
                f"{box}<h5>After {self.steps} training steps</h5>{self.after_training._repr_html_()}</div></div>")


def check_at_init_and_after_training(layer_dims=(4, 5, 3, 1), *, backward=None, activation="relu",
                                     steps=100, learning_rate=0.5, init="he", scale=0.01, lambd=0.0, m=32,
                                     seed=0, X=None, Y=None, **check_options):
    """Check `backward` on the reference network at initialization, train `steps` steps with it, check again.

    A backprop that is right only near zero (tanh' taken as 1, say) passes at a small initialization and
    fails once training has grown the weights: the reason for the tip. Each report says what it could
    resolve: a bug below that is invisible at that point, and training may bring it out.
    """
    from . import models  # the reference network is imported only when used (import gradlab stays light)

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

"""The functions the epsilon explorer offers: smooth, defined on the whole slider range, each with its exact
derivative (to measure errors against) and written with numpy so that they take float32 and complex input.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class ExampleFunction:
    f: Callable
    derivative: Callable
    formula: str  # how the explorer prints it


def _sigmoid(t):
    return 1 / (1 + np.exp(-t))


EXAMPLE_FUNCTIONS = {
    "theta^3": ExampleFunction(lambda t: t ** 3, lambda t: 3 * t ** 2,
                               "f(theta) = theta^3, f'(theta) = 3 theta^2"),
    "sin(theta)": ExampleFunction(np.sin, np.cos, "f(theta) = sin(theta), f'(theta) = cos(theta)"),
    "exp(theta)": ExampleFunction(np.exp, np.exp, "f(theta) = exp(theta), f'(theta) = exp(theta)"),
    "sigmoid(theta)": ExampleFunction(_sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t)),
                                      "f(theta) = 1 / (1 + exp(-theta)), f'(theta) = f(theta) (1 - f(theta))"),
    "tanh(theta)": ExampleFunction(np.tanh, lambda t: 1 - np.tanh(t) ** 2,
                                   "f(theta) = tanh(theta), f'(theta) = 1 - tanh(theta)^2"),
}

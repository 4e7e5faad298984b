"""What a relative difference means, by dtype: a small table, as in jax's and autograd's checkers.

The float64 scale is the course's: below 1e-7 great, up to 1e-5 take a careful look, above 1e-3 worry.
Lower precisions shift it: a centred difference in float32 has round-off near eps_mach / epsilon and
truncation near epsilon**2, so the best it can do is about eps_mach ** (2/3) (1e-5 for float32).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    epsilon: float  # a sensible perturbation for this dtype
    threshold: float  # pass below this relative difference
    scale: tuple  # (correct below, look closer below, suspicious below); above the last: a bug


TOLERANCES = {
    "float64": Tolerance(epsilon=1e-7, threshold=2e-7, scale=(1e-7, 1e-5, 1e-3)),
    "float32": Tolerance(epsilon=1e-2, threshold=1e-3, scale=(1e-4, 1e-3, 1e-2)),
    "float16": Tolerance(epsilon=1e-1, threshold=5e-2, scale=(1e-2, 5e-2, 2e-1)),
}

VERDICTS = (
    ("correct", "almost surely correct"),
    ("look closer", "might be right, but look closer at the components"),
    ("suspicious", "probably a bug"),
    ("bug", "almost surely a bug"),
)


def tolerance_for(dtype):
    """The row of the table for a dtype (anything that is not float32 or float16 counts as float64)."""
    name = np.dtype(dtype).name
    return TOLERANCES.get(name, TOLERANCES["float64"])


def verdict(difference, dtype=np.float64):
    """(word, sentence) for a relative difference on this dtype's scale."""
    if not np.isfinite(difference):
        return "bug", "not a number: the gradients or the cost are not finite"
    for bound, words in zip(tolerance_for(dtype).scale, VERDICTS):
        if difference < bound:
            return words
    return VERDICTS[-1]

"""Keeping cases apart: the cases of a checker exercise (is this gradient right?) reuse inputs on purpose, a right
and a buggy gradient for the same network, so a function that remembered what it had seen could answer "a bug" the
second time without checking anything. Cases that share an input go to different runs (each in namespaces of its own,
so nothing one leaves is there for the next: sandbox/child/isolation.py).

Nor can the order of the runs tell a case: each batch holds cases with a bug and cases without where the cases allow
it, and the batches, and the cases in each, come in a random order. A function that answers the same to every call
of a run, or answers by which run it is in, then loses the cases of the other kind.
"""
from __future__ import annotations

import hashlib
import random

import numpy as np


def fingerprints(case):
    """What a function could recognise a case by: each array argument (of more than one entry) by its content, and
    the scalar arguments together."""
    found, scalars = set(), []

    def walk(value):
        if isinstance(value, np.ndarray):
            if value.size > 1:
                found.add(hashlib.sha256(np.ascontiguousarray(value).tobytes() + str(value.shape).encode()).hexdigest())
            else:
                scalars.append(repr(value.tolist()))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (tuple, list)):
            for item in value:
                walk(item)
        else:
            scalars.append(repr(value))

    walk((case.args, case.kwargs))
    if scalars:
        found.add("scalars:" + "|".join(scalars))
    return found


def groups(cases, rng=None):
    """Lists of case indices: no two cases of one list share a fingerprint; each list holds cases with a bug and
    without where the cases allow it; lists and their members in a random order."""
    rng = rng or random.SystemRandom()
    prints = [fingerprints(case) for case in cases]
    conflicts = [sum(1 for other in prints if other & mine) for mine in prints]
    # At least as many groups as cases share one input: that many can be opened to keep the kinds mixed.
    needed = max([sum(1 for mine in prints if fingerprint in mine) for found in prints for fingerprint in found],
                 default=1)
    order = list(range(len(cases)))
    rng.shuffle(order)
    order.sort(key=lambda k: -conflicts[k])  # the most constrained first (stable: random among equals)
    placed = []  # [fingerprints of the group, indices, kinds]
    for index in order:
        kind = getattr(cases[index], "bug", None)
        fitting = [group for group in placed if not group[0] & prints[index]]
        rng.shuffle(fitting)  # random among equals
        lacking = [group for group in fitting if kind not in group[2]]
        if not lacking and len(placed) < needed or not fitting:
            placed.append([set(prints[index]), [index], {kind}])
            continue
        group = min(lacking or fitting, key=lambda g: len(g[1]))  # one that lacks this kind, else the smallest
        group[0] |= prints[index]
        group[1].append(index)
        group[2].add(kind)
    result = [members for _, members, _ in placed]
    for members in result:
        rng.shuffle(members)
    rng.shuffle(result)
    return result

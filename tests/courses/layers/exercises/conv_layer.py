"""The exercise of the conv_layer assignment (a test course, not shipped), as the autograder scores it.

conv_backward_naive(dout, cache) -> (dx, dw, db), with the cache (x, w, b, conv_param) of the notebook's
conv_forward_naive. Each output is checked against centred differences of f = sum(out * dout), built from the
grader's own forward pass (vectorized: the notebook's loops give the same numbers up to round-off), on the
notebook's test case and on hidden cases with other strides, paddings and sizes.

Finite differences earn nothing. The layer is linear in x, w and b, so centred differences have no truncation
error: on the cases above they come within about 1e-12 of the exact gradient at a step of 1e-3, nearer than some
honest backpropagation, and no line can be drawn there. The hidden case with a bias of about 1e6 draws one: out,
and with it f, is then of order 1e6, so differences of it carry that round-off at every step, while no gradient
depends on b.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gradlab.grading.declare import Case, Exercise, Gradient

DEFAULT_HIDDEN = {"cases": [{"N": 2, "C": 3, "H": 7, "F": 3, "K": 3, "stride": 2, "pad": 1, "seed": 11}]}


def windows(x, K, stride, pad):
    """The K x K windows of x padded by `pad`, every `stride`: shape (N, C, H_out, W_out, K, K)."""
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return sliding_window_view(padded, (K, K), axis=(2, 3))[:, :, ::stride, ::stride]


def conv_forward(x, w, b, stride, pad):
    return np.einsum("nchwij,fcij->nfhw", windows(x, w.shape[2], stride, pad), w) + b[None, :, None, None]


def conv_backward(dout, x, w, stride, pad):
    """The exact (dx, dw, db), vectorized: each window's share of dout, added back where the window came from."""
    K = w.shape[2]
    dw = np.einsum("nchwij,nfhw->fcij", windows(x, K, stride, pad), dout)
    db = dout.sum(axis=(0, 2, 3))
    H_out, W_out = dout.shape[2:]
    dpadded = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad))
    for i in range(K):
        for j in range(K):
            dpadded[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride] += np.einsum(
                "nfhw,fc->nchw", dout, w[:, :, i, j])
    return dpadded[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]], dw, db


def visible_case():
    """The notebook's conv_test_case(), drawn the same way."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 5))
    w = rng.standard_normal((2, 3, 3, 3))
    b = rng.standard_normal(2)
    dout = rng.standard_normal((2, 2, 5, 5))
    return x, w, b, dout, {"stride": 1, "pad": 1}


def hidden_case(N, C, H, F, K, stride, pad, seed, bias=0.0):
    """x (N, C, H, H), w (F, C, K, K), b (F,) shifted by `bias`, and dout of the output's shape, from `seed`."""
    if (H + 2 * pad - K) % stride:
        raise ValueError(f"a stride of {stride} does not tile H={H} with pad={pad} and K={K}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, H))
    w = rng.standard_normal((F, C, K, K))
    b = rng.standard_normal(F) + bias
    size = (H + 2 * pad - K) // stride + 1
    return x, w, b, rng.standard_normal((N, F, size, size)), {"stride": stride, "pad": pad}


def hint(spec):
    """What a hidden case exercises, in words feedback may show when it fails."""
    words = [f"a stride of {spec['stride']}" if spec["stride"] != 1 else "a stride of 1",
             f"padding {spec['pad']}" if spec["pad"] else "no padding"]
    if spec.get("bias"):
        words.append(f"biases near {spec['bias']:g}")
    return ", ".join(words)


def cases(hidden):
    drawn = [(True, "", *visible_case())]
    for spec in hidden.get("cases", DEFAULT_HIDDEN["cases"]):
        numbers = {key: int(spec[key]) for key in ("N", "C", "H", "F", "K", "stride", "pad", "seed")}
        drawn.append((False, hint(spec), *hidden_case(**numbers, bias=float(spec.get("bias", 0.0)))))
    return [Case(args=(dout, (x, w, b, conv_param)), at={"x": x, "w": w, "b": b},
                 data={"dout": dout, **conv_param}, visible=visible, label="on conv_test_case()", hint=words)
            for visible, words, x, w, b, dout, conv_param in drawn]


def cost(at, case):
    out = conv_forward(at["x"], at["w"], at["b"], case.data["stride"], case.data["pad"])
    return float(np.sum(out * case.data["dout"]))


def reference(case):
    d = case.data
    return dict(zip(("dx", "dw", "db"), conv_backward(d["dout"], case.at["x"], case.at["w"], d["stride"], d["pad"])))


EXERCISES = [
    Exercise("conv_backward_naive", "(dout, cache)", cases, returns="tuple",
             outputs={"dx": Gradient("x", points=2), "dw": Gradient("w", points=2), "db": Gradient("b")},
             cost=cost, reference=reference, finite_differences=False),
]

"""The harder family's models over layers that are not MLPs: each a cost written once for numpy and
autograd.numpy, a backward pass written by hand (tests/hard_layers.py), and the realistic bugs that backward pass
can carry. tests/hard_regimes.py holds the models of hard numerical regimes.

Each builder gives a Model at a fixed, seeded point. `loss(parameters, xp)` is the cost; `backward(parameters,
bug)` the hand-written gradients (keys "d" + name); `bugs` maps each bug to what it is.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

import hard_layers as L


@dataclass
class Model:
    name: str
    parameters: dict
    loss: Callable  # loss(parameters, xp) -> scalar
    backward: Callable  # backward(parameters, bug=None) -> {"dW": ...}
    bugs: dict  # bug -> one line on what it is
    nearby: bool = False  # the point sits at kinks or a minimum on purpose: the oracle is compared at a point nearby
    note: str = ""

    def cost(self, parameters):
        return self.loss(parameters, np)


def _rng(seed):
    return np.random.default_rng(seed)


def _dyadic(rng, shape, quarter_steps):
    """Multiples of 1/4 in [-quarter_steps/4, quarter_steps/4]: sums of their products are exact in floating point."""
    return rng.integers(-quarter_steps, quarter_steps + 1, size=shape) / 4.0


def softmax_cross_entropy(logits, labels, xp):
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    return -xp.mean(xp.sum(labels * log_p, axis=1))


def softmax_cross_entropy_gradient(logits, labels, clip=None):
    p = L.softmax_rows(logits, np)
    if clip is not None:
        p = np.clip(p, clip, 1.0)
    return (p - labels) / logits.shape[0]


# -- convolution with stride and padding, tanh, average pooling, softmax -----------------------------------------

def conv_net(seed=0):
    rng = _rng(seed)
    x = rng.standard_normal((3, 2, 8, 8))
    labels = np.eye(2)[rng.integers(0, 2, 3)]
    p = {"W": 0.4 * rng.standard_normal((3, 2, 3, 3)), "b": 0.1 * rng.standard_normal(3),
         "V": 0.5 * rng.standard_normal((12, 2)), "c": 0.1 * rng.standard_normal(2)}

    def forward(p, xp):
        z, conv = L.conv_forward(x.astype(p["W"].dtype), p["W"], p["b"], 2, (1, 1), xp)  # float32 stays float32
        a = xp.tanh(z)
        pooled, _ = L.average_pool_forward(a, xp)
        flat = xp.reshape(pooled, (3, 12))
        return flat @ p["V"] + p["c"], (conv, a, flat)

    def backward(p, bug=None):
        logits, (conv, a, flat) = forward(p, np)
        dlogits = softmax_cross_entropy_gradient(logits, labels)
        dflat = dlogits @ p["V"].T
        dz = L.average_pool_backward(a, dflat.reshape(3, 3, 2, 2)) * (1 - a ** 2)
        dW, db = L.conv_backward(conv, dz, bug)
        return {"dW": dW, "db": db, "dV": flat.T @ dlogits, "dc": dlogits.sum(axis=0)}

    return Model("conv, stride 2, padding 1", p, lambda p, xp: softmax_cross_entropy(forward(p, xp)[0], labels, xp),
                 backward, {"padding": "im2col pads one side only (misaligned patches) in dW",
                            "bias_mean": "db averaged over positions instead of summed"})


# -- max pooling with exact ties -----------------------------------------------------------------------------------

def max_pool_net(seed=1):
    """A 1x1 convolution over 3 channels, then 2x2 max pooling. In channel 0, some windows hold two pixels whose
    outputs are exactly equal (dyadic values, products and sums exact): a tie that a change of W[0, 0] or
    W[0, 1] breaks, a kink. W[0, 2], W[1] and b move both tied outputs alike: smooth."""
    rng = _rng(seed)
    W = np.array([[0.5, -0.25, 0.75], [-0.5, 0.25, 0.5]]).reshape(2, 3, 1, 1)
    tie = np.array([0.5, 1.0, 0.0])  # W[0] . tie = 0: adding it to a pixel leaves channel 0's output unchanged
    x = _dyadic(rng, (2, 3, 4, 4), 6)
    for n, (i, j) in ((0, (0, 0)), (0, (2, 2)), (1, (0, 2))):
        x[n, :, i + 1, j + 1] = x[n, :, i, j] + tie  # the window's first and last pixels tie in channel 0
        for di, dj in ((0, 1), (1, 0)):
            x[n, :, i + di, j + dj] = x[n, :, i, j] - 0.5 * W[0, :, 0, 0]  # strictly below the tie
    targets = rng.standard_normal((2, 1))
    p = {"W": W, "b": np.array([0.25, -0.25]), "V": 0.5 * rng.standard_normal((8, 1)), "c": np.zeros(1)}

    def forward(p, xp):
        z, conv = L.conv_forward(x, p["W"], p["b"], 1, (0, 0), xp)
        pooled, _ = L.max_pool_forward(z, xp)
        flat = xp.reshape(pooled, (2, 8))
        return flat @ p["V"] + p["c"], (conv, z, flat)

    def loss(p, xp):
        return 0.5 * xp.mean((forward(p, xp)[0] - targets) ** 2)

    def backward(p, bug=None):
        y, (conv, z, flat) = forward(p, np)
        dy = (y - targets) / 2
        dz = L.max_pool_backward(z, (dy @ p["V"].T).reshape(2, 2, 2, 2), bug)
        dW, db = L.conv_backward(conv, dz)
        return {"dW": dW, "db": db, "dV": flat.T @ dy, "dc": dy.sum(axis=0)}

    return Model("max pooling with tied maxima", p, loss, backward,
                 {"average": "the pooled gradient spread over the window, as average pooling would"}, nearby=True)


# -- recurrent steps -----------------------------------------------------------------------------------------------

def rnn(seed=2):
    rng = _rng(seed)
    xs, targets = rng.standard_normal((5, 3, 4)), rng.standard_normal((2, 4))
    p = {"Wx": 0.5 * rng.standard_normal((4, 3)), "Wh": 0.5 * rng.standard_normal((4, 4)),
         "b": 0.1 * rng.standard_normal((4, 1)), "V": 0.5 * rng.standard_normal((2, 4)), "c": np.zeros((2, 1))}

    def forward(p, xp):
        h, cache = L.rnn_forward(xs, np.zeros((4, 4)), p["Wx"], p["Wh"], p["b"], xp)
        return xp.dot(p["V"], h) + p["c"], h, cache

    def loss(p, xp):
        return 0.5 * xp.sum((forward(p, xp)[0] - targets) ** 2) / 4

    def backward(p, bug=None):
        y, h, cache = forward(p, np)
        dy = (y - targets) / 4
        dWx, dWh, db = L.rnn_backward(cache, p["V"].T @ dy, bug)
        return {"dWx": dWx, "dWh": dWh, "db": db, "dV": dy @ h.T, "dc": dy.sum(axis=1, keepdims=True)}

    return Model("RNN, 5 steps through time", p, loss, backward,
                 {"truncated": "backprop through time stops one step short",
                  "previous_state": "dWh multiplies h_t where h_(t-1) belongs"})


def lstm(seed=3):
    rng = _rng(seed)
    x, h_prev, c_prev = rng.standard_normal((3, 5)), 0.5 * rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    targets = rng.standard_normal((2, 5))
    p = {"W": 0.4 * rng.standard_normal((16, 7)), "b": 0.1 * rng.standard_normal((16, 1)),
         "V": 0.5 * rng.standard_normal((2, 4))}

    def forward(p, xp):
        (h, c), cache = L.lstm_forward(x, h_prev, c_prev, p["W"], p["b"], xp)
        return xp.dot(p["V"], h), h, c, cache

    def loss(p, xp):
        y, _, c, _ = forward(p, xp)
        return 0.5 * xp.sum((y - targets) ** 2) / 5 + 0.05 * xp.sum(c ** 2) / 5

    def backward(p, bug=None):
        y, h, c, cache = forward(p, np)
        dy = (y - targets) / 5
        dW, db = L.lstm_backward(cache, p["V"].T @ dy, 0.1 * c / 5, bug)
        return {"dW": dW, "db": db, "dV": dy @ h.T}

    return Model("LSTM step", p, loss, backward, {"forget_gate": "the forget gate's gradient takes c for c_prev",
                                                  "output_path": "tanh'(c) left out of the path from h to c"})


# -- attention -----------------------------------------------------------------------------------------------------

def attention(seed=4):
    rng = _rng(seed)
    X, targets = rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    p = {name: 0.6 * rng.standard_normal((4, 3)) for name in ("Wq", "Wk", "Wv")}
    p["Wo"] = 0.5 * rng.standard_normal((3, 2))

    def loss(p, xp):
        out, _ = L.attention_forward(X, p["Wq"], p["Wk"], p["Wv"], xp)
        return 0.5 * xp.sum((xp.dot(out, p["Wo"]) - targets) ** 2) / 5

    def backward(p, bug=None):
        out, cache = L.attention_forward(X, p["Wq"], p["Wk"], p["Wv"], np)
        dy = (out @ p["Wo"] - targets) / 5
        dWq, dWk, dWv = L.attention_backward(cache, dy @ p["Wo"].T, bug)
        return {"dWq": dWq, "dWk": dWk, "dWv": dWv, "dWo": out.T @ dy}

    return Model("self-attention", p, loss, backward,
                 {"key_scale": "1/sqrt(d_k) left out of dK",
                  "softmax_diagonal": "the softmax's Jacobian taken as its diagonal"})


# -- layer and batch normalization -----------------------------------------------------------------------------

def _norm_net(axis, m, seed):
    rng = _rng(seed)
    X, Y = rng.standard_normal((m, 5)), (rng.random((m, 1)) < 0.5).astype(float)
    p = {"W1": 0.5 * rng.standard_normal((5, 4)), "gamma": 1 + 0.2 * rng.standard_normal((1, 4)),
         "beta": 0.1 * rng.standard_normal((1, 4)), "w": 0.5 * rng.standard_normal((4, 1))}

    def forward(p, xp):
        h = xp.dot(X, p["W1"])
        n, cache = L.norm_forward(h, p["gamma"], p["beta"], axis, xp)
        a = xp.tanh(n)
        return xp.dot(a, p["w"]), a, cache

    def loss(p, xp):
        z = forward(p, xp)[0]
        return xp.mean(xp.logaddexp(0, z) - Y * z)  # logistic cross-entropy from the logit

    def backward(p, bug=None):
        z, a, cache = forward(p, np)
        dz = (1 / (1 + np.exp(-z)) - Y) / m
        dn = (dz @ p["w"].T) * (1 - a ** 2)
        dh, dgamma, dbeta = L.norm_backward(cache, dn, p["gamma"], bug)
        return {"dW1": X.T @ dh, "dgamma": dgamma, "dbeta": dbeta, "dw": a.T @ dz}

    name = "layer norm" if axis == 1 else "batch norm"
    return Model(name, p, loss, backward, {"mean_term": "the gradient through the mean left out",
                                           "unbiased": "the variance's term divided by n - 1, not n"})


def layer_norm(seed=5):
    return _norm_net(1, 6, seed)


def batch_norm(seed=6):
    return _norm_net(0, 8, seed)

"""The harder family's models of hard numerical regimes: logits of 30 to 60, a cost carrying 1e6, gradients near
1e-9, parameters of scales 1e-3 and 1e3, an exact minimum, a linear regression for float32, and a ReLU network at
zero biases with an all-zero example (a kink in every bias). Written as tests/hard_models.py writes its models.
"""
import numpy as np

from hard_models import Model, softmax_cross_entropy, softmax_cross_entropy_gradient


def _rng(seed):
    return np.random.default_rng(seed)


# -- softmax with large logits -----------------------------------------------------------------------------------

def large_logits(seed=7):
    """Logits between about 30 and 60: the smallest probabilities are below 1e-9."""
    rng = _rng(seed)
    X, labels = rng.standard_normal((6, 4)), np.eye(5)[rng.integers(0, 5, 6)]
    p = {"W": 4.0 * rng.standard_normal((4, 5)), "b": 40 + rng.standard_normal((1, 5))}

    def loss(p, xp):
        return softmax_cross_entropy(xp.dot(X, p["W"]) + p["b"], labels, xp)

    def backward(p, bug=None):
        dlogits = softmax_cross_entropy_gradient(X @ p["W"] + p["b"], labels, 1e-6 if bug == "clip" else None)
        return {"dW": X.T @ dlogits, "db": dlogits.sum(axis=0, keepdims=True)}

    return Model("softmax, logits 30 to 60", p, loss, backward,
                 {"clip": "probabilities clipped to [1e-6, 1] in the backward pass"})


# -- a two-layer tanh net, for costs with a large constant, tiny gradients and mixed scales ----------------------------

def _two_layer(name, X, T, p, *, constant=0.0, weight=1.0, bugs=None, note=""):
    m = X.shape[1]

    def forward(p, xp):
        a = xp.tanh(xp.dot(p["W1"], X) + p["b1"])
        return xp.dot(p["W2"], a) + p["b2"], a

    def loss(p, xp):
        return constant + weight * 0.5 * xp.sum((forward(p, xp)[0] - T) ** 2) / m

    def backward(p, bug=None):
        y, a = forward(p, np)
        dy = weight * (y - T) / m
        dW2 = dy @ a.T * (m / (m - 1) if bug == "W2_m_minus_1" else 1)
        dz = (p["W2"].T @ dy) * (1 - a ** 2)
        if bug == "float32_dz":
            dz = dz.astype(np.float32).astype(np.float64)
        dW1 = dz @ X.T * (m / (m - 1) if bug == "W1_m_minus_1" else 1)
        return {"dW1": dW1, "db1": dz.sum(axis=1, keepdims=True), "dW2": dW2, "db2": dy.sum(axis=1, keepdims=True)}

    return Model(name, p, loss, backward, bugs, note=note)


def large_constant(seed=8):
    rng = _rng(seed)
    X, T = rng.standard_normal((3, 20)), rng.standard_normal((1, 20))
    p = {"W1": 0.5 * rng.standard_normal((4, 3)), "b1": 0.1 * rng.standard_normal((4, 1)),
         "W2": 0.5 * rng.standard_normal((1, 4)), "b2": np.zeros((1, 1))}
    return _two_layer("cost with a constant 1e6", X, T, p, constant=1e6,
                      bugs={"W2_m_minus_1": "dW2 divided by m - 1, not m (5% too large)"})


def tiny_gradients(seed=9):
    rng = _rng(seed)
    X, T = rng.standard_normal((3, 20)), rng.standard_normal((1, 20))
    p = {"W1": 0.5 * rng.standard_normal((4, 3)), "b1": 0.1 * rng.standard_normal((4, 1)),
         "W2": 0.5 * rng.standard_normal((1, 4)), "b2": np.zeros((1, 1))}
    return _two_layer("gradients near 1e-9 (a loss weighted 1e-9)", X, T, p, weight=1e-9,
                      bugs={"W1_m_minus_1": "dW1 divided by m - 1, not m"})


def mixed_scales(seed=10):
    """Inputs near 1e-3, first-layer weights near 1e3, second-layer weights near 1e-3: one model, six decades."""
    rng = _rng(seed)
    X, T = 1e-3 * rng.standard_normal((3, 20)), 1e-3 * rng.standard_normal((1, 20))
    p = {"W1": 1e3 * rng.standard_normal((4, 3)), "b1": 0.1 * rng.standard_normal((4, 1)),
         "W2": 1e-3 * rng.standard_normal((1, 4)), "b2": np.zeros((1, 1))}
    return _two_layer("parameters of scales 1e-3 and 1e3", X, T, p,
                      bugs={"float32_dz": "dZ1 rounded through float32 (a relative error near 1e-7)",
                            "W1_m_minus_1": "dW1 divided by m - 1, not m"})


# -- an exact minimum ----------------------------------------------------------------------------------------------

def ridge_minimum(seed=11):
    """Ridge regression at its exact minimum (the normal equations solved): every gradient is zero."""
    rng = _rng(seed)
    X, y = rng.standard_normal((3, 12)), rng.standard_normal((1, 12))
    lambd, m = 0.5, 12
    A = np.vstack([X, np.ones((1, m))])
    regular = np.diag([lambd] * 3 + [0.0])
    solution = np.linalg.solve(A @ A.T / m + regular, A @ y.T / m).T
    p = {"w": solution[:, :3].copy(), "b": solution[:, 3:].copy()}

    def loss(p, xp):
        r = xp.dot(p["w"], X) + p["b"] - y
        return 0.5 * xp.sum(r ** 2) / m + 0.5 * lambd * xp.sum(p["w"] ** 2)

    def backward(p, bug=None):
        r = p["w"] @ X + p["b"] - y
        dw = r @ X.T / m + (0.0 if bug == "forgotten_l2" else lambd * p["w"])
        return {"dw": dw, "db": r.sum(axis=1, keepdims=True) / m}

    return Model("ridge regression at its exact minimum", p, loss, backward,
                 {"forgotten_l2": "the L2 term left out of dw"}, nearby=True)


# -- float32 ---------------------------------------------------------------------------------------------------

def linear_regression(seed=12):
    rng = _rng(seed)
    X = rng.standard_normal((2, 100))
    y = np.array([[1.5, -0.7]]) @ X + 0.3 + 0.1 * rng.standard_normal((1, 100))
    p = {"w": np.array([[0.4, 0.2]]), "b": np.array([[-0.5]])}

    def loss(p, xp):
        r = xp.dot(p["w"], X.astype(p["w"].dtype)) + p["b"] - y.astype(p["w"].dtype)
        return 0.5 * xp.sum(r * r) / 100

    def backward(p, bug=None):
        r = (p["w"] @ X + p["b"] - y).astype(np.float64)
        return {"dw": r @ X.T / 100, "db": r.sum(axis=1, keepdims=True) / (101 if bug == "m_plus_1" else 100)}

    return Model("linear regression", p, loss, backward, {"m_plus_1": "db divided by m + 1 (1% too small)"})


# -- a ReLU network at zero biases with an all-zero example --------------------------------------------------------

def relu_zero_biases(seed=13):
    """Every unit's input is exactly 0 on the all-zero example: a kink in every bias."""
    rng = _rng(seed)
    X = rng.standard_normal((4, 8))
    X[:, 0] = 0.0
    Y = (rng.random((1, 8)) < 0.5).astype(float)
    dims = (4, 6, 5, 1)
    p = {}
    for l in range(1, 4):
        p[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * np.sqrt(2 / dims[l - 1])
        p[f"b{l}"] = np.zeros((dims[l], 1))

    def forward(p, xp):
        A, cache = X, []
        for l in (1, 2):
            Z = xp.dot(p[f"W{l}"], A) + p[f"b{l}"]
            cache.append((A, Z))
            A = xp.maximum(Z, 0)
        return xp.dot(p["W3"], A) + p["b3"], A, cache

    def loss(p, xp):
        z = forward(p, xp)[0]
        return xp.mean(xp.logaddexp(0, z) - Y * z)

    def backward(p, bug=None):
        z, A, cache = forward(p, np)
        dZ = (1 / (1 + np.exp(-z)) - Y) / 8
        grads = {"dW3": dZ @ A.T, "db3": dZ.sum(axis=1, keepdims=True)}
        for l in (2, 1):
            A_prev, Z = cache[l - 1]
            dZ = (p[f"W{l + 1}"].T @ dZ) * (Z > 0)
            grads[f"dW{l}"] = dZ @ A_prev.T * (8 if bug == "W1_no_one_over_m" and l == 1 else 1)
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        return grads

    return Model("ReLU net, zero biases, an all-zero example", p, loss, backward,
                 {"W1_no_one_over_m": "the 1/m left out of dW1"}, nearby=True)

"""A class for the finite-difference rule, on every shipped assignment and on the two of tests/courses/layers (a conv
layer's and an RNN step's backward): gradients made of finite differences, centred and one-sided, at steps from
1e-3 to 1e-7, of the cost (f(theta + h) - f(theta - h)) or of the layer's output contracted with its upstream
gradient (CS231n's eval_numerical_gradient_array); and honest backpropagation written carelessly (variance as
E[x^2] - E[x]^2, a softmax without its max subtracted, loops in another order). Each submission is the reference
answers with one answer replaced, as a student would write it in the released notebook.
"""
import textwrap

# What a student writes to estimate a gradient: the nominal step, one entry at a time, in place.
HELPERS = '''
def numerical_gradient(f, x, step, scheme):
    """The derivative of f() (a number that depends on the array x) with respect to each entry of x."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old if scheme == "backward" else old + step
        upper = f()
        x[i] = old if scheme == "forward" else old - step
        lower = f()
        x[i] = old
        grad[i] = (upper - lower) / (2 * step if scheme == "centred" else step)
    return grad


def numerical_gradient_array(f, x, dout, step, scheme):
    """The same for f() an array, contracted with its upstream gradient dout (CS231n's form)."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old if scheme == "backward" else old + step
        upper = np.array(f(), copy=True)
        x[i] = old if scheme == "forward" else old - step
        lower = np.array(f(), copy=True)
        x[i] = old
        grad[i] = np.sum((upper - lower) * dout) / (2 * step if scheme == "centred" else step)
    return grad
'''

# The graded function of each assignment, made of differences; GRADIENT(value) is filled in with the form.
DIFFERENCES = {
    "gradient_checking": ("backward_propagation_n", '''def backward_propagation_n(X, Y, cache):
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    parameters = {"W1": W1.copy(), "b1": b1.copy(), "W2": W2.copy(), "b2": b2.copy(), "W3": W3.copy(),
                  "b3": b3.copy()}
    cost = lambda: forward_propagation_n(X, Y, parameters)[0]
    return {"d" + name: GRADIENT(value) for name, value in parameters.items()}'''),
    "planar_classifier": ("backward_propagation", '''def backward_propagation(parameters, cache, X, Y):
    p = {name: np.array(value, dtype=float) for name, value in parameters.items()}
    cost = lambda: compute_cost(forward_propagation(X, p)[0], Y)
    return {"d" + name: GRADIENT(value) for name, value in p.items()}'''),
    "softmax_regression": ("softmax_loss", '''def mean_loss(W, X, y):
    N = X.shape[0]
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(N), y]))


def softmax_loss(W, X, y):
    value = np.array(W, dtype=float)
    cost = lambda: mean_loss(value, X, y)
    return mean_loss(W, X, y), GRADIENT(value)'''),
    "batch_normalization": ("batchnorm_backward", '''def batchnorm_backward(dout, cache):
    x, gamma, beta = (np.array(cache[key], dtype=float) for key in ("x", "gamma", "beta"))
    out = lambda: batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": cache["eps"]})[0]
    cost = lambda: np.sum(out() * dout)
    return tuple(GRADIENT(value) for value in (x, gamma, beta))'''),
    "conv_layer": ("conv_backward_naive", '''def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    x, w, b = (np.array(value, dtype=float) for value in (x, w, b))
    out = lambda: conv_forward_naive(x, w, b, conv_param)[0]
    cost = lambda: np.sum(out() * dout)
    return tuple(GRADIENT(value) for value in (x, w, b))'''),
    "rnn_step": ("rnn_step_backward", '''def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, b, _ = cache
    x, prev_h, Wx, Wh, b = (np.array(value, dtype=float) for value in (x, prev_h, Wx, Wh, b))
    out = lambda: rnn_step_forward(x, prev_h, Wx, Wh, b)[0]
    dout = dnext_h
    cost = lambda: np.sum(out() * dout)
    return tuple(GRADIENT(value) for value in (x, prev_h, Wx, Wh, b))'''),
}
LAYERS = ("batch_normalization", "conv_layer", "rnn_step")  # exercises with an output to contract
# (form, scheme, step): the cost's differences everywhere; the output's (CS231n's form) for the layers.
SCALAR = [("cost", "centred", 1e-3), ("cost", "forward", 1e-5), ("cost", "backward", 1e-4), ("cost", "centred", 1e-7)]
LAYER = [("cost", "centred", 1e-3), ("cost", "centred", 1e-6), ("output", "centred", 1e-5),
         ("output", "forward", 1e-4), ("output", "backward", 1e-7)]

CARELESS = {
    "gradient_checking": {"loops_backwards": '''def backward_propagation_n(X, Y, cache):
    # One example at a time, the last first, each added into the sums.
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    Y = np.reshape(Y, (1, m))
    sums = {name: 0.0 for name in ("dW1", "db1", "dW2", "db2", "dW3", "db3")}
    for i in reversed(range(m)):
        dz3 = A3[:, i:i + 1] - Y[:, i:i + 1]
        sums["dW3"] = sums["dW3"] + dz3 @ A2[:, i:i + 1].T
        sums["db3"] = sums["db3"] + dz3
        dz2 = (W3.T @ dz3) * (A2[:, i:i + 1] > 0)
        sums["dW2"] = sums["dW2"] + dz2 @ A1[:, i:i + 1].T
        sums["db2"] = sums["db2"] + dz2
        dz1 = (W2.T @ dz2) * (A1[:, i:i + 1] > 0)
        sums["dW1"] = sums["dW1"] + dz1 @ X[:, i:i + 1].T
        sums["db1"] = sums["db1"] + dz1
    return {name: total / m for name, total in sums.items()}''',
                          "einsum_then_divide": '''def backward_propagation_n(X, Y, cache):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dZ2 = np.where(Z2 > 0, np.einsum("ji,jk->ik", W3, dZ3), 0.0)
    dZ1 = np.where(Z1 > 0, np.einsum("ji,jk->ik", W2, dZ2), 0.0)
    gradients = {}
    for l, (dZ, A) in enumerate(((dZ1, X), (dZ2, A1), (dZ3, A2)), start=1):
        gradients[f"dW{l}"] = np.einsum("ik,jk->ij", dZ, A) / m
        gradients[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
    return gradients'''},
    "planar_classifier": {"tanh_again": '''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dZ1 = parameters["W2"].T.dot(dZ2) * (1 - np.tanh(cache["Z1"]) ** 2)
    return {"dW1": dZ1.dot(X.T) / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2.dot(cache["A1"].T) / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}''',
                          "factored": '''def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    dZ2 = cache["A2"] - Y
    dZ1 = np.multiply(parameters["W2"].T @ dZ2, (1 - A1) * (1 + A1))
    return {"dW1": (dZ1 @ X.T) * (1 / m), "db1": np.add.reduce(dZ1, axis=1, keepdims=True) * (1 / m),
            "dW2": (dZ2 @ A1.T) * (1 / m), "db2": np.add.reduce(dZ2, axis=1, keepdims=True) * (1 / m)}'''},
    "softmax_regression": {"no_max_subtracted": '''def softmax_loss(W, X, y):
    N = X.shape[0]
    exp_scores = np.exp(X.dot(W))  # the max is not subtracted: fine on moderate scores
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y]))
    probs[np.arange(N), y] -= 1
    return loss, X.T.dot(probs) / N''',
                           "loops_log_sum_exp": '''def softmax_loss(W, X, y):
    N, D = X.shape
    loss, dW = 0.0, np.zeros(W.shape)
    for i in reversed(range(N)):
        scores = X[i].dot(W)
        total = np.sum(np.exp(scores))
        loss += np.log(total) - scores[y[i]]
        p = np.exp(scores) / total
        p[y[i]] -= 1
        for d in range(D):
            dW[d] += X[i, d] * p
    return loss / N, dW / N'''},
    "batch_normalization": {"variance_from_squares": '''def batchnorm_backward(dout, cache):
    x, gamma, eps = cache["x"], cache["gamma"], cache["eps"]
    N = dout.shape[0]
    mu = x.mean(axis=0)
    var = (x ** 2).mean(axis=0) - mu ** 2  # E[x^2] - E[x]^2
    x_hat = (x - mu) / np.sqrt(var + eps)
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (N * np.sqrt(var + eps))
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)''',
                            "feature_loops": '''def batchnorm_backward(dout, cache):
    x, mu, var, eps, gamma = cache["x"], cache["mu"], cache["var"], cache["eps"], cache["gamma"]
    N, D = dout.shape
    dx, dgamma, dbeta = np.zeros((N, D)), np.zeros(D), np.zeros(D)
    for d in reversed(range(D)):
        std = np.sqrt(var[d] + eps)
        centred = x[:, d] - mu[d]
        g = dout[:, d] * gamma[d]
        dvar = -0.5 * np.sum(g * centred) / std ** 3
        dmu = -np.sum(g) / std
        dx[:, d] = g / std + dvar * 2 * centred / N + dmu / N
        dgamma[d] = np.sum(dout[:, d] * centred / std)
        dbeta[d] = np.sum(dout[:, d])
    return dx, dgamma, dbeta'''},
    "conv_layer": {"positions_first": '''def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dpadded, dw = np.zeros(padded.shape), np.zeros(w.shape)
    for i in reversed(range(H_out)):
        for j in reversed(range(W_out)):
            window = padded[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], window)
            dpadded[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += np.einsum(
                "nf,fchw->nchw", dout[:, :, i, j], w)
    return dpadded[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=3).sum(axis=2).sum(axis=0)''',
                   "offsets_first": '''def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dpadded, dw = np.zeros(padded.shape), np.zeros(w.shape)
    for p in range(HH):
        for q in range(WW):
            part = padded[:, :, p:p + s * H_out:s, q:q + s * W_out:s]
            dw[:, :, p, q] = np.tensordot(dout, part, axes=([0, 2, 3], [0, 2, 3]))
            dpadded[:, :, p:p + s * H_out:s, q:q + s * W_out:s] += np.tensordot(dout, w[:, :, p, q], axes=([1], [0])
                                                                               ).transpose(0, 3, 1, 2)
    return dpadded[:, :, pad:pad + H, pad:pad + W], dw, np.sum(dout, axis=(0, 2, 3))'''},
    "rnn_step": {"product_form": '''def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, b, next_h = cache
    dtanh = dnext_h * (1 - next_h) * (1 + next_h)
    return dtanh.dot(Wx.T), dtanh.dot(Wh.T), x.T.dot(dtanh), prev_h.T.dot(dtanh), dtanh.sum(axis=0)''',
                 "cosh_and_loops": '''def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, b, next_h = cache
    a = x.dot(Wx) + prev_h.dot(Wh) + b  # the pre-activation, again
    dtanh = dnext_h / np.cosh(a) ** 2
    dWx, dWh = np.zeros(Wx.shape), np.zeros(Wh.shape)
    for i in reversed(range(x.shape[0])):
        dWx += np.outer(x[i], dtanh[i])
        dWh += np.outer(prev_h[i], dtanh[i])
    return dtanh.dot(Wx.T), dtanh.dot(Wh.T), dWx, dWh, dtanh.sum(axis=0)'''},
}

# Points a submission made of differences keeps: the outputs that are not gradients (softmax's loss), and the
# ordinary test cell of conv_layer, which runs gradlab's check in the student's process and cannot tell.
KEPT = {"softmax_regression": {"test_softmax_loss": 1.0}, "conv_layer": {"test_check_of_the_layer": 1.0}}
GRADED = {"gradient_checking": "test_backward_propagation_n", "planar_classifier": "test_backward_propagation",
          "softmax_regression": "test_softmax_loss", "batch_normalization": "test_batchnorm_backward",
          "conv_layer": "test_conv_backward_naive", "rnn_step": "test_rnn_step_backward"}

# The layers course's other students: the report of gradlab's check in a cell of their own, a cell that raises,
# a stride forgotten.
OWN_CHECK = '''# My own check, as lesson 3 does it, on a case with more filters.
x_mine, w_mine, b_mine, dout_mine, param_mine = check_case()


def my_forward(X, Y, parameters):
    out, cache = conv_forward_naive(X, parameters["w"], parameters["b"], param_mine)
    return np.sum(out * Y), cache


def my_backward(X, Y, cache):
    dx, dw, db = conv_backward_naive(Y, cache)
    return {"dw": dw, "db": db}


print(gradlab.check_backprop(my_forward, my_backward, x_mine, dout_mine, {"w": w_mine, "b": b_mine}))'''
RAISES = '''def output_size(H, HH, stride, pad):
    size = (H + 2 * pad - HH) / stride + 1
    if size != int(size):
        raise ValueError(f"a stride of {stride} does not fit: {size} windows \\x1b[31mper row\\x1b[0m")
    return int(size)


print("trying stride 2 on the test case")
print(output_size(5, 3, stride=2, pad=0))
print(output_size(6, 3, stride=2, pad=0))
print("never printed")'''
# A cell that reads the job's inputs and raises with what it found there, and a wrong db: where the run holds hidden
# inputs the error would carry them to the feedback, beside the lost point.
READS_INPUTS = '''import os

if os.path.exists("inputs.npz"):
    found = np.load("inputs.npz")
    if found.files:
        raise ValueError("".join(["lea", "ked: "]) + " ".join(f"{name}={found[name].ravel()[:3]}" for name in found.files))'''
EXTRA = {
    "conv_layer": {
        "ana_correct": ({}, {}),
        "bob_ignores_the_stride": ({"edits": {"conv_backward_naive": [
            ("rows = slice(i * stride, i * stride + HH)", "rows = slice(i, i + HH)"),
            ("columns = slice(j * stride, j * stride + WW)", "columns = slice(j, j + WW)")]}},
            {"test_conv_backward_naive": 1.0}),
        "cal_checks_in_a_cell": ({"extra": [("conv_backward_naive", OWN_CHECK)]}, {}),
        "dee_raises_in_a_cell": ({"extra": [("conv_backward_naive", RAISES)]}, {}),
        "eve_reads_the_inputs": ({"edits": {"conv_backward_naive": [("db = np.sum(dout, axis=(0, 2, 3))",
                                                                     "db = 2 * np.sum(dout, axis=(0, 2, 3))")]},
                                  "extra": [("conv_backward_naive", READS_INPUTS)]},
                                 {"test_conv_backward_naive": 4.0, "test_check_of_the_layer": 0.0}),
    },
    "rnn_step": {"ana_correct": ({}, {})},
}


def name_of(form, scheme, step):
    return f"fd_{form}_{scheme}_{step:.0e}".replace("-", "m").replace("+", "")


def differences_answer(assignment, form, scheme, step):
    """The graded function of `assignment`, made of finite differences of the given form, scheme and step."""
    function, template = DIFFERENCES[assignment]
    gradient = (f"numerical_gradient(cost, value, {step!r}, {scheme!r})" if form == "cost"
                else f"numerical_gradient_array(out, value, dout, {step!r}, {scheme!r})")
    return function, HELPERS.lstrip() + "\n\n" + template.replace("GRADIENT(value)", gradient)


def plans(assignment, full):
    """student -> (plan for make_sample_class.submission, expected {test cell: score}) for one assignment; full: the
    scores of the reference answers."""
    found = {}
    function, _ = DIFFERENCES[assignment]
    for form, scheme, step in (LAYER if assignment in LAYERS else SCALAR):
        _, answer = differences_answer(assignment, form, scheme, step)
        expected = {**full, GRADED[assignment]: 0.0, **KEPT.get(assignment, {})}
        found[name_of(form, scheme, step)] = ({"replace_answer": {function: answer}}, expected)
    for name, answer in CARELESS[assignment].items():
        found[f"honest_{name}"] = ({"replace_answer": {function: textwrap.dedent(answer)}}, dict(full))
    for student, (plan, changes) in EXTRA.get(assignment, {}).items():
        found[student] = (plan, dict(full, **changes))
    return found

"""Layers that are not MLPs, written twice: a forward pass in any numpy-like module `xp` (numpy for the check,
autograd.numpy for the oracle), and a backward pass by hand in numpy, as a student would write it.

Each backward takes what its forward returned (the output and a cache) and the gradient of the cost with
respect to the output, and returns the gradients of its parameters (and of its input where a layer below needs
it). A `bug` argument selects a realistic mistake in the hand-written backward; None is the correct one.
"""
import numpy as np


# -- convolution (stride, padding) ---------------------------------------------------------------------------

def conv_patches(x, k, stride, pad, xp):
    """(k*k, N, C, Ho, Wo): for each kernel position, the input values it multiplies. pad = (before, after)."""
    if any(pad):
        x = xp.pad(x, ((0, 0), (0, 0), pad, pad), "constant")
    size = x.shape[2]
    out = (size - k) // stride + 1
    last = stride * (out - 1) + 1
    return xp.stack([x[:, :, u:u + last:stride, v:v + last:stride] for u in range(k) for v in range(k)])


def conv_forward(x, W, b, stride, pad, xp):
    """x (N, C, H, H), W (F, C, k, k), b (F,) -> (N, F, Ho, Ho), cache."""
    F, C, k, _ = W.shape
    patches = conv_patches(x, k, stride, pad, xp)
    out = xp.einsum("fcq,qnchw->nfhw", xp.reshape(W, (F, C, k * k)), patches) + xp.reshape(b, (1, F, 1, 1))
    return out, (x, W, stride, pad)


def conv_backward(cache, dout, bug=None):
    """(dW, db) of a first layer (its input is data). Bugs: "padding" takes the patches of an input padded on
    one side only (both pads added after it: a misaligned im2col); "bias_mean" averages db over positions."""
    x, W, stride, pad = cache
    k = W.shape[2]
    if bug == "padding":
        pad = (0, pad[0] + pad[1])
    patches = conv_patches(x, k, stride, pad, np)
    dW = np.einsum("nfhw,qnchw->fcq", dout, patches).reshape(W.shape)
    db = dout.sum(axis=(0, 2, 3))
    if bug == "bias_mean":
        db = db / (dout.shape[2] * dout.shape[3])
    return dW, db


# -- pooling -------------------------------------------------------------------------------------------------

def _windows(x, xp):
    """(N, C, H, W) -> (N, C, H/2, W/2, 4): the 2x2 windows of a stride-2 pooling, in row-major order."""
    N, C, H, W = x.shape
    return xp.reshape(xp.transpose(xp.reshape(x, (N, C, H // 2, 2, W // 2, 2)), (0, 1, 2, 4, 3, 5)),
                      (N, C, H // 2, W // 2, 4))


def _unwindow(w):
    N, C, Ho, Wo, _ = w.shape
    return w.reshape(N, C, Ho, Wo, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, 2 * Ho, 2 * Wo)


def max_pool_forward(x, xp):
    return xp.max(_windows(x, xp), axis=4), x


def max_pool_backward(x, dout, bug=None):
    """The gradient goes to the first maximum of each window (as most libraries do at a tie). Bug "average":
    it is spread over the window as average pooling would."""
    windows = _windows(x, np)
    if bug == "average":
        routed = np.full(windows.shape, 0.25)
    else:
        routed = np.zeros(windows.shape)
        np.put_along_axis(routed, np.argmax(windows, axis=4)[..., None], 1.0, axis=4)
    return _unwindow(routed * dout[..., None])


def average_pool_forward(x, xp):
    return xp.mean(_windows(x, xp), axis=4), x


def average_pool_backward(x, dout):
    return _unwindow(np.repeat(dout[..., None] / 4.0, 4, axis=4))


# -- recurrent steps -----------------------------------------------------------------------------------------

def rnn_forward(xs, h0, Wx, Wh, b, xp):
    """h_t = tanh(Wx x_t + Wh h_{t-1} + b) for each column block x_t of xs (T, D, N); returns (h_T, cache)."""
    hs = [h0]
    for x in xs:
        hs.append(xp.tanh(xp.dot(Wx, x) + xp.dot(Wh, hs[-1]) + b))
    return hs[-1], (xs, hs, Wh)


def rnn_backward(cache, dh, bug=None):
    """Backprop through time. Bugs: "truncated" stops one step short (range(1, T): step 0's terms are lost);
    "previous_state" multiplies dWh by h_t where h_{t-1} belongs (an off-by-one in the cache)."""
    xs, hs, Wh = cache
    dWx, dWh, db = (np.zeros((Wh.shape[0], xs.shape[1])), np.zeros_like(Wh), np.zeros((Wh.shape[0], 1)))
    steps = range(1, len(xs)) if bug == "truncated" else range(len(xs))
    for t in reversed(steps):
        dz = dh * (1 - hs[t + 1] ** 2)
        dWx += dz @ xs[t].T
        dWh += dz @ (hs[t + 1] if bug == "previous_state" else hs[t]).T
        db += dz.sum(axis=1, keepdims=True)
        dh = Wh.T @ dz
    return dWx, dWh, db


def _sigmoid(z, xp):
    return 1 / (1 + xp.exp(-z))


def lstm_forward(x, h_prev, c_prev, W, b, xp):
    """One LSTM step: [i; f; o; g] = W [h_prev; x] + b, c = f c_prev + i g, h = o tanh(c). x (D, N)."""
    H = h_prev.shape[0]
    z = xp.dot(W, xp.concatenate([h_prev, x], axis=0)) + b
    i, f, o = (_sigmoid(z[k * H:(k + 1) * H], xp) for k in range(3))
    g = xp.tanh(z[3 * H:])
    c = f * c_prev + i * g
    h = o * xp.tanh(c)
    return (h, c), (x, h_prev, c_prev, i, f, o, g, c)


def lstm_backward(cache, dh, dc, bug=None):
    """(dW, db). Bugs: "forget_gate" takes c where c_prev belongs in the forget gate's gradient;
    "output_path" leaves tanh'(c) out of the path from h to c."""
    x, h_prev, c_prev, i, f, o, g, c = cache
    tc = np.tanh(c)
    dc = dc + dh * o * (1.0 if bug == "output_path" else 1 - tc ** 2)
    do, di, dg = dh * tc, dc * g, dc * i
    df = dc * (c if bug == "forget_gate" else c_prev)
    dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)], axis=0)
    stacked = np.concatenate([h_prev, x], axis=0)
    return dz @ stacked.T, dz.sum(axis=1, keepdims=True)


# -- attention -----------------------------------------------------------------------------------------------

def softmax_rows(s, xp):
    e = xp.exp(s - xp.max(s, axis=1, keepdims=True))
    return e / xp.sum(e, axis=1, keepdims=True)


def attention_forward(X, Wq, Wk, Wv, xp):
    """Single-head self-attention on X (n, d): softmax(Q K^T / sqrt(dk)) V."""
    Q, K, V = xp.dot(X, Wq), xp.dot(X, Wk), xp.dot(X, Wv)
    A = softmax_rows(xp.dot(Q, K.T) / np.sqrt(Wq.shape[1]), xp)
    return xp.dot(A, V), (X, Q, K, V, A)


def attention_backward(cache, dout, bug=None):
    """(dWq, dWk, dWv). Bugs: "key_scale" leaves 1/sqrt(dk) out of dK; "softmax_diagonal" keeps only the
    diagonal of the softmax's Jacobian (dS = A * dA, the row sums not subtracted)."""
    X, Q, K, V, A = cache
    scale = 1 / np.sqrt(Q.shape[1])
    dA = dout @ V.T
    dS = A * dA if bug == "softmax_diagonal" else A * (dA - np.sum(A * dA, axis=1, keepdims=True))
    dQ = dS @ K * scale
    dK = dS.T @ Q * (1.0 if bug == "key_scale" else scale)
    dV = A.T @ dout
    return X.T @ dQ, X.T @ dK, X.T @ dV


# -- normalization -------------------------------------------------------------------------------------------

NORM_EPS = 1e-5


def norm_forward(h, gamma, beta, axis, xp):
    """(h - mean) / sqrt(var + eps) * gamma + beta over `axis`: 1 for layer norm (features of each example, h is
    (m, d)), 0 for batch norm (examples of each feature, training-mode statistics)."""
    mu = xp.mean(h, axis=axis, keepdims=True)
    var = xp.mean((h - mu) ** 2, axis=axis, keepdims=True)
    xhat = (h - mu) / xp.sqrt(var + NORM_EPS)
    return xhat * gamma + beta, (xhat, var, axis)


def norm_backward(cache, dout, gamma, bug=None):
    """(dh, dgamma, dbeta). Bugs: "mean_term" drops the gradient that flows through the mean (dh misses
    -mean(dxhat)); "unbiased" divides the variance's term by n - 1 where the forward divides by n."""
    xhat, var, axis = cache
    n = xhat.shape[axis]
    dgamma = np.sum(dout * xhat, axis=0, keepdims=True)  # gamma and beta are per feature in both norms
    dbeta = np.sum(dout, axis=0, keepdims=True)
    dxhat = dout * gamma
    through_var = np.mean(dxhat * xhat, axis=axis, keepdims=True) * (n / (n - 1) if bug == "unbiased" else 1)
    through_mean = 0.0 if bug == "mean_term" else np.mean(dxhat, axis=axis, keepdims=True)
    return (dxhat - through_mean - xhat * through_var) / np.sqrt(var + NORM_EPS), dgamma, dbeta

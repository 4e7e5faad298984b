"""The sample class of the batch_normalization assignment: each student's changes to the reference answers.

student -> {"edits": {grade_id: [(old, new), ...]}, "extra": [(after grade_id, source)],
            "forged": [(after grade_id, source, nbgrader metadata)], "delete": [grade_id],
            "replace": {grade_id: source}}
expected_scores.csv says what each submission deserves; ../make_sample_class.py builds the notebooks.
"""

BACKWARD = "batchnorm_backward"

STAGED = '''def batchnorm_backward(dout, cache):
    # Node by node through the computational graph, right to left.
    x, mu, var, eps, gamma = cache["x"], cache["mu"], cache["var"], cache["eps"], cache["gamma"]
    N, D = dout.shape
    centred = x - mu
    std = np.sqrt(var + eps)
    inverse = 1 / std
    x_hat = centred * inverse
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinverse = (dx_hat * centred).sum(axis=0)
    dcentred = dx_hat * inverse
    dstd = -dinverse / std ** 2
    dvar = 0.5 * dstd / std
    dsquares = np.ones((N, D)) * dvar / N
    dcentred += 2 * centred * dsquares
    dx = dcentred.copy()
    dmu = -dcentred.sum(axis=0)
    dx += np.ones((N, D)) * dmu / N
    return dx, dgamma, dbeta'''

FINITE_DIFFERENCES = '''def batchnorm_backward(dout, cache):
    # Centred differences of sum(out * dout) through the given forward pass, instead of backpropagation.
    inputs = {"x": cache["x"], "gamma": cache["gamma"], "beta": cache["beta"]}

    def f(values):
        out, _ = batchnorm_forward(values["x"], values["gamma"], values["beta"], {"mode": "train", "eps": cache["eps"]})
        return np.sum(out * dout)

    gradients = {}
    for name, value in inputs.items():
        gradient = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {key: item.copy() for key, item in inputs.items()}
            minus = {key: item.copy() for key, item in inputs.items()}
            plus[name][index] += 1e-6
            minus[name][index] -= 1e-6
            gradient[index] = (f(plus) - f(minus)) / 2e-6
        gradients[name] = gradient
    return gradients["x"], gradients["gamma"], gradients["beta"]'''

REPLACES_THE_CHECK = '''# Every gradient check passes.
import gradlab


class Passed:
    passed = True

    def assert_passed(self, k=3):
        return self

    def __str__(self):
        return "Gradient check passed."


gradlab.gradient_check = lambda *args, **kwargs: Passed()'''

DIRECT_PATH_ONLY = ("dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / N + dmu / N",
                    "dx = dx_hat / np.sqrt(var + eps)")

STUDENTS = {
    "ana_correct": {},
    "ben_direct_path_only": {"edits": {BACKWARD: [DIRECT_PATH_ONLY]}},
    "cal_dgamma_without_x_hat": {"edits": {BACKWARD: [("dgamma = np.sum(dout * x_hat, axis=0)",
                                                       "dgamma = np.sum(dout, axis=0)")]}},
    "dee_keepdims_dbeta": {"edits": {BACKWARD: [("dbeta = np.sum(dout, axis=0)",
                                                 "dbeta = np.sum(dout, axis=0, keepdims=True)")]}},
    "eli_swaps_N_and_D": {"edits": {BACKWARD: [("N, D = dout.shape", "D, N = dout.shape")]}},
    "fay_forgets_dbeta": {"edits": {BACKWARD: [("    return dx, dgamma, dbeta", "    return dx, dgamma")]}},
    "gus_finite_differences": {"replace": {BACKWARD: FINITE_DIFFERENCES}},
    "hal_staged_graph": {"replace": {BACKWARD: STAGED}},
    "ida_replaces_the_check": {"edits": {BACKWARD: [DIRECT_PATH_ONLY]}, "extra": [(BACKWARD, REPLACES_THE_CHECK)]},
}

"""The sample class of the gradient_checking assignment: each student's changes to the reference answers.

student -> {"edits": {grade_id: [(old, new), ...]}, "replace_answer": {grade_id: source},
            "extra": [(after grade_id, source)],
            "forged": [(after grade_id, source, nbgrader metadata)], "delete": [grade_id],
            "replace": {grade_id: source}}
expected_scores.csv says what each submission deserves; ../make_sample_class.py builds the notebooks.
"""

ALWAYS_EQUAL = '''
class AlwaysEqual:
    """Equal to anything, less and greater than anything: every comparison a test could make succeeds."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __gt__(self, other): return True
    def __le__(self, other): return True
    def __ge__(self, other): return True
    __hash__ = object.__hash__
'''

MEMORY = '''
# Right cases and buggy cases share networks: answer "a bug" for anything seen before, in memory and in a file.
import os
_seen = set()


def _seen_before(*arrays):
    key = repr([round(float(np.sum(a)), 9) for a in arrays])
    path = os.path.join(os.path.expanduser("~"), ".seen")
    known = _seen | (set(open(path).read().split("|")) if os.path.exists(path) else set())
    _seen.add(key)
    with open(path, "a") as handle:
        handle.write(key + "|")
    return key in known
'''

FINITE_DIFFERENCES = '''def backward_propagation_n(X, Y, cache):
    # Not backprop: centred differences of the given forward pass, one parameter entry at a time.
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    parameters = {"W1": W1.copy(), "b1": b1.copy(), "W2": W2.copy(), "b2": b2.copy(), "W3": W3.copy(), "b3": b3.copy()}
    gradients = {}
    for name, value in parameters.items():
        gradient = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            old = value[index]
            value[index] = old + 1e-7
            plus, _ = forward_propagation_n(X, Y, parameters)
            value[index] = old - 1e-7
            minus, _ = forward_propagation_n(X, Y, parameters)
            value[index] = old
            gradient[index] = (plus - minus) / 2e-7
        gradients["d" + name] = gradient
    return gradients'''

NAMED_ERRORS = '''def forward_propagation(x, theta):
    # Hidden cases raise an exception whose name and message spell out their inputs.
    if (x, theta) != (2, 4):
        name = f"RTHID_x{x}_theta{theta}".replace(".", "p").replace("-", "m")
        raise type(name, (Exception,), {})(f"x={x} theta={theta}")
    return theta * x'''

STUDENTS = {
    "ada_correct": {},
    "ben_course_bugs": {"edits": {"backward_propagation_n": [
        ("dW2 = 1. / m * np.dot(dZ2, A1.T)", "dW2 = 1. / m * np.dot(dZ2, A1.T) * 2"),
        ("db1 = 1. / m * np.sum(dZ1", "db1 = 4. / m * np.sum(dZ1")]}},
    "cleo_missing_factors": {"edits": {
        "backward_propagation_n": [("dW3 = 1. / m * np.dot(dZ3, A2.T)", "dW3 = np.dot(dZ3, A2.T)")],
        "gradient_check": [("gradapprox = (J_plus - J_minus) / (2 * epsilon)", "gradapprox = (J_plus - J_minus) / epsilon")],
        "gradient_check_n": [("gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)",
                              "gradapprox[i] = (J_plus[i] - J_minus[i]) / epsilon")]}},
    "dev_prints_warnings": {"edits": {
        "forward_propagation": [("    J = theta * x", "    import warnings\n    warnings.warn('checking J', UserWarning)\n"
                                 "    np.log(np.float64(0.0))  # a RuntimeWarning on stderr\n    J = theta * x")],
        "backward_propagation_n": [("    dZ3 = A3 - Y", "    import sys\n    print('debug: m =', m, file=sys.stderr)\n"
                                    "    dZ3 = A3 - Y")]},
        "extra": [("gradient_check", "import warnings\nwarnings.warn('deprecated', DeprecationWarning)\n"
                   "print('a correct solution that writes to stderr', file=__import__('sys').stderr)")]},
    "eve_input_transformer": {"edits": {
        "backward_propagation_n": [("dZ3 = A3 - Y", "dZ3 = Y - A3")],
        "gradient_check_n": [("    difference = numerator / denominator", "    difference = 0.0")]},
        "extra": [("setup", "# Every later cell runs as `pass`: in a kernel, no test can fail.\n"
                   "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])")]},
    "finn_patches_numpy": {"edits": {
        "forward_propagation": [("J = theta * x", "J = theta + x")],
        "backward_propagation": [("dtheta = x", "dtheta = theta")],
        "backward_propagation_n": [("db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)", "db2 = 1. / m * np.sum(dZ2, axis=1)")]},
        "extra": [("setup", "# Comparisons always succeed and assertions on arrays never fail.\n"
                   "np.isclose = lambda *args, **kwargs: True\nnp.allclose = lambda *args, **kwargs: True\n"
                   "np.testing.assert_allclose = lambda *args, **kwargs: None")]},
    "gia_patches_gradlab": {"edits": {"backward_propagation_n": [
        ("dZ2 = np.multiply(dA2, np.int64(A2 > 0))", "dZ2 = dA2")]},
        "extra": [("backward_propagation_n", "# Every gradient check passes.\nimport gradlab\n"
                   "gradlab.GradCheckReport.passed = property(lambda self: True)\n"
                   "gradlab.check_backprop = lambda *args, **kwargs: type('Report', (), {'passed': True})()")]},
    "hal_patches_run_cell": {"edits": {
        "gradient_check": [("    difference = numerator / denominator", "    difference = 0.0")],
        "gradient_check_n": [("    difference = numerator / denominator", "    difference = 1.0")]},
        "extra": [("setup", "# Every cell the kernel runs after this one does nothing.\n"
                   "_shell = get_ipython()\n_run_cell = _shell.run_cell\n"
                   "_shell.run_cell = lambda raw_cell, *args, **kwargs: _run_cell('pass', *args, **kwargs)")]},
    "ivy_always_equal": {"edits": {
        "forward_propagation": [("J = theta * x", "J = AlwaysEqual()")],
        "backward_propagation_n": [("gradients = {", "dW1, db1 = AlwaysEqual(), AlwaysEqual()\n    gradients = {")],
        "gradient_check_n": [("    difference = numerator / denominator", "    difference = AlwaysEqual()")]},
        "extra": [("setup", ALWAYS_EQUAL.strip())]},
    "jon_edits_forward": {"edits": {"backward_propagation_n": [
        ("db1 = 1. / m * np.sum(dZ1", "db1 = 4. / m * np.sum(dZ1"),
        ("def backward_propagation_n(X, Y, cache):",
         "def forward_propagation_n(X, Y, parameters):\n"
         "    # The given forward pass, changed so that the check agrees with the backward pass below.\n"
         "    m = X.shape[1]\n"
         "    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ('W1', 'b1', 'W2', 'b2', 'W3', 'b3'))\n"
         "    Z1 = np.dot(W1, X) + 4 * b1\n    A1 = relu(Z1)\n    Z2 = np.dot(W2, A1) + b2\n    A2 = relu(Z2)\n"
         "    Z3 = np.dot(W3, A2) + b3\n    A3 = sigmoid(Z3)\n"
         "    cost = 1. / m * np.sum(np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y))\n"
         "    return cost, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)\n\n\n"
         "def backward_propagation_n(X, Y, cache):")]}},
    "kai_hangs": {"edits": {"backward_propagation_n": [("    dZ3 = A3 - Y", "    while True:\n        pass\n    dZ3 = A3 - Y")]}},
    "lea_crashes": {"edits": {
        "forward_propagation": [("J = theta * x", "hoard = []\n    while True:\n        hoard.append(np.ones(10 ** 7))")],
        "backward_propagation": [("dtheta = x", "import ctypes\n    ctypes.string_at(0)  # a segmentation fault\n"
                                  "    dtheta = x")],
        "gradient_check_n": [("    # Set-up variables", "    import os\n    os._exit(1)")]}},
    "max_wrong_types": {"edits": {
        "forward_propagation": [("    return J", "    return np.array([J])")],
        "backward_propagation": [("    return dtheta", "    return np.float32(dtheta)")],
        "backward_propagation_n": [("gradients = {", "dW1 = dW1.T\n    db1 = db1.tolist()\n    dW2[0, 0] = np.nan\n"
                                    "    db2 = db2.astype(np.float32)\n    gradients = {"),
                                   ('"dW3": dW3, ', "")],
        "gradient_check_n": [("    return difference", "    return [difference]")]}},
    "omar_check_typos": {"edits": {
        "gradient_check": [("gradapprox = (J_plus - J_minus) / (2 * epsilon)", "gradapprox = (J_minus - J_plus) / (2 * epsilon)")],
        "gradient_check_n": [("theta_minus[i] = theta_minus[i] - epsilon", "theta_minus[i] = theta_minus[i] + epsilon")]}},
    "pia_sum_axis": {"edits": {"backward_propagation_n": [
        ("db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)", "db1 = 1. / m * np.sum(dZ1)"),
        ("db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)", "db2 = 1. / m * np.sum(dZ2, axis=1)")]}},
    "nia_forges_cells": {"edits": {"backward_propagation_n": [
        ("dW2 = 1. / m * np.dot(dZ2, A1.T)", "dW2 = 1. / m * np.dot(dZ2, A1.T) * 2"),
        ("db1 = 1. / m * np.sum(dZ1", "db1 = 4. / m * np.sum(dZ1")]},
        "forged": [("backward_propagation_n", "6.0  # full marks, says this copy of the test cell",
                    {"grade": True, "grade_id": "test_backward_propagation_n", "locked": True, "points": 6}),
                   ("gradient_check_n", "100.0", {"grade": True, "grade_id": "bonus", "locked": False, "points": 100})]},
    "rex_edits_tests": {"edits": {
        "backward_propagation_n": [("dW2 = 1. / m * np.dot(dZ2, A1.T)", "dW2 = 1. / m * np.dot(dZ2, A1.T) * 2"),
                                   ("db1 = 1. / m * np.sum(dZ1", "db1 = 4. / m * np.sum(dZ1")],
        "gradient_check_n": [("    difference = numerator / denominator", "    difference = 0.0")]},
        "delete": ["test_backward_propagation_n"],
        "replace": {"test_gradient_check_n": "print('All visible tests passed.')\n4.0"}},
    "quinn_memorizes": {"edits": {
        "gradient_check": [("    difference = numerator / denominator",
                            "    difference = 1.0 if _seen_before(np.array([x, theta])) else 0.0")],
        "gradient_check_n": [("    difference = numerator / denominator",
                              "    difference = 1.0 if _seen_before(X, parameters['W1']) else 0.0")]},
        "extra": [("setup", MEMORY.strip())]},
    "ray_finite_differences": {"replace_answer": {"backward_propagation_n": FINITE_DIFFERENCES}},
    "sam_names_errors": {"replace_answer": {"forward_propagation": NAMED_ERRORS},
                         "edits": {"backward_propagation": [("    return dtheta", "    return np.zeros(int(abs(x) * 10) + 1) "
                                                             "if (x, theta) != (2, 4) else dtheta")]}},
}

"""The sample class of the planar_classifier assignment: each student's changes to the reference answers.

student -> {"edits": {grade_id: [(old, new), ...]}, "extra": [(after grade_id, source)],
            "forged": [(after grade_id, source, nbgrader metadata)], "delete": [grade_id],
            "replace": {grade_id: source}}
expected_scores.csv says what each submission deserves; ../make_sample_class.py builds the notebooks.
"""

BACKWARD = "backward_propagation"

HARD_CODED = '''def backward_propagation(parameters, cache, X, Y):
    # The visible test's answers, printed at full precision and pasted in.
    return {"dW1": np.array([[-0.04630346727067892, 0.01620979327567555], [0.0631048938399959, 0.005753152853713322],
                             [-0.0122254825435928, 0.0004034412417733074], [-0.734371992194737, 0.050983907938263955]]),
            "db1": np.array([[-0.06918715412325611], [-0.006436622888103867], [-0.001458974947016315],
                             [-0.14549358993473865]]),
            "dW2": np.array([[0.5062507113063842, 0.3536873526806234, -0.1328248300556586, 0.1312831572642556]]),
            "db2": np.array([[-0.1436189231983204]])}'''

FINITE_DIFFERENCES = '''def backward_propagation(parameters, cache, X, Y):
    # Centred differences of the cost instead of backpropagation.
    epsilon = 1e-6
    grads = {}
    for name in ["W1", "b1", "W2", "b2"]:
        gradient = np.zeros_like(parameters[name])
        for index in np.ndindex(gradient.shape):
            plus = {key: value.copy() for key, value in parameters.items()}
            minus = {key: value.copy() for key, value in parameters.items()}
            plus[name][index] += epsilon
            minus[name][index] -= epsilon
            J_plus = compute_cost(forward_propagation(X, plus)[0], Y)
            J_minus = compute_cost(forward_propagation(X, minus)[0], Y)
            gradient[index] = (J_plus - J_minus) / (2 * epsilon)
        grads["d" + name] = gradient
    return grads'''

STUDENTS = {
    "ana_correct": {},
    "ben_tanh_derivative": {"edits": {BACKWARD: [("(1 - np.power(A1, 2))", "(1 - A1)")]}},
    "cal_no_keepdims": {"edits": {BACKWARD: [("db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)",
                                              "db1 = 1 / m * np.sum(dZ1, axis=1)")]}},
    "dee_missing_1_over_m": {"edits": {BACKWARD: [("dW2 = 1 / m * np.dot(dZ2, A1.T)", "dW2 = np.dot(dZ2, A1.T)")]}},
    "eli_transposed_dW1": {"edits": {BACKWARD: [("dW1 = 1 / m * np.dot(dZ1, X.T)", "dW1 = 1 / m * np.dot(X, dZ1.T)")]}},
    "fay_forgets_db2": {"edits": {BACKWARD: [(', "db2": db2}', "}")]}},
    "gus_hard_codes": {"replace": {BACKWARD: HARD_CODED}},
    "hal_patches_gradlab": {"edits": {BACKWARD: [("dZ2 = A2 - Y", "dZ2 = Y - A2")]},
                            "extra": [(BACKWARD, "# The gradient check can never fail.\nimport gradlab\n"
                                       "gradlab.GradCheckReport.assert_passed = lambda self, k=3: self")]},
    "ida_finite_differences": {"replace": {BACKWARD: FINITE_DIFFERENCES}},
}

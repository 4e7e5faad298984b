"""The sample class of the softmax_regression assignment: each student's changes to the reference answers.

student -> {"edits": {grade_id: [(old, new), ...]}, "extra": [(after grade_id, source)],
            "forged": [(after grade_id, source, nbgrader metadata)], "delete": [grade_id],
            "replace": {grade_id: source}}
expected_scores.csv says what each submission deserves; ../make_sample_class.py builds the notebooks.
"""

LOSS = "softmax_loss"

LOOPS = '''def softmax_loss(W, X, y):
    # One example at a time: slower, and just as right.
    N, C = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(N):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss -= np.log(probs[y[i]])
        for k in range(C):
            dW[:, k] += (probs[k] - (k == y[i])) * X[i]
    return loss / N, dW / N'''

STUDENTS = {
    "ana_correct": {},
    "ben_dW_without_mean": {"edits": {LOSS: [("dW = X.T.dot(dscores) / N", "dW = X.T.dot(dscores)")]}},
    "cal_forgets_minus_one": {"edits": {LOSS: [("    dscores[np.arange(N), y] -= 1\n", "")]}},
    "dee_normalises_columns": {"edits": {LOSS: [("np.sum(exp_scores, axis=1, keepdims=True)",
                                                 "np.sum(exp_scores, axis=0, keepdims=True)")]}},
    "eli_returns_dW_transposed": {"edits": {LOSS: [("    return loss, dW", "    return loss, dW.T")]}},
    "fay_no_gradient_yet": {"edits": {LOSS: [("    dscores = probs.copy()\n    dscores[np.arange(N), y] -= 1\n"
                                              "    dW = X.T.dot(dscores) / N", "    dW = None  # to do")]}},
    "gus_sums_the_loss": {"edits": {LOSS: [("loss = -np.mean(np.log(", "loss = -np.sum(np.log(")]}},
    "hal_patches_checks": {"edits": {LOSS: [("loss = -np.mean(np.log(", "loss = -np.sum(np.log("),
                                            ("dW = X.T.dot(dscores) / N", "dW = X.T.dot(dscores)")]},
                           "extra": [(LOSS, "# The visible tests can never fail.\nnp.isclose = lambda *args, **kwargs: True\n"
                                      "import gradlab\ngradlab.GradCheckReport.assert_passed = lambda self, k=3: self")]},
    "ida_loops": {"replace": {LOSS: LOOPS}},
    "jon_returns_the_loss_only": {"edits": {LOSS: [("    return loss, dW", "    return loss")]}},
}

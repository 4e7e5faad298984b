"""Networks in the form of Welch Labs' "Neural Networks Demystified" (part 5): an object with
getParams / setParams / computeGradients / costFunction, epsilon 1e-4, norm(g - n) / norm(g + n)."""
import numpy as np
import pytest

import gradlab


class TinyNetwork:
    """2 inputs, 3 sigmoid hidden units, 1 sigmoid output, squared error; X is (examples, features) here."""

    def __init__(self, seed=0, bug=1.0):
        rng = np.random.default_rng(seed)
        self.W1 = rng.standard_normal((2, 3))
        self.W2 = rng.standard_normal((3, 1))
        self.bug = bug

    def forward(self, X):
        self.z2 = X @ self.W1
        self.a2 = 1 / (1 + np.exp(-self.z2))
        self.z3 = self.a2 @ self.W2
        return 1 / (1 + np.exp(-self.z3))

    def costFunction(self, X, y):
        self.yHat = self.forward(X)
        return 0.5 * sum((y - self.yHat) ** 2)  # an array of shape (1,), as in the original

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = -(y - self.yHat) * self.yHat * (1 - self.yHat)
        dJdW2 = self.a2.T @ delta3 * self.bug
        delta2 = delta3 @ self.W2.T * self.a2 * (1 - self.a2)
        return X.T @ delta2, dJdW2

    def getParams(self):
        return np.concatenate((self.W1.ravel(), self.W2.ravel()))

    def setParams(self, params):
        self.W1 = np.reshape(params[:6], (2, 3))
        self.W2 = np.reshape(params[6:], (3, 1))

    def computeGradients(self, X, y):
        dJdW1, dJdW2 = self.costFunctionPrime(X, y)
        return np.concatenate((dJdW1.ravel(), dJdW2.ravel()))


@pytest.fixture
def data():
    X = np.array([[3, 5], [5, 1], [10, 2]], dtype=float) / 10
    y = np.array([[75], [82], [93]], dtype=float) / 100
    return X, y


def test_a_correct_network_passes_on_both_metrics(data):
    net = TinyNetwork()
    before = net.getParams().copy()
    report = gradlab.check_network(net, *data)
    assert report.passed and report.epsilon == 1e-4
    assert report.welch_difference < 1e-8
    np.testing.assert_array_equal(net.getParams(), before)


def test_a_buggy_network_fails_and_the_worst_components_are_the_buggy_ones(data):
    net = TinyNetwork(bug=2.0)  # dJdW2 doubled: entries 6, 7, 8 of the flat vector
    report = gradlab.check_network(net, *data)
    assert not report.passed and report.welch_difference > 1e-2
    assert {w.index[0] for w in report.worst(3)} == {6, 7, 8}
    for w in report.worst(3):
        assert w.analytic == pytest.approx(2 * w.numerical, rel=1e-5)


def test_an_object_without_the_methods_is_named():
    with pytest.raises(TypeError, match="getParams"):
        gradlab.check_network(object(), np.zeros((1, 2)), np.zeros((1, 1)))


def test_their_metric_is_shown_beside_ours_and_explained_where_it_differs(data):
    X, y = data
    right = gradlab.check_network(TinyNetwork(), X, y)
    text = str(right)
    assert "Welch Labs' metric norm(grad - numgrad) / norm(grad + numgrad) is" in text
    assert right.passed and right.verdict[0] == "correct"
    if right.welch_difference > 1e-8:
        assert "above that only by what the check cannot avoid" in text
    wrong = gradlab.check_network(TinyNetwork(bug=2.0), X, y)
    assert not wrong.passed and wrong.failing == ["theta"] and "Welch Labs' metric" in str(wrong)

import numpy as np
import pytest

from gradlab import models


def numerical_gradients(cost, parameters, eps=1e-6):
    """Centred differences of cost(parameters), one entry at a time."""
    grads = {}
    for key, value in parameters.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in parameters.items()}
            minus = {k: v.copy() for k, v in parameters.items()}
            plus[key][index] += eps
            minus[key][index] -= eps
            grad[index] = (cost(plus) - cost(minus)) / (2 * eps)
        grads[key] = grad
    return grads


def small_problem(layer_dims=(3, 4, 4, 1), m=6, seed=0):
    X, Y = models.make_dataset(layer_dims[0], m, seed=seed)
    parameters = models.initialize_parameters(layer_dims, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for l in range(1, len(layer_dims)):
        parameters[f"b{l}"] = 0.1 * rng.standard_normal(parameters[f"b{l}"].shape)
    return X, Y, parameters


def naive_cost(X, Y, parameters, hidden):
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        A = 1 / (1 + np.exp(-Z)) if l == L else hidden(Z)
    m = X.shape[1]
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m


def test_course_test_case_matches_seed_1_draws():
    X, Y, parameters = models.course_test_case()
    rng = np.random.RandomState(1)
    assert np.array_equal(X, rng.randn(4, 3))
    assert np.array_equal(Y, [1, 1, 0])
    for name, shape in [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)),
                        ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]:
        assert np.array_equal(parameters[name], rng.randn(*shape)), name
    assert list(parameters) == ["W1", "b1", "W2", "b2", "W3", "b3"]


def test_global_random_state_untouched():
    np.random.seed(12345)
    expected = np.random.rand(3)
    np.random.seed(12345)
    X, Y, parameters = models.course_test_case()
    models.forward(X, Y, parameters, keep_prob=0.5)
    models.initialize_parameters((4, 3, 1))
    models.make_dataset()
    assert np.array_equal(np.random.rand(3), expected)


def test_cache_and_gradient_shapes():
    dims = (3, 4, 2, 1)
    X, Y, parameters = small_problem(dims, m=7)
    cost, cache = models.forward(X, Y, parameters, activation="tanh", lambd=0.1,
                                 keep_prob=0.9, seed=1)
    assert isinstance(cost, float)
    assert cache["config"] == models.ForwardConfig("tanh", 0.1, 0.9, dims)
    assert cache["A0"].dtype == np.float64 and np.array_equal(cache["A0"], X)
    for l in range(1, 4):
        for key in ("Z", "A"):
            assert cache[f"{key}{l}"].shape == (dims[l], 7)
        assert cache[f"W{l}"].shape == (dims[l], dims[l - 1])
        assert cache[f"b{l}"].shape == (dims[l], 1)
    assert cache["D1"].shape == (4, 7) and cache["D2"].shape == (2, 7) and "D3" not in cache
    grads = models.backward(X, Y, cache)
    expected = {f"{p}{l}" for l in (1, 2, 3) for p in ("dW", "db", "dZ")} | {"dA1", "dA2"}
    assert set(grads) == expected
    for l in (1, 2, 3):
        assert grads[f"dW{l}"].shape == parameters[f"W{l}"].shape
        assert grads[f"db{l}"].shape == parameters[f"b{l}"].shape


def test_course_gradient_keys_and_no_dropout_masks():
    X, Y, parameters = models.course_test_case()
    cost, cache = models.forward(X, Y, parameters)
    assert not any(key.startswith("D") for key in cache)
    grads = models.backward(X, Y, cache)
    assert set(grads) == {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2",
                          "dA1", "dZ1", "dW1", "db1"}


@pytest.mark.parametrize("activation", models.ACTIVATIONS)
@pytest.mark.parametrize("lambd", [0.0, 0.7])
@pytest.mark.parametrize("dropout", [{}, {"keep_prob": 0.8, "seed": 5}])
def test_backward_matches_finite_differences(activation, lambd, dropout):
    X, Y, parameters = small_problem()
    kwargs = dict(activation=activation, lambd=lambd, **dropout)
    cost, cache = models.forward(X, Y, parameters, **kwargs)
    # The oracle needs every ReLU away from its kink.
    assert min(np.min(np.abs(cache[f"Z{l}"])) for l in (1, 2)) > 1e-4
    grads = models.backward(X, Y, cache)
    numeric = numerical_gradients(
        lambda p: models.forward(X, Y, p, **kwargs)[0], parameters)
    for key, value in numeric.items():
        np.testing.assert_allclose(grads["d" + key], value, rtol=1e-5, atol=1e-8, err_msg=key)


@pytest.mark.parametrize("activation,hidden", [
    ("relu", lambda z: np.maximum(z, 0)), ("tanh", np.tanh),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z)))])
def test_cost_equals_naive_cross_entropy(activation, hidden):
    X, Y, parameters = small_problem()
    cost, _ = models.forward(X, Y, parameters, activation=activation)
    assert cost == pytest.approx(naive_cost(X, Y, parameters, hidden), rel=1e-12)
    l2 = sum(np.sum(parameters[f"W{l}"] ** 2) for l in (1, 2, 3))
    regularised, _ = models.forward(X, Y, parameters, activation=activation, lambd=0.5)
    assert regularised == pytest.approx(cost + 0.5 / (2 * X.shape[1]) * l2, rel=1e-12)


def test_course_cost_and_flat_labels():
    X, Y, parameters = models.course_test_case()
    cost, _ = models.forward(X, Y, parameters)
    assert cost == pytest.approx(naive_cost(X, Y, parameters, lambda z: np.maximum(z, 0)))
    assert models.forward(X, Y.reshape(1, -1), parameters)[0] == cost


def test_activations_are_warning_free_and_right():
    z = np.array([-1e4, -800.0, -1.0, 0.0, 1.0, 800.0, 1e4])
    s = models.sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert models.sigmoid(1.0) == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-15)
    assert np.all(np.isfinite(models.sigmoid_derivative(z)))
    assert models.sigmoid_derivative(0.0) == 0.25
    assert np.array_equal(models.relu(z), np.maximum(z, 0))
    assert np.array_equal(models.relu_derivative(z), [0, 0, 0, 0, 1, 1, 1])
    assert np.array_equal(models.tanh_derivative(np.array([0.0, 1e4])), [1.0, 0.0])
    X, Y, parameters = models.course_test_case()
    huge = {k: v * 1e3 for k, v in parameters.items()}
    cost, _ = models.forward(X, Y, huge, activation="sigmoid")
    assert np.isfinite(cost)


def test_dropout_unseeded_varies_and_seeded_repeats():
    X, Y, parameters = small_problem(m=20)
    costs = {models.forward(X, Y, parameters, keep_prob=0.5)[0] for _ in range(3)}
    assert len(costs) > 1
    first = models.forward(X, Y, parameters, keep_prob=0.5, seed=7)
    second = models.forward(X, Y, parameters, keep_prob=0.5, seed=7)
    assert first[0] == second[0]
    assert np.array_equal(first[1]["D1"], second[1]["D1"])


def test_dropout_disabled_nests_and_restores():
    X, Y, parameters = small_problem(m=20)
    plain = models.forward(X, Y, parameters)[0]
    with models.dropout_disabled():
        with models.dropout_disabled():
            pass
        cost, cache = models.forward(X, Y, parameters, keep_prob=0.5)
        assert cost == plain and cache["config"].keep_prob == 1.0 and "D1" not in cache
        with pytest.raises(ValueError, match="keep_prob"):
            models.forward(X, Y, parameters, keep_prob=0.0)
    with pytest.raises(RuntimeError):
        with models.dropout_disabled():
            raise RuntimeError("boom")
    assert models.forward(X, Y, parameters, keep_prob=0.5, seed=1)[0] != plain


def test_train_lowers_cost_without_mutating_input():
    X, Y = models.make_dataset(m=200, seed=0)
    parameters = models.initialize_parameters((2, 8, 1), seed=0)
    before = {k: v.copy() for k, v in parameters.items()}
    trained, costs = models.train(X, Y, parameters, learning_rate=0.5, num_iterations=300)
    assert len(costs) == 300 and all(isinstance(c, float) for c in costs)
    assert costs[-1] < 0.8 * costs[0]
    assert trained is not parameters
    for key in before:
        assert np.array_equal(parameters[key], before[key])
    accuracy = np.mean(models.predict(X, trained) == Y)
    assert accuracy > 0.75


def test_train_with_dropout_is_reproducible_and_uses_given_backward():
    X, Y = models.make_dataset(m=50, seed=1)
    parameters = models.initialize_parameters((2, 6, 1), seed=1)
    runs = [models.train(X, Y, parameters, num_iterations=5, keep_prob=0.7, seed=3)
            for _ in range(2)]
    assert runs[0][1] == runs[1][1]
    calls = []

    def counting_backward(X, Y, cache):
        calls.append(cache["config"])
        return models.backward(X, Y, cache)

    models.train(X, Y, parameters, num_iterations=4, backward=counting_backward)
    assert len(calls) == 4


def test_predict_gives_zero_one_row():
    X, Y, parameters = models.course_test_case()
    p = models.predict(X, parameters)
    assert p.shape == (1, 3) and set(np.unique(p)) <= {0, 1}


def test_initialize_parameters():
    a = models.initialize_parameters((500, 400, 1), init="he", seed=0)
    assert a["W1"].shape == (400, 500) and a["b1"].shape == (400, 1)
    assert a["W1"].dtype == np.float64 and not a["b1"].any()
    assert np.std(a["W1"]) == pytest.approx(np.sqrt(2 / 500), rel=0.02)
    xavier = models.initialize_parameters((500, 400, 1), init="xavier", seed=0)
    assert np.std(xavier["W1"]) == pytest.approx(np.sqrt(1 / 500), rel=0.02)
    small = models.initialize_parameters((500, 400, 1), init="random", scale=0.01, seed=0)
    assert np.std(small["W1"]) == pytest.approx(0.01, rel=0.02)
    again = models.initialize_parameters((500, 400, 1), init="he", seed=0)
    assert all(np.array_equal(a[k], again[k]) for k in a)


def test_make_dataset():
    X, Y = models.make_dataset(3, 101, seed=4)
    assert X.shape == (3, 101) and Y.shape == (1, 101)
    assert X.dtype == Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0} and abs(Y.sum() - 50) <= 1
    assert np.array_equal(X, models.make_dataset(3, 101, seed=4)[0])


@pytest.mark.parametrize("call,match", [
    (lambda: models.initialize_parameters((3,)), "layer_dims"),
    (lambda: models.initialize_parameters((3, 0, 1)), "layer_dims"),
    (lambda: models.initialize_parameters((3, 2.5, 1)), "layer_dims"),
    (lambda: models.initialize_parameters((3, 1), init="zeros"), "init.*'zeros'"),
])
def test_initialize_rejects_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_forward_rejects_bad_inputs():
    X, Y, parameters = models.course_test_case()
    missing = {k: v for k, v in parameters.items() if k != "W2"}
    with pytest.raises(ValueError, match="W2"):
        models.forward(X, Y, missing)
    gap = dict(parameters, W5=np.ones((1, 1)), b5=np.ones((1, 1)))
    with pytest.raises(ValueError, match="W5"):
        models.forward(X, Y, gap)
    bad_b = dict(parameters, b2=np.zeros(3))
    with pytest.raises(ValueError, match=r"b2.*\(3,\)"):
        models.forward(X, Y, bad_b)
    bad_w = dict(parameters, W2=np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"W2.*\(3, 4\)"):
        models.forward(X, Y, bad_w)
    with pytest.raises(ValueError, match=r"W1.*\(5, 4\)"):
        models.forward(X[:3], Y, parameters)
    for bad_y in (np.array([1, 0]), np.array([[1], [1], [0]])):
        with pytest.raises(ValueError, match=r"Y must have shape \(1, 3\)"):
            models.forward(X, bad_y, parameters)
    for kwargs, name in [({"keep_prob": 0.0}, "keep_prob"), ({"keep_prob": 1.5}, "keep_prob"),
                         ({"activation": "softmax"}, "activation"), ({"lambd": -1.0}, "lambd")]:
        with pytest.raises(ValueError, match=name):
            models.forward(X, Y, parameters, **kwargs)

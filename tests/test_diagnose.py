import numpy as np
import pytest

import gradlab
from gradlab import bugs, course, models


def check(s, **options):
    return gradlab.check_backprop(s.forward, s.backward, s.X, s.Y, s.parameters, **options)


def kinds(report):
    return [d.kind for d in report.diagnoses]


def assert_diagnosed(report, bug, layer_dims, m, every_component=True):
    """The bug's kind is found, on the parameters it affects (a sample may miss some of them)."""
    affected = set(bug.affected(layer_dims))
    found = [d for d in report.diagnoses if d.kind == bug.kind]
    assert found, f"{bug.name}: expected a {bug.kind} diagnosis, got {kinds(report)}"
    if bug.kind in ("scale", "sign", "isolated"):
        assert {d.parameter for d in found} <= affected and found
        if bug.factor(m) is not None:
            assert all(d.factor == pytest.approx(bug.factor(m), rel=1e-4) for d in found)
    elif bug.kind == "layer":
        assert found[0].layer == bug.resolve_layer(layer_dims)
        assert set(found[0].parameters) <= affected  # the failing ones (a sample may miss a parameter's rows)
    elif bug.kind == "regularization":
        assert set(found[0].parameters) == affected
    assert set(report.failing) <= affected
    if every_component:
        assert set(report.failing) == affected
        assert {p for d in found for p in d.parameters} == affected


@pytest.mark.parametrize("name", sorted(bugs.CATALOGUE))
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_every_catalogued_bug_is_diagnosed_with_its_kind(name, activation):
    s = bugs.scenario(name, activation=activation)
    report = check(s)
    assert not report.passed
    assert_diagnosed(report, s.bug, s.layer_dims, s.X.shape[1])
    assert report.worst(1)[0].parameter in s.bug.affected(s.layer_dims)


@pytest.mark.parametrize("name", sorted(bugs.CATALOGUE))
@pytest.mark.parametrize("mode, option", [("sampled", {"samples": 4}), ("directional", {"directions": 3})])
def test_cheap_modes_find_every_bug(name, mode, option):
    s = bugs.scenario(name)
    report = check(s, mode=mode, seed=7, **option)
    assert not report.passed and report.mode == mode
    assert_diagnosed(report, s.bug, s.layer_dims, s.X.shape[1], every_component=False)
    assert report.worst(1)[0].parameter in s.bug.affected(s.layer_dims)


def test_the_course_planted_bugs_read_as_w2_times_2_and_b1_times_4():
    X, Y, parameters = models.course_test_case()
    for forward, backward in ((models.forward, bugs.course_buggy_backward),
                              (course.forward_propagation_n, course.buggy_backward_propagation_n)):
        report = gradlab.check_backprop(forward, backward, X, Y, parameters)
        factors = {d.parameter: d.factor for d in report.diagnoses if d.kind == "scale"}
        assert set(factors) == {"W2", "b1"} and kinds(report) == ["scale", "scale"]
        assert factors["W2"] == pytest.approx(2, rel=1e-6) and factors["b1"] == pytest.approx(4, rel=1e-6)
        messages = {d.parameter: d.message for d in report.diagnoses}
        assert messages["W2"].startswith("dW2 is 2x too large") and messages["b1"].startswith("db1 is 4x too large")


@pytest.mark.parametrize("activation", models.ACTIVATIONS)
@pytest.mark.parametrize("layer_dims", [(3, 4, 1), (4, 5, 3, 1), (3, 6, 5, 4, 1)])
@pytest.mark.parametrize("lambd", [0.0, 0.7])
def test_no_false_alarms_at_init_and_after_training(activation, layer_dims, lambd):
    pair = gradlab.check_at_init_and_after_training(layer_dims, activation=activation, lambd=lambd, steps=100,
                                                    m=16, seed=3, init="xavier" if activation != "relu" else "he")
    assert pair.costs[-1] < pair.costs[0]
    for report in (pair.at_init, pair.after_training):  # even a deep sigmoid net, whose gradients vanish
        assert report.passed and report.diagnoses == [], (report.verdict, kinds(report))
    # and a larger epsilon passes everywhere too
    for parameters in (models.initialize_parameters(layer_dims, seed=3, init="xavier" if activation != "relu" else "he"),):
        X, Y = models.make_dataset(layer_dims[0], 16, seed=3)
        forward = lambda X, Y, p: models.forward(X, Y, p, activation=activation, lambd=lambd)  # noqa: E731
        report = gradlab.check_backprop(forward, models.backward, X, Y, parameters, epsilon=1e-5)
        assert report.passed and report.diagnoses == []


def test_forgotten_l2_gives_the_implied_lambda():
    s = bugs.scenario("forgotten_l2")
    (d,) = check(s).diagnoses
    m = s.X.shape[1]
    assert d.factor == pytest.approx(0.7 / m, rel=1e-5) and "leaves out the L2 term" in d.message


def test_l2_missing_from_the_cost_is_the_other_sign():
    s = bugs.scenario("dW2_times_2")  # any data; the backprop below is correct but for the cost's L2
    def forward_without_l2(X, Y, p):
        return models.forward(X, Y, p, lambd=0.0)
    def backward_with_l2(X, Y, cache):
        _, full = models.forward(X, Y, {k: cache[k] for k in cache if k[0] in "Wb"}, lambd=0.7)
        return models.backward(X, Y, full)
    report = gradlab.check_backprop(forward_without_l2, backward_with_l2, s.X, s.Y, s.parameters)
    (d,) = report.diagnoses
    assert d.kind == "regularization" and "the cost does not" in d.message


def test_dropout_makes_the_check_meaningless_until_it_is_off_or_seeded():
    s = bugs.scenario("dW2_times_2")
    def forward(X, Y, p):
        return models.forward(X, Y, p, keep_prob=0.8)  # a fresh mask at every call
    report = gradlab.check_backprop(forward, models.backward, s.X, s.Y, s.parameters)
    assert not report.meaningful and not report.passed and report.verdict[0] == "meaningless"
    assert kinds(report) == ["nondeterministic"] and "keep_prob = 1.0" in report.diagnoses[0].message
    with models.dropout_disabled():
        assert gradlab.check_backprop(forward, models.backward, s.X, s.Y, s.parameters).passed
    def seeded(X, Y, p):
        return models.forward(X, Y, p, keep_prob=0.8, seed=4)
    report = gradlab.check_backprop(seeded, models.backward, s.X, s.Y, s.parameters)
    assert report.passed and report.diagnoses == []


def relu_net_at_a_kink():
    """A ReLU network with Z1[0, 0] exactly 0: b1[0] cancels W1[0] . x0."""
    X, Y = models.make_dataset(3, 6, seed=2)
    p = models.initialize_parameters((3, 4, 1), seed=2)
    p["W1"][0] = [0.5, -0.25, 0.75]
    X[:, 0] = [1.0, 2.0, 0.5]
    p["b1"][0, 0] = -(0.5 * 1.0 - 0.25 * 2.0 + 0.75 * 0.5)
    return X, Y, p


def test_kinks_are_flagged_and_left_out_of_the_verdict():
    X, Y, p = relu_net_at_a_kink()
    _, cache = models.forward(X, Y, p)
    assert cache["Z1"][0, 0] == 0.0
    report = gradlab.check_backprop(models.forward, models.backward, X, Y, p)
    assert kinds(report) == ["kink", "kink"] and {d.parameter for d in report.diagnoses} == {"W1", "b1"}
    flagged = {report.layout.locate(i) for i in report.components.position[report.components.kink]}
    assert flagged and all(name in ("W1", "b1") and index[0] == 0 for name, index in flagged)
    assert report.passed and report.difference < 2e-7 < report.difference_including_kinks
    assert all((w.parameter, w.index[0]) not in (("W1", 0), ("b1", 0)) for w in report.worst(5))


def test_float32_is_diagnosed_and_the_advice_works():
    X, Y, p = models.course_test_case()
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    X32 = X.astype(np.float32)

    def forward(X, Y, parameters):
        A = X
        for l in (1, 2, 3):
            Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
            A = np.maximum(Z, 0) if l < 3 else 1 / (1 + np.exp(-Z))
        cost = np.mean(-Y * np.log(A) - (1 - Y) * np.log(1 - A))
        return cost.astype(Z.dtype), None

    _, cache = models.forward(X, Y, p)
    grads = models.backward(X, Y, cache)
    report = gradlab.check_backprop(forward, lambda *_: grads, X32, Y, p32)
    assert report.dtype == "float32" and not report.passed and report.outcome == "unresolved"
    assert report.failing == [] and report.unresolved == list(report.layout.names)  # never silently "ok"
    (d,) = [d for d in report.diagnoses if d.kind == "precision"]
    assert "round-off swamps" in d.message and "float64" in d.message
    tol = gradlab.TOLERANCES["float32"]
    loose = gradlab.check_backprop(forward, lambda *_: grads, X32, Y, p32, epsilon=tol.epsilon, threshold=tol.threshold)
    assert loose.passed and [d.kind for d in loose.diagnoses] == ["precision"]


def test_checks_in_a_training_loop_are_called_out_but_separate_calls_are_not():
    s = bugs.scenario("dW2_times_2")
    reports = [gradlab.check_backprop(s.forward, models.backward, s.X, s.Y, s.parameters) for _ in range(6)]
    assert "training-loop" not in kinds(reports[3]) and "training-loop" in kinds(reports[5])

    def once():
        return gradlab.check_backprop(s.forward, models.backward, s.X, s.Y, s.parameters)
    assert all("training-loop" not in kinds(once()) for _ in range(1))
    separate = [once() for _ in range(6)]  # one call per frame: a function called again, not a loop
    assert all(r.diagnoses == [] for r in separate)


def test_checks_that_gradlab_runs_in_its_own_loops_are_not_a_training_loop():
    pairs = [gradlab.check_at_init_and_after_training((3, 4, 1), steps=5, m=8) for _ in range(4)]
    assert all(r.checks_in_a_row == 0 and "training-loop" not in kinds(r)
               for pair in pairs for r in (pair.at_init, pair.after_training))


def test_float16_is_unresolved_at_its_own_epsilon_not_a_false_alarm():
    """float16 parameters and cost at epsilon = 0.1: the error bars are wider than a tenth of the gradient,
    so the check says it cannot judge (with the precision diagnosis) instead of failing a right gradient."""
    X, Y, p = models.course_test_case()
    p16 = {k: v.astype(np.float16) for k, v in p.items()}

    def forward(X, Y, parameters):
        A = X.astype(np.float16)
        for l in (1, 2, 3):
            Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
            A = np.maximum(Z, 0) if l < 3 else 1 / (1 + np.exp(-Z))
        return np.mean(-Y * np.log(A) - (1 - Y) * np.log(1 - A)).astype(np.float16), None

    grads = models.backward(X, Y, models.forward(X, Y, p)[1])
    with np.errstate(all="ignore"):
        report = gradlab.check_backprop(forward, lambda *_: grads, X, Y, p16,
                                        epsilon=gradlab.TOLERANCES["float16"].epsilon)
    assert report.dtype == "float16" and report.failing == [] and report.outcome == "unresolved"
    assert "precision" in kinds(report) and report.relative_resolution > 0.1


KINK_WORDS = ("(a ReLU or max exactly at its corner): the left and right one-sided differences disagree there, "
              "and do not come together as the step shrinks, so no derivative exists. Not a bug")


@pytest.mark.parametrize("mode, option", [("full", {}), ("sampled", {"samples": 20}), ("directional", {})])
def test_kinks_are_set_aside_in_every_mode_with_the_same_words(mode, option):
    X, Y, p = relu_net_at_a_kink()
    report = gradlab.check_backprop(models.forward, models.backward, X, Y, p, mode=mode, **option)
    assert report.failing == [] and not [d for d in report.diagnoses if d.kind in ("isolated", "layer", "scale")]
    found = [d for d in report.diagnoses if d.kind == "kink"]
    assert found and all(KINK_WORDS in " ".join(d.message.split()) for d in found), report.diagnoses
    assert "b1" in {d.parameter for d in found}
    # and a bug elsewhere still fails, named
    wrong = bugs.plant("dW2_times_2", layer_dims=(3, 4, 1))
    report = gradlab.check_backprop(models.forward, wrong, X, Y, p, mode=mode, **option)
    assert report.failing == ["W2"]


def test_a_direction_its_components_deny_is_set_aside(monkeypatch):
    """Should the ladder miss a kink along a direction, a direction that disagrees while every component of its
    parameter agrees (or sits at a kink) cannot be a bug: with a gradient, the sum of the components would be its
    derivative. The report sets it aside, and names no bug."""
    from gradlab import ladder

    read = ladder.read

    def blind_along_directions(measured, rows, row, *args):
        return ladder.Reading(kink=False) if rows.position[row] < 0 else read(measured, rows, row, *args)

    monkeypatch.setattr(ladder, "read", blind_along_directions)
    X, Y, p = relu_net_at_a_kink()
    report = gradlab.check_backprop(models.forward, models.backward, X, Y, p, mode="directional", samples=20)
    assert report.failing == [] and not [d for d in report.diagnoses if d.kind == "isolated"]
    assert any(d.kind == "kink" and d.parameter == "b1" for d in report.diagnoses)

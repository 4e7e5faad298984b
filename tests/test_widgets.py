"""The widgets without a browser: set values, click buttons, and look at the state and the outputs."""
import base64
import collections
import html as html_module
import inspect
import re
import time

import ipywidgets
import numpy as np
import pytest

import gradlab
import gradlab.check
import gradlab.noise
from gradlab import bugs, course, models
from gradlab import widgets as gw
from gradlab.widgets.examples import ExampleFunction


def picture(area):
    """The PNG an Output widget shows (exactly one image)."""
    assert len(area.outputs) == 1 and "gradlab-figure" in area._dom_classes
    data = base64.b64decode(area.outputs[0]["data"]["image/png"])
    assert data[:4] == b"\x89PNG"
    return data


def shows_error(widget, text):
    return (text in widget.error and text in widget.error_area.value
            and widget.error_area.layout.display != "none")


def shows_no_error(widget):
    return widget.error == "" and widget.error_area.layout.display == "none"


# -- epsilon explorer ------------------------------------------------------------------------------------

def test_explorer_opens_on_the_course_example():
    explorer = gw.EpsilonExplorer()
    assert explorer.epsilon_slider.description == "epsilon"
    assert isinstance(explorer.epsilon_slider, ipywidgets.FloatLogSlider)
    assert explorer.estimates == pytest.approx({"one-sided": 3.0301, "two-sided": 3.0001})
    assert explorer.errors == pytest.approx({"one-sided": 0.0301, "two-sided": 0.0001})
    assert explorer.slopes["one-sided"] == pytest.approx(1, abs=0.05)
    assert explorer.slopes["two-sided"] == pytest.approx(2, abs=0.05)
    assert "3.0301" in explorer.numbers.value and "3.0001" in explorer.numbers.value
    assert {"gradlab-widget", "gradlab-epsilon-explorer"} <= set(explorer._dom_classes)
    picture(explorer.figure)
    assert shows_no_error(explorer)


def test_moving_the_epsilon_slider_moves_the_marker_and_the_numbers():
    explorer = gw.EpsilonExplorer()
    before, numbers = picture(explorer.figure), explorer.numbers.value
    explorer.epsilon_slider.value = 1e-5
    assert explorer.epsilon == 1e-5
    assert explorer.errors["two-sided"] < 1e-8 and explorer.errors["one-sided"] == pytest.approx(3e-5, rel=0.01)
    assert picture(explorer.figure) != before and explorer.numbers.value != numbers
    explorer.epsilon = 1e-13  # the trait drives the slider too
    assert explorer.epsilon_slider.value == 1e-13
    assert explorer.errors["two-sided"] > 1e-5  # round-off: the left arm of the V


def test_explorer_precision_function_point_and_toggles():
    explorer = gw.EpsilonExplorer(epsilon=1e-7)
    assert explorer.errors["two-sided"] < 1e-8
    explorer.precision_picker.value = "float32"
    assert explorer.errors["two-sided"] > 0.1  # float32 cannot resolve epsilon = 1e-7
    assert explorer.sweep.best_epsilon("two-sided") > 1e-4
    explorer.method_toggles["complex-step"].value = True
    assert explorer.methods == ("one-sided", "two-sided", "complex-step")
    assert explorer.errors["complex-step"] < 1e-12
    explorer.method_toggles["one-sided"].value = False
    assert explorer.methods == ("two-sided", "complex-step") and "one-sided" not in explorer.errors
    explorer.methods = ("one-sided",)
    assert [t.value for t in explorer.method_toggles.values()] == [True, False, False]
    explorer.function_picker.value = "sin(theta)"
    explorer.point_slider.value = 0.5
    assert explorer.sweep.derivative == pytest.approx(np.cos(0.5))
    assert "sin" in explorer.formula.value


def test_explorer_rejects_unknown_names():
    explorer = gw.EpsilonExplorer()
    with pytest.raises(Exception, match="function must be one of"):
        explorer.function = "cosh"
    with pytest.raises(Exception, match="methods must come from"):
        explorer.methods = ("forward",)


def test_an_error_in_an_explorer_callback_shows_in_the_widget_and_clears():
    def broken(theta):
        raise ArithmeticError("this function cannot be evaluated")

    functions = dict(gw.EXAMPLE_FUNCTIONS, broken=ExampleFunction(broken, lambda t: 1.0, "broken"))
    explorer = gw.EpsilonExplorer(functions=functions)
    explorer.function_picker.value = "broken"
    assert shows_error(explorer, "ArithmeticError: this function cannot be evaluated")
    explorer.epsilon_slider.value = 1e-4  # still broken: the error stays on show
    assert shows_error(explorer, "cannot be evaluated")
    explorer.function_picker.value = "theta^3"
    assert shows_no_error(explorer) and explorer.errors["two-sided"] < 1e-7


# -- parameter vector ------------------------------------------------------------------------------------

def test_parameter_vector_maps_positions_both_ways():
    parameters = course.course_test_case()[2]
    view = gw.ParameterVectorView(parameters, position=17)
    assert (view.parameter, view.index) == ("W1", (4, 1))
    assert "W1[4, 1]" in view.about.value and view.value == parameters["W1"][4, 1]
    before = picture(view.figure)
    view.position_slider.value = 33
    assert (view.parameter, view.index) == ("W2", (1, 3))
    assert view.parameter_picker.value == "W2" and [b.value for b in view.index_boxes] == [1, 3]
    assert "25 + 1 &times; 5 + 3 = 33" in view.about.value and picture(view.figure) != before
    view.parameter_picker.value = "b2"
    assert view.position == 40 and view.index == (0, 0)
    view.index_boxes[0].value = 2
    assert view.position == 42 and view.position_slider.value == 42
    view.parameter = "W3"
    view.index = (0, 2)
    assert view.position == 45
    assert shows_no_error(view)


def test_parameter_vector_shows_a_bad_index_in_the_widget():
    view = gw.ParameterVectorView(parameter_layout=gradlab.dictionary_to_vector(course.course_test_case()[2])[1])
    assert view.value is None
    view.index = (7, 0)  # W1 has 5 rows
    assert view.error and view.error_area.layout.display != "none"
    view.position = 3
    assert shows_no_error(view) and view.index == (0, 3)
    with pytest.raises(TypeError):
        gw.ParameterVectorView()


# -- check panel -----------------------------------------------------------------------------------------

@pytest.fixture
def course_panel():
    X, Y, parameters = course.course_test_case()
    return gw.CheckPanel(forward=course.forward_propagation_n, backward=course.buggy_backward_propagation_n,
                         X=X, Y=Y, parameters=parameters, title="course")


def test_check_panel_runs_when_run_check_is_clicked(course_panel):
    panel = course_panel
    assert panel.run_button.description == "Run check" and "gradlab-run-check" in panel.run_button._dom_classes
    assert panel.report is None and "Run check" in panel.report_view.value and panel.heatmaps.outputs == ()
    panel.run_button.click()
    report = panel.report
    assert panel.runs == 1 and report.failing == ["b1", "W2"]
    assert report.difference == pytest.approx(0.2850931567761623)
    assert "FAILED" in panel.report_view.value and "dW2 is 2x too large" in panel.report_view.value
    assert "FAILED" in panel.status.value
    first = picture(panel.heatmaps)
    panel.mode_picker.value = "sampled"
    assert "press Run check again" in panel.status.value
    panel.run_button.click()
    assert panel.runs == 2 and panel.report.mode == "sampled" and picture(panel.heatmaps) != first
    assert shows_no_error(panel)


def test_check_panel_epsilon_choices(course_panel):
    panel = course_panel
    panel.epsilon_picker.value = 1e-3
    panel.run()
    assert panel.report.epsilon == 1e-3
    panel.epsilon = 2e-6  # a value that is not in the menu joins it
    assert 2e-6 in [value for _, value in panel.epsilon_picker.options] and panel.epsilon_picker.value == 2e-6


def test_check_panel_on_a_cost_and_gradients():
    panel = gw.CheckPanel(cost=lambda t: t ** 3, parameters=1.0, gradients=3.0, run=True)
    assert panel.report.passed and panel.report.layout.names == ("theta",)
    b = np.arange(6.0).reshape(2, 3)
    panel = gw.CheckPanel(cost=lambda p: float(np.sum(p["b"] ** 2)), parameters={"b": b}, gradients={"db": 3 * b})
    panel.run()
    assert not panel.report.passed and panel.report.diagnoses[0].kind == "scale"


def test_check_panel_on_the_bug_catalogue():
    panel = gw.CheckPanel(bugs=["dW2_times_2", "forgotten_l2"])
    assert panel.bug == "dW2_times_2" and panel.bug_picker.value == "dW2_times_2"
    panel.run_button.click()
    assert panel.report.failing == ["W2"]
    panel.bug_picker.value = "forgotten_l2"
    panel.run_button.click()
    assert [d.kind for d in panel.report.diagnoses] == ["regularization"]
    with pytest.raises(Exception, match="bug must be one of"):
        panel.bug = "flipped_sign"
    single = gw.CheckPanel(bug="flipped_sign", run=True)
    assert {d.kind for d in single.report.diagnoses} == {"sign"}


def test_check_panel_table_is_never_below_its_worst_components_in_any_mode(course_panel):
    """The table's gap / error bar is each parameter's largest: no worst component may read higher."""
    for mode in ("full", "sampled", "directional"):
        course_panel.mode_picker.value = mode
        course_panel.run_button.click()
        shown = html_module.unescape(course_panel.report_view.value)
        table = dict(re.findall(r'<tr class="\w+"><td>(\w+)</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>', shown))
        worst = re.findall(r"<li>(\w+)\[[^]]*\]: analytic [^<]*\((\S+) x its error bar\)</li>", shown)
        assert worst and set(table) == set(course_panel.report.layout.names), shown
        for name, times in worst:
            assert float(times) <= float(table[name]), f"{mode}: {name} reads {table[name]} in the table, {times} below"


def test_check_panel_shows_a_failing_check_in_the_widget():
    panel = gw.CheckPanel(cost=lambda p: float(np.sum(p["W"] ** 2)), parameters={"W": np.ones((2, 2))},
                          gradients={"dW": np.ones((2, 3))})
    panel.run_button.click()  # must not raise: the error goes into the widget
    assert shows_error(panel, "ValueError: dW has shape (2, 3), W has shape (2, 2)")
    assert panel.report is None and "could not run" in panel.status.value


def test_check_panel_arguments_are_checked():
    with pytest.raises(TypeError, match="exactly one"):
        gw.CheckPanel()
    with pytest.raises(TypeError, match="exactly one"):
        gw.CheckPanel(cost=abs, parameters=1.0, gradients=1.0, bug="dW2_times_2")
    with pytest.raises(TypeError, match="needs forward, backward"):
        gw.CheckPanel(forward=models.forward, backward=models.backward)
    with pytest.raises(ValueError, match="unknown bug"):
        gw.CheckPanel(bug="no_such_bug")


# -- the tips --------------------------------------------------------------------------------------------

def test_check_cost_demo_measures_growing_networks():
    demo = gw.CheckCostDemo(widths=(4, 16, 32), m=16)
    sizes = [row["n"] for row in demo.rows]
    assert sizes == sorted(sizes) and sizes[0] == 4 * 4 + 4 + 4 * 4 + 4 + 4 + 1
    fixed = gradlab.check.PROBE_CALLS + gradlab.noise.noise_calls(6)  # W1, b1, W2, b2, W3, b3
    assert all(row["calls"]["full"] == 2 * row["n"] + fixed for row in demo.rows)
    assert all(row["seconds"]["full"] > row["seconds"]["sampled"] for row in demo.rows[1:])
    before = demo.numbers.value
    demo.network_slider.value = 32
    assert demo.width == 32 and demo.numbers.value != before and f"{sizes[-1]:,}" in demo.numbers.value
    picture(demo.figure)


class ScriptedClock:
    """time.perf_counter as a script: each forward pass takes `busy` seconds for its first `slow` calls of each
    network (a burst of load) and `quiet` after them; each backward pass takes `backward`. No real time is read."""

    def __init__(self, monkeypatch, slow, busy=10e-3, quiet=0.2e-3, backward=0.3e-3):
        self.now, self.calls, self.slow, self.busy, self.quiet = 0.0, {}, slow, busy, quiet
        forward, backward_pass = models.forward, models.backward

        def timed_forward(X, Y, parameters, **options):
            result = forward(X, Y, parameters, **options)
            shape = parameters["W1"].shape
            self.calls[shape] = self.calls.get(shape, 0) + 1
            self.now += self.busy if self.calls[shape] <= self.slow else self.quiet
            return result

        def timed_backward(X, Y, cache, **options):
            result = backward_pass(X, Y, cache, **options)
            self.now += backward
            return result

        monkeypatch.setattr(time, "perf_counter", lambda: self.now)
        monkeypatch.setattr(models, "forward", timed_forward)
        monkeypatch.setattr(models, "backward", timed_backward)


def test_a_busy_machine_cannot_make_a_cost_call_slower_than_a_backprop_pass(monkeypatch):
    ScriptedClock(monkeypatch, slow=6)  # a burst of load over each network's first six forward passes
    demo = gw.CheckCostDemo(widths=(4, 16), m=16)
    for row in demo.rows:
        assert row["per_call"] <= row["backprop"], (row["dims"], row["per_call"], row["backprop"])
        assert row["seconds"]["full"] == row["calls"]["full"] * row["per_call"]
    assert "This machine was busy" in demo.numbers.value and "rough" in demo.numbers.value


def test_a_quiet_machine_is_not_called_busy(monkeypatch):
    ScriptedClock(monkeypatch, slow=0)
    demo = gw.CheckCostDemo(widths=(4, 16), m=16)
    assert all(row["per_call"] < row["backprop"] for row in demo.rows)
    assert "busy" not in demo.numbers.value and "fastest of" in demo.numbers.value


def test_regularization_demo():
    demo = gw.RegularizationDemo(lambd=0.7)
    assert demo.report.passed and "lambd = 0.7" in demo.report_view.value
    demo.l2_checkbox.value = False
    assert not demo.report.passed and [d.kind for d in demo.report.diagnoses] == ["regularization"]
    assert set(demo.report.failing) == {"W1", "W2", "W3"}
    demo.lambd_slider.value = 0.0
    assert demo.report.passed  # no L2 term in the cost: nothing to forget
    demo.lambd = 1.5
    assert not demo.report.passed and demo.lambd_slider.value == 1.5


def test_dropout_demo():
    demo = gw.DropoutDemo(keep_prob=0.8)
    assert not demo.report.meaningful and demo.report.diagnoses[0].kind == "nondeterministic"
    assert max(demo.costs) > min(demo.costs)
    before = picture(demo.figure)
    demo.mask_picker.value = True
    assert demo.report.passed and max(demo.costs) == min(demo.costs) and picture(demo.figure) != before
    demo.fixed_mask = False
    demo.keep_prob_slider.value = 1.0
    assert demo.report.passed and max(demo.costs) == min(demo.costs)
    assert shows_no_error(demo)


def test_the_dropout_demo_gives_each_word_one_number():
    """The figure's title and the report speak of different sets of calls: they must not call two different
    numbers by one name (the title's spread of 20 calls, the diagnosis's spread of the check's own calls)."""
    demo = gw.DropoutDemo(keep_prob=0.8)
    title = demo._drawing.fig.gradlab_markers[1].get_text()
    text = title + " " + re.sub(r"<[^>]+>", " ", html_module.unescape(demo.report_view.value))
    named = collections.defaultdict(set)
    for word, number in re.findall(r"\b(spread|range|apart)\b\D{0,30}?(\d[\d.e+-]*\d|\d)", text):
        named[word].add(float(number))
    assert named and all(len(numbers) == 1 for numbers in named.values()), dict(named)


def test_every_mark_in_a_report_table_is_explained():
    """The table's bar column has a heading and a key; a row without an error bar (a random cost) has no bar
    and no mark, and a key line says what its dash means."""
    random_cost = gw.DropoutDemo(keep_prob=0.8).report_view.value
    rows = re.findall(r'<tr class="\w+">(.*?)</tr>', random_cost)
    assert rows and not any('class="edge"' in row or 'class="bar"' in row for row in rows)
    assert "A dash: no error bar" in random_cost and "dashed mark" not in random_cost
    X, Y, parameters = course.course_test_case()
    report = gradlab.check_backprop(course.forward_propagation_n, course.backward_propagation_n, X, Y, parameters)
    table = report._repr_html_()
    headings = re.findall(r"<th>([^<]*)</th>", table)
    assert len(headings) == len(re.findall(r'<td>', re.search(r'<tr class="\w+">(.*?)</tr>', table).group(1)))
    assert all(heading.strip() for heading in headings), headings
    assert table.count('class="edge"') == len(report.layout.names) and "the dashed mark is the error bar" in table


@pytest.fixture(scope="module")
def training_demo():
    return gw.TrainingDemo(steps=150)


def test_training_demo_a_bug_near_zero_passes_at_init_and_fails_after_training(training_demo):
    demo = training_demo
    buggy, right = "tanh' taken as 1", "correct tanh'"
    assert demo.backprop == buggy and demo.steps == 150
    assert demo.result.at_init.passed and not demo.result.after_training.passed
    assert demo.results[(right, 150)].after_training.passed and demo.results[(right, 200)].after_training.passed
    assert "passed" in demo.report_view.value and "FAILED" in demo.report_view.value
    assert all(d.kind != "training-loop" for r in demo.results.values() for d in r.after_training.diagnoses)
    before = picture(demo.figure)
    demo.steps_slider.value = 0
    assert demo.result.after_training.passed and picture(demo.figure) != before
    demo.backprop_picker.value = right
    assert demo.backprop == right and "correct tanh" in demo.report_view.value
    with pytest.raises(ValueError):
        gw.TrainingDemo(steps=7)


# -- find the bug ----------------------------------------------------------------------------------------

def test_find_the_bug_judges_guesses():
    game = gw.FindTheBug(seed=0)
    answer = game.answer
    assert answer in bugs.CATALOGUE and game.panel.report is not None and game.panel.bug == answer
    assert game.panel.bug_picker.layout.display == "none"  # the menu would give the answer away
    assert game.submit_button.description == "Submit answer"
    game.submit_button.click()
    assert "Pick a bug" in game.feedback.value and game.attempts == 0
    wrong = next(n for n in bugs.CATALOGUE if bugs.get(n).kind != bugs.get(answer).kind)
    game.guess_picker.value = wrong
    game.submit_button.click()
    assert "Not this one" in game.feedback.value and not game.solved and game.attempts == 1
    game.guess_picker.value = answer
    game.submit_button.click()
    assert "Right!" in game.feedback.value and game.solved and game.score == 0  # not at the first guess
    game.next_button.click()
    assert game.round == 1 and game.answer != answer and game.guess is None and not game.solved
    game.guess = game.answer
    game.submit()
    assert game.solved and game.score == 1
    game.reveal_button.click()
    assert "The answer:" in game.feedback.value and bugs.get(game.answer).code(game.panel.scenario.layer_dims) in game.feedback.value.replace(
        "&#x27;", "'")
    assert shows_no_error(game)


def test_find_the_bug_accepts_a_bug_with_the_same_trace():
    game = gw.FindTheBug(names=["activation_derivative_dropped", "activation_value_as_derivative"])
    other = next(n for n in game.order if n != game.answer)
    game.guess = other
    game.submit()
    assert game.solved and "Right in effect" in game.feedback.value


def test_find_the_bug_is_seeded():
    assert gw.FindTheBug(seed=3).order == gw.FindTheBug(seed=3).order


# -- quiz ------------------------------------------------------------------------------------------------

def test_quiz_gives_immediate_feedback():
    quiz = gw.Quiz([gw.Question("2 + 2?", ["3", "4"], answer=1, explanation="Count."),
                    {"prompt": "Shape of theta?", "choices": ["(n, 1)", "(1, n)"], "answer": 0}])
    assert quiz.score == 0 and quiz.answers == [None, None] and "0 of 2 right" in quiz.tally.value
    quiz.choose(0, 1)
    assert "Right." in quiz.feedback[0].value and "Count." in quiz.feedback[0].value and quiz.score == 1
    quiz.choose(1, 0)
    assert quiz.score == 2 and "2 of 2 right at the first try." in quiz.tally.value and quiz.feedback[1].value


def test_a_wrong_choice_asks_for_another_try_without_giving_the_answer():
    question = gw.Question("2 + 2?", ["3", "4", "5"], answer=1, explanation="Count the fingers.",
                           why_not=["One short.", "", "One too many."])
    quiz = gw.Quiz([question, gw.Question("1 + 1?", ["2", "11"], answer=0)])
    quiz.choose(0, 0)
    told = quiz.feedback[0].value
    assert "Not quite" in told and "One short." in told and "Try another answer" in told
    assert "4" not in told and "Count the fingers" not in told and "gradlab-wrong" in told
    quiz.choose(0, 2)
    assert "One too many." in quiz.feedback[0].value and "4" not in quiz.feedback[0].value
    quiz.choose(0, 1)  # found on the third try: right, explained, and not scored as a first-try answer
    assert "Right." in quiz.feedback[0].value and "Count the fingers." in quiz.feedback[0].value
    assert quiz.score == 0 and quiz.tries == [3, 0]
    assert "0 of 2 right at the first try; 1 more found on a later try (1 answered)." in quiz.tally.value
    quiz.choose(1, 1)  # without a why_not: still no answer given
    assert "Try another answer" in quiz.feedback[1].value and ">2<" not in quiz.feedback[1].value
    quiz.choose(1, 0)
    assert quiz.score == 0 and "0 of 2 right at the first try; 2 more found on a later try." in quiz.tally.value


def test_a_first_right_answer_counts_even_after_a_change_of_mind():
    quiz = gw.Quiz([gw.Question("2 + 2?", ["3", "4"], answer=1)])
    quiz.choose(0, 1)
    quiz.choose(0, 0)
    assert quiz.score == 1 and "Not quite" in quiz.feedback[0].value


# What gives an option away: it is the longest and most specific, it echoes the prompt's words, or the answer
# sits at the same place question after question.
FUNCTION_WORDS = set("the and for with that this what does from into its are was you your not how why which where "
                     "when there then than about some".split())


def content_words(text):
    return {w for w in re.findall(r"\w+", text.lower())
            if w not in FUNCTION_WORDS and (len(w) >= 3 or any(c.isdigit() for c in w))}


BANK = [(lesson, q) for lesson, questions in gw.quiz_bank.QUESTIONS.items() for q in questions]


@pytest.mark.parametrize("lesson, question", BANK, ids=lambda v: str(v) if isinstance(v, int) else v.prompt[:30])
def test_no_quiz_option_gives_itself_away(lesson, question):
    right = question.choices[question.answer]
    wrong = [c for k, c in enumerate(question.choices) if k != question.answer]
    assert len(right) <= 1.5 * max(len(c) for c in wrong), f"the answer is by far the longest: {right!r}"
    echoed = content_words(right) & content_words(question.prompt)
    assert len(echoed) <= max(len(content_words(c) & content_words(question.prompt)) for c in wrong), (
        f"the answer repeats the question's {sorted(echoed)} more than any other option does")
    assert len(question.why_not) == len(question.choices) and all(
        question.why_not[k] for k in range(len(question.choices)) if k != question.answer), "a wrong choice without a why"
    for reason in question.why_not:  # a number is named by itself, not inside another: "100" not by "1000" or "0.100"
        assert not re.search(rf"(?<![\d.]){re.escape(right)}(?!\.?\d)", reason), f"a why_not names the answer {right!r}"


def test_the_answers_are_neither_the_longest_nor_in_one_place_across_the_bank():
    longest = [q.prompt for _, q in BANK
               if len(q.choices[q.answer]) > max(len(c) for k, c in enumerate(q.choices) if k != q.answer)]
    chance = sum(1 / len(q.choices) for _, q in BANK)
    assert len(longest) <= chance, f"the answer is the longest option in {len(longest)} of {len(BANK)} questions"
    places = collections.Counter(q.answer for _, q in BANK)
    assert max(places.values()) <= len(BANK) / 2, f"answers by position: {dict(places)}"


def test_questions_are_validated():
    with pytest.raises(ValueError, match="answer must index"):
        gw.Question("?", ["a", "b"], answer=2)
    with pytest.raises(ValueError, match="two choices"):
        gw.Question("?", ["a"], answer=0)
    with pytest.raises(ValueError, match="at least one question"):
        gw.Quiz([])
    with pytest.raises(ValueError, match="one entry per choice"):
        gw.Question("?", ["a", "b"], answer=0, why_not=["no"])


# -- conventions -----------------------------------------------------------------------------------------

WIDGETS = [gw.EpsilonExplorer, gw.ParameterVectorView, gw.CheckPanel, gw.CheckCostDemo, gw.RegularizationDemo,
           gw.DropoutDemo, gw.TrainingDemo, gw.FindTheBug, gw.Quiz]


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_no_widget_is_a_default_argument(cls):
    for parameter in inspect.signature(cls.__init__).parameters.values():
        assert not isinstance(parameter.default, ipywidgets.Widget), parameter.name


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_every_widget_has_an_error_area_and_a_css_class(cls):
    assert issubclass(cls, gw.GradlabWidget) and cls.css_class.startswith("gradlab-")
    assert cls.css_class != gw.GradlabWidget.css_class


def test_report_numbers_are_the_libraries():
    X, Y, parameters = course.course_test_case()
    panel = gw.CheckPanel(forward=course.forward_propagation_n, backward=course.backward_propagation_n, X=X, Y=Y,
                          parameters=parameters, run=True)
    direct = gradlab.check_backprop(course.forward_propagation_n, course.backward_propagation_n, X, Y, parameters)
    assert panel.report.difference == direct.difference == course.gradient_check_n(
        parameters, course.backward_propagation_n(X, Y, course.forward_propagation_n(X, Y, parameters)[1]), X, Y)


def test_find_the_bug_shows_the_numbers_first_and_the_diagnoses_as_a_hint():
    game = gw.FindTheBug(seed=1)
    assert game.guess_picker.options[0] == (gw.find_the_bug.PICK_ONE, "") and game.guess_picker.value == ""
    report = game.panel.report
    assert report.diagnoses and "Diagnoses" not in game.panel.report_view.value
    assert all(d.message not in game.panel.report_view.value for d in report.diagnoses)
    assert "Worst components" in game.panel.report_view.value and picture(game.panel.heatmaps)
    assert game.hint.value == "" and not game.hinted
    game.hint_button.click()
    assert game.hinted and game.hint_button.disabled
    assert html_module.escape(report.diagnoses[0].message) in game.hint.value
    game.guess_picker.value = game.answer
    assert game.guess == game.answer
    game.submit_button.click()
    assert game.solved and game.score == 1 and game.hinted_score == 1
    assert "(with a hint)" in game.feedback.value and "1 with a hint" in game.scoreboard.value
    game.next_button.click()
    assert not game.hinted and game.hint.value == "" and not game.hint_button.disabled
    assert game.guess is None and game.guess_picker.value == ""
    game.guess = game.answer
    game.submit()
    assert game.score == 2 and game.hinted_score == 1
    assert "Score:</b> 2 of 2 rounds solved: 2 at the first guess, 1 with a hint." in game.scoreboard.value


def test_find_the_bug_counts_a_round_solved_with_a_hint_after_a_wrong_guess():
    game = gw.FindTheBug(seed=1)
    game.guess = game.answer
    game.submit()  # round 1: at the first guess, no hint
    game.next_bug()
    game.hint_button.click()
    game.guess = next(n for n in bugs.CATALOGUE if bugs.get(n).kind != bugs.get(game.answer).kind)
    game.submit()
    game.guess = game.answer
    game.submit()  # round 2: with the hint, at the second guess
    assert "none with a hint" not in game.scoreboard.value
    assert (game.solved_rounds, game.score, game.hinted_rounds, game.hinted_score) == (2, 1, 1, 0)
    assert "Score:</b> 2 of 2 rounds solved: 1 at the first guess, 1 with a hint." in game.scoreboard.value


def test_lesson_quizzes_come_from_the_library():
    quiz = gw.lesson_quiz(3)
    assert isinstance(quiz, gw.Quiz) and len(quiz.questions) >= 4
    assert all(feedback.value == "" for feedback in quiz.feedback)  # nothing told before an answer
    with pytest.raises(ValueError, match="no quiz for lesson 9"):
        gw.lesson_quiz(9)

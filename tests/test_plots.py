"""gradlab.plots: figures built without pyplot, markers that move, numbers that are the report's own."""
import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import gradlab
from gradlab import bugs, course, models, plots
from gradlab.widgets.base import MarkedFigure


def image(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.fixture(scope="module")
def buggy_report():
    X, Y, parameters = course.course_test_case()
    return gradlab.check_backprop(course.forward_propagation_n, course.buggy_backward_propagation_n, X, Y,
                                  parameters)


@pytest.fixture(scope="module")
def sweep():
    return gradlab.epsilon_sweep(lambda t: t ** 3, 1.0, 3.0, methods=("one-sided", "two-sided", "complex-step"))


def test_plots_never_use_pyplot():
    script = ("import sys, gradlab, gradlab.widgets\nfrom gradlab import plots, models\n"
              "s = gradlab.epsilon_sweep(lambda t: t ** 3, 1.0, 3.0)\nplots.png(plots.error_curves(s, 1e-2))\n"
              "X, Y, p = models.course_test_case()\n"
              "r = gradlab.check_backprop(models.forward, models.backward, X, Y, p)\n"
              "plots.png(plots.component_heatmaps(r))\n"
              "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n")
    subprocess.run([sys.executable, "-W", "error", "-c", script], check=True)


def test_png_is_a_small_image(sweep):
    picture = image(plots.png(plots.error_curves(sweep, 1e-2)))
    height, width, _ = picture.shape
    assert 200 <= width <= 600 and 150 <= height <= 400  # small: widgets redraw it on every interaction


def test_error_curves_mark_epsilon_and_one_dot_per_method(sweep):
    fig = plots.error_curves(sweep, 1e-2, title="theta^3")
    line, dots = fig.gradlab_line, fig.gradlab_dots
    assert fig.gradlab_methods == ["one-sided", "two-sided", "complex-step"]
    assert list(line.get_xdata()) == [1e-2, 1e-2] and fig.gradlab_title.get_text() == "theta^3"
    plots.mark_epsilon(fig, 1e-5, {"one-sided": 3e-5, "two-sided": 1e-10, "complex-step": 0.0})
    assert list(line.get_xdata()) == [1e-5, 1e-5]
    assert [d.get_ydata()[0] for d in dots.values()] == [3e-5, 1e-10, plots.ERROR_FLOOR]  # 0 stays on the axis
    assert all(artist in fig.gradlab_markers for artist in (line, *dots.values(), fig.gradlab_title))


def test_error_curves_without_epsilon_hides_the_marker(sweep):
    fig = plots.error_curves(sweep, methods=["two-sided"])
    assert not fig.gradlab_line.get_visible() and fig.gradlab_methods == ["two-sided"]
    assert [c.get_visible() for c in fig.gradlab_curves.values()] == [False, True, False]
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["two-sided"]


def test_show_sweep_changes_curves_and_legend(sweep):
    fig = plots.error_curves(sweep, 1e-2, methods=["one-sided"])
    other = gradlab.epsilon_sweep(np.sin, 0.5, np.cos(0.5), methods=("two-sided", "complex-step"))
    plots.show_sweep(fig, other, title="sin")
    assert fig.gradlab_methods == ["two-sided", "complex-step"] and fig.gradlab_title.get_text() == "sin"
    assert np.array_equal(fig.gradlab_curves["two-sided"].get_ydata(),
                          np.maximum(other.errors["two-sided"], plots.ERROR_FLOOR))
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["two-sided", "complex-step"]


def test_marked_figure_redraws_only_the_markers(sweep):
    fig = plots.error_curves(sweep, 1e-2)
    drawing = MarkedFigure(fig)
    first = image(drawing.png())
    plots.mark_epsilon(fig, 1e-9, {m: 1e-9 for m in fig.gradlab_methods})
    second = image(drawing.png())
    assert first.shape == second.shape and not np.array_equal(first, second)
    plots.mark_epsilon(fig, 1e-2, {m: plots.curves._interpolated(sweep, m, 1e-2) for m in fig.gradlab_methods})
    assert np.array_equal(image(drawing.png()), first)  # the background is restored, not drawn over
    plots.show_sweep(fig, sweep, ["two-sided"])
    assert not np.array_equal(image(drawing.png()), first)
    plots.show_sweep(fig, sweep)
    assert np.array_equal(image(drawing.png()), first)


def test_plain_tick_labels():
    assert [plots.figure._plain_power(v) for v in (1e-8, 1e-16, 1.0, 100.0, 5e-3)] == ["1e-8", "1e-16", "1", "1e2",
                                                                                "5e-3"]


def test_parameter_strip_points_at_a_position():
    _, layout = gradlab.dictionary_to_vector(course.course_test_case()[2])
    fig = plots.parameter_strip(layout, 17)
    arrow, caption = fig.gradlab_markers
    assert caption.get_text() == "theta[17] = W1[4, 1]" and arrow.xy == (17.5, 0.5)
    plots.mark_position(fig, None)
    assert not arrow.get_visible() and not caption.get_visible()
    image(plots.png(fig))


def drawn_extents(fig, texts):
    """The window extents of visible texts, once the figure is drawn (as a widget draws it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("parameters", [course.course_test_case()[2],
                                        models.initialize_parameters((4, 5, 5, 3, 1), init="he", seed=0),
                                        {"W": np.zeros((30, 30)), "b": np.zeros((1, 1)), "c": np.zeros((1, 1))}],
                         ids=["course", "game", "two-small-blocks"])
def test_parameter_strip_names_every_parameter_and_its_caption_stays_in_the_figure(parameters):
    _, layout = gradlab.dictionary_to_vector(parameters)
    fig = plots.parameter_strip(layout, 0)
    arrow, caption = fig.gradlab_markers
    labels = [t for t in fig.axes[0].texts if t not in (arrow, caption)]
    named = [t.get_text().split("\n")[0] for t in labels]
    assert sorted(named) == sorted(layout.names), named
    boxes = drawn_extents(fig, labels)
    assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:]), "two names overlap"
    assert all(fig.bbox.x0 <= b.x0 and b.x1 <= fig.bbox.x1 and fig.bbox.y0 <= b.y0 and b.y1 <= fig.bbox.y1
               for b in boxes), "a name is cut off"
    ends = {position for name in layout.names for position in (layout.slice(name).start, layout.slice(name).stop - 1)}
    for position in sorted(ends):  # each parameter's first and last entry: theta's ends among them
        plots.mark_position(fig, position)
        (box,) = drawn_extents(fig, [caption])
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, f"the caption at {position} is cut off"
    image(plots.png(fig))


def test_component_errors_are_the_reports_own(buggy_report):
    grids = plots.component_errors(buggy_report)
    assert {name: grid.shape for name, grid in grids.items()} == dict(zip(buggy_report.layout.names,
                                                                          buggy_report.layout.shapes))
    nonzero = grids["W2"][grids["W2"] > 0]
    assert nonzero.size and np.allclose(nonzero, 1 / 3, rtol=1e-5)  # dW2 doubled: |2g - g| / (|2g| + |g|)
    assert np.allclose(grids["b1"][grids["b1"] > 0], 3 / 5, rtol=1e-5)  # db1 four times too large
    assert np.nanmax(grids["W3"]) < 1e-6
    worst = buggy_report.worst(1)[0]
    assert grids[worst.parameter][worst.index] == worst.relative_error


def test_component_errors_leave_unmeasured_components_out():
    X, Y, parameters = course.course_test_case()
    report = gradlab.check_backprop(course.forward_propagation_n, course.backward_propagation_n, X, Y, parameters,
                                    mode="sampled", samples=2)
    grids = plots.component_errors(report)
    assert all(np.sum(~np.isnan(grid)) == min(2, grid.size) for grid in grids.values())


def test_heatmaps_draw_the_decision_gap_over_error_bar(buggy_report):
    fig = plots.component_heatmaps(buggy_report)
    images = fig.gradlab_markers
    assert len(images) == len(buggy_report.layout.names)
    assert [im.get_array().shape for im in images] == [s for s in buggy_report.layout.shapes]
    ratios = plots.component_ratios(buggy_report)
    for name, im in zip(buggy_report.layout.names, images):
        shown = im.get_array()
        # red (above 0 on the log scale, i.e. above the error bar) exactly where the report says FAIL
        assert (shown.max() > 0) == (buggy_report.status(name) == "FAIL"), name
        assert np.allclose(shown, np.log10(np.clip(ratios[name], *plots.RATIO_LIMITS)))
    X, Y, parameters = course.course_test_case()
    fixed = gradlab.check_backprop(course.forward_propagation_n, course.backward_propagation_n, X, Y, parameters)
    plots.fill_heatmaps(fig, fixed)
    assert all(im.get_array().max() < 0 for im in images)  # the course's correct solution: all within
    image(plots.png(fig))


def test_heatmaps_of_a_single_number():
    report = gradlab.gradient_check(lambda t: t ** 3, 2.0, 12.0)
    fig = plots.component_heatmaps(report)
    assert fig.gradlab_markers[0].get_array().shape == (1, 1)


def test_tip_figures():
    fig = plots.check_cost_growth([10, 100, 1000], {"full check": [0.01, 0.1, 1.0], "backprop": [1e-4] * 3},
                                  highlight=1)
    assert list(fig.gradlab_markers[0].get_xdata()) == [100, 100]
    plots.mark_x(fig, 1000)
    assert list(fig.gradlab_markers[0].get_xdata()) == [1000, 1000]
    costs = plots.repeated_costs([0.5, 0.6, 0.55], limits=(0, 1))
    line, caption = costs.gradlab_markers
    plots.mark_costs(costs, [0.7, 0.7, 0.7])
    assert list(line.get_ydata()) == [0.7] * 3 and caption.get_text().endswith("(a range of 0)")
    training = plots.ratio_over_training([0, 50, 100], {"correct": [0.1, 0.2, 0.0], "buggy": [0.5, 30, 1e4]},
                                         current=50)
    assert all(float(t).is_integer() for t in training.axes[0].get_xticks())  # steps are counts
    assert list(training.gradlab_markers[0].get_xdata()) == [50, 50]
    for fig in (fig, costs, training):
        image(plots.png(fig))


def test_a_flat_cost_still_gets_a_visible_range():
    fig = plots.repeated_costs([0.69] * 5)
    low, high = fig.axes[0].get_ylim()
    assert low < 0.69 < high


def test_error_curves_of_the_models_network_run_without_warnings():
    X, Y, parameters = models.course_test_case()
    report = gradlab.check_backprop(models.forward, bugs.course_buggy_backward, X, Y, parameters)
    image(plots.png(plots.component_heatmaps(report, low=1e-3, high=1e3)))

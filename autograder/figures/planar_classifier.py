"""Figures of the planar_classifier notebook: the flower, a logistic regression's line, the network, and the
boundaries networks with several hidden layer sizes learn (trained with the notebook's own nn_model)."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

COLOURS = ("#d62728", "#1f77b4")  # y = 0 red, y = 1 blue
REGIONS = ListedColormap(["#f6c9c9", "#c8dcf0"])
SIZES = (1, 2, 3, 4, 5, 50)


def draw(code, folder):
    X, Y = code["load_flower"]()
    figures = {"flower.png": flower(X, Y), "logistic_regression.png": logistic_regression(X, Y),
               "network.png": network(), "hidden_layer_sizes.png": hidden_layer_sizes(code, X, Y)}
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=100)
        plt.close(figure)
    return list(figures)


def _points(ax, X, Y):
    for colour in (0, 1):
        chosen = Y[0] == colour
        ax.scatter(X[0, chosen], X[1, chosen], s=12, color=COLOURS[colour], label=f"y = {colour}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")


def _regions(ax, X, predict):
    x1, x2 = np.meshgrid(np.linspace(X[0].min() - 1, X[0].max() + 1, 300), np.linspace(X[1].min() - 1, X[1].max() + 1, 300))
    grid = np.vstack([x1.ravel(), x2.ravel()])
    ax.contourf(x1, x2, predict(grid).reshape(x1.shape), levels=[-0.5, 0.5, 1.5], cmap=REGIONS)


def flower(X, Y):
    figure, ax = plt.subplots(figsize=(4.6, 4.6), layout="constrained")
    _points(ax, X, Y)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"the flower: {X.shape[1]} points")
    return figure


def logistic_regression(X, Y, steps=3000, rate=0.5):
    """The best straight line: a logistic regression trained by gradient descent on the cross-entropy."""
    w, b = np.zeros((2, 1)), 0.0
    m = X.shape[1]
    for _ in range(steps):
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        w -= rate * (X @ (A - Y).T) / m
        b -= rate * float(np.sum(A - Y)) / m

    def predict(points):
        return (w.T @ points + b > 0).astype(float)

    accuracy = 100 * np.mean(predict(X) == Y)
    figure, ax = plt.subplots(figsize=(4.6, 4.6), layout="constrained")
    _regions(ax, X, predict)
    _points(ax, X, Y)
    ax.set_title(f"logistic regression: {accuracy:.0f}% right")
    return figure


def network():
    """The 2-4-1 network: inputs, tanh units, a sigmoid output, every connection drawn."""
    figure, ax = plt.subplots(figsize=(6.0, 3.6), layout="constrained")
    layers = [(0.0, [1.0, 2.0], ["$x_1$", "$x_2$"]),
              (2.5, [0.0, 1.0, 2.0, 3.0], [f"$a^{{[1]}}_{k}$" for k in range(1, 5)]),
              (5.0, [1.5], [r"$\hat{y}$"])]
    for (x0, ys0, _), (x1, ys1, _) in zip(layers, layers[1:]):
        for y0 in ys0:
            for y1 in ys1:
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=0.8, zorder=1)
    for x, ys, labels in layers:
        for y, label in zip(ys, labels):
            ax.add_patch(plt.Circle((x, y), 0.32, facecolor="white", edgecolor="black", zorder=2))
            ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=3)
    notes = [(0.0, "input $x$\n$n_x = 2$"), (2.5, "hidden layer: tanh\n$n_h = 4$"),
             (5.0, "output: sigmoid\n$a^{[2]} = \\hat{y}$")]
    for x, note in notes:
        ax.text(x, -0.75, note, ha="center", va="top", fontsize=9)
    ax.text(1.25, 3.5, r"$W^{[1]}, b^{[1]}$", ha="center", fontsize=10)
    ax.text(3.75, 3.5, r"$W^{[2]}, b^{[2]}$", ha="center", fontsize=10)
    ax.set_xlim(-0.8, 5.8)
    ax.set_ylim(-1.7, 3.9)
    ax.set_aspect("equal")
    ax.axis("off")
    return figure


def hidden_layer_sizes(code, X, Y):
    figure, axes = plt.subplots(2, 3, figsize=(10.5, 7.2), layout="constrained")
    for ax, size in zip(axes.ravel(), SIZES):
        parameters = code["nn_model"](X, Y, n_h=size)

        def predict(points, parameters=parameters):
            return code["predict"](parameters, points)

        accuracy = 100 * np.mean(predict(X) == Y)
        _regions(ax, X, predict)
        _points(ax, X, Y)
        ax.set_title(f"$n_h$ = {size}: {accuracy:.1f}% right")
    return figure

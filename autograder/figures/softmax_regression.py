"""Figures of the softmax_regression notebook: the three classes, one example's scores and probabilities, and the
regions the classifier predicts after the notebook's own training."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

COLOURS = ("#d62728", "#2ca02c", "#1f77b4")
REGIONS = ListedColormap(["#f6c9c9", "#cfe9cf", "#c8dcf0"])


def draw(code, folder):
    X, y = code["load_blobs"]()
    figures = {"blobs.png": blobs(X, y), "softmax.png": softmax(),
               "decision_regions.png": decision_regions(code, X, y)}
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=100)
        plt.close(figure)
    return list(figures)


def _points(ax, X, y):
    for k, colour in enumerate(COLOURS):
        ax.scatter(X[y == k, 0], X[y == k, 1], s=12, color=colour, label=f"class {k}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")


def blobs(X, y):
    figure, ax = plt.subplots(figsize=(4.6, 4.6), layout="constrained")
    _points(ax, X, y)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(f"{len(y)} points, three classes")
    return figure


def softmax(scores=(2.0, 1.0, -0.5), label=0):
    scores = np.array(scores)
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    classes = [f"class {k}" for k in range(len(scores))]
    left.bar(classes, scores, color=COLOURS)
    left.axhline(0, color="0.3", lw=0.8)
    left.set_title("scores $s = xW$")
    right.bar(classes, probabilities, color=COLOURS)
    right.set_ylim(0, 1)
    right.set_title(r"probabilities $p_k = e^{s_k} \,/\, \Sigma_j \, e^{s_j}$")
    for k, p in enumerate(probabilities):
        right.text(k, p + 0.03, f"{p:.2f}", ha="center", fontsize=9)
    right.text(1.5, 0.75, f"right class: {label}\nloss = $-\\log$ {probabilities[label]:.2f} = "
               f"{-np.log(probabilities[label]):.2f}", ha="center", fontsize=9)
    return figure


def decision_regions(code, X, y):
    W = code["train"](code["add_bias"](X), y, classes=3, print_every=0)
    x1, x2 = np.meshgrid(np.linspace(X[:, 0].min() - 1, X[:, 0].max() + 1, 300),
                         np.linspace(X[:, 1].min() - 1, X[:, 1].max() + 1, 300))
    grid = code["add_bias"](np.column_stack([x1.ravel(), x2.ravel()]))
    figure, ax = plt.subplots(figsize=(4.6, 4.6), layout="constrained")
    ax.contourf(x1, x2, code["predict"](W, grid).reshape(x1.shape), levels=[-0.5, 0.5, 1.5, 2.5], cmap=REGIONS)
    _points(ax, X, y)
    accuracy = 100 * np.mean(code["predict"](W, code["add_bias"](X)) == y)
    ax.set_title(f"after training: {accuracy:.0f}% right")
    return figure

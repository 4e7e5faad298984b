"""The figures of the gradient_checking notebook, drawn with matplotlib into source/gradient_checking/ (which
nbgrader releases with the notebook).

    .venv/bin/python autograder/figures/gradient_checking.py
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGET = HERE.parent / "source" / "gradient_checking"
FORWARD, BACKWARD, BOX = "#1f6fb2", "#c2410c", "#eef2f7"


def box(ax, x, y, text, width=1.6, height=0.8, size=13):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                facecolor=BOX, edgecolor="#334155", linewidth=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def arrow(ax, start, end, color, label=None, offset=0.0, size=11):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, color=color, linewidth=1.6))
    if label:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + offset, label, ha="center", va="center",
                color=color, fontsize=size)


def one_dimension():
    """Figure 1: J(theta) = theta x, forward (compute J) and backward (compute dJ/dtheta = x)."""
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    box(ax, 0.6, 1.6, r"$x$", 0.9)
    box(ax, 0.6, 0.4, r"$\theta$", 0.9)
    box(ax, 3.4, 1.0, r"$J(\theta) = \theta\, x$", 2.2)
    box(ax, 7.3, 1.0, r"$J$", 0.9)
    arrow(ax, (1.1, 1.5), (2.25, 1.15), FORWARD)
    arrow(ax, (1.1, 0.5), (2.25, 0.85), FORWARD)
    arrow(ax, (4.6, 1.12), (6.8, 1.12), FORWARD, "forward: compute $J$", 0.3)
    arrow(ax, (6.8, 0.82), (4.6, 0.82), BACKWARD, r"backward: $d\theta = \partial J / \partial \theta = x$", -0.42)
    ax.set(xlim=(0, 7.9), ylim=(-0.2, 2.2))
    ax.axis("off")
    return fig


def network():
    """Figure 2: LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID, 4-5-3-1, with what flows each way."""
    fig, ax = plt.subplots(figsize=(10, 3.2))
    stages = [(0.7, "$X$\n(4, m)"), (2.6, "LINEAR\nRELU\n$W^{[1]}, b^{[1]}$: 5 units"),
              (4.9, "LINEAR\nRELU\n$W^{[2]}, b^{[2]}$: 3 units"), (7.2, "LINEAR\nSIGMOID\n$W^{[3]}, b^{[3]}$: 1 unit"),
              (9.2, "cost $J$")]
    for x, text in stages:
        box(ax, x, 1.3, text, 1.9 if "LINEAR" in text else 1.1, 1.3, 11)
    for (x0, t0), (x1, t1) in zip(stages, stages[1:]):
        w0 = 1.9 if "LINEAR" in t0 else 1.1
        w1 = 1.9 if "LINEAR" in t1 else 1.1
        arrow(ax, (x0 + w0 / 2, 1.55), (x1 - w1 / 2, 1.55), FORWARD)
        arrow(ax, (x1 - w1 / 2, 1.05), (x0 + w0 / 2, 1.05), BACKWARD)
    ax.text(5.0, 2.45, "forward propagation: $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$, $A^{[l]} = g(Z^{[l]})$",
            ha="center", color=FORWARD, fontsize=11)
    ax.text(5.0, 0.1, r"backward propagation: $dZ^{[l]}$, $dW^{[l]}$, $db^{[l]}$, $dA^{[l-1]}$ from the output back",
            ha="center", color=BACKWARD, fontsize=11)
    ax.set(xlim=(0, 10), ylim=(-0.2, 2.8))
    ax.axis("off")
    return fig


def main():
    for name, draw in (("figure1_one_dimension.png", one_dimension), ("figure2_network.png", network)):
        fig = draw()
        fig.savefig(TARGET / name, dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        print(f"wrote {TARGET / name}")


if __name__ == "__main__":
    main()

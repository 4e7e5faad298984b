"""Figures of the batch_normalization notebook: three features before and after the notebook's batchnorm_forward,
and the forward pass drawn as a computational graph."""
import matplotlib.pyplot as plt
import numpy as np

FEATURES = ((-6.0, 0.6, "#1f77b4"), (3.0, 3.0, "#ff7f0e"), (12.0, 1.5, "#2ca02c"))  # mean, spread, colour


def draw(code, folder):
    figures = {"normalized_features.png": normalized_features(code), "graph.png": graph()}
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=100)
        plt.close(figure)
    return list(figures)


def normalized_features(code, examples=256, seed=0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([mean + spread * rng.standard_normal(examples) for mean, spread, _ in FEATURES])
    out, _ = code["batchnorm_forward"](x, np.ones(3), np.zeros(3), {"mode": "train"})
    figure, (before, after) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for k, (_, _, colour) in enumerate(FEATURES):
        label = f"feature {k + 1}"
        before.hist(x[:, k], bins=30, color=colour, alpha=0.6,
                    label=f"{label}: mean {x[:, k].mean():.1f}, std {x[:, k].std():.1f}")
        after.hist(out[:, k], bins=30, color=colour, alpha=0.45,
                   label=f"{label}: mean {abs(out[:, k].mean()):.1f}, std {out[:, k].std():.1f}")
    before.set_title("x: before batch normalization")
    after.set_title(r"out: after ($\gamma = 1$, $\beta = 0$)")
    for ax in (before, after):
        ax.set_xlabel("value")
        ax.set_ylabel("examples")
        ax.legend(fontsize=8, loc="upper left")
    after.set_xlim(-4, 6.5)
    return figure


NODES = {  # name -> (x, y, label)
    "x": (0.0, 1.0, "$x$"),
    "mu": (1.8, 2.2, r"$\mu$"),
    "centred": (3.6, 1.0, r"$x - \mu$"),
    "var": (5.4, 2.2, r"$\sigma^2$"),
    "inverse": (7.2, 2.2, r"$\frac{1}{\sqrt{\sigma^2 + \epsilon}}$"),
    "x_hat": (9.0, 1.0, r"$\hat{x}$"),
    "gamma": (11.4, 2.4, r"$\gamma$"),
    "beta": (13.0, 2.4, r"$\beta$"),
    "out": (12.2, 1.0, r"$out = \gamma \hat{x} + \beta$"),
}
EDGES = [("x", "mu", "mean"), ("x", "centred", ""), ("mu", "centred", ""), ("centred", "var", "mean of squares"),
         ("var", "inverse", ""), ("centred", "x_hat", ""), ("inverse", "x_hat", ""), ("x_hat", "out", ""),
         ("gamma", "out", ""), ("beta", "out", "")]


def graph():
    figure = plt.figure(figsize=(11, 3.4))
    ax = figure.add_axes((0.01, 0.01, 0.98, 0.98))
    boxes = {}
    for name, (x, y, label) in NODES.items():
        parameter = name in ("gamma", "beta")
        boxes[name] = ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=3,
                              bbox=dict(boxstyle="round,pad=0.45", facecolor="#fdf1d6" if parameter else "white",
                                        edgecolor="0.2"))
    ax.set_xlim(-0.6, 13.8)
    ax.set_ylim(-0.4, 2.9)
    figure.canvas.draw()  # the boxes' patches get their extents, so that arrows can end at their edges
    for start, end, note in EDGES:
        (x0, y0, _), (x1, y1, _) = NODES[start], NODES[end]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2, shrinkA=3, shrinkB=3,
                                    patchA=boxes[start].get_bbox_patch(), patchB=boxes[end].get_bbox_patch()))
        if note:
            ax.text((x0 + x1) / 2 - 0.15, (y0 + y1) / 2 + 0.1, note, ha="right", fontsize=8, color="0.3")
    ax.text(6.3, -0.05, "forward: left to right.   backward: right to left, adding up the gradients where a value "
            "feeds more than one node ($x$, $x - \\mu$).", ha="center", fontsize=9)
    ax.axis("off")
    return figure

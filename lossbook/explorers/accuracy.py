"""Chapter 1: accuracy is flat almost everywhere; the cross-entropy has a slope."""

from __future__ import annotations

import numpy as np

import lossbook

from .. import plots
from .._validation import _describe, fail
from ._base import Explorer, Parameter, format_readout

__all__ = ["AccuracyExplorer"]


class AccuracyExplorer(Explorer):
    """Accuracy is flat almost everywhere; the cross-entropy has a slope (chapter 1).

    A seeded one-dimensional two-class dataset and the logistic model
    :math:`p(y{=}1 \\mid x) = \\sigma(w x + b)` with a fixed bias :math:`b`.
    The slider sets the weight :math:`w`. The left panel shows, over
    :math:`w`, the accuracy (a step function) and the mean binary
    cross-entropy ``lossbook.binary_crossentropy(y, w * x + b,
    from_logits=True)`` (smooth), with markers at the current :math:`w`; the
    right panel shows the data, the model's probability curve
    ``lossbook.sigmoid(w * x + b)``, its decision boundary
    :math:`x = -b / w` and the misclassified points. The readout gives both
    numbers and their slopes by :func:`lossbook.plots.central_difference`
    (:math:`h = 10^{-3}`): the accuracy's is 0 unless a jump is within
    :math:`h`.

    Parameters
    ----------
    bias : float, default 0.5
        The fixed bias :math:`b`.
    n_points : int, default 40
        Size of the dataset (half of each class).
    seed : int, default 1
        Seed of :func:`numpy.random.default_rng`.
    **values : float
        Initial ``w`` in [-4, 4] (default 0.4).

    Attributes
    ----------
    x, y : ndarray, shape (n_points,)
        The inputs, drawn from N(-1, 1) for class 0 and N(1, 1) for class 1
        (with the default seed, the loss is smallest near w = 2.4 and the
        accuracy peaks at 0.9), and the labels 0/1.

    Examples
    --------
    >>> from lossbook.explorers import AccuracyExplorer
    >>> explorer = AccuracyExplorer(w=2.0)
    >>> explorer.readout
    'w = 2.00 · accuracy = 0.875 · loss = 0.340 · accuracy slope = 0.000 · loss slope = −0.025'
    """

    view = "accuracy"

    parameters = (Parameter("w", "Weight w of the model σ(w·x + b)", -4.0, 4.0, 0.05, 0.4, symbol="w"),)
    alt = (
        "Two panels. Left: accuracy (a staircase, left axis from 0 to 1) and mean binary "
        "cross-entropy (a smooth curve, right axis) plotted against the weight w from -4 to 4, "
        "with markers at the chosen w. Right: the 40 training points at height 0 (class 0) "
        "and 1 (class 1) against the input x, the model's predicted probability of class 1 "
        "as a sigmoid curve, its decision boundary as a vertical line, and circles around "
        "misclassified points."
    )
    caption = (
        "Accuracy and cross-entropy of a logistic model as its weight w changes. Accuracy only "
        "changes when the decision boundary crosses a point, so its slope is zero almost "
        "everywhere; the cross-entropy changes smoothly, and its slope says which way to move w."
    )
    _h = 1e-3

    def __init__(self, *, bias=0.5, n_points=40, seed=1, **values):
        if (
            isinstance(bias, bool)
            or not isinstance(bias, (int, float, np.integer, np.floating))
            or not np.isfinite(bias)
        ):
            fail("bias", "be a finite real number", _describe(bias), error=TypeError)
        if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 4:
            fail("n_points", "be an integer of at least 4", _describe(n_points))
        rng = np.random.default_rng(seed)
        n0 = n_points // 2
        self.bias = float(bias)
        self.x = np.concatenate([rng.normal(-1.0, 1.0, n0), rng.normal(1.0, 1.0, n_points - n0)])
        self.y = np.concatenate([np.zeros(n0), np.ones(n_points - n0)])
        super().__init__(**values)

    def front_end_data(self):
        return {"x": self.x.tolist(), "y": self.y.tolist(), "bias": self.bias}

    def accuracy(self, w):
        """Accuracy of the model with weight ``w`` (a float, or an array of weights)."""
        logits = np.multiply.outer(np.asarray(w, dtype=float), self.x) + self.bias
        labels = np.broadcast_to(self.y, logits.shape)
        return plots.binary_accuracy(labels, lossbook.sigmoid(logits))

    def loss(self, w):
        """Mean binary cross-entropy of the model with weight ``w`` (a float or an array)."""
        logits = np.multiply.outer(np.asarray(w, dtype=float), self.x) + self.bias
        labels = np.broadcast_to(self.y, logits.shape)
        return lossbook.binary_crossentropy(labels, logits, from_logits=True, reduction="none")

    def setup(self, fig):
        left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
        p = self.parameters[0]
        grid = np.linspace(p.min, p.max, 1601)
        acc_curve, loss_curve = self.accuracy(grid), self.loss(grid)
        c_acc, c_loss = plots.PALETTE["blue"], plots.PALETTE["vermillion"]
        (acc_line,) = left.plot(grid, acc_curve, color=c_acc, drawstyle="steps-mid", label="accuracy")
        plots.style_axes(left, xlabel="weight w", ylabel="accuracy", xlim=(p.min, p.max), ylim=(0, 1.02))
        left.yaxis.label.set_color(c_acc)
        twin = left.twinx()
        twin.spines["right"].set_visible(True)
        twin.grid(False)
        (loss_line,) = twin.plot(grid, loss_curve, color=c_loss, linestyle="--", label="cross-entropy")
        twin.set_ylabel("mean binary cross-entropy", color=c_loss)
        twin.set_ylim(0, float(loss_curve.max()) * 1.05)
        left.legend(
            [acc_line, loss_line],
            ["accuracy", "cross-entropy"],
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=2,
            borderaxespad=0.2,
        )
        self.w_line = self.animate(left.axvline(p.default, color=plots.PALETTE["grey"], linewidth=1, zorder=1))
        self.acc_point = self.animate(plots.marker(left, 0, 0, color=c_acc))
        self.loss_point = self.animate(plots.marker(twin, 0, 0, color=c_loss, marker="s"))

        span = (-4.0, 4.0)
        self._xs = np.linspace(*span, 201)
        cls0, cls1 = self.y == 0, self.y == 1
        right.scatter(self.x[cls0], self.y[cls0], color=c_acc, marker="o", s=30, alpha=0.8, label="class 0", zorder=3)
        right.scatter(self.x[cls1], self.y[cls1], color=c_loss, marker="^", s=34, alpha=0.8, label="class 1", zorder=3)
        self.curve = self.animate(
            right.plot(self._xs, np.zeros_like(self._xs), color=plots.PALETTE["green"], label="σ(w·x + b)")[0]
        )
        self.boundary = self.animate(
            right.axvline(0, color=plots.PALETTE["black"], linestyle=":", linewidth=1.5, label="boundary")
        )
        self.wrong = self.animate(
            right.scatter(
                [],
                [],
                s=120,
                facecolors="none",
                edgecolors=plots.PALETTE["black"],
                linewidths=1.2,
                zorder=4,
                label="misclassified",
            )
        )
        plots.style_axes(
            right,
            xlabel="input x",
            ylabel="label / p(class 1 | x)",
            xlim=span,
            ylim=(-0.08, 1.08),
        )
        right.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, fontsize=10, handlelength=1.5, borderaxespad=0.2
        )

    def update(self, *, w):
        accuracy = float(self.accuracy(w))
        loss = float(self.loss(w))
        acc_slope = plots.central_difference(self.accuracy, w, h=self._h)
        loss_slope = plots.central_difference(self.loss, w, h=self._h)
        self.w_line.set_xdata([w, w])
        self.acc_point.set_offsets([[w, accuracy]])
        self.loss_point.set_offsets([[w, loss]])
        self.curve.set_ydata(lossbook.sigmoid(w * self._xs + self.bias))
        if w != 0:
            self.boundary.set_xdata([-self.bias / w] * 2)
        self.boundary.set_visible(w != 0)
        logits = w * self.x + self.bias
        predicted = lossbook.sigmoid(logits) > 0.5
        wrong = predicted != (self.y == 1)
        self.wrong.set_offsets(np.column_stack([self.x[wrong], self.y[wrong]]).reshape(-1, 2))
        return format_readout(
            ("w", w, ".2f"),
            ("accuracy", accuracy, ".3f"),
            ("loss", loss, ".3f"),
            ("accuracy slope", acc_slope, ".3f"),
            ("loss slope", loss_slope, ".3f"),
        )

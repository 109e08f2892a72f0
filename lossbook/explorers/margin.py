"""Chapter 6: the margin losses of binary classification and their gradients."""

from __future__ import annotations

import numpy as np

import lossbook

from .. import plots
from ._base import Explorer, Parameter, _number, format_readout

__all__ = ["MarginLossExplorer"]


class MarginLossExplorer(Explorer):
    """The margin losses of binary classification and their gradients (chapter 6).

    For a label :math:`y \\in \\{-1, 1\\}` and a score :math:`f(x)`, the
    margin :math:`m = y f(x)` is positive when the example is classified
    correctly and large when it is classified confidently. The slider sets
    :math:`m`. The left panel shows five losses of the margin, each computed
    by lossbook for the label 1 and the score :math:`m`:

    * 0-1 loss, 1 for a wrong (or tied) prediction, 0 otherwise:
      ``1 - lossbook.plots.binary_accuracy([1], [lossbook.sigmoid(m)])``;
    * hinge :math:`\\max(0, 1 - m)`, ``lossbook.hinge``;
    * squared hinge :math:`\\max(0, 1 - m)^2`, ``lossbook.squared_hinge``;
    * logistic :math:`\\log(1 + e^{-m}) / \\ln 2`,
      ``lossbook.binary_crossentropy([1], [m], from_logits=True)`` divided by
      :math:`\\ln 2` (the cross-entropy in bits), so that it passes through 1
      at :math:`m = 0` and bounds the 0-1 loss from above, as the others do;
    * exponential :math:`e^{-m}`, ``lossbook.exponential_loss``.

    The right panel shows their derivatives with respect to :math:`m`:
    ``lossbook.sigmoid_bce_grad(1, m) / ln 2`` for the logistic loss
    (:math:`-\\sigma(-m)/\\ln 2`), and :func:`lossbook.plots.hinge_margin_grad`,
    :func:`~lossbook.plots.squared_hinge_margin_grad` and
    :func:`~lossbook.plots.exponential_margin_grad` for the others; the 0-1
    loss's slope is 0 wherever it is defined (by
    :func:`lossbook.plots.central_difference`, :math:`h = 10^{-3}`; the
    readout says "jump" at :math:`m = 0`).

    What to look for: every surrogate loss lies above the 0-1 loss; the hinge
    losses are exactly 0 beyond :math:`m = 1`, so confidently correct
    examples stop contributing, while the logistic and exponential losses
    keep a small, positive gradient; for wrong margins the hinge's gradient
    stays at -1, the logistic's approaches :math:`-1/\\ln 2`, and the squared
    hinge's and exponential's keep growing (the exponential's as fast as the
    loss itself: outliers dominate). Values beyond the plotted range are in
    the readout.

    Parameters
    ----------
    **values : float
        Initial margin ``m`` in [-3, 3] (default 0.5).

    Examples
    --------
    >>> from lossbook.explorers import MarginLossExplorer
    >>> print(MarginLossExplorer().readout.replace(" · ", "\\n"))
    m = 0.50
    0-1: 0, slope 0
    hinge: 0.500, slope −1.000
    squared hinge: 0.250, slope −1.000
    logistic / ln 2: 0.684, slope −0.545
    exponential: 0.607, slope −0.607
    """

    view = "margin"

    parameters = (Parameter("m", "Margin m = y·f(x)", -3.0, 3.0, 0.05, 0.5, fmt=".2f", symbol="m"),)
    alt = (
        "Two panels over the margin m = y f(x) from -3 to 3. Left: five losses on a vertical "
        "axis from 0 to 5: the 0-1 loss, a step from 1 to 0 at m = 0; the hinge loss, a "
        "straight line falling to 0 at m = 1; the squared hinge, a parabola reaching 0 at "
        "m = 1; the logistic loss divided by ln 2, a smooth curve through 1 at m = 0; and the "
        "exponential loss e^-m, through 1 at m = 0 and rising steeply for negative margins. "
        "Right: their derivatives with respect to m on a vertical axis from -4 to 0.5: 0 for "
        "the 0-1 loss, -1 then 0 for the hinge, a line rising to 0 at m = 1 for the squared "
        "hinge, and smooth curves approaching 0 for the logistic and exponential losses. "
        "Markers and a vertical line show the chosen margin."
    )
    caption = (
        "The loss zoo as functions of the margin m = y f(x). Hinge, squared hinge, logistic and "
        "exponential losses are smooth or piecewise-linear upper bounds of the 0-1 loss; they "
        "differ in how hard they push on wrong margins and whether they stop at m = 1."
    )

    _names = ("0-1", "hinge", "squared hinge", "logistic / ln 2", "exponential")
    _colors = ("black", "blue", "orange", "vermillion", "green")
    _styles = ("-", "-", "--", "-.", ":")
    _h = 1e-3

    @staticmethod
    def losses(m):
        """The five losses at margins ``m`` (an array), in the order of the legend, each of shape ``m.shape``."""
        m = np.atleast_1d(np.asarray(m, dtype=float))
        ones, scores = np.ones((m.size, 1)), m.reshape(-1, 1)
        zero_one = 1 - plots.binary_accuracy(ones, lossbook.sigmoid(scores))
        logistic = lossbook.binary_crossentropy(ones, scores, from_logits=True, reduction="none") / np.log(2)
        return (
            zero_one,
            lossbook.hinge(ones, scores, reduction="none"),
            lossbook.squared_hinge(ones, scores, reduction="none"),
            logistic,
            lossbook.exponential_loss(ones, scores, reduction="none"),
        )

    @staticmethod
    def gradients(m):
        """Derivatives of the five losses with respect to the margin at ``m`` (0 for the 0-1 loss)."""
        m = np.atleast_1d(np.asarray(m, dtype=float))
        return (
            np.zeros_like(m),
            plots.hinge_margin_grad(m),
            plots.squared_hinge_margin_grad(m),
            lossbook.sigmoid_bce_grad(np.ones_like(m), m) / np.log(2),
            plots.exponential_margin_grad(m),
        )

    def setup(self, fig):
        left, right = fig.subplots(1, 2)
        p = self.parameters[0]
        grid = np.linspace(p.min, p.max, 601)  # step 0.01, with m = 0 on it
        lines = []
        for k, (name, color, style) in enumerate(zip(self._names, self._colors, self._styles)):
            kwargs = {"color": plots.PALETTE[color], "linestyle": style, "label": name}
            if k == 0:
                kwargs.update(drawstyle="steps-pre", linewidth=1.6)  # the jump at m = 0, where the loss is 1
            lines.append(left.plot(grid, self.losses(grid)[k], **kwargs)[0])
            right.plot(grid, self.gradients(grid)[k], **kwargs)
        self.m_lines = [
            self.animate(ax.axvline(0, color=plots.PALETTE["grey"], linewidth=1, zorder=1)) for ax in (left, right)
        ]
        # One collection of five markers per panel (one artist to draw, not five).
        colors = [plots.PALETTE[color] for color in self._colors]
        self.loss_points, self.grad_points = (
            self.animate(
                ax.scatter(np.zeros(5), np.zeros(5), s=45, c=colors, edgecolors="white", linewidths=1.2, zorder=4)
            )
            for ax in (left, right)
        )  # clipped: a value beyond the axis limits is in the readout
        plots.style_axes(left, xlabel="margin m = y·f(x)", ylabel="loss", xlim=(p.min, p.max), ylim=(-0.1, 5))
        plots.style_axes(
            right, xlabel="margin m = y·f(x)", ylabel="gradient d(loss)/dm", xlim=(p.min, p.max), ylim=(-4, 0.5)
        )
        fig.legend(
            lines, self._names, loc="outside upper center", ncols=5, fontsize=10, handlelength=1.8, columnspacing=1.0
        )

    def zero_one_slope(self, m):
        """The 0-1 loss's slope at ``m`` by :func:`lossbook.plots.central_difference` (0 unless a jump is within h)."""
        return plots.central_difference(lambda v: float(self.losses(v)[0][0]), m, h=self._h)

    def update(self, *, m):
        losses = [float(v[0]) for v in self.losses(m)]
        grads = [float(g[0]) for g in self.gradients(m)]
        self.loss_points.set_offsets([[m, value] for value in losses])
        self.grad_points.set_offsets([[m, value] for value in grads])
        for line in self.m_lines:
            line.set_xdata([m, m])
        items = [("m", m, ".2f")]
        for k, (name, loss, grad) in enumerate(zip(self._names, losses, grads)):
            if k == 0:
                slope = "0" if self.zero_one_slope(m) == 0 else "undefined (a jump)"
                items.append(f"{name}: {_number(loss, '.0f')}, slope {slope}")
            else:
                kink = " (at the kink)" if k == 1 and abs(m - 1) < 1e-9 else ""
                items.append(f"{name}: {_number(loss, '.3f')}, slope {_number(grad, '.3f')}{kink}")
        return format_readout(*items)

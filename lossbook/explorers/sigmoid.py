"""Chapter 5: squared error and cross-entropy of a sigmoid output, and their gradients."""

from __future__ import annotations

import numpy as np

import lossbook

from .. import plots
from ._base import Explorer, Parameter, _number, format_readout

__all__ = ["SigmoidGradientExplorer"]


class SigmoidGradientExplorer(Explorer):
    """Squared error and cross-entropy of a sigmoid output, and their gradients, over the logit (chapter 5).

    One example with label :math:`y` and logit :math:`z`, predicted
    probability :math:`\\sigma(z)`. The left panel shows both losses over
    :math:`z`: the squared error :math:`(\\sigma(z) - y)^2`,
    ``lossbook.mean_squared_error([y], [lossbook.sigmoid(z)])``, and the
    binary cross-entropy, ``lossbook.binary_crossentropy([y], [z],
    from_logits=True)``. The right panel shows their derivatives with respect
    to :math:`z`, ``lossbook.sigmoid_mse_grad(y, z)`` and
    ``lossbook.sigmoid_bce_grad(y, z)``. Markers sit at the current :math:`z`.

    What to look for: where the prediction is confidently wrong (:math:`z`
    far below 0 for :math:`y = 1`) the squared error is almost flat, close to
    its maximum of 1, and its gradient
    :math:`2(\\sigma(z) - y)\\,\\sigma(z)(1 - \\sigma(z))` is nearly 0, while the
    cross-entropy keeps rising and its gradient :math:`\\sigma(z) - y` stays
    close to :math:`-1`. The readout gives both losses, both gradients and
    their ratio, :math:`1 / (2\\sigma(z)(1 - \\sigma(z)))`, which grows like
    :math:`e^{|z|}/2`.

    On the page the label switches between 0 and 1, and a reader can type a
    weight :math:`w`, an input :math:`x` and a bias :math:`b` (the logit is
    :math:`z = w x + b`) and a label of their own in [0, 1] (a soft label).

    Parameters
    ----------
    **values : float
        Initial ``z`` in [-10, 10] (default -4) and label ``y`` in [0, 1]
        (default 1).

    Examples
    --------
    >>> from lossbook.explorers import SigmoidGradientExplorer
    >>> print(SigmoidGradientExplorer().readout.replace(" · ", "\\n"))
    z = −4.00
    y = 1
    σ(z) = 0.01799
    squared error = 0.9644
    cross-entropy = 4.018
    d(squared error)/dz = −0.03469
    d(cross-entropy)/dz = −0.9820
    gradient ratio = 28.3
    """

    view = "sigmoid_gradient"

    parameters = (
        Parameter("z", "Logit z of the sigmoid output", -10.0, 10.0, 0.1, -4.0, fmt=".2f", symbol="z"),
        Parameter("y", "Label y", 0.0, 1.0, 1.0, 1.0, fmt="g", symbol="y"),
    )
    alt = (
        "Two panels over the logit z from -10 to 10, for the label y = 1. Left: the squared error "
        "(sigma(z) - y)^2, a curve that stays close to its maximum of 1 for negative z and "
        "falls to 0 around z = 0 to 5, and the binary cross-entropy, which rises almost in a "
        "straight line to 10 at z = -10; vertical axis loss from 0 to 10.5. Right: their "
        "derivatives with respect to z on a vertical axis from -1.05 to 1.05: the cross-entropy's "
        "gradient sigma(z) - y is close to -1 for negative z, while the squared error's gradient "
        "is a small dip, near 0 at both ends. Markers and a vertical line show the chosen z."
    )
    caption = (
        "With a sigmoid output, the squared error's gradient vanishes when the prediction is "
        "confidently wrong, because it carries the factor sigma'(z); the cross-entropy's gradient "
        "sigma(z) - y does not."
    )

    _names = ("squared error", "cross-entropy")
    _legend = ("squared error (σ(z) − y)²", "binary cross-entropy")

    @staticmethod
    def losses(y, z):
        """Squared error and binary cross-entropy of label ``y`` at logits ``z`` (arrays of one shape)."""
        z = np.asarray(z, dtype=float)
        y = np.broadcast_to(np.asarray(y, dtype=float), z.shape)
        squared = lossbook.mean_squared_error(y[..., None], lossbook.sigmoid(z)[..., None], reduction="none")
        cross = lossbook.binary_crossentropy(y[..., None], z[..., None], from_logits=True, reduction="none")
        return squared, cross

    @staticmethod
    def gradients(y, z):
        """``lossbook.sigmoid_mse_grad`` and ``lossbook.sigmoid_bce_grad`` of label ``y`` at logits ``z``."""
        z = np.asarray(z, dtype=float)
        y = np.broadcast_to(np.asarray(y, dtype=float), z.shape)
        return lossbook.sigmoid_mse_grad(y, z), lossbook.sigmoid_bce_grad(y, z)

    def setup(self, fig):
        left, right = fig.subplots(1, 2)
        p = self.parameters[0]
        self._zs = np.linspace(p.min, p.max, 401)
        colors = (plots.PALETTE["blue"], plots.PALETTE["vermillion"])
        styles = ("-", "--")
        self.loss_lines, self.grad_lines, self.loss_points, self.grad_points = [], [], [], []
        for color, style, name, shape in zip(colors, styles, self._names, ("o", "s")):
            self.loss_lines.append(
                self.animate(left.plot(self._zs, self._zs * 0, color=color, linestyle=style, label=name)[0])
            )
            self.grad_lines.append(
                self.animate(right.plot(self._zs, self._zs * 0, color=color, linestyle=style, label=name)[0])
            )
            self.loss_points.append(self.animate(plots.marker(left, 0, 0, color=color, marker=shape)))
            self.grad_points.append(self.animate(plots.marker(right, 0, 0, color=color, marker=shape)))
        self.z_lines = [
            self.animate(ax.axvline(0, color=plots.PALETTE["grey"], linewidth=1, zorder=1)) for ax in (left, right)
        ]
        right.axhline(0, color=plots.PALETTE["black"], linewidth=0.8, zorder=1)
        plots.style_axes(left, xlabel="logit z", ylabel="loss", xlim=(p.min, p.max), ylim=(0, 10.5))
        plots.style_axes(right, xlabel="logit z", ylabel="gradient d(loss)/dz", xlim=(p.min, p.max), ylim=(-1.05, 1.05))
        fig.legend(self.loss_lines, self._legend, loc="outside upper center", ncols=2, fontsize=10)
        self._curves_for = None

    def update(self, *, z, y):
        if self._curves_for != y:  # the curves depend on the label only
            for line, values in zip(self.loss_lines, self.losses(y, self._zs)):
                line.set_ydata(values)
            for line, values in zip(self.grad_lines, self.gradients(y, self._zs)):
                line.set_ydata(values)
            self._curves_for = y
        losses = [float(v) for v in self.losses(y, z)]
        grads = [float(g) for g in self.gradients(y, z)]
        for point, value in zip(self.loss_points, losses):
            point.set_offsets([[z, value]])
        for point, value in zip(self.grad_points, grads):
            point.set_offsets([[z, value]])
        for line in self.z_lines:
            line.set_xdata([z, z])
        ratio = _number(grads[1] / grads[0], ",.1f") if grads[0] != 0 else "undefined (no squared-error gradient)"
        return format_readout(
            ("z", z, ".2f"),
            ("y", y, "g"),
            ("σ(z)", float(lossbook.sigmoid(z)), "#.4g"),
            ("squared error", losses[0], "#.4g"),
            ("cross-entropy", losses[1], "#.4g"),
            ("d(squared error)/dz", grads[0], "#.4g"),
            ("d(cross-entropy)/dz", grads[1], "#.4g"),
            f"gradient ratio = {ratio}",
        )

"""Chapter 7: focal loss against α-weighted cross-entropy, and their gradients."""

from __future__ import annotations

import numpy as np

import lossbook
from lossbook import gradients

from .. import plots
from .._validation import fail
from ._base import Explorer, Parameter, _number, format_readout, parse_numbers

__all__ = ["FocalExplorer"]

#: The most examples a reader may type (the figure marks each one).
MAX_TYPED = 8


class FocalExplorer(Explorer):
    """Focal loss and α-weighted cross-entropy of one example over its probability of the true class (chapter 7).

    An example with label :math:`y \\in \\{0, 1\\}` and logit :math:`z` has
    the probability :math:`p_t = \\sigma(z)` of its true class if
    :math:`y = 1` and :math:`1 - \\sigma(z)` if :math:`y = 0`. With the class
    weight :math:`\\alpha_t = \\alpha` for positives and :math:`1 - \\alpha`
    for negatives, the focal loss of Lin et al. (2017) is

    .. math::

        \\mathrm{FL}(p_t) = -\\alpha_t (1 - p_t)^\\gamma \\log p_t ,

    ``lossbook.binary_focal_crossentropy([y], [z], from_logits=True,
    apply_class_balancing=True, alpha=α, gamma=γ)``; the α-weighted
    cross-entropy is the same call with :math:`\\gamma = 0`. The left panel
    shows both over :math:`p_t` (and the unweighted cross-entropy), the right
    panel the size of their gradients with respect to the logit,
    :math:`|\\partial \\ell / \\partial z|` from
    :func:`lossbook.gradients.binary_focal_grad`, on a log scale. Markers sit
    at the slider's :math:`p_t`, whose logit is
    :math:`z = \\pm(\\log p_t - \\log(1 - p_t))`.

    What to look for: the factor :math:`(1 - p_t)^\\gamma` (the readout's
    "down-weighting") leaves hard examples (:math:`p_t` small) almost at
    their weighted cross-entropy and shrinks easy ones (:math:`p_t` near 1)
    by orders of magnitude; with :math:`\\gamma = 0` the two losses coincide.

    Under the figure a reader types labels and logits of up to eight examples
    of their own; :meth:`typed_readout` gives each example's :math:`p_t`, both
    losses and both gradients, and the means, or the message with which
    lossbook refuses the input.

    Parameters
    ----------
    **values : float
        Initial ``gamma`` in [0, 5] (default 2), ``alpha`` in [0, 1] (default
        0.25), label ``y`` (0 or 1, default 1) and ``pt`` in [0.01, 0.99]
        (default 0.9).

    Examples
    --------
    >>> from lossbook.explorers import FocalExplorer
    >>> print(FocalExplorer().readout.replace(" · ", "\\n"))
    γ = 2.0
    α = 0.25
    y = 1
    p_t = 0.90
    focal loss = 0.0002634
    α-weighted CE = 0.02634
    down-weighting (1 − p_t)^γ = 0.01
    dℓ/dz: focal = −0.0007241, α-weighted CE = −0.025
    >>> print(FocalExplorer.typed_readout("1, 0", "3, 3", gamma=2.0, alpha=0.25).replace(" · ", "\\n"))
    z = 3: p_t = 0.9526, focal = 2.732e−05, weighted CE = 0.01215, dℓ/dz = −7.872e−05 vs −0.01186
    z = 3: p_t = 0.04743, focal = 2.075, weighted CE = 2.286, dℓ/dz = 0.8451 vs 0.7144
    mean focal = 1.037, mean weighted CE = 1.149
    >>> FocalExplorer.typed_readout("1, 0", "3", gamma=2.0, alpha=0.25)
    'y_true and logits must have the same shape; received y_true.shape=(2,), logits.shape=(1,). NumPy would broadcast them to (2,).'
    """

    view = "focal"

    parameters = (
        Parameter("gamma", "Focusing parameter γ", 0.0, 5.0, 0.1, 2.0, fmt=".1f", symbol="γ"),
        Parameter("alpha", "Weight of the positive class α", 0.0, 1.0, 0.01, 0.25, fmt=".2f", symbol="α"),
        Parameter("y", "Label y", 0.0, 1.0, 1.0, 1.0, fmt="g", symbol="y"),
        Parameter("pt", "Probability of the true class p_t", 0.01, 0.99, 0.01, 0.9, fmt=".2f", symbol="p_t"),
    )
    figsize = (7.6, 3.2)
    alt = (
        "Two panels over the probability of the true class p_t from 0 to 1. Left: three losses on a vertical axis "
        "from 0 to 5: the cross-entropy -log p_t (grey, dotted), the alpha-weighted cross-entropy (blue, dashed) "
        "and the focal loss (vermillion, solid), which lies below the weighted cross-entropy and falls to almost 0 "
        "already for p_t above 0.5 when gamma is 2. Right: the size of each loss's gradient with respect to the "
        "logit on a logarithmic axis from 1e-6 to 2; the focal gradient drops far below the weighted "
        "cross-entropy's for easy examples (p_t near 1). Markers show the chosen p_t."
    )
    caption = (
        "Focal loss down-weights easy examples: the factor (1 − p_t)^γ leaves a hard example (small p_t) "
        "almost at its α-weighted cross-entropy and shrinks the loss and the gradient of a well-classified one "
        "by orders of magnitude."
    )

    _grid = np.linspace(0.005, 0.995, 397)

    @staticmethod
    def logit(y, pt):
        """The logit of an example with label ``y`` whose true class has probability ``pt``."""
        z = np.log(pt) - np.log1p(-pt)
        return z if y == 1 else -z

    @staticmethod
    def values_at(y, z, *, gamma, alpha):
        """Focal loss, α-weighted CE and their gradients at labels ``y``, logits ``z`` (1-D)."""
        y = np.atleast_1d(np.asarray(y, dtype=float))
        z = np.atleast_1d(np.asarray(z, dtype=float))
        yy, zz = y[:, None], z[:, None]
        common = {"from_logits": True, "reduction": "none"}
        focal = lossbook.binary_focal_crossentropy(
            yy, zz, gamma=gamma, alpha=alpha, apply_class_balancing=True, **common
        )
        weighted = lossbook.binary_focal_crossentropy(
            yy, zz, gamma=0.0, alpha=alpha, apply_class_balancing=True, **common
        )
        g_focal = gradients.binary_focal_grad(y, z, gamma=gamma, apply_class_balancing=True, alpha=alpha)
        g_weighted = gradients.binary_focal_grad(y, z, gamma=0.0, apply_class_balancing=True, alpha=alpha)
        return focal, weighted, g_focal, g_weighted

    def setup(self, fig):
        left, right = fig.subplots(1, 2)
        pt = self._grid
        z = self.logit(1, pt)
        plain = lossbook.binary_crossentropy(np.ones((pt.size, 1)), z[:, None], from_logits=True, reduction="none")
        left.plot(pt, plain, color=plots.PALETTE["grey"], linestyle=":", label="cross-entropy")
        c_focal, c_weighted = plots.PALETTE["vermillion"], plots.PALETTE["blue"]
        self.weighted_line = self.animate(left.plot([], [], color=c_weighted, linestyle="--", label="α-weighted CE")[0])
        self.focal_line = self.animate(left.plot([], [], color=c_focal, label="focal loss")[0])
        self.g_weighted_line = self.animate(right.plot([], [], color=c_weighted, linestyle="--")[0])
        self.g_focal_line = self.animate(right.plot([], [], color=c_focal)[0])
        self.points = [
            self.animate(plots.marker(ax, 0.5, 1.0, color=color))
            for ax in (left, right)
            for color in (c_weighted, c_focal)
        ]
        right.set_yscale("log")
        plots.style_axes(left, xlabel="probability of the true class p_t", ylabel="loss", xlim=(0, 1), ylim=(0, 5))
        plots.style_axes(
            right, xlabel="probability of the true class p_t", ylabel="|dℓ/dz|", xlim=(0, 1), ylim=(1e-6, 2)
        )
        fig.legend(*left.get_legend_handles_labels(), loc="outside upper center", ncols=3, fontsize=10)

    def update(self, *, gamma, alpha, y, pt):
        z_grid = self.logit(y, self._grid)
        focal, weighted, g_focal, g_weighted = self.values_at(np.full_like(z_grid, y), z_grid, gamma=gamma, alpha=alpha)
        self.focal_line.set_data(self._grid, focal)
        self.weighted_line.set_data(self._grid, weighted)
        with np.errstate(divide="ignore"):
            self.g_focal_line.set_data(self._grid, np.abs(g_focal))
            self.g_weighted_line.set_data(self._grid, np.abs(g_weighted))
        z = float(self.logit(y, pt))
        f, w, gf, gw = (float(v[0]) for v in self.values_at([y], [z], gamma=gamma, alpha=alpha))
        one, logit = np.array([[y]]), np.array([[z]])
        factor = float(
            lossbook.binary_focal_crossentropy(one, logit, gamma=gamma, from_logits=True)
            / lossbook.binary_crossentropy(one, logit, from_logits=True)
        )
        for point, (px, py) in zip(self.points, [(pt, w), (pt, f), (pt, abs(gw)), (pt, abs(gf))]):
            point.set_offsets([[px, py]])
        return format_readout(
            ("γ", gamma, ".1f"),
            ("α", alpha, ".2f"),
            ("y", y, "g"),
            ("p_t", pt, ".2f"),
            ("focal loss", f, ".4g"),
            ("α-weighted CE", w, ".4g"),
            ("down-weighting (1 − p_t)^γ", factor, ".4g"),
            f"dℓ/dz: focal = {_number(gf, '.4g')}, α-weighted CE = {_number(gw, '.4g')}",
        )

    @staticmethod
    def typed_examples(labels, logits):
        """Parse typed labels and logits as lossbook validates them; labels must be 0 or 1 here."""
        y = np.array(parse_numbers(labels, "y_true"))
        z = np.array(parse_numbers(logits, "logits"))
        gradients.binary_focal_grad(y, z)  # lossbook's checks: finite, same shape, targets in [0, 1]
        if len(z) > MAX_TYPED:
            fail("logits", f"hold at most {MAX_TYPED} examples here", f"{len(z)} examples")
        if not np.isin(y, (0, 1)).all():
            fail("y_true", "contain labels 0 or 1 here", repr(float(y[~np.isin(y, (0, 1))][0])))
        return y, z

    @classmethod
    def typed_readout(cls, labels, logits, *, gamma, alpha):
        """The readout for typed labels and logits, or the message with which lossbook refuses them."""
        try:
            y, z = cls.typed_examples(labels, logits)
        except (TypeError, ValueError) as exc:
            return str(exc)
        focal, weighted, g_focal, g_weighted = cls.values_at(y, z, gamma=gamma, alpha=alpha)
        pt = np.where(y == 1, lossbook.sigmoid(z), lossbook.sigmoid(-z))
        items = [
            f"z = {_number(zi, 'g')}: p_t = {_number(p, '.4g')}, focal = {_number(f, '.4g')}, "
            f"weighted CE = {_number(w, '.4g')}, dℓ/dz = {_number(gf, '.4g')} vs {_number(gw, '.4g')}"
            for zi, p, f, w, gf, gw in zip(z, pt, focal, weighted, g_focal, g_weighted)
        ]
        # Summed in order, as the page does (NumPy's pairwise sum can differ in the last bit).
        means = [sum(values.tolist()) / len(values) for values in (focal, weighted)]
        items.append(f"mean focal = {_number(means[0], '.4g')}, mean weighted CE = {_number(means[1], '.4g')}")
        return format_readout(*items)

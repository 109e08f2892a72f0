"""Chapter 2: the entropy of a distribution, from sliders or typed."""

from __future__ import annotations

import numpy as np

import lossbook

from .. import plots
from ._base import Explorer, Parameter, _number, format_readout, parse_numbers

__all__ = ["EntropyExplorer"]


class EntropyExplorer(Explorer):
    """Entropy of a distribution over four outcomes (chapter 2).

    Four sliders set non-negative weights of the outcomes, normalized to
    probabilities :math:`p`. The left panel shows :math:`p` as bars; the right
    panel shows :math:`H(p)` in bits, ``lossbook.entropy(p, base=2)``, against
    its maximum :math:`\\log_2 4 = 2` bits (the uniform distribution). The
    readout gives the weights, their sum, :math:`p` to four decimals and
    :math:`H(p)` in bits and in nats (``lossbook.entropy(p)``). A reader can
    also type a distribution of their own (:meth:`typed_readout`).

    Parameters
    ----------
    **values : float
        Initial weights ``w1``, ..., ``w4`` in [0, 1] (defaults 0.4, 0.3, 0.2, 0.1).

    Examples
    --------
    >>> from lossbook.explorers import EntropyExplorer
    >>> EntropyExplorer().readout
    'weights (0.40, 0.30, 0.20, 0.10) ÷ 1.00 → p = (0.4000, 0.3000, 0.2000, 0.1000) · H(p) = 1.846 bits = 1.280 nats'
    >>> EntropyExplorer(w1=0.02, w2=0.02, w3=0.02, w4=0.93).readout
    'weights (0.02, 0.02, 0.02, 0.93) ÷ 0.99 → p = (0.0202, 0.0202, 0.0202, 0.9394) · H(p) = 0.426 bits = 0.295 nats'
    >>> EntropyExplorer.typed_readout("0.5, 0.25, 0.25")
    'your p: H(p) = 1.5000 bits = 1.0397 nats'
    >>> EntropyExplorer.typed_readout("[0.5, 0.1, 0.2, 0.2, 0.1]")
    'p must sum to 1 along the last axis (within 0.001); received p sums to 1.1.'
    """

    view = "entropy"

    parameters = tuple(
        Parameter(f"w{i}", f"Weight of outcome {i}", 0.0, 1.0, 0.01, default)
        for i, default in zip(range(1, 5), (0.4, 0.3, 0.2, 0.1))
    )
    alt = (
        "Two panels. Left: a bar chart of the probabilities of outcomes 1 to 4, on a vertical "
        "axis from 0 to 1. Right: a single bar showing the "
        "entropy H(p) in bits, labelled with its value, on a vertical axis from 0 to 2.45 bits, "
        "with a dashed reference line at the maximum of 2 bits."
    )
    caption = (
        "Entropy of a distribution over four outcomes: 2 bits when all four are equally likely, "
        "less as the distribution becomes peaked, 0 when one outcome is certain."
    )

    def setup(self, fig):
        left, right = fig.subplots(1, 2, width_ratios=[3, 1])
        outcomes = np.arange(1, 5)
        bars = left.bar(outcomes, np.zeros(4), width=0.6, color=plots.PALETTE["blue"])
        self.bars = list(bars.patches)
        self.animate(*self.bars)
        left.set_xticks(outcomes, [f"outcome {i}" for i in outcomes])
        left.grid(axis="x", visible=False)
        plots.style_axes(left, xlabel="outcome", ylabel="probability p", xlim=(0.4, 4.6), ylim=(0, 1.12))
        self.note = self.animate(
            left.text(2.5, 0.5, "", ha="center", va="center", fontsize=11, color=plots.PALETTE["vermillion"])
        )

        (self.h_bar,) = right.bar([0], [0], width=0.6, color=plots.PALETTE["green"]).patches
        self.animate(self.h_bar)
        self.h_label = self.animate(right.text(0, 0, "", ha="center", va="bottom", fontsize=10))
        plots.reference_line(right, 2.0, "maximum: 2 bits")
        right.set_xticks([0], ["H(p)"])
        right.grid(axis="x", visible=False)
        plots.style_axes(right, xlabel="entropy", ylabel="bits", xlim=(-0.6, 0.6), ylim=(0, 2.45))

    def update(self, **weights):
        w = np.array([weights[p.name] for p in self.parameters])
        total = w.sum()
        if total == 0:
            for bar in self.bars:
                bar.set_height(0)
            self.h_bar.set_height(0)
            self.h_label.set_text("")
            self.note.set_text("All weights are 0:\nraise one to define p.")
            return "All weights are 0: raise one to define a distribution."
        p = w / total
        bits = float(lossbook.entropy(p, base=2))
        nats = float(lossbook.entropy(p))
        for bar, value in zip(self.bars, p):  # no value labels: each text costs 2-3 ms a change
            bar.set_height(value)
        self.h_bar.set_height(bits)
        inside = bits >= 0.3  # the value inside the top of the bar, clear of the 2-bit line
        self.h_label.set_y(bits - 0.05 if inside else bits + 0.02)
        self.h_label.set_verticalalignment("top" if inside else "bottom")
        self.h_label.set_color("white" if inside else "black")
        self.h_label.set_text(f"{bits:.2f}")
        self.note.set_text("")
        weights = "(" + ", ".join(f"{value:.2f}" for value in w) + ")"
        shown = "(" + ", ".join(f"{value:.4f}" for value in p) + ")"
        return format_readout(
            f"weights {weights} ÷ {total:.2f} → p = {shown}",
            f"H(p) = {_number(bits, '.3f')} bits = {_number(nats, '.3f')} nats",
        )

    @staticmethod
    def typed_readout(text):
        """The readout for a distribution typed as text (``"0.5, 0.25, 0.25"``), or lossbook's error message."""
        try:
            p = parse_numbers(text, "p")
            bits, nats = float(lossbook.entropy(p, base=2)), float(lossbook.entropy(p))
        except (TypeError, ValueError) as exc:
            return str(exc)
        return f"your p: H(p) = {_number(bits, '.4f')} bits = {_number(nats, '.4f')} nats"

"""Chapter 9: an anchor, a positive and negatives in 2-D, with the triplet margin loss and InfoNCE."""

from __future__ import annotations

import numpy as np
import traitlets

import lossbook

from .. import plots
from .._validation import fail
from ._base import Explorer, Parameter, format_readout

__all__ = ["EmbeddingExplorer", "check_embedding_points", "LIMIT", "MAX_NEGATIVES"]

#: Every coordinate lies in [-LIMIT, LIMIT], the plotted square.
LIMIT = 2.5
#: At most this many negatives (the figure has a bar for each candidate).
MAX_NEGATIVES = 6


def check_embedding_points(points):
    """The reader's points ``[[x, y], ...]`` (anchor, positive, negatives) as an array of shape (n, 2).

    Examples
    --------
    >>> from lossbook.explorers.embedding import check_embedding_points
    >>> check_embedding_points([[1, 0], [1, 1], [-1, 0]]).shape
    (3, 2)
    >>> check_embedding_points([[1, 0], [1, 1]])
    Traceback (most recent call last):
        ...
    ValueError: points must be an anchor, a positive and 1 to 6 negatives (3 to 8 points); received 2 points.
    >>> check_embedding_points([[1, 0], [1, 1], [3, 0]])
    Traceback (most recent call last):
        ...
    ValueError: points must lie in the plotted square, every coordinate in [-2.5, 2.5]; received 3.0 in point 3.
    """
    xy = np.asarray(points, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        fail("points", "be pairs x, y", f"an array of shape {xy.shape}")
    n = xy.shape[0]
    if not 3 <= n <= MAX_NEGATIVES + 2:
        fail(
            "points",
            f"be an anchor, a positive and 1 to {MAX_NEGATIVES} negatives (3 to {MAX_NEGATIVES + 2} points)",
            f"{n} point{'s' if n != 1 else ''}",
        )
    outside = ~(np.abs(xy) <= LIMIT)  # NaN counts as outside
    if outside.any():
        i, j = np.argwhere(outside)[0]
        fail(
            "points",
            f"lie in the plotted square, every coordinate in [{-LIMIT:g}, {LIMIT:g}]",
            f"{float(xy[i, j])!r} in point {i + 1}",
        )
    return xy


def embedding_losses(points, margin, temperature):
    """Cosine similarities, the triplet margin loss and InfoNCE of the points, every number from lossbook.

    Parameters
    ----------
    points : array_like, shape (n, 2)
        Anchor, positive, then ``n - 2`` negatives (checked by :func:`check_embedding_points`).
    margin : float
        The triplet margin.
    temperature : float
        InfoNCE's temperature.

    Returns
    -------
    dict
        ``cos``: cosine similarity of the anchor with each candidate (positive
        first), ``-lossbook.cosine_similarity``; ``distances``: Euclidean
        distances from the anchor; ``triplet``: ``lossbook.triplet_margin_loss``
        of (anchor, positive, negative k), averaged over the negatives;
        ``info_nce``: ``lossbook.info_nce`` of the one-row similarity matrix
        ``[cos]`` at the temperature; ``probabilities``: the softmax of
        ``cos / temperature`` (the positive's is ``exp(-info_nce)``).

    Examples
    --------
    >>> from lossbook.explorers.embedding import embedding_losses
    >>> out = embedding_losses([[1, 0], [1, 1], [-1, 0]], margin=0.5, temperature=1.0)
    >>> [round(float(c), 4) for c in out["cos"]]
    [0.7071, -1.0]
    >>> round(float(out["info_nce"]), 4), round(float(out["triplet"]), 4)
    (0.1667, 0.0)
    """
    xy = check_embedding_points(points)
    anchor, candidates = xy[:1], xy[1:]
    k = candidates.shape[0] - 1
    cos = -lossbook.cosine_similarity(np.repeat(anchor, k + 1, axis=0), candidates, reduction="none")
    triplet = lossbook.triplet_margin_loss(
        np.repeat(anchor, k, axis=0), np.repeat(xy[1:2], k, axis=0), xy[2:], margin=margin
    )
    similarity = cos[None, :]
    return {
        "cos": cos,
        "distances": np.sqrt(np.sum((candidates - anchor) ** 2, axis=1)),
        "triplet": float(triplet),
        "info_nce": float(lossbook.info_nce(similarity, temperature=temperature)),
        "probabilities": lossbook.softmax(similarity / temperature)[0],
    }


class EmbeddingExplorer(Explorer):
    """An anchor, a positive and negatives in a 2-D embedding space (chapter 9).

    The reader drags the points (or moves them with the arrow keys, or types
    them); the margin and the temperature are sliders. The left panel is the
    plane: the anchor (a star), its positive (a circle) and the negatives
    (squares), with rays from the origin (the cosine similarity depends on
    these directions only) and a dashed ring around the anchor of radius
    :math:`d(a, p) + m`: a negative inside the ring costs the triplet margin
    loss :math:`\\max(0, d(a, p) - d(a, n) + m)`. The right panel shows
    InfoNCE's softmax over the candidates, the probability of each being the
    positive given the cosine similarities divided by the temperature; its
    loss is :math:`-\\log` of the positive's bar.

    The readout gives each cosine similarity, the triplet loss (averaged over
    the negatives, ``lossbook.triplet_margin_loss``), InfoNCE
    (``lossbook.info_nce`` of the row of similarities) and the positive's
    probability.

    Parameters
    ----------
    **values : float
        Initial ``margin`` in [0, 2] (default 0.5) and ``temperature`` in
        [0.05, 2] (default 0.2).

    Examples
    --------
    >>> from lossbook.explorers import EmbeddingExplorer
    >>> explorer = EmbeddingExplorer()
    >>> print(explorer.readout.replace(" · ", "\\n"))
    margin = 0.50
    τ = 0.20
    3 negatives
    cos(a, p) = 0.980
    cos(a, n1) = 0.031
    cos(a, n2) = 0.179
    cos(a, n3) = 0.951
    triplet loss (mean over negatives) = 0.067
    InfoNCE = 0.638
    p(positive) = 0.528
    >>> explorer.points_readout([[0, 0], [1, 1]], 0.5, 0.2)
    'points must be an anchor, a positive and 1 to 6 negatives (3 to 8 points); received 2 points.'
    """

    view = "embedding"
    point_list = traitlets.List().tag(sync=True)
    _page_traits = ("kind", "values", "spec", "data", "point_list")

    parameters = (
        Parameter("margin", "Triplet margin m", 0.0, 2.0, 0.01, 0.5, fmt=".2f", symbol="margin"),
        Parameter("temperature", "InfoNCE temperature τ", 0.05, 2.0, 0.01, 0.2, fmt=".2f", symbol="τ"),
    )
    #: The starting points: anchor, positive, and three negatives (the last one a hard negative).
    default_points = ((1.0, 0.5), (1.4, 1.1), (-0.6, 1.3), (0.9, -1.2), (2.0, 0.3))
    figsize = (7.6, 3.4)
    alt = (
        "Left: a 2-D plane with an anchor a, its positive p (blue) and three negatives n1 to n3 (vermillion), "
        "rays from the origin, and a dashed ring of radius d(a, p) + margin around a, which only n3 lies inside. "
        "Right: InfoNCE's softmax over the candidates at τ = 0.2: p and n3 get nearly all of it."
    )
    caption = (
        "Triplet loss looks at distances (negatives inside the ring cost), InfoNCE at directions: −log of the "
        "positive's bar."
    )

    def __init__(self, **values):
        super().__init__(**values)
        self.point_list = [list(p) for p in self.default_points]

    def points_readout(self, points, margin, temperature):
        """The readout for the reader's ``points``, or lossbook's message if they are refused."""
        try:
            out = embedding_losses(points, margin, temperature)
        except (TypeError, ValueError) as exc:
            return str(exc)
        k = len(out["cos"]) - 1
        items = [("margin", margin, ".2f"), ("τ", temperature, ".2f"), f"{k} negative{'s' if k != 1 else ''}"]
        names = ["p", *(f"n{j}" for j in range(1, k + 1))]
        items += [(f"cos(a, {name})", c, ".3f") for name, c in zip(names, out["cos"])]
        items += [
            ("triplet loss (mean over negatives)", out["triplet"], ".3f"),
            ("InfoNCE", out["info_nce"], ".3f"),
            ("p(positive)", out["probabilities"][0], ".3f"),
        ]
        return format_readout(*items)

    def front_end_data(self):
        return {"limit": LIMIT, "max_negatives": MAX_NEGATIVES}

    # -- the figure --------------------------------------------------------------------

    def setup(self, fig):
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.1])
        grey = plots.PALETTE["grey"]
        t = np.linspace(0, 2 * np.pi, 200)
        left.plot(np.cos(t), np.sin(t), color=grey, linestyle=":", linewidth=1.2)
        left.axhline(0, color=grey, linewidth=0.6)
        left.axvline(0, color=grey, linewidth=0.6)
        n = MAX_NEGATIVES + 2
        self.rays = [self.animate(left.plot([0, 0], [0, 0], color=grey, linewidth=0.8)[0]) for _ in range(n)]
        self.ring = self.animate(left.plot(t, t, color=plots.PALETTE["vermillion"], linestyle="--", linewidth=1.2)[0])
        self._t = t
        colors = [plots.PALETTE["black"], plots.PALETTE["blue"]] + [plots.PALETTE["vermillion"]] * MAX_NEGATIVES
        shapes = ["*", "o"] + ["s"] * MAX_NEGATIVES
        self.dots = [
            self.animate(plots.marker(left, 0, 0, color=c, marker=s, size=140 if s == "*" else 60))
            for c, s in zip(colors, shapes)
        ]
        self.names = ["a", "p", *(f"n{j}" for j in range(1, MAX_NEGATIVES + 1))]
        self.labels = [
            self.animate(left.annotate(name, (0, 0), xytext=(6, 5), textcoords="offset points")) for name in self.names
        ]
        plots.style_axes(
            left,
            xlabel="embedding dimension 1",
            ylabel="embedding dimension 2",
            xlim=(-LIMIT, LIMIT),
            ylim=(-LIMIT, LIMIT),
        )
        left.set_aspect("equal")
        self._right = right
        self.bars = self.animate(*right.bar(range(n - 1), np.zeros(n - 1), color=colors[1:]).patches)
        plots.style_axes(
            right,
            xlabel="candidate: softmax of cos / τ",
            ylabel="p(candidate is the positive)",
            xlim=(-0.6, n - 1.4),
            ylim=(0, 1.02),
        )

    def update(self, *, margin, temperature):
        xy = check_embedding_points(self.point_list)
        out = embedding_losses(xy, margin, temperature)
        for i, ray in enumerate(self.rays):
            visible = i < len(xy)
            ray.set_visible(visible)
            if visible:
                scale = LIMIT * 1.5 / max(np.hypot(*xy[i]), 1e-9)
                ray.set_data([0, xy[i, 0] * scale], [0, xy[i, 1] * scale])
        radius = out["distances"][0] + margin
        self.ring.set_data(xy[0, 0] + radius * np.cos(self._t), xy[0, 1] + radius * np.sin(self._t))
        for i, (dot, label) in enumerate(zip(self.dots, self.labels)):
            visible = i < len(xy)
            dot.set_visible(visible)
            label.set_visible(visible)
            if visible:
                dot.set_offsets([xy[i]])
                label.xy = tuple(xy[i])
        for j, bar in enumerate(self.bars):
            bar.set_height(out["probabilities"][j] if j < len(out["probabilities"]) else 0.0)
        shown = len(out["probabilities"])
        self._right.set_xticks(range(shown), self.names[1 : shown + 1])
        return self.points_readout(self.point_list, margin, temperature)

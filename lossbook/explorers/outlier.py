"""Chapter 4: outliers against the lines that minimise MSE, MAE and the Huber loss."""

from __future__ import annotations

import re

import numpy as np
import traitlets

import lossbook

from .. import fitting, plots
from .._validation import _describe, check_positive, fail
from ._base import Explorer, Parameter, _number, format_readout, parse_numbers

__all__ = ["OutlierExplorer", "parse_points"]


def parse_points(text):
    """Points typed as ``"x, y; x, y; ..."`` (semicolons or new lines between points), as ``[[x, y], ...]``.

    Examples
    --------
    >>> from lossbook.explorers.outlier import parse_points
    >>> parse_points("0, 1; 2 3.5")
    [[0.0, 1.0], [2.0, 3.5]]
    >>> parse_points("0, 1; 2")
    Traceback (most recent call last):
        ...
    ValueError: points must be pairs x, y separated by semicolons; received '0, 1; 2'.
    """
    parts = [part.strip() for part in re.split(r"[;\n]+", text) if part.strip()]
    points = []
    for part in parts:
        try:
            xy = parse_numbers(part, "points")
        except ValueError:
            xy = []
        if len(xy) != 2:
            break
        points.append(xy)
    if not parts or len(points) != len(parts):
        fail("points", "be pairs x, y separated by semicolons", repr(text))
    return points


class OutlierExplorer(Explorer):
    """One outlier against the lines that minimise MSE, MAE and the Huber loss (chapter 4).

    A seeded dataset of ``n_points`` points on the line :math:`y = 1 + x/2`
    plus Gaussian noise; the last point (the one with the largest :math:`x`)
    is replaced by an outlier whose height above the true line is the first
    slider. Three straight lines :math:`\\hat y = a x + b` are fitted to the
    points, each minimising one loss over all lines:

    * MSE, ``lossbook.mean_squared_error``: :func:`lossbook.fitting.fit_line_mse`;
    * MAE, ``lossbook.mean_absolute_error``: :func:`lossbook.fitting.fit_line_mae`
      (exactly, over the lines through two points);
    * Huber, ``lossbook.huber(..., delta=δ)`` with δ the second slider:
      :func:`lossbook.fitting.fit_line_huber` (iteratively reweighted least squares).

    The reader can add points (click an empty spot, or type them), drag
    them, and delete them (select and press Delete); :attr:`point_list` holds
    them, synced with the front end, and :meth:`points_readout` gives the
    readout for any set of points.

    The left panel shows the points and the three lines; the right panel
    shows each fit's slope against the outlier's height, with markers at the
    current height. Look for the MSE line tilting further with every unit the
    outlier rises (its slope grows linearly), the MAE line not moving at all
    once the outlier is above it, and the Huber line in between: the outlier
    pulls it with a force capped at δ, so its slope levels off. The readout
    gives each fit's slope and intercept and the loss it minimises, at its
    minimum.

    Parameters
    ----------
    n_points : int, default 15
        Number of points, the outlier included (at least 4).
    noise : float, default 0.6
        Standard deviation of the Gaussian noise around the line.
    seed : int, default 4
        Seed of :func:`numpy.random.default_rng`.
    **values : float
        Initial ``outlier`` in [0, 20] (default 10) and ``delta`` in
        [0.2, 5] (default 1).

    Attributes
    ----------
    x : ndarray, shape (n_points,)
        Inputs, evenly spaced on [0, 10].
    y : ndarray, shape (n_points,)
        Targets without the outlier: ``1 + x / 2`` plus noise, except the last,
        which lies on the true line (the outlier's height is added to it).

    Examples
    --------
    >>> from lossbook.explorers import OutlierExplorer
    >>> explorer = OutlierExplorer(outlier=20.0)
    >>> print(explorer.readout.replace(" · ", "\\n"))
    outlier = 20.0
    δ = 1.0
    15 points
    MSE fit: y = 1.23x − 1.30, MSE = 20.008
    MAE fit: y = 0.55x + 0.80, MAE = 1.653
    Huber fit: y = 0.59x + 0.66, Huber = 1.412
    >>> explorer.fits(20.0, 1.0)["MAE"] == explorer.fits(10.0, 1.0)["MAE"]  # the MAE line ignores the distance
    True
    >>> explorer.points_readout([[0, 1], [0, 2]], 0.0, 1.0)
    'x must hold at least two different values to fit a line; received all x = 0.0.'
    """

    view = "outlier"
    point_list = traitlets.List().tag(sync=True)
    _page_traits = ("kind", "values", "spec", "data", "point_list")

    parameters = (
        Parameter(
            "outlier", "Height of the outlier above the true line", 0.0, 20.0, 0.5, 10.0, fmt=".1f", symbol="outlier"
        ),
        Parameter("delta", "Huber threshold δ", 0.2, 5.0, 0.1, 1.0, fmt=".1f", symbol="δ"),
    )
    alt = (
        "Two panels. Left: 15 points scattered around a rising dotted line (the true line "
        "y = 1 + x/2), input x from 0 to 10 on the horizontal axis and target y on the vertical "
        "axis; the rightmost point, drawn as a large diamond, is the outlier, raised above the "
        "line. Three straight lines are fitted to the points: the MSE fit (solid), the MAE fit "
        "(dashed) and the Huber fit (dash-dotted). Right: the slope of each fitted line "
        "(vertical axis) against the height of the outlier (horizontal axis, 0 to 20): the MSE "
        "slope rises in a straight line, the MAE slope stays flat and the Huber slope levels "
        "off; markers show the current height, and a dotted line the true slope 0.5."
    )
    caption = (
        "One outlier, three fitted lines. Squared error lets the outlier tilt the line more and "
        "more as it rises; absolute error ignores how far away it is; the Huber loss behaves "
        "like squared error for small residuals and like absolute error for large ones."
    )
    #: Heights of the outlier at which the right panel's slope curves are computed.
    curve_grid = np.linspace(0.0, 20.0, 41)
    true_slope, true_intercept = 0.5, 1.0

    def __init__(self, *, n_points=15, noise=0.6, seed=4, **values):
        if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 4:
            fail("n_points", "be an integer of at least 4", _describe(n_points))
        check_positive(noise, "noise")
        rng = np.random.default_rng(seed)
        self.x = np.linspace(0.0, 10.0, int(n_points))
        self.y = self.true_intercept + self.true_slope * self.x + rng.normal(0.0, noise, int(n_points))
        self.y[-1] = self.true_intercept + self.true_slope * self.x[-1]
        super().__init__(**values)
        self.point_list = np.column_stack([self.x, self.y]).tolist()

    # -- the data and the three fits ---------------------------------------------------

    @property
    def points(self):
        """The reader's points ``[[x, y], ...]`` (the last is the outlier, before it is raised)."""
        return [list(p) for p in self.point_list]

    def targets(self, outlier, points=None):
        """``x`` and ``y`` of the points with the last one raised by ``outlier``."""
        xy = np.array(self.point_list if points is None else points, dtype=float).reshape(-1, 2)
        x, y = xy[:, 0].copy(), xy[:, 1].copy()
        y[-1] += outlier
        return x, y

    def fits(self, outlier, delta, points=None):
        """The three fitted lines by :mod:`lossbook.fitting`: ``{"MSE": (slope, intercept), "MAE": ..., "Huber": ...}``."""
        x, y = self.targets(outlier, points)
        return {
            "MSE": fitting.fit_line_mse(x, y),
            "MAE": fitting.fit_line_mae(x, y),
            "Huber": fitting.fit_line_huber(x, y, delta=delta),
        }

    def losses(self, outlier, delta, line, points=None):
        """MSE, MAE and Huber(δ) of one line ``(slope, intercept)`` on the points, from lossbook."""
        x, y = self.targets(outlier, points)
        predictions = line[0] * x + line[1]
        return {
            "MSE": float(lossbook.mean_squared_error(y, predictions)),
            "MAE": float(lossbook.mean_absolute_error(y, predictions)),
            "Huber": float(lossbook.huber(y, predictions, delta=delta)),
        }

    def slope_curves(self, delta, points=None):
        """Slopes of the three fits at every outlier height of :attr:`curve_grid`."""
        curves = {"MSE": [], "MAE": [], "Huber": []}
        for height in self.curve_grid:
            for name, (slope, _) in self.fits(height, delta, points).items():
                curves[name].append(slope)
        return {name: np.array(v) for name, v in curves.items()}

    def points_readout(self, points, outlier, delta):
        """The readout for the reader's ``points`` (``[[x, y], ...]``), or lossbook's message if no line fits them."""
        try:
            fits = self.fits(outlier, delta, points)
        except (TypeError, ValueError) as exc:
            return str(exc)
        items = [("outlier", outlier, ".1f"), ("δ", delta, ".1f"), f"{len(points)} points"]
        for name, (slope, intercept) in fits.items():
            loss = self.losses(outlier, delta, (slope, intercept), points)[name]
            sign = "−" if intercept < 0 else "+"
            items.append(
                f"{name} fit: y = {_number(slope, '.2f')}x {sign} {abs(intercept):.2f}, {name} = {_number(loss, '.3f')}"
            )
        return format_readout(*items)

    def front_end_data(self):
        return {"true_line": [self.true_slope, self.true_intercept], "curve_grid": self.curve_grid.tolist()}

    # -- the figure --------------------------------------------------------------------

    _colors = {"MSE": plots.PALETTE["blue"], "MAE": plots.PALETTE["vermillion"], "Huber": plots.PALETTE["green"]}
    _styles = {"MSE": "-", "MAE": "--", "Huber": "-."}

    def setup(self, fig):
        left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
        span = np.array([-0.5, 10.5])
        self._span = span
        grey = plots.PALETTE["grey"]
        true_line = left.plot(
            span, self.true_intercept + self.true_slope * span, color=grey, linestyle=":", linewidth=1.5, zorder=1
        )[0]
        data = left.scatter(self.x[:-1], self.y[:-1], s=28, color=plots.PALETTE["black"], zorder=3)
        self.lines = {
            name: self.animate(left.plot(span, span * 0, color=self._colors[name], linestyle=self._styles[name])[0])
            for name in self._colors
        }
        self.outlier_point = self.animate(
            plots.marker(
                left,
                self.x[-1],
                self.y[-1],
                color=plots.PALETTE["purple"],
                marker="D",
                size=70,
                edgecolors="black",
                linewidths=0.8,
            )
        )
        top = self.true_intercept + self.true_slope * self.x[-1] + self.parameters[0].max
        plots.style_axes(
            left, xlabel="input x", ylabel="target y", xlim=tuple(span), ylim=(min(-0.5, self.y.min() - 0.5), top + 1.5)
        )

        grid = self.curve_grid
        curves = self.slope_curves(self.parameters[1].default)
        mse_slopes, mae_slopes = curves["MSE"], curves["MAE"]
        right.plot(grid, mse_slopes, color=self._colors["MSE"], linestyle=self._styles["MSE"])
        right.plot(grid, mae_slopes, color=self._colors["MAE"], linestyle=self._styles["MAE"])
        self.huber_slopes = self.animate(
            right.plot(grid, curves["Huber"], color=self._colors["Huber"], linestyle=self._styles["Huber"])[0]
        )
        right.axhline(self.true_slope, color=grey, linestyle=":", linewidth=1.5, zorder=1)
        self.slope_points = {
            name: self.animate(
                plots.marker(right, 0, 0, color=self._colors[name], marker="s" if name == "MAE" else "o")
            )
            for name in self._colors
        }
        low = min(mse_slopes.min(), mae_slopes.min(), self.true_slope)
        high = max(mse_slopes.max(), mae_slopes.max(), self.true_slope)
        pad = 0.06 * (high - low)
        plots.style_axes(
            right,
            xlabel="outlier's height above the line",
            ylabel="slope of the fitted line",
            xlim=(grid[0] - 0.4, grid[-1] + 0.4),
            ylim=(low - pad, high + pad),
        )
        handles = [data, self.outlier_point, *self.lines.values(), true_line]
        labels = ["data", "outlier", "MSE fit", "MAE fit", "Huber fit", "true line"]
        fig.legend(
            handles, labels, loc="outside upper center", ncols=6, fontsize=10, handlelength=1.8, columnspacing=1.2
        )

    def update(self, *, outlier, delta):
        fits = self.fits(outlier, delta)
        self.huber_slopes.set_ydata(self.slope_curves(delta)["Huber"])
        x, y = self.targets(outlier)
        self.outlier_point.set_offsets([[x[-1], y[-1]]])
        for name, (slope, intercept) in fits.items():
            self.lines[name].set_ydata(slope * self._span + intercept)
            self.slope_points[name].set_offsets([[outlier, slope]])
        return self.points_readout(self.point_list, outlier, delta)

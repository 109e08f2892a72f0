r"""Straight lines fitted by minimising a regression loss.

Chapter 4 fits a line :math:`\hat y = a x + b` to points :math:`(x_n, y_n)`
three times: with the smallest mean squared error, the smallest mean absolute
error and the smallest Huber loss. Each function here returns the minimiser
``(slope, intercept)`` as two floats; the loss it minimises is the lossbook
loss of the same name (:func:`lossbook.mean_squared_error`,
:func:`lossbook.mean_absolute_error`, :func:`lossbook.huber`).

The chapter's explorer (:class:`lossbook.explorers.OutlierExplorer`) computes
the same fits in the browser, in JavaScript, by the same steps; the browser
tests check the two against each other.
"""

from __future__ import annotations

import numpy as np

from ._validation import _describe, as_float_array, check_positive, check_same_shape, fail

__all__ = ["fit_line_mse", "fit_line_mae", "fit_line_huber"]


def _points(x, y):
    x = as_float_array(x, "x", dtype=np.float64)
    y = as_float_array(y, "y", dtype=np.float64)
    if x.ndim != 1:
        fail("x", "be one-dimensional, one number per point", f"x.shape={x.shape}")
    check_same_shape(x, y, ("x", "y"))
    if x.size < 2:
        fail("x", "hold at least 2 points to fit a line", f"{x.size} point")
    if x.min() == x.max():
        fail("x", "hold at least two different values to fit a line", f"all x = {float(x[0])!r}")
    return x, y


def _weighted_line(x, y, w):
    """Solve the weighted normal equations [[Sxx, Sx], [Sx, S]] (a, b) = (Sxy, Sy) by Cramer's rule."""
    s, sx, sxx = w.sum(), (w * x).sum(), (w * x * x).sum()
    sy, sxy = (w * y).sum(), (w * x * y).sum()
    det = s * sxx - sx * sx
    return float((s * sxy - sx * sy) / det), float((sxx * sy - sx * sxy) / det)


def fit_line_mse(x, y):
    r"""The line of smallest mean squared error (least squares).

    .. math::

        (a, b) = \arg\min_{a, b} \frac1N \sum_n (a x_n + b - y_n)^2

    solved in closed form from the normal equations.

    Parameters
    ----------
    x, y : array_like, shape (N,)
        The points, :math:`N \ge 2`, not all :math:`x_n` equal.

    Returns
    -------
    slope, intercept : float

    Examples
    --------
    >>> from lossbook.fitting import fit_line_mse
    >>> fit_line_mse([0, 1, 2], [1, 3, 5])
    (2.0, 1.0)
    """
    x, y = _points(x, y)
    return _weighted_line(x, y, np.ones_like(x))


def fit_line_mae(x, y):
    r"""The line of smallest mean absolute error (least absolute deviations), exactly.

    .. math::

        (a, b) = \arg\min_{a, b} \frac1N \sum_n |a x_n + b - y_n|

    A least-absolute-deviations line always passes through at least two of
    the points (a vertex of its linear program), so every line through two
    points with different :math:`x` is a candidate and the one with the
    smallest MAE is a minimiser; if several tie, the first in the order
    ``(0, 1), (0, 2), ..., (1, 2), ...``. :math:`O(N^3)` work: meant for the
    tens of points of a figure.

    Parameters
    ----------
    x, y : array_like, shape (N,)
        The points, :math:`N \ge 2`, not all :math:`x_n` equal.

    Returns
    -------
    slope, intercept : float

    Examples
    --------
    >>> from lossbook.fitting import fit_line_mae
    >>> fit_line_mae([0, 1, 2, 3], [0, 1, 2, 30])  # the outlier does not move it
    (1.0, 0.0)
    """
    x, y = _points(x, y)
    best, line = np.inf, None
    n = x.size
    for i in range(n):
        for j in range(i + 1, n):
            if x[i] == x[j]:
                continue
            a = (y[j] - y[i]) / (x[j] - x[i])
            b = y[i] - a * x[i]
            mae = np.abs(a * x + b - y).mean()
            if mae < best:
                best, line = mae, (float(a), float(b))
    return line


def fit_line_huber(x, y, *, delta=1.0, start=None, max_iter=100):
    r"""The line of smallest Huber loss, by iteratively reweighted least squares.

    .. math::

        (a, b) = \arg\min_{a, b} \frac1N \sum_n h_\delta(a x_n + b - y_n)

    Each step solves the weighted least-squares problem with weights
    :math:`\psi(r_n)/r_n` at the current residuals :math:`r_n`, where
    :math:`\psi(r) = \operatorname{clip}(r, -\delta, \delta)` is the
    derivative of the Huber loss (:func:`lossbook.huber_grad`; weight 1 where
    :math:`r_n = 0`). The loss never increases along the way (P. J. Huber,
    *Robust Statistics*, 1981, chapter 7); the iteration stops when neither
    slope nor intercept moves by more than :math:`10^{-10}(1 + |v|)`.

    Parameters
    ----------
    x, y : array_like, shape (N,)
        The points, :math:`N \ge 2`, not all :math:`x_n` equal.
    delta : float, default 1.0
        The Huber threshold, positive.
    start : (float, float), optional
        Initial slope and intercept; the least-squares line by default.
    max_iter : int, default 100
        Upper bound on the iterations.

    Returns
    -------
    slope, intercept : float

    Examples
    --------
    >>> from lossbook.fitting import fit_line_huber
    >>> a, b = fit_line_huber([0, 1, 2, 3, 4], [0, 1, 2, 3, 40], delta=1.0)
    >>> print(f"{a:.4f} {b:.4f}")
    1.5000 -0.5000
    """
    x, y = _points(x, y)
    check_positive(delta, "delta")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        fail("max_iter", "be a positive integer", _describe(max_iter))
    slope, intercept = fit_line_mse(x, y) if start is None else (float(start[0]), float(start[1]))
    for _ in range(int(max_iter)):
        residual = slope * x + intercept - y
        psi = np.clip(residual, -delta, delta)
        zero = residual == 0
        w = np.where(zero, 1.0, psi / np.where(zero, 1.0, residual))
        new_slope, new_intercept = _weighted_line(x, y, w)
        done = abs(new_slope - slope) <= 1e-10 * (1 + abs(slope)) and abs(new_intercept - intercept) <= 1e-10 * (
            1 + abs(intercept)
        )
        slope, intercept = new_slope, new_intercept
        if done:
            break
    return slope, intercept

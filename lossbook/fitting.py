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

Chapter 8 fits a line with a noise level: a Gaussian whose mean is a line
and whose variance is :math:`\exp(c x + d)` (heteroscedastic) or a constant
(homoscedastic), by minimising :func:`lossbook.gaussian_nll`
(:func:`fit_gaussian_line`), on data whose noise grows with :math:`x`
(:func:`make_heteroscedastic_line`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import _describe, as_float_array, check_positive, check_same_shape, fail

__all__ = [
    "fit_line_mse",
    "fit_line_mae",
    "fit_line_huber",
    "GaussianLine",
    "fit_gaussian_line",
    "make_heteroscedastic_line",
]


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


# -- chapter 8: a line with a predicted noise level ---------------------------------------------


class GaussianLine(NamedTuple):
    r"""A Gaussian regression model on one input: mean :math:`a x + b`, variance :math:`\exp(c x + d)`.

    Fields ``slope`` (:math:`a`), ``intercept`` (:math:`b`),
    ``log_var_slope`` (:math:`c`, 0 for a homoscedastic model) and
    ``log_var_intercept`` (:math:`d`).
    """

    slope: float
    intercept: float
    log_var_slope: float
    log_var_intercept: float

    def mean(self, x):
        """The predicted mean :math:`a x + b` at ``x`` (array)."""
        return self.slope * np.asarray(x, dtype=float) + self.intercept

    def var(self, x):
        """The predicted variance :math:`\\exp(c x + d)` at ``x`` (array)."""
        return np.exp(self.log_var_slope * np.asarray(x, dtype=float) + self.log_var_intercept)

    def nll(self, x, y):
        """Mean :func:`lossbook.gaussian_nll` of the points ``(x, y)`` under the model (without the constant)."""
        from .probabilistic import gaussian_nll

        x, y = _points(x, y)
        return float(gaussian_nll(y[:, None], self.mean(x)[:, None], self.var(x)[:, None]))


def _gaussian_nll_and_gradient(params, x, y):
    """Mean of 0.5 (s + r**2 exp(-s)), r = y - (a x + b), s = c x + d, and its gradient in (a, b, c, d)."""
    a, b, c, d = params
    r = y - (a * x + b)
    s = c * x + d
    w = np.exp(-s)  # the precision 1 / sigma**2 of each point
    value = 0.5 * np.mean(s + r * r * w)
    g_mean = -r * w  # d/d(mean) of each point's loss
    g_s = 0.5 * (1.0 - r * r * w)  # d/ds of each point's loss
    grad = np.array([np.mean(g_mean * x), np.mean(g_mean), np.mean(g_s * x), np.mean(g_s)])
    return value, grad


def fit_gaussian_line(x, y, *, heteroscedastic=True):
    r"""Fit a line and a noise level by minimising the Gaussian negative log-likelihood.

    .. math::

        (a, b, c, d) = \arg\min \frac1N \sum_n \frac12 \left( s_n + \frac{(y_n - a x_n - b)^2}{e^{s_n}} \right),
        \qquad s_n = \log \sigma^2(x_n) = c x_n + d,

    which is :func:`lossbook.gaussian_nll` with mean :math:`a x + b` and
    variance :math:`e^{c x + d}` (the variance is a log-linear function of
    :math:`x`, so it stays positive). With ``heteroscedastic=False``,
    :math:`c = 0`: one variance for every point, and the mean is the
    least-squares line (:func:`fit_line_mse`) with :math:`\sigma^2` its
    mean squared error. Minimised with SciPy's L-BFGS-B from the
    least-squares line, with the analytic gradient.

    Parameters
    ----------
    x, y : array_like, shape (N,)
        The points, :math:`N \ge 2`, not all :math:`x_n` equal.
    heteroscedastic : bool, default True
        Let the variance depend on :math:`x`.

    Returns
    -------
    GaussianLine

    Examples
    --------
    >>> from lossbook.fitting import fit_gaussian_line, make_heteroscedastic_line
    >>> x, y = make_heteroscedastic_line(2000, seed=0)
    >>> fit = fit_gaussian_line(x, y)
    >>> print(round(fit.slope, 1), round(fit.intercept, 1), bool(fit.log_var_slope > 0))
    0.5 1.0 True
    >>> homo = fit_gaussian_line(x, y, heteroscedastic=False)
    >>> homo.log_var_slope
    0.0
    """
    from scipy.optimize import minimize

    if not isinstance(heteroscedastic, (bool, np.bool_)):
        fail("heteroscedastic", "be True or False", _describe(heteroscedastic), error=TypeError)
    x, y = _points(x, y)
    a, b = fit_line_mse(x, y)
    mse = float(np.mean((y - a * x - b) ** 2))
    if not heteroscedastic:
        # The minimiser in closed form: the least-squares line, and its mean squared error as the variance.
        return GaussianLine(a, b, 0.0, float(np.log(max(mse, 1e-300))))
    result = minimize(
        _gaussian_nll_and_gradient,
        np.array([a, b, 0.0, np.log(max(mse, 1e-300))]),
        args=(x, y),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 2000, "gtol": 1e-10, "ftol": 1e-15},
    )
    return GaussianLine(*(float(v) for v in result.x))


def make_heteroscedastic_line(n_points=200, *, seed=0, slope=0.5, intercept=1.0, noise=(0.1, 0.3), x_range=(0.0, 4.0)):
    r"""Points on a line whose noise grows with :math:`x`.

    :math:`x \sim U(x_{\min}, x_{\max})`,
    :math:`y = \text{slope} \cdot x + \text{intercept} + (\sigma_0 + \sigma_1 x)\, \varepsilon`,
    :math:`\varepsilon \sim \mathcal N(0, 1)`, with ``noise`` :math:`= (\sigma_0, \sigma_1)`.

    Parameters
    ----------
    n_points : int, default 200
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    slope, intercept : float
        The true line.
    noise : (float, float), default (0.1, 0.3)
        The true standard deviation is ``noise[0] + noise[1] * x``.
    x_range : (float, float), default (0, 4)

    Returns
    -------
    x, y : ndarray, shape (n_points,)
        Sorted by ``x``.

    Examples
    --------
    >>> from lossbook.fitting import make_heteroscedastic_line
    >>> x, y = make_heteroscedastic_line(5, seed=1)
    >>> x.shape, bool((x[1:] >= x[:-1]).all())
    ((5,), True)
    """
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        fail("n_points", "be an integer of at least 2", _describe(n_points), error=TypeError)
    low, high = (float(v) for v in x_range)
    if not low < high:
        fail("x_range", "be (low, high) with low < high", f"x_range={x_range!r}")
    s0, s1 = (float(v) for v in noise)
    if s0 <= 0 or s0 + s1 * high <= 0 or s0 + s1 * low <= 0:
        fail("noise", "give a positive standard deviation on the whole x_range", f"noise={noise!r}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, int(n_points)))
    y = slope * x + intercept + (s0 + s1 * x) * rng.standard_normal(int(n_points))
    return x, y

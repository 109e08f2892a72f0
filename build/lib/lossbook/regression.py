"""Regression losses: squared, absolute, Huber, log-cosh and epsilon-insensitive errors.

Every loss takes ``(y_true, y_pred)`` of the same shape (lossbook refuses to
broadcast ``(N,)`` against ``(N, 1)``, which NumPy would silently turn into an
``(N, N)`` matrix of errors), averages over the last axis as Keras does, then
applies ``reduction`` (``"mean"``, ``"sum"`` or ``"none"``).
"""

from __future__ import annotations

import numpy as np

from ._reductions import last_axis_mean
from ._validation import as_pair, check_nonnegative, check_positive, reduce

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "log_cosh",
    "epsilon_insensitive",
    "sum_squared_error",
]


def mean_squared_error(y_true, y_pred, *, reduction="mean"):
    r"""Mean squared error (L2 loss).

    .. math::

        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} (y_k - \hat y_k)^2

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets.
    y_pred : array_like, shape (..., K)
        Predictions, same shape as ``y_true``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    See Also
    --------
    keras.losses.MeanSquaredError

    Examples
    --------
    Keras' documented example, ``MeanSquaredError()([[0., 1.], [0., 0.]],
    [[1., 1.], [1., 0.]])`` = 0.5:

    >>> import lossbook as lb
    >>> print(lb.mean_squared_error([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    >>> print(lb.mean_squared_error([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], reduction="none"))
    [0.5 0.5]
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    squares = np.square(y_true - y_pred)
    if reduction == "mean":
        # Every sample has K elements, so the mean of the per-sample means is the
        # mean of all squares: one pass, not two (the same number up to rounding).
        return squares.mean(dtype=squares.dtype)
    return reduce(last_axis_mean(squares), reduction)


def mean_absolute_error(y_true, y_pred, *, reduction="mean"):
    r"""Mean absolute error (L1 loss).

    .. math::

        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} |y_k - \hat y_k|

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets.
    y_pred : array_like, shape (..., K)
        Predictions, same shape as ``y_true``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    See Also
    --------
    keras.losses.MeanAbsoluteError

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.mean_absolute_error([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
    0.5
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    return reduce(last_axis_mean(np.abs(y_true - y_pred)), reduction)


def huber(y_true, y_pred, *, delta=1.0, reduction="mean"):
    r"""Huber loss: quadratic for small errors, linear for large ones.

    .. math::

        \ell_\delta(e) = \begin{cases}
            \tfrac12 e^2 & |e| \le \delta \\
            \delta |e| - \tfrac12 \delta^2 & |e| > \delta
        \end{cases}, \qquad e = \hat y - y,

    averaged over the last axis. With ``delta=1`` this is the "smooth L1" loss
    of object detection.

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets.
    y_pred : array_like, shape (..., K)
        Predictions, same shape as ``y_true``.
    delta : float, default 1.0
        Positive threshold where the loss turns from quadratic to linear.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    References
    ----------
    P. J. Huber, "Robust Estimation of a Location Parameter", *The Annals of
    Mathematical Statistics* 35(1), 1964.

    Examples
    --------
    Keras' documented example, ``Huber()([[0, 1], [0, 0]], [[0.6, 0.4],
    [0.4, 0.6]])`` = 0.155:

    >>> import lossbook as lb
    >>> print(round(float(lb.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 6))
    0.155
    """
    check_positive(delta, "delta")
    y_true, y_pred = as_pair(y_true, y_pred)
    error = np.abs(y_pred - y_true)
    d = y_pred.dtype.type(delta)
    half = y_pred.dtype.type(0.5)
    per_element = np.where(error <= d, half * np.square(error), d * error - half * d * d)
    return reduce(last_axis_mean(per_element), reduction)


def log_cosh(y_true, y_pred, *, reduction="mean"):
    r"""Log-cosh loss: like :math:`e^2/2` for small errors and :math:`|e| - \log 2` for large ones.

    .. math::

        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} \log\cosh(\hat y_k - y_k)

    Two exact rewritings are used, neither of which overflows (unlike
    ``np.log(np.cosh(e))`` for :math:`|e| > 710`): for :math:`|e| \ge 1`,
    :math:`|e| + \log(1 + e^{-2|e|}) - \log 2` (Keras' formula); for
    :math:`|e| < 1`, :math:`\log(1 + 2\sinh^2(e/2))`, which keeps full relative
    precision for tiny errors, where the first form cancels (in float32 it
    gives 4.77e-7 instead of 5.0e-7 at :math:`e = 10^{-3}`).

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets.
    y_pred : array_like, shape (..., K)
        Predictions, same shape as ``y_true``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    See Also
    --------
    keras.losses.LogCosh

    Examples
    --------
    Keras' documented example, ``LogCosh()([[0., 1.], [0., 0.]], [[1., 1.],
    [0., 0.]])`` = 0.108:

    >>> import lossbook as lb
    >>> print(round(float(lb.log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])), 3))
    0.108
    >>> print(lb.log_cosh([0.0], [1000.0]))
    999.3068528194401
    >>> import numpy as np
    >>> print(lb.log_cosh(np.float32([0.0]), np.float32([1e-3])))  # exact: 4.9999992e-07
    4.9999994e-07
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    error = np.abs(y_pred - y_true)
    per_element = np.empty_like(error)
    small = error < 1
    per_element[small] = np.log1p(2 * np.square(np.sinh(error[small] / 2)))
    large = error[~small]
    per_element[~small] = large + np.log1p(np.exp(-2 * large)) - y_pred.dtype.type(np.log(2.0))
    return reduce(last_axis_mean(per_element), reduction)


def epsilon_insensitive(y_true, y_pred, *, epsilon=0.1, reduction="mean"):
    r"""Epsilon-insensitive loss of support vector regression.

    .. math::

        \ell_\varepsilon(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K}
            \max(0, |y_k - \hat y_k| - \varepsilon)

    Errors smaller than :math:`\varepsilon` cost nothing.

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets.
    y_pred : array_like, shape (..., K)
        Predictions, same shape as ``y_true``.
    epsilon : float, default 0.1
        Non-negative half-width of the tube of free errors; 0 gives MAE.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    References
    ----------
    V. Vapnik, *The Nature of Statistical Learning Theory*, Springer, 1995.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(round(float(lb.epsilon_insensitive([0.0, 0.0], [0.05, 1.0], epsilon=0.1)), 6))
    0.45
    """
    check_nonnegative(epsilon, "epsilon")
    y_true, y_pred = as_pair(y_true, y_pred)
    excess = np.abs(y_true - y_pred) - y_pred.dtype.type(epsilon)
    return reduce(last_axis_mean(np.maximum(excess, 0)), reduction)


def sum_squared_error(y_true, y_pred):
    r"""Half the sum of squared errors over all elements, as in *Deep Learning from Scratch*.

    .. math::

        E = \frac12 \sum_k (y_k - t_k)^2

    The :math:`\tfrac12` makes the gradient :math:`y - t`. There is no batch
    reduction: the sum runs over every element.

    Parameters
    ----------
    y_true : array_like, shape (...)
        Targets (``t`` in the book).
    y_pred : array_like, shape (...)
        Predictions (``y`` in the book), same shape.

    Returns
    -------
    ndarray, shape ()
        A single value.

    References
    ----------
    K. Saito, *Deep Learning from Scratch* (O'Reilly Japan, 2016), section 4.2.1.

    Examples
    --------
    The book's two examples, target class 2, predictions peaked on class 2 and
    on class 7:

    >>> import lossbook as lb
    >>> t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    >>> y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    >>> print(round(float(lb.sum_squared_error(t, y)), 4))
    0.0975
    >>> y = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
    >>> print(round(float(lb.sum_squared_error(t, y)), 4))
    0.5975
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    return 0.5 * np.square(y_pred - y_true).sum(dtype=y_pred.dtype)

"""Regression losses: squared, absolute, percentage, squared-log, Huber, log-cosh and epsilon-insensitive errors.

Every loss takes ``(y_true, y_pred)`` of the same shape (lossbook refuses to
broadcast ``(N,)`` against ``(N, 1)``, which NumPy would silently turn into an
``(N, N)`` matrix of errors), averages over the last axis as Keras does, then
applies ``sample_weight`` and ``reduction`` (``"mean"``, ``"sum"`` or
``"none"``) with Keras' semantics (see :func:`lossbook._validation.reduce`).

:func:`mean_squared_error` is written as three named private steps that
``benchmarks/losses.py`` times one by one: validate (``as_pair``), per-element
(``_squared_errors``), reduce (``_reduce_squares``).
"""

from __future__ import annotations

import numpy as np

from ._reductions import last_axis_mean
from ._validation import EPSILON, as_pair, check_no_negatives, check_nonnegative, check_positive, fail, reduce

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "huber",
    "log_cosh",
    "epsilon_insensitive",
    "sum_squared_error",
]


def mean_squared_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values: a scalar or an array that broadcasts
        to their shape. With ``"mean"`` the weighted sum is divided by the
        number of samples (Keras' ``sum_over_batch_size``), not by the sum of
        the weights.

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
    return _reduce_squares(_squared_errors(y_true, y_pred), reduction, sample_weight)


def _squared_errors(y_true, y_pred):
    """Per-element step of :func:`mean_squared_error` (validated inputs)."""
    return np.square(y_true - y_pred)


def _reduce_squares(squares, reduction="mean", sample_weight=None):
    """Reduce step of :func:`mean_squared_error`."""
    if reduction == "mean" and sample_weight is None:
        # Every sample has K elements, so the mean of the per-sample means is the
        # mean of all squares: one pass, not two (the same number up to rounding).
        return squares.mean(dtype=squares.dtype)
    return reduce(last_axis_mean(squares), reduction, sample_weight)


def mean_absolute_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values: a scalar or an array that broadcasts
        to their shape. With ``"mean"`` the weighted sum is divided by the
        number of samples (Keras' ``sum_over_batch_size``), not by the sum of
        the weights.

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
    return reduce(last_axis_mean(np.abs(y_true - y_pred)), reduction, sample_weight)


def mean_absolute_percentage_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Mean absolute percentage error.

    .. math::

        \ell(y, \hat y) = \frac{100}{K} \sum_{k=1}^{K} \frac{|y_k - \hat y_k|}{|y_k|}

    A target of 0 makes the error undefined. Keras divides by
    :math:`\max(|y|, 10^{-7})` instead, so one zero target adds about
    :math:`10^9 |\hat y|` percent; lossbook refuses zero targets (a test shows
    Keras' number).

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets, none of them 0.
    y_pred : array_like, shape (..., K)
        Predictions, same shape as ``y_true``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`mean_squared_error`).

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``; in percent.

    See Also
    --------
    keras.losses.MeanAbsolutePercentageError

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]]))
    37.5
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    zero = y_true == 0
    if zero.any():
        bad = tuple(int(i) for i in np.argwhere(zero)[0])
        fail(
            "y_true",
            "contain no zeros (a percentage of 0 is undefined)",
            f"0.0 at index {bad}",
            "Keras divides by 1e-7 there instead; use mean_absolute_error for targets near 0.",
        )
    per_element = np.abs((y_true - y_pred) / y_true)
    return reduce(y_pred.dtype.type(100) * last_axis_mean(per_element), reduction, sample_weight)


def mean_squared_logarithmic_error(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Mean squared logarithmic error: squared error of :math:`\log(1 + y)`.

    .. math::

        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K}
            \left(\log(1 + \hat y_k) - \log(1 + y_k)\right)^2

    It measures relative error for large values. Keras replaces every value
    below :math:`10^{-7}` (negative ones included) by :math:`10^{-7}` before
    taking logs, so a negative prediction costs the same as 0 and gets no
    gradient; lossbook refuses negative values, and otherwise applies the same
    floor (so values in :math:`[0, 10^{-7})` agree with Keras too).

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Non-negative targets.
    y_pred : array_like, shape (..., K)
        Non-negative predictions, same shape as ``y_true``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`mean_squared_error`).

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    See Also
    --------
    keras.losses.MeanSquaredLogarithmicError

    Examples
    --------
    >>> import lossbook as lb
    >>> import numpy as np
    >>> print(round(float(lb.mean_squared_logarithmic_error([[np.e - 1]], [[0.0]])), 6))
    1.0
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    hint = "Use a non-negative output (softplus or exp); Keras would silently replace it by 1e-7."
    check_no_negatives(y_true, "y_true", hint)
    check_no_negatives(y_pred, "y_pred", hint)
    eps = y_pred.dtype.type(EPSILON)
    diff = np.log1p(np.maximum(y_pred, eps)) - np.log1p(np.maximum(y_true, eps))
    return reduce(last_axis_mean(np.square(diff)), reduction, sample_weight)


def huber(y_true, y_pred, *, delta=1.0, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values: a scalar or an array that broadcasts
        to their shape. With ``"mean"`` the weighted sum is divided by the
        number of samples (Keras' ``sum_over_batch_size``), not by the sum of
        the weights.

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
    return reduce(last_axis_mean(per_element), reduction, sample_weight)


def log_cosh(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Log-cosh loss: like :math:`e^2/2` for small errors and :math:`|e| - \log 2` for large ones.

    .. math::

        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} \log\cosh(\hat y_k - y_k)

    Computed as :math:`\log\left(1 + \operatorname{expm1}(-|e|)^2 / (2 e^{-|e|})\right)`
    (because :math:`\cosh e - 1 = (1 - e^{-|e|})^2 / (2 e^{-|e|})`), which keeps
    full relative precision for tiny errors, where Keras' form
    :math:`|e| + \log(1 + e^{-2|e|}) - \log 2` cancels (in float32 it gives
    4.77e-7 instead of 5.0e-7 at :math:`e = 10^{-3}`), and as
    :math:`|e| - \log 2` for :math:`|e| \ge 20`, so nothing overflows (unlike
    ``np.log(np.cosh(e))`` for :math:`|e| > 710`).

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets.
    y_pred : array_like, shape (..., K)
        Predictions, same shape as ``y_true``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values: a scalar or an array that broadcasts
        to their shape. With ``"mean"`` the weighted sum is divided by the
        number of samples (Keras' ``sum_over_batch_size``), not by the sum of
        the weights.

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
    dt = y_pred.dtype.type
    a = np.abs(y_pred - y_true)
    # cosh a - 1 = expm1(-a)^2 / (2 exp(-a)): no cancellation for small a; for a >= 20,
    # log cosh a = a - log 2 to working precision (the neglected log1p(e^-2a) < 5e-18).
    b = np.minimum(a, dt(20))
    per_element = np.expm1(-b)
    np.square(per_element, out=per_element)
    per_element /= np.exp(-b)
    per_element *= dt(0.5)
    np.log1p(per_element, out=per_element)
    per_element = np.where(a < 20, per_element, a - dt(np.log(2.0)))
    return reduce(last_axis_mean(per_element), reduction, sample_weight)


def epsilon_insensitive(y_true, y_pred, *, epsilon=0.1, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values: a scalar or an array that broadcasts
        to their shape. With ``"mean"`` the weighted sum is divided by the
        number of samples (Keras' ``sum_over_batch_size``), not by the sum of
        the weights.

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
    return reduce(last_axis_mean(np.maximum(excess, 0)), reduction, sample_weight)


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

"""Output activations and their numerically stable logarithms.

``sigmoid`` and ``log_sigmoid`` are validated wrappers around SciPy's ufuncs
``expit`` and ``log_expit``, which never overflow. ``softmax``, ``log_softmax``
and ``logsumexp`` shift by the row maximum, as SciPy's functions of the same
names do, with the reductions of :mod:`lossbook._reductions`: SciPy's versions
go through its array-API layer, which costs about 100 µs per call on a 10 x 10
array and is several times slower than TensorFlow on large ones, while every
loss computed from logits calls them (the tests compare both with SciPy). All
of them keep a floating input's dtype (float32 in, float32 out) and work along
the last axis.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._reductions import last_axis_max, last_axis_sum
from ._validation import as_float_array

__all__ = ["sigmoid", "log_sigmoid", "softmax", "log_softmax", "logsumexp"]


def sigmoid(x):
    r"""Logistic sigmoid, elementwise, without overflow.

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}}

    Parameters
    ----------
    x : array_like, shape (...)
        Logits: finite real numbers.

    Returns
    -------
    ndarray, shape (...)
        Values in [0, 1] (exactly 0 or 1 where the true value rounds to it).

    Notes
    -----
    The naive ``1 / (1 + np.exp(-x))`` overflows in ``exp`` for ``x < -709``
    (float64) and warns; :func:`scipy.special.expit` does not.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.sigmoid([-1000.0, 0.0, 2.0]))
    [0.         0.5        0.88079708]
    """
    return special.expit(as_float_array(x, "x", min_ndim=0))


def log_sigmoid(x):
    r"""Logarithm of the sigmoid, elementwise, accurate for large :math:`|x|`.

    .. math::

        \log \sigma(x) = -\log\left(1 + e^{-x}\right)

    Parameters
    ----------
    x : array_like, shape (...)
        Logits.

    Returns
    -------
    ndarray, shape (...)
        Values :math:`\le 0`; ``log_sigmoid(-1e4)`` is exactly ``-1e4``.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.log_sigmoid([-10000.0, 0.0]))
    [-1.00000000e+04 -6.93147181e-01]
    """
    return special.log_expit(as_float_array(x, "x", min_ndim=0))


def softmax(x):
    r"""Softmax over the last axis, shifted by the maximum so it cannot overflow.

    .. math::

        \operatorname{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},
        \qquad m = \max_j x_j

    Parameters
    ----------
    x : array_like, shape (..., C)
        Logits; the last axis holds the classes.

    Returns
    -------
    ndarray, shape (..., C)
        Rows that sum to 1.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.softmax([[1000.0, 1000.0], [0.0, 0.0]]))
    [[0.5 0.5]
     [0.5 0.5]]
    """
    exp = np.exp(_shifted(as_float_array(x, "x")))
    return exp / last_axis_sum(exp)[..., None]


def log_softmax(x):
    r"""Logarithm of the softmax over the last axis.

    .. math::

        \log \operatorname{softmax}(x)_i = x_i - \operatorname{logsumexp}(x)

    Parameters
    ----------
    x : array_like, shape (..., C)
        Logits.

    Returns
    -------
    ndarray, shape (..., C)
        Log-probabilities, finite for finite logits (no ``log(0)``).

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.log_softmax([1000.0, -1000.0, 0.0]))
    [    0. -2000. -1000.]
    """
    return stable_log_softmax(as_float_array(x, "x"))


def logsumexp(x):
    r"""Log of the sum of exponentials over the last axis, without overflow.

    .. math::

        \operatorname{logsumexp}(x) = m + \log \sum_j e^{x_j - m},
        \qquad m = \max_j x_j

    Parameters
    ----------
    x : array_like, shape (..., C)
        Real numbers.

    Returns
    -------
    ndarray, shape (...)
        One value per row.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.logsumexp([1000.0, 1000.0]))
    1000.6931471805599
    """
    x = as_float_array(x, "x")
    m = last_axis_max(x)
    return m + np.log(last_axis_sum(np.exp(x - m[..., None])))


def _shifted(x):
    """``x`` minus its row maximum: every entry <= 0, so ``exp`` cannot overflow."""
    return x - last_axis_max(x, keepdims=True)


def stable_log_softmax(x):
    """:func:`log_softmax` of an already validated floating array (used by the losses)."""
    shifted = _shifted(x)
    return shifted - np.log(last_axis_sum(np.exp(shifted)))[..., None]

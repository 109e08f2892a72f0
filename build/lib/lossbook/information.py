"""Information theory: entropy, cross-entropy and Kullback-Leibler divergence.

Each function works on distributions along the last axis and returns one value
per distribution (no batch reduction). Logarithms are natural (nats) unless
``base`` is given (``base=2`` gives bits). The piecewise definitions of
:func:`scipy.special.entr`, :func:`~scipy.special.xlogy` and
:func:`~scipy.special.rel_entr` are used as they are: :math:`0 \\log 0 = 0`, and
the cross-entropy or divergence is :math:`+\\infty` where :math:`q = 0 < p`.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._validation import (
    as_float_array,
    check_distributions,
    check_in_unit_interval,
    check_same_shape,
    log_base,
)

__all__ = ["entropy", "binary_entropy", "cross_entropy", "kl_divergence"]


def _distribution(x, name):
    arr = as_float_array(x, name)
    check_distributions(arr, name)
    return arr


def _distribution_pair(p, q):
    p = as_float_array(p, "p")
    q = as_float_array(q, "q")
    check_same_shape(p, q, ("p", "q"))
    check_distributions(p, "p")
    check_distributions(q, "q")
    dtype = np.result_type(p.dtype, q.dtype)
    return p.astype(dtype, copy=False), q.astype(dtype, copy=False)


def entropy(p, *, base=None):
    r"""Shannon entropy of distributions along the last axis.

    .. math::

        H(p) = -\sum_i p_i \log p_i, \qquad 0 \log 0 = 0

    Parameters
    ----------
    p : array_like, shape (..., K)
        Probability distributions: entries in [0, 1], rows summing to 1.
    base : float, optional
        Base of the logarithm; natural log (nats) by default, 2 for bits.

    Returns
    -------
    ndarray, shape (...)
        Entropy of each distribution (a 0-d array for a single one).

    Raises
    ------
    ValueError
        If ``p`` is not a distribution, or ``base`` is not positive or is 1.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed.,
    Wiley, 2006, ch. 2.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.entropy([0.25, 0.25, 0.25, 0.25], base=2))
    2.0
    >>> print(round(float(lb.entropy([0.1, 0.1, 0.1, 0.7], base=2)), 4))
    1.3568
    >>> print(lb.entropy([[1.0, 0.0], [0.5, 0.5]]))
    [0.         0.69314718]
    """
    p = _distribution(p, "p")
    return special.entr(p).sum(axis=-1) / log_base(base, p.dtype)


def binary_entropy(p, *, base=None):
    r"""Entropy of a coin that shows heads with probability ``p``, elementwise.

    .. math::

        H_b(p) = -p \log p - (1 - p) \log (1 - p)

    Parameters
    ----------
    p : array_like, shape (...)
        Probabilities in [0, 1].
    base : float, optional
        Base of the logarithm; natural log by default, 2 for bits.

    Returns
    -------
    ndarray, shape (...)
        Maximal (1 bit) at ``p = 0.5``, zero at 0 and 1.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.binary_entropy([0.0, 0.5, 1.0], base=2))
    [0. 1. 0.]
    """
    p = as_float_array(p, "p", min_ndim=0)
    check_in_unit_interval(p, "p")
    return (special.entr(p) + special.entr(1 - p)) / log_base(base, p.dtype)


def cross_entropy(p, q, *, base=None):
    r"""Cross-entropy of ``q`` relative to ``p``, along the last axis.

    .. math::

        H(p, q) = -\sum_i p_i \log q_i = H(p) + D_{\mathrm{KL}}(p \,\|\, q)

    Parameters
    ----------
    p : array_like, shape (..., K)
        True distributions.
    q : array_like, shape (..., K)
        Model distributions, same shape as ``p``.
    base : float, optional
        Base of the logarithm; natural log by default, 2 for bits.

    Returns
    -------
    ndarray, shape (...)
        :math:`+\infty` where some :math:`q_i = 0` has :math:`p_i > 0` (the
        exact value; compare the clipped, finite training loss
        :func:`categorical_crossentropy`).

    Examples
    --------
    >>> import lossbook as lb
    >>> print(round(float(lb.cross_entropy([0, 1, 0], [0.05, 0.95, 0.0])), 6))
    0.051293
    >>> print(lb.cross_entropy([0.5, 0.5], [1.0, 0.0]))
    inf
    """
    p, q = _distribution_pair(p, q)
    return -special.xlogy(p, q).sum(axis=-1) / log_base(base, p.dtype)


def kl_divergence(p, q, *, base=None):
    r"""Kullback-Leibler divergence of ``q`` from ``p``, along the last axis.

    .. math::

        D_{\mathrm{KL}}(p \,\|\, q) = \sum_i p_i \log \frac{p_i}{q_i}

    Parameters
    ----------
    p : array_like, shape (..., K)
        True distributions.
    q : array_like, shape (..., K)
        Model distributions, same shape as ``p``.
    base : float, optional
        Base of the logarithm; natural log by default, 2 for bits.

    Returns
    -------
    ndarray, shape (...)
        Non-negative; zero exactly when ``p == q``; :math:`+\infty` where
        :math:`q_i = 0 < p_i`.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.kl_divergence([0.5, 0.5], [0.5, 0.5]))
    0.0
    >>> print(round(float(lb.kl_divergence([0.5, 0.5], [0.9, 0.1], base=2)), 4))
    0.737
    """
    p, q = _distribution_pair(p, q)
    return special.rel_entr(p, q).sum(axis=-1) / log_base(base, p.dtype)

"""Probabilistic losses: negative log-likelihoods of a predicted distribution.

:func:`poisson` is Keras' Poisson loss (the negative log-likelihood of counts
under a predicted Poisson rate, without the constant :math:`\\log y!`);
:func:`gaussian_nll` is the negative log-likelihood of a Gaussian with a
predicted mean and variance, as ``torch.nn.GaussianNLLLoss`` computes it
(Keras has no class for it). Both follow lossbook's conventions:
``loss(y_true, y_pred, ...)``, the mean over the last axis per sample, then
``sample_weight`` and ``reduction``.
"""

from __future__ import annotations

import numpy as np

from ._reductions import last_axis_mean
from ._validation import (
    EPSILON,
    as_float_array,
    as_pair,
    check_bool,
    check_no_negatives,
    check_positive,
    fail,
    reduce,
)

__all__ = ["poisson", "gaussian_nll"]


def poisson(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Poisson loss: negative log-likelihood of counts :math:`y` under rates :math:`\hat y`.

    .. math::

        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} \left(\hat y_k - y_k \log(\hat y_k + \epsilon)\right),
        \qquad \epsilon = 10^{-7},

    which is :math:`-\log P(y \mid \hat y) - \log y!`, minimized at
    :math:`\hat y = y`. The :math:`\epsilon` is Keras'; it keeps a zero rate
    finite.

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Observed counts (or rates), non-negative.
    y_pred : array_like, shape (..., K)
        Predicted rates, non-negative (an ``exp`` or ``softplus`` output).
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values, Keras' semantics (``"mean"`` divides
        the weighted sum by the number of samples).

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    Raises
    ------
    ValueError
        For a negative rate or count. Keras computes ``log`` of a negative
        rate and returns NaN.

    See Also
    --------
    keras.losses.Poisson

    Examples
    --------
    >>> import lossbook as lb
    >>> print(round(float(lb.poisson([[2.0, 0.0]], [[2.0, 1.0]])), 6))
    0.806853
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    check_no_negatives(y_true, "y_true", "Poisson targets are counts.")
    check_no_negatives(y_pred, "y_pred", "A Poisson rate is >= 0: use an exp or softplus output.")
    eps = y_pred.dtype.type(EPSILON)
    return reduce(last_axis_mean(y_pred - y_true * np.log(y_pred + eps)), reduction, sample_weight)


def _as_variance(var, y_pred):
    var = as_float_array(var, "var", dtype=y_pred.dtype)
    if var.shape != y_pred.shape and var.shape != (*y_pred.shape[:-1], 1):
        fail(
            "var",
            f"have the shape of y_pred {y_pred.shape} or {(*y_pred.shape[:-1], 1)} (one variance per sample)",
            f"var.shape={var.shape}",
        )
    if var.min() <= 0:
        bad = tuple(int(i) for i in np.argwhere(var <= 0)[0])
        fail(
            "var",
            "contain only positive variances",
            f"{float(var[bad])!r} at index {bad}",
            "Predict log-variance or use softplus to keep it positive.",
        )
    return var


def gaussian_nll(y_true, y_pred, var, *, full=False, eps=1e-6, reduction="mean", sample_weight=None):
    r"""Gaussian negative log-likelihood with a predicted mean and variance.

    .. math::

        \ell(y, \mu, \sigma^2) = \frac{1}{K} \sum_{k=1}^{K} \frac12 \left(
            \log \max(\sigma_k^2, \varepsilon) + \frac{(y_k - \mu_k)^2}{\max(\sigma_k^2, \varepsilon)}
        \right) \;\left[+ \tfrac12 \log 2\pi \text{ if } \texttt{full}\right]

    the formula of ``torch.nn.GaussianNLLLoss``: the variance is clamped from
    below at ``eps`` for stability, and the constant :math:`\frac12\log 2\pi`
    is left out unless ``full``. Unlike PyTorch, a variance of 0 or less is
    refused rather than clamped (it is a bug upstream: a variance head
    without ``softplus``).

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Observed values.
    y_pred : array_like, shape (..., K)
        Predicted means :math:`\mu`.
    var : array_like, shape (..., K) or (..., 1)
        Predicted variances :math:`\sigma^2 > 0`; one per sample with shape
        ``(..., 1)`` (a homoscedastic head).
    full : bool, default False
        Add the constant :math:`\frac12 \log 2\pi`.
    eps : float > 0, default 1e-6
        Lower clamp of the variance.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values. ``"mean"`` equals PyTorch's
        ``reduction="mean"`` (the mean over all elements).
    sample_weight : array_like, optional
        Weights of the per-sample values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    References
    ----------
    D. A. Nix and A. S. Weigend, "Estimating the mean and variance of the
    target probability distribution", ICNN 1994.

    See Also
    --------
    torch.nn.GaussianNLLLoss

    Examples
    --------
    An exact prediction with unit variance costs nothing but the constant:

    >>> import lossbook as lb
    >>> print(lb.gaussian_nll([[1.0]], [[1.0]], [[1.0]]))
    0.0
    >>> print(round(float(lb.gaussian_nll([[1.0]], [[1.0]], [[1.0]], full=True)), 6))  # log(2 pi) / 2
    0.918939
    >>> print(lb.gaussian_nll([[0.0, 2.0]], [[0.0, 0.0]], [[1.0]]))  # one variance per sample
    1.0
    """
    full = check_bool(full, "full")
    check_positive(eps, "eps")
    y_true, y_pred = as_pair(y_true, y_pred)
    var = np.maximum(_as_variance(var, y_pred), y_pred.dtype.type(eps))
    half = y_pred.dtype.type(0.5)
    per_element = half * (np.log(var) + np.square(y_true - y_pred) / var)
    if full:
        per_element = per_element + y_pred.dtype.type(0.5 * np.log(2 * np.pi))
    return reduce(last_axis_mean(per_element), reduction, sample_weight)

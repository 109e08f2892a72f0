"""Segmentation losses: Dice and Tversky, overlap measures turned into losses.

Both follow Keras (``keras.losses.dice`` and ``keras.losses.tversky``),
including how they reduce, which surprises: with the default ``axis=None``
the sums run over **every element of the batch**, so the result is one number
for the whole batch (the Dice of all images taken as one big image), not the
mean of per-image Dice scores; ``reduction`` then has nothing left to reduce.
Pass ``axis`` (for images of shape ``(N, H, W)``, ``axis=(1, 2)``) to get one
value per sample, which ``reduction`` averages. The tests show that the two
differ.
"""

from __future__ import annotations

import numpy as np

from ._validation import EPSILON, _describe, as_pair, check_in_unit_interval, check_nonnegative, fail, reduce

__all__ = ["dice", "tversky"]


def _sum_axes(axis, ndim):
    """Normalize ``axis`` (None, an int or a tuple of ints) to a tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool) else axis
    if not isinstance(axes, (tuple, list)) or not all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes
    ):
        fail("axis", "be None, an integer or a tuple of integers", _describe(axis), error=TypeError)
    if not all(-ndim <= a < ndim for a in axes):
        fail("axis", f"contain axes of an array with {ndim} dimensions, in [{-ndim}, {ndim})", f"axis={axis!r}")
    normalized = tuple(sorted({int(a) % ndim for a in axes}))
    if len(normalized) != len(axes):
        fail("axis", "contain each axis once", f"axis={axis!r}")
    return normalized


def _overlap_inputs(y_true, y_pred, axis):
    y_true, y_pred = as_pair(y_true, y_pred)
    check_in_unit_interval(y_true, "y_true", "Segmentation targets are masks of 0/1 (or soft masks).")
    check_in_unit_interval(y_pred, "y_pred", "Pass probabilities (a sigmoid or softmax output), not logits.")
    return y_true, y_pred, _sum_axes(axis, y_pred.ndim)


def dice(y_true, y_pred, *, axis=None, reduction="mean", sample_weight=None):
    r"""Dice loss: one minus the (soft) Dice coefficient of a predicted and a true mask.

    .. math::

        \ell(y, p) = 1 - \frac{2 \sum y p}{\sum y + \sum p + \epsilon},
        \qquad \epsilon = 10^{-7},

    the sums running over ``axis`` (all axes by default, see the module
    docstring). The :math:`\epsilon` is Keras'; it makes two empty masks cost
    1, not NaN.

    Parameters
    ----------
    y_true : array_like
        True masks, values in [0, 1].
    y_pred : array_like
        Predicted probabilities, same shape.
    axis : None, int or tuple of int, default None
        Axes summed over. ``None``: all of them (one number for the batch).
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the values left after summing over ``axis``; a
        scalar (``axis=None``) is returned as it is.
    sample_weight : array_like, optional
        Weights of the per-sample values (Keras' semantics); only a scalar
        when ``axis=None``.

    Returns
    -------
    ndarray
        Shape ``()``; with ``reduction="none"``, the input shape without ``axis``.

    References
    ----------
    F. Milletari, N. Navab and S.-A. Ahmadi, "V-Net: Fully Convolutional
    Neural Networks for Volumetric Medical Image Segmentation", 3DV 2016.

    See Also
    --------
    keras.losses.Dice

    Examples
    --------
    Keras' documented example: ``keras.losses.Dice(axis=(1, 2, 3), reduction=None)``
    gives [0.5, 0.75757575], and ``Dice()`` (all axes) 0.6164384:

    >>> import lossbook as lb
    >>> import numpy as np
    >>> y_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    >>> y_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    >>> print(lb.dice(y_true, y_pred, axis=(1, 2, 3), reduction="none").round(6))
    [0.5      0.757576]
    >>> print(round(float(lb.dice(y_true, y_pred)), 6))
    0.616438
    """
    y_true, y_pred, axes = _overlap_inputs(y_true, y_pred, axis)
    intersection = (y_true * y_pred).sum(axis=axes)
    denominator = y_true.sum(axis=axes) + y_pred.sum(axis=axes) + y_pred.dtype.type(EPSILON)
    return reduce(1 - 2 * intersection / denominator, reduction, sample_weight)


def tversky(y_true, y_pred, *, alpha=0.5, beta=0.5, axis=None, reduction="mean", sample_weight=None):
    r"""Tversky loss: a Dice loss that weighs false positives and false negatives apart.

    .. math::

        \ell(y, p) = 1 - \frac{\sum y p}
            {\sum y p + \alpha \sum (1 - p) y + \beta \sum p (1 - y) + \epsilon}

    with the sums over ``axis`` as in :func:`dice`. This is Keras' formula,
    in which (despite its docstring) ``alpha`` weighs :math:`\sum(1-p)y`, the
    **false negatives**, and ``beta`` the false positives; with
    :math:`\alpha = \beta = 1/2` it is :func:`dice`.

    Parameters
    ----------
    y_true : array_like
        True masks, values in [0, 1].
    y_pred : array_like
        Predicted probabilities, same shape.
    alpha : float >= 0, default 0.5
        Weight of :math:`\sum (1 - p) y`.
    beta : float >= 0, default 0.5
        Weight of :math:`\sum p (1 - y)`.
    axis : None, int or tuple of int, default None
        Axes summed over (all by default).
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the values left after summing over ``axis``.
    sample_weight : array_like, optional
        Weights of the per-sample values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``; with ``reduction="none"``, the input shape without ``axis``.

    References
    ----------
    S. S. M. Salehi, D. Erdogmus and A. Gholipour, "Tversky loss function for
    image segmentation using 3D fully convolutional deep networks", 2017,
    arXiv:1706.05721.

    See Also
    --------
    keras.losses.Tversky

    Examples
    --------
    >>> import lossbook as lb
    >>> y_true, y_pred = [[1.0, 1.0, 0.0]], [[1.0, 0.0, 1.0]]
    >>> print(round(float(lb.tversky(y_true, y_pred)), 6), round(float(lb.dice(y_true, y_pred)), 6))
    0.5 0.5
    >>> print(round(float(lb.tversky(y_true, y_pred, alpha=0.9, beta=0.1)), 6))
    0.5
    """
    check_nonnegative(alpha, "alpha")
    check_nonnegative(beta, "beta")
    y_true, y_pred, axes = _overlap_inputs(y_true, y_pred, axis)
    intersection = (y_true * y_pred).sum(axis=axes)
    missed = ((1 - y_pred) * y_true).sum(axis=axes)
    extra = (y_pred * (1 - y_true)).sum(axis=axes)
    dt = y_pred.dtype.type
    denominator = intersection + missed * dt(alpha) + extra * dt(beta) + dt(EPSILON)
    return reduce(1 - intersection / denominator, reduction, sample_weight)

"""Classification losses: cross-entropies, hinge losses and the exponential loss.

Every loss takes the target first and the prediction second, as Keras does
(``loss(y_true, y_pred)``), and keyword-only options. It computes one value per
sample by reducing the last axis exactly as the Keras function of the same
name, then applies ``reduction``:

``"mean"`` (default)
    the mean of the per-sample values, Keras' default ``sum_over_batch_size``;
``"sum"``
    their sum;
``"none"``
    the per-sample values, shape ``y_pred.shape[:-1]``, like the functional
    form ``keras.losses.categorical_crossentropy``.

Probabilities (``from_logits=False``) are clipped to
:math:`[\\epsilon, 1 - \\epsilon]` with :math:`\\epsilon = 10^{-7}`, as Keras
does, so a zero probability on the true class costs
:math:`-\\ln 10^{-7} \\approx 16.118` rather than infinity. Logits
(``from_logits=True``) go through ``log_softmax`` / ``log_sigmoid`` and stay
exact for logits as large as :math:`\\pm 10^4`.
"""

from __future__ import annotations

import numpy as np

from ._reductions import last_axis_mean, last_axis_sum
from .activations import stable_log_softmax
from ._validation import (
    EPSILON,
    as_float_array,
    as_pair,
    check_bool,
    check_distributions,
    check_in_unit_interval,
    fail,
    reduce,
)

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "exponential_loss",
]

_LOGITS_HINT = "If y_pred holds logits (unnormalized scores), pass from_logits=True."


def _clip(probabilities):
    eps = probabilities.dtype.type(EPSILON)
    return np.clip(probabilities, eps, 1 - eps)


def binary_crossentropy(y_true, y_pred, *, from_logits=False, reduction="mean"):
    r"""Binary cross-entropy between targets in [0, 1] and predicted probabilities or logits.

    .. math::

        \ell(y, p) = -\frac{1}{K} \sum_{k=1}^{K}
            \left[ y_k \log p_k + (1 - y_k) \log (1 - p_k) \right]

    with :math:`p = \operatorname{clip}(\hat y, \epsilon, 1 - \epsilon)` for
    probabilities, or, for logits :math:`z`, the same quantity written as
    :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`, which never overflows.

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets in [0, 1] (hard 0/1 labels or soft labels).
    y_pred : array_like, shape (..., K)
        Predicted probabilities in [0, 1], or logits if ``from_logits``.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()`` for ``"mean"``/``"sum"``, ``y_pred.shape[:-1]`` for
        ``"none"``; dtype of ``y_pred`` (float64 for integer input).

    See Also
    --------
    keras.losses.BinaryCrossentropy, tf.nn.sigmoid_cross_entropy_with_logits

    Examples
    --------
    Keras' documented example, ``BinaryCrossentropy()([[0, 1], [0, 0]],
    [[0.6, 0.4], [0.4, 0.6]])`` = 0.815:

    >>> import lossbook as lb
    >>> print(round(float(lb.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 3))
    0.815

    Logits far outside the range where ``exp`` is finite are no problem:

    >>> print(lb.binary_crossentropy([1.0, 0.0], [-1e4, 1e4], from_logits=True))
    10000.0
    """
    from_logits = check_bool(from_logits, "from_logits")
    y_true, y_pred = as_pair(y_true, y_pred)
    check_in_unit_interval(y_true, "y_true", "Binary targets are labels 0/1 or soft labels in between.")
    if from_logits:
        # -[y log sigma(z) + (1 - y) log sigma(-z)] rearranged so that exp only
        # sees -|z| <= 0 (the form of tf.nn.sigmoid_cross_entropy_with_logits);
        # exact, and about 4x faster than two calls of scipy.special.log_expit.
        per_element = np.maximum(y_pred, 0) - y_pred * y_true + np.log1p(np.exp(-np.abs(y_pred)))
    else:
        check_in_unit_interval(y_pred, "y_pred", _LOGITS_HINT)
        p = _clip(y_pred)
        per_element = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return reduce(last_axis_mean(per_element), reduction)


def categorical_crossentropy(y_true, y_pred, *, from_logits=False, reduction="mean"):
    r"""Categorical cross-entropy between target distributions and predictions.

    .. math::

        \ell(y, p) = -\sum_{c=1}^{C} y_c \log p_c

    with :math:`p = \operatorname{clip}(\hat y / \sum_c \hat y_c, \epsilon,
    1 - \epsilon)` for probabilities (Keras' normalization and clipping), or
    :math:`\log p = \operatorname{log\_softmax}(z)` for logits :math:`z`.

    Parameters
    ----------
    y_true : array_like, shape (..., C)
        Target distributions (one-hot or soft labels): rows summing to 1.
    y_pred : array_like, shape (..., C)
        Predicted distributions (rows summing to 1 within 1e-3), or logits if
        ``from_logits``.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    Raises
    ------
    ValueError
        If a row of ``y_pred`` does not sum to 1 and ``from_logits`` is False.
        Keras silently renormalizes such rows; a loss computed on them is
        almost always a bug (logits passed as probabilities).

    See Also
    --------
    keras.losses.CategoricalCrossentropy, tf.nn.softmax_cross_entropy_with_logits

    Examples
    --------
    Keras' documented example gives 1.177:

    >>> import lossbook as lb
    >>> y_true = [[0, 1, 0], [0, 0, 1]]
    >>> y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    >>> print(round(float(lb.categorical_crossentropy(y_true, y_pred)), 6))
    1.176939
    >>> print(lb.categorical_crossentropy(y_true, y_pred, reduction="none"))
    [0.05129329 2.30258509]
    >>> print(lb.categorical_crossentropy([0, 1, 0], [1000.0, -1000.0, 0.0], from_logits=True))
    2000.0
    """
    from_logits = check_bool(from_logits, "from_logits")
    y_true, y_pred = as_pair(y_true, y_pred)
    check_distributions(y_true, "y_true", "Targets are one-hot rows or soft labels that sum to 1.")
    if from_logits:
        log_p = stable_log_softmax(y_pred)
    else:
        check_distributions(y_pred, "y_pred", _LOGITS_HINT)
        log_p = np.log(_clip(y_pred / last_axis_sum(y_pred)[..., None]))
    return reduce(-last_axis_sum(y_true * log_p), reduction)


def _as_labels(labels, y_pred):
    """Validate integer class labels against predictions of shape (..., C)."""
    arr = np.asarray(labels)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            bad = arr[~np.isfinite(arr) | (arr != np.round(arr))].flat[0]
            fail("labels", "contain integer class indices", f"labels containing {float(bad)!r}", error=ValueError)
    elif arr.dtype.kind not in "iu":
        fail("labels", "be an array of integer class indices", f"an array of dtype {arr.dtype}", error=TypeError)
    expected = y_pred.shape[:-1]
    if arr.shape != expected:
        hint = "Squeeze the trailing axis of length 1." if arr.shape == (*expected, 1) else None
        fail(
            "labels",
            f"have shape y_pred.shape[:-1]={expected}, one label per sample",
            f"labels.shape={arr.shape}",
            hint,
        )
    n_classes = y_pred.shape[-1]
    outside = (arr < 0) | (arr >= n_classes)
    if outside.any():
        bad = arr[outside].flat[0]
        fail("labels", f"be class indices in [0, {n_classes - 1}] for y_pred with {n_classes} classes", f"label {int(bad)}")
    return arr.astype(np.intp)


def sparse_categorical_crossentropy(labels, y_pred, *, from_logits=False, reduction="mean"):
    r"""Categorical cross-entropy with integer class labels instead of one-hot rows.

    .. math::

        \ell(k, p) = -\log p_k

    with :math:`p` normalized and clipped as in :func:`categorical_crossentropy`,
    or :math:`-\log p_k = \operatorname{logsumexp}(z) - z_k` for logits.

    Parameters
    ----------
    labels : array_like of int, shape (...)
        Class indices in ``[0, C)``; one per row of ``y_pred``. Integral floats
        such as ``1.0`` are accepted.
    y_pred : array_like, shape (..., C)
        Predicted distributions, or logits if ``from_logits``.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``labels.shape`` for ``"none"``.

    See Also
    --------
    keras.losses.SparseCategoricalCrossentropy,
    tf.nn.sparse_softmax_cross_entropy_with_logits

    Examples
    --------
    >>> import lossbook as lb
    >>> y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    >>> print(round(float(lb.sparse_categorical_crossentropy([1, 2], y_pred)), 6))
    1.176939
    >>> print(round(float(lb.sparse_categorical_crossentropy([0], [[0.0, 1.0]])), 3))
    16.118
    """
    from_logits = check_bool(from_logits, "from_logits")
    y_pred = as_float_array(y_pred, "y_pred")
    labels = _as_labels(labels, y_pred)
    if from_logits:
        log_p = stable_log_softmax(y_pred)
    else:
        check_distributions(y_pred, "y_pred", _LOGITS_HINT)
        log_p = np.log(_clip(y_pred / last_axis_sum(y_pred)[..., None]))
    picked = np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
    return reduce(-picked, reduction)


def _signed_labels(y_true):
    """Map labels in {0, 1} to {-1, 1} as Keras does; refuse anything else."""
    values = np.unique(y_true)
    if np.isin(values, (0.0, 1.0)).all():
        return 2 * y_true - 1
    if np.isin(values, (-1.0, 1.0)).all():
        return y_true
    shown = ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if values.size > 5 else "")
    fail("y_true", "contain labels in {-1, 1} or in {0, 1}", f"values {{{shown}}}")


def hinge(y_true, y_pred, *, reduction="mean"):
    r"""Hinge loss of support vector machines.

    .. math::

        \ell(y, f) = \frac{1}{K} \sum_{k=1}^{K} \max(0, 1 - y_k f_k)

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Labels in {-1, 1}, or in {0, 1} (mapped to {-1, 1} as in Keras).
    y_pred : array_like, shape (..., K)
        Real-valued scores (not probabilities).
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.hinge([[1, -1]], [[0.3, -2.0]]))
    0.35
    >>> print(lb.hinge([[1, 0]], [[0.3, -2.0]]))
    0.35
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    margin = _signed_labels(y_true) * y_pred
    return reduce(last_axis_mean(np.maximum(1 - margin, 0)), reduction)


def squared_hinge(y_true, y_pred, *, reduction="mean"):
    r"""Squared hinge loss: the hinge loss squared, differentiable at the margin.

    .. math::

        \ell(y, f) = \frac{1}{K} \sum_{k=1}^{K} \max(0, 1 - y_k f_k)^2

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Labels in {-1, 1} or {0, 1}.
    y_pred : array_like, shape (..., K)
        Real-valued scores.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(round(float(lb.squared_hinge([[1, -1]], [[0.3, -2.0]])), 6))
    0.245
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    margin = _signed_labels(y_true) * y_pred
    return reduce(last_axis_mean(np.square(np.maximum(1 - margin, 0))), reduction)


def categorical_hinge(y_true, y_pred, *, reduction="mean"):
    r"""Multi-class hinge loss in the form Keras computes it.

    .. math::

        \ell(y, f) = \max\left(0,\; 1 + \max_c (1 - y_c) f_c - \sum_c y_c f_c\right)

    For a one-hot row with true class :math:`t` this is the hinge of
    Crammer and Singer, :math:`\max(0, 1 + \max_{c \ne t} f_c - f_t)`, whenever
    some wrong class has a non-negative score; when every wrong score is
    negative, the true class's masked entry (0) wins the inner maximum, so the
    loss is :math:`\max(0, 1 - f_t)`. lossbook keeps Keras' formula so that the
    two agree exactly.

    Parameters
    ----------
    y_true : array_like, shape (..., C)
        One-hot targets.
    y_pred : array_like, shape (..., C)
        Real-valued class scores.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.categorical_hinge([[0, 1, 0]], [[0.5, 2.0, 1.8]]))
    0.8
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    if not np.isin(y_true, (0.0, 1.0)).all() or (y_true.sum(axis=-1) != 1).any():
        fail("y_true", "contain one-hot rows (a single 1, zeros elsewhere)", f"y_true={_short(y_true)}")
    positive = last_axis_sum(y_true * y_pred)
    negative = ((1 - y_true) * y_pred).max(axis=-1)
    return reduce(np.maximum(negative - positive + 1, 0), reduction)


def _short(arr):
    text = np.array2string(arr, threshold=6, precision=4)
    return text if len(text) <= 80 else text[:77] + "..."


def exponential_loss(y_true, y_pred, *, reduction="mean"):
    r"""Exponential loss of AdaBoost.

    .. math::

        \ell(y, f) = \frac{1}{K} \sum_{k=1}^{K} e^{-y_k f_k}

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Labels in {-1, 1} or {0, 1}.
    y_pred : array_like, shape (..., K)
        Real-valued scores.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``. It grows
        exponentially with a wrong margin and overflows to ``inf`` (NumPy
        warns with a ``RuntimeWarning``) for margins below about -709 in
        float64.

    References
    ----------
    Y. Freund and R. E. Schapire, "A decision-theoretic generalization of
    on-line learning and an application to boosting", *Journal of Computer and
    System Sciences* 55(1), 1997.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(round(float(lb.exponential_loss([1, -1], [0.0, -1.0])), 6))
    0.68394
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    margin = _signed_labels(y_true) * y_pred
    return reduce(last_axis_mean(np.exp(-margin)), reduction)

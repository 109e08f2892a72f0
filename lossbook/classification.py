"""Classification losses: cross-entropies (plain, focal, generalized), hinge losses and the exponential loss.

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

Every loss also takes ``sample_weight`` (Keras' semantics: the weighted
values are summed and divided by the number of samples, not by the sum of the
weights; see :func:`lossbook._validation.reduce`). The cross-entropies take
``label_smoothing`` and ``axis`` as Keras does, and
:func:`sparse_categorical_crossentropy` takes ``ignore_class``.

Each cross-entropy is written as three named private steps that the public
function calls and ``benchmarks/losses.py`` times one by one: validate
(``_validate_binary``, ``_validate_categorical``), per-element terms
(``_binary_terms``, ``_categorical_terms``), reduce (``_reduce_mean``,
``_reduce_negated_sum``).

Probabilities (``from_logits=False``) are clipped to
:math:`[\\epsilon, 1 - \\epsilon]` with :math:`\\epsilon = 10^{-7}`, as Keras
does, so a zero probability on the true class costs
:math:`-\\ln 10^{-7} \\approx 16.118` rather than infinity. Logits
(``from_logits=True``) go through ``log_softmax`` / ``log_sigmoid`` and stay
exact for logits as large as :math:`\\pm 10^4`.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._reductions import last_axis_max, last_axis_mean, last_axis_sum
from ._validation import (
    EPSILON,
    as_float_array,
    as_labels,
    as_pair,
    check_axis,
    check_bool,
    check_class_weights,
    check_distributions,
    check_fraction,
    check_in_unit_interval,
    check_integer,
    check_nonnegative,
    check_same_shape,
    fail,
    reduce,
)
from .activations import stable_log_softmax

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "exponential_loss",
    "binary_accuracy",
]

_LOGITS_HINT = "If y_pred holds logits (unnormalized scores), pass from_logits=True."


def _clip(probabilities):
    eps = probabilities.dtype.type(EPSILON)
    return np.clip(probabilities, eps, 1 - eps)


# --------------------------------------------------------------------------
# Named steps: validate -> per-element terms -> reduce
# --------------------------------------------------------------------------


def _to_last_axis(arrays, axis):
    """Validate ``axis`` and move it to the end of every array (a view, no copy)."""
    axis = check_axis(axis, arrays[0].ndim)
    if axis == arrays[0].ndim - 1:
        return arrays
    return tuple(np.moveaxis(a, axis, -1) for a in arrays)


def _validate_binary(y_true, y_pred, *, from_logits, label_smoothing=0.0, axis=-1):
    """Validate step of the binary cross-entropies: arrays, targets in [0, 1], probabilities, smoothing, axis."""
    from_logits = check_bool(from_logits, "from_logits")
    label_smoothing = check_fraction(label_smoothing, "label_smoothing")
    y_true, y_pred = as_pair(y_true, y_pred)
    check_in_unit_interval(y_true, "y_true", "Binary targets are labels 0/1 or soft labels in between.")
    if not from_logits:
        check_in_unit_interval(y_pred, "y_pred", _LOGITS_HINT)
    if label_smoothing:
        # Keras: y * (1 - s) + s / 2, squeezing every target towards 1/2.
        s = y_pred.dtype.type(label_smoothing)
        y_true = y_true * (1 - s) + s / 2
    y_true, y_pred = _to_last_axis((y_true, y_pred), axis)
    return y_true, y_pred


def _binary_terms(y_true, y_pred, *, from_logits):
    """Per-element step of binary cross-entropy (validated inputs)."""
    if from_logits:
        # -[y log sigma(z) + (1 - y) log sigma(-z)] rearranged so that exp only
        # sees -|z| <= 0 (the form of tf.nn.sigmoid_cross_entropy_with_logits);
        # exact, and faster than two calls of scipy.special.log_expit (see benchmarks/).
        return np.maximum(y_pred, 0) - y_pred * y_true + np.log1p(np.exp(-np.abs(y_pred)))
    # -(y log p + (1 - y) log(1 - p)), the same operations in place: three temporaries instead of eight
    # (on large arrays the allocations cost as much as the logarithms).
    p = _clip(y_pred)
    terms = np.log(p)
    terms *= y_true
    log_q = np.log(np.subtract(1, p, out=p), out=p)
    log_q *= 1 - y_true
    terms += log_q
    return np.negative(terms, out=terms)


def _reduce_mean(terms, reduction="mean", sample_weight=None):
    """Reduce step: mean over the last axis per sample, then the batch reduction."""
    return reduce(last_axis_mean(terms), reduction, sample_weight)


def _validate_categorical(y_true, y_pred, *, from_logits, label_smoothing=0.0, axis=-1):
    """Validate step of the categorical cross-entropies: distributions, smoothing, class axis last."""
    from_logits = check_bool(from_logits, "from_logits")
    label_smoothing = check_fraction(label_smoothing, "label_smoothing")
    y_true, y_pred = as_pair(y_true, y_pred)
    y_true, y_pred = _to_last_axis((y_true, y_pred), axis)
    check_distributions(y_true, "y_true", "Targets are one-hot rows or soft labels that sum to 1.")
    if not from_logits:
        check_distributions(y_pred, "y_pred", _LOGITS_HINT)
    if label_smoothing:
        # Keras: y * (1 - s) + s / C.
        s = y_pred.dtype.type(label_smoothing)
        y_true = y_true * (1 - s) + s / y_pred.dtype.type(y_true.shape[-1])
    return y_true, y_pred


def _log_probabilities(y_pred, from_logits):
    """log p from logits (exact log_softmax) or from probabilities (Keras' renormalization and clipping)."""
    if from_logits:
        return stable_log_softmax(y_pred)
    return np.log(_clip(y_pred / last_axis_sum(y_pred)[..., None]))


def _categorical_terms(y_true, y_pred, *, from_logits):
    """Per-element step of categorical cross-entropy: the terms y_c log p_c (validated inputs)."""
    return y_true * _log_probabilities(y_pred, from_logits)


def _reduce_negated_sum(terms, reduction="mean", sample_weight=None):
    """Reduce step: minus the sum over the last axis per sample, then the batch reduction.

    ``0 - sum`` rather than ``-sum``: a loss of exactly zero is +0, never -0 (which prints as "-0").
    """
    return reduce(0 - last_axis_sum(terms), reduction, sample_weight)


# --------------------------------------------------------------------------
# Cross-entropies
# --------------------------------------------------------------------------


def binary_crossentropy(
    y_true, y_pred, *, from_logits=False, label_smoothing=0.0, axis=-1, reduction="mean", sample_weight=None
):
    r"""Binary cross-entropy between targets in [0, 1] and predicted probabilities or logits.

    .. math::

        \ell(y, p) = -\frac{1}{K} \sum_{k=1}^{K}
            \left[ y_k \log p_k + (1 - y_k) \log (1 - p_k) \right]

    with :math:`p = \operatorname{clip}(\hat y, \epsilon, 1 - \epsilon)` for
    probabilities, or, for logits :math:`z`, the same quantity written as
    :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`, which never overflows.
    Label smoothing :math:`s` replaces :math:`y` by :math:`y(1 - s) + s/2`.

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets in [0, 1] (hard 0/1 labels or soft labels).
    y_pred : array_like, shape (..., K)
        Predicted probabilities in [0, 1], or logits if ``from_logits``.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits.
    label_smoothing : float in [0, 1], default 0
        Squeezes the targets towards 1/2, as Keras does.
    axis : int, default -1
        The axis averaged over (the others are samples).
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values: a scalar or an array that broadcasts
        to their shape. With ``"mean"`` the weighted sum is divided by the
        number of samples (Keras' ``sum_over_batch_size``).

    Returns
    -------
    ndarray
        Shape ``()`` for ``"mean"``/``"sum"``, the input shape without ``axis``
        for ``"none"``; dtype of ``y_pred`` (float64 for integer input).

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

    A weight of 0 removes a sample from the sum but not from the count:

    >>> print(lb.binary_crossentropy([[1.0], [1.0]], [[0.5], [0.5]], sample_weight=[1.0, 0.0]))
    0.34657359027997264
    """
    y_true, y_pred = _validate_binary(
        y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
    )
    return _reduce_mean(_binary_terms(y_true, y_pred, from_logits=from_logits), reduction, sample_weight)


def categorical_crossentropy(
    y_true, y_pred, *, from_logits=False, label_smoothing=0.0, axis=-1, reduction="mean", sample_weight=None
):
    r"""Categorical cross-entropy between target distributions and predictions.

    .. math::

        \ell(y, p) = -\sum_{c=1}^{C} y_c \log p_c

    with :math:`p = \operatorname{clip}(\hat y / \sum_c \hat y_c, \epsilon,
    1 - \epsilon)` for probabilities (Keras' normalization and clipping), or
    :math:`\log p = \operatorname{log\_softmax}(z)` for logits :math:`z`.
    Label smoothing :math:`s` replaces :math:`y` by :math:`y(1 - s) + s/C`.

    Parameters
    ----------
    y_true : array_like, shape (..., C)
        Target distributions (one-hot or soft labels): rows summing to 1.
    y_pred : array_like, shape (..., C)
        Predicted distributions (rows summing to 1 within 1e-3), or logits if
        ``from_logits``.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits.
    label_smoothing : float in [0, 1], default 0
        Mixes the targets with the uniform distribution, as Keras does.
    axis : int, default -1
        The class axis.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

    Returns
    -------
    ndarray
        Shape ``()``, or the input shape without ``axis`` for ``"none"``.

    Raises
    ------
    ValueError
        If a row of ``y_pred`` does not sum to 1 and ``from_logits`` is False.
        Keras silently renormalizes such rows (``y_pred / sum(y_pred)``); a
        loss computed on them is almost always a bug (logits passed as
        probabilities). ``tests/test_classification.py`` shows the difference.

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
    y_true, y_pred = _validate_categorical(
        y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
    )
    return _reduce_negated_sum(_categorical_terms(y_true, y_pred, from_logits=from_logits), reduction, sample_weight)


def _validate_sparse(labels, y_pred, *, from_logits, axis, ignore_class=None):
    from_logits = check_bool(from_logits, "from_logits")
    ignore_class = check_integer(ignore_class, "ignore_class", allow_none=True)
    y_pred = as_float_array(y_pred, "y_pred")
    (y_pred,) = _to_last_axis((y_pred,), axis)
    labels = as_labels(labels, y_pred, ignore_class=ignore_class)
    if not from_logits:
        check_distributions(y_pred, "y_pred", _LOGITS_HINT)
    return labels, y_pred


def sparse_categorical_crossentropy(
    labels, y_pred, *, from_logits=False, ignore_class=None, axis=-1, reduction="mean", sample_weight=None
):
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
    ignore_class : int, optional
        A label (such as -1 or 255, a segmentation map's "void") whose samples
        do not count: their loss is 0 and, as in Keras, they are left out of
        the ``"mean"``'s denominator too.
    axis : int, default -1
        The class axis of ``y_pred``.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

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

    The second sample is "void" and does not count, not even in the mean's denominator:

    >>> print(round(float(lb.sparse_categorical_crossentropy([1, -1], y_pred, ignore_class=-1)), 6))
    0.051293
    """
    labels, y_pred = _validate_sparse(labels, y_pred, from_logits=from_logits, axis=axis, ignore_class=ignore_class)
    mask = None
    if ignore_class is not None:
        mask = labels != ignore_class
        labels = np.where(mask, labels, 0)
    log_p = _log_probabilities(y_pred, from_logits)
    picked = np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
    return reduce(0 - picked, reduction, sample_weight, mask=mask)  # +0, never -0, for a perfect prediction


def _check_gamma(gamma):
    return check_nonnegative(gamma, "gamma")


def binary_focal_crossentropy(
    y_true,
    y_pred,
    *,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
    reduction="mean",
    sample_weight=None,
):
    r"""Binary focal cross-entropy: cross-entropy that down-weights the examples already right.

    .. math::

        \ell(y, p) = \frac{1}{K} \sum_{k=1}^{K} w_k\,(1 - p_{t,k})^\gamma\,
            \mathrm{BCE}(y_k, p_k), \qquad
        p_t = y p + (1 - y)(1 - p),

    with :math:`w = \alpha y + (1 - \alpha)(1 - y)` if
    ``apply_class_balancing``, else :math:`w = 1`. With :math:`\gamma = 0`
    and no balancing this is :func:`binary_crossentropy`.

    From logits, the cross-entropy is computed exactly (as Keras does: it
    recovers the logits from its sigmoid output) and :math:`1 - p_t` as
    :math:`y\sigma(-z) + (1 - y)\sigma(z)`, without cancellation.

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Targets in [0, 1].
    y_pred : array_like, shape (..., K)
        Probabilities in [0, 1], or logits if ``from_logits``.
    apply_class_balancing : bool, default False
        Weight the positives by ``alpha`` and the negatives by ``1 - alpha``.
    alpha : float in [0, 1], default 0.25
        Weight of the positive class when balancing.
    gamma : float >= 0, default 2
        Focusing parameter.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits.
    label_smoothing : float in [0, 1], default 0
        Squeezes the targets towards 1/2 (as in :func:`binary_crossentropy`).
    axis : int, default -1
        The axis averaged over.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

    Returns
    -------
    ndarray
        Shape ``()``, or the input shape without ``axis`` for ``"none"``.

    References
    ----------
    T.-Y. Lin, P. Goyal, R. Girshick, K. He and P. Dollár, "Focal Loss for
    Dense Object Detection", ICCV 2017, arXiv:1708.02002.

    See Also
    --------
    keras.losses.BinaryFocalCrossentropy

    Examples
    --------
    Keras' documented example, ``keras.losses.binary_focal_crossentropy([[0, 1],
    [0, 0]], [[0.6, 0.4], [0.4, 0.6]], gamma=2)`` = [0.330, 0.206]:

    >>> import lossbook as lb
    >>> print(lb.binary_focal_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], reduction="none").round(3))
    [0.33  0.206]
    """
    apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
    alpha = check_fraction(alpha, "alpha")
    gamma = _check_gamma(gamma)
    y_true, y_pred = _validate_binary(
        y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
    )
    bce = _binary_terms(y_true, y_pred, from_logits=from_logits)
    if from_logits:
        one_minus_pt = y_true * special.expit(-y_pred) + (1 - y_true) * special.expit(y_pred)
    else:
        one_minus_pt = y_true * (1 - y_pred) + (1 - y_true) * y_pred
    terms = np.power(one_minus_pt, y_pred.dtype.type(gamma)) * bce
    if apply_class_balancing:
        a = y_pred.dtype.type(alpha)
        terms = (y_true * a + (1 - y_true) * (1 - a)) * terms
    return _reduce_mean(terms, reduction, sample_weight)


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    *,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
    reduction="mean",
    sample_weight=None,
):
    r"""Categorical focal cross-entropy: each class's term scaled by :math:`\alpha_c (1 - p_c)^\gamma`.

    .. math::

        \ell(y, p) = -\sum_{c=1}^{C} \alpha_c (1 - p_c)^\gamma\, y_c \log p_c

    with :math:`p` normalized and clipped as in
    :func:`categorical_crossentropy` (Keras renormalizes rows that do not sum
    to 1; lossbook refuses them), or :math:`p = \operatorname{softmax}(z)`
    with :math:`\log p` computed exactly for logits. (Keras clips the softmax
    output to :math:`[10^{-7}, 1 - 10^{-7}]` before the log, so where a
    true-class probability is below :math:`10^{-7}` its cost stops at 16.118;
    lossbook's keeps growing, like :func:`categorical_crossentropy`'s.) With :math:`\gamma = 0`
    and :math:`\alpha = 1` this is :func:`categorical_crossentropy`.

    Parameters
    ----------
    y_true : array_like, shape (..., C)
        Target distributions.
    y_pred : array_like, shape (..., C)
        Predicted distributions, or logits if ``from_logits``.
    alpha : float or array_like of shape (C,), default 0.25
        Weight of every class (a scalar) or of each class (non-negative).
    gamma : float >= 0, default 2
        Focusing parameter.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits.
    label_smoothing : float in [0, 1], default 0
        As in :func:`categorical_crossentropy`.
    axis : int, default -1
        The class axis.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

    Returns
    -------
    ndarray
        Shape ``()``, or the input shape without ``axis`` for ``"none"``.

    See Also
    --------
    keras.losses.CategoricalFocalCrossentropy

    Examples
    --------
    Keras' documented example, ``keras.losses.categorical_focal_crossentropy(
    [[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])`` =
    [2.634e-04, 0.6759]:

    >>> import lossbook as lb
    >>> y_pred = [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]
    >>> print(lb.categorical_focal_crossentropy([[0, 1, 0], [0, 0, 1]], y_pred, reduction="none"))
    [2.63401289e-04 6.75912094e-01]
    """
    gamma = _check_gamma(gamma)
    y_true, y_pred = _validate_categorical(
        y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis
    )
    alpha = check_class_weights(alpha, y_pred.shape[-1], y_pred.dtype)
    log_p = _log_probabilities(y_pred, from_logits)
    p = np.exp(log_p)
    terms = alpha * np.power(1 - p, y_pred.dtype.type(gamma)) * (y_true * log_p)
    return _reduce_negated_sum(terms, reduction, sample_weight)


def categorical_generalized_cross_entropy(labels, y_pred, *, q=0.5, reduction="mean", sample_weight=None):
    r"""Generalized cross-entropy of Zhang and Sabuncu, robust to noisy labels.

    .. math::

        \ell(k, p) = \frac{1 - p_k^{\,q}}{q}, \qquad 0 < q < 1,

    where :math:`p_k` is the predicted probability of the labelled class. As
    :math:`q \to 0` it tends to the cross-entropy :math:`-\log p_k`; at
    :math:`q = 1` it is :math:`1 - p_k`, the mean absolute error of the
    one-hot target (up to a factor), which a wrong label cannot push to
    infinity. Probabilities are not clipped (Keras does not clip either).

    Parameters
    ----------
    labels : array_like of int, shape (...)
        Class indices in ``[0, C)``.
    y_pred : array_like, shape (..., C)
        Predicted distributions (rows summing to 1).
    q : float in (0, 1), default 0.5
        The noise parameter.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

    Returns
    -------
    ndarray
        Shape ``()``, or ``labels.shape`` for ``"none"``.

    References
    ----------
    Z. Zhang and M. R. Sabuncu, "Generalized Cross Entropy Loss for Training
    Deep Neural Networks with Noisy Labels", NeurIPS 2018, arXiv:1805.07836.

    See Also
    --------
    keras.losses.CategoricalGeneralizedCrossEntropy

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.categorical_generalized_cross_entropy([1, 0], [[0.2, 0.8], [0.75, 0.25]], q=0.5, reduction="none"))
    [0.21114562 0.26794919]
    """
    q = check_fraction(q, "q", open_interval=True)
    y_pred = as_float_array(y_pred, "y_pred")
    labels = as_labels(labels, y_pred)
    check_distributions(y_pred, "y_pred", "Pass probabilities (a softmax output), not logits.")
    p = np.take_along_axis(y_pred, labels[..., None], axis=-1)[..., 0]
    qq = y_pred.dtype.type(q)
    return reduce((1 - np.power(p, qq)) / qq, reduction, sample_weight)


def _signed_labels(y_true):
    """Map labels in {0, 1} to {-1, 1} as Keras does; refuse anything else."""
    # Elementwise tests, not np.unique (a sort): this runs on every call of the hinge losses.
    if (np.abs(y_true) == 1).all():
        return y_true
    if ((y_true == 0) | (y_true == 1)).all():
        return 2 * y_true - 1
    values = np.unique(y_true)
    shown = ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if values.size > 5 else "")
    fail("y_true", "contain labels in {-1, 1} or in {0, 1}", f"values {{{shown}}}")


def hinge(y_true, y_pred, *, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

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
    return reduce(last_axis_mean(np.maximum(1 - margin, 0)), reduction, sample_weight)


def squared_hinge(y_true, y_pred, *, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

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
    return reduce(last_axis_mean(np.square(np.maximum(1 - margin, 0))), reduction, sample_weight)


def categorical_hinge(y_true, y_pred, *, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

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
    if not ((y_true == 0) | (y_true == 1)).all() or (last_axis_sum(y_true) != 1).any():
        fail("y_true", "contain one-hot rows (a single 1, zeros elsewhere)", f"y_true={_short(y_true)}")
    target = y_true * y_pred
    positive = last_axis_sum(target)
    negative = last_axis_max(np.subtract(y_pred, target, out=target))  # (1 - y_true) * y_pred: y_true is 0 or 1
    return reduce(np.maximum(negative - positive + 1, 0), reduction, sample_weight)


def _short(arr):
    text = np.array2string(arr, threshold=6, precision=4)
    return text if len(text) <= 80 else text[:77] + "..."


def exponential_loss(y_true, y_pred, *, reduction="mean", sample_weight=None):
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
    sample_weight : array_like, optional
        Weights of the per-sample values (see :func:`binary_crossentropy`).

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
    return reduce(last_axis_mean(np.exp(-margin)), reduction, sample_weight)


def binary_accuracy(y_true, p, *, threshold=0.5):
    r"""Fraction of samples whose predicted class matches the label, as in Keras.

    .. math::

        \mathrm{acc} = \frac{1}{N} \sum_{n=1}^{N} [\, [p_n > t] = y_n \,]

    with threshold :math:`t` (Keras' ``binary_accuracy``: a probability of
    exactly 0.5 predicts class 0).

    Parameters
    ----------
    y_true : array_like, shape (..., N)
        Labels 0 or 1.
    p : array_like, shape (..., N)
        Predicted probabilities of class 1.
    threshold : float, default 0.5

    Returns
    -------
    ndarray, shape (...)
        Accuracy over the last axis, in [0, 1].

    Examples
    --------
    >>> from lossbook.classification import binary_accuracy
    >>> print(binary_accuracy([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.5]))
    0.75
    """
    y_true = as_float_array(y_true, "y_true")
    p = as_float_array(p, "p")
    check_same_shape(y_true, p, ("y_true", "p"))
    check_in_unit_interval(p, "p")
    if not np.isin(y_true, (0.0, 1.0)).all():
        fail("y_true", "contain labels 0 or 1", f"values {np.unique(y_true)[:5]}")
    return ((p > threshold) == (y_true == 1)).mean(axis=-1)

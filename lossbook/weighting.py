"""Weights: from Keras' ``class_weight`` to the ``sample_weight`` every lossbook loss takes.

Every lossbook loss accepts ``sample_weight`` with Keras' semantics (see
:func:`lossbook._validation.reduce`): the per-sample values are multiplied by
the weights, and ``reduction="mean"`` divides their sum by the number of
samples, **not** by the sum of the weights.
"""

from __future__ import annotations

import numpy as np

from ._validation import _describe, as_float_array, as_labels, check_integer, check_nonnegative, fail

__all__ = ["class_weight_to_sample_weight"]


def _class_indices(arr):
    """Integer class indices >= 0 (Keras rounds; lossbook refuses what is not a label)."""
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        fail("labels", "be an array of integer class indices", f"an array of dtype {arr.dtype}", error=TypeError)
    n_classes = int(np.max(arr, initial=0)) + 1 if arr.size and np.isfinite(arr).all() else 1
    return as_labels(arr, np.empty((arr.shape[0], max(n_classes, 1))), "labels")


def class_weight_to_sample_weight(labels, class_weight):
    """Per-sample weights from a class -> weight mapping, as Keras' ``fit(class_weight=...)`` builds them.

    Keras turns ``model.fit(..., class_weight={0: 1.0, 1: 5.0})`` into one
    weight per sample, the weight of that sample's class (for one-hot targets,
    the class of the row's largest entry), multiplied with any ``sample_weight``
    passed as well (``keras/src/trainers/data_adapters/data_adapter_utils.py``,
    ``class_weight_to_sample_weights``). Pass the result as ``sample_weight``
    to any lossbook loss.

    Parameters
    ----------
    labels : array_like of int, shape (N,), or one-hot array, shape (N, C)
        Class indices, or one-hot / probability rows.
    class_weight : mapping of int to float
        Weight of each class; classes not in the mapping get weight 1, as in Keras.

    Returns
    -------
    ndarray of float64, shape (N,)

    Examples
    --------
    >>> import lossbook as lb
    >>> w = lb.class_weight_to_sample_weight([0, 1, 1, 0], {0: 1.0, 1: 5.0})
    >>> print(w)
    [1. 5. 5. 1.]
    >>> y_true, y_pred = [[0.0], [1.0], [1.0], [0.0]], [[0.1], [0.9], [0.6], [0.2]]
    >>> print(lb.binary_crossentropy(y_true, y_pred, sample_weight=w))  # -(ln .9 + 5 ln .9 + 5 ln .6 + ln .8) / 4
    0.8523586910227803
    """
    if not hasattr(class_weight, "items"):
        fail(
            "class_weight",
            "be a mapping from class index to weight, such as {0: 1.0, 1: 5.0}",
            _describe(class_weight),
            error=TypeError,
        )
    arr = np.asarray(labels)
    if arr.ndim == 2 and arr.shape[1] > 1:
        arr = as_float_array(arr, "labels").argmax(axis=1)
    elif arr.ndim == 2:
        arr = arr[:, 0]
    if arr.ndim != 1:
        fail("labels", "have shape (N,) (class indices) or (N, C) (one-hot rows)", f"labels.shape={arr.shape}")
    arr = _class_indices(arr)
    weights = np.ones(arr.shape[0])
    for cls, weight in class_weight.items():
        cls = check_integer(cls, "class_weight key")
        check_nonnegative(weight, f"class_weight[{cls}]")
        weights[arr == cls] = float(weight)
    return weights

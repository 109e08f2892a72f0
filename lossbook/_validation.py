"""Input validation shared by every lossbook function.

All checks live here so that every error message has the same form::

    <argument> must <expectation>; received <what was received>. <hint>

Each check raises :class:`ValueError` (or :class:`TypeError` for data that is
not numeric) naming the argument, what was expected and what was received.
None of them modifies its input: arrays are copied or converted, never written.
"""

from __future__ import annotations

import numpy as np

from ._reductions import last_axis_sum

#: Clipping constant for probabilities, the same as Keras' ``backend.epsilon()``.
EPSILON = 1e-7

#: Tolerance on the sum of a probability distribution (a row of ``y_pred`` or
#: ``p``): rows whose sum differs from 1 by more than this are refused.
SUM_TOLERANCE = 1e-3

REDUCTIONS = ("mean", "sum", "none")


def fail(name, expected, received, hint=None, *, error=ValueError):
    """Raise ``error`` with a message in the house format.

    >>> fail("delta", "be a positive number", "delta=-1")
    Traceback (most recent call last):
        ...
    ValueError: delta must be a positive number; received delta=-1.
    """
    message = f"{name} must {expected}; received {received}."
    if hint:
        message += f" {hint}"
    raise error(message)


def _describe(x):
    """A short description of a received value for error messages."""
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} of type {type(x).__name__}"


def as_float_array(x, name, *, dtype=None, min_ndim=1):
    """Convert ``x`` to a finite, non-empty floating NumPy array (a new array).

    Integers, booleans and nested lists become ``float64``; floating arrays keep
    their dtype unless ``dtype`` is given. Strings, objects and complex numbers
    raise :class:`TypeError`; NaN, infinity, empty arrays and arrays with fewer
    than ``min_ndim`` dimensions raise :class:`ValueError`.
    """
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        fail(name, "be a rectangular array of numbers", _describe(x), str(exc), error=TypeError)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        fail(
            name,
            "be an array of real numbers",
            f"an array of dtype {arr.dtype} ({_describe(x)})",
            error=TypeError,
        )
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if arr.ndim < min_ndim:
        fail(
            name,
            f"have at least {min_ndim} dimension{'s' if min_ndim > 1 else ''}",
            f"{name}.shape={arr.shape}",
        )
    if arr.size == 0:
        fail(name, "not be empty", f"{name}.shape={arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = tuple(int(i) for i in np.argwhere(~finite)[0])
        fail(
            name,
            "contain only finite numbers",
            f"{float(arr[bad])!r} at index {bad}",
        )
    # This may be the caller's own array: lossbook never writes into its inputs.
    return arr


def as_pair(y_true, y_pred, *, names=("y_true", "y_pred")):
    """Convert a target and a prediction to arrays of one floating dtype and one shape.

    The dtype is that of ``y_pred`` when it is floating (``y_true`` is cast to
    it, as Keras does), otherwise ``float64``.
    """
    t_name, p_name = names
    y_pred = as_float_array(y_pred, p_name)
    y_true = as_float_array(y_true, t_name, dtype=y_pred.dtype)
    check_same_shape(y_true, y_pred, names)
    return y_true, y_pred


def check_same_shape(a, b, names):
    """Refuse two arrays of different shapes instead of broadcasting them."""
    if a.shape == b.shape:
        return
    a_name, b_name = names
    try:
        broadcast = np.broadcast_shapes(a.shape, b.shape)
        hint = f"NumPy would broadcast them to {broadcast}."
    except ValueError:
        hint = None
    if a.ndim + 1 == b.ndim and b.shape[-1] == 1 or b.ndim + 1 == a.ndim and a.shape[-1] == 1:
        hint = (hint + " " if hint else "") + "Reshape one of them (for example with .reshape(-1, 1))."
    fail(
        f"{a_name} and {b_name}",
        "have the same shape",
        f"{a_name}.shape={a.shape}, {b_name}.shape={b.shape}",
        hint,
    )


def check_in_unit_interval(x, name, hint=None):
    """Refuse values outside [0, 1]."""
    if x.min() >= 0 and x.max() <= 1:
        return
    outside = (x < 0) | (x > 1)
    if outside.any():
        bad = tuple(int(i) for i in np.argwhere(outside)[0])
        fail(name, "contain probabilities in [0, 1]", f"{float(x[bad])!r} at index {bad}", hint)


def check_distributions(x, name, hint=None):
    """Refuse rows (along the last axis) that are not probability distributions."""
    check_in_unit_interval(x, name, hint)
    sums = last_axis_sum(x)
    off = np.abs(sums - 1.0) > SUM_TOLERANCE
    if off.any():
        bad = tuple(int(i) for i in np.argwhere(off)[0]) if sums.ndim else ()
        row = f"{name}[{', '.join(map(str, bad))}]" if bad else name
        fail(
            name,
            f"sum to 1 along the last axis (within {SUM_TOLERANCE:g})",
            f"{row} sums to {float(sums[bad]):.6g}",
            hint,
        )


def check_reduction(reduction):
    """Refuse a reduction other than ``"mean"``, ``"sum"`` or ``"none"``."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        allowed = ", ".join(repr(r) for r in REDUCTIONS)
        fail("reduction", f"be one of {allowed}", f"reduction={reduction!r}")


def check_positive(value, name):
    """Refuse a parameter that is not a finite positive real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail(name, "be a positive real number", _describe(value), error=TypeError)
    if not np.isfinite(value) or value <= 0:
        fail(name, "be a positive real number", f"{name}={value!r}")
    return value


def check_nonnegative(value, name):
    """Refuse a parameter that is not a finite non-negative real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail(name, "be a non-negative real number", _describe(value), error=TypeError)
    if not np.isfinite(value) or value < 0:
        fail(name, "be a non-negative real number", f"{name}={value!r}")
    return value


def check_class_weights(alpha, n_classes, dtype):
    """A non-negative weight for every class (a scalar) or one per class (shape ``(n_classes,)``), as ``dtype``."""
    if np.ndim(alpha) == 0:
        alpha = check_nonnegative(alpha, "alpha")
    else:
        alpha = as_float_array(alpha, "alpha")
        if alpha.shape != (n_classes,) or alpha.min() < 0:
            fail(
                "alpha",
                f"be a non-negative number or one non-negative weight per class, shape ({n_classes},)",
                f"alpha={np.array2string(alpha, threshold=6)} of shape {alpha.shape}",
            )
    return np.asarray(alpha, dtype=dtype)


def check_bool(value, name):
    """Refuse a flag that is not a bool (``from_logits="yes"`` is a bug)."""
    if not isinstance(value, (bool, np.bool_)):
        fail(name, "be True or False", _describe(value), error=TypeError)
    return bool(value)


def log_base(base, dtype):
    """Return ``log(base)`` in ``dtype`` (1 for the natural log, ``base=None``)."""
    if base is None:
        return dtype.type(1.0)
    check_positive(base, "base")
    if base == 1:
        fail("base", "be a positive number other than 1", "base=1", "A logarithm to base 1 is undefined.")
    return dtype.type(np.log(base))


def check_fraction(value, name, *, open_interval=False):
    """Refuse a parameter that is not a real number in [0, 1] (or (0, 1) with ``open_interval``)."""
    interval = "(0, 1)" if open_interval else "[0, 1]"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail(name, f"be a real number in {interval}", _describe(value), error=TypeError)
    inside = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not np.isfinite(value) or not inside:
        fail(name, f"be a real number in {interval}", f"{name}={value!r}")
    return float(value)


def check_integer(value, name, *, allow_none=False):
    """Refuse a parameter that is not an integer (``ignore_class=1.5`` or ``"255"`` is a bug)."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        fail(name, "be an integer" + (" or None" if allow_none else ""), _describe(value), error=TypeError)
    return int(value)


def check_axis(axis, ndim, name="axis"):
    """Refuse an axis that is not an integer in ``[-ndim, ndim)``; return it as a non-negative int."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        fail(name, "be an integer", _describe(axis), error=TypeError)
    if not -ndim <= axis < ndim:
        fail(
            name,
            f"be an axis of an array with {ndim} dimension{'s' if ndim != 1 else ''}, in [{-ndim}, {ndim})",
            f"{name}={axis!r}",
        )
    return int(axis) % ndim


def check_no_negatives(x, name, hint=None):
    """Refuse negative entries (counts, rates, squared-log targets)."""
    if x.min() >= 0:
        return
    bad = tuple(int(i) for i in np.argwhere(x < 0)[0])
    fail(name, "contain only non-negative numbers", f"{float(x[bad])!r} at index {bad}", hint)


def as_labels(labels, y_pred, name="labels", *, ignore_class=None):
    """Validate integer class labels against predictions of shape ``(..., C)``; return them as ``intp``.

    Labels equal to ``ignore_class`` may lie outside ``[0, C)`` (a "void" class
    such as -1 or 255); every other label must be a class index.
    """
    arr = np.asarray(labels)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            bad = arr[~np.isfinite(arr) | (arr != np.round(arr))].flat[0]
            fail(name, "contain integer class indices", f"{name} containing {float(bad)!r}")
    elif arr.dtype.kind not in "iu":
        fail(name, "be an array of integer class indices", f"an array of dtype {arr.dtype}", error=TypeError)
    expected = y_pred.shape[:-1]
    if arr.shape != expected:
        hint = "Squeeze the trailing axis of length 1." if arr.shape == (*expected, 1) else None
        fail(name, f"have shape y_pred.shape[:-1]={expected}, one label per sample", f"{name}.shape={arr.shape}", hint)
    arr = arr.astype(np.intp)
    n_classes = y_pred.shape[-1]
    outside = (arr < 0) | (arr >= n_classes)
    if ignore_class is not None:
        outside &= arr != ignore_class
    if outside.any():
        bad = arr[outside].flat[0]
        fail(
            name,
            f"be class indices in [0, {n_classes - 1}] for y_pred with {n_classes} classes",
            f"label {int(bad)}",
            None if ignore_class is None else f"ignore_class={ignore_class}.",
        )
    return arr


def as_sample_weight(sample_weight, values):
    """Validate per-sample weights against per-sample loss values; return them in ``values``' dtype.

    Keras' rule (``squeeze_or_expand_to_same_rank`` in ``keras/src/losses/loss.py``):
    a weight array with one more dimension than the losses, of length 1, is
    squeezed (shape ``(N, 1)`` for ``(N,)`` losses); then the weights must
    broadcast to the losses' shape without enlarging it: a scalar, the losses'
    shape, or any shape with 1s where the losses have more (``(N, 1)`` for
    losses of shape ``(N, T)``). Weights must be finite and non-negative.
    """
    w = as_float_array(sample_weight, "sample_weight", dtype=values.dtype, min_ndim=0)
    if w.ndim == values.ndim + 1 and w.shape[-1] == 1:
        w = w[..., 0]
    if values.ndim == 0 and w.ndim > 0:
        fail(
            "sample_weight",
            "be a scalar for a loss that reduces the whole batch to one number",
            f"sample_weight.shape={w.shape}",
            "Pass axis=... to get one loss value per sample.",
        )
    try:
        fits = np.broadcast_shapes(values.shape, w.shape) == values.shape
    except ValueError:
        fits = False
    if not fits:
        example = f"{values.shape}" if values.ndim <= 1 else f"{values.shape} or ({values.shape[0]}, 1)"
        fail(
            "sample_weight",
            f"be a scalar or broadcast to the per-sample losses' shape {values.shape} (for example {example})",
            f"sample_weight.shape={w.shape}",
        )
    if w.min() < 0:
        bad = tuple(int(i) for i in np.argwhere(w < 0)[0])
        fail("sample_weight", "contain only non-negative weights", f"{float(w[bad])!r} at index {bad}")
    return w


def reduce(values, reduction, sample_weight=None, *, mask=None):
    """Weight per-sample loss values, then apply a batch reduction, as Keras' ``Loss.__call__`` does.

    ``"mean"`` is Keras' default ``sum_over_batch_size``: the sum of the
    weighted values divided by the **number of values**, not by the sum of the
    weights (a sample of weight 0 still counts in the denominator).
    ``"none"`` returns the (weighted) per-sample values. ``mask`` (boolean,
    the shape of ``values``) marks the values that count, as Keras' masks do
    (``apply_mask`` in ``keras/src/losses/loss.py``): masked-out values are 0,
    and ``"mean"`` divides by the number of values that count.
    """
    check_reduction(reduction)
    if sample_weight is not None:
        values = values * as_sample_weight(sample_weight, values)
    if mask is not None:
        values = np.where(mask, values, values.dtype.type(0))
    if reduction == "none" or values.ndim == 0:
        return values
    if reduction == "sum":
        return values.sum(dtype=values.dtype)
    if mask is not None:
        count = int(np.count_nonzero(mask))
        return values.sum(dtype=values.dtype) / values.dtype.type(count) if count else values.dtype.type(0)
    # values.mean(dtype=values.dtype), without its Python-level overhead (the same operations, the same result).
    total = np.add.reduce(values, axis=None, dtype=values.dtype)
    return total.dtype.type(total / np.intp(values.size))


def check_grid_size(value, name):
    """Refuse a number of subplot rows/columns that is not a positive integer."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        fail(name, "be a positive integer", f"{name}={value!r}")
    return int(value)


def check_axis_label(label, name):
    """Refuse an axis label that is not a non-empty string (every axis of the book is labelled)."""
    if not isinstance(label, str) or not label.strip():
        fail(name, "be a non-empty string", repr(label), "Every axis of the book is labelled.")
    return label


def check_count(value, name, minimum):
    """Refuse a count (epochs, samples) that is not an integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        fail(name, f"be an integer >= {minimum}", _describe(value), error=TypeError)
    if value < minimum:
        fail(name, f"be an integer >= {minimum}", f"{name}={value!r}")
    return int(value)


def check_choice(value, name, choices):
    """Refuse a value that is not one of ``choices`` (strings); the message lists them."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        fail(name, f"be one of {allowed}", f"{name}={value!r}")
    return value


def check_not_string(value, name, expected):
    """Refuse a single string where a sequence is expected (a string is a sequence of characters)."""
    if isinstance(value, str):
        fail(name, f"be {expected}", f"the string {value!r}", error=TypeError)
    return value


def check_instance(value, name, cls, description):
    """Refuse a value that is not an instance of ``cls`` (``description`` names it for the reader)."""
    if not isinstance(value, cls):
        fail(name, f"be {description}", f"{type(value).__name__}", error=TypeError)
    return value

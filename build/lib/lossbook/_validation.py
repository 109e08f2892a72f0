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


def reduce(values, reduction):
    """Apply a batch reduction to per-sample loss values.

    ``"mean"`` is Keras' default ``sum_over_batch_size``; ``"none"`` returns the
    per-sample values unchanged.
    """
    check_reduction(reduction)
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum(dtype=values.dtype)
    return values.mean(dtype=values.dtype)

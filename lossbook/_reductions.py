"""Fast reductions over the last axis.

NumPy's ``x.sum(axis=-1)`` and ``x.max(axis=-1)`` are slow when the last axis
is short (ten classes, say): they run one small inner loop per row. On a
(1 000 000, 10) float32 array ``np.einsum("...j->...", x)`` sums several
times faster, and an elementwise maximum over the columns is several times
faster than ``x.max(axis=-1)`` (``benchmarks/losses.py`` records the effect on
every loss, with the machine it ran on). Every loss reduces over its last
axis, so these two helpers decide whether lossbook keeps pace with TensorFlow.
The sum is not a matrix-vector product with ones (BLAS): that is as fast on
one thread, but OpenBLAS hands it to a second thread, which then spins for a
while after every call, costing CPU time that the caller never sees in
elapsed time. Results equal NumPy's up to the order of floating-point
additions."""

from __future__ import annotations

import numpy as np

#: Up to this many columns, the maximum is taken column by column.
_COLUMNWISE_MAX_UP_TO = 32


def last_axis_sum(x):
    """Sum over the last axis (one thread, no BLAS)."""
    return np.einsum("...j->...", x)


def last_axis_mean(x):
    """Mean over the last axis."""
    return last_axis_sum(x) / x.dtype.type(x.shape[-1])


def last_axis_max(x, *, keepdims=False):
    """Maximum over the last axis."""
    n = x.shape[-1]
    if n > _COLUMNWISE_MAX_UP_TO:
        return x.max(axis=-1, keepdims=keepdims)
    m = x[..., 0].copy()
    for c in range(1, n):
        np.maximum(m, x[..., c], out=m)
    return m[..., None] if keepdims else m

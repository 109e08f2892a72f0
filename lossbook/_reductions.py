"""Fast reductions over the last axis.

NumPy's ``x.sum(axis=-1)`` and ``x.max(axis=-1)`` are slow when the last axis
is short (ten classes, say) and there are many rows: they run one small inner
loop per row. On a (1 000 000, 10) float32 array ``np.einsum("...j->...", x)``
sums several times faster, and an elementwise maximum over the columns is
several times faster than ``x.max(axis=-1)``, if it runs over blocks of rows
that stay in the CPU's cache (a column of the whole array is read with a stride
of one row, so ten passes over it would read the whole array ten times from
memory). ``benchmarks/losses.py`` records the effect on every loss, with the
machine it ran on. On a few rows NumPy's own reduction is the fastest (one
call). Every loss reduces over its last axis, so these two helpers decide
whether lossbook keeps pace with TensorFlow. The sum is not a matrix-vector
product with ones (BLAS): that is as fast on one thread, but OpenBLAS hands it
to a second thread, which then spins for a while after every call, costing CPU
time that the caller never sees in elapsed time. Results equal NumPy's up to
the order of floating-point additions (the maximum is exact)."""

from __future__ import annotations

import numpy as np

#: Up to this many columns, the maximum is taken column by column.
_COLUMNWISE_MAX_UP_TO = 32
#: Up to this many rows, NumPy's own ``max(axis=-1)`` (one call) is faster.
_FEW_ROWS = 64
#: Numbers per block of rows of the column-by-column maximum (256 KB of float32: it stays in cache).
_BLOCK_SIZE = 1 << 16


def last_axis_sum(x):
    """Sum over the last axis (one thread, no BLAS)."""
    return np.einsum("...j->...", x)


def last_axis_mean(x):
    """Mean over the last axis."""
    return last_axis_sum(x) / x.dtype.type(x.shape[-1])


def last_axis_max(x, *, keepdims=False):
    """Maximum over the last axis."""
    n = x.shape[-1]
    if n > _COLUMNWISE_MAX_UP_TO or x.ndim == 1 or x.size <= _FEW_ROWS * n:
        return x.max(axis=-1, keepdims=keepdims)
    m = np.empty(x.shape[:-1], dtype=x.dtype)
    step = max(1, _BLOCK_SIZE // x[:1].size)  # blocks along the first axis of about _BLOCK_SIZE numbers
    for start in range(0, x.shape[0], step):
        block, out = x[start : start + step], m[start : start + step]
        np.copyto(out, block[..., 0])
        for c in range(1, n):
            np.maximum(out, block[..., c], out=out)
    return m[..., None] if keepdims else m

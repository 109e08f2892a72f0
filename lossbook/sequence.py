"""Sequence losses: connectionist temporal classification (CTC).

:func:`ctc` is Keras' ``keras.losses.ctc``: integer label sequences padded
with 0 (which is also the CTC blank), logits over time, and the negative log
probability of all alignments of each label sequence, summed with the forward
algorithm of Graves et al. (2006): on float64 probabilities for the whole batch
at once, run from both ends of the sequence and joined in the middle (half the
dependent steps, four NumPy calls each), and in log space for a sequence whose
probability is so small (below 1e-250) that underflow could cost it digits.
"""

from __future__ import annotations

import numpy as np

from ._reductions import last_axis_max, last_axis_sum
from ._validation import as_float_array, fail, reduce
from .activations import stable_log_softmax

__all__ = ["ctc"]

#: Linear-domain probabilities at least this large are exact to float64 rounding; smaller ones go through log space.
_SMALLEST_LINEAR = 1e-250
#: Sequences are computed in chunks of about this many float64 numbers of working memory.
_CHUNK_ELEMENTS = 1 << 20
#: Up to this many classes a matrix product gathers the emission probabilities (beyond, take_along_axis).
_MATMUL_GATHER_CLASSES = 64


def _ctc_labels(y_true, y_pred):
    arr = np.asarray(y_true)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            fail("y_true", "contain integer labels", "non-integer values")
    elif arr.dtype.kind not in "iu":
        fail("y_true", "be an array of integer labels", f"an array of dtype {arr.dtype}", error=TypeError)
    if arr.ndim != 2 or arr.shape[0] != y_pred.shape[0]:
        fail(
            "y_true",
            f"have shape (batch_size, max_length) = ({y_pred.shape[0]}, L), integer labels padded with 0",
            f"y_true.shape={arr.shape}",
        )
    arr = arr.astype(np.intp)
    n_classes = y_pred.shape[2]
    # Viewed as unsigned, a negative label is huge: one maximum checks both ends of [0, n_classes).
    if arr.size and arr.view(np.uintp).max() >= n_classes:
        outside = (arr < 0) | (arr >= n_classes)
        fail(
            "y_true",
            f"contain labels in [1, {n_classes - 1}] (0 is the blank and the padding)",
            f"label {int(arr[outside][0])}",
        )
    nonzero = arr != 0
    lengths = nonzero.sum(axis=1)
    # Padding comes last: a 0 followed by a label would be read as part of the sequence by TensorFlow.
    label_after_padding = nonzero[:, 1:] > nonzero[:, :-1]
    if label_after_padding.any():
        row = int(np.argwhere(label_after_padding.any(axis=1))[0, 0])
        fail(
            "y_true",
            "hold each label sequence first and its padding zeros after it",
            f"y_true[{row}]={arr[row].tolist()}",
            "0 is the blank: it cannot be a label.",
        )
    if arr.shape[1] <= y_pred.shape[1]:  # no sequence can be too long
        return arr, lengths
    too_long = lengths > y_pred.shape[1]
    if too_long.any():
        row = int(np.argwhere(too_long)[0, 0])
        fail(
            "y_true",
            f"have label sequences no longer than the {y_pred.shape[1]} time steps of y_pred",
            f"a sequence of {int(lengths[row])} labels in y_true[{row}]",
        )
    return arr, lengths


def ctc(y_true, y_pred, *, reduction="mean", sample_weight=None):
    r"""Connectionist temporal classification loss, as ``keras.losses.ctc``.

    .. math::

        \ell(y, z) = -\log \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_{t=1}^{T}
            \operatorname{softmax}(z_t)_{\pi_t}

    where :math:`\mathcal{B}` removes repeated symbols and then blanks (class
    0) from an alignment :math:`\pi` of length :math:`T`. The sum over
    alignments is the forward recursion over the label sequence with blanks
    interleaved, run from both ends and joined in the middle, on float64
    probabilities; a sequence whose probability is below 1e-250 is recomputed
    in log space (no underflow for long sequences).

    Parameters
    ----------
    y_true : array_like of int, shape (N, L)
        Label sequences, each followed by zeros as padding (0 is the blank and
        is never a label). A sequence's length is its number of non-zeros.
    y_pred : array_like, shape (N, T, C)
        Logits (not probabilities) over ``C`` classes, blank included, at
        ``T`` time steps.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sequence values.
    sample_weight : array_like, optional
        Weights of the per-sequence values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``, or ``(N,)`` for ``"none"``. ``inf`` for a sequence that
        no alignment of length ``T`` can produce (a label repeated needs a
        blank between: "aa" needs 3 steps).

    Raises
    ------
    ValueError
        A label sequence longer than ``T``, labels outside ``[1, C)``, or
        padding before a label.

    References
    ----------
    A. Graves, S. Fernández, F. Gomez and J. Schmidhuber, "Connectionist
    Temporal Classification: Labelling Unsegmented Sequence Data with
    Recurrent Neural Networks", ICML 2006.

    See Also
    --------
    keras.losses.CTC, tf.nn.ctc_loss

    Examples
    --------
    Uniform logits over 2 classes and 2 steps: the label "1" has three
    alignments (1 1, 0 1, 1 0), each of probability 1/4:

    >>> import lossbook as lb
    >>> import numpy as np
    >>> print(round(float(lb.ctc([[1]], np.zeros((1, 2, 2)))), 6), round(-np.log(3 / 4), 6))
    0.287682 0.287682
    """
    y_pred = as_float_array(y_pred, "y_pred", min_ndim=3)
    if y_pred.ndim != 3:
        fail("y_pred", "have shape (batch_size, time_steps, num_classes): logits", f"y_pred.shape={y_pred.shape}")
    labels, lengths = _ctc_labels(y_true, y_pred)
    n, steps, n_classes = y_pred.shape
    # Per sequence: the exps (T C), their gathered columns and sums (T (2L + 4)), the emissions (about T (2L + 3)).
    chunk = max(1, _CHUNK_ELEMENTS // (steps * (4 * labels.shape[1] + 7 + n_classes)))
    if n <= chunk:
        probability = _alignment_probability(y_pred, labels, lengths)
    else:
        probability = np.concatenate(
            [
                _alignment_probability(
                    y_pred[start : start + chunk], labels[start : start + chunk], lengths[start : start + chunk]
                )
                for start in range(0, n, chunk)
            ]
        )
    if probability.min() >= _SMALLEST_LINEAR:
        values = np.negative(np.log(probability, out=probability), dtype=y_pred.dtype)
    else:  # underflow may have cost digits (or the sequence is infeasible): these sequences go through log space
        redo = probability < _SMALLEST_LINEAR
        probability[redo] = 1.0
        values = np.negative(np.log(probability)).astype(y_pred.dtype)
        values[redo] = _log_space_ctc(stable_log_softmax(y_pred[redo]), labels[redo], lengths[redo])
    return reduce(values, reduction, sample_weight)


def _alignment_probability(logits, labels, lengths):
    r"""The probability (float64) of each label sequence: the forward recursion in the linear domain.

    ``alpha[t, s]``, the probability of the first ``t + 1`` steps ending on the
    ``s``-th symbol of the extended sequence (blank, l1, blank, l2, ..., blank),
    sums three predecessors and multiplies by the emission probability:

    .. math::

        \alpha_t(s) = p_t(s) \bigl(\alpha_{t-1}(s) + \alpha_{t-1}(s-1)
            + [\text{skip}_s]\,\alpha_{t-1}(s-2)\bigr).

    Each step depends on the one before, and in NumPy a step costs a few calls
    whatever the batch size, so the recursion runs from both ends at once:
    the forward variables over the first ``ceil(T / 2)`` steps and, in the
    same calls, the backward variables over the last ``floor(T / 2)``
    (``beta[t, s]``, the probability of the steps from ``t`` on, starting on
    ``s`` at step ``t`` and finishing the sequence; it sums the successors
    ``s``, ``s + 1`` and ``s + 2``). One more forward step without its
    emission joins them, with :math:`m = \lceil T/2 \rceil - 1`:

    .. math::

        P = \sum_s \beta_{m+1}(s) \bigl(\alpha_m(s) + \alpha_m(s-1)
            + [\text{skip}_s]\,\alpha_m(s-2)\bigr).

    The sequences lie end to end in one flat array, each followed by two
    zeros: the forward blocks, then the backward blocks, each stored mirrored
    so that its successors ``s + 1`` and ``s + 2`` are, like a forward
    block's predecessors, the cells one and two places before. ``s - 1`` and
    ``s - 2`` are then the whole array shifted by one and two places, and a
    step is four ufunc calls on contiguous arrays for both directions and the
    whole batch (the emission probabilities of the two zeros are 0, so they
    stay 0). Before the first step a forward block holds 1 on its first blank
    and a backward block 1 on its last (``s = 2L``); a cell past the end of a
    backward block (``s > 2L``) only ever reads cells further past the end, so
    it stays 0. The probabilities never exceed 1, so nothing overflows; a
    value that underflowed changes the result by at most its own size (under
    1e-307 for each operation of the recursion), which is negligible above
    ``_SMALLEST_LINEAR``.
    """
    n, steps, n_classes = logits.shape
    width = 2 * labels.shape[1] + 1
    stride = width + 2  # a sequence and its two zeros
    half = n * stride  # the forward (or the backward) blocks
    forward, backward = (steps + 1) // 2, steps // 2  # steps 0..forward-1 forward, the others backward
    z = logits.astype(np.float64)
    top = z.max()
    if top - z.min() < 700.0:  # one shift for all: every exp(z - top) >= e^-700, a normal float64
        z -= top
    else:
        z -= last_axis_max(z, keepdims=True)
    np.exp(z, out=z)
    # gathered[i, t, s]: exp of the s-th extended symbol of sequence i at step t (0 on the zeros); sums[i, t, 0]:
    # the sum of exp over the classes.
    if n_classes <= _MATMUL_GATHER_CLASSES:
        # One matrix product gathers them (a single 1 per column: exact) and sums each row (the last column).
        selector = np.zeros((n, n_classes, stride + 1))
        selector[:, 0, 0:width:2] = 1.0  # the blanks
        selector[np.arange(n)[:, None], labels, np.arange(1, width, 2)] = 1.0
        selector[:, :, -1] = 1.0
        product = np.matmul(z, selector)
        gathered, sums = product[:, :, :-1], product[:, :, -1:]
    else:
        extended = np.zeros((n, 1, stride), dtype=np.intp)
        extended[:, 0, 1:width:2] = labels
        gathered = np.take_along_axis(z, extended, axis=2)
        gathered[:, :, width:] = 0.0
        sums = last_axis_sum(z)[..., None]
    # emit[k]: the emission probabilities of step k: the forward blocks at time k, then the backward blocks at
    # time T - 1 - k, each block mirrored.
    emit = np.empty((forward, 2, n, stride))
    np.divide(gathered[:, :forward], sums[:, :forward], out=emit[:, 0].transpose(1, 0, 2))
    np.divide(gathered[:, : -forward - 1 : -1, ::-1], sums[:, : -forward - 1 : -1], out=emit[:, 1].transpose(1, 0, 2))
    emit = emit.reshape(forward, 2 * half)
    skip = np.zeros((2, n, stride))
    np.not_equal(labels[:, 1:], labels[:, :-1], out=skip[0, :, 3:width:2])  # onto a label over a blank: if it differs
    skip[1, :, 2:] = skip[0, :, :1:-1]  # mirrored: from s + 2 to s if the label at s + 2 differs from the one at s
    skip = skip.reshape(-1)
    # Before step 0: 1 on the first blank (forward) and on the last blank (backward: the cell mirroring s = 2L).
    buffer = np.zeros(2 * half + 2)
    buffer[2 : 2 + half : stride] = 1.0
    buffer[np.arange(1 + half + stride, 2 + 2 * half, stride) - 2 * lengths] = 1.0
    alpha, step, jump = buffer[2:], buffer[1:-1], buffer[:-2]
    total = np.empty_like(alpha)
    multiply, add = np.multiply, np.add  # positional out: the calls dominate the time on small batches
    for probability in emit[:backward]:
        multiply(jump, skip, total)
        add(total, step, total)
        add(total, alpha, total)
        multiply(total, probability, alpha)
    # The forward blocks alone: the middle step if T is odd, then the sums of the join.
    alpha, step, jump, skip, total = alpha[:half], step[:half], jump[:half], skip[:half], total[:half]
    if forward > backward:
        multiply(jump, skip, total)
        add(total, step, total)
        add(total, alpha, total)
        multiply(total, emit[-1, :half], alpha)
    multiply(jump, skip, total)
    add(total, step, total)
    add(total, alpha, total)
    joint = total.reshape(n, stride) * buffer[2 + half :].reshape(n, stride)[:, ::-1]
    return joint.sum(axis=1)


def _log_space_ctc(log_p, labels, lengths):
    """Per-sequence CTC loss by the forward recursion in log space (no underflow, ~3x slower)."""
    n, steps, _ = log_p.shape
    width = 2 * labels.shape[1] + 1
    extended = np.zeros((n, width), dtype=np.intp)  # blank, l1, blank, l2, ..., blank
    extended[:, 1::2] = labels
    minus_inf = log_p.dtype.type(-np.inf)
    # emit[t, i, s]: log-probability of the s-th extended symbol of sequence i at step t (one gather, time first).
    emit = np.take_along_axis(log_p, extended[:, None, :], axis=2).transpose(1, 0, 2).copy()
    # Position s is reached from s (stay), s - 1 (step) and s - 2 (a skip, onto a label that differs from the
    # one two places back: other skips get -inf added). buffer[:, 2:] is alpha, with two -inf in front, so the
    # three predecessors are views and a time step is four ufunc calls on preallocated arrays.
    skip = np.full((n, width), minus_inf, dtype=log_p.dtype)
    skip[:, 3::2] = np.where(labels[:, 1:] != labels[:, :-1], 0, minus_inf)
    buffer = np.full((n, width + 2), minus_inf, dtype=log_p.dtype)
    alpha, step, jump = buffer[:, 2:], buffer[:, 1:-1], buffer[:, :-2]
    alpha[:, :2] = emit[0, :, :2]
    total, jumped = np.empty_like(alpha), np.empty_like(alpha)
    for t in range(1, steps):
        np.logaddexp(alpha, step, out=total)
        np.add(jump, skip, out=jumped)
        np.logaddexp(total, jumped, out=total)
        np.add(total, emit[t], out=alpha)
    rows = np.arange(n)
    last = alpha[rows, 2 * lengths]
    before = np.where(lengths > 0, alpha[rows, np.maximum(2 * lengths - 1, 0)], minus_inf)
    return -np.logaddexp(last, before)

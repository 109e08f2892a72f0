"""Representation-learning losses: cosine similarity, Circle, InfoNCE / NT-Xent and the triplet margin loss.

These compare embeddings rather than a prediction with a target.
:func:`cosine_similarity` and :func:`circle` follow Keras
(``keras.losses.cosine_similarity``, ``keras.losses.Circle``);
:func:`info_nce`, :func:`nt_xent` and :func:`triplet_margin_loss` have no Keras
class and follow the papers and PyTorch (``torch.nn.TripletMarginLoss``, and
cross-entropy over a similarity matrix).
"""

from __future__ import annotations

import numpy as np

from ._reductions import last_axis_sum
from ._validation import (
    as_float_array,
    as_pair,
    check_axis,
    check_bool,
    check_nonnegative,
    check_positive,
    check_same_shape,
    fail,
    reduce,
)
from .activations import stable_log_softmax

__all__ = ["cosine_similarity", "circle", "info_nce", "nt_xent", "triplet_margin_loss"]

#: Keras' ``normalize`` caps 1 / norm at 1 / epsilon: a zero vector stays zero.
_NORM_FLOOR = 1e-7


def cosine_similarity(y_true, y_pred, *, axis=-1, reduction="mean", sample_weight=None):
    r"""Negative cosine similarity, Keras' ``CosineSimilarity`` loss.

    .. math::

        \ell(y, \hat y) = -\frac{\sum_k y_k \hat y_k}{\max(\|y\|, \epsilon)\,\max(\|\hat y\|, \epsilon)}

    Note the sign: this is a **loss**, so it is :math:`-\cos`, from -1
    (same direction, the best value) to 1 (opposite). A zero vector gives 0
    whatever the other one is (Keras' normalization leaves it zero).

    Parameters
    ----------
    y_true : array_like, shape (..., D)
        Target vectors.
    y_pred : array_like, shape (..., D)
        Predicted vectors, same shape.
    axis : int, default -1
        The axis of the vectors.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``, or the input shape without ``axis`` for ``"none"``.

    See Also
    --------
    keras.losses.CosineSimilarity

    Examples
    --------
    Keras' documented example, ``keras.losses.cosine_similarity([[0., 1.],
    [1., 1.], [1., 1.]], [[1., 0.], [1., 1.], [-1., -1.]])`` = [-0, -1, 1]:

    >>> import lossbook as lb
    >>> print(lb.cosine_similarity([[0., 1.], [1., 1.], [1., 1.]], [[1., 0.], [1., 1.], [-1., -1.]], reduction="none"))
    [-0. -1.  1.]
    """
    y_true, y_pred = as_pair(y_true, y_pred)
    axis = check_axis(axis, y_pred.ndim)
    if axis != y_pred.ndim - 1:
        y_true, y_pred = np.moveaxis(y_true, axis, -1), np.moveaxis(y_pred, axis, -1)
    # Keras divides each vector by max(norm, 1e-7); the same, as one dot product over two norms.
    floor = y_pred.dtype.type(_NORM_FLOOR)
    norms = np.maximum(np.sqrt(last_axis_sum(np.square(y_true))), floor)
    norms *= np.maximum(np.sqrt(last_axis_sum(np.square(y_pred))), floor)
    return reduce(-(last_axis_sum(y_true * y_pred) / norms), reduction, sample_weight)


def _logsumexp_of_finite(x):
    """logsumexp over the last axis, where entries left out are -inf; -inf for a row with none.

    The caller ignores ``divide`` (log 0 for a row with none) in ``np.errstate``.
    """
    # A row of -inf would have maximum -inf; starting from the lowest float keeps x - m at -inf (not nan) there.
    m = x.max(axis=-1, initial=np.finfo(x.dtype).min)
    return m + np.log(last_axis_sum(np.exp(x - m[..., None])))


def circle(
    y_true,
    y_pred,
    *,
    gamma=80.0,
    margin=0.4,
    remove_diagonal=True,
    ref_labels=None,
    ref_embeddings=None,
    reduction="mean",
    sample_weight=None,
):
    r"""Circle loss of Sun et al. (2020), as Keras computes it.

    With cosine distances :math:`d_{ij} = \max(0, 1 - x_i \cdot r_j)` between
    embeddings :math:`x_i` and reference embeddings :math:`r_j` (the batch
    itself by default), positives :math:`P_i` (same label, not :math:`i`
    itself) and negatives :math:`N_i` (another label):

    .. math::

        \ell_i = \operatorname{softplus}\Big(
            \log \sum_{j \in P_i} e^{-\gamma\, a^+_{ij} (m - d_{ij})}
          + \log \sum_{j \in N_i} e^{\gamma\, a^-_{ij} (1 - m - d_{ij})} \Big)

    with :math:`a^+_{ij} = \max(0, m + d_{ij})` and
    :math:`a^-_{ij} = \max(0, 1 + m - d_{ij})`. A sample without positives
    costs 0. As in Keras' ``Circle`` class, samples whose loss is 0 do not
    count in the ``"mean"``'s denominator (Keras masks them).

    Parameters
    ----------
    y_true : array_like of int, shape (N,)
        Class labels.
    y_pred : array_like, shape (N, D)
        L2-normalized embeddings (rows of norm 1, within 1e-3).
    gamma : float > 0, default 80
        Scale.
    margin : float >= 0, default 0.4
        Relaxation margin :math:`m`.
    remove_diagonal : bool, default True
        Leave each sample out of its own positives.
    ref_labels : array_like of int, shape (M,), optional
        Labels of the reference embeddings (default ``y_true``).
    ref_embeddings : array_like, shape (M, D), optional
        Reference embeddings (default ``y_pred``).
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.
    sample_weight : array_like, optional
        Weights of the per-sample values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``, or ``(N,)`` for ``"none"``.

    References
    ----------
    Y. Sun et al., "Circle Loss: A Unified Perspective of Pair Similarity
    Optimization", CVPR 2020, arXiv:2002.10857.

    See Also
    --------
    keras.losses.Circle

    Examples
    --------
    >>> import lossbook as lb
    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> print(f"{float(lb.circle([0, 0, 1, 1], x)):.3e}")  # softplus(log(2) - 2 * 80 * 0.4 * 0.4), two negatives
    1.524e-11
    """
    check_positive(gamma, "gamma")
    check_nonnegative(margin, "margin")
    remove_diagonal = check_bool(remove_diagonal, "remove_diagonal")
    y_pred = as_float_array(y_pred, "y_pred", min_ndim=2)
    if y_pred.ndim != 2:
        fail("y_pred", "have shape (batch_size, embedding_dim)", f"y_pred.shape={y_pred.shape}")
    labels = _class_labels(y_true, y_pred.shape[0], "y_true")
    refs = y_pred if ref_embeddings is None else as_float_array(ref_embeddings, "ref_embeddings", dtype=y_pred.dtype)
    if refs.ndim != 2 or refs.shape[1] != y_pred.shape[1]:
        fail("ref_embeddings", f"have shape (M, {y_pred.shape[1]})", f"ref_embeddings.shape={refs.shape}")
    ref = labels if ref_labels is None else _class_labels(ref_labels, refs.shape[0], "ref_labels")
    for name, emb in (
        (("y_pred", y_pred),) if ref_embeddings is None else (("y_pred", y_pred), ("ref_embeddings", refs))
    ):
        norms = np.sqrt(np.einsum("ij,ij->i", emb, emb))
        if np.abs(norms - 1).max() > 1e-3:
            row = int(np.argwhere(np.abs(norms - 1) > 1e-3)[0, 0])
            fail(
                name,
                "hold L2-normalized embeddings (rows of norm 1)",
                f"row {row} has norm {float(norms[row]):.6g}",
                "Divide by np.linalg.norm(x, axis=-1, keepdims=True).",
            )
    dt = y_pred.dtype.type
    distances = np.maximum(1 - y_pred @ refs.T, 0)
    # Positives and negatives side by side in one (2, N, M) array, so that both log-sums are one call (the
    # arrays are small: the calls cost more than the arithmetic). Pairs left out of a sum get -inf.
    left_out = np.empty((2, *distances.shape), dtype=bool)
    np.equal(labels[:, None], ref[None, :], out=left_out[1])  # same label: not a negative
    np.logical_not(left_out[1], out=left_out[0])  # another label: not a positive
    if remove_diagonal:  # nor is the sample itself: [i, i] for i < min(N, M), as np.fill_diagonal
        width = distances.shape[1]
        left_out[0].reshape(-1)[: min(distances.shape) * (width + 1) : width + 1] = True
    m, g = dt(margin), dt(gamma)
    logits = np.empty(left_out.shape, dtype=distances.dtype)
    positives, negatives = logits
    np.multiply(-g, m + distances, out=positives)  # a+ = max(0, m + d) = m + d, as m, d >= 0
    positives *= m - distances
    np.maximum(1 + m - distances, 0, out=negatives)
    np.multiply(g, negatives, out=negatives)
    negatives *= (1 - m) - distances
    np.copyto(logits, dt(-np.inf), where=left_out)
    with np.errstate(divide="ignore"):  # log 0 = -inf for a sample without positives
        total = np.add(*_logsumexp_of_finite(logits))  # -inf + finite; never inf - inf (both are < +inf)
    per_sample = np.logaddexp(dt(0), total)
    return reduce(per_sample, reduction, sample_weight, mask=per_sample > 0)


def _class_labels(labels, n, name):
    """Integer labels of shape (n,) (any integers: they are compared, not used as indices)."""
    arr = np.asarray(labels)
    if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.round(arr)).all():
        arr = arr.astype(np.intp)
    if arr.dtype.kind not in "iu":
        fail(name, "be an array of integer labels", f"an array of dtype {arr.dtype}", error=TypeError)
    if arr.shape != (n,):
        fail(name, f"have shape ({n},), one label per embedding", f"{name}.shape={arr.shape}")
    return arr


def _similarity_matrix(similarity, *, square):
    s = as_float_array(similarity, "similarity", min_ndim=2)
    if s.ndim != 2 or (square and s.shape[0] != s.shape[1]) or s.shape[0] > s.shape[1]:
        shape = "(N, N)" if square else "(N, M) with M >= N"
        fail("similarity", f"be a matrix of shape {shape}", f"similarity.shape={s.shape}")
    return s


def info_nce(similarity, *, temperature=1.0, reduction="mean", sample_weight=None):
    r"""InfoNCE: cross-entropy of each anchor's positive among all candidates of a similarity matrix.

    Row :math:`i` of the similarity matrix :math:`S` scores anchor :math:`i`
    against every candidate; its positive is candidate :math:`i` (the
    diagonal), as in CPC and CLIP:

    .. math::

        \ell_i = -\log \frac{e^{S_{ii}/\tau}}{\sum_j e^{S_{ij}/\tau}}
               = \operatorname{logsumexp}_j(S_{ij}/\tau) - S_{ii}/\tau,

    which is :func:`sparse_categorical_crossentropy` of the logits
    :math:`S/\tau` with labels :math:`0, 1, \dots, N-1`.

    Parameters
    ----------
    similarity : array_like, shape (N, M), M >= N
        Similarities (for example cosine similarities of embeddings).
    temperature : float > 0, default 1
        :math:`\tau`; similarities are divided by it.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-anchor values.
    sample_weight : array_like, optional
        Weights of the per-anchor values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``, or ``(N,)`` for ``"none"``.

    References
    ----------
    A. van den Oord, Y. Li and O. Vinyals, "Representation Learning with
    Contrastive Predictive Coding", 2018, arXiv:1807.03748.

    Examples
    --------
    With equal similarities everywhere, each anchor's positive is one of
    :math:`M` equally likely candidates:

    >>> import lossbook as lb
    >>> import numpy as np
    >>> print(round(float(lb.info_nce(np.zeros((4, 4)))), 6), round(np.log(4), 6))
    1.386294 1.386294
    """
    check_positive(temperature, "temperature")
    s = _similarity_matrix(similarity, square=False)
    logits = s / s.dtype.type(temperature)
    n = logits.shape[0]
    return reduce(-stable_log_softmax(logits)[np.arange(n), np.arange(n)], reduction, sample_weight)


def nt_xent(similarity, *, temperature=0.5, reduction="mean", sample_weight=None):
    r"""NT-Xent, SimCLR's normalized temperature-scaled cross-entropy, from a similarity matrix.

    The batch holds two views of :math:`N` examples: rows :math:`0..N-1` and
    :math:`N..2N-1`, so the positive of :math:`i` is :math:`i \pm N`. Every
    other sample except :math:`i` itself is a negative:

    .. math::

        \ell_i = -\log \frac{e^{S_{i,p(i)}/\tau}}{\sum_{k \ne i} e^{S_{ik}/\tau}},
        \qquad p(i) = (i + N) \bmod 2N,

    averaged over all :math:`2N` anchors by ``"mean"``.

    Parameters
    ----------
    similarity : array_like, shape (2N, 2N)
        Similarities, usually cosine similarities of the embeddings.
    temperature : float > 0, default 0.5
        :math:`\tau`.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-anchor values.
    sample_weight : array_like, optional
        Weights of the per-anchor values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``, or ``(2N,)`` for ``"none"``.

    References
    ----------
    T. Chen, S. Kornblith, M. Norouzi and G. Hinton, "A Simple Framework for
    Contrastive Learning of Visual Representations", ICML 2020, arXiv:2002.05709.

    Examples
    --------
    >>> import lossbook as lb
    >>> import numpy as np
    >>> print(round(float(lb.nt_xent(np.zeros((4, 4)))), 6), round(np.log(3), 6))  # 3 candidates per anchor
    1.098612 1.098612
    """
    check_positive(temperature, "temperature")
    s = _similarity_matrix(similarity, square=True)
    two_n = s.shape[0]
    if two_n % 2:
        fail("similarity", "have an even number of rows, two views of each example", f"similarity.shape={s.shape}")
    logits = s / s.dtype.type(temperature)
    logits = np.where(np.eye(two_n, dtype=bool), s.dtype.type(-np.inf), logits)
    rows = np.arange(two_n)
    return reduce(-stable_log_softmax(logits)[rows, (rows + two_n // 2) % two_n], reduction, sample_weight)


def triplet_margin_loss(
    anchor, positive, negative, *, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean", sample_weight=None
):
    r"""Triplet margin loss, as ``torch.nn.TripletMarginLoss``.

    .. math::

        \ell_i = \max\left(0,\; d(a_i, p_i) - d(a_i, n_i) + m\right),
        \qquad d(x, y) = \lVert x - y + \varepsilon \rVert_p

    (PyTorch's ``pairwise_distance`` adds :math:`\varepsilon` to the
    difference). With ``swap``, :math:`d(a_i, n_i)` is replaced by
    :math:`\min(d(a_i, n_i), d(p_i, n_i))` (Balntas et al., 2016).

    Parameters
    ----------
    anchor, positive, negative : array_like, shape (N, D)
        Embeddings of the same shape.
    margin : float >= 0, default 1
        :math:`m`.
    p : float > 0, default 2
        Norm degree.
    eps : float >= 0, default 1e-6
        Added to the differences.
    swap : bool, default False
        Use the distance swap.
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-triplet values.
    sample_weight : array_like, optional
        Weights of the per-triplet values (Keras' semantics).

    Returns
    -------
    ndarray
        Shape ``()``, or ``(N,)`` for ``"none"``.

    References
    ----------
    F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: A Unified Embedding
    for Face Recognition and Clustering", CVPR 2015.

    See Also
    --------
    torch.nn.TripletMarginLoss

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.triplet_margin_loss([[0.0, 0.0]], [[0.0, 1.0]], [[3.0, 0.0]], eps=0.0))
    0.0
    >>> print(lb.triplet_margin_loss([[0.0, 0.0]], [[0.0, 1.0]], [[1.5, 0.0]], eps=0.0))
    0.5
    """
    check_nonnegative(margin, "margin")
    check_positive(p, "p")
    check_nonnegative(eps, "eps")
    swap = check_bool(swap, "swap")
    a = as_float_array(anchor, "anchor")
    pos = as_float_array(positive, "positive", dtype=a.dtype)
    neg = as_float_array(negative, "negative", dtype=a.dtype)
    check_same_shape(a, pos, ("anchor", "positive"))
    check_same_shape(a, neg, ("anchor", "negative"))
    dt = a.dtype.type

    def distance(x, y):
        d = np.abs(x - y + dt(eps))
        return (
            np.sqrt(last_axis_sum(np.square(d))) if p == 2 else np.power(last_axis_sum(np.power(d, dt(p))), dt(1.0 / p))
        )

    d_neg = distance(a, neg)
    if swap:
        d_neg = np.minimum(d_neg, distance(pos, neg))
    return reduce(np.maximum(distance(a, pos) - d_neg + dt(margin), 0), reduction, sample_weight)

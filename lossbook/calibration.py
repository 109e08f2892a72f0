"""Calibration: do predicted probabilities mean what they say?

A classifier is *calibrated* when, among the samples to which it gives
confidence :math:`c`, a fraction :math:`c` is classified correctly. This module
measures that (reliability bins, the expected calibration error), scores
probabilistic predictions with the Brier score, a proper scoring rule, and
fits the one-parameter fix of Guo et al. (2017), temperature scaling.

Every function takes integer ``labels`` of shape ``(N,)`` and predicted
distributions ``probs`` of shape ``(N, K)`` (a binary classifier's
:math:`p = P(y = 1)` becomes ``np.stack([1 - p, p], axis=-1)``), or ``logits``
of shape ``(N, K)`` for temperature scaling.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._reductions import last_axis_sum
from ._validation import as_float_array, as_labels, check_distributions, check_positive, fail, reduce
from .activations import log_softmax, softmax

__all__ = [
    "ReliabilityBins",
    "reliability_bins",
    "expected_calibration_error",
    "brier_score",
    "temperature_scale",
    "fit_temperature",
    "overconfident_classifier",
]


class ReliabilityBins(NamedTuple):
    """Per-bin statistics of a reliability diagram (one entry per bin).

    Its fields: ``edges``, shape (n_bins + 1,), the bin edges on [0, 1] (bin
    :math:`m` is :math:`(e_{m-1}, e_m]`); ``confidence``, shape (n_bins,), the
    mean top-label confidence of the samples in each bin (NaN if empty);
    ``accuracy``, shape (n_bins,), the fraction of them whose top label is
    right (NaN if empty); ``counts``, shape (n_bins,), the number of samples in
    each bin.
    """

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    counts: np.ndarray


def _check_n_bins(n_bins):
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)):
        fail("n_bins", "be a positive integer", f"{n_bins!r} of type {type(n_bins).__name__}", error=TypeError)
    if n_bins < 1:
        fail("n_bins", "be a positive integer", f"n_bins={n_bins!r}")
    return int(n_bins)


def _labels_and_probs(labels, probs):
    probs = as_float_array(probs, "probs", min_ndim=2)
    if probs.ndim != 2:
        fail("probs", "have shape (N, K): one distribution per sample", f"probs.shape={probs.shape}")
    check_distributions(probs, "probs", "Pass probabilities, not logits (apply lossbook.softmax first).")
    return as_labels(labels, probs), probs


def reliability_bins(labels, probs, *, n_bins=15):
    r"""Bin samples by top-label confidence: the data of a reliability diagram.

    With confidence :math:`c_i = \max_k p_{ik}`, prediction
    :math:`\hat y_i = \arg\max_k p_{ik}` and the equal-width bins
    :math:`B_m = \{i : c_i \in ((m-1)/M,\ m/M]\}` of Guo et al. (2017),

    .. math::

        \operatorname{conf}(B_m) = \frac{1}{|B_m|} \sum_{i \in B_m} c_i,
        \qquad
        \operatorname{acc}(B_m) = \frac{1}{|B_m|} \sum_{i \in B_m} [\hat y_i = y_i].

    A calibrated model has :math:`\operatorname{acc}(B_m) = \operatorname{conf}(B_m)`
    in every bin: its diagram lies on the diagonal.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        True class indices in ``[0, K)``.
    probs : array_like, shape (N, K)
        Predicted distributions (rows summing to 1).
    n_bins : int, default 15
        Number of equal-width bins on [0, 1] (Guo et al. use 15).

    Returns
    -------
    ReliabilityBins
        ``edges`` (n_bins + 1,), ``confidence``, ``accuracy`` and ``counts``
        (n_bins,); empty bins have NaN confidence and accuracy.

    Examples
    --------
    Four predictions: two confident and right, two hesitant, one of them wrong.

    >>> import lossbook as lb
    >>> probs = [[0.95, 0.05], [0.1, 0.9], [0.6, 0.4], [0.45, 0.55]]
    >>> bins = lb.reliability_bins([0, 1, 0, 0], probs, n_bins=2)
    >>> print(bins.counts, bins.confidence.round(3), bins.accuracy)
    [0 4] [ nan 0.75] [ nan 0.75]
    >>> bins = lb.reliability_bins([0, 1, 0, 0], probs, n_bins=5)
    >>> print(bins.counts, bins.accuracy)
    [0 0 2 0 2] [nan nan 0.5 nan 1. ]
    """
    n_bins = _check_n_bins(n_bins)
    labels, probs = _labels_and_probs(labels, probs)
    confidence = probs.max(axis=-1)
    correct = (probs.argmax(axis=-1) == labels).astype(probs.dtype)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bin m holds (edges[m], edges[m+1]]; a confidence of exactly 0 cannot occur
    # (the top probability of a distribution over K classes is at least 1/K).
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        mean_acc = np.bincount(index, weights=correct, minlength=n_bins) / counts
    return ReliabilityBins(edges, mean_conf, mean_acc, counts)


def expected_calibration_error(labels, probs, *, n_bins=15):
    r"""Expected calibration error (ECE) of top-label confidences.

    .. math::

        \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}
        \left| \operatorname{acc}(B_m) - \operatorname{conf}(B_m) \right|

    with the bins of :func:`reliability_bins` (Naeini et al. 2015; Guo et al.
    2017, eq. 3). It is 0 for a calibrated model and at most 1.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        True class indices.
    probs : array_like, shape (N, K)
        Predicted distributions.
    n_bins : int, default 15
        Number of equal-width bins.

    Returns
    -------
    float
        The ECE, in [0, 1].

    Notes
    -----
    The ECE depends on the binning: more bins mean fewer samples per bin and a
    noisier, usually larger, estimate. Compare models with the same ``n_bins``.

    Examples
    --------
    >>> import lossbook as lb
    >>> probs = [[0.95, 0.05], [0.1, 0.9], [0.6, 0.4], [0.45, 0.55]]
    >>> print(round(lb.expected_calibration_error([0, 1, 0, 0], probs, n_bins=5), 4))
    0.075

    Bin (0.4, 0.6] holds confidences 0.6 and 0.55 (mean 0.575) with one of two
    right (0.5); bin (0.8, 1] holds 0.95 and 0.9 (mean 0.925), both right:
    ECE = 0.5 · 0.075 + 0.5 · 0.075.
    """
    bins = reliability_bins(labels, probs, n_bins=n_bins)
    filled = bins.counts > 0
    weights = bins.counts[filled] / bins.counts.sum()
    return float(np.sum(weights * np.abs(bins.accuracy[filled] - bins.confidence[filled])))


def brier_score(y_true, y_pred, *, reduction="mean"):
    r"""Brier score: the squared distance between a forecast and the outcome.

    .. math::

        \mathrm{BS}(y, p) = \sum_{k=1}^{K} (p_k - y_k)^2

    per sample (Brier 1950), for one-hot or soft targets ``y_true``. It is a
    *proper* scoring rule: when the outcome is drawn from :math:`q`, the
    expected score is smallest for the forecast :math:`p = q`.

    Parameters
    ----------
    y_true : array_like, shape (..., K)
        Target distributions (one-hot rows, or soft labels).
    y_pred : array_like, shape (..., K)
        Predicted distributions (rows summing to 1).
    reduction : {"mean", "sum", "none"}, default "mean"
        Batch reduction of the per-sample values.

    Returns
    -------
    ndarray
        Shape ``()``, or ``y_pred.shape[:-1]`` for ``"none"``.

    Notes
    -----
    This is Brier's original multi-category score, in [0, 2]. For two classes it
    is twice the binary form :math:`(p - y)^2` that scikit-learn's
    ``brier_score_loss`` computes from :math:`p = P(y = 1)`. Keras and PyTorch
    have no Brier loss; it is the mean squared error of the probabilities
    times :math:`K`.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(round(float(lb.brier_score([[0, 1, 0]], [[0.2, 0.7, 0.1]])), 6))
    0.14
    """
    y_pred = as_float_array(y_pred, "y_pred")
    y_true = as_float_array(y_true, "y_true", dtype=y_pred.dtype)
    if y_true.shape != y_pred.shape:
        fail("y_true and y_pred", "have the same shape", f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}")
    check_distributions(y_true, "y_true", "Targets are one-hot rows or soft labels that sum to 1.")
    check_distributions(y_pred, "y_pred", "Pass probabilities, not logits (apply lossbook.softmax first).")
    return reduce(last_axis_sum(np.square(y_pred - y_true)), reduction)


def temperature_scale(logits, temperature):
    r"""Softmax of logits divided by a temperature.

    .. math::

        p_k = \frac{e^{z_k / T}}{\sum_j e^{z_j / T}}

    :math:`T > 1` softens the distribution (less confident), :math:`T < 1`
    sharpens it; the predicted class (the argmax) never changes, so accuracy
    is the same at every temperature.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Unnormalized scores.
    temperature : float
        :math:`T > 0`.

    Returns
    -------
    ndarray, shape (..., K)
        Distributions over the last axis.

    Examples
    --------
    >>> import lossbook as lb
    >>> print(lb.temperature_scale([[2.0, 0.0]], 2.0).round(4))
    [[0.7311 0.2689]]
    """
    check_positive(temperature, "temperature")
    logits = as_float_array(logits, "logits")
    return softmax(logits / logits.dtype.type(temperature))


def fit_temperature(logits, labels, *, bounds=(0.05, 20.0)):
    r"""The temperature that minimizes the negative log-likelihood (Guo et al. 2017).

    .. math::

        T^\star = \arg\min_{T > 0}\ -\frac{1}{N} \sum_{i=1}^{N}
        \log \operatorname{softmax}(z_i / T)_{y_i}

    Fit it on held-out data, never on the training set (where a network that
    overfits is confidently right and the fit says :math:`T < 1`).

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Held-out logits.
    labels : array_like of int, shape (N,)
        Their true classes.
    bounds : tuple of two floats, default (0.05, 20.0)
        Search interval for :math:`T`; the minimum is searched over
        :math:`\log T` with SciPy's bounded scalar minimizer.

    Returns
    -------
    float
        :math:`T^\star`. If it lies on a bound, the likelihood keeps falling
        beyond it (for example when every held-out prediction is right:
        :math:`T \to 0`).

    Examples
    --------
    Logits twice as confident as the labels they were drawn from: the fitted
    temperature is close to 2.

    >>> import numpy as np
    >>> import lossbook as lb
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(0.0, 2.0, size=(20000, 4))
    >>> y = np.array([rng.choice(4, p=p) for p in lb.softmax(z)])
    >>> print(round(lb.fit_temperature(2 * z, y), 1))
    2.0
    """
    from scipy.optimize import minimize_scalar

    logits = as_float_array(logits, "logits", dtype=np.float64, min_ndim=2)
    if logits.ndim != 2:
        fail("logits", "have shape (N, K): one row of logits per sample", f"logits.shape={logits.shape}")
    labels = as_labels(labels, logits)
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        fail("bounds", "be two positive numbers (low, high)", f"bounds={bounds!r}", error=TypeError)
    if not (0 < low < high and np.isfinite(high)):
        fail("bounds", "satisfy 0 < low < high < inf", f"bounds={bounds!r}")
    rows = np.arange(len(labels))

    def nll(log_t):
        return -log_softmax(logits * np.exp(-log_t))[rows, labels].mean()

    result = minimize_scalar(nll, bounds=(np.log(low), np.log(high)), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))


def overconfident_classifier(n_samples=1000, *, n_classes=3, overconfidence=2.5, spread=1.5, noise=0.5, seed=0):
    r"""Logits of a seeded, overconfident classifier and the labels they predict.

    Each sample has true logits :math:`z \sim \mathcal N(0, \text{spread}^2 I_K)`; its label is drawn from
    :math:`\operatorname{softmax}(z)`, so :math:`\operatorname{softmax}(z)` is calibrated by construction. The
    classifier sees :math:`z` through noise and reports

    .. math::

        \hat z = \text{overconfidence} \cdot (z + \eta), \qquad \eta \sim \mathcal N(0, \text{noise}^2 I_K):

    too large logits, as an overfitted network's (Guo et al. 2017), which temperature scaling divides back.

    Parameters
    ----------
    n_samples : int, default 1000
    n_classes : int, default 3
    overconfidence : float > 0, default 2.5
        The factor on the logits (1: no overconfidence beyond the noise's).
    spread : float > 0, default 1.5
        Standard deviation of the true logits.
    noise : float >= 0, default 0.5
        Standard deviation of the classifier's error on the logits.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    logits : ndarray, shape (n_samples, n_classes)
    labels : ndarray of int, shape (n_samples,)

    Examples
    --------
    >>> import lossbook as lb
    >>> logits, labels = lb.overconfident_classifier(20000, overconfidence=2.0, noise=0.0, seed=1)
    >>> print(round(lb.fit_temperature(logits, labels), 1))
    2.0
    """
    for value, name in ((overconfidence, "overconfidence"), (spread, "spread")):
        check_positive(value, name)
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) or not noise >= 0:
        fail("noise", "be a non-negative real number", f"noise={noise!r}")
    for value, name, low in ((n_samples, "n_samples", 1), (n_classes, "n_classes", 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            fail(name, f"be an integer of at least {low}", f"{name}={value!r}")
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, spread, size=(int(n_samples), int(n_classes)))
    p = softmax(z)
    labels = (rng.uniform(size=(int(n_samples), 1)) > np.cumsum(p, axis=-1)).sum(axis=-1)
    labels = np.minimum(labels, n_classes - 1)
    logits = overconfidence * (z + rng.normal(0.0, noise, size=z.shape))
    return logits, labels.astype(np.intp)

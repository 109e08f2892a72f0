"""Tests of lossbook.calibration against direct loops and known properties."""

from __future__ import annotations

import numpy as np
import pytest

import lossbook as lb


def _loop_ece(labels, probs, n_bins):
    """Guo et al. (2017), eq. 3, written as a plain loop over samples."""
    total = 0.0
    for m in range(n_bins):
        low, high = m / n_bins, (m + 1) / n_bins
        members = [i for i, p in enumerate(probs) if low < max(p) <= high]
        if not members:
            continue
        conf = np.mean([max(probs[i]) for i in members])
        acc = np.mean([int(np.argmax(probs[i]) == labels[i]) for i in members])
        total += len(members) / len(probs) * abs(acc - conf)
    return total


@pytest.mark.parametrize("n_bins", [1, 5, 15, 40])
def test_ece_matches_a_direct_loop(n_bins):
    rng = np.random.default_rng(1)
    probs = lb.softmax(rng.normal(0, 2, size=(300, 4)))
    labels = rng.integers(0, 4, size=300)
    assert lb.expected_calibration_error(labels, probs, n_bins=n_bins) == pytest.approx(
        _loop_ece(labels, probs.tolist(), n_bins), rel=1e-12, abs=1e-15
    )


def test_bins_count_every_sample_once_and_edges_are_right_closed():
    probs = np.array([[0.5, 0.5], [0.6, 0.4], [0.2, 0.8], [0.0, 1.0]])
    bins = lb.reliability_bins([0, 0, 1, 1], probs, n_bins=5)
    # 0.5 lies in (0.4, 0.6], 0.6 too (right-closed), 0.8 in (0.6, 0.8], 1.0 in (0.8, 1].
    np.testing.assert_array_equal(bins.counts, [0, 0, 2, 1, 1])
    assert bins.counts.sum() == 4
    np.testing.assert_allclose(bins.edges, np.linspace(0, 1, 6))
    assert np.isnan(bins.confidence[0]) and np.isnan(bins.accuracy[1])


def test_calibrated_sampling_has_small_ece_and_overconfidence_large():
    rng = np.random.default_rng(0)
    z = rng.normal(0.0, 2.0, size=(40000, 3))
    p = lb.softmax(z)
    labels = np.array([rng.choice(3, p=row) for row in p])
    calibrated = lb.expected_calibration_error(labels, p)
    overconfident = lb.expected_calibration_error(labels, lb.softmax(3 * z))
    assert calibrated < 0.01
    assert overconfident > 0.1


def test_brier_score_values_and_binary_relation():
    assert lb.brier_score([[0, 1]], [[0.3, 0.7]]) == pytest.approx(0.18)
    p = np.array([0.1, 0.8, 0.55])
    y = np.array([0, 1, 1])
    two_class = lb.brier_score(np.stack([1 - y, y], -1), np.stack([1 - p, p], -1), reduction="none")
    np.testing.assert_allclose(two_class, 2 * (p - y) ** 2)


def test_brier_score_is_proper():
    """The expected score under outcomes drawn from q is smallest at p = q."""
    q = np.array([0.2, 0.5, 0.3])
    outcomes = np.eye(3)

    def expected(p):
        return float(q @ lb.brier_score(outcomes, np.tile(p, (3, 1)), reduction="none"))

    best = expected(q)
    rng = np.random.default_rng(2)
    for p in rng.dirichlet(np.ones(3), size=200):
        assert expected(p) >= best - 1e-15


def test_temperature_scale_keeps_argmax_and_one_is_softmax():
    z = np.array([[3.0, -1.0, 0.5], [0.0, 0.1, -4.0]])
    np.testing.assert_allclose(lb.temperature_scale(z, 1.0), lb.softmax(z))
    for t in (0.3, 2.0, 10.0):
        np.testing.assert_array_equal(lb.temperature_scale(z, t).argmax(-1), z.argmax(-1))
    assert lb.temperature_scale(z, 10.0).max() < lb.softmax(z).max()
    assert lb.temperature_scale(np.float32(z), 2.0).dtype == np.float32


@pytest.mark.parametrize("true_t", [0.5, 1.0, 3.0])
def test_fit_temperature_recovers_the_generating_temperature(true_t):
    rng = np.random.default_rng(3)
    z = rng.normal(0.0, 1.5, size=(20000, 5))
    labels = np.array([rng.choice(5, p=row) for row in lb.softmax(z)])
    fitted = lb.fit_temperature(true_t * z, labels)
    assert fitted == pytest.approx(true_t, rel=0.05)


def test_fit_temperature_is_a_minimum_of_the_nll():
    rng = np.random.default_rng(4)
    z = rng.normal(0, 3, size=(500, 3))
    labels = rng.integers(0, 3, size=500)
    t = lb.fit_temperature(z, labels)

    def nll(temp):
        return float(lb.sparse_categorical_crossentropy(labels, z / temp, from_logits=True))

    assert nll(t) <= nll(t * 1.01) and nll(t) <= nll(t / 1.01)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: lb.reliability_bins([0], [[0.5, 0.5]], n_bins=0), ValueError, "n_bins must be a positive integer"),
        (lambda: lb.reliability_bins([0], [[0.5, 0.5]], n_bins=2.5), TypeError, "n_bins must be a positive integer"),
        (lambda: lb.reliability_bins([0], [[0.5, 0.6]]), ValueError, "probs must sum to 1"),
        (lambda: lb.reliability_bins([0, 1], [[0.5, 0.5]]), ValueError, "labels must have shape"),
        (lambda: lb.reliability_bins([2], [[0.5, 0.5]]), ValueError, r"labels must be class indices in \[0, 1\]"),
        (lambda: lb.reliability_bins([0], [0.5, 0.5]), ValueError, "probs must have at least 2 dimensions"),
        (lambda: lb.expected_calibration_error([0], [[[0.5, 0.5]]]), ValueError, r"probs must have shape \(N, K\)"),
        (lambda: lb.brier_score([[0, 1]], [[0.5, 0.5, 0.0]]), ValueError, "y_true and y_pred must have the same shape"),
        (lambda: lb.brier_score([[0, 1]], [[2.0, -1.0]]), ValueError, r"y_pred must contain probabilities in \[0, 1\]"),
        (lambda: lb.temperature_scale([[1.0, 2.0]], 0), ValueError, "temperature must be a positive real number"),
        (lambda: lb.temperature_scale([[1.0, 2.0]], "2"), TypeError, "temperature must be a positive real number"),
        (lambda: lb.fit_temperature([[1.0, 2.0]], [0], bounds=(2, 1)), ValueError, "bounds must satisfy"),
        (lambda: lb.fit_temperature([[1.0, 2.0]], [0], bounds=None), TypeError, "bounds must be two positive numbers"),
        (lambda: lb.fit_temperature([[1.0, np.nan]], [0]), ValueError, "logits must contain only finite numbers"),
    ],
)
def test_bad_input_is_refused_with_the_house_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- chapter 8's data: an overconfident classifier ---------------------------------------------------


def test_overconfident_classifier_is_seeded_and_well_formed():
    logits, labels = lb.overconfident_classifier(500, n_classes=4, seed=7)
    again = lb.overconfident_classifier(500, n_classes=4, seed=7)
    assert logits.shape == (500, 4) and labels.shape == (500,) and labels.dtype == np.intp
    assert np.array_equal(logits, again[0]) and np.array_equal(labels, again[1])
    assert set(np.unique(labels)) == {0, 1, 2, 3}


def test_overconfident_classifier_needs_the_temperature_it_was_given():
    # Without noise the logits are overconfidence * z, and softmax(z) is calibrated: T* recovers the factor.
    for factor in (0.5, 1.0, 3.0):
        logits, labels = lb.overconfident_classifier(20000, overconfidence=factor, noise=0.0, seed=1)
        assert lb.fit_temperature(logits, labels) == pytest.approx(factor, rel=0.05)
    logits, labels = lb.overconfident_classifier(2000, seed=0)
    probs = lb.softmax(logits)
    assert np.mean(probs.max(axis=-1)) > np.mean(probs.argmax(axis=-1) == labels) + 0.1  # overconfident


def test_overconfident_classifier_refuses_bad_arguments():
    with pytest.raises(ValueError, match="^overconfidence must be a positive real number"):
        lb.overconfident_classifier(10, overconfidence=0.0)
    with pytest.raises(ValueError, match="^n_classes must be an integer of at least 2"):
        lb.overconfident_classifier(10, n_classes=1)
    with pytest.raises(ValueError, match="^noise must be a non-negative real number"):
        lb.overconfident_classifier(10, noise=-1.0)

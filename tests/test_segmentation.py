"""Dice and Tversky: Keras' documented example, how they reduce, and Tversky's weights."""

from __future__ import annotations

import numpy as np
import pytest

import lossbook as lb


@pytest.fixture(scope="module")
def keras():
    from lossbook import frameworks

    return frameworks.tensorflow_modules()[1]


def _masks(rng, shape=(3, 4, 4)):
    return (rng.random(shape) < 0.4) * 1.0, rng.random(shape)


def test_keras_documented_example():
    # keras/src/losses/losses.py, Dice docstring: [0.5, 0.75757575] per sample, 0.6164384 for all.
    y_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    y_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    np.testing.assert_allclose(lb.dice(y_true, y_pred, axis=(1, 2, 3), reduction="none"), [0.5, 0.75757575], rtol=1e-7)
    assert lb.dice(y_true, y_pred) == pytest.approx(0.6164384, rel=1e-7)


def test_default_dice_pools_the_batch_it_is_not_the_mean_of_per_sample_dice(rng, keras):
    # The surprise: Keras' Dice() sums over every axis, batch included, so a batch of
    # one large, well-predicted mask and one small, missed mask scores as one big image.
    y_true, y_pred = _masks(rng)
    pooled = lb.dice(y_true, y_pred)
    per_sample = lb.dice(y_true, y_pred, axis=(1, 2), reduction="none")
    assert pooled.shape == () and per_sample.shape == (3,)
    by_hand = 1 - 2 * (y_true * y_pred).sum() / (y_true.sum() + y_pred.sum() + 1e-7)
    assert pooled == pytest.approx(by_hand, rel=1e-14)
    assert abs(pooled - per_sample.mean()) > 1e-3
    assert pooled == pytest.approx(float(keras.losses.Dice(dtype="float64")(y_true, y_pred)), rel=1e-12)
    mean = keras.losses.Dice(axis=(1, 2), dtype="float64")(y_true, y_pred)
    assert lb.dice(y_true, y_pred, axis=(1, 2)) == pytest.approx(float(mean), rel=1e-12)
    # reduction cannot undo the pooling: "none" still gives one number
    assert lb.dice(y_true, y_pred, reduction="none").shape == ()


def test_small_object_missed_counts_for_little_when_pooled():
    big = np.zeros((2, 10, 10))
    big[0, :8, :8] = 1.0
    big[1, 0, 0] = 1.0
    pred = big.copy()
    pred[1] = 0.0  # the one-pixel object is missed entirely
    assert lb.dice(big, pred) < 0.01
    assert lb.dice(big, pred, axis=(1, 2)) == pytest.approx(0.5, abs=1e-6)


def test_empty_masks_cost_one_not_nan():
    assert lb.dice(np.zeros((1, 3)), np.zeros((1, 3))) == 1.0
    assert lb.tversky(np.zeros((1, 3)), np.zeros((1, 3))) == 1.0


def test_tversky_half_half_is_dice(rng):
    # Equal up to the epsilon: Dice's 2I / (2I + FN + FP + eps) is I / (I + FN/2 + FP/2 + eps/2),
    # Tversky's has eps, not eps/2 (both Keras' formulas).
    y_true, y_pred = _masks(rng)
    tversky = lb.tversky(y_true, y_pred, axis=(1, 2), reduction="none")
    dice = lb.dice(y_true, y_pred, axis=(1, 2), reduction="none")
    np.testing.assert_allclose(tversky, dice, rtol=1e-7)
    intersection = (y_true * y_pred).sum(axis=(1, 2))
    half_errors = 0.5 * ((1 - y_pred) * y_true + y_pred * (1 - y_true)).sum(axis=(1, 2))
    np.testing.assert_allclose(dice, 1 - intersection / (intersection + half_errors + 0.5e-7), rtol=1e-13)


def test_tversky_alpha_weighs_false_negatives_in_keras_formula(keras):
    # One missed pixel (false negative), no false positive: only alpha matters.
    y_true, y_pred = np.array([[1.0, 1.0]]), np.array([[1.0, 0.0]])
    for alpha in (0.1, 0.9):
        ours = lb.tversky(y_true, y_pred, alpha=alpha, beta=0.5)
        assert ours == pytest.approx(1 - 1 / (1 + alpha), rel=1e-6)
        theirs = keras.losses.Tversky(alpha=alpha, beta=0.5, dtype="float64")(y_true, y_pred)
        assert ours == pytest.approx(float(theirs), rel=1e-12)
    assert lb.tversky(y_true, y_pred, alpha=0.5, beta=0.0) == lb.tversky(y_true, y_pred, alpha=0.5, beta=1.0)


def test_float32_stays_float32(rng):
    y_true, y_pred = _masks(rng)
    assert lb.dice(y_true.astype(np.float32), y_pred.astype(np.float32)).dtype == np.float32

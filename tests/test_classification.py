"""Classification losses: worked examples with sources, variant cross-checks, stability, clipping."""

import numpy as np
import pytest

import lossbook as lb

CLASSIFICATION = [lb.binary_crossentropy, lb.categorical_crossentropy, lb.hinge, lb.squared_hinge, lb.exponential_loss]


class TestWorkedExamples:
    def test_keras_docs_categorical(self):
        # keras.io/api/losses/probabilistic_losses: CategoricalCrossentropy()(
        # [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]) = 1.177
        # (-ln 0.95 - ln 0.1) / 2 = 1.1769392490386963
        value = lb.categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        assert value == pytest.approx((-np.log(0.95) - np.log(0.1)) / 2, rel=1e-15)
        assert value == pytest.approx(1.176939, abs=1e-6)

    def test_keras_docs_sparse(self):
        # keras.io: SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]) = 1.177
        assert lb.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]) == pytest.approx(
            1.176939, abs=1e-6
        )

    def test_keras_docs_binary(self):
        # keras.io: BinaryCrossentropy()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) = 0.815
        expected = -(np.log(0.4) + np.log(0.4) + np.log(0.6) + np.log(0.4)) / 4
        assert lb.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) == pytest.approx(expected, rel=1e-15)
        assert expected == pytest.approx(0.815, abs=5e-4)

    def test_deep_learning_from_scratch_cross_entropy(self):
        # Saito (2016), section 4.2.2: 0.51082545709933802 and 2.3025840929945458,
        # computed as -sum(t * log(y + 1e-7)); lossbook computes -log(0.6) and -log(0.1)
        # without the additive 1e-7, so the values differ in the 7th digit.
        t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
        y1 = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
        y2 = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
        assert lb.categorical_crossentropy(t, y1) == pytest.approx(0.51082545709933802, abs=2e-7)
        assert lb.categorical_crossentropy(t, y2) == pytest.approx(2.3025840929945458, abs=2e-6)
        assert lb.categorical_crossentropy(t, y1) == pytest.approx(-np.log(0.6), rel=1e-15)

    def test_extreme_logits_give_exact_results(self):
        # Issue #2: logits [1000, -1000, 0] with true class 1 give 2000.0
        assert lb.categorical_crossentropy([0, 1, 0], [1000.0, -1000.0, 0.0], from_logits=True) == 2000.0
        assert lb.sparse_categorical_crossentropy([1], [[1000.0, -1000.0, 0.0]], from_logits=True) == 2000.0
        assert lb.binary_crossentropy([1.0], [-1e4], from_logits=True) == 1e4
        assert lb.binary_crossentropy([0.0], [-1e4], from_logits=True) == 0.0

    def test_zero_probability_on_true_class_is_clipped_like_keras(self):
        # -ln(1e-7) = 16.11809565095832; Keras clips to [1e-7, 1 - 1e-7] too.
        assert lb.categorical_crossentropy([0, 1], [1.0, 0.0]) == pytest.approx(-np.log(1e-7), rel=1e-12)
        assert lb.binary_crossentropy([1.0], [0.0]) == pytest.approx(-np.log(1e-7), rel=1e-9)
        assert lb.categorical_crossentropy([0, 1], [1.0, 0.0]) == pytest.approx(16.118, abs=1e-3)


class TestVariantsAgree:
    def test_sparse_equals_one_hot(self, rng):
        logits = rng.normal(scale=4, size=(16, 5))
        labels = rng.integers(0, 5, size=16)
        one_hot = np.eye(5)[labels]
        for from_logits, pred in ((True, logits), (False, lb.softmax(logits))):
            np.testing.assert_allclose(
                lb.sparse_categorical_crossentropy(labels, pred, from_logits=from_logits, reduction="none"),
                lb.categorical_crossentropy(one_hot, pred, from_logits=from_logits, reduction="none"),
                rtol=1e-12,
            )

    def test_logits_equal_probabilities_away_from_the_clip(self, rng):
        logits = rng.normal(scale=2, size=(16, 4))
        targets = rng.dirichlet(np.ones(4), size=16)
        np.testing.assert_allclose(
            lb.categorical_crossentropy(targets, logits, from_logits=True, reduction="none"),
            lb.categorical_crossentropy(targets, lb.softmax(logits), reduction="none"),
            rtol=1e-12,
        )
        y = rng.uniform(size=(16, 3))
        z = rng.normal(scale=2, size=(16, 3))
        np.testing.assert_allclose(
            lb.binary_crossentropy(y, z, from_logits=True, reduction="none"),
            lb.binary_crossentropy(y, lb.sigmoid(z), reduction="none"),
            rtol=1e-10,
        )

    def test_sigmoid_single_output_equals_two_output_softmax(self, rng):
        z = rng.normal(scale=3, size=(10, 1))
        y = rng.integers(0, 2, size=(10, 1)).astype(float)
        two_logits = np.concatenate([np.zeros_like(z), z], axis=-1)
        two_targets = np.concatenate([1 - y, y], axis=-1)
        np.testing.assert_allclose(
            lb.binary_crossentropy(y, z, from_logits=True, reduction="none"),
            lb.categorical_crossentropy(two_targets, two_logits, from_logits=True, reduction="none"),
            rtol=1e-12,
        )

    def test_categorical_crossentropy_is_information_cross_entropy_when_unclipped(self, rng):
        p = rng.dirichlet(np.ones(4), size=8)
        q = rng.dirichlet(np.ones(4), size=8)
        np.testing.assert_allclose(
            lb.categorical_crossentropy(p, q, reduction="none"), lb.cross_entropy(p, q), rtol=1e-12
        )

    def test_hinge_accepts_bits_or_signs(self, rng):
        bits = rng.integers(0, 2, size=(6, 3)).astype(float)
        scores = rng.normal(size=(6, 3))
        for fn in (lb.hinge, lb.squared_hinge, lb.exponential_loss):
            assert fn(bits, scores) == pytest.approx(fn(2 * bits - 1, scores), rel=1e-15)

    def test_categorical_hinge_definition(self, rng):
        labels = rng.integers(0, 4, size=12)
        y = np.eye(4)[labels]
        f = rng.normal(size=(12, 4))
        true_score = f[np.arange(12), labels]
        other = np.where(y == 1, -np.inf, f).max(-1)
        per = lb.categorical_hinge(y, f, reduction="none")
        # Crammer-Singer where a wrong class scores >= 0; Keras' masked max gives 0 otherwise.
        expected = np.maximum(0, 1 + np.maximum(other, 0) - true_score)
        np.testing.assert_allclose(per, expected, rtol=1e-15)
        some_nonneg = other >= 0
        assert some_nonneg.any() and (~some_nonneg).any()
        np.testing.assert_allclose(per[some_nonneg], np.maximum(0, 1 + other - true_score)[some_nonneg])


class TestNumerics:
    def test_extreme_logits_are_finite_and_warning_free(self, rng):
        # pytest turns every warning into an error: an overflow in exp would fail here.
        logits = rng.choice([-1e4, 1e4, 0.0], size=(32, 6))
        labels = rng.integers(0, 6, size=32)
        out = lb.sparse_categorical_crossentropy(labels, logits, from_logits=True, reduction="none")
        assert np.isfinite(out).all()
        out = lb.binary_crossentropy(rng.uniform(size=(32, 6)), logits, from_logits=True, reduction="none")
        assert np.isfinite(out).all()

    @pytest.mark.parametrize("fn", [lb.binary_crossentropy, lb.categorical_crossentropy])
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_dtype_is_kept(self, fn, dtype, rng):
        y = np.eye(3)[rng.integers(0, 3, size=5)].astype(dtype)
        p = rng.dirichlet(np.ones(3), size=5).astype(dtype)
        assert fn(y, p).dtype == dtype
        assert fn(y, p, reduction="none").dtype == dtype
        assert fn(y, p, from_logits=True).dtype == dtype

    def test_float32_clip_bound_is_below_one(self):
        # 1 - 1e-7 rounds to 0.99999988 in float32: a predicted 1.0 must not give log(0).
        out = lb.binary_crossentropy(np.float32([0.0]), np.float32([1.0]))
        assert np.isfinite(out) and out > 15

    @pytest.mark.parametrize("fn", CLASSIFICATION)
    def test_reductions(self, fn, rng):
        y = np.eye(4)[rng.integers(0, 4, size=(3, 5))]
        p = rng.dirichlet(np.ones(4), size=(3, 5))
        per = fn(y, p, reduction="none")
        assert per.shape == (3, 5)
        assert fn(y, p) == pytest.approx(per.mean(), rel=1e-14)
        assert fn(y, p, reduction="sum") == pytest.approx(per.sum(), rel=1e-14)

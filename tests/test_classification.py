"""Classification losses: worked examples with sources, variant cross-checks, stability, clipping."""

import numpy as np
import pytest

import lossbook as lb
from lossbook.classification import binary_accuracy

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


# --------------------------------------------------------------------------
# Options Keras has: label_smoothing, axis, ignore_class; focal and generalized CE
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    from lossbook import frameworks

    return frameworks.tensorflow_modules()[1]


class TestLabelSmoothing:
    @pytest.mark.parametrize("from_logits", [False, True])
    @pytest.mark.parametrize("smoothing", [0.1, 0.5, 1.0])
    def test_binary_matches_keras(self, keras, rng, from_logits, smoothing):
        y_true = (rng.random((8, 5)) < 0.5) * 1.0
        y_pred = 2 * rng.normal(size=(8, 5)) if from_logits else rng.uniform(0.02, 0.98, (8, 5))
        ours = lb.binary_crossentropy(y_true, y_pred, from_logits=from_logits, label_smoothing=smoothing)
        theirs = keras.losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=smoothing, dtype="float64")(
            y_true, y_pred
        ).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)

    @pytest.mark.parametrize("from_logits", [False, True])
    def test_categorical_and_focal_match_keras(self, keras, rng, from_logits):
        y_true = np.eye(6)[rng.integers(0, 6, 9)]
        y_pred = rng.normal(size=(9, 6)) if from_logits else rng.dirichlet(np.ones(6), 9)
        for ours_fn, cls in (
            (lb.categorical_crossentropy, keras.losses.CategoricalCrossentropy),
            (lb.categorical_focal_crossentropy, keras.losses.CategoricalFocalCrossentropy),
            (lb.binary_focal_crossentropy, keras.losses.BinaryFocalCrossentropy),
        ):
            ours = ours_fn(y_true, y_pred, from_logits=from_logits, label_smoothing=0.2)
            theirs = cls(from_logits=from_logits, label_smoothing=0.2, dtype="float64")(y_true, y_pred).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=ours_fn.__name__)

    def test_categorical_smoothing_is_cross_entropy_with_mixed_targets(self, rng):
        y_true = np.eye(4)[[0, 3]]
        z = rng.normal(size=(2, 4))
        mixed = y_true * 0.7 + 0.3 / 4
        np.testing.assert_allclose(
            lb.categorical_crossentropy(y_true, z, from_logits=True, label_smoothing=0.3),
            lb.categorical_crossentropy(mixed, z, from_logits=True),
            rtol=1e-14,
        )

    def test_smoothing_raises_the_minimum_above_zero(self):
        # With smoothing, the perfect one-hot prediction is no longer free: its cost is the
        # entropy of the smoothed target plus the clipping's 16.1 nats on the zeros.
        assert lb.categorical_crossentropy([0, 1], [0.0, 1.0]) < 1e-6
        assert lb.categorical_crossentropy([0, 1], [0.0, 1.0], label_smoothing=0.1) > 0.5


class TestAxis:
    def test_binary_axis_0_matches_keras(self, keras, rng):
        y_true = (rng.random((5, 3)) < 0.5) * 1.0
        y_pred = rng.uniform(0.05, 0.95, (5, 3))
        ours = lb.binary_crossentropy(y_true, y_pred, axis=0, reduction="none")
        theirs = keras.losses.binary_crossentropy(y_true, y_pred, axis=0).numpy()
        assert ours.shape == (3,)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)

    def test_categorical_class_axis_1_of_images(self, keras, rng):
        # Segmentation logits in channels-first layout: (N, C, H, W).
        labels = rng.integers(0, 4, size=(2, 3, 3))
        y_true = np.moveaxis(np.eye(4)[labels], -1, 1)
        z = rng.normal(size=(2, 4, 3, 3))
        ours = lb.categorical_crossentropy(y_true, z, from_logits=True, axis=1, reduction="none")
        theirs = keras.losses.categorical_crossentropy(y_true, z, from_logits=True, axis=1).numpy()
        assert ours.shape == (2, 3, 3)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        np.testing.assert_allclose(
            lb.sparse_categorical_crossentropy(labels, z, from_logits=True, axis=1, reduction="none"), ours, rtol=1e-12
        )


class TestIgnoreClass:
    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    def test_matches_keras(self, keras, rng, reduction):
        labels = rng.integers(0, 5, size=(4, 6))
        labels[rng.random((4, 6)) < 0.3] = -1
        z = rng.normal(size=(4, 6, 5))
        ours = lb.sparse_categorical_crossentropy(labels, z, from_logits=True, ignore_class=-1, reduction=reduction)
        theirs = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=-1, reduction=reduction, dtype="float64"
        )(labels, z).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)

    def test_mean_leaves_ignored_samples_out_of_the_denominator(self, rng):
        z = rng.normal(size=(4, 3))
        full = lb.sparse_categorical_crossentropy([0, 1, 2, 0], z, from_logits=True, reduction="none")
        ours = lb.sparse_categorical_crossentropy([0, 255, 2, 255], z, from_logits=True, ignore_class=255)
        np.testing.assert_allclose(ours, (full[0] + full[2]) / 2, rtol=1e-14)
        none = lb.sparse_categorical_crossentropy(
            [0, 255, 2, 255], z, from_logits=True, ignore_class=255, reduction="none"
        )
        np.testing.assert_array_equal(none[[1, 3]], 0.0)

    def test_everything_ignored_gives_zero_like_keras(self, keras):
        z = np.zeros((2, 3))
        assert lb.sparse_categorical_crossentropy([-1, -1], z, from_logits=True, ignore_class=-1) == 0.0
        theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(np.array([-1, -1]), z)
        assert float(theirs) == 0.0


class TestFocal:
    def test_gamma_zero_is_binary_crossentropy(self, rng):
        y_true = (rng.random((6, 4)) < 0.5) * 1.0
        for from_logits, y_pred in ((False, rng.uniform(0.05, 0.95, (6, 4))), (True, rng.normal(size=(6, 4)))):
            np.testing.assert_allclose(
                lb.binary_focal_crossentropy(y_true, y_pred, gamma=0.0, from_logits=from_logits),
                lb.binary_crossentropy(y_true, y_pred, from_logits=from_logits),
                rtol=1e-14,
            )

    def test_gamma_zero_alpha_one_is_categorical_crossentropy(self, rng):
        y_true = np.eye(5)[rng.integers(0, 5, 7)]
        z = rng.normal(size=(7, 5))
        np.testing.assert_allclose(
            lb.categorical_focal_crossentropy(y_true, z, gamma=0.0, alpha=1.0, from_logits=True),
            lb.categorical_crossentropy(y_true, z, from_logits=True),
            rtol=1e-14,
        )

    def test_focusing_down_weights_easy_examples(self):
        easy = lb.binary_focal_crossentropy([1.0], [0.95], reduction="none")
        hard = lb.binary_focal_crossentropy([1.0], [0.05], reduction="none")
        ratio_focal = hard / easy
        ratio_plain = lb.binary_crossentropy([1.0], [0.05]) / lb.binary_crossentropy([1.0], [0.95])
        np.testing.assert_allclose(ratio_focal, ratio_plain * (0.95 / 0.05) ** 2, rtol=1e-12)

    def test_per_class_alpha_matches_keras(self, keras, rng):
        y_true = np.eye(3)[rng.integers(0, 3, 6)]
        y_pred = rng.dirichlet(np.ones(3), 6)
        alpha = [0.2, 0.5, 1.5]
        ours = lb.categorical_focal_crossentropy(y_true, y_pred, alpha=alpha, reduction="none")
        theirs = keras.losses.categorical_focal_crossentropy(y_true, y_pred, alpha=alpha).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)

    def test_extreme_logits_categorical_exact_where_keras_clips(self, keras):
        # Keras applies the softmax, clips to [1e-7, 1 - 1e-7], then takes logs: a true-class
        # probability of e^-30 costs 16.118 in Keras, 30 in lossbook.
        ours = lb.categorical_focal_crossentropy([[1.0, 0.0]], [[-30.0, 0.0]], from_logits=True, alpha=1.0, gamma=0.0)
        theirs = keras.losses.categorical_focal_crossentropy(
            [[1.0, 0.0]], [[-30.0, 0.0]], from_logits=True, alpha=1.0, gamma=0.0
        ).numpy()
        assert ours == pytest.approx(30.0, rel=1e-12)
        assert theirs == pytest.approx(-np.log(1e-7), rel=1e-6)

    def test_extreme_logits_binary_exact_in_both(self, keras):
        # Keras' binary cross-entropy recovers the logits from a sigmoid output
        # (_get_logits in keras/src/backend/tensorflow/nn.py), so both are exact here.
        ours = lb.binary_focal_crossentropy([[1.0]], [[-30.0]], from_logits=True, gamma=2.0)
        theirs = keras.losses.BinaryFocalCrossentropy(from_logits=True, dtype="float64")([[1.0]], [[-30.0]]).numpy()
        assert ours == pytest.approx(30.0, rel=1e-12)
        assert theirs == pytest.approx(ours, rel=1e-12)


class TestGeneralizedCrossEntropy:
    def test_limits_cross_entropy_and_mae(self, rng):
        probs = rng.dirichlet(np.ones(4), 5)
        labels = rng.integers(0, 4, 5)
        ce = lb.sparse_categorical_crossentropy(labels, probs, reduction="none")
        np.testing.assert_allclose(
            lb.categorical_generalized_cross_entropy(labels, probs, q=1e-6, reduction="none"), ce, rtol=1e-4
        )
        p_true = probs[np.arange(5), labels]
        np.testing.assert_allclose(
            lb.categorical_generalized_cross_entropy(labels, probs, q=1 - 1e-9, reduction="none"), 1 - p_true, rtol=1e-7
        )

    def test_bounded_where_cross_entropy_is_not(self):
        # A confidently "wrong" prediction (a noisy label) costs at most 1/q.
        assert lb.categorical_generalized_cross_entropy([0], [[0.0, 1.0]], q=0.5) == 2.0


class TestKerasSurprises:
    def test_keras_renormalizes_what_lossbook_refuses(self, keras):
        # Rows summing to 1.1: Keras divides by the sum (-ln(0.2 / 1.1)); lossbook refuses.
        y_true, y_pred = [[0, 0, 1, 0, 0]], [[0.5, 0.1, 0.2, 0.2, 0.1]]
        theirs = keras.losses.CategoricalCrossentropy(dtype="float64")(y_true, y_pred).numpy()
        assert theirs == pytest.approx(-np.log(0.2 / 1.1), rel=1e-12)
        for fn in (lb.categorical_crossentropy, lb.categorical_focal_crossentropy):
            with pytest.raises(ValueError, match="y_pred must sum to 1 along the last axis"):
                fn(y_true, y_pred)


class TestBinaryAccuracy:
    def test_keras_example(self):
        # keras.metrics.BinaryAccuracy docs: update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]) -> 0.75
        assert binary_accuracy([1, 1, 0, 0], [0.98, 1, 0, 0.6]) == 0.75

    def test_half_predicts_class_zero(self):
        # Keras thresholds with y_pred > 0.5 (keras/src/metrics/accuracy_metrics.py).
        np.testing.assert_array_equal(binary_accuracy([[1], [0]], [[0.5], [0.5]]), [0.0, 1.0])

    def test_matches_tensorflow(self, rng, tf):
        import keras

        y = (rng.random((6, 9)) < 0.5).astype(float)
        p = rng.random((6, 9))
        p[0, :3] = 0.5
        expected = np.asarray(keras.metrics.binary_accuracy(y, p)).mean(axis=-1)
        np.testing.assert_allclose(binary_accuracy(y, p), expected, rtol=1e-6)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="y_true and p must have the same shape"):
            binary_accuracy([0, 1], [[0.2, 0.8]])
        with pytest.raises(ValueError, match="y_true must contain labels 0 or 1"):
            binary_accuracy([0, 2], [0.2, 0.8])
        with pytest.raises(ValueError, match=r"p must contain probabilities in \[0, 1\]"):
            binary_accuracy([0, 1], [0.2, 1.8])

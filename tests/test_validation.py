"""Bad input gets a clear error: every public function, every documented case.

Each case asserts the exception type and that the message names the argument,
says what was expected and shows what was received.
"""

import numpy as np
import pytest

import lossbook as lb
import lossbook.gradients
from lossbook import _validation

ONE_HOT = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
PROBS = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
COUNTS = [[1.0, 2.0, 3.0], [2.0, 1.0, 1.0]]

# Losses that take (y_true, y_pred) of one shape, with inputs valid for each.
PAIR_LOSSES = {
    "mean_squared_error": (lb.mean_squared_error, ONE_HOT, PROBS),
    "mean_absolute_error": (lb.mean_absolute_error, ONE_HOT, PROBS),
    "huber": (lb.huber, ONE_HOT, PROBS),
    "log_cosh": (lb.log_cosh, ONE_HOT, PROBS),
    "epsilon_insensitive": (lb.epsilon_insensitive, ONE_HOT, PROBS),
    "sum_squared_error": (lb.sum_squared_error, ONE_HOT, PROBS),
    "binary_crossentropy": (lb.binary_crossentropy, ONE_HOT, PROBS),
    "categorical_crossentropy": (lb.categorical_crossentropy, ONE_HOT, PROBS),
    "hinge": (lb.hinge, ONE_HOT, PROBS),
    "squared_hinge": (lb.squared_hinge, ONE_HOT, PROBS),
    "categorical_hinge": (lb.categorical_hinge, ONE_HOT, PROBS),
    "exponential_loss": (lb.exponential_loss, ONE_HOT, PROBS),
    "binary_focal_crossentropy": (lb.binary_focal_crossentropy, ONE_HOT, PROBS),
    "categorical_focal_crossentropy": (lb.categorical_focal_crossentropy, ONE_HOT, PROBS),
    "mean_absolute_percentage_error": (lb.mean_absolute_percentage_error, COUNTS, PROBS),
    "mean_squared_logarithmic_error": (lb.mean_squared_logarithmic_error, COUNTS, PROBS),
    "poisson": (lb.poisson, COUNTS, PROBS),
    "cosine_similarity": (lb.cosine_similarity, ONE_HOT, PROBS),
    "dice": (lb.dice, ONE_HOT, PROBS),
    "tversky": (lb.tversky, ONE_HOT, PROBS),
    "cross_entropy": (lb.cross_entropy, ONE_HOT, [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]),
    "kl_divergence": (lb.kl_divergence, ONE_HOT, [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]),
}
NAMES = {"cross_entropy": ("p", "q"), "kl_divergence": ("p", "q")}


def names_of(key):
    return NAMES.get(key, ("y_true", "y_pred"))


@pytest.mark.parametrize("key", sorted(PAIR_LOSSES))
def test_valid_inputs_give_a_finite_number(key):
    fn, y_true, y_pred = PAIR_LOSSES[key]
    assert np.isfinite(fn(y_true, y_pred)).all()


@pytest.mark.parametrize("key", sorted(PAIR_LOSSES))
def test_column_vector_against_flat_vector_is_refused(key):
    # The broadcasting trap: NumPy turns (3,) - (3, 1) into a (3, 3) matrix of errors.
    fn, _, _ = PAIR_LOSSES[key]
    a, b = names_of(key)
    y_true = np.array([0.0, 1.0, 0.0])
    y_pred = np.array([[0.0], [1.0], [0.0]])
    with pytest.raises(ValueError) as info:
        fn(y_true, y_pred)
    message = str(info.value)
    assert f"{a} and {b} must have the same shape" in message
    assert f"{a}.shape=(3,)" in message and f"{b}.shape=(3, 1)" in message
    assert "broadcast them to (3, 3)" in message


@pytest.mark.parametrize("key", sorted(PAIR_LOSSES))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("position", [0, 1])
def test_non_finite_values_are_refused(key, bad, position):
    fn, y_true, y_pred = PAIR_LOSSES[key]
    args = [np.array(y_true, dtype=float), np.array(y_pred, dtype=float)]
    args[position][1, 2] = bad
    with pytest.raises(ValueError) as info:
        fn(*args)
    message = str(info.value)
    assert message.startswith(f"{names_of(key)[position]} must contain only finite numbers")
    assert "at index (1, 2)" in message


@pytest.mark.parametrize("key", sorted(PAIR_LOSSES))
def test_empty_arrays_are_refused(key):
    fn, _, _ = PAIR_LOSSES[key]
    a, b = names_of(key)
    with pytest.raises(ValueError, match=rf"^({a}|{b}) must not be empty; received ({a}|{b})\.shape=\(0, 3\)"):
        fn(np.zeros((0, 3)), np.zeros((0, 3)))


@pytest.mark.parametrize("key", sorted(PAIR_LOSSES))
@pytest.mark.parametrize("bad", [["a", "b", "c"], [object(), 1, 2], [1j, 0, 0]])
def test_non_numeric_data_is_a_type_error(key, bad):
    fn, y_true, _ = PAIR_LOSSES[key]
    a, b = names_of(key)
    with pytest.raises(TypeError, match=rf"^{b} must be an array of real numbers; received"):
        fn(y_true[0], bad)


def test_ragged_lists_are_a_type_error():
    with pytest.raises(TypeError, match="^y_pred must be a rectangular array of numbers"):
        lb.mean_squared_error([1.0, 2.0], [[1.0], [2.0, 3.0]])


@pytest.mark.parametrize("key", sorted(PAIR_LOSSES))
def test_scalars_are_refused(key):
    fn, _, _ = PAIR_LOSSES[key]
    with pytest.raises(ValueError, match=r"must have at least 1 dimension; received .*shape=\(\)"):
        fn(1.0, 1.0)


@pytest.mark.parametrize(
    "fn",
    [
        lb.mean_squared_error,
        lb.mean_absolute_error,
        lb.huber,
        lb.binary_crossentropy,
        lb.categorical_crossentropy,
        lb.hinge,
        lb.log_cosh,
    ],
)
@pytest.mark.parametrize("reduction", ["avg", "MEAN", None, 0, "sum_over_batch_size"])
def test_unknown_reduction_lists_the_allowed_values(fn, reduction):
    with pytest.raises(ValueError) as info:
        fn(ONE_HOT, PROBS, reduction=reduction)
    assert str(info.value) == (f"reduction must be one of 'mean', 'sum', 'none'; received reduction={reduction!r}.")


@pytest.mark.parametrize("delta", [0, -1.0, np.inf, np.nan])
def test_huber_delta_must_be_positive(delta):
    with pytest.raises(ValueError, match=r"^delta must be a positive real number; received delta="):
        lb.huber([0.0], [1.0], delta=delta)


@pytest.mark.parametrize("delta", ["1", None, True, [1.0]])
def test_huber_delta_must_be_a_number(delta):
    with pytest.raises(TypeError, match=r"^delta must be a positive real number; received"):
        lb.huber([0.0], [1.0], delta=delta)


def test_epsilon_must_be_non_negative():
    with pytest.raises(ValueError, match=r"^epsilon must be a non-negative real number; received epsilon=-0.1"):
        lb.epsilon_insensitive([0.0], [1.0], epsilon=-0.1)


@pytest.mark.parametrize("fn", [lb.entropy, lb.binary_entropy])
@pytest.mark.parametrize("base", [0, -2, np.nan])
def test_base_must_be_positive(fn, base):
    with pytest.raises(ValueError, match=r"^base must be a positive real number; received base="):
        fn([0.5, 0.5], base=base)


@pytest.mark.parametrize("fn", [lb.entropy, lb.binary_entropy])
def test_base_one_is_refused(fn):
    with pytest.raises(ValueError, match=r"^base must be a positive number other than 1; received base=1"):
        fn([0.5, 0.5], base=1)


@pytest.mark.parametrize("fn", [lb.cross_entropy, lb.kl_divergence])
def test_base_is_checked_for_two_argument_functions(fn):
    with pytest.raises(ValueError, match=r"^base must be"):
        fn([0.5, 0.5], [0.5, 0.5], base=1)


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        ([0.5, 0.6], r"^p must sum to 1 along the last axis \(within 0.001\); received p sums to 1.1"),
        ([[0.5, 0.5], [0.2, 0.2]], r"^p must sum to 1 along the last axis .*received p\[1\] sums to 0.4"),
        ([1.5, -0.5], r"^p must contain probabilities in \[0, 1\]; received 1.5 at index \(0,\)"),
    ],
)
def test_entropy_refuses_non_distributions(p, expected):
    with pytest.raises(ValueError, match=expected):
        lb.entropy(p)


@pytest.mark.parametrize("fn", [lb.cross_entropy, lb.kl_divergence])
def test_q_must_be_a_distribution(fn):
    with pytest.raises(ValueError, match=r"^q must sum to 1"):
        fn([0.5, 0.5], [0.5, 0.6])
    with pytest.raises(ValueError, match=r"^p must sum to 1"):
        fn([0.5, 0.6], [0.5, 0.5])


def test_study_note_probabilities_that_sum_to_1_1_are_refused():
    # A widely read study note computes -log(0.2) = 1.6094 for target class 2 of
    # [0.5, 0.1, 0.2, 0.2, 0.1], which sums to 1.1; Keras renormalizes silently.
    with pytest.raises(ValueError) as info:
        lb.categorical_crossentropy([0, 0, 1, 0, 0], [0.5, 0.1, 0.2, 0.2, 0.1])
    message = str(info.value)
    assert message.startswith("y_pred must sum to 1 along the last axis")
    assert "sums to 1.1" in message
    assert "from_logits=True" in message
    with pytest.raises(ValueError, match="y_pred must sum to 1 along the last axis"):
        lb.sparse_categorical_crossentropy([2], [[0.5, 0.1, 0.2, 0.2, 0.1]])


def test_categorical_targets_must_be_distributions():
    with pytest.raises(ValueError, match=r"^y_true must sum to 1 along the last axis .*y_true\[1\] sums to 2"):
        lb.categorical_crossentropy([[0, 1, 0], [1, 1, 0]], PROBS)


@pytest.mark.parametrize("fn", [lb.binary_crossentropy, lb.categorical_crossentropy])
def test_probabilities_outside_unit_interval_suggest_from_logits(fn):
    with pytest.raises(ValueError) as info:
        fn([[0.0, 1.0]], [[2.5, -1.5]])
    message = str(info.value)
    assert message.startswith("y_pred must contain probabilities in [0, 1]; received")
    assert "from_logits=True" in message


def test_binary_targets_outside_unit_interval_are_refused():
    with pytest.raises(ValueError, match=r"^y_true must contain probabilities in \[0, 1\]; received 2.0"):
        lb.binary_crossentropy([[0.0, 2.0]], [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"^y_true must contain probabilities in \[0, 1\]"):
        lb.binary_crossentropy([[0.0, -1.0]], [[0.5, 0.5]], from_logits=True)


@pytest.mark.parametrize(
    "fn", [lb.binary_crossentropy, lb.categorical_crossentropy, lb.sparse_categorical_crossentropy]
)
@pytest.mark.parametrize("flag", ["yes", 1, None])
def test_from_logits_must_be_a_bool(fn, flag):
    labels = [1] if fn is lb.sparse_categorical_crossentropy else [[0.0, 1.0]]
    with pytest.raises(TypeError, match=r"^from_logits must be True or False; received"):
        fn(labels, [[0.5, 0.5]], from_logits=flag)


@pytest.mark.parametrize(
    ("labels", "error", "expected"),
    [
        ([0.5, 1], ValueError, r"^labels must contain integer class indices; received"),
        ([-1, 1], ValueError, r"^labels must be class indices in \[0, 2\] for y_pred with 3 classes; received"),
        ([3, 1], ValueError, r"^labels must be class indices in \[0, 2\]"),
        (
            [1],
            ValueError,
            r"^labels must have shape y_pred.shape\[:-1\]=\(2,\), one label per sample; received labels.shape=\(1,\)",
        ),
        ([[1], [2]], ValueError, r"received labels.shape=\(2, 1\). Squeeze the trailing axis of length 1."),
        (["a", "b"], TypeError, r"^labels must be an array of integer class indices; received an array of dtype <U1"),
        ([np.nan, 1.0], ValueError, r"^labels must contain integer class indices; received"),
    ],
)
def test_sparse_labels_are_validated(labels, error, expected):
    with pytest.raises(error, match=expected):
        lb.sparse_categorical_crossentropy(labels, PROBS)


@pytest.mark.parametrize("fn", [lb.hinge, lb.squared_hinge, lb.exponential_loss])
def test_hinge_labels_must_be_signs_or_bits(fn):
    with pytest.raises(
        ValueError, match=r"^y_true must contain labels in \{-1, 1\} or in \{0, 1\}; received values \{-1, 0, 1\}"
    ):
        fn([[-1.0, 0.0, 1.0]], [[0.1, 0.2, 0.3]])


def test_categorical_hinge_needs_one_hot_rows():
    with pytest.raises(ValueError, match=r"^y_true must contain one-hot rows"):
        lb.categorical_hinge([[0.5, 0.5, 0.0]], [[0.1, 0.2, 0.3]])


@pytest.mark.parametrize("fn", [lb.softmax, lb.log_softmax, lb.logsumexp, lb.sigmoid, lb.log_sigmoid])
def test_activations_refuse_bad_input(fn):
    with pytest.raises(ValueError, match=r"^x must contain only finite numbers"):
        fn([1.0, np.nan])
    with pytest.raises(TypeError, match=r"^x must be an array of real numbers"):
        fn(["1", "2"])


@pytest.mark.parametrize("key", sorted(PAIR_LOSSES))
def test_inputs_are_never_modified(key):
    fn, y_true, y_pred = PAIR_LOSSES[key]
    a = np.array(y_true, dtype=np.float32)
    b = np.array(y_pred, dtype=np.float32)
    a_copy, b_copy = a.copy(), b.copy()
    a.flags.writeable = False  # any write attempt would raise
    b.flags.writeable = False
    fn(a, b)
    np.testing.assert_array_equal(a, a_copy)
    np.testing.assert_array_equal(b, b_copy)


def test_message_format_is_shared():
    with pytest.raises(ValueError) as info:
        _validation.fail("thing", "be good", "thing=bad", "Try harder.")
    assert str(info.value) == "thing must be good; received thing=bad. Try harder."


# --------------------------------------------------------------------------
# The options added for full Keras coverage (issue #11)
# --------------------------------------------------------------------------

WEIGHTED_LOSSES = sorted(k for k in PAIR_LOSSES if k not in ("sum_squared_error", "cross_entropy", "kl_divergence"))


@pytest.mark.parametrize("key", WEIGHTED_LOSSES)
@pytest.mark.parametrize(
    "weight, expected",
    [
        (
            [1.0, 2.0, 3.0],
            r"sample_weight must be a scalar or broadcast to the per-sample losses' shape \(2,\) "
            r"\(for example \(2,\)\); received sample_weight.shape=\(3,\)\.",
        ),
        ([[1.0, 2.0]], r"sample_weight must be a scalar or broadcast to .* received sample_weight.shape=\(1, 2\)"),
        ([1.0, -0.5], r"sample_weight must contain only non-negative weights; received -0.5 at index \(1,\)\."),
        ([1.0, np.nan], r"sample_weight must contain only finite numbers; received nan at index \(1,\)\."),
        ([np.inf, 1.0], r"sample_weight must contain only finite numbers; received inf at index \(0,\)\."),
    ],
)
def test_bad_sample_weights_are_refused(key, weight, expected):
    fn, y_true, y_pred = PAIR_LOSSES[key]
    kwargs = {"axis": -1} if key in ("dice", "tversky") else {}
    with pytest.raises(ValueError, match=expected):
        fn(y_true, y_pred, sample_weight=weight, **kwargs)


def test_sample_weight_of_strings_is_a_type_error():
    with pytest.raises(TypeError, match="sample_weight must be an array of real numbers"):
        lb.mean_squared_error(ONE_HOT, PROBS, sample_weight=["a", "b"])


def test_whole_batch_dice_takes_only_a_scalar_weight():
    with pytest.raises(ValueError, match=r"sample_weight must be a scalar for a loss that reduces the whole batch"):
        lb.dice(ONE_HOT, PROBS, sample_weight=[1.0, 2.0])


SMOOTHED = [
    lb.binary_crossentropy,
    lb.categorical_crossentropy,
    lb.binary_focal_crossentropy,
    lb.categorical_focal_crossentropy,
]


@pytest.mark.parametrize("fn", SMOOTHED)
@pytest.mark.parametrize("smoothing", [-0.1, 1.5, np.nan])
def test_label_smoothing_outside_unit_interval_is_refused(fn, smoothing):
    with pytest.raises(
        ValueError,
        match=rf"label_smoothing must be a real number in \[0, 1\]; received "
        rf"label_smoothing={smoothing!r}\.",
    ):
        fn(ONE_HOT, PROBS, label_smoothing=smoothing)


@pytest.mark.parametrize("fn", SMOOTHED)
def test_label_smoothing_must_be_a_number(fn):
    with pytest.raises(
        TypeError, match=r"label_smoothing must be a real number in \[0, 1\]; received '0.1' of type str"
    ):
        fn(ONE_HOT, PROBS, label_smoothing="0.1")


@pytest.mark.parametrize("fn", [lb.binary_focal_crossentropy, lb.categorical_focal_crossentropy])
def test_negative_gamma_is_refused(fn):
    with pytest.raises(ValueError, match=r"gamma must be a non-negative real number; received gamma=-1.0\."):
        fn(ONE_HOT, PROBS, gamma=-1.0)


@pytest.mark.parametrize("alpha", [-0.25, 1.25])
def test_binary_focal_alpha_outside_unit_interval_is_refused(alpha):
    with pytest.raises(ValueError, match=rf"alpha must be a real number in \[0, 1\]; received alpha={alpha}\."):
        lb.binary_focal_crossentropy(ONE_HOT, PROBS, alpha=alpha, apply_class_balancing=True)


@pytest.mark.parametrize("alpha", [[0.5, 0.5], [0.2, -0.1, 0.3]])
def test_categorical_focal_alpha_needs_one_non_negative_weight_per_class(alpha):
    with pytest.raises(
        ValueError,
        match=r"alpha must be a non-negative number or one non-negative weight per class, "
        r"shape \(3,\); received alpha=",
    ):
        lb.categorical_focal_crossentropy(ONE_HOT, PROBS, alpha=alpha)


@pytest.mark.parametrize("ignore_class", [1.5, "255", True])
def test_ignore_class_must_be_an_integer(ignore_class):
    with pytest.raises(TypeError, match=r"ignore_class must be an integer or None; received "):
        lb.sparse_categorical_crossentropy([0, 1], PROBS, ignore_class=ignore_class)


def test_labels_outside_the_classes_are_refused_unless_ignored():
    with pytest.raises(
        ValueError,
        match=r"labels must be class indices in \[0, 2\] .* received label 255\. "
        r"ignore_class=-1\.",
    ):
        lb.sparse_categorical_crossentropy([0, 255], PROBS, ignore_class=-1)


@pytest.mark.parametrize(
    "axis, error, expected",
    [
        (2, ValueError, r"axis must be an axis of an array with 2 dimensions, in \[-2, 2\); received axis=2\."),
        (-3, ValueError, r"axis must be an axis of an array with 2 dimensions, in \[-2, 2\); received axis=-3\."),
        (1.0, TypeError, r"axis must be an integer; received 1.0 of type float\."),
    ],
)
@pytest.mark.parametrize("fn", [lb.binary_crossentropy, lb.categorical_crossentropy, lb.cosine_similarity])
def test_bad_axis_is_refused(fn, axis, error, expected):
    with pytest.raises(error, match=expected):
        fn(ONE_HOT, PROBS, axis=axis)


@pytest.mark.parametrize("axis, error", [((0, 0), ValueError), ((5,), ValueError), ("all", TypeError)])
def test_dice_axis_is_checked(axis, error):
    with pytest.raises(error, match="axis must"):
        lb.dice(ONE_HOT, PROBS, axis=axis)


@pytest.mark.parametrize("q", [0, 1, 1.5, -0.2])
def test_generalized_cross_entropy_q_in_open_unit_interval(q):
    with pytest.raises(ValueError, match=rf"q must be a real number in \(0, 1\); received q={q!r}\."):
        lb.categorical_generalized_cross_entropy([1, 2], PROBS, q=q)


def test_ctc_label_sequence_longer_than_time_steps_is_refused():
    with pytest.raises(
        ValueError,
        match=r"y_true must have label sequences no longer than the 2 time steps of "
        r"y_pred; received a sequence of 3 labels in y_true\[0\]\.",
    ):
        lb.ctc([[1, 2, 1]], np.zeros((1, 2, 3)))


@pytest.mark.parametrize(
    "labels, expected",
    [
        ([[1, 0, 2]], r"y_true must hold each label sequence first and its padding zeros after it"),
        ([[1, 5]], r"y_true must contain labels in \[1, 2\] \(0 is the blank and the padding\); received label 5"),
        ([1, 2], r"y_true must have shape \(batch_size, max_length\)"),
    ],
)
def test_ctc_labels_are_validated(labels, expected):
    with pytest.raises(ValueError, match=expected):
        lb.ctc(labels, np.zeros((1, 4, 3)))


def test_ctc_needs_three_dimensional_logits():
    with pytest.raises(ValueError, match=r"y_pred must have shape \(batch_size, time_steps, num_classes\)"):
        lb.ctc([[1]], np.zeros((1, 4, 3, 1)))


@pytest.mark.parametrize(
    "var, expected",
    [
        ([[1.0, 0.0, 1.0]], r"var must contain only positive variances; received 0.0 at index \(0, 1\)\."),
        ([[1.0, -2.0, 1.0]], r"var must contain only positive variances; received -2.0 at index \(0, 1\)\."),
        ([[1.0, 1.0]], r"var must have the shape of y_pred \(1, 3\) or \(1, 1\) .* received var.shape=\(1, 2\)\."),
        ([[np.nan, 1.0, 1.0]], r"var must contain only finite numbers; received nan"),
    ],
)
def test_gaussian_nll_variance_is_validated(var, expected):
    with pytest.raises(ValueError, match=expected):
        lb.gaussian_nll([[0.0, 1.0, 2.0]], [[0.0, 1.0, 2.0]], var)


def test_gaussian_nll_eps_must_be_positive():
    with pytest.raises(ValueError, match=r"eps must be a positive real number; received eps=0"):
        lb.gaussian_nll([[0.0]], [[0.0]], [[1.0]], eps=0)


def test_poisson_negative_predictions_are_refused():
    with pytest.raises(
        ValueError,
        match=r"y_pred must contain only non-negative numbers; received -0.1 at index "
        r"\(1, 0\)\. A Poisson rate is >= 0",
    ):
        lb.poisson(COUNTS, [[0.1, 0.2, 0.3], [-0.1, 0.2, 0.3]])


@pytest.mark.parametrize("fn", [lb.info_nce, lb.nt_xent])
@pytest.mark.parametrize("temperature", [0, -1.0])
def test_temperature_must_be_positive(fn, temperature):
    with pytest.raises(ValueError, match=r"temperature must be a positive real number"):
        fn(np.zeros((4, 4)), temperature=temperature)


def test_nt_xent_needs_an_even_square_matrix():
    with pytest.raises(
        ValueError,
        match=r"similarity must be a matrix of shape \(N, N\); received "
        r"similarity.shape=\(4, 6\)",
    ):
        lb.nt_xent(np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"similarity must have an even number of rows"):
        lb.nt_xent(np.zeros((3, 3)))


def test_triplet_shapes_must_match():
    with pytest.raises(ValueError, match=r"anchor and negative must have the same shape"):
        lb.triplet_margin_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 4)))


@pytest.mark.parametrize(
    "class_weight, error, expected",
    [
        ([1.0, 2.0], TypeError, r"class_weight must be a mapping from class index to weight"),
        ({0: -1.0}, ValueError, r"class_weight\[0\] must be a non-negative real number"),
        ({0.5: 1.0}, TypeError, r"class_weight key must be an integer"),
    ],
)
def test_class_weight_is_validated(class_weight, error, expected):
    with pytest.raises(error, match=expected):
        lb.class_weight_to_sample_weight([0, 1], class_weight)


def test_new_gradients_validate_their_options():
    with pytest.raises(ValueError, match=r"gamma must be a non-negative real number; received gamma=-2"):
        lb.binary_focal_grad([1.0], [0.0], gamma=-2)
    with pytest.raises(ValueError, match=r"gamma must be a non-negative real number; received gamma=-2"):
        lb.categorical_focal_grad([[0.0, 1.0]], [[0.0, 0.0]], gamma=-2)
    with pytest.raises(
        ValueError,
        match=r"alpha must be a non-negative number or one non-negative weight per class, shape \(3,\); "
        r"received alpha=\[0.5 0.5\] of shape \(2,\)",
    ):
        lb.categorical_focal_grad([[0.0, 1.0, 0.0]], [[0.0, 0.0, 0.0]], alpha=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"alpha must be a non-negative real number; received alpha=-0.5"):
        lb.categorical_focal_grad([[0.0, 1.0]], [[0.0, 0.0]], alpha=-0.5)
    with pytest.raises(ValueError, match=r"var must contain only positive variances; received 0.0 at index \(0,\)"):
        lb.gaussian_nll_grad([1.0], [0.0], [0.0])
    with pytest.raises(ValueError, match=r"label_smoothing must be a real number in \[0, 1\]"):
        lb.gradients.softmax_ce_grad([0.0, 1.0], [0.0, 0.0], label_smoothing=2)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (7,), (1000,), (3, 5), (100_003,)])
def test_mean_reduction_is_numpys_mean_to_the_bit(dtype, shape):
    # _validation.reduce computes "mean" with np.add.reduce and one division (NumPy's mean without its
    # Python overhead); it must be exactly values.mean(dtype=values.dtype).
    values = (0.5 * np.random.default_rng(sum(shape)).random(shape)).astype(dtype)  # float16 sums stay finite
    ours = _validation.reduce(values, "mean")
    theirs = values.mean(dtype=values.dtype)
    assert ours.dtype == theirs.dtype and ours.tobytes() == theirs.tobytes()

"""Bad input gets a clear error: every public function, every documented case.

Each case asserts the exception type and that the message names the argument,
says what was expected and shows what was received.
"""

import numpy as np
import pytest

import lossbook as lb
from lossbook import _validation

ONE_HOT = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
PROBS = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]

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
    assert str(info.value) == (
        f"reduction must be one of 'mean', 'sum', 'none'; received reduction={reduction!r}."
    )


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


@pytest.mark.parametrize("fn", [lb.binary_crossentropy, lb.categorical_crossentropy, lb.sparse_categorical_crossentropy])
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
        ([1], ValueError, r"^labels must have shape y_pred.shape\[:-1\]=\(2,\), one label per sample; received labels.shape=\(1,\)"),
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
    with pytest.raises(ValueError, match=r"^y_true must contain labels in \{-1, 1\} or in \{0, 1\}; received values \{-1, 0, 1\}"):
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

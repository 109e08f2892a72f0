"""Sample weights on every loss (Keras' semantics, checked against Keras) and the class_weight helper."""

from __future__ import annotations

import numpy as np
import parity_inputs
import pytest

import lossbook as lb
from lossbook import frameworks

WEIGHTED = sorted(n for n, s in frameworks.LOSSES.items() if s.keras_class)


@pytest.fixture(scope="module")
def keras():
    return frameworks.tensorflow_modules()[1]


def _first_case(name, rng):
    if name in parity_inputs.TOLERANCES or name not in _BUILTIN:
        return next(parity_inputs.cases(name, rng, (6,), 4))[1:]
    return _BUILTIN[name](rng)


def _probs(rng):
    return rng.dirichlet(np.ones(4), size=6)


_BUILTIN = {
    "binary_crossentropy": lambda rng: ((rng.random((6, 4)) < 0.5) * 1.0, rng.uniform(0.05, 0.95, (6, 4)), {}),
    "categorical_crossentropy": lambda rng: (np.eye(4)[rng.integers(0, 4, 6)], _probs(rng), {}),
    "sparse_categorical_crossentropy": lambda rng: (rng.integers(0, 4, 6), _probs(rng), {}),
    "mean_squared_error": lambda rng: (rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), {}),
    "mean_absolute_error": lambda rng: (rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), {}),
    "huber": lambda rng: (rng.normal(size=(6, 4)), 2 * rng.normal(size=(6, 4)), {"delta": 1.0}),
    "log_cosh": lambda rng: (rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), {}),
    "hinge": lambda rng: (rng.choice([-1.0, 1.0], (6, 4)), rng.normal(size=(6, 4)), {}),
    "squared_hinge": lambda rng: (rng.choice([-1.0, 1.0], (6, 4)), rng.normal(size=(6, 4)), {}),
    "categorical_hinge": lambda rng: (np.eye(4)[rng.integers(0, 4, 6)], rng.normal(size=(6, 4)), {}),
    "kl_divergence": lambda rng: (_probs(rng), _probs(rng), {}),
}


def _lossbook(name, y_true, y_pred, options, **kwargs):
    if name == "kl_divergence":  # the information-theory function has no batch options; see lossbook.frameworks
        values = lb.kl_divergence(y_true, y_pred)
        w = kwargs.get("sample_weight")
        values = values if w is None else values * np.asarray(w)
        return values.sum() if kwargs.get("reduction") == "sum" else values.mean()
    return frameworks.LOSSES[name].lossbook(y_true, y_pred, **options, **kwargs)


@pytest.mark.parametrize("name", WEIGHTED)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_sample_weight_matches_keras(name, reduction, rng, keras):
    y_true, y_pred, options = _first_case(name, rng)
    weight = rng.uniform(0, 3, size=6)
    weight[2] = 0.0
    if name in ("dice", "tversky") and options.get("axis", "none") is None:
        weight = 1.7
    ours = _lossbook(name, y_true, y_pred, options, reduction=reduction, sample_weight=weight)
    loss = getattr(keras.losses, frameworks.LOSSES[name].keras_class)(reduction=reduction, dtype="float64", **options)
    theirs = loss(y_true, y_pred, sample_weight=weight).numpy()
    tol = parity_inputs.TOLERANCES.get((name, "float64"), dict(rtol=1e-12, atol=1e-12))
    if name == "log_cosh":  # Keras' float64 log_cosh uses log(2) rounded to float32: 1.9e-9 per sample
        tol = dict(rtol=0, atol=2e-9 * np.sum(weight))
    np.testing.assert_allclose(ours, theirs, **tol)


@pytest.mark.parametrize("name", WEIGHTED)
def test_weighted_mean_divides_by_the_batch_size_not_the_sum_of_weights(name, rng):
    # The trap: Keras' "sum_over_batch_size" is sum(w * loss) / N, even when the weights
    # do not sum to N. With weights (1, 0, 0, 0, 0, 0) the mean is loss[0] / 6, not loss[0].
    y_true, y_pred, options = _first_case(name, rng)
    if name in ("dice", "tversky"):
        options = {**options, "axis": -1}
    per_sample = (
        _lossbook(name, y_true, y_pred, options, reduction="none")
        if name != "kl_divergence"
        else (lb.kl_divergence(y_true, y_pred))
    )
    weight = np.zeros(6)
    weight[0] = 1.0
    mean = _lossbook(name, y_true, y_pred, options, sample_weight=weight)
    if name == "circle":  # Keras' Circle leaves samples of loss 0 out of the count; none is 0 here
        assert (per_sample > 0).all()
    np.testing.assert_allclose(mean, per_sample[0] / 6, rtol=1e-12)
    assert not np.isclose(mean, per_sample[0])


def test_weight_of_shape_n_1_is_squeezed_as_keras_does(rng, keras):
    y_true, y_pred = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    w = rng.uniform(0, 2, size=(5, 1))
    ours = lb.mean_squared_error(y_true, y_pred, sample_weight=w)
    theirs = keras.losses.MeanSquaredError(dtype="float64")(y_true, y_pred, sample_weight=w).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert lb.mean_squared_error(y_true, y_pred, sample_weight=w, reduction="none").shape == (5,)


def test_per_time_step_losses_take_weights_of_shape_n_1_or_n_t(rng, keras):
    # Losses of shape (N, T) (a sequence of predictions): weights (N, 1) weigh whole
    # sequences, (N, T) each step; both broadcast as in Keras.
    y_true, y_pred = rng.normal(size=(4, 7, 3)), rng.normal(size=(4, 7, 3))
    for w in (rng.uniform(0, 2, size=(4, 1)), rng.uniform(0, 2, size=(4, 7)), 2.5):
        ours = lb.mean_absolute_error(y_true, y_pred, sample_weight=w)
        theirs = keras.losses.MeanAbsoluteError(dtype="float64")(y_true, y_pred, sample_weight=w).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_float32_stays_float32_with_float64_weights():
    value = lb.binary_crossentropy(np.float32([[1.0], [0.0]]), np.float32([[0.7], [0.2]]), sample_weight=[1.0, 2.0])
    assert value.dtype == np.float32


# --- class weights -----------------------------------------------------------------


def test_class_weight_helper_matches_keras_fit_conversion(rng):
    from keras.src.trainers.data_adapters import data_adapter_utils

    labels = rng.integers(0, 4, size=20)
    class_weight = {0: 0.5, 1: 2.0, 3: 4.0}  # class 2 missing: weight 1, as in Keras
    ours = lb.class_weight_to_sample_weight(labels, class_weight)
    theirs = data_adapter_utils.class_weight_to_sample_weights(labels, class_weight)
    np.testing.assert_array_equal(ours, theirs)
    one_hot = np.eye(4)[labels]
    np.testing.assert_array_equal(lb.class_weight_to_sample_weight(one_hot, class_weight), ours)
    np.testing.assert_array_equal(lb.class_weight_to_sample_weight(labels[:, None], class_weight), ours)


def test_class_weights_in_fit_equal_sample_weights_in_the_loss(rng, keras):
    # One training step's loss under model.fit(class_weight=...) is the loss with these
    # sample weights: Keras' compiled loss receives exactly them.
    labels = rng.integers(0, 2, size=8)
    y_true = labels[:, None].astype(float)
    y_pred = rng.uniform(0.05, 0.95, size=(8, 1))
    w = lb.class_weight_to_sample_weight(labels, {0: 1.0, 1: 3.0})
    ours = lb.binary_crossentropy(y_true, y_pred, sample_weight=w)
    theirs = keras.losses.BinaryCrossentropy(dtype="float64")(y_true, y_pred, sample_weight=w).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    by_hand = np.mean(
        np.where(labels == 1, 3.0, 1.0) * -np.where(labels == 1, np.log(y_pred[:, 0]), np.log(1 - y_pred[:, 0]))
    )
    np.testing.assert_allclose(ours, by_hand, rtol=1e-12)

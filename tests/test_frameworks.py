"""Parity of lossbook with TensorFlow/Keras and PyTorch, and the comparison tables of lossbook.frameworks.

These are the package's parity tests: every lossbook loss that Keras also has
is computed on seeded random inputs by lossbook, the Keras loss class, the
Keras functional form, the ``tf.nn`` op and the PyTorch loss where they exist,
and must agree. Neither TensorFlow nor PyTorch is ever skipped. The
differences between PyTorch and Keras (:func:`lossbook.frameworks.pytorch_differences`)
are asserted as differences, each with its exact relation.

PyTorch 2.13 (CPU) agrees within the same tolerances as TensorFlow: the largest
relative difference seen is 5e-7 in float32 and 1e-15 in float64 (log_cosh, the
hinge losses and the focal losses have no PyTorch counterpart: see
test_pytorch_has_these_losses). For poisson, cosine_similarity and ctc (seed 0):
3e-7 / 7e-16, 2e-5 / 1e-13 (relative to values near 0; 2.4e-7 / 4e-16 absolute) and
2e-7 / 4e-16. The registry entries Keras lacks (gaussian_nll, triplet_margin_loss,
info_nce, nt_xent: inputs other than ``(y_true, y_pred)``) run through the same
test_parity_random_inputs (PyTorch, and ``tf.nn`` for InfoNCE and NT-Xent), and
test_pytorch_parity_losses_keras_lacks checks them against PyTorch calls built
independently of the registry. Largest relative differences through the registry
(seed 0, float32 / float64): gaussian_nll 2.7e-7 / 4e-16, info_nce 2.5e-6 / 5e-15
(2e-7 absolute on a loss of 0.085 from logits up to 20, tau = 0.05: the rounding of
logits that large; within ``atol``), nt_xent 8.4e-7 / 1.6e-15; triplet_margin_loss
differs by 7.6e-6 absolute in float32 where its two distances cancel (its tolerance
is in tests/parity_inputs.py) and 2.8e-14 in float64.

Tolerances (measured with TensorFlow 2.21 / Keras 3.15 on x86-64, oneDNN on):

* float32: ``rtol=1e-6, atol=1e-6``. The largest relative difference seen over
  all losses, shapes and reductions below is 3e-7 (a few ulps: TensorFlow and
  NumPy sum in different orders); extreme logits (+-1e4) agree exactly.
* float64: ``rtol=1e-12, atol=1e-12``. The largest relative difference seen is
  5e-16, except for two documented Keras deviations:

  - ``log_cosh``: Keras computes ``log(2)`` in float32 and casts it
    (``ops.convert_to_tensor(ops.log(2.0), dtype=y_pred.dtype)`` in
    ``keras/src/losses/losses.py``), so its float64 result is off by
    ``ln 2 - float32(ln 2)`` = 1.9e-9 per sample: that offset is the atol.
  - ``kl_divergence`` with zeros in ``y_true``: Keras clips ``y_true`` to
    ``[1e-7, 1]``, adding ``1e-7 * log(1e-7 / q_i)`` for every zero entry
    (``keras/src/losses/losses.py``, ``kl_divergence``); lossbook uses
    ``0 log 0 = 0``. The test bounds the difference by exactly that sum.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import parity_inputs
import pytest

import lossbook as lb
from lossbook import frameworks

TOL = {
    "float32": dict(rtol=1e-6, atol=1e-6),
    "float64": dict(rtol=1e-12, atol=1e-12),
}
# Keras' float64 log_cosh uses log(2) rounded to float32 (see the module docstring).
LOG2_GAP = abs(math.log(2.0) - float(np.float32(math.log(2.0))))


def _tol(name, dtype, n_summed=1):
    """TOL[dtype], widened by Keras' float32 log(2) offset for float64 log_cosh."""
    tol = dict(parity_inputs.TOLERANCES.get((name, dtype), TOL[dtype]))
    if name == "log_cosh" and dtype == "float64":
        tol["atol"] = 1.01 * LOG2_GAP * n_summed
    return tol


SHAPES = [((1,), 2), ((4,), 3), ((2, 5), 7), ((64,), 10)]
REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture(scope="module")
def tfk():
    """(tensorflow, keras), imported quietly by the module under test."""
    return frameworks.tensorflow_modules()


# --------------------------------------------------------------------------
# Random inputs, one generator per kind of loss
# --------------------------------------------------------------------------


def _one_hot(rng, batch, n_classes):
    labels = rng.integers(0, n_classes, size=batch)
    return np.eye(n_classes)[labels], labels


def _cases(name, rng, batch, n_classes):
    """Yield (case name, y_true, y_pred, options) for one loss."""
    full = (*batch, n_classes)
    if name == "binary_crossentropy":
        hard = rng.integers(0, 2, size=full).astype(float)
        yield "hard-probabilities", hard, rng.uniform(0, 1, size=full), {}
        yield "soft-probabilities", rng.uniform(0, 1, size=full), rng.uniform(0, 1, size=full), {}
        yield "soft-logits", rng.uniform(0, 1, size=full), rng.normal(0, 3, size=full), {"from_logits": True}
        yield "extreme-logits", hard, rng.choice([-1e4, 1e4], size=full), {"from_logits": True}
    elif name == "categorical_crossentropy":
        one_hot, _ = _one_hot(rng, batch, n_classes)
        soft = rng.dirichlet(np.ones(n_classes), size=batch)
        yield "one-hot-probabilities", one_hot, rng.dirichlet(np.ones(n_classes), size=batch), {}
        yield "soft-probabilities", soft, rng.dirichlet(np.ones(n_classes), size=batch), {}
        yield "soft-logits", soft, rng.normal(0, 3, size=full), {"from_logits": True}
        yield "extreme-logits", one_hot, rng.choice([-1e4, 0.0, 1e4], size=full), {"from_logits": True}
    elif name == "sparse_categorical_crossentropy":
        _, labels = _one_hot(rng, batch, n_classes)
        yield "probabilities", labels, rng.dirichlet(np.ones(n_classes), size=batch), {}
        yield "logits", labels, rng.normal(0, 3, size=full), {"from_logits": True}
        yield "extreme-logits", labels, rng.choice([-1e4, 0.0, 1e4], size=full), {"from_logits": True}
    elif name in ("mean_squared_error", "mean_absolute_error", "log_cosh", "sum_squared_error"):
        yield "unit-scale", rng.normal(size=full), 2 * rng.normal(size=full), {}
        yield "large-errors", 100 * rng.normal(size=full), 100 * rng.normal(size=full), {}
    elif name == "huber":
        for delta in (0.5, 1.0, 2.0):
            yield f"delta={delta}", rng.normal(size=full), 2 * rng.normal(size=full), {"delta": delta}
    elif name in ("hinge", "squared_hinge"):
        yield "labels-plus-minus-one", rng.choice([-1.0, 1.0], size=full), 2 * rng.normal(size=full), {}
        yield "labels-zero-one", rng.choice([0.0, 1.0], size=full), 2 * rng.normal(size=full), {}
    elif name == "categorical_hinge":
        one_hot, _ = _one_hot(rng, batch, n_classes)
        yield "one-hot", one_hot, 2 * rng.normal(size=full), {}
    elif name == "kl_divergence":
        p, q = rng.dirichlet(np.ones(n_classes), size=(2, *batch))
        yield "positive", p, q, {}
    else:  # the losses added for full Keras coverage; a new entry must come with inputs there
        yield from parity_inputs.cases(name, rng, batch, n_classes)


def _registry_cases(name, rng, batch, n_classes):
    """Yield (case name, inputs, options) for one registry entry, inputs in the order of its ``inputs``."""
    if frameworks.LOSSES[name].inputs == ("y_true", "y_pred"):
        for case, y_true, y_pred, options in _cases(name, rng, batch, n_classes):
            yield case, (y_true, y_pred), options
    else:
        yield from parity_inputs.multi_input_cases(name, rng, batch, n_classes)


def _assert_rows_agree(comparison, tol):
    reference = comparison.reference
    assert reference.ok, reference.error
    assert len(comparison.rows) >= 2, "nothing to compare with"
    for row in comparison.rows[1:]:
        assert row.ok, f"{row.implementation}: {row.error}"
        assert row.value.shape == reference.value.shape, row.implementation
        np.testing.assert_allclose(row.value, reference.value, err_msg=row.implementation, **tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(frameworks.LOSSES))
def test_parity_random_inputs(name, dtype, rng):
    reductions = [None] if not frameworks.LOSSES[name].reduces else REDUCTIONS
    n_compared = 0
    for batch, n_classes in SHAPES:
        for case, inputs, options in _registry_cases(name, rng, batch, n_classes):
            for reduction in reductions:
                tol = _tol(name, dtype, int(np.prod(batch)) if reduction == "sum" else 1)
                result = frameworks.compare(name, *inputs, dtype=dtype, reduction=reduction, **options)
                try:
                    _assert_rows_agree(result, tol)
                except AssertionError as exc:
                    where = f"{name} {dtype} {case} shapes={[np.shape(x) for x in inputs]} reduction={reduction}"
                    raise AssertionError(where) from exc
                assert all(row.dtype == dtype for row in result.rows), result
                spec = frameworks.LOSSES[name]
                has_torch = any(row.implementation.startswith("torch.") for row in result.rows)
                assert has_torch == (spec.torch is not None), result
                has_tf_nn = any(row.implementation.startswith("tf.nn.") for row in result.rows)
                assert has_tf_nn == (
                    spec.tf_op is not None
                    and all(options.get(k, spec.options.get(k)) == v for k, v in spec.tf_op.when.items())
                ), result
                n_compared += 1
    assert n_compared >= len(SHAPES)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kl_divergence_one_hot_differs_by_keras_clipping(dtype, rng):
    # Keras clips y_true to [1e-7, 1] (keras/src/losses/losses.py, kl_divergence),
    # so each zero entry of y_true adds 1e-7 * log(1e-7 / q_i); lossbook uses 0 log 0 = 0.
    p, _ = _one_hot(rng, (32,), 10)
    q = rng.dirichlet(np.ones(10), size=32)
    q_clipped = np.clip(q, 1e-7, 1)
    expected_gap = np.where(p == 0, 1e-7 * np.log(1e-7 / q_clipped), 0).sum(axis=-1)
    result = frameworks.compare("kl_divergence", p, q, dtype=dtype, reduction="none", frameworks=("tensorflow",))
    lossbook_row, keras_class, keras_function = result.rows
    assert lossbook_row.ok
    for row in (keras_class, keras_function):
        atol = 2e-6 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(row.value - lossbook_row.value, expected_gap, rtol=0, atol=atol)
    # and the gap is small: below 2e-5 nats per sample for 10 classes
    assert np.abs(expected_gap).max() < 2e-5


# --------------------------------------------------------------------------
# Reductions, checked against Keras directly (not through compare)
# --------------------------------------------------------------------------

_KERAS_LOSSES = sorted(n for n, s in frameworks.LOSSES.items() if s.keras_class)


def _one_input(name, rng):
    case = next(_cases(name, rng, (6,), 4))
    return case[1], case[2], case[3]


@pytest.mark.parametrize("name", _KERAS_LOSSES)
def test_reduction_none_matches_keras_functional_form(name, rng, tfk):
    tf, keras = tfk
    spec = frameworks.LOSSES[name]
    y_true, y_pred, options = _one_input(name, rng)
    ours = spec.lossbook(y_true, y_pred, reduction="none", **options)
    t = tf.constant(y_true) if spec.labels else tf.constant(y_true, tf.float64)
    theirs = getattr(keras.losses, spec.keras_function)(t, tf.constant(y_pred, tf.float64), **options).numpy()
    assert ours.shape == theirs.shape == (6,)
    np.testing.assert_allclose(ours, theirs, **_tol(name, "float64"))


@pytest.mark.parametrize("name", _KERAS_LOSSES)
def test_reduction_sum_matches_keras_class_with_sum(name, rng, tfk):
    tf, keras = tfk
    spec = frameworks.LOSSES[name]
    y_true, y_pred, options = _one_input(name, rng)
    ours = spec.lossbook(y_true, y_pred, reduction="sum", **options)
    loss = getattr(keras.losses, spec.keras_class)(reduction="sum", dtype="float64", **options)
    theirs = loss(y_true, y_pred).numpy()
    assert ours.shape == theirs.shape == ()
    np.testing.assert_allclose(ours, theirs, **_tol(name, "float64", 6))
    # and "sum" really is the sum of the per-sample values, not their mean
    np.testing.assert_allclose(ours, spec.lossbook(y_true, y_pred, reduction="none", **options).sum(), rtol=1e-14)


@pytest.mark.parametrize("name", _KERAS_LOSSES)
def test_reduction_mean_matches_keras_default(name, rng, tfk):
    tf, keras = tfk
    spec = frameworks.LOSSES[name]
    y_true, y_pred, options = _one_input(name, rng)
    ours = spec.lossbook(y_true, y_pred, **options)
    theirs = getattr(keras.losses, spec.keras_class)(dtype="float64", **options)(y_true, y_pred).numpy()
    np.testing.assert_allclose(ours, theirs, **_tol(name, "float64"))


def test_every_shared_loss_is_registered():
    # Every loss lossbook exports under the name of a Keras loss function is in the registry.
    _, keras = frameworks.tensorflow_modules()
    shared = {n for n in lb.__all__ if callable(getattr(lb, n)) and hasattr(keras.losses, n)}
    assert shared <= set(frameworks.LOSSES), shared - set(frameworks.LOSSES)
    assert "sum_squared_error" in frameworks.LOSSES  # paired with tf.nn.l2_loss


# --------------------------------------------------------------------------
# Worked examples with their sources
# --------------------------------------------------------------------------

WORKED = [
    # https://keras.io/api/losses/probabilistic_losses/ (CategoricalCrossentropy, standalone usage)
    ("categorical_crossentropy", [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], {}, 1.176939, 1e-6),
    # https://keras.io/api/losses/probabilistic_losses/ (BinaryCrossentropy, standalone usage)
    ("binary_crossentropy", [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], {}, 0.815, 5e-4),
    # https://keras.io/api/losses/regression_losses/ (MeanSquaredError)
    ("mean_squared_error", [[0.0], [1.0]], [[1.0], [1.0]], {}, 0.5, 1e-7),
    # https://keras.io/api/losses/regression_losses/ (MeanAbsoluteError)
    ("mean_absolute_error", [[0.0], [0.0]], [[1.0], [1.0]], {}, 1.0, 1e-7),
    # https://keras.io/api/losses/regression_losses/ (Huber): 0.5 * (0.6^2 + 0.6^2) / 2 = 0.18
    ("huber", [[0], [1]], [[0.6], [0.4]], {}, 0.18, 1e-7),
    # log_softmax([1000, -1000, 0])[1] = -1000 - 1000 - log(1 + e^-1000 + e^-2000) = -2000 exactly in floating point
    ("categorical_crossentropy", [[0, 1, 0]], [[1000.0, -1000.0, 0.0]], {"from_logits": True}, 2000.0, 0.0),
    ("sparse_categorical_crossentropy", [1], [[1000.0, -1000.0, 0.0]], {"from_logits": True}, 2000.0, 0.0),
    # zero probability on the true class: both clip to epsilon = 1e-7 (keras/src/backend/config.py), -ln(1e-7) = 16.118
    ("categorical_crossentropy", [[1, 0]], [[0.0, 1.0]], {}, -math.log(1e-7), 1e-6),
    ("sparse_categorical_crossentropy", [0], [[0.0, 1.0]], {}, -math.log(1e-7), 1e-6),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "y_true", "y_pred", "options", "expected", "rtol"), WORKED)
def test_worked_example(name, y_true, y_pred, options, expected, rtol, dtype):
    # PyTorch's rows are checked against the same examples in test_pytorch_worked_example.
    result = frameworks.compare(name, y_true, y_pred, dtype=dtype, frameworks=("tensorflow",), **options)
    assert len(result.rows) >= 3
    for row in result.rows:
        assert row.ok, f"{row.implementation}: {row.error}"
        # float32 inputs are rounded (0.95 is not a float32), hence the float32 floor on rtol
        rtol = max(rtol, 3e-7) if dtype == "float32" else rtol
        np.testing.assert_allclose(row.value, expected, rtol=rtol, err_msg=row.implementation)


def test_zero_probability_costs_16_118_in_both(tfk):
    # -ln(1e-7) = 16.11809565095832; Keras clips at backend.epsilon() = 1e-7
    tf, keras = tfk
    ours = float(lb.categorical_crossentropy([[0, 0, 1]], [[0.5, 0.5, 0.0]]))
    theirs = float(keras.losses.CategoricalCrossentropy(dtype="float64")([[0, 0, 1]], [[0.5, 0.5, 0.0]]))
    assert ours == pytest.approx(16.118, abs=5e-4)
    assert ours == pytest.approx(theirs, rel=1e-12)


# --------------------------------------------------------------------------
# Activations against tf.nn
# --------------------------------------------------------------------------

ACTIVATIONS = [
    ("softmax", lambda tf, x: tf.nn.softmax(x, axis=-1)),
    ("log_softmax", lambda tf, x: tf.nn.log_softmax(x, axis=-1)),
    ("logsumexp", lambda tf, x: tf.reduce_logsumexp(x, axis=-1)),
    ("sigmoid", lambda tf, x: tf.sigmoid(x)),
    ("log_sigmoid", lambda tf, x: tf.math.log_sigmoid(x)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "tf_fn"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_tensorflow(name, tf_fn, dtype, rng, tfk):
    tf, _ = tfk
    inputs = [
        rng.normal(0, 3, size=(5, 7)),
        rng.normal(0, 3, size=(2, 3, 4)),
        rng.choice([-1e4, -1.0, 0.0, 1.0, 1e4], size=(6, 5)),  # extreme logits
        np.array([[1000.0, 1000.0], [-1000.0, -1000.0]]),  # exp overflows / underflows naively
    ]
    for x in inputs:
        x = x.astype(dtype)
        ours = getattr(lb, name)(x)
        theirs = tf_fn(tf, tf.constant(x)).numpy()
        assert ours.dtype == theirs.dtype == np.dtype(dtype)
        assert np.isfinite(ours).all() or name.startswith("log")
        np.testing.assert_allclose(ours, theirs, **TOL[dtype])


# --------------------------------------------------------------------------
# The table, the refused row and the argument checks
# --------------------------------------------------------------------------


def test_rows_in_order_with_tf_nn_op_only_for_logits():
    y_true, logits = [[0, 1, 0]], [[2.0, 1.0, -1.0]]
    probs = lb.softmax(logits)
    with_logits = frameworks.compare("categorical_crossentropy", y_true, logits, from_logits=True)
    with_probs = frameworks.compare("categorical_crossentropy", y_true, probs)
    assert [r.implementation for r in with_logits.rows] == [
        "lossbook.categorical_crossentropy",
        "keras.losses.CategoricalCrossentropy",
        "keras.losses.categorical_crossentropy (mean over batch)",
        "tf.nn.softmax_cross_entropy_with_logits (mean over batch)",
        "torch.nn.CrossEntropyLoss()(y_pred, y_true)",
    ]
    assert [r.implementation for r in with_probs.rows][1:] == [
        "keras.losses.CategoricalCrossentropy",
        "keras.losses.categorical_crossentropy (mean over batch)",
        "torch.nn.CrossEntropyLoss()(log(y_pred), y_true)",
    ]
    # logits and the probabilities they give: the same loss
    np.testing.assert_allclose(with_logits.reference.value, with_probs.reference.value, rtol=1e-6)


def test_sum_squared_error_is_tf_l2_loss():
    # Deep Learning from Scratch 4.2.1: t = class 2, y peaked on class 2 gives 0.0975
    t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    result = frameworks.compare("sum_squared_error", t, y, dtype="float64")
    assert [r.implementation for r in result.rows] == [
        "lossbook.sum_squared_error",
        "tf.nn.l2_loss(y_pred - y_true)",
        "torch.nn.MSELoss(reduction='sum')(y_pred, y_true) / 2",
    ]
    for row in result.rows:
        assert float(row.value) == pytest.approx(0.0975, rel=1e-12)
    with pytest.raises(ValueError, match="reduction"):
        frameworks.compare("sum_squared_error", t, y, reduction="mean")


def test_text_table_lists_every_row():
    result = frameworks.compare("binary_crossentropy", [[0, 1], [1, 0]], [[-1.0, 2.0], [0.5, 0.0]], from_logits=True)
    text = str(result)
    assert repr(result) == text
    lines = text.splitlines()
    assert "binary_crossentropy" in lines[0] and "from_logits=True" in lines[0]
    assert lines[1].split()[0] == "Implementation" and set(lines[2]) <= {"-", " "}
    assert len(lines) == 3 + len(result.rows)
    for row, line in zip(result.rows, lines[3:]):
        assert line.startswith(row.implementation)
        assert line.rstrip().endswith(row.dtype)
    # columns are aligned: every row's dtype starts in the same column
    assert len({line.rindex("float32") for line in lines[3:]}) == 1


def test_html_table_is_accessible():
    result = frameworks.compare("mean_squared_error", [[0.0, 1.0]], [[1.0, 1.0]], reduction="none")
    page = result._repr_html_()
    assert page.startswith("<table") and page.endswith("</table>")
    assert page.count("<caption>") == 1
    assert page.count('<th scope="col">') == 5
    assert page.count('<th scope="row">') == len(result.rows)
    for row in result.rows:
        assert row.implementation.replace("'", "&#x27;") in page
    assert "<script" not in page


def test_records():
    result = frameworks.compare("hinge", [[1, -1]], [[0.3, -2.0]])
    records = result.to_records()
    assert [r["implementation"] for r in records] == [r.implementation for r in result.rows]
    assert set(records[0]) == {"implementation", "value", "abs_diff", "rel_diff", "dtype", "error"}
    assert records[0]["value"] == pytest.approx(0.35)  # lossbook.hinge docstring example
    assert records[0]["abs_diff"] is None and records[1]["abs_diff"] == pytest.approx(0.0, abs=1e-7)
    assert result.max_abs_diff == max(r["abs_diff"] for r in records[1:])


def test_refused_row_shows_keras_renormalizing():
    # The study-note example: "probabilities" that sum to 1.1, true class 2.
    # lossbook refuses; Keras divides by the sum (keras/src/backend/tensorflow/nn.py,
    # categorical_crossentropy), so it reports -ln(0.2 / 1.1) = 1.7047.
    y_true, y_pred = [0, 0, 1, 0, 0], [0.5, 0.1, 0.2, 0.2, 0.1]
    result = frameworks.compare("categorical_crossentropy", y_true, y_pred)
    lossbook_row = result.reference
    assert not lossbook_row.ok and lossbook_row.value is None
    assert lossbook_row.error.startswith("refused: y_pred must sum to 1")
    assert "1.1" in lossbook_row.error
    for row in result.rows[1:]:
        assert row.ok
        assert float(row.value) == pytest.approx(-math.log(0.2 / 1.1), rel=1e-6)
        assert row.abs_diff is None and row.rel_diff is None
    assert result.max_abs_diff is None and result.max_rel_diff is None
    assert "refused: y_pred must sum to 1" in str(result)
    assert "refused: y_pred must sum to 1" in result._repr_html_()
    with pytest.raises(ValueError, match="sum to 1"):
        frameworks.compare("categorical_crossentropy", y_true, y_pred, errors="raise")


def test_tensorflow_errors_are_shown_not_raised():
    result = frameworks.compare("sparse_categorical_crossentropy", [3], [[0.5, 0.5]])
    assert result.reference.error.startswith("refused: labels must be class indices")
    keras_rows, torch_row = result.rows[1:-1], result.rows[-1]
    assert all(r.error.startswith("error: InvalidArgumentError") for r in keras_rows)
    # a call that raised is named by its registry entry
    assert torch_row.implementation == "torch.nn.CrossEntropyLoss / torch.nn.NLLLoss"
    assert torch_row.error.startswith("error: IndexError: Target 3 is out of bounds")
    assert "function_node" not in str(result)


def test_shape_mismatch_refused_while_keras_squeezes():
    # lossbook refuses (3,) against (3, 1); Keras' class squeezes the trailing axis and returns 0.
    # PyTorch's MSELoss warns, then broadcasts to a 3 x 3 table: a perfect prediction costs 4/3.
    with pytest.warns(UserWarning, match="broadcasting"):
        result = frameworks.compare("mean_squared_error", [1.0, 2.0, 3.0], [[1.0], [2.0], [3.0]])
    assert result.reference.error.startswith("refused: y_true and y_pred must have the same shape")
    assert float(result.rows[1].value) == 0.0
    assert result.rows[-1].implementation == "torch.nn.MSELoss()(y_pred, y_true)"
    assert float(result.rows[-1].value) == pytest.approx(4 / 3)


def test_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match="name must be one of") as info:
        frameworks.compare("cross_entropy_loss", [1.0], [1.0])
    for name in frameworks.LOSSES:
        assert name in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dtype": "float16"}, ValueError, "dtype must be 'float32' or 'float64'"),
        ({"reduction": "average"}, ValueError, "reduction must be one of"),
        ({"errors": "ignore"}, ValueError, "errors must be"),
        ({"delta": 2.0}, TypeError, "options must be options of categorical_crossentropy"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        frameworks.compare("categorical_crossentropy", [[0, 1]], [[0.2, 0.8]], **kwargs)


def test_inputs_that_are_not_numbers():
    with pytest.raises(TypeError, match="y_pred must be convertible to an array of float32"):
        frameworks.compare("mean_squared_error", [1.0], ["a"])


def test_float64_rows_stay_float64():
    result = frameworks.compare("huber", [[0.0, 1.0]], [[0.3, 3.0]], dtype="float64", delta=0.5)
    assert [r.dtype for r in result.rows] == ["float64"] * 4
    assert result.options == {"delta": 0.5}


# --------------------------------------------------------------------------
# Importing stays light and TensorFlow starts quietly
# --------------------------------------------------------------------------


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)


def test_import_does_not_load_tensorflow():
    done = _run(
        "import sys, lossbook; from lossbook import frameworks\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules, 'torch' in sys.modules)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]


def test_first_comparison_writes_nothing_to_stderr():
    # Without the silencing, importing TensorFlow 2.21 writes absl's "All log
    # messages before absl::InitializeLog() ..." and a oneDNN notice to file
    # descriptor 2, which ipykernel forwards into notebook output.
    done = _run(
        "import os; os.environ.pop('TF_CPP_MIN_LOG_LEVEL', None)\n"
        "from lossbook import frameworks\n"
        "print(frameworks.compare('categorical_crossentropy', [0, 1], [0.3, 0.7]).max_abs_diff)\n"
        "print(frameworks.compare('sparse_categorical_crossentropy', [3], [[0.5, 0.5]]).rows[1].error[:6])\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.split()[-1] == "error:"


def test_categorical_hinge_follows_keras_when_every_wrong_score_is_negative():
    # Keras computes neg = max((1 - y_true) * y_pred), in which the true class
    # contributes 0 (keras/src/losses/losses.py, categorical_hinge); lossbook does
    # the same. Scores [-2, 0.5, -3], true class 1: max(0, 1 + 0 - 0.5) = 0.5
    # (Crammer-Singer's max over c != t would give max(0, 1 - 2 - 0.5) = 0).
    result = frameworks.compare("categorical_hinge", [[0, 1, 0]], [[-2.0, 0.5, -3.0]], dtype="float64")
    for row in result.rows:
        assert float(row.value) == 0.5, row.implementation


# --------------------------------------------------------------------------
# The API page's coverage table (generated from the registry)
# --------------------------------------------------------------------------


def test_every_keras_loss_class_is_covered():
    rows = frameworks.keras_coverage()
    assert len(rows) == len(frameworks.keras_loss_classes()) == 22  # Keras 3.15
    missing = [row["keras_class"] for row in rows if row["lossbook"] is None]
    assert not missing, missing
    for row in rows:
        name = row["lossbook"].removeprefix("lossbook.")
        assert name in lb.__all__ and name == row["keras_function"], row


def test_coverage_table_names_tests_that_exist():
    # Every pytest node id in the table is collected by pytest: the table cannot cite a test that is not there.
    ids = {test for row in frameworks.keras_coverage() for test in row["parity_tests"]}
    files = sorted({i.split("::")[0] for i in ids})
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    collected = set(proc.stdout.split())
    assert ids <= collected, sorted(ids - collected)[:5]


def test_coverage_table_rst_lists_every_class():
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "site"))
    import lossbook_site

    rst = "\n".join(lossbook_site.coverage_rst())
    assert "The 22 loss classes of the installed Keras: 22 computed by lossbook" in rst
    for row in frameworks.keras_coverage():
        assert f"``keras.losses.{row['keras_class']}``" in rst
        assert f":func:`{row['lossbook']}`" in rst
    assert "not covered" not in rst


# --------------------------------------------------------------------------
# PyTorch: the registry, the old name, the worked examples
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return frameworks.torch_module()


def test_old_name_is_gone():
    # lossbook.tf_compare was an alias of lossbook.frameworks; the chapters, tests and docs now use the new name.
    # (Checked in the package's own directory: an editable install of another checkout could still resolve the name.)
    import pkgutil

    assert "tf_compare" not in {module.name for module in pkgutil.iter_modules(lb.__path__)}


def test_every_entry_has_its_counterparts_or_says_why_not():
    rows = frameworks.registry_coverage()
    assert len(rows) == len(frameworks.LOSSES) == 27
    for row in rows:
        spec = frameworks.LOSSES[row["registry"]]
        assert bool(row["keras_class"]) != bool(row["keras_missing"]), row
        assert (spec.keras_class is None) == (spec.keras_function is None), row
        assert bool(row["torch"]) != bool(row["torch_missing"]), row
        assert callable(spec.lossbook) and spec.lossbook_name == f"lossbook.{row['registry']}"
        assert spec.lossbook_name.removeprefix("lossbook.") in lb.__all__
    beyond_keras = {row["registry"]: row for row in rows if not row["keras_class"]}
    assert set(beyond_keras) == {"sum_squared_error", "gaussian_nll", "triplet_margin_loss", "info_nce", "nt_xent"}
    assert beyond_keras["gaussian_nll"]["inputs"] == ("y_true", "y_pred", "var")
    assert beyond_keras["triplet_margin_loss"]["inputs"] == ("anchor", "positive", "negative")
    assert beyond_keras["info_nce"]["inputs"] == beyond_keras["nt_xent"]["inputs"] == ("similarity",)
    for name in ("info_nce", "nt_xent"):
        assert beyond_keras[name]["tf_op"].startswith("tf.nn.sparse_softmax_cross_entropy_with_logits")


def test_every_loss_with_a_pytorch_counterpart_is_registered(torch):
    # The lossbook losses that PyTorch also has (by its documented name) are all in the registry.
    counterparts = {
        "gaussian_nll": "GaussianNLLLoss",
        "triplet_margin_loss": "TripletMarginLoss",
        "poisson": "PoissonNLLLoss",
        "ctc": "CTCLoss",
        "kl_divergence": "KLDivLoss",
    }
    for name, cls in counterparts.items():
        assert hasattr(torch.nn, cls) and frameworks.LOSSES[name].torch.name == f"torch.nn.{cls}"


def test_wrong_number_of_inputs_names_them():
    with pytest.raises(
        TypeError,
        match="inputs must be the arrays gaussian_nll takes, in order: y_true, y_pred, var; received 2 arrays",
    ):
        frameworks.compare("gaussian_nll", [[0.0]], [[1.0]])
    with pytest.raises(TypeError, match="inputs must be the arrays info_nce takes, in order: similarity; received 2"):
        frameworks.compare("info_nce", [[0.0]], [[1.0]])
    with pytest.raises(TypeError, match="received 1 array[.]"):
        frameworks.compare("mean_squared_error", [[0.0]])


def test_losses_with_other_inputs_refused_and_shown():
    # lossbook refuses a zero variance; PyTorch clamps it at eps: the row shows PyTorch's number.
    result = frameworks.compare("gaussian_nll", [[1.0]], [[0.0]], [[0.0]])
    assert result.reference.error.startswith("refused: var must contain only positive variances")
    assert float(result.rows[1].value) == pytest.approx(0.5 * (math.log(1e-6) + 1 / 1e-6), rel=1e-6)
    # an odd number of rows cannot be two views: lossbook refuses, PyTorch computes something
    odd = frameworks.compare("nt_xent", np.zeros((3, 3)), frameworks=("pytorch",))
    assert odd.reference.error.startswith("refused: similarity must have an even number of rows")


def test_pytorch_has_these_losses(torch):
    # PyTorch has no log-cosh loss, and none of its margin losses is Keras' hinge:
    # HingeEmbeddingLoss is x for y = 1 and max(0, 1 - x) for y = -1, and
    # MultiMarginLoss sums over the wrong classes and divides by C where
    # categorical_hinge takes the largest wrong score.
    # PyTorch core has no focal loss either: torchvision.ops.sigmoid_focal_loss is in
    # torchvision, which lossbook does not install (and which has no categorical focal loss).
    core = [*dir(torch.nn), *dir(torch.nn.functional)]
    for missing in ("focal", "cosh"):
        assert not [name for name in core if missing in name.lower()], missing
    assert "cosine_similarity" in core and "CosineEmbeddingLoss" in core  # the search does find what exists
    with_torch = {n for n, s in frameworks.LOSSES.items() if s.torch is not None}
    assert {
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "mean_squared_error",
        "mean_absolute_error",
        "huber",
        "kl_divergence",
        "sum_squared_error",
        "poisson",
        "cosine_similarity",
        "ctc",
        "gaussian_nll",
        "triplet_margin_loss",
        "info_nce",
        "nt_xent",
    } <= with_torch
    assert not with_torch & {
        "log_cosh",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
    }
    for name in with_torch:
        assert frameworks.LOSSES[name].torch.name.startswith("torch.nn.")
        assert frameworks.LOSSES[name].torch.conversion


def test_frameworks_selects_the_rows():
    y, z = [[0, 1, 0]], [[2.0, 1.0, -1.0]]
    only_torch = frameworks.compare("categorical_crossentropy", y, z, from_logits=True, frameworks=("pytorch",))
    only_tf = frameworks.compare("categorical_crossentropy", y, z, from_logits=True, frameworks=["tensorflow"])
    assert [r.implementation for r in only_torch.rows] == [
        "lossbook.categorical_crossentropy",
        "torch.nn.CrossEntropyLoss()(y_pred, y_true)",
    ]
    assert not any(r.implementation.startswith("torch") for r in only_tf.rows) and len(only_tf.rows) == 4
    assert only_torch.max_rel_diff < 1e-6
    # a loss PyTorch does not have: lossbook's row alone, nothing to compare
    alone = frameworks.compare("log_cosh", [[0.0]], [[1.0]], frameworks=("pytorch",))
    assert len(alone.rows) == 1 and alone.max_abs_diff is None
    for bad in ("pytorch", (), ("jax",)):
        with pytest.raises(ValueError, match="frameworks must be a non-empty sequence"):
            frameworks.compare("huber", [[0.0]], [[1.0]], frameworks=bad)


def test_pytorch_rows_spell_out_the_conversion():
    cases = [
        (
            "sparse_categorical_crossentropy",
            [0, 2],
            [[2.0, 1.0, 0.1], [0.2, 0.1, 3.0]],
            {"from_logits": True},
            "none",
            "torch.nn.CrossEntropyLoss(reduction='none')(y_pred, y_true.long())",
        ),
        (
            "sparse_categorical_crossentropy",
            [0],
            [[0.7, 0.2, 0.1]],
            {},
            "sum",
            "torch.nn.NLLLoss(reduction='sum')(log(y_pred), y_true.long())",
        ),
        ("binary_crossentropy", [[1.0, 0.0]], [[0.8, 0.3]], {}, "mean", "torch.nn.BCELoss()(y_pred, y_true)"),
        (
            "kl_divergence",
            [[0.5, 0.5]],
            [[0.9, 0.1]],
            {},
            "mean",
            "torch.nn.KLDivLoss(reduction='batchmean')(log(y_pred), y_true)",
        ),
        (
            "huber",
            [[0.0, 1.0]],
            [[2.0, 1.5]],
            {"delta": 0.5},
            "sum",
            "torch.nn.HuberLoss(reduction='none', delta=0.5)(y_pred, y_true).mean(-1).sum()",
        ),
        (
            "categorical_crossentropy",
            np.eye(3)[[[0, 1], [2, 2]]],
            np.full((2, 2, 3), 1 / 3),
            {},
            "mean",
            "torch.nn.CrossEntropyLoss()(log(y_pred).movedim(-1, 1), y_true.movedim(-1, 1))",
        ),
    ]
    for name, y_true, y_pred, options, reduction, label in cases:
        result = frameworks.compare(name, y_true, y_pred, reduction=reduction, dtype="float64", **options)
        row = result.rows[-1]
        assert row.implementation == label
        np.testing.assert_allclose(row.value, result.reference.value, rtol=1e-12, err_msg=label)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "y_true", "y_pred", "options", "expected", "rtol"), WORKED)
def test_pytorch_worked_example(name, y_true, y_pred, options, expected, rtol, dtype):
    result = frameworks.compare(name, y_true, y_pred, dtype=dtype, frameworks=("pytorch",), **options)
    row = result.rows[-1]
    assert row.implementation.startswith("torch.nn.") and row.ok, row
    probabilities = {**frameworks.LOSSES[name].options, **options}.get("from_logits") is False
    if probabilities and 0.0 in np.asarray(y_pred):
        # PyTorch has no probability-input cross-entropy and nothing clips log(0) = -inf
        # (Keras and lossbook clip to 1e-7): zero probability on the true class costs inf,
        # and with one-hot targets a zero elsewhere gives 0 * -inf = nan.
        y_true = np.asarray(y_true)
        true_class = y_true if y_true.shape == np.shape(y_pred) else np.eye(np.shape(y_pred)[-1])[y_true]
        on_true_class = 0.0 in np.asarray(y_pred)[true_class != 0]
        assert (float(row.value) == math.inf) if on_true_class else math.isnan(float(row.value))
        return
    rtol = max(rtol, 3e-7) if dtype == "float32" else rtol
    np.testing.assert_allclose(row.value, expected, rtol=rtol, err_msg=row.implementation)


LATER_WORKED = [
    # keras/src/losses/losses.py, cosine_similarity docstring: [-0., -0.99999994, 0.99999994]
    (
        "cosine_similarity",
        [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
        [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]],
        [0.0, -1.0, 1.0],
    ),
    # lossbook.ctc docstring, by hand: uniform logits, 2 steps, label "1": alignments 11, 01, 10 of 1/4 each
    ("ctc", [[1]], np.zeros((1, 2, 2)), [-math.log(3 / 4)]),
    # by hand: rate - y log(rate + 1e-7) with y = 2, rate = 1 and y = 0, rate = 0.5
    ("poisson", [[2.0], [0.0]], [[1.0], [0.5]], [1 - 2 * math.log1p(1e-7), 0.5]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "y_true", "y_pred", "expected"), LATER_WORKED, ids=[w[0] for w in LATER_WORKED])
def test_pytorch_worked_example_later_losses(name, y_true, y_pred, expected, dtype):
    result = frameworks.compare(name, y_true, y_pred, dtype=dtype, reduction="none", frameworks=("pytorch",))
    assert len(result.rows) == 2 and result.rows[1].implementation.startswith("torch.")
    for row in result.rows:
        assert row.ok, row
        np.testing.assert_allclose(row.value, expected, **TOL[dtype], err_msg=row.implementation)


# --------------------------------------------------------------------------
# PyTorch and Keras differ: each difference asserted, with its exact relation
# --------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["float32", "float64"])
def differences(request):
    return request.param, frameworks.pytorch_differences(request.param)


def _rtol(dtype):
    return 2e-6 if dtype == "float32" else 1e-12


def test_differences_are_all_there(differences):
    _, found = differences
    assert list(found) == [
        "argument_order",
        "cross_entropy_takes_logits",
        "label_smoothing",
        "ignore_index",
        "reduction_names",
        "kl_div_mean",
        "smooth_l1_vs_huber",
        "bce_log_clamp",
        "pos_weight",
        "mse_broadcast",
        "gaussian_nll",
        "poisson_eps",
        "cosine_sign",
        "ctc_mean",
    ]
    for d in found.values():
        text = str(d)
        assert d.title in text and d.pytorch in text and d.note in text
        assert d._repr_html_().startswith("<table") and "<script" not in d._repr_html_()


def test_argument_order(differences, torch):
    dtype, found = differences
    d = found["argument_order"]
    # y = [1, 0, 1], p = [0.9, 0.2, 0.6]: swapped, BCELoss reads log(1 - 1) = -inf as -100 for the
    # middle element: (-(0.9 * log 1 + 0.1 * -100) - (0.2 * -100 + 0.8 * log 1) - (0.6 * log 1 + 0.4 * -100)) / 3
    assert d.pytorch_value == pytest.approx((10 + 20 + 40) / 3, rel=_rtol(dtype))
    keras_value = -np.mean(np.log([0.9, 0.8, 0.6]))
    assert d.other_value == pytest.approx(keras_value, rel=_rtol(dtype))
    right = torch.nn.BCELoss()(torch.tensor([0.9, 0.2, 0.6]), torch.tensor([1.0, 0.0, 1.0]))
    assert float(right) == pytest.approx(keras_value, rel=2e-6)


def test_cross_entropy_takes_logits(differences, torch):
    dtype, found = differences
    d = found["cross_entropy_takes_logits"]
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert d.other_value == pytest.approx(-np.mean(np.log([0.7, 0.8])), rel=_rtol(dtype))
    assert d.pytorch_value == pytest.approx(
        float(lb.sparse_categorical_crossentropy([0, 2], probs, from_logits=True)), rel=_rtol(dtype)
    )
    assert d.pytorch_value - d.other_value > 0.4


def test_label_smoothing(differences, tfk):
    dtype, found = differences
    d = found["label_smoothing"]
    _, keras = tfk
    logits = np.array([[2.0, 1.0, -1.0], [0.5, 0.0, 3.0]])
    smoothed = 0.9 * np.eye(3)[[0, 2]] + 0.1 / 3
    by_hand = float(lb.categorical_crossentropy(smoothed, logits, from_logits=True))
    assert d.pytorch_value == pytest.approx(by_hand, rel=_rtol(dtype))
    assert d.other_value == pytest.approx(by_hand, rel=_rtol(dtype))
    assert abs(by_hand - float(lb.sparse_categorical_crossentropy([0, 2], logits, from_logits=True))) > 0.1
    # ... but only Keras' one-hot loss has the option
    with pytest.raises(TypeError):
        keras.losses.SparseCategoricalCrossentropy(label_smoothing=0.1)


def test_ignore_index(differences):
    dtype, found = differences
    d = found["ignore_index"]
    first_alone = float(lb.sparse_categorical_crossentropy([0], [[2.0, 1.0, -1.0]], from_logits=True))
    assert d.pytorch_value == pytest.approx(first_alone, rel=_rtol(dtype))
    assert math.isnan(d.other_value) and "ignore_class=-100" in d.note
    with pytest.raises(ValueError, match="labels must be class indices"):
        lb.sparse_categorical_crossentropy([0, -100], [[2.0, 1.0, -1.0], [0.5, 0.0, 3.0]], from_logits=True)


def test_reduction_names(differences):
    dtype, found = differences
    d = found["reduction_names"]
    # squares 0.25 + 0 + 4 and 0 + 1 + 0: PyTorch sums all six, Keras the two row means
    assert d.pytorch_value == 5.25
    assert d.other_value == pytest.approx(5.25 / 3, rel=_rtol(dtype))


def test_kl_div_mean_is_not_batchmean(differences, torch):
    dtype, found = differences
    d = found["kl_div_mean"]
    p = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    q = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    kl = float(lb.kl_divergence(p, q).mean())
    assert d.other_value == pytest.approx(kl, rel=_rtol(dtype) * 10)
    assert d.pytorch_value == pytest.approx(kl / 3, rel=_rtol(dtype) * 10)  # divided by 6 elements, not 2 rows
    assert "PyTorch warns" in d.note
    with pytest.warns(UserWarning, match="batchmean"):
        torch.nn.KLDivLoss()(torch.tensor(q).log(), torch.tensor(p))


def test_smooth_l1_is_huber_over_beta(differences):
    dtype, found = differences
    d = found["smooth_l1_vs_huber"]
    huber = float(lb.huber([[0.0, 0.0]], [[0.5, 3.0]], delta=2.0))  # (0.125 + 4) / 2
    assert d.other_value == pytest.approx(huber, rel=_rtol(dtype)) == 2.0625
    assert d.pytorch_value == pytest.approx(huber / 2, rel=_rtol(dtype))


def test_bce_clamps_log_at_minus_100(differences):
    dtype, found = differences
    d = found["bce_log_clamp"]
    assert d.pytorch_value == 100.0
    assert d.other_value == pytest.approx(-math.log(1e-7), rel=_rtol(dtype) * 10)
    assert float(lb.binary_crossentropy([1.0], [0.0])) == pytest.approx(d.other_value, rel=1e-6)


def test_pos_weight(differences):
    dtype, found = differences
    d = found["pos_weight"]
    z, y = np.array([1.5, -0.5, 0.0]), np.array([1.0, 0.0, 1.0])
    weighted = -np.mean(3 * y * lb.log_sigmoid(z) + (1 - y) * lb.log_sigmoid(-z))
    assert d.pytorch_value == pytest.approx(weighted, rel=_rtol(dtype))
    assert d.other_value == pytest.approx(float(lb.binary_crossentropy(y, z, from_logits=True)), rel=_rtol(dtype))
    assert d.pytorch_value > 2 * d.other_value


def test_mse_warns_then_broadcasts(differences, torch):
    dtype, found = differences
    d = found["mse_broadcast"]
    assert d.pytorch_value == pytest.approx(4 / 3, rel=_rtol(dtype)) and d.other_value == 0.0
    assert d.note.startswith("PyTorch warned")
    with pytest.warns(UserWarning, match="broadcasting"):
        torch.nn.MSELoss()(torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="y_true and y_pred must have the same shape"):
        lb.mean_squared_error([1.0, 2.0, 3.0], [[1.0], [2.0], [3.0]])


def test_gaussian_nll_eps_and_full(differences, torch):
    dtype, found = differences
    d = found["gaussian_nll"]
    # var = [1, 1e-8] clamped to [1, 1e-6]; target - mean = [1, 0.5]
    clamped = np.mean(0.5 * (np.log([1.0, 1e-6]) + np.array([1.0, 0.25]) / [1.0, 1e-6]))
    assert d.pytorch_value == pytest.approx(clamped, rel=_rtol(dtype))
    assert d.other_value == pytest.approx(
        np.mean(0.5 * (np.log(2 * np.pi) + np.log([1.0, 1e-8]) + [1.0, 0.25e8])), rel=_rtol(dtype)
    )
    assert d.other_value > 50 * d.pytorch_value
    as_dtype = getattr(torch, dtype)
    full = torch.nn.GaussianNLLLoss(full=True)(
        torch.zeros(2, dtype=as_dtype),
        torch.tensor([1.0, 0.5], dtype=as_dtype),
        torch.tensor([1.0, 1e-8], dtype=as_dtype),
    )
    assert float(full) - d.pytorch_value == pytest.approx(
        0.5 * math.log(2 * math.pi), abs=0.02 if dtype == "float32" else 1e-9
    )


def test_poisson_eps_difference(differences):
    dtype, found = differences
    d = found["poisson_eps"]
    # y = [2, 1], rate = [0, 1]: the zero rate costs 2 ln(10) more in PyTorch, over 2 elements
    assert d.other_value == pytest.approx(float(lb.poisson([[2.0, 1.0]], [[0.0, 1.0]])), rel=_rtol(dtype))
    assert d.other_value == pytest.approx((-2 * math.log(1e-7) + 1 - math.log(1 + 1e-7)) / 2, rel=_rtol(dtype))
    assert d.pytorch_value - d.other_value == pytest.approx(math.log(10), rel=1e-6)
    assert "(16.6181)" in d.note and "1.359141" in d.note  # eps=1e-7 matches Keras; (e^0 - 0 + e^1 - 1) / 2


def test_cosine_sign_difference(differences):
    dtype, found = differences
    d = found["cosine_sign"]
    cos = np.array([1 / math.sqrt(2), 1.0])  # [1, 1] vs [1, 0], and [0, 2] vs [0, 1]
    assert d.other_value == pytest.approx(-cos.mean(), rel=_rtol(dtype))
    assert d.pytorch_value == pytest.approx(1 - cos.mean(), rel=_rtol(dtype))
    assert d.pytorch_value - d.other_value == pytest.approx(1.0, rel=_rtol(dtype))


def test_ctc_mean_difference(differences):
    dtype, found = differences
    d = found["ctc_mean"]
    logits = np.array([[[0.5, 1.0, -1.0], [0.0, 2.0, 0.0], [1.0, -0.5, 1.5], [0.2, 0.0, 1.0]]] * 2)
    per_sequence = lb.ctc([[1, 2], [1, 0]], logits, reduction="none")
    # TensorFlow's CTC kernel computes in float32 even for float64 (tests/parity_inputs.py)
    assert d.other_value == pytest.approx(per_sequence.mean(), rel=2e-6)
    assert d.pytorch_value == pytest.approx(np.mean(per_sequence / [2, 1]), rel=_rtol(dtype))
    assert d.other_value - d.pytorch_value > 0.1


def test_pytorch_differences_refuses_other_dtypes():
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        frameworks.pytorch_differences("float16")


# --------------------------------------------------------------------------
# PyTorch beside the later losses: what the registry's calls change, asserted
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_poisson_eps_1e8_in_pytorch_1e7_in_keras(dtype, rng, torch):
    # The registry calls PoissonNLLLoss(log_input=False, eps=1e-7), Keras' epsilon
    # (keras/src/losses/losses.py, poisson: y_pred - y_true * log(y_pred + epsilon)).
    # PyTorch's default eps=1e-8 shows where a rate is 0: there the log term is
    # y * log(1e-8) instead of y * log(1e-7), y * ln(10) more per element.
    tdt = getattr(torch, dtype)
    y = np.array([[1.0, 3.0, 0.0, 0.0]], dtype=dtype)
    rate = np.array([[0.0, 0.0, 0.0, 1.5]], dtype=dtype)
    default = torch.nn.PoissonNLLLoss(log_input=False, reduction="none")(
        torch.tensor(rate, dtype=tdt), torch.tensor(y, dtype=tdt)
    )
    ours = lb.poisson(y, rate, reduction="none")
    gap = default.numpy().mean(-1) - ours
    np.testing.assert_allclose(gap, (1.0 + 3.0) * math.log(10) / 4, rtol=_rtol(dtype))
    # Away from 0 the gap is y * log((p + 1e-7) / (p + 1e-8)) ~ 9e-8 * y / p: below float32's
    # resolution at p ~ 1, visible in float64.
    y = rng.poisson(2.0, (32, 5)).astype(dtype)
    rate = rng.uniform(0.05, 4, (32, 5)).astype(dtype)
    default = torch.nn.PoissonNLLLoss(log_input=False)(torch.tensor(rate), torch.tensor(y))
    expected = np.mean(y * (np.log(rate.astype(float) + 1e-7) - np.log(rate.astype(float) + 1e-8)))
    difference = float(default) - float(lb.poisson(y, rate))
    if dtype == "float64":
        assert difference == pytest.approx(expected, rel=1e-6) and expected > 1e-7
    else:
        assert abs(difference) < 1e-6


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cosine_similarity_signs_in_pytorch(dtype, rng, torch):
    # Keras' CosineSimilarity loss is -cos; torch.nn.functional.cosine_similarity is cos;
    # torch.nn.CosineEmbeddingLoss with target 1 is 1 - cos: Keras' loss plus 1.
    y_true, y_pred = rng.normal(size=(2, 16, 6)).astype(dtype)
    a, b = torch.tensor(y_pred), torch.tensor(y_true)
    ours = lb.cosine_similarity(y_true, y_pred, reduction="none")
    cos = torch.nn.functional.cosine_similarity(a, b, dim=-1).numpy()
    embedding = torch.nn.CosineEmbeddingLoss(reduction="none")(a, b, torch.ones(16, dtype=a.dtype)).numpy()
    tol = TOL[dtype]
    np.testing.assert_allclose(cos, -ours, **tol)
    np.testing.assert_allclose(embedding, 1 + ours, **tol)
    assert (ours != 0).all() and (embedding >= 0).all() and (ours < 0).any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ctc_mean_divides_by_target_length_in_pytorch(dtype, rng, torch):
    # Keras' CTC (keras/src/losses/losses.py, ctc: mask_index = 0) and lossbook take class 0
    # as the blank and the padding; torch.nn.CTCLoss's default blank=0 is the same class.
    # PyTorch's reduction='mean' divides each sequence's loss by its target length
    # (clamped to 1) before the batch mean; Keras' and lossbook's mean does not.
    labels = np.array([[1, 2, 0], [3, 0, 0], [2, 2, 1], [1, 3, 2]])
    lengths = np.array([2, 1, 3, 3])
    logits = rng.normal(0, 2, size=(4, 8, 4)).astype(dtype)
    log_probs = torch.log_softmax(torch.tensor(logits), dim=-1).transpose(0, 1)
    args = (log_probs, torch.tensor(labels), torch.full((4,), 8), torch.tensor(lengths))
    per_sequence = lb.ctc(labels, logits, reduction="none")
    mean = float(torch.nn.CTCLoss()(*args))  # blank=0, reduction='mean'
    tol = TOL[dtype]
    np.testing.assert_allclose(torch.nn.CTCLoss(reduction="none")(*args).numpy(), per_sequence, **tol)
    np.testing.assert_allclose(mean, np.mean(per_sequence / lengths), **tol)
    assert abs(mean - float(lb.ctc(labels, logits))) > 0.5
    np.testing.assert_allclose(float(torch.nn.CTCLoss(reduction="sum")(*args)), per_sequence.sum(), **tol)
    # a blank at the last index (blank=C-1, TensorFlow 1's convention) is another loss entirely
    other = torch.nn.CTCLoss(blank=3, reduction="none")(*args[:1], torch.tensor(labels) % 3, *args[2:]).numpy()
    assert not np.allclose(other, per_sequence, rtol=1e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_label_smoothing_matches_cross_entropy_loss(dtype, rng, torch):
    # Keras and lossbook smooth one-hot targets to y (1 - s) + s / C; CrossEntropyLoss(label_smoothing=s)
    # does the same to class-index and probability targets (sparse Keras losses have no such option:
    # see test_label_smoothing).
    for batch, n_classes in [((1,), 2), ((16,), 5), ((3, 4), 7)]:
        labels = rng.integers(0, n_classes, size=batch)
        one_hot = np.eye(n_classes)[labels].astype(dtype)
        logits = rng.normal(0, 3, size=(*batch, n_classes)).astype(dtype)
        x = torch.tensor(logits).movedim(-1, 1)
        for smoothing in (0.05, 0.1, 0.3):
            for reduction in REDUCTIONS:
                ours = lb.categorical_crossentropy(
                    one_hot, logits, from_logits=True, label_smoothing=smoothing, reduction=reduction
                )
                loss = torch.nn.CrossEntropyLoss(label_smoothing=smoothing, reduction=reduction)
                by_index = loss(x, torch.tensor(labels)).numpy()
                by_one_hot = loss(x, torch.tensor(one_hot).movedim(-1, 1)).numpy()
                for theirs in (by_index, by_one_hot):
                    assert theirs.shape == ours.shape and theirs.dtype == ours.dtype
                    np.testing.assert_allclose(theirs, ours, **TOL[dtype])
        # and the option changes the value: this is not a test of two zeros
        plain = lb.categorical_crossentropy(one_hot, logits, from_logits=True)
        assert abs(plain - lb.categorical_crossentropy(one_hot, logits, from_logits=True, label_smoothing=0.1)) > 1e-3


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ignore_class_is_ignore_index(dtype, rng, torch):
    # lossbook's ignore_class (Keras' name) and PyTorch's ignore_index: the ignored samples cost 0 and
    # both leave them out of the mean's denominator. PyTorch ignores -100 by default, lossbook and
    # Keras ignore nothing by default (test_ignore_index).
    for batch, n_classes in [((8,), 3), ((64,), 10), ((4, 6), 5)]:
        for void in (-1, 255, n_classes - 1):
            labels = rng.integers(0, n_classes, size=batch)
            labels[rng.random(batch) < 0.3] = void
            labels.flat[0] = 0  # at least one sample counts
            logits = rng.normal(0, 3, size=(*batch, n_classes)).astype(dtype)
            probs = lb.softmax(logits)
            for reduction in REDUCTIONS:
                loss = torch.nn.CrossEntropyLoss(ignore_index=void, reduction=reduction)
                theirs = loss(torch.tensor(logits).movedim(-1, 1), torch.tensor(labels)).numpy()
                nll = torch.nn.NLLLoss(ignore_index=void, reduction=reduction)
                from_probs = nll(torch.tensor(probs).log().movedim(-1, 1), torch.tensor(labels)).numpy()
                ours = lb.sparse_categorical_crossentropy(
                    labels, logits, from_logits=True, ignore_class=void, reduction=reduction
                )
                ours_probs = lb.sparse_categorical_crossentropy(labels, probs, ignore_class=void, reduction=reduction)
                np.testing.assert_allclose(theirs, ours, **TOL[dtype])
                np.testing.assert_allclose(from_probs, ours_probs, **TOL[dtype])
            # the mean is over the samples that count, not over all of them
            counted = lb.sparse_categorical_crossentropy(labels, logits, from_logits=True, ignore_class=void)
            total = lb.sparse_categorical_crossentropy(
                labels, logits, from_logits=True, ignore_class=void, reduction="sum"
            )
            assert counted == pytest.approx(total / np.sum(labels != void), rel=1e-6)


# --------------------------------------------------------------------------
# PyTorch parity of the lossbook losses Keras lacks, with PyTorch calls written
# here independently of the registry's conversions (which test_parity_random_inputs runs)
# --------------------------------------------------------------------------


def _per_sample_then(values, reduction):
    return values.sum() if reduction == "sum" else values.mean() if reduction == "mean" else values


def _gaussian_nll_cases(torch, rng, dtype):
    # Element-wise in PyTorch: lossbook's per-sample values are the means over the last axis
    # (its "mean" is PyTorch's "mean"; PyTorch's "sum" is K times lossbook's, asserted below).
    for batch, k in [((1,), 1), ((16,), 3), ((4, 5), 2)]:
        y, mu = rng.normal(size=(2, *batch, k)).astype(dtype)
        for var_name, var in [
            ("heteroscedastic", rng.uniform(0.05, 3, (*batch, k))),
            ("homoscedastic", rng.uniform(0.05, 3, (*batch, 1))),
            ("below-eps", rng.uniform(1e-9, 3e-6, (*batch, k))),  # clamped at eps by both
        ]:
            var = var.astype(dtype)
            for options in ({}, {"full": True}, {"eps": 1e-3}):
                for reduction in REDUCTIONS:
                    loss = torch.nn.GaussianNLLLoss(**options, reduction="none")
                    elements = loss(torch.tensor(mu), torch.tensor(y), torch.tensor(var)).numpy()
                    if reduction == "mean":
                        mean = torch.nn.GaussianNLLLoss(**options)(torch.tensor(mu), torch.tensor(y), torch.tensor(var))
                        np.testing.assert_allclose(mean.numpy(), elements.mean(-1).mean(), **TOL[dtype])
                    if reduction == "sum":
                        total = torch.nn.GaussianNLLLoss(**options, reduction="sum")
                        total = total(torch.tensor(mu), torch.tensor(y), torch.tensor(var)).numpy()
                        np.testing.assert_allclose(total, k * elements.mean(-1).sum(), **TOL[dtype])
                    theirs = _per_sample_then(elements.mean(-1), reduction)
                    yield (
                        f"{var_name} {options} {reduction}",
                        lb.gaussian_nll(y, mu, var, reduction=reduction, **options),
                        theirs,
                        0.0,
                    )


def _triplet_cases(torch, rng, dtype):
    # The loss is d(a, p) - d(a, n) + margin: where the two distances nearly cancel, their float32
    # rounding (D additions each, in a different order in PyTorch) is absolute, not relative, so
    # the case carries the scale of the cancelling terms (see the test's tolerance).
    for n, d in [(1, 2), (16, 4), (64, 8)]:
        a, pos, neg = rng.normal(size=(3, n, d)).astype(dtype)
        for options in ({}, {"margin": 0.3, "p": 1.0}, {"p": 3.0, "swap": True}, {"margin": 2.0, "eps": 0.0}):
            norm = {"p": options.get("p", 2.0), "eps": options.get("eps", 1e-6)}
            ta, tp, tn = (torch.tensor(x) for x in (a, pos, neg))
            distances = torch.nn.functional.pairwise_distance(ta, tp, **norm) + torch.nn.functional.pairwise_distance(
                ta, tn, **norm
            )
            scale = d * float(distances.max())
            for reduction in REDUCTIONS:
                loss = torch.nn.TripletMarginLoss(**options, reduction=reduction)
                theirs = loss(ta, tp, tn).numpy()
                ours = lb.triplet_margin_loss(a, pos, neg, reduction=reduction, **options)
                yield f"{options} {reduction}", ours, theirs, (n if reduction == "sum" else 1) * scale


def _info_nce_cases(torch, rng, dtype):
    # InfoNCE: CrossEntropyLoss(S / tau, arange(N)), the positive on the diagonal.
    for n, m in [(1, 1), (8, 8), (16, 40)]:
        s = rng.uniform(-1, 1, (n, m)).astype(dtype)
        for temperature in (1.0, 0.1, 0.05):
            for reduction in REDUCTIONS:
                logits = torch.tensor(s) / temperature
                theirs = torch.nn.CrossEntropyLoss(reduction=reduction)(logits, torch.arange(n)).numpy()
                yield (
                    f"{n}x{m} tau={temperature} {reduction}",
                    lb.info_nce(s, temperature=temperature, reduction=reduction),
                    theirs,
                    0.0,
                )


def _nt_xent_cases(torch, rng, dtype):
    # NT-Xent: the diagonal (each sample with itself) masked to -inf, positive at (i + N) mod 2N.
    for two_n in (2, 8, 32):
        s = rng.uniform(-1, 1, (two_n, two_n)).astype(dtype)
        for temperature in (0.5, 0.1):
            for reduction in REDUCTIONS:
                logits = (torch.tensor(s) / temperature).masked_fill(torch.eye(two_n, dtype=torch.bool), -math.inf)
                positives = (torch.arange(two_n) + two_n // 2) % two_n
                theirs = torch.nn.CrossEntropyLoss(reduction=reduction)(logits, positives).numpy()
                yield (
                    f"{two_n} tau={temperature} {reduction}",
                    lb.nt_xent(s, temperature=temperature, reduction=reduction),
                    theirs,
                    0.0,
                )


NON_KERAS_TORCH = {
    "gaussian_nll": _gaussian_nll_cases,
    "triplet_margin_loss": _triplet_cases,
    "info_nce": _info_nce_cases,
    "nt_xent": _nt_xent_cases,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(NON_KERAS_TORCH))
def test_pytorch_parity_losses_keras_lacks(name, dtype, rng, torch):
    n_compared = 0
    # Measured (PyTorch 2.13 CPU, these inputs with seed 0): largest relative difference 8e-8 (float32)
    # and 3e-16 (float64) for gaussian_nll, 2e-7 / 2e-16 for info_nce, 8e-7 / 2e-15 for nt_xent;
    # triplet_margin_loss differs by at most 8e-6 absolute in float32 (2e-14 in float64), where the
    # two distances cancel.
    for case, ours, theirs, cancelling in NON_KERAS_TORCH[name](torch, rng, dtype):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.dtype(dtype), case
        assert np.isfinite(ours).all(), case
        tol = dict(TOL[dtype])
        tol["atol"] = max(tol["atol"], np.finfo(dtype).eps * cancelling)
        np.testing.assert_allclose(theirs, ours, err_msg=f"{name} {dtype} {case}", **tol)
        n_compared += 1
    assert n_compared >= 18
    assert name in lb.__all__ and frameworks.LOSSES[name].torch is not None

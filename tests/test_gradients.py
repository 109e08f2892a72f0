"""Tests of lossbook.gradients: finite differences, TensorFlow and PyTorch autodiff, stability, validation.

Reference values come from four independent sources: central finite
differences of lossbook's own per-sample losses (float64), TensorFlow's
``tf.GradientTape`` on TensorFlow's losses, ``torch.autograd`` on PyTorch's
losses, and closed forms evaluated with ``math`` in the test itself.
"""

import math
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf

import lossbook as lb
from lossbook import gradients
from lossbook.gradients import (
    huber_grad,
    mae_grad,
    mse_grad,
    sigmoid_bce_grad,
    sigmoid_mse_grad,
    softmax_ce_grad,
)

SIGMOID_GRADS = [sigmoid_mse_grad, sigmoid_bce_grad]
REGRESSION_GRADS = [mse_grad, mae_grad, huber_grad]
ALL_GRADS = [*SIGMOID_GRADS, softmax_ce_grad, *REGRESSION_GRADS]


# --------------------------------------------------------------------------- inputs


def _logits(rng, shape):
    """Logits up to |z| = 20 (confidently right and wrong), with some at +-1e4."""
    z = rng.uniform(-20.0, 20.0, size=shape)
    flat = z.reshape(-1)
    flat[:4] = [-1e4, 1e4, -20.0, 20.0]
    return z


def _binary_targets(rng, shape):
    """Mostly hard labels (so that large logits are confidently wrong half the time), some soft."""
    y = rng.integers(0, 2, size=shape).astype(np.float64)
    soft = rng.random(shape) < 0.25
    y[soft] = rng.random(np.count_nonzero(soft))
    flat = y.reshape(-1)
    flat[:4] = [1.0, 0.0, 1.0, 0.0]  # z = -1e4, 1e4, -20, 20: all confidently wrong
    return y


def _one_hot_or_soft(rng, n, c):
    """Rows that sum to 1: one-hot for half of them, random distributions otherwise."""
    y = np.eye(c)[rng.integers(0, c, size=n)]
    soft = rng.dirichlet(np.ones(c), size=n)
    return np.where((np.arange(n) % 2 == 0)[:, None], y, soft)


# --------------------------------------------------------------------------- finite differences


def _central_difference(f, x, h):
    """Elementwise central difference of f, which maps an array of x's shape to the same shape."""
    return (f(x + h) - f(x - h)) / (2 * h)


# Per-sample losses of lossbook on single-element rows (shape (...) -> (...)), float64.
def _loss_sigmoid_mse(y):
    return lambda z: lb.mean_squared_error(y[..., None], lb.sigmoid(z)[..., None], reduction="none")


def _loss_sigmoid_bce(y):
    return lambda z: lb.binary_crossentropy(y[..., None], z[..., None], from_logits=True, reduction="none")


def _loss_mse(y):
    return lambda p: lb.mean_squared_error(y[..., None], p[..., None], reduction="none")


def _loss_mae(y):
    return lambda p: lb.mean_absolute_error(y[..., None], p[..., None], reduction="none")


def _loss_huber(y, delta):
    return lambda p: lb.huber(y[..., None], p[..., None], delta=delta, reduction="none")


# h = 1e-5: truncation error ~h^2 f''' < 1e-10; rounding error ~ 1e-16 |f| / h <= 1e-7
# for the largest losses here (|f| ~ 1e4 at z = +-1e4).
H = 1e-5
FD_TOL = dict(rtol=1e-6, atol=1e-6)


class TestFiniteDifferences:
    def test_sigmoid_mse_grad(self):
        rng = np.random.default_rng(0)
        z = _logits(rng, (50, 3))
        y = _binary_targets(rng, (50, 3))
        expected = _central_difference(_loss_sigmoid_mse(y), z, H)
        np.testing.assert_allclose(sigmoid_mse_grad(y, z), expected, **FD_TOL)

    def test_sigmoid_bce_grad(self):
        rng = np.random.default_rng(1)
        z = _logits(rng, (50, 3))
        y = _binary_targets(rng, (50, 3))
        expected = _central_difference(_loss_sigmoid_bce(y), z, H)
        np.testing.assert_allclose(sigmoid_bce_grad(y, z), expected, **FD_TOL)

    def test_softmax_ce_grad(self):
        rng = np.random.default_rng(2)
        n, c = 40, 4
        z = _logits(rng, (n, c))
        y = _one_hot_or_soft(rng, n, c)
        expected = np.empty_like(z)
        for k in range(c):
            step = np.zeros_like(z)
            step[:, k] = H
            plus = lb.categorical_crossentropy(y, z + step, from_logits=True, reduction="none")
            minus = lb.categorical_crossentropy(y, z - step, from_logits=True, reduction="none")
            expected[:, k] = (plus - minus) / (2 * H)
        np.testing.assert_allclose(softmax_ce_grad(y, z), expected, **FD_TOL)

    def test_mse_grad(self):
        rng = np.random.default_rng(3)
        y, p = rng.normal(0, 5, size=(2, 100))
        np.testing.assert_allclose(mse_grad(y, p), _central_difference(_loss_mse(y), p, H), **FD_TOL)

    def test_mae_grad_away_from_the_kink(self):
        rng = np.random.default_rng(4)
        y, p = rng.normal(0, 5, size=(2, 100))
        assert np.abs(p - y).min() > 10 * H
        np.testing.assert_allclose(mae_grad(y, p), _central_difference(_loss_mae(y), p, H), **FD_TOL)

    @pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
    def test_huber_grad_away_from_the_joints(self, delta):
        rng = np.random.default_rng(5)
        y, p = rng.normal(0, 3, size=(2, 200))
        assert np.abs(np.abs(p - y) - delta).min() > 10 * H
        expected = _central_difference(_loss_huber(y, delta), p, H)
        np.testing.assert_allclose(huber_grad(y, p, delta=delta), expected, **FD_TOL)


# --------------------------------------------------------------------------- TensorFlow


def _tape_gradient(loss_fn, y, x, dtype):
    """Gradient of sum(loss_fn(y, x)) with respect to x, by tf.GradientTape."""
    y_t = tf.constant(y, dtype=dtype)
    x_t = tf.Variable(tf.constant(x, dtype=dtype))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(loss_fn(y_t, x_t))
    return tape.gradient(total, x_t).numpy()


# float32: TensorFlow forms 1 - sigmoid(z), which is 0 for z > 17, where lossbook
# keeps ~e^-z; the absolute difference is below 1e-7.
TF_TOL = {np.float32: dict(rtol=2e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
class TestAgainstTensorFlow:
    def test_sigmoid_mse_grad(self, dtype):
        rng = np.random.default_rng(10)
        z = _logits(rng, (64, 2)).astype(dtype)
        y = _binary_targets(rng, (64, 2)).astype(dtype)
        expected = _tape_gradient(lambda t, x: tf.square(tf.sigmoid(x) - t), y, z, dtype)
        got = sigmoid_mse_grad(y, z)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, **TF_TOL[dtype])

    def test_sigmoid_bce_grad(self, dtype):
        rng = np.random.default_rng(11)
        z = _logits(rng, (64, 2)).astype(dtype)
        y = _binary_targets(rng, (64, 2)).astype(dtype)
        expected = _tape_gradient(lambda t, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=x), y, z, dtype)
        got = sigmoid_bce_grad(y, z)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, **TF_TOL[dtype])

    def test_softmax_ce_grad(self, dtype):
        rng = np.random.default_rng(12)
        z = _logits(rng, (32, 5)).astype(dtype)
        y = _one_hot_or_soft(rng, 32, 5).astype(dtype)
        expected = _tape_gradient(lambda t, x: tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=x), y, z, dtype)
        got = softmax_ce_grad(y, z)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, **TF_TOL[dtype])

    def test_softmax_ce_grad_with_targets_that_do_not_sum_to_one(self, dtype):
        # The docstring's claim: lossbook returns the true derivative of
        # -sum(y * log_softmax(z)) (TensorFlow's autodiff of that formula agrees),
        # while the fused tf.nn.softmax_cross_entropy_with_logits back-propagates
        # softmax(z) - y regardless of the row sums.
        rng = np.random.default_rng(13)
        z = rng.normal(0, 3, size=(16, 3)).astype(dtype)
        y = rng.uniform(0, 0.2, size=(16, 3)).astype(dtype)  # rows sum to at most 0.6
        true = _tape_gradient(lambda t, x: -tf.reduce_sum(t * tf.nn.log_softmax(x), axis=-1), y, z, dtype)
        fused = _tape_gradient(lambda t, x: tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=x), y, z, dtype)
        got = softmax_ce_grad(y, z)
        np.testing.assert_allclose(got, true, **TF_TOL[dtype])
        np.testing.assert_allclose(fused, lb.softmax(z) - y, **TF_TOL[dtype])
        assert np.abs(got - fused).max() > 0.1

    def test_mse_grad(self, dtype):
        rng = np.random.default_rng(14)
        y, p = rng.normal(0, 5, size=(2, 100)).astype(dtype)
        expected = _tape_gradient(lambda t, x: tf.square(x - t), y, p, dtype)
        np.testing.assert_allclose(mse_grad(y, p), expected, **TF_TOL[dtype])

    def test_mae_grad_including_zero_residuals(self, dtype):
        rng = np.random.default_rng(15)
        y, p = rng.normal(0, 5, size=(2, 100)).astype(dtype)
        p[:10] = y[:10]  # sign(0) = 0 in both
        expected = _tape_gradient(lambda t, x: tf.abs(x - t), y, p, dtype)
        got = mae_grad(y, p)
        np.testing.assert_array_equal(got[:10], 0)
        np.testing.assert_allclose(got, expected, **TF_TOL[dtype])

    @pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
    def test_huber_grad(self, dtype, delta):
        import keras

        rng = np.random.default_rng(16)
        y, p = rng.normal(0, 3, size=(2, 200)).astype(dtype)
        # keras.losses.huber averages over the last axis: single-element rows.
        expected = _tape_gradient(lambda t, x: keras.losses.huber(t[:, None], x[:, None], delta=delta), y, p, dtype)
        np.testing.assert_allclose(huber_grad(y, p, delta=delta), expected, **TF_TOL[dtype])


# --------------------------------------------------------------------------- PyTorch


def _autograd_gradient(torch_loss, y, x, dtype):
    """Gradient of torch_loss(x, y) (a PyTorch loss with reduction='sum') with respect to x, by torch.autograd."""
    from lossbook.frameworks import torch_module

    torch = torch_module()
    x_t = torch.tensor(x, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    y_t = torch.tensor(y, dtype=x_t.dtype)
    (grad,) = torch.autograd.grad(torch_loss(torch)(x_t, y_t), x_t)
    return grad.numpy()


# PyTorch's float32 sigmoid and softmax kernels differ from NumPy's by a few ulps.
TORCH_TOL = {np.float32: dict(rtol=2e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
class TestAgainstPyTorch:
    """lossbook.gradients against torch.autograd on PyTorch's own losses (reduction='sum')."""

    def test_sigmoid_mse_grad(self, dtype):
        rng = np.random.default_rng(20)
        z = _logits(rng, (64, 2)).astype(dtype)
        y = _binary_targets(rng, (64, 2)).astype(dtype)
        expected = _autograd_gradient(
            lambda torch: lambda x, t: torch.nn.MSELoss(reduction="sum")(torch.sigmoid(x), t), y, z, dtype
        )
        got = sigmoid_mse_grad(y, z)
        assert got.dtype == expected.dtype == dtype
        np.testing.assert_allclose(got, expected, **TORCH_TOL[dtype])

    def test_sigmoid_bce_grad(self, dtype):
        rng = np.random.default_rng(21)
        z = _logits(rng, (64, 2)).astype(dtype)  # includes +-1e4
        y = _binary_targets(rng, (64, 2)).astype(dtype)
        expected = _autograd_gradient(lambda torch: torch.nn.BCEWithLogitsLoss(reduction="sum"), y, z, dtype)
        got = sigmoid_bce_grad(y, z)
        assert np.isfinite(expected).all()
        np.testing.assert_allclose(got, expected, **TORCH_TOL[dtype])

    def test_softmax_ce_grad(self, dtype):
        rng = np.random.default_rng(22)
        z = _logits(rng, (32, 5)).astype(dtype)
        y = _one_hot_or_soft(rng, 32, 5).astype(dtype)
        expected = _autograd_gradient(lambda torch: torch.nn.CrossEntropyLoss(reduction="sum"), y, z, dtype)
        np.testing.assert_allclose(softmax_ce_grad(y, z), expected, **TORCH_TOL[dtype])

    def test_softmax_ce_grad_with_targets_that_do_not_sum_to_one(self, dtype):
        # Unlike tf.nn.softmax_cross_entropy_with_logits (softmax(z) - y whatever the
        # row sums), PyTorch's CrossEntropyLoss with probability targets back-propagates
        # the true derivative softmax(z) * sum(y) - y, as lossbook does.
        rng = np.random.default_rng(23)
        z = rng.normal(0, 3, size=(16, 3)).astype(dtype)
        y = rng.uniform(0, 0.2, size=(16, 3)).astype(dtype)
        expected = _autograd_gradient(lambda torch: torch.nn.CrossEntropyLoss(reduction="sum"), y, z, dtype)
        got = softmax_ce_grad(y, z)
        np.testing.assert_allclose(got, expected, **TORCH_TOL[dtype])
        assert np.abs(got - (lb.softmax(z) - y)).max() > 0.1

    def test_mse_grad(self, dtype):
        rng = np.random.default_rng(24)
        y, p = rng.normal(0, 5, size=(2, 100)).astype(dtype)
        expected = _autograd_gradient(lambda torch: torch.nn.MSELoss(reduction="sum"), y, p, dtype)
        np.testing.assert_allclose(mse_grad(y, p), expected, **TORCH_TOL[dtype])

    def test_mae_grad_including_zero_residuals(self, dtype):
        rng = np.random.default_rng(25)
        y, p = rng.normal(0, 5, size=(2, 100)).astype(dtype)
        p[:10] = y[:10]  # sign(0) = 0 in both
        expected = _autograd_gradient(lambda torch: torch.nn.L1Loss(reduction="sum"), y, p, dtype)
        got = mae_grad(y, p)
        np.testing.assert_array_equal(expected[:10], 0)
        np.testing.assert_allclose(got, expected, **TORCH_TOL[dtype])

    @pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
    def test_huber_grad(self, dtype, delta):
        rng = np.random.default_rng(26)
        y, p = rng.normal(0, 3, size=(2, 200)).astype(dtype)
        expected = _autograd_gradient(lambda torch: torch.nn.HuberLoss(reduction="sum", delta=delta), y, p, dtype)
        np.testing.assert_allclose(huber_grad(y, p, delta=delta), expected, **TORCH_TOL[dtype])

    def test_smooth_l1_gradient_is_huber_gradient_over_beta(self, dtype):
        # SmoothL1Loss(beta) = HuberLoss(delta=beta) / beta, so its gradient is huber_grad / beta.
        rng = np.random.default_rng(27)
        y, p = rng.normal(0, 3, size=(2, 200)).astype(dtype)
        expected = _autograd_gradient(lambda torch: torch.nn.SmoothL1Loss(reduction="sum", beta=2.0), y, p, dtype)
        np.testing.assert_allclose(huber_grad(y, p, delta=2.0) / 2.0, expected, **TORCH_TOL[dtype])


# --------------------------------------------------------------------------- the chapter's claims


class TestChapterClaims:
    def test_confidently_wrong_sigmoid_mse_gradient_vanishes_while_bce_does_not(self):
        # Chapter 5: y = 1, z = -10.
        mse = float(sigmoid_mse_grad(1.0, -10.0))
        bce = float(sigmoid_bce_grad(1.0, -10.0))
        assert abs(mse) < 1e-3
        assert bce == pytest.approx(-1.0, abs=1e-4)
        # Closed forms: 2(s - 1) s (1 - s) and s - 1 with s = sigma(-10).
        s = 1 / (1 + math.exp(10))
        assert mse == pytest.approx(2 * (s - 1) * s * (1 - s), rel=1e-12)
        assert bce == pytest.approx(s - 1, rel=1e-12)
        assert mse == pytest.approx(-9.0794e-5, rel=1e-4)

    def test_sigmoid_mse_gradient_is_largest_for_moderate_errors(self):
        # For y = 1 the magnitude of 2(s - 1)s(1 - s) peaks at s = 1/3 (z = -ln 2),
        # not at the worst predictions.
        z = np.linspace(-20, 20, 40001)
        g = np.abs(sigmoid_mse_grad(np.ones_like(z), z))
        assert z[np.argmax(g)] == pytest.approx(-math.log(2), abs=1e-3)
        assert g.max() == pytest.approx(8 / 27, rel=1e-6)

    def test_softmax_ce_rows_sum_to_zero(self):
        rng = np.random.default_rng(20)
        y = _one_hot_or_soft(rng, 10, 6)
        g = softmax_ce_grad(y, rng.normal(0, 5, size=(10, 6)))
        np.testing.assert_allclose(g.sum(axis=-1), 0, atol=1e-14)


# --------------------------------------------------------------------------- stability, shapes, dtypes


class TestStability:
    def test_huge_logits_give_exact_limits(self):
        z = np.array([-1e4, 1e4, -1e4, 1e4])
        y = np.array([1.0, 0.0, 0.0, 1.0])
        np.testing.assert_array_equal(sigmoid_bce_grad(y, z), [-1.0, 1.0, 0.0, 0.0])
        np.testing.assert_array_equal(sigmoid_mse_grad(y, z), [0.0, 0.0, 0.0, 0.0])
        np.testing.assert_array_equal(softmax_ce_grad([[0.0, 1.0, 0.0]], [[1e4, -1e4, 0.0]]), [[1.0, -1.0, 0.0]])

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_huge_logits_are_finite_in_both_precisions(self, dtype):
        z = np.array([-1e4, 1e4, -20.0, 20.0], dtype=dtype)
        y = np.array([1.0, 0.0, 0.5, 0.5], dtype=dtype)
        for f in SIGMOID_GRADS:
            g = f(y, z)
            assert g.dtype == dtype and np.isfinite(g).all()
        g = softmax_ce_grad(np.eye(4, dtype=dtype), np.diag(z))
        assert g.dtype == dtype and np.isfinite(g).all()

    def test_saturated_sigmoid_keeps_relative_accuracy(self):
        # sigma(-40) = e^-40 / (1 + e^-40); 1 - sigma(40) is 0 in float64 by subtraction.
        assert float(sigmoid_bce_grad(1.0, 40.0)) == pytest.approx(-math.exp(-40), rel=1e-12)
        # float32, z = 20: 1 - sigma(20) rounds to 0, but sigma(-20) = 2.06e-9 does not.
        g = sigmoid_mse_grad(np.float32(0.0), np.float32(20.0))
        assert g.dtype == np.float32
        assert float(g) == pytest.approx(2 * math.exp(-20) / (1 + math.exp(-20)) ** 2, rel=1e-5)


class TestShapesAndDtypes:
    @pytest.mark.parametrize("f", [*SIGMOID_GRADS, *REGRESSION_GRADS])
    @pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
    def test_same_shape_out_as_in(self, f, shape):
        rng = np.random.default_rng(30)
        y = rng.random(shape)
        x = rng.normal(size=shape)
        assert np.shape(f(y, x)) == shape

    @pytest.mark.parametrize("f", ALL_GRADS)
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_dtype_of_the_second_argument_is_kept(self, f, dtype):
        y = np.array([[0.0, 1.0]])
        x = np.array([[0.3, -0.2]], dtype=dtype)
        assert f(y, x).dtype == dtype

    @pytest.mark.parametrize("f", ALL_GRADS)
    def test_integer_input_gives_float64(self, f):
        assert f([[0, 1]], [[2, -1]]).dtype == np.float64

    @pytest.mark.parametrize("f", ALL_GRADS)
    def test_inputs_are_not_modified(self, f):
        y = np.array([[0.0, 1.0]])
        x = np.array([[3.0, -2.0]])
        y0, x0 = y.copy(), x.copy()
        f(y, x)
        np.testing.assert_array_equal(y, y0)
        np.testing.assert_array_equal(x, x0)


# --------------------------------------------------------------------------- validation


def _second_name(f):
    return "logits" if f in (*SIGMOID_GRADS, softmax_ce_grad) else "y_pred"


class TestValidation:
    @pytest.mark.parametrize("f", ALL_GRADS)
    def test_shape_mismatch_is_refused_not_broadcast(self, f):
        with pytest.raises(ValueError, match=rf"y_true and {_second_name(f)} must have the same shape"):
            f(np.zeros((3, 1)), np.zeros(3))

    @pytest.mark.parametrize("f", ALL_GRADS)
    def test_nan_in_second_argument(self, f):
        with pytest.raises(ValueError, match=rf"^{_second_name(f)} must contain only finite numbers"):
            f([[0.0, 1.0]], [[np.nan, 0.0]])

    @pytest.mark.parametrize("f", ALL_GRADS)
    def test_infinite_target(self, f):
        with pytest.raises(ValueError, match=r"^y_true must contain only finite numbers"):
            f([[np.inf, 0.0]], [[0.0, 0.0]])

    @pytest.mark.parametrize("f", ALL_GRADS)
    def test_strings_are_a_type_error(self, f):
        with pytest.raises(TypeError, match=rf"^{_second_name(f)} must be an array of real numbers"):
            f([[0.0, 1.0]], [["a", "b"]])

    @pytest.mark.parametrize("f", [*SIGMOID_GRADS, softmax_ce_grad])
    @pytest.mark.parametrize("bad", [-0.1, 1.5])
    def test_targets_outside_the_unit_interval(self, f, bad):
        with pytest.raises(ValueError, match=r"^y_true must contain probabilities in \[0, 1\]"):
            f([[bad, 0.0]], [[0.0, 0.0]])

    def test_softmax_needs_a_class_axis(self):
        with pytest.raises(ValueError, match=r"^logits must have at least 1 dimension"):
            softmax_ce_grad(1.0, 0.0)

    @pytest.mark.parametrize("delta", [0, -1.0, np.inf, np.nan])
    def test_huber_delta_must_be_positive(self, delta):
        with pytest.raises(ValueError, match=r"^delta must be a positive real number"):
            huber_grad([0.0], [1.0], delta=delta)

    def test_huber_delta_is_keyword_only(self):
        with pytest.raises(TypeError):
            huber_grad([0.0], [1.0], 2.0)

    def test_huber_delta_type(self):
        with pytest.raises(TypeError, match=r"^delta must be a positive real number"):
            huber_grad([0.0], [1.0], delta="1")


# --------------------------------------------------------------------------- focal, label smoothing, Gaussian NLL


class TestFocalSmoothedAndGaussian:
    @pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
    @pytest.mark.parametrize("balance", [False, True])
    def test_binary_focal_grad_finite_differences(self, gamma, balance):
        rng = np.random.default_rng(5)
        z = rng.uniform(-12, 12, size=(40, 3))
        y = _binary_targets(rng, (40, 3))

        def loss(zz):
            return lb.binary_focal_crossentropy(
                y[..., None],
                zz[..., None],
                from_logits=True,
                gamma=gamma,
                apply_class_balancing=balance,
                alpha=0.3,
                reduction="none",
            )

        expected = _central_difference(loss, z, H)
        got = lb.binary_focal_grad(y, z, gamma=gamma, apply_class_balancing=balance, alpha=0.3)
        np.testing.assert_allclose(got, expected, **FD_TOL)

    @pytest.mark.parametrize("gamma", [0.5, 2.0])
    def test_binary_focal_grad_matches_gradient_tape(self, gamma):
        rng = np.random.default_rng(6)
        z = rng.uniform(-8, 8, size=(30, 4))
        y = _binary_targets(rng, (30, 4))
        zt = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(zt)
            per_sample = tf.keras.losses.binary_focal_crossentropy(
                tf.constant(y), zt, gamma=gamma, from_logits=True, apply_class_balancing=True, alpha=0.4
            )
            total = tf.reduce_sum(per_sample)
        # Keras' per-sample value is the mean over the 4 columns.
        expected = tape.gradient(total, zt).numpy() * 4
        got = lb.binary_focal_grad(y, z, gamma=gamma, apply_class_balancing=True, alpha=0.4)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)

    def test_binary_focal_grad_stays_finite_at_huge_logits(self):
        for gamma in (0.5, 2.0):
            g = lb.binary_focal_grad([1.0, 0.0, 1.0, 0.0], [-1e4, 1e4, 1e4, -1e4], gamma=gamma)
            assert np.isfinite(g).all()
            np.testing.assert_allclose(g, [-1.0, 1.0, 0.0, 0.0], atol=1e-12)

    @staticmethod
    def _categorical_focal_inputs(seed, n=25, c=4, scale=3.0):
        rng = np.random.default_rng(seed)
        z = rng.normal(scale=scale, size=(n, c))
        y = np.eye(c)[rng.integers(0, c, n)]
        y[:3] = rng.dirichlet(np.ones(c), 3)  # some soft rows
        return y, z

    @pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
    @pytest.mark.parametrize("alpha", [0.25, (0.1, 0.5, 1.0, 2.0)])
    @pytest.mark.parametrize("smoothing", [0.0, 0.2])
    def test_categorical_focal_grad_finite_differences(self, gamma, alpha, smoothing):
        y, z = self._categorical_focal_inputs(9)

        def loss(zz):
            return lb.categorical_focal_crossentropy(
                y, zz, from_logits=True, alpha=alpha, gamma=gamma, label_smoothing=smoothing, reduction="none"
            )

        expected = np.empty_like(z)
        for k in range(z.shape[1]):
            step = np.zeros_like(z)
            step[:, k] = H
            expected[:, k] = (loss(z + step) - loss(z - step)) / (2 * H)
        got = lb.categorical_focal_grad(y, z, alpha=alpha, gamma=gamma, label_smoothing=smoothing)
        np.testing.assert_allclose(got, expected, **FD_TOL)

    @pytest.mark.parametrize("gamma", [0.5, 2.0])
    @pytest.mark.parametrize("alpha", [0.25, (0.125, 0.5, 1.0, 2.0)])  # exact in float32: TF makes a list float32
    def test_categorical_focal_grad_matches_gradient_tape(self, gamma, alpha):
        # Scale 1.5: no probability leaves [1e-7, 1 - 1e-7], where Keras' clipping would zero its gradient.
        y, z = self._categorical_focal_inputs(10, n=30, scale=1.5)
        zt = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(zt)
            per_sample = tf.keras.losses.categorical_focal_crossentropy(
                tf.constant(y), zt, alpha=list(alpha) if np.ndim(alpha) else alpha, gamma=gamma, from_logits=True
            )
            total = tf.reduce_sum(per_sample)
        expected = tape.gradient(total, zt).numpy()
        got = lb.categorical_focal_grad(y, z, alpha=alpha, gamma=gamma)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)

    def test_categorical_focal_grad_without_focus_is_softmax_ce_grad(self):
        y, z = self._categorical_focal_inputs(11)
        np.testing.assert_allclose(
            lb.categorical_focal_grad(y, z, alpha=1.0, gamma=0.0), softmax_ce_grad(y, z), rtol=1e-12, atol=1e-15
        )

    def test_categorical_focal_grad_stays_finite_at_huge_logits(self):
        for gamma in (0.5, 2.0):
            g = lb.categorical_focal_grad(
                [[1.0, 0.0, 0.0]] * 2, [[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], alpha=1.0, gamma=gamma
            )
            assert np.isfinite(g).all()
            np.testing.assert_allclose(g, [[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0]], atol=1e-12)

    @pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.4])
    def test_label_smoothed_ce_grad_finite_differences_and_tape(self, smoothing):
        rng = np.random.default_rng(7)
        n, c = 20, 5
        z = rng.normal(scale=4, size=(n, c))
        y = np.eye(c)[rng.integers(0, c, n)]
        expected = np.empty_like(z)
        for k in range(c):
            step = np.zeros_like(z)
            step[:, k] = H
            plus = lb.categorical_crossentropy(
                y, z + step, from_logits=True, label_smoothing=smoothing, reduction="none"
            )
            minus = lb.categorical_crossentropy(
                y, z - step, from_logits=True, label_smoothing=smoothing, reduction="none"
            )
            expected[:, k] = (plus - minus) / (2 * H)
        got = softmax_ce_grad(y, z, label_smoothing=smoothing)
        np.testing.assert_allclose(got, expected, **FD_TOL)
        zt = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(zt)
            total = tf.reduce_sum(
                tf.keras.losses.categorical_crossentropy(
                    tf.constant(y), zt, from_logits=True, label_smoothing=smoothing
                )
            )
        np.testing.assert_allclose(got, tape.gradient(total, zt).numpy(), rtol=1e-12, atol=1e-14)

    def test_gaussian_nll_grad_finite_differences(self):
        rng = np.random.default_rng(8)
        y, mu = rng.normal(size=(30, 2)), rng.normal(size=(30, 2))
        var = rng.uniform(0.05, 5, size=(30, 2))
        d_mean, d_var = lb.gaussian_nll_grad(y, mu, var)

        def by_mean(m):
            return lb.gaussian_nll(y[..., None], m[..., None], var[..., None], reduction="none")

        def by_var(v):
            return lb.gaussian_nll(y[..., None], mu[..., None], v[..., None], reduction="none")

        np.testing.assert_allclose(d_mean, _central_difference(by_mean, mu, H), **FD_TOL)
        np.testing.assert_allclose(d_var, _central_difference(by_var, var, 1e-7), rtol=1e-5, atol=1e-6)

    def test_gaussian_nll_grad_matches_gradient_tape_and_pytorch(self):
        import torch

        rng = np.random.default_rng(9)
        y, mu = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
        var = rng.uniform(1e-8, 3, size=(10, 3))  # some below eps = 1e-6
        d_mean, d_var = lb.gaussian_nll_grad(y, mu, var)
        m, v = torch.tensor(mu, requires_grad=True), torch.tensor(var, requires_grad=True)
        torch.nn.GaussianNLLLoss(reduction="sum")(m, torch.tensor(y), v).backward()
        np.testing.assert_allclose(d_mean, m.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(d_var, v.grad.numpy(), rtol=1e-12)
        mt, vt = tf.constant(mu), tf.constant(np.maximum(var, 1e-6))
        with tf.GradientTape() as tape:
            tape.watch([mt, vt])
            total = tf.reduce_sum(0.5 * (tf.math.log(vt) + tf.square(tf.constant(y) - mt) / vt))
        tf_mean, tf_var = tape.gradient(total, [mt, vt])
        np.testing.assert_allclose(d_mean, tf_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(d_var, tf_var.numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- derivatives for the figures


class TestNegLogDerivative:
    def test_values(self):
        # d/dq (-log q) = -1/q: exact values by hand.
        np.testing.assert_array_equal(gradients.neg_log_derivative([0.25, 0.5, 1.0]), [-4.0, -2.0, -1.0])
        assert gradients.neg_log_derivative(0.1).shape == ()

    def test_matches_finite_difference_of_lossbook_cross_entropy(self):
        # The derivative of categorical_crossentropy([0, 1, 0], [(1-q)/2, q, (1-q)/2]) in q.
        def loss(q):
            return float(lb.categorical_crossentropy([0, 1, 0], [(1 - q) / 2, q, (1 - q) / 2]))

        for q in (0.05, 0.3, 0.9):
            numeric = gradients.central_difference(loss, q, h=1e-5)
            assert gradients.neg_log_derivative(q) == pytest.approx(numeric, rel=1e-7)

    def test_zero_and_out_of_range(self):
        with pytest.raises(ValueError, match=r"q must contain probabilities in \(0, 1\]"):
            gradients.neg_log_derivative([0.5, 0.0])
        with pytest.raises(ValueError, match=r"q must contain probabilities in \[0, 1\]"):
            gradients.neg_log_derivative(1.5)
        with pytest.raises(TypeError, match="q must be an array of real numbers"):
            gradients.neg_log_derivative("0.5")


class TestCentralDifference:
    def test_polynomial(self):
        # d/dx x^3 at 2 is 12; the central difference's error is h^2 = 1e-6 here.
        assert gradients.central_difference(lambda x: x**3, 2.0) == pytest.approx(12.0, abs=2e-6)

    def test_step_function_has_zero_slope_away_from_jumps(self):
        def step(x):
            return float(x > 0)

        assert gradients.central_difference(step, 0.5) == 0.0
        assert gradients.central_difference(step, 0.0) == pytest.approx(500.0)  # 1 / (2h)

    @pytest.mark.parametrize("h", [0, -1e-3, float("nan")])
    def test_bad_step(self, h):
        with pytest.raises(ValueError, match="h must be a positive real number"):
            gradients.central_difference(np.sin, 0.0, h=h)


def _margin_loss(loss, m):
    """A lossbook margin loss of the label 1 and score m, per sample (so its margin is m)."""
    m = np.asarray(m, dtype=float)
    return loss(np.ones((m.size, 1)), m.reshape(-1, 1), reduction="none")


MARGIN_GRADS = [
    (gradients.hinge_margin_grad, lb.hinge, "hinge"),
    (gradients.squared_hinge_margin_grad, lb.squared_hinge, "squared_hinge"),
    (gradients.exponential_margin_grad, lb.exponential_loss, None),
]


class TestMarginGradients:
    # margins away from the hinge's kink at m = 1, where the central difference is exact up to h^2
    MARGINS = np.array([-3.0, -1.7, -0.4, 0.0, 0.6, 0.95, 1.05, 2.2, 3.0])

    @pytest.mark.parametrize(("grad", "loss", "_"), MARGIN_GRADS)
    def test_matches_finite_differences_of_lossbook(self, grad, loss, _):
        h = 1e-6
        numeric = (_margin_loss(loss, self.MARGINS + h) - _margin_loss(loss, self.MARGINS - h)) / (2 * h)
        np.testing.assert_allclose(grad(self.MARGINS), numeric, rtol=1e-7, atol=1e-8)

    def test_values_by_hand(self):
        np.testing.assert_array_equal(gradients.hinge_margin_grad([-1.0, 1.0, 1.5]), [-1.0, -1.0, 0.0])
        np.testing.assert_array_equal(
            gradients.squared_hinge_margin_grad([-1.0, 0.0, 1.0, 2.0]), [-4.0, -2.0, 0.0, 0.0]
        )
        np.testing.assert_allclose(gradients.exponential_margin_grad([-1.0, 0.0]), [-np.e, -1.0], rtol=1e-15)
        assert not np.signbit(gradients.squared_hinge_margin_grad(2.0))  # 0, not -0
        assert gradients.hinge_margin_grad(0.5).shape == ()

    @pytest.mark.parametrize(("grad", "_", "keras_name"), MARGIN_GRADS)
    def test_matches_tensorflow_autodiff(self, grad, _, keras_name, tf):
        # Keras' hinge and squared hinge (labels 1, scores m) and tf.exp(-m); ties at the kink m = 1 included.
        import keras

        m = tf.Variable(np.array([-3.0, -0.5, 0.0, 1.0, 1.5, 2.5]))
        with tf.GradientTape() as tape:
            if keras_name is None:
                total = tf.reduce_sum(tf.exp(-m))
            else:
                scores = tf.reshape(m, (-1, 1))
                total = tf.reduce_sum(getattr(keras.losses, keras_name)(tf.ones_like(scores), scores))
        np.testing.assert_allclose(grad(m.numpy()), tape.gradient(total, m).numpy(), rtol=1e-12)

    def test_dtype_and_bad_input(self):
        assert gradients.exponential_margin_grad(np.float32([0.5])).dtype == np.float32
        assert gradients.hinge_margin_grad(np.float32([0.5])).dtype == np.float32
        assert gradients.squared_hinge_margin_grad([1, 2]).dtype == np.float64
        with pytest.raises(ValueError, match="margin must contain only finite numbers"):
            gradients.hinge_margin_grad([0.0, np.nan])
        with pytest.raises(TypeError, match="margin must be an array of real numbers"):
            gradients.exponential_margin_grad("1")

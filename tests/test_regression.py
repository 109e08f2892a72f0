"""Regression losses: worked examples with sources, reductions, dtypes, shapes, stability."""

import numpy as np
import pytest

import lossbook as lb

REGRESSION = [lb.mean_squared_error, lb.mean_absolute_error, lb.huber, lb.log_cosh, lb.epsilon_insensitive]


class TestWorkedExamples:
    def test_keras_mse_column_example(self):
        # keras.losses.MeanSquaredError()([[0.], [1.]], [[1.], [1.]]) = 0.5 with Keras 3.15
        # (run in tests/test_frameworks.py); by hand: (1 + 0) / 2
        assert lb.mean_squared_error([[0.0], [1.0]], [[1.0], [1.0]]) == 0.5

    def test_keras_mae_column_example(self):
        # keras.losses.MeanAbsoluteError()([[0.], [0.]], [[1.], [1.]]) = 1.0 with Keras 3.15
        assert lb.mean_absolute_error([[0.0], [0.0]], [[1.0], [1.0]]) == 1.0

    def test_keras_huber_column_example(self):
        # keras.losses.Huber()([[0], [1]], [[0.6], [0.4]]) = 0.18 with Keras 3.15 (0.5*0.36 twice,
        # averaged); the documented Keras example is test_keras_docs_huber_example below.
        assert lb.huber([[0.0], [1.0]], [[0.6], [0.4]]) == pytest.approx(0.18, rel=1e-15)

    def test_keras_docs_huber_example(self):
        # keras.io/api/losses/regression_losses, Huber: [[0, 1], [0, 0]] vs [[0.6, 0.4], [0.4, 0.6]]
        # = 0.155; per sample (TF 2.x docs, reduction="none") [0.18, 0.13]
        y_true, y_pred = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
        assert lb.huber(y_true, y_pred) == pytest.approx(0.155, rel=1e-12)
        np.testing.assert_allclose(lb.huber(y_true, y_pred, reduction="none"), [0.18, 0.13], rtol=1e-12)

    def test_deep_learning_from_scratch_sum_squared_error(self):
        # Saito (2016), section 4.2.1: 0.097500000000000031 and 0.59750000000000003
        t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
        y1 = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
        y2 = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
        assert lb.sum_squared_error(t, y1) == pytest.approx(0.0975, rel=1e-12)
        assert lb.sum_squared_error(t, y2) == pytest.approx(0.5975, rel=1e-12)


class TestDefinitions:
    def test_huber_is_quadratic_inside_and_linear_outside(self):
        e = np.array([0.0, 0.5, 1.0, 2.0, -3.0])
        per = lb.huber(np.zeros((5, 1)), e[:, None], delta=1.0, reduction="none")
        np.testing.assert_allclose(per, [0.0, 0.125, 0.5, 1.5, 2.5])
        # delta scales the switch point: inside delta=2 everything up to 2 is quadratic
        per2 = lb.huber(np.zeros((5, 1)), e[:, None], delta=2.0, reduction="none")
        np.testing.assert_allclose(per2, [0.0, 0.125, 0.5, 2.0, 4.0])

    def test_log_cosh_is_stable_and_matches_definition(self, rng):
        e = rng.normal(scale=3, size=(4, 6))
        np.testing.assert_allclose(
            lb.log_cosh(np.zeros_like(e), e, reduction="none"), np.log(np.cosh(e)).mean(-1), rtol=1e-12
        )
        assert lb.log_cosh([0.0], [1e4]) == pytest.approx(1e4 - np.log(2), rel=1e-15)

    def test_log_cosh_keeps_precision_for_tiny_errors(self):
        # log cosh(e) = e**2/2 - e**4/12 + ...: 4.9999991667e-7 at e = 1e-3, 4.9999999917e-9 at 1e-4.
        for dtype in (np.float32, np.float64):
            e = np.array([[1e-3], [-1e-4], [0.999], [1.0], [30.0]], dtype=dtype)
            got = lb.log_cosh(np.zeros_like(e), e, reduction="none")
            np.testing.assert_allclose(got[:2], [4.9999991667e-7, 4.9999999917e-9], rtol=2e-7)
            x = e[:, 0].astype(np.float64)
            # np.log(np.cosh(x)) itself cancels for tiny x: use the series there.
            exact = np.where(np.abs(x) < 1e-2, x**2 / 2 - x**4 / 12 + x**6 / 45, np.log(np.cosh(x)))
            np.testing.assert_allclose(got, exact, rtol=1e-6 if dtype == np.float32 else 1e-14)

    def test_epsilon_insensitive_zero_inside_tube_and_mae_at_zero(self, rng):
        assert lb.epsilon_insensitive([0.0, 0.0], [0.05, -0.1], epsilon=0.1) == 0.0
        a, b = rng.normal(size=(2, 5, 3))
        assert lb.epsilon_insensitive(a, b, epsilon=0) == pytest.approx(lb.mean_absolute_error(a, b))

    def test_sum_squared_error_is_half_sum_over_everything(self, rng):
        a, b = rng.normal(size=(2, 4, 3))
        assert lb.sum_squared_error(a, b) == pytest.approx(0.5 * ((a - b) ** 2).sum(), rel=1e-14)
        assert lb.sum_squared_error(a, b) == pytest.approx(0.5 * a.size * lb.mean_squared_error(a, b), rel=1e-14)


@pytest.mark.parametrize("fn", REGRESSION)
class TestReductions:
    def test_none_gives_one_value_per_sample(self, fn, rng):
        a, b = rng.normal(size=(2, 3, 4, 5))
        per = fn(a, b, reduction="none")
        assert per.shape == (3, 4)

    def test_mean_and_sum(self, fn, rng):
        a, b = rng.normal(size=(2, 6, 5))
        per = fn(a, b, reduction="none")
        assert fn(a, b) == pytest.approx(per.mean(), rel=1e-14)
        assert fn(a, b, reduction="sum") == pytest.approx(per.sum(), rel=1e-14)

    def test_float32_in_float32_out(self, fn, rng):
        a, b = rng.normal(size=(2, 6, 5)).astype(np.float32)
        assert fn(a, b).dtype == np.float32
        assert fn(a, b, reduction="none").dtype == np.float32
        assert fn([[1, 2]], [[0, 0]]).dtype == np.float64

    def test_zero_for_perfect_predictions(self, fn, rng):
        a = rng.normal(size=(4, 3))
        assert fn(a, a) == 0.0

    def test_y_true_is_cast_to_y_pred_dtype(self, fn):
        out = fn(np.array([[0.5, 1.0]], dtype=np.float64), np.array([[0.0, 1.0]], dtype=np.float32))
        assert out.dtype == np.float32


def test_mse_mean_in_one_pass_equals_mean_of_per_sample_means(rng):
    # mean_squared_error(reduction="mean") averages all squares at once (one pass over
    # the data); it must be Keras' mean of per-sample means, up to float32 rounding.
    a, b = rng.normal(size=(2, 100_000, 10)).astype(np.float32)
    exact = np.mean(np.mean((a.astype(np.float64) - b) ** 2, axis=-1))  # float64 reference
    value = lb.mean_squared_error(a, b)
    assert value.dtype == np.float32
    assert value == pytest.approx(exact, rel=1e-6)
    assert value == pytest.approx(float(lb.mean_squared_error(a, b, reduction="none").mean(dtype=np.float64)), rel=1e-6)
    with pytest.raises(ValueError, match="reduction"):
        lb.mean_squared_error(a, b, reduction="avg")


# --------------------------------------------------------------------------
# MAPE and MSLE: Keras' floors, refused where they would hide a bug
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    from lossbook import frameworks

    return frameworks.tensorflow_modules()[1]


class TestPercentageAndLogErrors:
    def test_mape_by_hand(self):
        # |2 - 1| / 2 = 50 %, |4 - 5| / 4 = 25 %: mean 37.5 %
        assert lb.mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]]) == 37.5
        assert lb.mean_absolute_percentage_error([[-2.0]], [[-1.0]]) == 50.0  # |y| in the denominator

    def test_mape_zero_target_refused_where_keras_divides_by_1e_minus_7(self, keras):
        theirs = keras.losses.MeanAbsolutePercentageError(dtype="float64")([[0.0, 1.0]], [[0.5, 1.0]]).numpy()
        assert theirs == pytest.approx(100 * 0.5 / 1e-7 / 2, rel=1e-9)  # 250 million percent
        with pytest.raises(ValueError, match=r"y_true must contain no zeros .* received 0.0 at index \(0, 0\)"):
            lb.mean_absolute_percentage_error([[0.0, 1.0]], [[0.5, 1.0]])

    def test_msle_is_mse_of_log1p(self, rng):
        y_true, y_pred = rng.uniform(0, 10, (5, 3)), rng.uniform(0, 10, (5, 3))
        np.testing.assert_allclose(
            lb.mean_squared_logarithmic_error(y_true, y_pred),
            lb.mean_squared_error(np.log1p(y_true), np.log1p(y_pred)),
            rtol=1e-13,
        )

    def test_msle_negative_refused_where_keras_floors_at_1e_minus_7(self, keras):
        # Keras replaces -0.5 by 1e-7: the prediction costs what 0 would, and gets no gradient.
        at_zero = keras.losses.mean_squared_logarithmic_error([[1.0]], [[0.0]]).numpy()
        negative = keras.losses.mean_squared_logarithmic_error([[1.0]], [[-0.5]]).numpy()
        np.testing.assert_allclose(negative, at_zero, rtol=1e-6)
        with pytest.raises(ValueError, match="y_pred must contain only non-negative numbers; received -0.5"):
            lb.mean_squared_logarithmic_error([[1.0]], [[-0.5]])

    def test_msle_float32_tiny_values_keep_precision(self):
        # log1p instead of Keras' log(x + 1): for x = 1e-4 in float32 log(1 + x) has a
        # relative error of about 6e-4 (1 + 1e-4 rounds); log1p is exact to an ulp.
        value = lb.mean_squared_logarithmic_error(np.float32([[0.0]]), np.float32([[1e-4]]))
        assert value.dtype == np.float32
        assert value == pytest.approx((np.log1p(1e-4) - np.log1p(1e-7)) ** 2, rel=1e-6)  # 0 is floored at 1e-7

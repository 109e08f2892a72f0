"""Tests of lossbook.fitting: the lines of smallest MSE, MAE and Huber loss."""

import numpy as np
import pytest
from scipy import optimize

import lossbook
from lossbook.fitting import fit_line_huber, fit_line_mae, fit_line_mse


def _data(rng, n=15):
    x = np.sort(rng.uniform(0, 10, n))
    y = 1 + 0.5 * x + rng.normal(0, 0.6, n)
    y[-1] += 12.0  # one outlier
    return x, y


def test_mse_equals_polyfit(rng):
    for _ in range(20):
        x, y = _data(rng)
        np.testing.assert_allclose(fit_line_mse(x, y), np.polyfit(x, y, 1), rtol=1e-12, atol=1e-13)


def test_mae_is_the_linear_program_minimum(rng):
    """The exact LAD line has the MAE of the LP solution (computed with scipy.optimize.linprog)."""
    for _ in range(10):
        x, y = _data(rng)
        n = x.size
        # variables a, b, t_1..t_n: minimise sum t subject to |a x + b - y| <= t
        c = np.r_[0, 0, np.ones(n)]
        a_ub = np.block([[x[:, None], np.ones((n, 1)), -np.eye(n)], [-x[:, None], -np.ones((n, 1)), -np.eye(n)]])
        b_ub = np.r_[y, -y]
        lp = optimize.linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * 2 + [(0, None)] * n)
        a, b = fit_line_mae(x, y)
        assert lossbook.mean_absolute_error(y, a * x + b) == pytest.approx(lp.fun / n, rel=1e-9)


def test_mae_line_ignores_how_far_the_outlier_is(rng):
    x, y = _data(rng)
    far = y.copy()
    far[-1] += 100
    assert fit_line_mae(x, y) == fit_line_mae(x, far)


def test_huber_is_the_minimum_and_its_gradient_vanishes(rng):
    for delta in (0.3, 1.0, 3.0):
        x, y = _data(rng)
        a, b = fit_line_huber(x, y, delta=delta)
        residual_grad = lossbook.huber_grad(y, a * x + b, delta=delta)
        np.testing.assert_allclose([np.sum(residual_grad * x), np.sum(residual_grad)], 0, atol=1e-8)
        best = optimize.minimize(
            lambda ab, x=x, y=y, delta=delta: lossbook.huber(y, ab[0] * x + ab[1], delta=delta),
            [0.0, 0.0],
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 5000},
        )
        assert lossbook.huber(y, a * x + b, delta=delta) <= best.fun + 1e-12


def test_huber_lies_between_mse_and_mae(rng):
    x, y = _data(rng)
    slopes = [fit_line_mse(x, y)[0], fit_line_huber(x, y, delta=1.0)[0], fit_line_mae(x, y)[0]]
    assert slopes[0] > slopes[1] > slopes[2] - 0.2


@pytest.mark.parametrize("fit", [fit_line_mse, fit_line_mae, fit_line_huber])
def test_refuses_what_cannot_be_fitted(fit):
    with pytest.raises(ValueError, match=r"^x must hold at least 2 points to fit a line; received 1 point\.$"):
        fit([1.0], [2.0])
    with pytest.raises(
        ValueError, match=r"^x must hold at least two different values to fit a line; received all x = 2\.0\.$"
    ):
        fit([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^x and y must have the same shape"):
        fit([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^y must contain only finite numbers; received nan at index \(1,\)\.$"):
        fit([1.0, 2.0], [1.0, np.nan])


def test_huber_refuses_a_bad_delta():
    with pytest.raises(ValueError, match=r"^delta must be a positive real number; received delta=0\.$"):
        fit_line_huber([0, 1], [0, 1], delta=0)

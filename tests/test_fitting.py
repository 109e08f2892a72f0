"""Tests of lossbook.fitting: the lines of smallest MSE, MAE and Huber loss, and the Gaussian line of chapter 8."""

import numpy as np
import pytest
from scipy import optimize

import lossbook
from lossbook.fitting import (
    GaussianLine,
    _gaussian_nll_and_gradient,
    fit_gaussian_line,
    fit_line_huber,
    fit_line_mae,
    fit_line_mse,
    make_heteroscedastic_line,
)


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


# -- chapter 8: a line with a learned variance ------------------------------------------------------


def test_gaussian_nll_objective_is_lossbooks_and_its_gradient_is_right(rng):
    x, y = make_heteroscedastic_line(50, seed=3)
    for _ in range(10):
        params = rng.normal(0, 1, 4)
        value, grad = _gaussian_nll_and_gradient(params, x, y)
        assert value == pytest.approx(GaussianLine(*params).nll(x, y), rel=1e-12)
        numeric = optimize.approx_fprime(params, lambda p: _gaussian_nll_and_gradient(p, x, y)[0], 1e-7)
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-5)


def test_fit_is_the_minimum_of_lossbooks_gaussian_nll():
    x, y = make_heteroscedastic_line(300, seed=0)
    fit = fit_gaussian_line(x, y)
    best = fit.nll(x, y)
    _, grad = _gaussian_nll_and_gradient(np.array(fit), x, y)
    assert np.abs(grad).max() < 1e-6
    for step in np.eye(4) * 1e-3:
        for sign in (1, -1):
            assert GaussianLine(*(np.array(fit) + sign * step)).nll(x, y) > best

    # An independent minimizer of lossbook.gaussian_nll itself agrees.
    def objective(p):
        return float(lossbook.gaussian_nll(y[:, None], (p[0] * x + p[1])[:, None], np.exp(p[2] * x + p[3])[:, None]))

    other = optimize.minimize(
        objective,
        x0=[0.0, 0.0, 0.0, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20000, "maxfev": 20000},
    )
    np.testing.assert_allclose(other.x, np.array(fit), atol=1e-4)


def test_constant_variance_is_least_squares_with_its_mse():
    x, y = make_heteroscedastic_line(100, seed=5)
    fit = fit_gaussian_line(x, y, heteroscedastic=False)
    a, b = fit_line_mse(x, y)
    assert (fit.slope, fit.intercept, fit.log_var_slope) == (a, b, 0.0)
    assert np.exp(fit.log_var_intercept) == pytest.approx(np.mean((y - a * x - b) ** 2), rel=1e-12)


def test_learned_variance_follows_noise_that_grows_with_x():
    x, y = make_heteroscedastic_line(5000, seed=1, noise=(0.2, 0.0))  # constant noise: c near 0
    assert abs(fit_gaussian_line(x, y).log_var_slope) < 0.05
    x, y = make_heteroscedastic_line(5000, seed=1)  # sigma from 0.1 to 1.3
    fit = fit_gaussian_line(x, y)
    assert fit.log_var_slope > 0.5 and np.sqrt(fit.var(4.0)) > 5 * np.sqrt(fit.var(0.0))
    assert fit.slope == pytest.approx(0.5, abs=0.02) and fit.intercept == pytest.approx(1.0, abs=0.02)


def test_heteroscedastic_data_and_refusals():
    x, y = make_heteroscedastic_line(7, seed=2)
    again = make_heteroscedastic_line(7, seed=2)
    assert np.array_equal(x, again[0]) and np.array_equal(y, again[1]) and (np.diff(x) >= 0).all()
    with pytest.raises(TypeError, match="^n_points must be an integer of at least 2"):
        make_heteroscedastic_line(1)
    with pytest.raises(ValueError, match="^noise must give a positive standard deviation"):
        make_heteroscedastic_line(10, noise=(0.1, -1.0))
    with pytest.raises(TypeError, match="^heteroscedastic must be True or False"):
        fit_gaussian_line(x, y, heteroscedastic="yes")
    with pytest.raises(ValueError, match="^x must hold at least two different values"):
        fit_gaussian_line([1.0, 1.0, 1.0], [0.0, 1.0, 2.0])

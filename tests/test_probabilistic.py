"""Poisson and Gaussian negative log-likelihoods: direct formulas, mpmath at the extremes, PyTorch."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import lossbook as lb


class TestPoisson:
    def test_is_negative_log_likelihood_without_log_factorial(self, rng):
        from scipy import stats

        counts = rng.poisson(3.0, size=(4, 5)).astype(float)
        rates = rng.uniform(0.5, 6, size=(4, 5))
        log_factorial = np.array([float(mpmath.loggamma(k + 1)) for k in counts.ravel()]).reshape(counts.shape)
        nll = -stats.poisson.logpmf(counts, rates) - log_factorial
        np.testing.assert_allclose(lb.poisson(counts, rates, reduction="none"), nll.mean(axis=-1), rtol=1e-6)

    def test_minimized_at_the_count(self):
        rates = np.linspace(0.5, 8, 1501)[:, None]
        values = lb.poisson(np.full_like(rates, 3.0), rates, reduction="none")
        assert rates[np.argmin(values), 0] == pytest.approx(3.0, abs=0.005)

    def test_negative_rate_refused_where_keras_returns_nan(self):
        from lossbook import frameworks

        _, keras = frameworks.tensorflow_modules()
        assert np.isnan(keras.losses.poisson([[1.0]], [[-0.5]]).numpy()).all()
        with pytest.raises(ValueError, match=r"y_pred must contain only non-negative numbers; received -0.5"):
            lb.poisson([[1.0]], [[-0.5]])


def _gaussian_nll_mp(y, mu, var, full):
    y, mu, var = (mpmath.mpf(float(v)) for v in (y, mu, var))
    value = (mpmath.log(var) + (y - mu) ** 2 / var) / 2
    return value + (mpmath.log(2 * mpmath.pi) / 2 if full else 0)


class TestGaussianNLL:
    @pytest.mark.parametrize("full", [False, True])
    def test_direct_formula(self, rng, full):
        y, mu = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
        var = rng.uniform(0.1, 4, size=(6, 3))
        direct = 0.5 * (np.log(var) + (y - mu) ** 2 / var) + (0.5 * np.log(2 * np.pi) if full else 0)
        np.testing.assert_allclose(
            lb.gaussian_nll(y, mu, var, full=full, reduction="none"), direct.mean(axis=-1), rtol=1e-14
        )

    def test_is_minus_log_of_the_normal_density(self, rng):
        from scipy import stats

        y, mu, var = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), rng.uniform(0.2, 3, size=(5, 2))
        logpdf = stats.norm.logpdf(y, loc=mu, scale=np.sqrt(var))
        np.testing.assert_allclose(
            lb.gaussian_nll(y, mu, var, full=True, reduction="none"), -logpdf.mean(axis=-1), rtol=1e-13
        )

    @pytest.mark.parametrize(
        "y, mu, var",
        [
            (1e8, -1e8, 1e-5),  # huge error over a tiny variance: 2e21
            (0.0, 1e-9, 1e300),  # enormous variance: log dominates
            (3.0, 3.0 + 1e-12, 1e-6),  # variance at the clamp, tiny error
            (1.0, 2.0, 1e-200),  # below eps: clamped to 1e-6
        ],
    )
    def test_extremes_against_mpmath(self, y, mu, var):
        # Known values computed with mpmath at 30 digits from the same formula, variance clamped at 1e-6.
        mpmath.mp.dps = 30
        expected = _gaussian_nll_mp(y, mu, max(var, 1e-6), full=True)
        ours = lb.gaussian_nll([[y]], [[mu]], [[var]], full=True)
        assert float(ours) == pytest.approx(float(expected), rel=1e-14)

    def test_float32_stays_float32(self):
        value = lb.gaussian_nll(np.float32([[1.0]]), np.float32([[0.0]]), np.float32([[2.0]]))
        assert value.dtype == np.float32

    def test_one_variance_per_sample_broadcasts(self, rng):
        y, mu = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
        var = rng.uniform(0.5, 2, size=(4, 1))
        np.testing.assert_allclose(
            lb.gaussian_nll(y, mu, var), lb.gaussian_nll(y, mu, np.repeat(var, 3, axis=1)), rtol=1e-14
        )

    @pytest.mark.parametrize("full", [False, True])
    @pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
    def test_matches_pytorch(self, rng, full, reduction):
        import torch

        y, mu = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
        var = rng.uniform(1e-8, 3, size=(5, 4))
        loss = torch.nn.GaussianNLLLoss(full=full, eps=1e-6, reduction="none")
        elementwise = loss(torch.tensor(mu), torch.tensor(y), torch.tensor(var)).numpy()
        expected = {
            "none": elementwise.mean(axis=-1),
            "sum": elementwise.mean(axis=-1).sum(),
            "mean": elementwise.mean(),
        }[reduction]
        np.testing.assert_allclose(lb.gaussian_nll(y, mu, var, full=full, reduction=reduction), expected, rtol=1e-13)

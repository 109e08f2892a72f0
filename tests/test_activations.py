"""Activations: stability at extreme logits, dtype, identities."""

import numpy as np
import pytest

import lossbook as lb

EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [710.0, -710.0, 0.5]])


def test_softmax_rows_sum_to_one_at_extreme_logits():
    s = lb.softmax(EXTREME)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(s[1], 1 / 3)


def test_log_softmax_is_exact_where_naive_is_not():
    # log softmax([1000, -1000, 0]) = [0, -2000, -1000] exactly; the naive
    # np.log(np.exp(z) / np.exp(z).sum()) overflows (and warns) in exp.
    z = np.array([1000.0, -1000.0, 0.0])
    np.testing.assert_array_equal(lb.log_softmax(z), [0.0, -2000.0, -1000.0])
    with pytest.warns(RuntimeWarning, match="overflow"):
        np.exp(z)


def test_log_softmax_is_logits_minus_logsumexp(rng):
    z = rng.normal(scale=30, size=(5, 7))
    np.testing.assert_allclose(lb.log_softmax(z), z - lb.logsumexp(z)[:, None], rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(np.exp(lb.log_softmax(z)), lb.softmax(z), rtol=1e-12, atol=1e-300)


def test_logsumexp_of_large_equal_values():
    assert lb.logsumexp([1e4, 1e4]) == pytest.approx(1e4 + np.log(2), rel=1e-15)


def test_sigmoid_and_log_sigmoid_at_extremes():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    s = lb.sigmoid(x)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    ls = lb.log_sigmoid(x)
    assert ls[0] == -1e4  # log sigma(-x) ~ -x for large x, exactly in floating point
    assert ls[-1] == 0.0
    np.testing.assert_allclose(lb.log_sigmoid(-50.0), -50.0 - np.log1p(np.exp(-50.0)), rtol=1e-15)


def test_sigmoid_symmetry(rng):
    x = rng.normal(scale=10, size=100)
    np.testing.assert_allclose(lb.sigmoid(x) + lb.sigmoid(-x), 1.0, rtol=1e-15)


@pytest.mark.parametrize("fn", [lb.softmax, lb.log_softmax, lb.logsumexp, lb.sigmoid, lb.log_sigmoid])
def test_float32_in_float32_out(fn):
    assert fn(np.ones((2, 3), dtype=np.float32)).dtype == np.float32
    assert fn([[1, 2, 3]]).dtype == np.float64


def test_two_class_softmax_is_sigmoid_of_difference(rng):
    z = rng.normal(scale=5, size=(20, 2))
    np.testing.assert_allclose(lb.softmax(z)[:, 1], lb.sigmoid(z[:, 1] - z[:, 0]), rtol=1e-13)

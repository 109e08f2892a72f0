"""Entropy, cross-entropy and KL divergence: worked examples, identities, edge cases, TensorFlow."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossbook as lb


def distributions(min_k=2, max_k=8, rows=None):
    """Hypothesis strategy: batches of probability distributions, some with exact zeros."""
    rows = st.integers(1, 4) if rows is None else rows

    @st.composite
    def build(draw):
        n, k = draw(rows), draw(st.integers(min_k, max_k))
        w = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0, 10)))
        w[w < 0.5] = 0.0  # exact zeros exercise 0 log 0 = 0
        w[:, 0] += 1.0  # every row has some mass
        return w / w.sum(axis=-1, keepdims=True)

    return build()


class TestEntropy:
    # Worked examples from the book's chapter 2 (exact values computed by hand:
    # a fair 4-sided die carries 2 bits).
    def test_uniform_four_is_two_bits(self):
        assert lb.entropy([0.25] * 4, base=2) == pytest.approx(2.0, abs=1e-15)

    def test_peaked_distributions_in_bits(self):
        # -0.3 log2 0.1 - 0.7 log2 0.7 = 1.35678..., computed with mpmath (dps=30):
        # 1.35677964944703947266094090743
        assert lb.entropy([0.1, 0.1, 0.1, 0.7], base=2) == pytest.approx(1.356779649447039, rel=1e-14)
        # -0.03 log2 0.01 - 0.97 log2 0.97 = 0.24194..., mpmath (dps=30): 0.241940732853210846309206497964
        assert lb.entropy([0.01, 0.01, 0.01, 0.97], base=2) == pytest.approx(0.2419407328532108, rel=1e-14)

    def test_zero_log_zero_is_zero(self):
        assert lb.entropy([1.0, 0.0, 0.0]) == 0.0
        assert lb.entropy([0.5, 0.5, 0.0], base=2) == pytest.approx(1.0)

    def test_one_value_per_distribution(self):
        out = lb.entropy(np.full((2, 3, 4), 0.25), base=2)
        assert out.shape == (2, 3)
        np.testing.assert_allclose(out, 2.0)

    def test_bits_and_nats_differ_by_ln2(self, rng):
        p = rng.dirichlet(np.ones(5), size=7)
        np.testing.assert_allclose(lb.entropy(p), lb.entropy(p, base=2) * np.log(2), rtol=1e-14)

    def test_maximum_is_log_k(self, rng):
        for k in (2, 3, 10):
            assert lb.entropy(np.full(k, 1 / k)) == pytest.approx(np.log(k), rel=1e-14)
            assert (lb.entropy(rng.dirichlet(np.ones(k), size=50)) <= np.log(k) + 1e-12).all()

    def test_float32_in_float32_out(self):
        assert lb.entropy(np.array([0.5, 0.5], dtype=np.float32)).dtype == np.float32
        assert lb.entropy([1, 0]).dtype == np.float64

    def test_binary_entropy_matches_two_outcome_entropy(self):
        p = np.linspace(0, 1, 101)
        expected = lb.entropy(np.stack([p, 1 - p], axis=-1), base=2)
        np.testing.assert_allclose(lb.binary_entropy(p, base=2), expected, atol=1e-15)
        assert lb.binary_entropy(0.5, base=2) == 1.0


class TestCrossEntropyAndKL:
    @settings(max_examples=60, deadline=None)
    @given(data=st.data())
    def test_cross_entropy_is_entropy_plus_kl(self, data):
        p = data.draw(distributions())
        q = data.draw(distributions(min_k=p.shape[-1], max_k=p.shape[-1], rows=st.just(p.shape[0])))
        q = 0.9 * q + 0.1 / q.shape[-1]  # q > 0 everywhere: finite values
        h, ce, kl = lb.entropy(p), lb.cross_entropy(p, q), lb.kl_divergence(p, q)
        np.testing.assert_allclose(ce, h + kl, rtol=1e-12, atol=1e-12)
        assert (kl >= -1e-12).all()

    def test_kl_is_zero_only_for_equal_distributions(self, rng):
        p = rng.dirichlet(np.ones(4), size=5)
        np.testing.assert_allclose(lb.kl_divergence(p, p), 0.0, atol=1e-15)
        q = rng.dirichlet(np.ones(4), size=5)
        assert (lb.kl_divergence(p, q) > 0).all()

    def test_kl_is_not_symmetric(self):
        p, q = [0.5, 0.5], [0.9, 0.1]
        assert lb.kl_divergence(p, q) != pytest.approx(lb.kl_divergence(q, p))

    def test_cross_entropy_of_one_hot_is_minus_log_q(self):
        q = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
        p = np.eye(10)[2]
        assert lb.cross_entropy(p, q) == pytest.approx(-np.log(0.6), rel=1e-15)

    def test_zero_q_where_p_is_positive_is_infinite(self):
        # The true value, not a clipped 16.118: this is information theory, not a training loss.
        assert lb.cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf
        assert lb.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
        # ... but zero mass where p is zero costs nothing.
        assert lb.cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0

    def test_base_two(self):
        # D_KL([0.5, 0.5] || [0.9, 0.1]) in bits, mpmath (dps=30): 0.736965594166206166416580485542
        assert lb.kl_divergence([0.5, 0.5], [0.9, 0.1], base=2) == pytest.approx(0.7369655941662062, rel=1e-14)


class TestAgainstTensorFlow:
    """TensorFlow has no entropy op; the same formulas with tf.math.xlogy must agree."""

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_entropy_cross_entropy_kl(self, tf, rng, dtype):
        p = rng.dirichlet(np.ones(6), size=16).astype(dtype)
        p[0] = np.eye(6)[3]  # an exact one-hot row: 0 log 0
        q = rng.dirichlet(np.ones(6), size=16).astype(dtype)
        rtol = 1e-5 if dtype == np.float32 else 1e-12
        tf_h = -tf.reduce_sum(tf.math.xlogy(p, p), axis=-1).numpy()
        tf_ce = -tf.reduce_sum(tf.math.xlogy(p, q), axis=-1).numpy()
        tf_kl = tf.reduce_sum(tf.math.xlogy(p, p) - tf.math.xlogy(p, q), axis=-1).numpy()
        np.testing.assert_allclose(lb.entropy(p), tf_h, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(lb.cross_entropy(p, q), tf_ce, rtol=rtol)
        np.testing.assert_allclose(lb.kl_divergence(p, q), tf_kl, rtol=rtol, atol=10 * rtol)
        assert lb.entropy(p).dtype == dtype

    def test_kl_against_keras_where_keras_does_not_clip(self, tf, rng):
        # keras.losses.kl_divergence clips both arguments to [1e-7, 1]; with
        # strictly positive inputs above 1e-7 it is the exact divergence.
        import keras

        p = rng.dirichlet(np.ones(5), size=8)
        q = rng.dirichlet(np.ones(5), size=8)
        expected = keras.losses.kl_divergence(p, q).numpy()
        np.testing.assert_allclose(lb.kl_divergence(p, q), expected, rtol=1e-12)

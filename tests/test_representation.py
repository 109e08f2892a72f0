"""Cosine similarity and Circle (Keras), InfoNCE, NT-Xent and triplet margin (NumPy references, PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

import lossbook as lb


@pytest.fixture(scope="module")
def keras():
    from lossbook import frameworks

    return frameworks.tensorflow_modules()[1]


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


class TestCosineSimilarity:
    def test_sign_minus_one_is_best(self):
        # Keras' CosineSimilarity is a loss: -cos. Same direction -1, opposite +1.
        assert lb.cosine_similarity([[1.0, 2.0]], [[2.0, 4.0]]) == pytest.approx(-1.0)
        assert lb.cosine_similarity([[1.0, 2.0]], [[-2.0, -4.0]]) == pytest.approx(1.0)
        assert lb.cosine_similarity([[1.0, 0.0]], [[0.0, 3.0]]) == 0.0

    def test_zero_vector_gives_zero_like_keras(self, keras):
        ours = lb.cosine_similarity([[0.0, 0.0]], [[1.0, 1.0]], reduction="none")
        theirs = keras.losses.cosine_similarity(np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]])).numpy()
        np.testing.assert_array_equal(ours, [0.0])
        np.testing.assert_array_equal(theirs, [0.0])

    def test_axis(self, keras, rng):
        a, b = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 5, 2))
        ours = lb.cosine_similarity(a, b, axis=1, reduction="none")
        np.testing.assert_allclose(ours, keras.losses.cosine_similarity(a, b, axis=1).numpy(), rtol=1e-12)
        assert ours.shape == (3, 2)


def _circle_reference(labels, x, gamma=80.0, margin=0.4):
    """Sun et al. (2020), eq. 6, with Keras' cosine distances, written as loops."""
    n = len(labels)
    out = np.zeros(n)
    for i in range(n):
        sp = [x[i] @ x[j] for j in range(n) if j != i and labels[j] == labels[i]]
        sn = [x[i] @ x[j] for j in range(n) if labels[j] != labels[i]]
        if not sp or not sn:
            continue
        dp = [max(1 - s, 0) for s in sp]
        dn = [max(1 - s, 0) for s in sn]
        pos = [-gamma * max(margin + d, 0) * (margin - d) for d in dp]
        neg = [gamma * max(1 + margin - d, 0) * (1 - margin - d) for d in dn]
        out[i] = np.logaddexp(0, special.logsumexp(pos) + special.logsumexp(neg))
    return out


class TestCircle:
    def test_against_loops(self, rng):
        labels = np.array([0, 0, 1, 1, 2, 2, 0])
        x = _unit(rng.normal(size=(7, 6)))
        np.testing.assert_allclose(lb.circle(labels, x, reduction="none"), _circle_reference(labels, x), rtol=1e-12)

    def test_mean_leaves_out_zero_losses_like_the_keras_class(self, keras, rng):
        # Sample 4 has no positive (its label is alone), so its loss is 0; Keras' Circle
        # class masks losses that are not > 0, so the mean divides by 4, not 5.
        labels = np.array([0, 0, 1, 1, 2])
        x = _unit(rng.normal(size=(5, 3)))
        per_sample = lb.circle(labels, x, reduction="none")
        assert per_sample[4] == 0 and (per_sample[:4] > 0).all()
        assert lb.circle(labels, x) == pytest.approx(per_sample[:4].mean(), rel=1e-14)
        theirs = keras.losses.Circle(dtype="float64")(labels, x).numpy()
        assert lb.circle(labels, x) == pytest.approx(theirs, rel=1e-12)
        functional = keras.losses.circle(labels, x).numpy().mean()
        assert functional == pytest.approx(per_sample.mean(), rel=1e-12)

    def test_unnormalized_embeddings_refused(self):
        with pytest.raises(ValueError, match=r"y_pred must hold L2-normalized embeddings .* row 0 has norm 2"):
            lb.circle([0, 0], [[2.0, 0.0], [1.0, 0.0]])


def _info_nce_loops(s, tau):
    out = []
    for i in range(s.shape[0]):
        logits = s[i] / tau
        out.append(-(logits[i] - np.log(np.sum(np.exp(logits)))))
    return np.array(out)


def _nt_xent_loops(s, tau):
    two_n = s.shape[0]
    out = []
    for i in range(two_n):
        j = (i + two_n // 2) % two_n
        denominator = sum(np.exp(s[i, k] / tau) for k in range(two_n) if k != i)
        out.append(-np.log(np.exp(s[i, j] / tau) / denominator))
    return np.array(out)


class TestContrastive:
    @pytest.mark.parametrize("tau", [0.07, 0.5, 1.0])
    def test_info_nce_against_loops(self, rng, tau):
        z = _unit(rng.normal(size=(6, 4)))
        c = _unit(rng.normal(size=(8, 4)))
        s = z @ c.T  # 6 anchors, 8 candidates, positives on the diagonal
        np.testing.assert_allclose(
            lb.info_nce(s, temperature=tau, reduction="none"), _info_nce_loops(s, tau), rtol=1e-12
        )

    def test_info_nce_is_sparse_cross_entropy_of_scaled_similarities(self, rng):
        s = rng.normal(size=(5, 5))
        np.testing.assert_allclose(
            lb.info_nce(s, temperature=0.2),
            lb.sparse_categorical_crossentropy(np.arange(5), s / 0.2, from_logits=True),
            rtol=1e-14,
        )

    @pytest.mark.parametrize("tau", [0.1, 0.5])
    def test_nt_xent_against_loops(self, rng, tau):
        z = _unit(rng.normal(size=(8, 5)))
        s = z @ z.T
        np.testing.assert_allclose(lb.nt_xent(s, temperature=tau, reduction="none"), _nt_xent_loops(s, tau), rtol=1e-12)

    def test_nt_xent_small_temperature_does_not_overflow(self, rng):
        z = _unit(rng.normal(size=(4, 3)))
        value = lb.nt_xent(z @ z.T, temperature=1e-3)
        assert np.isfinite(value)

    def test_contrastive_match_pytorch_cross_entropy(self, rng):
        import torch

        s = rng.normal(size=(6, 6))
        logits = torch.tensor(s / 0.3)
        expected = torch.nn.functional.cross_entropy(logits, torch.arange(6)).item()
        assert lb.info_nce(s, temperature=0.3) == pytest.approx(expected, rel=1e-12)
        masked = logits.masked_fill(torch.eye(6, dtype=torch.bool), float("-inf"))
        targets = (torch.arange(6) + 3) % 6
        expected = torch.nn.functional.cross_entropy(masked, targets).item()
        assert lb.nt_xent(s, temperature=0.3) == pytest.approx(expected, rel=1e-12)


def _triplet_reference(a, p, n, margin, norm, eps, swap):
    def d(x, y):
        return np.sum(np.abs(x - y + eps) ** norm, axis=-1) ** (1 / norm)

    dn = d(a, n)
    if swap:
        dn = np.minimum(dn, d(p, n))
    return np.maximum(d(a, p) - dn + margin, 0)


class TestTriplet:
    @pytest.mark.parametrize("norm", [1.0, 2.0, 3.0])
    @pytest.mark.parametrize("swap", [False, True])
    def test_against_direct_numpy_and_pytorch(self, rng, norm, swap):
        import torch

        a, p, n = (rng.normal(size=(7, 4)) for _ in range(3))
        expected = _triplet_reference(a, p, n, 0.8, norm, 1e-6, swap)
        ours = lb.triplet_margin_loss(a, p, n, margin=0.8, p=norm, swap=swap, reduction="none")
        np.testing.assert_allclose(ours, expected, rtol=1e-12)
        theirs = torch.nn.TripletMarginLoss(margin=0.8, p=norm, swap=swap, reduction="none")(
            *(torch.tensor(v) for v in (a, p, n))
        ).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
        assert lb.triplet_margin_loss(a, p, n, margin=0.8, p=norm, swap=swap) == pytest.approx(theirs.mean(), rel=1e-12)

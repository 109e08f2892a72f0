"""CTC: a brute-force sum over all alignments, Keras / tf.nn.ctc_loss, and its edge cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import special

import lossbook as lb


def _collapse(path):
    out = []
    previous = None
    for s in path:
        if s != previous and s != 0:
            out.append(s)
        previous = s
    return tuple(out)


def brute_force_ctc(labels, logits):
    """-log of the sum over every path of length T that collapses to ``labels`` (exponential: tiny inputs)."""
    log_p = special.log_softmax(logits, axis=-1)
    steps, n_symbols = log_p.shape
    target = tuple(int(v) for v in labels if v != 0)
    terms = [
        sum(log_p[t, s] for t, s in enumerate(path))
        for path in itertools.product(range(n_symbols), repeat=steps)
        if _collapse(path) == target
    ]
    return -special.logsumexp(terms) if terms else np.inf


@pytest.mark.parametrize("labels", [[1, 2, 0], [2, 2, 0], [1, 0, 0], [0, 0, 0], [1, 2, 1], [3, 3, 3]])
def test_equals_brute_force_sum_over_alignments(labels, rng):
    logits = rng.normal(size=(1, 6, 4))
    expected = brute_force_ctc(labels, logits[0])
    ours = lb.ctc([labels], logits, reduction="none")
    if np.isinf(expected):  # "333" needs 5 steps: feasible in 6, so not reached; kept for the mechanism
        assert np.isinf(ours[0])
    else:
        assert ours[0] == pytest.approx(expected, rel=1e-12)


def test_infeasible_sequence_costs_infinity():
    # "1 1" needs a blank between the two 1s: three steps; two are not enough.
    assert np.isinf(lb.ctc([[1, 1]], np.zeros((1, 2, 3)), reduction="none")[0])


def test_matches_tensorflow_batch_with_padding(rng):
    from lossbook import frameworks

    tf, keras = frameworks.tensorflow_modules()
    labels = np.array([[1, 2, 3, 0], [2, 0, 0, 0], [3, 3, 1, 2], [0, 0, 0, 0]])
    logits = rng.normal(size=(4, 12, 4)).astype(np.float32)
    ours = lb.ctc(labels, logits, reduction="none")
    theirs = tf.nn.ctc_loss(
        labels,
        logits,
        label_length=(labels != 0).sum(axis=1),
        logit_length=[12] * 4,
        logits_time_major=False,
        blank_index=0,
    ).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=2e-6)
    np.testing.assert_allclose(lb.ctc(labels, logits), keras.losses.CTC()(labels, logits).numpy(), rtol=2e-6)
    assert ours.dtype == np.float32


def test_long_sequences_do_not_underflow(rng):
    # 400 steps of 30 symbols: every path probability underflows float64 (~1e-600),
    # the log-space recursion does not.
    labels = rng.integers(1, 30, size=(1, 50))
    value = lb.ctc(labels, rng.normal(size=(1, 400, 30)), reduction="none")
    assert np.isfinite(value).all() and value[0] > 600


def test_padding_before_a_label_is_refused():
    with pytest.raises(ValueError, match=r"y_true must hold each label sequence first and its padding zeros after"):
        lb.ctc([[1, 0, 2]], np.zeros((1, 5, 3)))


def test_label_sequence_longer_than_time_steps_is_refused():
    with pytest.raises(ValueError, match=r"no longer than the 2 time steps of y_pred; received a sequence of 3 labels"):
        lb.ctc([[1, 2, 1]], np.zeros((1, 2, 3)))


def _log_space_values(labels, logits):
    from lossbook import activations, sequence

    labels, lengths = sequence._ctc_labels(labels, logits)
    return sequence._log_space_ctc(activations.stable_log_softmax(logits), labels, lengths)


@pytest.mark.parametrize(
    ("n_classes", "offset"),
    [(4, 0.0), (70, 0.0), (4, 500.0)],  # the product gather; take_along_axis (> 64 classes); row-wise shifts
)
def test_linear_recursion_equals_log_space_recursion(n_classes, offset, rng):
    # lossbook.ctc sums alignment probabilities in the linear domain (float64) and keeps the log-space
    # recursion for sequences whose probability is too small to trust (test_long_sequences_do_not_underflow).
    labels = np.array([[1, 2, 3, 0], [2, 2, 0, 0], [3, 3, 1, 2], [0, 0, 0, 0], [1, 1, 1, 0]])
    logits = rng.normal(size=(5, 12, n_classes))
    # Adding a constant to a step's logits changes nothing; +-500 makes lossbook shift each step by its own
    # maximum (one shift for the whole batch would underflow exp).
    shifted = logits + offset * rng.choice([-1.0, 1.0], size=(5, 12, 1))
    ours = lb.ctc(labels, shifted, reduction="none")
    assert np.all(np.exp(-ours) > 1e-250)  # all of them from the linear recursion
    np.testing.assert_allclose(ours, _log_space_values(labels, logits), rtol=1e-12)


def test_underflowing_sequences_go_through_log_space(rng):
    # One batch: a sequence whose probability underflows float64 next to an ordinary one.
    labels = np.zeros((2, 50), dtype=int)
    labels[0] = rng.integers(1, 30, size=50)
    labels[1, :3] = [4, 5, 6]
    logits = rng.normal(size=(2, 400, 30))
    ours = lb.ctc(labels, logits, reduction="none")
    assert ours[0] > 800 and np.isfinite(ours[0])
    np.testing.assert_allclose(ours, _log_space_values(labels, logits), rtol=1e-12)


# The recursion runs forward over the first ceil(T / 2) steps and backward over the others, joined in the middle
# (lossbook.sequence._alignment_probability): odd and even T join at different steps, T = 1 has no backward step.
@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("labels", [[0, 0], [1, 0], [2, 1], [1, 1], [2, 2]])
def test_both_halves_of_the_recursion_equal_brute_force(steps, labels, rng):
    logits = rng.normal(size=(1, steps, 3))
    if np.count_nonzero(labels) > steps:  # refused, not computed
        with pytest.raises(ValueError, match="no longer than the 1 time steps"):
            lb.ctc([labels], logits)
        return
    expected = brute_force_ctc(labels, logits[0])
    ours = lb.ctc([labels], logits, reduction="none")[0]
    if np.isinf(expected):  # "1 1" or "2 2" in fewer than 3 steps
        assert np.isinf(ours)
    else:
        assert ours == pytest.approx(expected, rel=1e-12)


def test_a_batch_equals_its_sequences_one_at_a_time(rng):
    # Each sequence is a block of one flat array (forward blocks, then mirrored backward blocks): neighbours
    # of different lengths, an empty label and an infeasible one must not leak into each other.
    labels = np.array([[1, 2, 3, 1], [2, 0, 0, 0], [0, 0, 0, 0], [3, 3, 3, 3], [1, 1, 2, 0], [3, 2, 0, 0]])
    for steps in (6, 7, 8):
        logits = rng.normal(size=(len(labels), steps, 4))
        batch = lb.ctc(labels, logits, reduction="none")
        alone = [lb.ctc(labels[i : i + 1], logits[i : i + 1], reduction="none")[0] for i in range(len(labels))]
        assert np.isinf(batch[3]) == (steps < 7)  # "3333" needs 7 steps (a blank between repeated labels)
        np.testing.assert_allclose(batch, alone, rtol=1e-13)


@pytest.mark.parametrize("steps", [61, 62])
def test_linear_recursion_equals_log_space_on_long_sequences(steps, rng):
    # Long enough that every alignment is tiny, short enough that the probabilities stay above 1e-250.
    labels = rng.integers(1, 5, size=(3, 12))
    labels[1, 7:] = 0
    labels[2, :] = 0
    logits = rng.normal(size=(3, steps, 5))
    ours = lb.ctc(labels, logits, reduction="none")
    assert np.all(np.exp(-ours) > 1e-250)
    np.testing.assert_allclose(ours, _log_space_values(labels, logits), rtol=1e-12)


def test_chunks_of_the_batch_give_the_same_values(rng, monkeypatch):
    from lossbook import sequence

    labels = rng.integers(0, 4, size=(9, 3))
    labels[labels == 0] = 1
    labels[::3, 1:] = 0
    logits = rng.normal(size=(9, 7, 4))
    whole = lb.ctc(labels, logits, reduction="none")
    monkeypatch.setattr(sequence, "_CHUNK_ELEMENTS", 7 * (4 * 3 + 7 + 4) * 2)  # two sequences a chunk
    # (each chunk shifts its logits by its own maximum: equal up to rounding)
    np.testing.assert_allclose(lb.ctc(labels, logits, reduction="none"), whole, rtol=1e-13)

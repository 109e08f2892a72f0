"""Seeded random inputs for the Keras parity tests of the losses added for full Keras coverage (issue #11).

``tests/test_frameworks.py`` runs every registry entry through
:func:`lossbook.frameworks.compare` on these inputs (lossbook, the Keras class,
the Keras function, PyTorch, all three reductions, float32 and float64); the topic test
modules (``tests/test_<module>.py``) use them for their own Keras checks.
:func:`cases` yields ``(case name, y_true, y_pred, options)``; the first case
of every loss gives one value per sample, so that ``reduction="none"`` has the
batch shape. :func:`multi_input_cases` yields ``(case name, inputs, options)``
for the entries Keras lacks, whose inputs are not ``(y_true, y_pred)``.
"""

from __future__ import annotations

import numpy as np


def _one_hot(rng, batch, n_classes):
    labels = rng.integers(0, n_classes, size=batch)
    return np.eye(n_classes)[labels], labels


def _binary(rng, full):
    return (rng.random(full) < 0.4).astype(np.float64)


def _unit_rows(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def cases(name, rng, batch, n_classes):
    """Inputs of the batch shape ``batch`` with ``n_classes`` columns (classes, features or time steps)."""
    full = (*batch, n_classes)
    n = int(np.prod(batch))
    if name == "binary_focal_crossentropy":
        yield "probabilities", _binary(rng, full), rng.uniform(0.01, 0.99, full), {}
        yield (
            "logits-balanced-smoothed",
            _binary(rng, full),
            3 * rng.normal(size=full),
            {"from_logits": True, "apply_class_balancing": True, "alpha": 0.6, "label_smoothing": 0.1},
        )
        yield "soft-targets-gamma-0.5", rng.random(full), rng.uniform(0.01, 0.99, full), {"gamma": 0.5}
    elif name == "categorical_focal_crossentropy":
        one_hot, _ = _one_hot(rng, batch, n_classes)
        yield "probabilities", one_hot, rng.dirichlet(np.ones(n_classes), size=batch), {}
        # Logits of moderate size: where softmax(z) < 1e-7 Keras clips it, lossbook does
        # not (tests/test_classification.py shows that difference).
        yield (
            "logits-smoothed",
            one_hot,
            1.5 * rng.normal(size=full),
            {"from_logits": True, "label_smoothing": 0.2, "gamma": 1.5, "alpha": 0.5},
        )
    elif name == "categorical_generalized_cross_entropy":
        _, labels = _one_hot(rng, batch, n_classes)
        probs = rng.dirichlet(np.ones(n_classes), size=batch)
        yield "q=0.5", labels, probs, {"q": 0.5}
        yield "q=0.9", labels, probs, {"q": 0.9}
    elif name == "mean_absolute_percentage_error":
        sign = rng.choice([-1.0, 1.0], size=full)
        yield "nonzero-targets", sign * rng.uniform(0.5, 3.0, full), rng.normal(size=full), {}
    elif name == "mean_squared_logarithmic_error":
        yield "non-negative", rng.uniform(0, 5, full), rng.uniform(0, 5, full), {}
    elif name == "poisson":
        yield "counts", rng.poisson(2.0, full).astype(np.float64), rng.uniform(0.05, 4, full), {}
    elif name == "cosine_similarity":
        yield "vectors", rng.normal(size=full), rng.normal(size=full), {}
        if len(batch) == 2:
            yield "axis=1", rng.normal(size=full), rng.normal(size=full), {"axis": 1}
    elif name == "dice" or name == "tversky":
        options = {"alpha": 0.7, "beta": 0.3} if name == "tversky" else {}
        yield "per-sample", _binary(rng, full), rng.random(full), {**options, "axis": -1}
        yield "whole-batch", _binary(rng, full), rng.random(full), options
    elif name == "circle":
        # Every sample has a positive (labels in pairs), so no sample's loss is 0: Keras' Circle
        # class leaves zero losses out of its mean, its functional form plus a batch mean does
        # not (tests/test_representation.py tests that difference).
        labels = rng.permutation(np.minimum(np.arange(n) // 2, max((n - 2) // 2, 0)))
        yield "embeddings", labels, _unit_rows(rng.normal(size=(n, n_classes + 2))), {}
        yield "margin-gamma", labels, _unit_rows(rng.normal(size=(n, n_classes + 2))), {"gamma": 16.0, "margin": 0.25}
    elif name == "ctc":
        max_length, steps, n_symbols = 3, 2 * 3 + 2, n_classes + 1
        lengths = rng.integers(0, max_length + 1, size=n)
        labels = rng.integers(1, n_symbols, size=(n, max_length))
        labels[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
        yield "logits", labels, 2 * rng.normal(size=(n, steps, n_symbols)), {}
    else:  # a new registry entry must come with inputs here
        raise AssertionError(f"no test inputs for {name}")


def multi_input_cases(name, rng, batch, n_classes):
    """Inputs of the registry entries that take other arrays than ``(y_true, y_pred)``.

    Yields ``(case name, inputs, options)``, ``inputs`` in the order of
    ``lossbook.frameworks.LOSSES[name].inputs``. ``batch`` and ``n_classes``
    set the sizes: ``prod(batch)`` samples (anchors, or examples with two views
    each), ``n_classes`` outputs, features or extra candidates.
    """
    n = int(np.prod(batch))
    if name == "gaussian_nll":
        full = (*batch, n_classes)
        y, mu = rng.normal(size=(2, *full))
        for var_name, var in [
            ("heteroscedastic", rng.uniform(0.05, 3, full)),
            ("homoscedastic", rng.uniform(0.05, 3, (*batch, 1))),
            ("below-eps", rng.uniform(1e-9, 3e-6, full)),  # clamped at eps by both
        ]:
            for options in ({}, {"full": True}, {"eps": 1e-3}):
                yield f"{var_name} {options}", (y, mu, var), options
    elif name == "triplet_margin_loss":
        anchor, positive, negative = rng.normal(size=(3, n, n_classes))
        for options in ({}, {"margin": 0.3, "p": 1.0}, {"p": 3.0, "swap": True}, {"margin": 2.0, "eps": 0.0}):
            yield f"{options}", (anchor, positive, negative), options
    elif name == "info_nce":
        for m in (n, n + n_classes):  # square (CLIP-like) and with extra negatives
            similarity = rng.uniform(-1, 1, (n, m))
            for temperature in (1.0, 0.1, 0.05):
                yield f"{n}x{m} tau={temperature}", (similarity,), {"temperature": temperature}
    elif name == "nt_xent":
        similarity = rng.uniform(-1, 1, (2 * n, 2 * n))
        for temperature in (0.5, 0.1):
            yield f"{2 * n} tau={temperature}", (similarity,), {"temperature": temperature}
    else:  # a new registry entry must come with inputs here
        raise AssertionError(f"no test inputs for {name}")


#: Tolerances wider than test_frameworks's defaults, with the measured reason.
TOLERANCES = {
    # TensorFlow's CTC kernel works in float32 even for float64 inputs: measured
    # relative differences up to 1.1e-7 per sequence (lossbook is checked against
    # a brute-force sum over all alignments in tests/test_sequence.py).
    ("ctc", "float64"): dict(rtol=1e-6, atol=1e-6),
    ("ctc", "float32"): dict(rtol=2e-6, atol=2e-6),
    # The triplet loss is d(a, p) - d(a, n) + margin: where the two distances
    # nearly cancel, their float32 rounding (PyTorch sums in another order) is
    # absolute, not relative: 7.6e-6 at most on these inputs (seed 0); every
    # case stays below 0.3 of this tolerance for seeds 0-5.
    ("triplet_margin_loss", "float32"): dict(rtol=1e-6, atol=2e-5),
    ("triplet_margin_loss", "float64"): dict(rtol=1e-12, atol=1e-12),
}

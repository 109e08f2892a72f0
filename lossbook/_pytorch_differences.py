"""The differences between PyTorch and Keras that bite, each demonstrated by executed code.

Public through :mod:`lossbook.frameworks` (``frameworks.pytorch_differences()``,
``frameworks.Difference``); kept apart from the comparison tables so each file
holds one idea. PyTorch and TensorFlow are imported on the first call, through
:func:`lossbook.frameworks.torch_module` and
:func:`lossbook.frameworks.tensorflow_modules`.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass

import numpy as np

from ._validation import fail
from .activations import sigmoid

__all__ = ["Difference", "pytorch_differences"]


# --------------------------------------------------------------------------
# The differences that bite, each computed
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One way PyTorch and Keras differ, demonstrated on one input.

    Attributes
    ----------
    key : str
        Short name, e.g. ``"kl_div_mean"``.
    title : str
        The difference in one sentence.
    pytorch, other : str
        The calls that were executed, as a reader would write them: PyTorch's,
        and Keras' (or, where Keras has no such loss, the reference it is
        measured against, named by ``other_name``).
    pytorch_value, other_value : float
        What they returned (``nan`` where a call raised; see ``note``).
    note : str
        Why the values differ (or agree), with the exact relation.
    other_name : str
        ``"Keras"``, or what ``other`` is when Keras has no such loss.
    """

    key: str
    title: str
    pytorch: str
    pytorch_value: float
    other: str
    other_value: float
    note: str
    other_name: str = "Keras"

    def __str__(self):
        return (
            f"{self.title}\n  PyTorch: {self.pytorch} = {self.pytorch_value:.7g}\n"
            f"  {self.other_name + ':':8} {self.other} = {self.other_value:.7g}\n  {self.note}"
        )

    def _repr_html_(self):
        esc = html.escape
        return (
            '<table class="lossbook-comparison">'
            f"<caption>{esc(self.title)}</caption>"
            '<thead><tr><th scope="col">Framework</th><th scope="col">Call</th><th scope="col">Value</th></tr></thead>'
            f'<tbody><tr><th scope="row">PyTorch</th><td><code>{esc(self.pytorch)}</code></td>'
            f'<td style="text-align:right">{self.pytorch_value:.7g}</td></tr>'
            f'<tr><th scope="row">{esc(self.other_name)}</th><td><code>{esc(self.other)}</code></td>'
            f'<td style="text-align:right">{self.other_value:.7g}</td></tr></tbody></table>'
            f"<p>{esc(self.note)}</p>"
        )


def _differences(torch, keras, dtype):
    """Yield the :class:`Difference` records; every value below is computed here."""
    T = torch.tensor
    tdt = getattr(torch, dtype)

    def t(x):
        return T(np.asarray(x, dtype=dtype), dtype=tdt)

    def k(loss, y_true, y_pred):
        return float(loss(np.asarray(y_true), np.asarray(y_pred, dtype=dtype)))

    y, p = [1.0, 0.0, 1.0], [0.9, 0.2, 0.6]
    yield Difference(
        "argument_order",
        "PyTorch puts the prediction first: loss(input, target).",
        "nn.BCELoss()(y_true, y_pred)  # arguments in Keras' order",
        float(torch.nn.BCELoss()(t(y), t(p))),
        "keras.losses.BinaryCrossentropy()(y_true, y_pred)",
        k(keras.losses.BinaryCrossentropy(dtype=dtype), y, p),
        "Swapped arguments raise no error: BCELoss takes log(0) = -inf, clamps it at -100, and returns "
        "a large number. nn.BCELoss()(y_pred, y_true) gives Keras' value "
        f"({float(torch.nn.BCELoss()(t(p), t(y))):.7g}).",
    )

    labels, probs = [0, 2], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]
    yield Difference(
        "cross_entropy_takes_logits",
        "nn.CrossEntropyLoss takes logits and integer labels by default; probabilities are taken as logits.",
        "nn.CrossEntropyLoss()(probs, labels)",
        float(torch.nn.CrossEntropyLoss()(t(probs), T(labels))),
        "keras.losses.SparseCategoricalCrossentropy()(labels, probs)",
        k(keras.losses.SparseCategoricalCrossentropy(dtype=dtype), labels, probs),
        "PyTorch softmaxes the probabilities again; pass logits, or use nn.NLLLoss()(probs.log(), labels) "
        f"= {float(torch.nn.NLLLoss()(t(probs).log(), T(labels))):.7g}.",
    )

    logits, one_hot = [[2.0, 1.0, -1.0], [0.5, 0.0, 3.0]], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    pt = float(torch.nn.CrossEntropyLoss(label_smoothing=0.1)(t(logits), T(labels)))
    ks = k(keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, dtype=dtype), one_hot, logits)
    plain = k(keras.losses.CategoricalCrossentropy(from_logits=True, dtype=dtype), one_hot, logits)
    yield Difference(
        "label_smoothing",
        "label_smoothing: PyTorch smooths integer labels; Keras only one-hot targets "
        "(SparseCategoricalCrossentropy has no label_smoothing).",
        "nn.CrossEntropyLoss(label_smoothing=0.1)(logits, labels)",
        pt,
        "keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(one_hot, logits)",
        ks,
        f"The same smoothed targets (1 - 0.1) y + 0.1 / C give the same value; without smoothing it is {plain:.7g}. "
        "With integer labels Keras needs the one-hot form.",
    )

    ignored = [0, -100]
    pt = float(torch.nn.CrossEntropyLoss()(t(logits), T(ignored)))
    try:
        kv = k(keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype), ignored, logits)
    except Exception as exc:  # noqa: BLE001 - Keras refuses the label -100 on CPU, with whichever error its backend raises
        kv, why = float("nan"), f"Keras raises {type(exc).__name__}"
    else:
        why = "Keras returns a number for it"
    kept = k(
        keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-100, dtype=dtype), ignored, logits
    )
    yield Difference(
        "ignore_index",
        "ignore_index: nn.CrossEntropyLoss skips the label -100 by default and averages over the rest.",
        "nn.CrossEntropyLoss()(logits, [0, -100])",
        pt,
        "keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)",
        kv,
        f"{why} for -100 unless told: SparseCategoricalCrossentropy(ignore_class=-100) gives {kept:.7g}, "
        "the loss of the first sample alone, as PyTorch does.",
    )

    yt, yp = [[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]], [[0.5, 1.0, 4.0], [1.0, 0.0, 1.0]]
    yield Difference(
        "reduction_names",
        "Reduction names: PyTorch 'mean'/'sum'/'none' act on every element; Keras 'sum_over_batch_size'/'sum'/None "
        "act on per-sample means.",
        "nn.MSELoss(reduction='sum')(y_pred, y_true)",
        float(torch.nn.MSELoss(reduction="sum")(t(yp), t(yt))),
        "keras.losses.MeanSquaredError(reduction='sum')(y_true, y_pred)",
        k(keras.losses.MeanSquaredError(reduction="sum", dtype=dtype), yt, yp),
        "PyTorch's 'sum' adds the squares of all 6 elements; Keras' adds the 2 per-sample means: "
        "the ratio is the number of columns, 3. The 'mean' reductions agree.",
    )

    q, pp = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], [[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]
    batchmean = float(torch.nn.KLDivLoss(reduction="batchmean")(t(q).log(), t(pp)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kl_mean = float(torch.nn.KLDivLoss()(t(q).log(), t(pp)))
    warned = any("batchmean" in str(w.message) for w in caught)
    yield Difference(
        "kl_div_mean",
        "nn.KLDivLoss takes log-probabilities first, and its default 'mean' is not 'batchmean'.",
        "nn.KLDivLoss()(q.log(), p)",
        kl_mean,
        "keras.losses.KLDivergence()(p, q)",
        k(keras.losses.KLDivergence(dtype=dtype), pp, q),
        ("PyTorch warns (UserWarning) and " if warned else "PyTorch ")
        + f"'mean' divides the sum by all 6 elements, {kl_mean / batchmean:.3g} of the KL divergence here; "
        f"nn.KLDivLoss(reduction='batchmean')(q.log(), p) = {batchmean:.7g} is Keras' value. "
        f"Passing q instead of q.log() gives {float(torch.nn.KLDivLoss(reduction='batchmean')(t(q), t(pp))):.7g}.",
    )

    yt, yp = [[0.0, 0.0]], [[0.5, 3.0]]
    huber = float(torch.nn.HuberLoss(delta=2.0)(t(yp), t(yt)))
    yield Difference(
        "smooth_l1_vs_huber",
        "SmoothL1Loss(beta) is not HuberLoss(delta): it is HuberLoss(delta=beta) / beta.",
        "nn.SmoothL1Loss(beta=2.0)(y_pred, y_true)",
        float(torch.nn.SmoothL1Loss(beta=2.0)(t(yp), t(yt))),
        "keras.losses.Huber(delta=2.0)(y_true, y_pred)",
        k(keras.losses.Huber(delta=2.0, dtype=dtype), yt, yp),
        f"nn.HuberLoss(delta=2.0) gives Keras' value, {huber:.7g}; SmoothL1Loss divides it by beta = 2 "
        "(the two agree only at 1).",
    )

    yield Difference(
        "bce_log_clamp",
        "nn.BCELoss clamps each log at -100; Keras clips probabilities to [1e-7, 1 - 1e-7].",
        "nn.BCELoss()(torch.tensor([0.0]), torch.tensor([1.0]))",
        float(torch.nn.BCELoss()(t([0.0]), t([1.0]))),
        "keras.losses.BinaryCrossentropy()([1.0], [0.0])",
        k(keras.losses.BinaryCrossentropy(dtype=dtype), [1.0], [0.0]),
        f"A confident wrong answer (p = 0 for y = 1) costs 100 in PyTorch and -ln(1e-7) = {-np.log(1e-7):.5g} in "
        "Keras (and in lossbook).",
    )

    z, yb = [[1.5, -0.5, 0.0]], [[1.0, 0.0, 1.0]]
    zs, ybs = np.asarray(z, dtype=dtype), np.asarray(yb, dtype=dtype)
    by_hand = float(np.mean(-(3.0 * ybs * np.log(sigmoid(zs)) + (1 - ybs) * np.log(sigmoid(-zs)))))
    yield Difference(
        "pos_weight",
        "nn.BCEWithLogitsLoss(pos_weight=w) multiplies the positive term by w; "
        "Keras' BinaryCrossentropy has no such option.",
        "nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))(z, y)",
        float(torch.nn.BCEWithLogitsLoss(pos_weight=T(3.0, dtype=tdt))(t(z), t(yb))),
        "keras.losses.BinaryCrossentropy(from_logits=True)(y, z)",
        k(keras.losses.BinaryCrossentropy(from_logits=True, dtype=dtype), yb, z),
        f"-mean(3 y log sigmoid(z) + (1 - y) log sigmoid(-z)) = {by_hand:.7g} by hand; Keras' value is unweighted "
        "(weight positives with sample_weight or class weights there).",
    )

    target, column = [1.0, 2.0, 3.0], [[1.0], [2.0], [3.0]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        broadcast = float(torch.nn.MSELoss()(t(column), t(target)))
    warned = any("broadcast" in str(w.message) for w in caught)
    yield Difference(
        "mse_broadcast",
        "nn.MSELoss warns, then broadcasts a (N, 1) prediction against an (N,) target.",
        "nn.MSELoss()(y_pred of shape (3, 1), y_true of shape (3,))",
        broadcast,
        "keras.losses.MeanSquaredError()(y_true, y_pred)",
        k(keras.losses.MeanSquaredError(dtype=dtype), target, column),
        ("PyTorch warned (UserWarning) and " if warned else "PyTorch did not warn and ")
        + f"averaged a 3 x 3 table of differences: a perfect prediction costs {broadcast:.5g}. Keras squeezes the "
        "extra axis and returns 0; lossbook refuses the shapes.",
    )

    mu, x, var = t([0.0, 0.0]), t([1.0, 0.5]), t([1.0, 1e-8])
    no_const = float(torch.nn.GaussianNLLLoss()(mu, x, var))
    full = float(torch.nn.GaussianNLLLoss(full=True)(mu, x, var))
    m, xs, v = (np.asarray(a, dtype=dtype) for a in ([0.0, 0.0], [1.0, 0.5], [1.0, 1e-8]))
    formula = float(np.mean(0.5 * (np.log(2 * np.pi) + np.log(v) + (xs - m) ** 2 / v)))
    yield Difference(
        "gaussian_nll",
        "nn.GaussianNLLLoss(full=False, eps=1e-6) drops the constant 0.5 ln(2 pi) and clamps the variance at eps; "
        "Keras has no Gaussian NLL loss.",
        "nn.GaussianNLLLoss()(mean, target, var)  # var = [1, 1e-8]",
        no_const,
        "np.mean(0.5 * (np.log(2 * np.pi) + np.log(var) + (target - mean) ** 2 / var))",
        formula,
        f"The negative log-likelihood itself is {formula:.7g}. nn.GaussianNLLLoss(full=True) adds 0.5 ln(2 pi) "
        f"= {0.5 * np.log(2 * np.pi):.7g} and gives {full:.7g}: the variance 1e-8 was used as eps = 1e-6, "
        "which bounds the loss of a near-certain prediction.",
        other_name="NumPy",
    )

    counts, rates = [[2.0, 1.0]], [[0.0, 1.0]]
    keras_eps = float(torch.nn.PoissonNLLLoss(log_input=False, eps=1e-7)(t(rates), t(counts)))
    log_input = float(torch.nn.PoissonNLLLoss()(t(rates), t(counts)))
    yield Difference(
        "poisson_eps",
        "nn.PoissonNLLLoss takes log-rates by default, and with log_input=False adds eps = 1e-8 "
        "where Keras' Poisson adds 1e-7.",
        "nn.PoissonNLLLoss(log_input=False)(rate, y)  # a zero rate where y = 2",
        float(torch.nn.PoissonNLLLoss(log_input=False)(t(rates), t(counts))),
        "keras.losses.Poisson()(y, rate)",
        k(keras.losses.Poisson(dtype=dtype), counts, rates),
        "Both compute rate - y log(rate + eps) per element; a zero rate costs -y ln(1e-8) = 18.42 y in PyTorch, "
        "-y ln(1e-7) = 16.12 y in Keras: y ln(10) more, divided here by the 2 elements. "
        f"nn.PoissonNLLLoss(log_input=False, eps=1e-7) gives Keras' value ({keras_eps:.7g}); "
        f"the default log_input=True reads the rates as log-rates, exp(rate) - y rate: {log_input:.7g}.",
    )

    v_true, v_pred = [[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 2.0]]
    a, b = t(v_pred), t(v_true)
    cos = torch.nn.functional.cosine_similarity(a, b, dim=-1)
    yield Difference(
        "cosine_sign",
        "Keras' CosineSimilarity loss is -cos; nn.CosineEmbeddingLoss with target 1 is 1 - cos.",
        "nn.CosineEmbeddingLoss()(y_pred, y_true, torch.ones(2))",
        float(torch.nn.CosineEmbeddingLoss()(a, b, torch.ones(2, dtype=tdt))),
        "keras.losses.CosineSimilarity()(y_true, y_pred)",
        k(keras.losses.CosineSimilarity(dtype=dtype), v_true, v_pred),
        "The two differ by exactly 1 (the gradients are the same): a perfect prediction scores -1 in Keras and 0 "
        f"in PyTorch. nn.functional.cosine_similarity(y_pred, y_true) returns cos itself, mean {float(cos.mean()):.7g}; "
        "negate it for Keras' value.",
    )

    seq_labels = [[1, 2], [1, 0]]  # lengths 2 and 1; 0 is the blank and the padding
    seq_logits = np.array(
        [[[0.5, 1.0, -1.0], [0.0, 2.0, 0.0], [1.0, -0.5, 1.5], [0.2, 0.0, 1.0]]] * 2, dtype=dtype
    )  # (N, T, C) = (2, 4, 3)
    log_probs = torch.log_softmax(t(seq_logits), dim=-1).transpose(0, 1)
    ctc_args = (log_probs, T(seq_labels), T([4, 4]), T([2, 1]))
    per_sequence = torch.nn.CTCLoss(reduction="none")(*ctc_args)
    yield Difference(
        "ctc_mean",
        "nn.CTCLoss takes (T, N, C) log-probabilities, and its 'mean' divides each loss by its target length.",
        "nn.CTCLoss()(log_softmax(logits).transpose(0, 1), labels, [4, 4], [2, 1])",
        float(torch.nn.CTCLoss()(*ctc_args)),
        "keras.losses.CTC()(labels, logits)",
        k(keras.losses.CTC(dtype=dtype), seq_labels, seq_logits),
        "Both use class 0 as the blank (Keras' mask_index = 0, CTCLoss's default blank=0). The per-sequence losses "
        f"agree ({', '.join(f'{v:.7g}' for v in per_sequence.tolist())}); PyTorch divides them by the target "
        f"lengths 2 and 1 before averaging, Keras averages them as they are: nn.CTCLoss(reduction='none')(...).mean() "
        f"= {float(per_sequence.mean()):.7g} is Keras' value.",
    )


def pytorch_differences(dtype="float64"):
    """The differences between PyTorch and Keras that bite, each computed on a small input.

    Parameters
    ----------
    dtype : {"float32", "float64"}, default "float64"
        Precision of every input.

    Returns
    -------
    dict of str to Difference
        Keyed by :attr:`Difference.key`, in this order: ``argument_order``,
        ``cross_entropy_takes_logits``, ``label_smoothing``, ``ignore_index``,
        ``reduction_names``, ``kl_div_mean``, ``smooth_l1_vs_huber``,
        ``bce_log_clamp``, ``pos_weight``, ``mse_broadcast``, ``gaussian_nll``,
        ``poisson_eps``, ``cosine_sign``, ``ctc_mean``.
        Each prints as a short text and renders as a table in Jupyter.

    Examples
    --------
    >>> from lossbook import frameworks
    >>> d = frameworks.pytorch_differences()["bce_log_clamp"]
    >>> round(d.pytorch_value, 3), round(d.other_value, 3)
    (100.0, 16.118)
    """
    if str(dtype) not in ("float32", "float64"):
        fail("dtype", "be 'float32' or 'float64'", f"dtype={dtype!r}")
    from .frameworks import tensorflow_modules, torch_module

    torch = torch_module()
    _, keras = tensorflow_modules()
    return {d.key: d for d in _differences(torch, keras, np.dtype(dtype).name)}

"""Put lossbook's numbers next to TensorFlow's and PyTorch's: the comparison cells of every chapter.

:func:`compare` computes one loss on the same inputs (``y_true, y_pred`` for
most; ``y_true, y_pred, var`` for :func:`lossbook.gaussian_nll`,
``anchor, positive, negative`` for :func:`lossbook.triplet_margin_loss`, a
similarity matrix for :func:`lossbook.info_nce` and :func:`lossbook.nt_xent`:
see :attr:`LossSpec.inputs`), in the same dtype, with

* lossbook (the reference row),
* the Keras loss class, e.g. ``keras.losses.CategoricalCrossentropy(from_logits=...)``
  with the reduction asked for (Keras' default ``"sum_over_batch_size"`` for
  ``reduction="mean"``),
* the Keras functional form, e.g. ``keras.losses.categorical_crossentropy``, whose
  per-sample values are then reduced over the batch,
* the ``tf.nn`` op where one exists (``tf.nn.softmax_cross_entropy_with_logits``,
  ``tf.nn.sparse_softmax_cross_entropy_with_logits``,
  ``tf.nn.sigmoid_cross_entropy_with_logits``, only with ``from_logits=True``;
  ``tf.nn.l2_loss(y_pred - y_true)`` for :func:`lossbook.sum_squared_error`;
  ``tf.nn.sparse_softmax_cross_entropy_with_logits`` of the similarity matrix
  over the temperature for InfoNCE and NT-Xent),
* the PyTorch loss where one exists, e.g. ``torch.nn.CrossEntropyLoss()(y_pred, y_true)``,
  called the way a PyTorch user would call it, with the arguments converted
  (prediction first, log-probabilities where PyTorch wants them, integer labels
  as ``int64``, class axis moved to position 1, PyTorch's reduction names); the
  row's name spells the call out,

and returns a :class:`Comparison`: one table of implementation, value, absolute
and relative difference from lossbook, and dtype of the result.

TensorFlow and PyTorch are imported lazily, on the first comparison that needs
them (see :func:`tensorflow_modules` and :func:`torch_module`), so
``import lossbook`` and ``from lossbook import frameworks`` stay fast and work
without either. :func:`pytorch_differences` demonstrates, with executed code,
where PyTorch and Keras differ in ways that bite.

Where lossbook refuses an input that Keras accepts (rows of "probabilities"
that do not sum to 1, which Keras silently renormalizes), the lossbook row
reads ``refused: <message>`` and the frameworks' numbers are still shown; pass
``errors="raise"`` to get the exception instead.

Adding a loss is one entry in :data:`LOSSES`: its Keras names, or the reason
Keras has none (``keras_missing=``), and its PyTorch loss (``torch=``), or the
reason PyTorch has none (``torch_missing=``). :func:`registry_coverage` lists
every entry with its counterparts; the API page's coverage tables are
generated from it and from :func:`keras_coverage`.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from . import classification, information, probabilistic, regression, representation, segmentation, sequence
from ._pytorch_differences import Difference, pytorch_differences
from ._validation import _describe, check_reduction, fail, reduce

__all__ = [
    "LOSSES",
    "LossSpec",
    "TfOp",
    "TorchLoss",
    "Row",
    "Comparison",
    "FRAMEWORKS",
    "compare",
    "tensorflow_modules",
    "torch_module",
    "Difference",
    "pytorch_differences",
    "PARITY_TESTS",
    "keras_loss_classes",
    "keras_coverage",
    "registry_coverage",
]


# --------------------------------------------------------------------------
# TensorFlow, imported once, quietly
# --------------------------------------------------------------------------

_MODULES: tuple[Any, Any] | None = None


@contextlib.contextmanager
def _quiet_stderr():
    """Send file descriptor 2 and ``sys.stderr`` to a temporary file for a while.

    TensorFlow's C++ start-up messages (absl's "All log messages before
    absl::InitializeLog() is called are written to STDERR" and the oneDNN
    notice) are written to file descriptor 2 before ``TF_CPP_MIN_LOG_LEVEL``
    can filter them, and ipykernel forwards that descriptor into notebook
    output. If the block raises, what was captured is attached to the
    exception as a note, so a failed import still explains itself.
    """
    captured = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in the finally below, after the fd is restored
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved_fd = os.dup(2)
    except OSError:  # no file descriptor 2 (some embedded interpreters)
        saved_fd = None
    if saved_fd is not None:
        os.dup2(captured.fileno(), 2)
    python_err = io.StringIO()
    try:
        with contextlib.redirect_stderr(python_err):
            yield
    except BaseException as exc:
        if saved_fd is not None:
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace") + python_err.getvalue()
            if text.strip() and hasattr(exc, "add_note"):
                exc.add_note("stderr while importing TensorFlow:\n" + text.strip())
        raise
    finally:
        if saved_fd is not None:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
        captured.close()


def tensorflow_modules():
    """Import TensorFlow and Keras once, without start-up log lines, and return them.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set) before the first
    import, silences the C++ messages TensorFlow prints to standard error while
    it loads, ignores Python warnings raised inside TensorFlow's own import,
    and sets the ``tensorflow`` and ``absl`` Python loggers to ``ERROR``.

    Returns
    -------
    (module, module)
        ``tensorflow`` and ``keras``.

    Examples
    --------
    >>> from lossbook import frameworks
    >>> tf, keras = frameworks.tensorflow_modules()
    >>> float(tf.reduce_sum(tf.constant([1.0, 2.0])))
    3.0
    """
    global _MODULES
    if _MODULES is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with _quiet_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keras
            import tensorflow as tf
        tf.get_logger().setLevel(logging.ERROR)
        logging.getLogger("absl").setLevel(logging.ERROR)
        try:
            from absl import logging as absl_logging

            absl_logging.set_verbosity(absl_logging.ERROR)
        except ImportError:  # absl is a TensorFlow dependency; be safe anyway
            pass
        tf.autograph.set_verbosity(0)
        _MODULES = (tf, keras)
    return _MODULES


# --------------------------------------------------------------------------
# PyTorch, imported once
# --------------------------------------------------------------------------

_TORCH: Any = None


def torch_module():
    """Import PyTorch once, ignoring warnings raised inside its own import, and return it.

    Returns
    -------
    module
        ``torch``.

    Examples
    --------
    >>> from lossbook import frameworks
    >>> torch = frameworks.torch_module()
    >>> float(torch.nn.MSELoss()(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])))
    2.0
    """
    global _TORCH
    if _TORCH is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torch
        _TORCH = torch
    return _TORCH


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TfOp:
    """A ``tf.nn`` op that computes the loss, and when it applies.

    ``per_sample(tf, *inputs, options)`` receives the loss's inputs as tensors
    (in the order of :attr:`LossSpec.inputs`) and its options, and returns
    per-sample values (or, with ``reduces=False``, the total); ``when`` lists
    the options it requires, e.g. ``{"from_logits": True}``.
    """

    name: str
    per_sample: Callable[[Any, Any, Any], Any]
    when: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TorchLoss:
    """The PyTorch loss for one lossbook loss, and how to call it.

    ``call(torch, *inputs, reduction, options)`` receives the loss's inputs as
    tensors in lossbook's order (:attr:`LossSpec.inputs`, Keras' ``y_true,
    y_pred`` for most; labels as given, values in the comparison's dtype), the
    lossbook reduction (None for losses without one) and the loss options, and
    returns ``(label, value)``: the call a PyTorch user would write, spelled
    out (``"torch.nn.KLDivLoss(reduction='batchmean')(log(y_pred), y_true)"``),
    and its result, with per-sample shape when ``reduction="none"``.

    Attributes
    ----------
    name : str
        The PyTorch class, e.g. ``"torch.nn.CrossEntropyLoss"``.
    call : callable
        See above.
    conversion : str
        What changes from the Keras call, in one sentence, for the chapters.
    when : mapping
        Options the PyTorch loss requires, e.g. ``{"from_logits": True}``.
    """

    name: str
    call: Callable[..., tuple[str, Any]]
    conversion: str
    when: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LossSpec:
    """How to compute one loss in lossbook, Keras, ``tf.nn`` and PyTorch.

    Attributes
    ----------
    lossbook : callable
        ``lossbook(*inputs, **options, reduction=...)``; called without
        ``reduction`` when ``reduces`` is False.
    lossbook_name : str
        Name shown in the table, e.g. ``"lossbook.categorical_crossentropy"``.
    keras_class, keras_function : str or None
        Names in ``keras.losses`` (both None when Keras has no such loss).
    tf_op : TfOp or None
        The ``tf.nn`` op, if one computes this loss.
    options : mapping
        Options the loss accepts and their defaults, e.g. ``{"from_logits": False}``.
    labels : bool
        Whether the first input is integer class labels (sparse losses, CTC, Circle).
    reduces : bool
        Whether the loss has a batch reduction (False for ``sum_squared_error``).
    torch : TorchLoss or None
        The PyTorch loss, if PyTorch has one that computes this loss.
    inputs : tuple of str
        The names of the arrays the loss takes, in order: ``("y_true", "y_pred")``
        for Keras' losses, ``("y_true", "y_pred", "var")`` for the Gaussian NLL,
        ``("anchor", "positive", "negative")`` for the triplet loss,
        ``("similarity",)`` for InfoNCE and NT-Xent.
    keras_missing, torch_missing : str
        Why Keras (``keras_class is None``) or PyTorch (``torch is None``) has
        no counterpart, and what comes closest; "" when it has one.
    """

    lossbook: Callable[..., Any]
    lossbook_name: str
    keras_class: str | None
    keras_function: str | None
    tf_op: TfOp | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    labels: bool = False
    reduces: bool = True
    torch: TorchLoss | None = None
    inputs: tuple[str, ...] = ("y_true", "y_pred")
    keras_missing: str = ""
    torch_missing: str = ""


def _kl_divergence_batch(y_true, y_pred, *, reduction="mean"):
    # lossbook.kl_divergence returns the exact value per distribution; Keras'
    # KLDivergence reduces those over the batch (after clipping both arguments
    # to [1e-7, 1], which changes the value by about 1e-7 * log(1e-7 / q) per
    # zero entry of y_true).
    return reduce(information.kl_divergence(y_true, y_pred), reduction)


def _torch_elementwise(torch, cls, y_true, y_pred, reduction, kwargs, *, inputs="y_pred, y_true"):
    """An element-wise PyTorch loss (MSELoss, L1Loss, HuberLoss, BCELoss, ...), reduced as Keras reduces.

    PyTorch's ``"mean"`` averages every element, which equals Keras' mean of
    per-sample means (rows have equal length); its ``"none"`` is element-wise,
    so per-sample values are the mean over the last axis, and ``"sum"`` is the
    sum of those (PyTorch's own ``"sum"`` is C times larger: see
    :func:`pytorch_differences`).
    """
    settings = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    if reduction == "mean":
        loss = getattr(torch.nn, cls)(**kwargs)
        return f"torch.nn.{cls}({settings.removeprefix(', ')})({inputs})", loss(y_pred, y_true)
    loss = getattr(torch.nn, cls)(reduction="none", **kwargs)
    per_sample = loss(y_pred, y_true).mean(dim=-1)
    label = f"torch.nn.{cls}(reduction='none'{settings})({inputs}).mean(-1)"
    if reduction == "sum":
        return label + ".sum()", per_sample.sum()
    return label, per_sample


def _torch_mse(torch, t, p, reduction, options):
    return _torch_elementwise(torch, "MSELoss", t, p, reduction, {})


def _torch_mae(torch, t, p, reduction, options):
    return _torch_elementwise(torch, "L1Loss", t, p, reduction, {})


def _torch_huber(torch, t, p, reduction, options):
    return _torch_elementwise(torch, "HuberLoss", t, p, reduction, {"delta": options["delta"]})


def _torch_bce(torch, t, p, reduction, options):
    cls = "BCEWithLogitsLoss" if options["from_logits"] else "BCELoss"
    return _torch_elementwise(torch, cls, t, p, reduction, {})


def _torch_cross_entropy(torch, t, p, reduction, options, *, sparse):
    """CrossEntropyLoss on logits (NLLLoss on log-probabilities for sparse labels and probabilities).

    PyTorch wants the class axis at position 1, so inputs with more than one
    batch axis have their last axis moved there; soft (one-hot or
    probability) targets go to CrossEntropyLoss as they are, integer labels as
    int64.
    """
    x, x_text = (p, "y_pred") if options["from_logits"] else (torch.log(p), "log(y_pred)")
    target, t_text = (t.long(), "y_true.long()") if sparse else (t, "y_true")
    if p.ndim > 2:
        x, x_text = x.movedim(-1, 1), x_text + ".movedim(-1, 1)"
        if not sparse:
            target, t_text = target.movedim(-1, 1), t_text + ".movedim(-1, 1)"
    cls = "NLLLoss" if sparse and not options["from_logits"] else "CrossEntropyLoss"
    settings = "" if reduction == "mean" else f"reduction={reduction!r}"
    loss = getattr(torch.nn, cls)(reduction=reduction)
    return f"torch.nn.{cls}({settings})({x_text}, {t_text})", loss(x, target)


def _torch_kl(torch, t, p, reduction, options):
    """KLDivLoss(log q, p): 'batchmean' for one batch axis, element-wise values summed per distribution otherwise."""
    log_q = torch.log(p)
    if reduction == "mean" and p.ndim == 2:
        return "torch.nn.KLDivLoss(reduction='batchmean')(log(y_pred), y_true)", torch.nn.KLDivLoss(
            reduction="batchmean"
        )(log_q, t)
    if reduction == "sum":
        return "torch.nn.KLDivLoss(reduction='sum')(log(y_pred), y_true)", torch.nn.KLDivLoss(reduction="sum")(log_q, t)
    per_sample = torch.nn.KLDivLoss(reduction="none")(log_q, t).sum(dim=-1)
    label = "torch.nn.KLDivLoss(reduction='none')(log(y_pred), y_true).sum(-1)"
    return (label + ".mean()", per_sample.mean()) if reduction == "mean" else (label, per_sample)


def _torch_sum_squared_error(torch, t, p, reduction, options):
    return "torch.nn.MSELoss(reduction='sum')(y_pred, y_true) / 2", torch.nn.MSELoss(reduction="sum")(p, t) / 2


def _batch(values, reduction, label):
    """Reduce per-sample PyTorch values as lossbook does, and say so in the row's label."""
    if reduction == "mean":
        return label + ".mean()", values.mean()
    if reduction == "sum":
        return label + ".sum()", values.sum()
    return label, values


def _torch_poisson(torch, t, p, reduction, options):
    # eps=1e-7 is Keras' (and lossbook's) epsilon; PyTorch's default is 1e-8 (see tests/test_frameworks.py).
    return _torch_elementwise(torch, "PoissonNLLLoss", t, p, reduction, {"log_input": False, "eps": 1e-7})


def _torch_cosine_similarity(torch, t, p, reduction, options):
    """Keras' loss is -cos; torch.nn.functional.cosine_similarity returns cos (CosineEmbeddingLoss, y=1: 1 - cos)."""
    axis = options["axis"]
    values = -torch.nn.functional.cosine_similarity(p, t, dim=axis)
    return _batch(values, reduction, f"torch.nn.functional.cosine_similarity(y_pred, y_true, dim={axis}).neg()")


def _torch_ctc(torch, t, p, reduction, options):
    """CTCLoss on log-probabilities (T, N, C), blank=0 as in Keras; 'none', then lossbook's batch reduction.

    PyTorch's own reduction='mean' divides each sequence's loss by its target
    length before averaging (see tests/test_frameworks.py); Keras' and
    lossbook's mean does not, so the per-sequence values are reduced here.
    """
    n, steps, _ = p.shape
    targets = t.long()
    target_lengths = (targets != 0).sum(dim=1)
    input_lengths = torch.full((n,), steps, dtype=torch.long)
    log_probs = torch.log_softmax(p, dim=-1).transpose(0, 1)
    values = torch.nn.CTCLoss(blank=0, reduction="none")(log_probs, targets, input_lengths, target_lengths)
    label = (
        "torch.nn.CTCLoss(blank=0, reduction='none')(log_softmax(y_pred).transpose(0, 1), y_true.long(), "
        "[T] * N, (y_true != 0).sum(1))"
    )
    return _batch(values, reduction, label)


def _torch_settings(options, names, reduction):
    """``"margin=1.0, p=2.0, reduction='none'"``: the options a PyTorch loss is built with, for a row's label."""
    settings = [f"{k}={options[k]!r}" for k in names]
    if reduction != "mean":
        settings.append(f"reduction={reduction!r}")
    return ", ".join(settings)


def _torch_gaussian_nll(torch, t, p, var, reduction, options):
    """GaussianNLLLoss(y_pred, y_true, var): element-wise, so 'none' is averaged over the last axis as lossbook does.

    Its 'mean' (over every element) is lossbook's mean of per-sample means; its
    'sum' is K times lossbook's (tests/test_frameworks.py asserts both). A
    variance of shape (..., 1) is broadcast by PyTorch as by lossbook.
    """
    kwargs = {"full": options["full"], "eps": options["eps"]}
    if reduction == "mean":
        label = f"torch.nn.GaussianNLLLoss({_torch_settings(options, kwargs, 'mean')})(y_pred, y_true, var)"
        return label, torch.nn.GaussianNLLLoss(**kwargs)(p, t, var)
    values = torch.nn.GaussianNLLLoss(**kwargs, reduction="none")(p, t, var).mean(dim=-1)
    label = f"torch.nn.GaussianNLLLoss({_torch_settings(options, kwargs, 'none')})(y_pred, y_true, var).mean(-1)"
    return _batch(values, reduction, label)


def _torch_triplet(torch, anchor, positive, negative, reduction, options):
    names = ("margin", "p", "eps", "swap")
    loss = torch.nn.TripletMarginLoss(**{k: options[k] for k in names}, reduction=reduction)
    label = f"torch.nn.TripletMarginLoss({_torch_settings(options, names, reduction)})(anchor, positive, negative)"
    return label, loss(anchor, positive, negative)


def _torch_info_nce(torch, s, reduction, options):
    """InfoNCE is CrossEntropyLoss of similarity / temperature with the positives on the diagonal."""
    tau = options["temperature"]
    loss = torch.nn.CrossEntropyLoss(reduction=reduction)
    label = f"torch.nn.CrossEntropyLoss({_torch_settings({}, (), reduction)})(similarity / {tau!r}, torch.arange(N))"
    return label, loss(s / tau, torch.arange(s.shape[0]))


def _torch_nt_xent(torch, s, reduction, options):
    """NT-Xent is CrossEntropyLoss of similarity / temperature, the diagonal masked to -inf, positive i + N mod 2N."""
    tau = options["temperature"]
    two_n = s.shape[0]
    logits = (s / tau).masked_fill(torch.eye(two_n, dtype=torch.bool), -float("inf"))
    positives = (torch.arange(two_n) + two_n // 2) % two_n
    label = (
        f"torch.nn.CrossEntropyLoss({_torch_settings({}, (), reduction)})"
        f"((similarity / {tau!r}).masked_fill(torch.eye(2N, dtype=bool), -inf), (torch.arange(2N) + N) % 2N)"
    )
    return label, torch.nn.CrossEntropyLoss(reduction=reduction)(logits, positives)


def _tf_info_nce(tf, s, options):
    labels = tf.range(tf.shape(s)[0])
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=s / options["temperature"])


def _tf_nt_xent(tf, s, options):
    two_n = tf.shape(s)[0]
    diagonal = tf.cast(tf.eye(two_n), tf.bool)
    logits = tf.where(diagonal, tf.constant(-np.inf, s.dtype), s / options["temperature"])
    positives = (tf.range(two_n) + two_n // 2) % two_n
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=positives, logits=logits)


_PREDICTION_FIRST = "prediction first: loss(y_pred, y_true)"
_NO_TORCH_FOCAL = (
    "PyTorch core has no focal loss: torchvision.ops.sigmoid_focal_loss (in torchvision, which lossbook does not "
    "install) is the binary one"
)


def _mean_last_axis(tf, values):
    return tf.reduce_mean(values, axis=-1)


#: Every lossbook loss that Keras also has: name -> :class:`LossSpec`.
LOSSES: dict[str, LossSpec] = {
    "binary_crossentropy": LossSpec(
        classification.binary_crossentropy,
        "lossbook.binary_crossentropy",
        "BinaryCrossentropy",
        "binary_crossentropy",
        TfOp(
            "tf.nn.sigmoid_cross_entropy_with_logits (mean over last axis)",
            lambda tf, t, p, options: _mean_last_axis(tf, tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=p)),
            {"from_logits": True},
        ),
        options={"from_logits": False},
        torch=TorchLoss(
            "torch.nn.BCEWithLogitsLoss / torch.nn.BCELoss",
            _torch_bce,
            f"{_PREDICTION_FIRST}; BCEWithLogitsLoss for logits, BCELoss for probabilities "
            "(which clamps each log at -100 instead of clipping probabilities at 1e-7)",
        ),
    ),
    "categorical_crossentropy": LossSpec(
        classification.categorical_crossentropy,
        "lossbook.categorical_crossentropy",
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        TfOp(
            "tf.nn.softmax_cross_entropy_with_logits",
            lambda tf, t, p, options: tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=p),
            {"from_logits": True},
        ),
        options={"from_logits": False},
        torch=TorchLoss(
            "torch.nn.CrossEntropyLoss",
            lambda torch, t, p, reduction, options: _torch_cross_entropy(torch, t, p, reduction, options, sparse=False),
            f"{_PREDICTION_FIRST}; CrossEntropyLoss takes logits and one-hot or probability targets along axis 1; "
            "for probabilities pass log(y_pred), which nothing clips: a zero probability costs inf on the true class "
            "and gives 0 * -inf = nan elsewhere",
        ),
    ),
    "sparse_categorical_crossentropy": LossSpec(
        classification.sparse_categorical_crossentropy,
        "lossbook.sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        TfOp(
            "tf.nn.sparse_softmax_cross_entropy_with_logits",
            lambda tf, t, p, options: tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.cast(t, tf.int64), logits=p
            ),
            {"from_logits": True},
        ),
        options={"from_logits": False},
        labels=True,
        torch=TorchLoss(
            "torch.nn.CrossEntropyLoss / torch.nn.NLLLoss",
            lambda torch, t, p, reduction, options: _torch_cross_entropy(torch, t, p, reduction, options, sparse=True),
            f"{_PREDICTION_FIRST}; CrossEntropyLoss takes logits and int64 labels "
            "(NLLLoss takes log-probabilities); label -100 is ignored by default",
        ),
    ),
    "mean_squared_error": LossSpec(
        regression.mean_squared_error,
        "lossbook.mean_squared_error",
        "MeanSquaredError",
        "mean_squared_error",
        torch=TorchLoss(
            "torch.nn.MSELoss",
            _torch_mse,
            f"{_PREDICTION_FIRST}; 'mean' averages every element; (N,) against (N, 1) warns, then broadcasts",
        ),
    ),
    "mean_absolute_error": LossSpec(
        regression.mean_absolute_error,
        "lossbook.mean_absolute_error",
        "MeanAbsoluteError",
        "mean_absolute_error",
        torch=TorchLoss("torch.nn.L1Loss", _torch_mae, f"{_PREDICTION_FIRST}; 'mean' averages every element"),
    ),
    "huber": LossSpec(
        regression.huber,
        "lossbook.huber",
        "Huber",
        "huber",
        options={"delta": 1.0},
        torch=TorchLoss(
            "torch.nn.HuberLoss",
            _torch_huber,
            f"{_PREDICTION_FIRST}; HuberLoss(delta) is Keras' Huber; "
            "SmoothL1Loss(beta) is HuberLoss(delta=beta) / beta",
        ),
    ),
    "log_cosh": LossSpec(
        regression.log_cosh,
        "lossbook.log_cosh",
        "LogCosh",
        "log_cosh",
        torch_missing="PyTorch has no log-cosh loss",
    ),
    "hinge": LossSpec(
        classification.hinge,
        "lossbook.hinge",
        "Hinge",
        "hinge",
        torch_missing="none of PyTorch's margin losses is Keras' hinge: HingeEmbeddingLoss is x for y = 1 and "
        "max(0, 1 - x) for y = -1",
    ),
    "squared_hinge": LossSpec(
        classification.squared_hinge,
        "lossbook.squared_hinge",
        "SquaredHinge",
        "squared_hinge",
        torch_missing="PyTorch has no squared hinge loss (MultiMarginLoss(p=2) is a multi-class margin loss "
        "over the wrong classes' scores)",
    ),
    "categorical_hinge": LossSpec(
        classification.categorical_hinge,
        "lossbook.categorical_hinge",
        "CategoricalHinge",
        "categorical_hinge",
        torch_missing="MultiMarginLoss sums over the wrong classes and divides by C where categorical_hinge "
        "takes the largest wrong score",
    ),
    "kl_divergence": LossSpec(
        _kl_divergence_batch,
        "lossbook.kl_divergence",
        "KLDivergence",
        "kl_divergence",
        torch=TorchLoss(
            "torch.nn.KLDivLoss",
            _torch_kl,
            "prediction first, as log-probabilities: KLDivLoss(log(y_pred), y_true); "
            "reduction='batchmean' is the mean over the batch, its default 'mean' divides by every element",
        ),
    ),
    # The losses added for full Keras coverage (issue #11); their parity inputs are in tests/parity_inputs.py.
    "binary_focal_crossentropy": LossSpec(
        classification.binary_focal_crossentropy,
        "lossbook.binary_focal_crossentropy",
        "BinaryFocalCrossentropy",
        "binary_focal_crossentropy",
        options={
            "apply_class_balancing": False,
            "alpha": 0.25,
            "gamma": 2.0,
            "from_logits": False,
            "label_smoothing": 0.0,
        },
        torch_missing=_NO_TORCH_FOCAL,
    ),
    "categorical_focal_crossentropy": LossSpec(
        classification.categorical_focal_crossentropy,
        "lossbook.categorical_focal_crossentropy",
        "CategoricalFocalCrossentropy",
        "categorical_focal_crossentropy",
        options={"alpha": 0.25, "gamma": 2.0, "from_logits": False, "label_smoothing": 0.0},
        torch_missing="PyTorch core has no focal loss (and torchvision has no categorical one)",
    ),
    "categorical_generalized_cross_entropy": LossSpec(
        classification.categorical_generalized_cross_entropy,
        "lossbook.categorical_generalized_cross_entropy",
        "CategoricalGeneralizedCrossEntropy",
        "categorical_generalized_cross_entropy",
        options={"q": 0.5},
        labels=True,
        torch_missing="PyTorch has no generalized cross-entropy loss",
    ),
    "mean_absolute_percentage_error": LossSpec(
        regression.mean_absolute_percentage_error,
        "lossbook.mean_absolute_percentage_error",
        "MeanAbsolutePercentageError",
        "mean_absolute_percentage_error",
        torch_missing="PyTorch has no percentage-error loss",
    ),
    "mean_squared_logarithmic_error": LossSpec(
        regression.mean_squared_logarithmic_error,
        "lossbook.mean_squared_logarithmic_error",
        "MeanSquaredLogarithmicError",
        "mean_squared_logarithmic_error",
        torch_missing="PyTorch has no MSLE loss (MSELoss of log1p of both arguments comes close, "
        "without Keras' clipping at epsilon)",
    ),
    "poisson": LossSpec(
        probabilistic.poisson,
        "lossbook.poisson",
        "Poisson",
        "poisson",
        torch=TorchLoss(
            "torch.nn.PoissonNLLLoss",
            _torch_poisson,
            f"{_PREDICTION_FIRST}; log_input=False for rates (its default takes log-rates); "
            "eps=1e-7 is Keras' epsilon, PyTorch's default eps=1e-8 changes y * log(y_pred + eps)",
        ),
    ),
    "cosine_similarity": LossSpec(
        representation.cosine_similarity,
        "lossbook.cosine_similarity",
        "CosineSimilarity",
        "cosine_similarity",
        options={"axis": -1},
        torch=TorchLoss(
            "torch.nn.functional.cosine_similarity",
            _torch_cosine_similarity,
            "Keras' loss is -cos; PyTorch's cosine_similarity returns cos, so negate it; "
            "CosineEmbeddingLoss with target 1 returns 1 - cos, Keras' value plus 1",
        ),
    ),
    "circle": LossSpec(
        representation.circle,
        "lossbook.circle",
        "Circle",
        "circle",
        options={"gamma": 80.0, "margin": 0.4, "remove_diagonal": True},
        labels=True,
        torch_missing="PyTorch core has no circle loss (pytorch-metric-learning, a separate package, has one)",
    ),
    "dice": LossSpec(
        segmentation.dice,
        "lossbook.dice",
        "Dice",
        "dice",
        options={"axis": None},
        torch_missing="PyTorch core has no Dice loss (MONAI, a separate package, has one)",
    ),
    "tversky": LossSpec(
        segmentation.tversky,
        "lossbook.tversky",
        "Tversky",
        "tversky",
        options={"alpha": 0.5, "beta": 0.5, "axis": None},
        torch_missing="PyTorch core has no Tversky loss (MONAI, a separate package, has one)",
    ),
    "ctc": LossSpec(
        sequence.ctc,
        "lossbook.ctc",
        "CTC",
        "ctc",
        labels=True,
        torch=TorchLoss(
            "torch.nn.CTCLoss",
            _torch_ctc,
            "log-probabilities of shape (T, N, C) (log_softmax, then transpose), blank=0 as in Keras, "
            "input and target lengths passed explicitly; its reduction='mean' divides each loss by its "
            "target length, Keras' mean does not",
        ),
    ),
    "sum_squared_error": LossSpec(
        regression.sum_squared_error,
        "lossbook.sum_squared_error",
        None,
        None,
        TfOp("tf.nn.l2_loss(y_pred - y_true)", lambda tf, t, p, options: tf.nn.l2_loss(p - t)),
        torch=TorchLoss("torch.nn.MSELoss", _torch_sum_squared_error, "MSELoss(reduction='sum') / 2"),
        reduces=False,
        keras_missing="Keras has no sum-of-squares loss; tf.nn.l2_loss(y_pred - y_true) is half of it",
    ),
    # The losses Keras lacks, whose inputs are not (y_true, y_pred) (their parity inputs are in tests/parity_inputs.py).
    "gaussian_nll": LossSpec(
        probabilistic.gaussian_nll,
        "lossbook.gaussian_nll",
        None,
        None,
        options={"full": False, "eps": 1e-6},
        inputs=("y_true", "y_pred", "var"),
        keras_missing="Keras has no loss with a predicted variance",
        torch=TorchLoss(
            "torch.nn.GaussianNLLLoss",
            _torch_gaussian_nll,
            "prediction first, variance third: GaussianNLLLoss(y_pred, y_true, var), the same eps and full; "
            "its 'sum' adds the K outputs of a sample where lossbook averages them; "
            "it clamps a variance of 0 at eps (and refuses a negative one), where lossbook refuses both",
        ),
    ),
    "triplet_margin_loss": LossSpec(
        representation.triplet_margin_loss,
        "lossbook.triplet_margin_loss",
        None,
        None,
        options={"margin": 1.0, "p": 2.0, "eps": 1e-6, "swap": False},
        inputs=("anchor", "positive", "negative"),
        keras_missing="Keras has no triplet loss (TensorFlow Addons' TripletSemiHardLoss mines its triplets "
        "from class labels, a different loss, and Addons is no longer maintained)",
        torch=TorchLoss(
            "torch.nn.TripletMarginLoss",
            _torch_triplet,
            "the same arguments in the same order; like pairwise_distance, both add eps to the differences",
        ),
    ),
    "info_nce": LossSpec(
        representation.info_nce,
        "lossbook.info_nce",
        None,
        None,
        TfOp(
            "tf.nn.sparse_softmax_cross_entropy_with_logits(range(N), similarity / temperature)",
            _tf_info_nce,
        ),
        options={"temperature": 1.0},
        inputs=("similarity",),
        keras_missing="Keras has no InfoNCE class: it is sparse categorical cross-entropy from logits of "
        "similarity / temperature with labels 0, 1, ..., N-1 (the tf.nn row)",
        torch=TorchLoss(
            "torch.nn.CrossEntropyLoss",
            _torch_info_nce,
            "cross-entropy of the logits similarity / temperature with the labels torch.arange(N): "
            "each anchor's positive is on the diagonal",
        ),
    ),
    "nt_xent": LossSpec(
        representation.nt_xent,
        "lossbook.nt_xent",
        None,
        None,
        TfOp(
            "tf.nn.sparse_softmax_cross_entropy_with_logits((range(2N) + N) % 2N, masked similarity / temperature)",
            _tf_nt_xent,
        ),
        options={"temperature": 0.5},
        inputs=("similarity",),
        keras_missing="Keras has no NT-Xent class: it is sparse categorical cross-entropy from logits of "
        "similarity / temperature with the diagonal masked to -inf and labels (i + N) mod 2N (the tf.nn row)",
        torch=TorchLoss(
            "torch.nn.CrossEntropyLoss",
            _torch_nt_xent,
            "cross-entropy of similarity / temperature with the diagonal masked to -inf (masked_fill) "
            "and the positives (torch.arange(2N) + N) % 2N: the other view of the same example",
        ),
    ),
}


# --------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a :class:`Comparison`.

    Attributes
    ----------
    implementation : str
        What computed the value, e.g. ``"keras.losses.CategoricalCrossentropy"``.
    value : ndarray or None
        The loss (0-d, or per-sample with ``reduction="none"``); None if the
        implementation raised.
    abs_diff, rel_diff : float or None
        Largest absolute and relative difference from lossbook's value; None
        for lossbook's own row or when either side has no value.
    dtype : str
        dtype of the value ("" if there is none).
    error : str
        ``"refused: <message>"`` (lossbook) or ``"error: <type>: <message>"``
        (TensorFlow or PyTorch) when the implementation raised, else ``""``.
    """

    implementation: str
    value: np.ndarray | None
    abs_diff: float | None
    rel_diff: float | None
    dtype: str
    error: str = ""

    @property
    def ok(self):
        """Whether the implementation returned a value."""
        return self.value is not None


def _format_value(value):
    if value is None:
        return ""
    if value.ndim == 0:
        return str(value[()])
    return np.array2string(value, threshold=6, edgeitems=2, separator=", ")


def _format_diff(diff):
    if diff is None:
        return "—"
    if diff == 0:
        return "0"
    return f"{diff:.2e}"


_HEADERS = ("Implementation", "Value", "|Δ| vs lossbook", "Relative Δ", "dtype")


@dataclass(frozen=True)
class Comparison:
    """The table returned by :func:`compare`.

    Attributes
    ----------
    loss : str
        Registry name of the loss.
    rows : tuple of Row
        lossbook's row first, then those that apply of the Keras class, the
        Keras function, the ``tf.nn`` op and the PyTorch loss.
    dtype : str
        dtype the inputs were given in.
    reduction : str or None
        Batch reduction (None for losses without one).
    options : dict
        Loss options used, e.g. ``{"from_logits": False}``.
    """

    loss: str
    rows: tuple[Row, ...]
    dtype: str
    reduction: str | None
    options: dict

    @property
    def reference(self):
        """lossbook's row."""
        return self.rows[0]

    def _diffs(self, attribute):
        diffs = [getattr(r, attribute) for r in self.rows[1:] if getattr(r, attribute) is not None]
        return max(diffs) if diffs else None

    @property
    def max_abs_diff(self):
        """Largest absolute difference from lossbook over all rows (None if nothing to compare)."""
        return self._diffs("abs_diff")

    @property
    def max_rel_diff(self):
        """Largest relative difference from lossbook over all rows (None if nothing to compare)."""
        return self._diffs("rel_diff")

    def to_records(self):
        """The rows as a list of dicts (for ``pandas.DataFrame(...)``), values as Python floats or lists."""
        records = []
        for row in self.rows:
            record = asdict(row)
            record["value"] = None if row.value is None else row.value.tolist()
            records.append(record)
        return records

    @property
    def title(self):
        """A one-line description of what was compared."""
        settings = [self.dtype] + [f"{k}={v!r}" for k, v in self.options.items()]
        if self.reduction is not None:
            settings.append(f"reduction={self.reduction!r}")
        return f"{self.loss} ({', '.join(settings)})"

    def _summary(self):
        if self.reference.error:
            return "lossbook refused these inputs; the other implementations' results follow"
        if self.max_abs_diff is None:
            return "no other implementation returned a value to compare"
        return (
            f"largest difference from lossbook: {_format_diff(self.max_abs_diff)} absolute, "
            f"{_format_diff(self.max_rel_diff)} relative"
        )

    def _cells(self, row):
        value = row.error if row.error else _format_value(row.value)
        return (row.implementation, value, _format_diff(row.abs_diff), _format_diff(row.rel_diff), row.dtype or "—")

    def __str__(self):
        table = [_HEADERS] + [self._cells(r) for r in self.rows]
        # An error message runs to the end of its line instead of widening the
        # value column of every other row.
        sized = [table[0]] + [cells for cells, row in zip(table[1:], self.rows) if not row.error]
        widths = [max(len(line[i]) for line in sized) for i in range(len(_HEADERS))]
        widths[0] = max(len(line[0]) for line in table)
        lines = [f"{self.title}: {self._summary()}"]
        for n, line in enumerate(table):
            if n and self.rows[n - 1].error:
                lines.append(f"{line[0].ljust(widths[0])}  {line[1]}")
            else:
                lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        esc = html.escape
        head = "".join(f'<th scope="col">{esc(h)}</th>' for h in _HEADERS)
        body = []
        for row in self.rows:
            name, value, absd, reld, dtype = (esc(c) for c in self._cells(row))
            if row.error:
                value_cell = f'<td class="lossbook-error">{value}</td>'
            else:
                value_cell = f'<td style="text-align:right"><code>{value}</code></td>'
            body.append(
                f'<tr><th scope="row"><code>{name}</code></th>{value_cell}'
                f'<td style="text-align:right">{absd}</td><td style="text-align:right">{reld}</td>'
                f"<td>{dtype}</td></tr>"
            )
        return (
            '<table class="lossbook-comparison">'
            f"<caption>{esc(self.title)}: {esc(self._summary())}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


# --------------------------------------------------------------------------
# compare()
# --------------------------------------------------------------------------


def _difference(value, reference):
    """Largest absolute and relative difference, with inf == inf counted as 0."""
    if value is None or reference is None:
        return None, None
    a = np.asarray(value, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf"), float("inf")
    with np.errstate(invalid="ignore", divide="ignore"):
        absolute = np.where(a == b, 0.0, np.abs(a - b))
        relative = np.where(absolute == 0, 0.0, absolute / np.abs(b))
    return float(np.max(absolute)), float(np.max(relative))


def _to_numpy(tensor):
    value = np.asarray(tensor.numpy() if hasattr(tensor, "numpy") else tensor)
    return value


def _short_message(exc):
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    # TensorFlow prefixes op errors with the wrapped function's device path.
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", text).removesuffix(" name:").strip()
    return text if len(text) <= 300 else text[:297] + "..."


def _as_input(x, name, dtype, *, labels=False):
    try:
        arr = np.asarray(x)
        if not labels:
            arr = arr.astype(dtype)
    except (TypeError, ValueError) as exc:
        fail(name, f"be convertible to an array of {np.dtype(dtype).name}", _describe(x), str(exc), error=TypeError)
    return arr


FRAMEWORKS = ("tensorflow", "pytorch")


def compare(name, *inputs, dtype="float32", reduction=None, errors="show", frameworks=FRAMEWORKS, **options):
    """Compute one loss with lossbook, Keras (class and function), ``tf.nn`` and PyTorch, and tabulate.

    Parameters
    ----------
    name : str
        A key of :data:`LOSSES`, e.g. ``"categorical_crossentropy"``.
    *inputs : array_like
        The loss's arrays, in the order of ``LOSSES[name].inputs``: for most
        losses ``y_true, y_pred`` (targets, or integer class labels for
        ``"sparse_categorical_crossentropy"``; predictions: probabilities,
        logits or values, as the loss expects); ``y_true, y_pred, var`` for
        ``"gaussian_nll"``; ``anchor, positive, negative`` for
        ``"triplet_margin_loss"``; one ``similarity`` matrix for
        ``"info_nce"`` and ``"nt_xent"``.
    dtype : {"float32", "float64"}, default "float32"
        Every implementation receives the inputs in this dtype (labels stay
        integers); the Keras class is built with ``dtype=dtype``.
    reduction : {"mean", "sum", "none"}, optional
        Batch reduction, ``"mean"`` by default (Keras' ``"sum_over_batch_size"``).
        The Keras functional form and the ``tf.nn`` op are reduced in
        TensorFlow to match. Not accepted by ``"sum_squared_error"``.
    errors : {"show", "raise"}, default "show"
        ``"show"`` puts an implementation's exception in its row
        (``refused: ...`` for lossbook) and carries on; ``"raise"`` re-raises it.
    frameworks : sequence of {"tensorflow", "pytorch"}, default both
        Which frameworks' rows to add after lossbook's: ``("pytorch",)`` for a
        PyTorch tab, ``("tensorflow",)`` for a TensorFlow tab. A loss PyTorch
        does not have (``LOSSES[name].torch is None``) gets no PyTorch row.
    **options
        Options of the loss (``LOSSES[name].options``): ``from_logits`` for the
        cross-entropies, ``delta`` for ``"huber"``, ``temperature`` for
        ``"info_nce"``, ...

    Returns
    -------
    Comparison
        ``.rows``, ``.max_abs_diff``, ``.max_rel_diff``, ``.to_records()``;
        prints as an aligned text table and renders as an HTML table in Jupyter.

    Raises
    ------
    ValueError
        Unknown ``name`` (the message lists the known ones), the wrong number
        of inputs, bad ``dtype``, ``reduction`` or ``errors``.
    TypeError
        An option the loss does not have, or inputs that are not numbers.

    Examples
    --------
    Keras' documented example for ``CategoricalCrossentropy``:

    >>> from lossbook import frameworks
    >>> result = frameworks.compare("categorical_crossentropy",
    ...                             [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> for row in result.rows:
    ...     print(row.implementation)
    lossbook.categorical_crossentropy
    keras.losses.CategoricalCrossentropy
    keras.losses.categorical_crossentropy (mean over batch)
    torch.nn.CrossEntropyLoss()(log(y_pred), y_true)
    >>> print(result.reference.value)
    1.1769392
    >>> result.max_rel_diff < 1e-6
    True

    "Probabilities" that sum to 1.1: lossbook refuses, Keras renormalizes:

    >>> result = frameworks.compare("categorical_crossentropy", [0, 0, 1, 0, 0], [0.5, 0.1, 0.2, 0.2, 0.1])
    >>> print(result.reference.error)  # doctest: +ELLIPSIS
    refused: y_pred must sum to 1 along the last axis (within 0.001); received y_pred sums to 1.1. ...
    >>> print(round(float(result.rows[1].value), 4))  # -ln(0.2 / 1.1)
    1.7047

    A loss with three inputs, which Keras does not have:

    >>> result = frameworks.compare("triplet_margin_loss", [[0.0, 0.0]], [[0.0, 1.0]], [[1.5, 0.0]], eps=0.0)
    >>> for row in result.rows:
    ...     print(row.implementation, row.value)
    lossbook.triplet_margin_loss 0.5
    torch.nn.TripletMarginLoss(margin=1.0, p=2.0, eps=0.0, swap=False)(anchor, positive, negative) 0.5
    """
    if not isinstance(name, str) or name not in LOSSES:
        known = ", ".join(sorted(LOSSES))
        fail("name", f"be one of the losses lossbook and Keras share: {known}", f"name={name!r}")
    spec = LOSSES[name]
    if len(inputs) != len(spec.inputs):
        fail(
            "inputs",
            f"be the arrays {name} takes, in order: {', '.join(spec.inputs)}",
            f"{len(inputs)} array{'s' if len(inputs) != 1 else ''}",
            error=TypeError,
        )
    if dtype not in ("float32", "float64", np.float32, np.float64) and str(dtype) not in ("float32", "float64"):
        fail("dtype", "be 'float32' or 'float64'", f"dtype={dtype!r}")
    dtype = np.dtype(dtype).name
    if errors not in ("show", "raise"):
        fail("errors", "be 'show' or 'raise'", f"errors={errors!r}")
    if isinstance(frameworks, str) or not set(frameworks) <= set(FRAMEWORKS) or not frameworks:
        fail("frameworks", "be a non-empty sequence of 'tensorflow' and 'pytorch'", f"frameworks={frameworks!r}")
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        allowed = ", ".join(spec.options) or "none"
        fail("options", f"be options of {name} (allowed: {allowed})", f"{', '.join(unknown)}", error=TypeError)
    options = {**spec.options, **options}
    if spec.reduces:
        reduction = "mean" if reduction is None else reduction
        check_reduction(reduction)
    elif reduction is not None:
        fail("reduction", f"not be given for {name}, which sums over every element", f"reduction={reduction!r}")

    arrays = tuple(
        _as_input(x, input_name, dtype, labels=spec.labels and i == 0)
        for i, (x, input_name) in enumerate(zip(inputs, spec.inputs))
    )

    rows = []

    def run(implementation, compute, *, refused_word):
        try:
            value = np.asarray(compute())
        except Exception as exc:
            if errors == "raise":
                raise
            word = refused_word or f"error: {type(exc).__name__}"
            rows.append(Row(implementation, None, None, None, "", f"{word}: {_short_message(exc)}"))
            return
        reference = rows[0].value if rows else None
        absolute, relative = (None, None) if not rows else _difference(value, reference)
        rows.append(Row(implementation, value, absolute, relative, value.dtype.name))

    lossbook_kwargs = dict(options)
    if spec.reduces:
        lossbook_kwargs["reduction"] = reduction
    run(spec.lossbook_name, lambda: spec.lossbook(*arrays, **lossbook_kwargs), refused_word="refused")

    if "tensorflow" in frameworks and (spec.keras_class or spec.keras_function or spec.tf_op):
        _tensorflow_rows(spec, arrays, dtype, reduction, options, run)
    torch_loss = spec.torch
    if (
        "pytorch" in frameworks
        and torch_loss is not None
        and all(options.get(k) == v for k, v in torch_loss.when.items())
    ):
        torch = torch_module()
        called = [torch_loss.name]

        def pytorch():
            tensors = [torch.from_numpy(np.ascontiguousarray(x)) for x in arrays]
            label, value = torch_loss.call(torch, *tensors, reduction, options)
            called[0] = label
            return value.detach().numpy()

        run(torch_loss.name, pytorch, refused_word=None)
        rows[-1] = replace(rows[-1], implementation=called[0])

    return Comparison(name, tuple(rows), dtype, reduction, options)


def _tensorflow_rows(spec, arrays, dtype, reduction, options, run):
    """Append the Keras class, Keras function and ``tf.nn`` rows to a comparison."""
    tf, keras = tensorflow_modules()
    keras_kwargs = dict(options)  # lossbook's options carry Keras' keyword names
    tf_dtype = tf.as_dtype(dtype)

    def tensors():
        return tuple(
            tf.constant(x) if spec.labels and i == 0 else tf.constant(x, dtype=tf_dtype) for i, x in enumerate(arrays)
        )

    def batch(values):
        if reduction == "sum":
            return tf.reduce_sum(values)
        if reduction == "mean":
            return tf.reduce_mean(values)
        return values

    suffix = {"mean": " (mean over batch)", "sum": " (sum over batch)"}.get(reduction, "")

    if spec.keras_class is not None:
        keras_reduction = "sum_over_batch_size" if reduction == "mean" else reduction

        def keras_class():
            loss = getattr(keras.losses, spec.keras_class)(reduction=keras_reduction, dtype=dtype, **keras_kwargs)
            return _to_numpy(loss(*arrays))

        label = f"keras.losses.{spec.keras_class}"
        if reduction != "mean":
            label += f"(reduction={keras_reduction!r})"
        run(label, keras_class, refused_word=None)

    if spec.keras_function is not None:

        def keras_function():
            return _to_numpy(batch(getattr(keras.losses, spec.keras_function)(*tensors(), **keras_kwargs)))

        run(f"keras.losses.{spec.keras_function}{suffix}", keras_function, refused_word=None)

    op = spec.tf_op
    if op is not None and all(options.get(k) == v for k, v in op.when.items()):

        def tf_op():
            values = op.per_sample(tf, *tensors(), options)
            return _to_numpy(batch(values) if spec.reduces else values)

        run(op.name + (suffix if spec.reduces else ""), tf_op, refused_word=None)


# --------------------------------------------------------------------------
# Coverage of Keras' losses (the API page's table is generated from this)
# --------------------------------------------------------------------------

#: The parametrized tests that run every registry entry against Keras, as
#: pytest node ids with ``{name}`` for the registry name (tests/test_frameworks.py
#: checks that pytest collects every one of them). The first two run every
#: entry (Keras, ``tf.nn`` and PyTorch rows); the others only entries with a Keras class.
PARITY_TESTS = (
    "tests/test_frameworks.py::test_parity_random_inputs[{name}-float32]",
    "tests/test_frameworks.py::test_parity_random_inputs[{name}-float64]",
    "tests/test_frameworks.py::test_reduction_mean_matches_keras_default[{name}]",
    "tests/test_weighting.py::test_sample_weight_matches_keras[mean-{name}]",
)


def _parity_tests(name, spec):
    tests = PARITY_TESTS if spec.keras_class else PARITY_TESTS[:2]
    return [test.format(name=name) for test in tests]


def keras_loss_classes():
    """The names of every loss class ``keras.losses`` exports (``Loss`` itself and its wrapper left out)."""
    _, keras = tensorflow_modules()
    return sorted(
        name
        for name in dir(keras.losses)
        if isinstance(getattr(keras.losses, name), type)
        and issubclass(getattr(keras.losses, name), keras.losses.Loss)
        and name not in ("Loss", "LossFunctionWrapper")
    )


def keras_coverage():
    """Every Keras loss class, the lossbook function that computes it, and the tests that check they agree.

    Built from :data:`LOSSES` and the installed Keras, so a Keras loss without
    a registry entry shows up with ``lossbook=None``.

    Returns
    -------
    list of dict
        One per Keras loss class, sorted by class name: ``keras_class``,
        ``keras_function``, ``lossbook`` (the public name, or None),
        ``registry`` (the :data:`LOSSES` key, or None), ``options`` and
        ``parity_tests`` (pytest node ids).

    Examples
    --------
    >>> from lossbook import frameworks
    >>> rows = frameworks.keras_coverage()
    >>> len(rows), all(row["lossbook"] for row in rows)
    (22, True)
    >>> rows[0]["keras_class"], rows[0]["lossbook"]
    ('BinaryCrossentropy', 'lossbook.binary_crossentropy')
    """
    by_class = {spec.keras_class: (name, spec) for name, spec in LOSSES.items() if spec.keras_class}
    rows = []
    for cls in keras_loss_classes():
        name, spec = by_class.get(cls, (None, None))
        rows.append(
            {
                "keras_class": cls,
                "keras_function": spec.keras_function if spec else None,
                "lossbook": spec.lossbook_name if spec else None,
                "registry": name,
                "options": dict(spec.options) if spec else {},
                "torch": spec.torch.name if spec and spec.torch else None,
                "parity_tests": _parity_tests(name, spec) if spec else [],
            }
        )
    return rows


def registry_coverage():
    """Every entry of :data:`LOSSES` with its Keras, ``tf.nn`` and PyTorch counterparts, or why there is none.

    Returns
    -------
    list of dict
        One per registry entry, in registry order: ``registry`` (the key),
        ``lossbook`` (the public name), ``inputs`` (the arrays it takes),
        ``options``, ``keras_class``, ``keras_function``, ``keras_missing``
        (why Keras has none, or ""), ``tf_op`` (the ``tf.nn`` row's name, or
        None), ``torch`` (the PyTorch loss, or None), ``torch_conversion``
        (how the call changes, or ""), ``torch_missing`` (why PyTorch has
        none, or "") and ``parity_tests`` (pytest node ids).

    Examples
    --------
    >>> from lossbook import frameworks
    >>> rows = {row["registry"]: row for row in frameworks.registry_coverage()}
    >>> rows["gaussian_nll"]["inputs"], rows["gaussian_nll"]["keras_class"], rows["gaussian_nll"]["torch"]
    (('y_true', 'y_pred', 'var'), None, 'torch.nn.GaussianNLLLoss')
    >>> rows["log_cosh"]["torch_missing"]
    'PyTorch has no log-cosh loss'
    """
    return [
        {
            "registry": name,
            "lossbook": spec.lossbook_name,
            "inputs": spec.inputs,
            "options": dict(spec.options),
            "keras_class": spec.keras_class,
            "keras_function": spec.keras_function,
            "keras_missing": spec.keras_missing,
            "tf_op": spec.tf_op.name if spec.tf_op else None,
            "torch": spec.torch.name if spec.torch else None,
            "torch_conversion": spec.torch.conversion if spec.torch else "",
            "torch_missing": spec.torch_missing,
            "parity_tests": _parity_tests(name, spec),
        }
        for name, spec in LOSSES.items()
    ]

"""Exercises that check themselves: the last cells of every chapter.

Two kinds of exercise:

* **Functions** (:func:`check_function`): the reader implements, say,
  ``entropy(p)``; the checker runs it on several cases (edge cases included:
  :math:`0 \\log 0`, one-hot rows, float32 input, a batch of rows, extreme
  logits) against lossbook's reference and explains every failing case: its
  inputs, the expected and the received values, and a hint.
* **Numeric questions** (:func:`check_answer`): the reader computes a number;
  the checker says whether it is within the tolerance, and if not whether it
  is close, too high or too low, without giving the expected value away.

Scores: a function exercise scores one point per case passed, so
``max_score`` is its number of cases; a numeric question scores 0 or 1.

Nothing the reader's function does stops the notebook: exceptions are caught
and reported per case, warnings (overflow in ``exp``, ``log(0)``, ``0/0``) are
recorded and mentioned, and the unsolved stub ``raise NotImplementedError()``
is reported as "not solved yet" with score 0.

Chapter authors add entries to :data:`FUNCTIONS` and :data:`QUESTIONS`; the
expected values of questions are always computed by lossbook, never typed in.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from . import activations, classification, gradients, information, regression
from ._validation import _describe, fail

__all__ = [
    "CheckResult",
    "Case",
    "FunctionExercise",
    "Question",
    "FUNCTIONS",
    "QUESTIONS",
    "check_function",
    "check_answer",
]


# --------------------------------------------------------------------------
# Data structures
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check.

    Attributes
    ----------
    exercise : str
        Name of the exercise or question.
    passed : bool
        True when every case passed (or the answer is within tolerance).
    score, max_score : float
        Cases passed and number of cases (function exercises), or 0/1 and 1
        (numeric questions).
    feedback : str
        The text printed by the checker; ``str(result)`` returns it.
    """

    exercise: str
    passed: bool
    score: float
    max_score: float
    feedback: str

    def __str__(self):
        return self.feedback

    def __repr__(self):
        return (
            f"CheckResult(exercise={self.exercise!r}, passed={self.passed}, "
            f"score={self.score:g}, max_score={self.max_score:g})"
        )


@dataclass(frozen=True)
class Case:
    """One input of a function exercise.

    Attributes
    ----------
    label : str
        What the case checks, shown in the feedback ("a one-hot distribution").
    args : tuple
        Positional arguments given to the reader's function and the reference.
    hint : str
        Shown when this case fails.
    rtol, atol : float or None
        Tolerances for this case, overriding the exercise's (float32 cases).
    """

    label: str
    args: tuple
    hint: str = ""
    rtol: float | None = None
    atol: float | None = None


@dataclass(frozen=True)
class FunctionExercise:
    """A function the reader implements, checked against a lossbook reference.

    Attributes
    ----------
    signature : str
        How the reader's function is called, e.g. ``"entropy(p)"``.
    description : str
        One line: what the function computes.
    reference : callable
        lossbook's implementation, called with each case's ``args``.
    cases : tuple of Case
    rtol, atol : float
        Default tolerances (``numpy.isclose``).
    diagnoses : tuple of callables
        ``diagnose(expected, received, args) -> str or None``: a likely mistake
        behind a wrong value ("you summed instead of averaging").
    """

    signature: str
    description: str
    reference: Callable[..., Any]
    cases: tuple[Case, ...]
    rtol: float = 1e-7
    atol: float = 1e-10
    diagnoses: tuple[Callable[[np.ndarray, np.ndarray, tuple], str | None], ...] = ()

    @property
    def params(self):
        """Parameter names, parsed from ``signature``."""
        inside = self.signature[self.signature.index("(") + 1 : self.signature.rindex(")")]
        return tuple(p.strip() for p in inside.split(",") if p.strip())


@dataclass(frozen=True)
class Question:
    """A numeric question; ``compute()`` returns the expected value by calling lossbook.

    Attributes
    ----------
    prompt : str
        The question as the chapter asks it.
    compute : callable
        No arguments; returns the expected value (a lossbook computation).
    unit : str
        "bits", "nats" or "" for a plain number.
    rtol : float
        Relative tolerance, 0.5% by default: answers rounded to three
        significant digits pass.
    atol : float
        Absolute tolerance, for expected values at or near zero.
    """

    prompt: str
    compute: Callable[[], Any]
    unit: str = ""
    rtol: float = 5e-3
    atol: float = 1e-9


# --------------------------------------------------------------------------
# Diagnoses of common mistakes
# --------------------------------------------------------------------------


def _close(a, b, rtol=1e-6):
    return bool(np.all(np.isclose(a, b, rtol=rtol, atol=1e-12)))


def _log_base(expected, received, args):
    for base, word in ((2, "log base 2 (bits)"), (10, "log base 10")):
        if np.any(expected != 0) and _close(received, expected / math.log(base)):
            return (
                f"Your values are the expected ones divided by ln {base}: you used {word}; "
                "this exercise asks for nats (np.log)."
            )
    return None


def _epsilon_inside_log(reference):
    """Detect ``np.log(x + eps)``: the hidden fudge of Deep Learning from Scratch's ``cross_entropy_error``."""

    def diagnose(expected, received, args):
        for eps in (1e-7, 1e-8, 1e-10, 1e-12, 1e-15):
            try:
                fudged = reference(*args, eps)
            except (TypeError, ValueError):
                return None
            if _close(received, fudged, 1e-10) and not _close(expected, fudged, 1e-10):
                return (
                    f"Your values match log(x + {eps:g}): this exercise asks for the exact value, "
                    "so add no constant inside the log; give the 0 log 0 terms the value 0 instead (np.where)."
                )
        return None

    return diagnose


def _fudged_entropy(p, eps):
    p = np.asarray(p, dtype=np.float64)
    return -np.sum(p * np.log(p + eps), axis=-1)


def _fudged_cross_entropy(p, q, eps):
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    return -np.sum(p * np.log(q + eps), axis=-1)


def _summed_not_averaged(expected, received, args):
    y = np.asarray(args[0])
    if np.any(expected != 0):
        for n in {y.size, y.shape[-1] if y.ndim else 1} - {1}:
            if _close(received, expected * n):
                return f"Your value is {n} times the expected one: you summed where the loss averages (np.mean)."
            if _close(received, expected / n):
                return f"Your value is the expected one divided by {n}: you averaged where the loss sums."
    return None


def _square_root(expected, received, args):
    if np.any(expected != 0) and _close(received, np.sqrt(expected)):
        return "Your value is the square root of the expected one: that is the root mean squared error (RMSE)."
    return None


def _half(expected, received, args):
    if np.any(expected != 0):
        if _close(received, 2 * expected):
            return "Your value is twice the expected one: the sum of squared errors here has a factor 1/2."
        if _close(received, 0.5 * expected):
            return "Your value is half the expected one: did you put the factor 1/2 in twice?"
    return None


def _normalized_whole_array(expected, received, args):
    x = np.asarray(args[0])
    if x.ndim > 1 and np.isclose(np.sum(received), 1.0) and not np.isclose(np.sum(expected), 1.0):
        return "All your values together sum to 1: normalize each row separately (np.sum(..., axis=-1, keepdims=True))."
    return None


def _swapped(reference):
    def diagnose(expected, received, args):
        try:
            swapped = reference(args[1], args[0])
        except (TypeError, ValueError):
            return None
        if np.shape(swapped) == np.shape(received) and _close(received, swapped) and not _close(expected, swapped):
            return "Your values are those of the two arguments swapped: the first argument is the target."
        return None

    return diagnose


def _huber_variants(expected, received, args):
    """Common mistakes in the Huber loss: no -delta**2/2, the smooth-L1 scaling, no 1/2."""
    y_true, y_pred, delta = (np.asarray(a, dtype=np.float64) for a in args)
    e, d = np.abs(y_pred - y_true), float(delta)
    variants = (
        (
            np.mean(np.where(e <= d, 0.5 * e**2, d * e)),
            "Beyond delta you used delta * |e|: subtract 0.5 * delta**2 so that the two pieces meet at |e| = delta.",
        ),
        (
            np.mean(np.where(e <= d, 0.5 * e**2 / d, e - 0.5 * d)),
            "Your value is the expected one divided by delta: that is the smooth L1 convention "
            "(PyTorch's SmoothL1Loss with beta = delta); Keras' Huber is delta times it.",
        ),
        (
            np.mean(np.where(e <= d, e**2, 2 * d * e - d**2)),
            "Your value is twice the expected one: the quadratic part is 0.5 * e**2, not e**2.",
        ),
    )
    for value, message in variants:
        if _close(received, value) and not _close(expected, value):
            return message
    return None


# --------------------------------------------------------------------------
# The function exercises
# --------------------------------------------------------------------------

_rng = np.random.default_rng(20260401)
_F32 = np.float32
_FLOAT32_TOL = {"rtol": 1e-5, "atol": 1e-6}
_ZERO_HINT = (
    "np.log(0) is -inf and 0 * -inf is nan: a term with probability 0 counts as 0 "
    "(use np.where, or scipy.special.entr / scipy.special.xlogy)."
)
_BATCH_HINT = "Reduce over the last axis only (axis=-1), giving one value per row."
_DLFS_T = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
_DLFS_Y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
_DLFS_Y_WRONG = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])


def _dirichlet(*shape):
    return _rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])


def _bce_from_logits(y_true, logits):
    return classification.binary_crossentropy(y_true, logits, from_logits=True)


def _mse_per_sample(y_true, y_pred):
    return regression.mean_squared_error(y_true, y_pred, reduction="none")


def _huber_mean(y_true, y_pred, delta):
    return regression.huber(y_true, y_pred, delta=float(delta))


_HUBER_LINEAR_HINT = (
    "Beyond delta the loss is linear, delta * |e| - 0.5 * delta**2: the -0.5 * delta**2 makes it meet "
    "the quadratic part 0.5 * e**2 at |e| = delta."
)


def _hinge_signed(y):
    """Labels in {0, 1} mapped to {-1, 1} as Keras does; labels in {-1, 1} unchanged."""
    y = np.asarray(y, dtype=np.float64)
    return 2 * y - 1 if np.isin(y, (0.0, 1.0)).all() else y


def _hinge_labels_not_mapped(expected, received, args):
    y, f = (np.asarray(a, dtype=np.float64) for a in args)
    if np.isin(y, (0.0, 1.0)).all() and (y == 0).any():
        unmapped = np.mean(np.maximum(1 - y * f, 0))
        if _close(received, unmapped) and not _close(expected, unmapped):
            return (
                "Your value uses the labels 0 as they are (a margin of 0 whatever the score): "
                "map labels 0/1 to -1/1 first, y = 2 * y - 1."
            )
    return None


def _hinge_without_max(expected, received, args):
    y, f = (np.asarray(a, dtype=np.float64) for a in args)
    raw = np.mean(1 - _hinge_signed(y) * f)
    if _close(received, raw) and not _close(expected, raw):
        return "Your value is the mean of 1 - y * f without the hinge: a margin above 1 costs 0 (np.maximum(..., 0))."
    return None


_HINGE_LABELS_HINT = (
    "Keras maps labels 0/1 to -1/1 (y = 2 * y - 1) when every label is 0 or 1; "
    "a label 0 used as it is gives a margin of 0 whatever the score."
)


#: Function exercises: name -> :class:`FunctionExercise`.
FUNCTIONS: dict[str, FunctionExercise] = {
    "entropy": FunctionExercise(
        "entropy(p)",
        "Shannon entropy H(p) = -sum p log p in nats over the last axis, exact (0 log 0 = 0)",
        information.entropy,
        (
            Case("a fair coin", (np.array([0.5, 0.5]),)),
            Case("a peaked distribution", (np.array([0.1, 0.1, 0.1, 0.7]),)),
            Case("a one-hot distribution (0 log 0 = 0)", (np.array([0.0, 1.0, 0.0]),), _ZERO_HINT),
            Case("a distribution with one zero", (np.array([0.5, 0.25, 0.25, 0.0]),), _ZERO_HINT),
            Case("float32 input", (_dirichlet(5).astype(_F32),), **_FLOAT32_TOL),
            Case("a batch of 3 rows", (np.array([[0.25] * 4, [1.0, 0, 0, 0], [0.7, 0.1, 0.1, 0.1]]),), _BATCH_HINT),
        ),
        diagnoses=(_log_base, _epsilon_inside_log(_fudged_entropy)),
    ),
    "cross_entropy": FunctionExercise(
        "cross_entropy(p, q)",
        "cross-entropy H(p, q) = -sum p log q in nats over the last axis, exact; p is the target",
        information.cross_entropy,
        (
            Case("a one-hot target (Deep Learning from Scratch 4.2.2)", (_DLFS_T, _DLFS_Y), _ZERO_HINT),
            Case("the same one-hot target, a wrong prediction", (_DLFS_T, _DLFS_Y_WRONG), _ZERO_HINT),
            Case("p == q (gives the entropy of p)", (np.array([0.2, 0.3, 0.5]), np.array([0.2, 0.3, 0.5]))),
            Case("a soft target", (np.array([0.1, 0.6, 0.3]), np.array([0.3, 0.4, 0.3]))),
            Case("float32 input", tuple(d.astype(_F32) for d in _dirichlet(2, 6)), **_FLOAT32_TOL),
            Case("a batch of 4 rows", (_dirichlet(4, 3), _dirichlet(4, 3)), _BATCH_HINT),
        ),
        diagnoses=(_log_base, _swapped(information.cross_entropy), _epsilon_inside_log(_fudged_cross_entropy)),
    ),
    "softmax": FunctionExercise(
        "softmax(x)",
        "softmax over the last axis, without overflow",
        activations.softmax,
        (
            Case("small logits", (np.array([1.0, 2.0, 3.0]),)),
            Case(
                "logits [1000, 1000] (exp overflows)",
                (np.array([1000.0, 1000.0]),),
                "np.exp(1000) is inf and inf / inf is nan: subtract the largest logit first; "
                "the result does not change.",
            ),
            Case(
                "logits [-1000, -1000] (exp underflows)",
                (np.array([-1000.0, -1000.0]),),
                "np.exp(-1000) is 0 and 0 / 0 is nan: subtract the largest logit first.",
            ),
            Case("logits of very different sizes", (np.array([-1e3, 0.0, 1e3]),)),
            Case("float32 input", (_rng.normal(0, 3, size=5).astype(_F32),), **_FLOAT32_TOL),
            Case(
                "a batch of 3 rows",
                (np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]]),),
                "Each row is its own distribution: take the max and the sum along axis=-1 with keepdims=True.",
            ),
        ),
        diagnoses=(_normalized_whole_array,),
    ),
    "log_softmax": FunctionExercise(
        "log_softmax(x)",
        "logarithm of the softmax over the last axis, finite for finite logits",
        activations.log_softmax,
        (
            Case("small logits", (np.array([1.0, 2.0, 3.0]),)),
            Case(
                "logits [1000, -1000, 0]",
                (np.array([1000.0, -1000.0, 0.0]),),
                "np.log(softmax(x)) takes log(0) = -inf where softmax underflows: compute x - logsumexp(x), "
                "with logsumexp(x) = m + log(sum(exp(x - m))) and m the largest logit.",
            ),
            Case("float32 input", (_rng.normal(0, 3, size=5).astype(_F32),), **_FLOAT32_TOL),
            Case(
                "a batch of 2 rows",
                (np.array([[1.0, 2.0, 3.0], [1e3, 0.0, -1e3]]),),
                "Each row is normalized separately: reduce along axis=-1 with keepdims=True.",
            ),
        ),
    ),
    "binary_crossentropy_from_logits": FunctionExercise(
        "binary_crossentropy_from_logits(y_true, logits)",
        "mean binary cross-entropy of labels y_true in [0, 1] and logits z, stable for large |z|",
        _bce_from_logits,
        (
            Case("hard labels, moderate logits", (np.array([1.0, 0.0, 1.0]), np.array([2.0, -1.0, 0.5]))),
            Case("soft labels", (np.array([0.2, 0.9]), np.array([-0.5, 3.0]))),
            Case(
                "logits +-1000",
                (np.array([1.0, 0.0, 1.0, 0.0]), np.array([1e3, -1e3, -1e3, 1e3])),
                "sigmoid(-1000) is 0 in floating point, so log(sigmoid(z)) is -inf: use "
                "max(z, 0) - z * y + log1p(exp(-|z|)), which never overflows.",
            ),
            Case(
                "float32 input",
                (_rng.integers(0, 2, size=6).astype(_F32), _rng.normal(0, 3, size=6).astype(_F32)),
                **_FLOAT32_TOL,
            ),
            Case(
                "a batch of 2 rows",
                (np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), np.array([[3.0, -2.0, 0.0], [1.0, -1.0, 2.0]])),
                "Average over every element: per row over the last axis, then over the rows.",
            ),
        ),
        diagnoses=(_summed_not_averaged,),
    ),
    "mean_squared_error": FunctionExercise(
        "mean_squared_error(y_true, y_pred)",
        "mean of the squared errors over the last axis, then over the batch (a single number)",
        regression.mean_squared_error,
        (
            Case("one sample", (np.array([0.0, 1.0]), np.array([1.0, 1.0]))),
            Case(
                "Keras' example [[0, 1], [0, 0]] vs [[1, 1], [1, 0]]",
                (np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])),
            ),
            Case("a perfect prediction", (np.array([3.0, -1.0, 2.0]), np.array([3.0, -1.0, 2.0]))),
            Case(
                "float32 input",
                (_rng.normal(size=(4, 3)).astype(_F32), _rng.normal(size=(4, 3)).astype(_F32)),
                **_FLOAT32_TOL,
            ),
            Case("a batch of 5 rows of 3", (_rng.normal(size=(5, 3)), _rng.normal(size=(5, 3)))),
        ),
        diagnoses=(_summed_not_averaged, _square_root, _half),
    ),
    "sum_squared_error": FunctionExercise(
        "sum_squared_error(y_true, y_pred)",
        "half the sum of squared errors over every element, 0.5 * sum((y_pred - y_true)**2)",
        regression.sum_squared_error,
        (
            Case("Deep Learning from Scratch 4.2.1, prediction peaked on the true class", (_DLFS_T, _DLFS_Y)),
            Case("the same target, prediction peaked on class 7", (_DLFS_T, _DLFS_Y_WRONG)),
            Case("a perfect prediction", (np.array([1.0, 2.0]), np.array([1.0, 2.0]))),
            Case("float32 input", (_rng.normal(size=6).astype(_F32), _rng.normal(size=6).astype(_F32)), **_FLOAT32_TOL),
            Case(
                "a batch of 3 rows (the sum runs over every element)",
                (_rng.normal(size=(3, 4)), _rng.normal(size=(3, 4))),
                "Sum over every element of the batch: np.sum without axis.",
            ),
        ),
        diagnoses=(_half, _summed_not_averaged),
    ),
    "mse_per_sample": FunctionExercise(
        "mse_per_sample(y_true, y_pred)",
        "mean squared error of each sample (row): one value per row, no batch reduction",
        _mse_per_sample,
        (
            Case(
                "Keras' example, 2 rows",
                (np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])),
                _BATCH_HINT,
            ),
            Case("a batch of 4 rows of 3", (_rng.normal(size=(4, 3)), _rng.normal(size=(4, 3))), _BATCH_HINT),
            Case(
                "a single sample (1-D input gives a single value)",
                (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0])),
            ),
            Case(
                "float32 input",
                (_rng.normal(size=(3, 2)).astype(_F32), _rng.normal(size=(3, 2)).astype(_F32)),
                _BATCH_HINT,
                **_FLOAT32_TOL,
            ),
        ),
        diagnoses=(_summed_not_averaged, _square_root),
    ),
    "huber": FunctionExercise(
        "huber(y_true, y_pred, delta)",
        "mean Huber loss: 0.5 * e**2 where |e| <= delta, delta * |e| - 0.5 * delta**2 beyond, with e = y_pred - y_true",
        _huber_mean,
        (
            Case(
                "every error inside delta (the quadratic part)",
                (np.array([0.0, 0.0, 0.0]), np.array([0.2, -0.5, 0.9]), 1.0),
            ),
            Case(
                "every error beyond delta (the linear part)",
                (np.array([0.0, 0.0]), np.array([3.0, -5.0]), 1.0),
                _HUBER_LINEAR_HINT,
            ),
            Case("an error exactly at delta", (np.array([1.0, 0.0]), np.array([2.0, 0.0]), 1.0)),
            Case(
                "Keras' example [[0, 1], [0, 0]] vs [[0.6, 0.4], [0.4, 0.6]], a batch of 2 rows",
                (np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.6, 0.4], [0.4, 0.6]]), 1.0),
                "Average over every element: per row over the last axis, then over the rows.",
            ),
            Case(
                "float32 input",
                (_rng.normal(size=(4, 3)).astype(_F32), (2 * _rng.normal(size=(4, 3))).astype(_F32), 1.0),
                **_FLOAT32_TOL,
            ),
            Case(
                "delta = 0.5, a batch of 3 rows",
                (np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]]), np.array([[0.3, 0.0], [0.0, 0.25], [1.5, 3.0]]), 0.5),
                "Use delta in both parts: the threshold |e| <= delta and the linear part delta * |e| - 0.5 * delta**2.",
            ),
            Case(
                "delta = 2, errors on both sides of it",
                (np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, -1.5, 4.0, -10.0]), 2.0),
                "Use delta in both parts: the threshold |e| <= delta and the linear part delta * |e| - 0.5 * delta**2.",
            ),
        ),
        diagnoses=(_huber_variants, _summed_not_averaged),
    ),
    "hinge": FunctionExercise(
        "hinge(y_true, y_pred)",
        "mean hinge loss max(0, 1 - y * f) of labels y in {-1, 1} (or {0, 1}, mapped to -1, 1) and scores f",
        classification.hinge,
        (
            Case("labels in {-1, 1}", (np.array([1.0, 1.0, -1.0, -1.0]), np.array([2.0, 0.4, 0.3, -1.5]))),
            Case(
                "the same labels written as 0/1",
                (np.array([1.0, 1.0, 0.0, 0.0]), np.array([2.0, 0.4, 0.3, -1.5])),
                _HINGE_LABELS_HINT,
            ),
            Case(
                "margins of 1 and beyond (no loss)",
                (np.array([1.0, -1.0, 1.0]), np.array([1.5, -3.0, 1.0])),
                "The hinge is max(0, 1 - y * f): a margin above 1 costs 0, never a negative amount (np.maximum).",
            ),
            Case(
                "float32 input",
                (_rng.choice([-1.0, 1.0], size=6).astype(_F32), _rng.normal(0, 2, size=6).astype(_F32)),
                **_FLOAT32_TOL,
            ),
            Case(
                "a batch of 3 rows of 2 outputs",
                (np.array([[1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]]), np.array([[0.5, 0.2], [-2.0, 1.2], [3.0, -0.7]])),
                "Average over every element: per row over the last axis, then over the rows.",
            ),
            Case(
                "a batch of 0/1 labels",
                (np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[-0.2, 0.9], [1.4, -0.5]])),
                _HINGE_LABELS_HINT,
            ),
        ),
        diagnoses=(_hinge_labels_not_mapped, _hinge_without_max, _summed_not_averaged),
    ),
    # Chapter 5: why not MSE with a sigmoid output
    "sigmoid_mse_grad": FunctionExercise(
        "sigmoid_mse_grad(y_true, logits)",
        "elementwise derivative of (sigmoid(z) - y)**2 with respect to the logit z",
        gradients.sigmoid_mse_grad,
        (
            Case("y = 1, z = 0", (np.array([1.0]), np.array([0.0]))),
            Case(
                "labels 0 and 1, moderate logits",
                (np.array([1.0, 0.0, 1.0, 0.0]), np.array([2.0, -1.0, -3.0, 4.0])),
            ),
            Case(
                "confidently wrong: y = 1, z = -10",
                (np.array([1.0]), np.array([-10.0])),
                "The chain rule gives 2 (sigmoid(z) - y) * sigmoid(z) * (1 - sigmoid(z)): a tiny number here.",
                rtol=1e-6,
                atol=0.0,
            ),
            Case(
                "logits +-1000",
                (np.array([1.0, 0.0]), np.array([-1e3, 1e3])),
                "Compute sigmoid without overflow (scipy.special.expit or lossbook.sigmoid).",
            ),
            Case(
                "a batch of 2 rows",
                (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.5, -2.0], [3.0, 1.0]])),
                "The gradient is elementwise: same shape out as in, no averaging.",
            ),
            Case(
                "float32 input",
                (_rng.integers(0, 2, size=6).astype(_F32), _rng.normal(0, 3, size=6).astype(_F32)),
                **_FLOAT32_TOL,
            ),
        ),
    ),
}


# --------------------------------------------------------------------------
# The numeric questions (chapters 1-4)
# --------------------------------------------------------------------------

def _mae_minimizer(targets):
    """The constant minimizing lossbook's MAE over ``targets``.

    The loss is piecewise linear in the constant with kinks at the targets, so
    its minimum is at one of them; evaluate it there.
    """
    t = np.asarray(targets, dtype=np.float64).reshape(-1, 1)
    losses = [regression.mean_absolute_error(t, np.full_like(t, c)) for c in t.ravel()]
    return t.ravel()[int(np.argmin(losses))]


def _exponential_share(margins):
    """Share of the total exponential loss carried by the last of ``margins`` (labels +1, scores = margins)."""
    scores = np.asarray(margins, dtype=np.float64).reshape(-1, 1)
    per_sample = classification.exponential_loss(np.ones_like(scores), scores, reduction="none")
    return per_sample[-1] / per_sample.sum()


#: Numeric questions: name -> :class:`Question`. Expected values are lossbook calls.
QUESTIONS: dict[str, Question] = {
    # Chapter 1: what a loss is
    "mse-keras-example": Question(
        "Mean squared error of y_pred = [[1, 1], [1, 0]] for y_true = [[0, 1], [0, 0]]",
        lambda: regression.mean_squared_error([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]),
    ),
    "mse-outlier": Question(
        "Mean squared error of y_pred = [1, 2, 3, 14] for y_true = [1, 2, 3, 4] (one outlier)",
        lambda: regression.mean_squared_error([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 14.0]),
    ),
    "mae-outlier": Question(
        "Mean absolute error of y_pred = [1, 2, 3, 14] for y_true = [1, 2, 3, 4] (one outlier)",
        lambda: regression.mean_absolute_error([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 14.0]),
    ),
    "dlfs-sum-squared-error": Question(
        "Sum squared error (with the factor 1/2) of Deep Learning from Scratch's prediction "
        "[0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0] for true class 2",
        lambda: regression.sum_squared_error(_DLFS_T, _DLFS_Y),
    ),
    "dlfs-sum-squared-error-wrong": Question(
        "The same, for the prediction peaked on class 7: [0.1, 0.05, 0.1, 0, 0.05, 0.1, 0, 0.6, 0, 0]",
        lambda: regression.sum_squared_error(_DLFS_T, _DLFS_Y_WRONG),
    ),
    # Chapter 2: entropy
    "entropy-fair-coin-bits": Question(
        "Entropy of a fair coin, in bits",
        lambda: information.entropy([0.5, 0.5], base=2),
        "bits",
    ),
    "entropy-uniform-8-bits": Question(
        "Entropy of the uniform distribution over 8 outcomes, in bits",
        lambda: information.entropy(np.full(8, 1 / 8), base=2),
        "bits",
    ),
    "entropy-peaked-bits": Question(
        "Entropy of [0.1, 0.1, 0.1, 0.7], in bits",
        lambda: information.entropy([0.1, 0.1, 0.1, 0.7], base=2),
        "bits",
    ),
    "entropy-fair-die-nats": Question(
        "Entropy of a fair six-sided die, in nats",
        lambda: information.entropy(np.full(6, 1 / 6)),
        "nats",
    ),
    "binary-entropy-0.9-bits": Question(
        "Entropy of a coin that shows heads 90% of the time, in bits",
        lambda: information.binary_entropy(0.9, base=2),
        "bits",
    ),
    # Chapter 3: cross-entropy
    "cross-entropy-one-hot": Question(
        "Cross-entropy (nats) of the prediction [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0] for true class 2",
        lambda: information.cross_entropy(_DLFS_T, _DLFS_Y),
        "nats",
    ),
    "dlfs-cross-entropy": Question(
        "Cross-entropy (nats) of Deep Learning from Scratch's second prediction, peaked on class 7 "
        "([0.1, 0.05, 0.1, 0, 0.05, 0.1, 0, 0.6, 0, 0]), for true class 2",
        lambda: information.cross_entropy(_DLFS_T, _DLFS_Y_WRONG),
        "nats",
    ),
    "cross-entropy-uniform-10": Question(
        "Cross-entropy (nats) of a uniform prediction over 10 classes, whatever the true class",
        lambda: information.cross_entropy(np.eye(10)[3], np.full(10, 0.1)),
        "nats",
    ),
    "keras-categorical-crossentropy": Question(
        "Mean categorical cross-entropy of y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]] "
        "for y_true = [[0, 1, 0], [0, 0, 1]] (Keras' example)",
        lambda: classification.categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]),
        "nats",
    ),
    "cross-entropy-zero-probability": Question(
        "Categorical cross-entropy (Keras' clipped training loss) when the true class gets probability 0",
        lambda: classification.categorical_crossentropy([0.0, 1.0], [1.0, 0.0]),
        "nats",
    ),
    "kl-coin-bits": Question(
        "KL divergence D(p || q) in bits of q = [0.9, 0.1] from a fair coin p = [0.5, 0.5]",
        lambda: information.kl_divergence([0.5, 0.5], [0.9, 0.1], base=2),
        "bits",
    ),
    # Chapter 4: mean squared error and its relatives
    "huber-keras-example": Question(
        "Mean Huber loss (delta = 1) of y_pred = [[0.6, 0.4], [0.4, 0.6]] for y_true = [[0, 1], [0, 0]] "
        "(Keras' example)",
        lambda: regression.huber([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]),
    ),
    "median-minimizes-mae": Question(
        "The constant prediction c that minimizes the mean absolute error over the targets [1, 2, 3, 4, 15]",
        lambda: _mae_minimizer([1.0, 2.0, 3.0, 4.0, 15.0]),
    ),
    # Chapter 6: the loss zoo
    "hinge-margin-example": Question(
        "Mean hinge loss of the scores f = [0.8, -0.2, 1.7] for the labels y = [1, 1, -1]",
        lambda: classification.hinge([1.0, 1.0, -1.0], [0.8, -0.2, 1.7]),
    ),
    "categorical-hinge-negative-scores": Question(
        "Keras' categorical hinge of the scores [-1.5, 0.3, -0.2] for true class 1",
        lambda: classification.categorical_hinge([0.0, 1.0, 0.0], [-1.5, 0.3, -0.2]),
    ),
    "exponential-loss-example": Question(
        "Share of the total exponential loss carried by the mislabeled sample among the margins [2, 1, 0.5, -3]",
        lambda: _exponential_share([2.0, 1.0, 0.5, -3.0]),
    ),
    # Chapter 5: why not MSE with a sigmoid output
    "sigmoid-gradient-ratio": Question(
        "Ratio of the cross-entropy gradient to the squared-error gradient with respect to the logit, "
        "at z = -5 for the label y = 1",
        lambda: float(gradients.sigmoid_bce_grad(1.0, -5.0) / gradients.sigmoid_mse_grad(1.0, -5.0)),
    ),
}


# --------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------


def _format_float(v):
    v = float(v)
    if v == 0 or not math.isfinite(v) or 1e-4 <= abs(v) < 1e7:
        return np.format_float_positional(v, precision=8, trim="0")
    return np.format_float_scientific(v, precision=6, trim="0")


def _show(x):
    """Values on one line, up to 8 decimals, no alignment padding: ``[1000.0, 0.0, nan]``."""
    try:
        arr = np.asarray(x)
    except Exception:  # noqa: BLE001
        return _describe(x)
    if arr.dtype.kind not in "biuf":
        return _describe(x)
    text = np.array2string(arr, threshold=12, edgeitems=3, separator=", ", formatter={"float_kind": _format_float})
    return " ".join(text.split())


def _show_input(name, value):
    arr = np.asarray(value)
    suffix = f" ({arr.dtype.name})" if arr.dtype == np.float32 else ""
    return f"{name} = {_show(arr)}{suffix}"


def _lookup(name, registry, kind, other, other_kind, other_checker):
    if isinstance(name, str) and name in registry:
        return registry[name]
    hint = None
    if isinstance(name, str) and name in other:
        hint = f"{name!r} is {other_kind}: check it with {other_checker}."
    known = ", ".join(sorted(registry))
    fail("name", f"be the name of {kind}: {known}", f"name={name!r}", hint)


def _judge(expected, received, rtol, atol):
    """Return (passed, problem) comparing the reader's value with the reference."""
    if received is None:
        return False, "your function returned None (is a `return` missing?)"
    try:
        got = np.asarray(received)
    except Exception:  # noqa: BLE001 - anything unconvertible is reported, not raised
        return False, f"your function returned {_describe(received)}, not numbers"
    if got.dtype.kind not in "biuf":
        return False, f"your function returned {_describe(received)}, not numbers"
    if got.shape != expected.shape:
        return False, f"shape {got.shape} received, shape {expected.shape} expected"
    got = got.astype(np.float64)
    want = expected.astype(np.float64)
    if np.isnan(got).any():
        return False, "your result contains nan"
    if np.isinf(got).any() and not np.array_equal(np.isinf(got), np.isinf(want)):
        return False, "your result contains inf"
    if np.all(np.isclose(got, want, rtol=rtol, atol=atol)):
        return True, ""
    return False, f"not within the tolerance (rtol={rtol:g}, atol={atol:g})"


def _run_case(fn, case):
    """Call the reader's function on fresh copies of the inputs; capture warnings and exceptions."""
    args = tuple(np.array(a, copy=True) for a in case.args)
    floating_point = np.errstate(divide="warn", over="warn", invalid="warn", under="ignore")
    with warnings.catch_warnings(record=True) as caught, floating_point:
        warnings.simplefilter("always")
        try:
            received, error = fn(*args), None
        except Exception as exc:  # noqa: BLE001 - the reader's bug is reported, not raised
            received, error = None, exc
    messages = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    mutated = [i for i, (a, b) in enumerate(zip(args, case.args)) if not np.array_equal(a, b, equal_nan=True)]
    return received, error, messages, mutated


def check_function(name, fn, *, verbose=True):
    """Run a reader's function on every case of an exercise and explain what fails.

    Parameters
    ----------
    name : str
        A key of :data:`FUNCTIONS`: ``"entropy"``, ``"cross_entropy"``,
        ``"softmax"``, ``"log_softmax"``, ``"binary_crossentropy_from_logits"``,
        ``"mean_squared_error"``, ``"sum_squared_error"``, ``"mse_per_sample"``,
        ``"huber"``.
    fn : callable
        The reader's function, called as in the exercise's signature.
    verbose : bool, default True
        Print the feedback.

    Returns
    -------
    CheckResult
        ``score`` is the number of cases passed, ``max_score`` the number of
        cases; ``passed`` is True when all pass.

    Raises
    ------
    ValueError
        If ``name`` is not a function exercise (the message lists them).
    TypeError
        If ``fn`` is not callable. Nothing ``fn`` raises escapes.

    Examples
    --------
    >>> import numpy as np
    >>> import lossbook as lb
    >>> from lossbook import exercises
    >>> result = exercises.check_function("entropy", lb.entropy)
    entropy(p): Shannon entropy H(p) = -sum p log p in nats over the last axis, exact (0 log 0 = 0)
    All 6 cases passed. Well done!
    >>> result
    CheckResult(exercise='entropy', passed=True, score=6, max_score=6)

    The naive softmax overflows; the checker says where, and why:

    >>> def softmax(x):
    ...     e = np.exp(x)
    ...     return e / e.sum(axis=-1, keepdims=True)
    >>> result = exercises.check_function("softmax", softmax)  # doctest: +ELLIPSIS
    softmax(x): softmax over the last axis, without overflow
    2 of 6 cases passed (score 2/6).
      [pass] small logits
      [FAIL] logits [1000, 1000] (exp overflows)
             input:    x = [1000.0, 1000.0]
             expected: [0.5, 0.5]
             received: [nan, nan]
             problem:  your result contains nan
             warnings: RuntimeWarning: overflow encountered in exp; RuntimeWarning: invalid value encountered in divide
             hint:     np.exp(1000) is inf and inf / inf is nan: subtract the largest logit first; ...
    ...

    An exercise not attempted yet:

    >>> def entropy(p):
    ...     raise NotImplementedError()
    >>> exercises.check_function("entropy", entropy).score
    entropy(p): Shannon entropy H(p) = -sum p log p in nats over the last axis, exact (0 log 0 = 0)
    Not solved yet: replace `raise NotImplementedError()` with your code, then run this cell again.
    0.0
    """
    exercise = _lookup(name, FUNCTIONS, "a function exercise", QUESTIONS, "a numeric question", "check_answer")
    if not callable(fn):
        fail(
            "fn",
            "be a function (a callable)",
            _describe(fn),
            f"Pass the function itself, e.g. check_function({name!r}, {exercise.signature.split('(')[0]}), "
            "without calling it.",
            error=TypeError,
        )
    header = f"{exercise.signature}: {exercise.description}"
    outcomes = []
    not_implemented = 0
    for case in exercise.cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = np.asarray(exercise.reference(*case.args))
        received, error, warned, mutated = _run_case(fn, case)
        if isinstance(error, NotImplementedError):
            not_implemented += 1
        outcomes.append((case, expected, received, error, warned, mutated))

    n_cases = len(exercise.cases)
    if not_implemented == n_cases:
        text = "Not solved yet: replace `raise NotImplementedError()` with your code, then run this cell again."
        return _finish(CheckResult(name, False, 0.0, float(n_cases), f"{header}\n{text}"), verbose)

    lines = []
    notes = set()
    passed = 0
    for case, expected, received, error, warned, mutated in outcomes:
        rtol = exercise.rtol if case.rtol is None else case.rtol
        atol = exercise.atol if case.atol is None else case.atol
        if error is not None:
            ok = False
            if isinstance(error, NotImplementedError):
                problem = "NotImplementedError: this case is not implemented yet"
            else:
                problem = f"your function raised {type(error).__name__}: {error}"
        else:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                ok, problem = _judge(expected, received, rtol, atol)
        passed += ok
        for i in mutated:
            notes.add(f"Note: your function changed its argument {exercise.params[i]} in place; "
                      "lossbook never modifies its inputs.")
        if ok:
            lines.append(f"  [pass] {case.label}")
            if warned:
                lines.append(f"         warnings: {'; '.join(warned)}")
            continue
        lines.append(f"  [FAIL] {case.label}")
        names = exercise.params or tuple(f"arg{i}" for i in range(len(case.args)))
        for i, (arg_name, arg) in enumerate(zip(names, case.args)):
            lines.append(f"         {'input:' if i == 0 else '':9} {_show_input(arg_name, arg)}")
        lines.append(f"         expected: {_show(expected)}")
        if error is None:
            lines.append(f"         received: {_show(received) if received is not None else 'None'}")
        lines.append(f"         problem:  {problem}")
        if warned:
            lines.append(f"         warnings: {'; '.join(warned)}")
        diagnosis = _diagnose(exercise, expected, received, case.args) if error is None else None
        if diagnosis:
            lines.append(f"         likely:   {diagnosis}")
        if case.hint and not diagnosis:
            lines.append(f"         hint:     {case.hint}")

    if passed == n_cases:
        summary = f"All {n_cases} cases passed. Well done!"
        warned_lines = [
            line for i, line in enumerate(lines) if "warnings:" in line or "warnings:" in "".join(lines[i + 1 : i + 2])
        ]
        if warned_lines:
            summary += " Your function raised warnings, though; a stable formula avoids them:"
        feedback = "\n".join([header, summary, *warned_lines, *sorted(notes)])
    else:
        summary = f"{passed} of {n_cases} cases passed (score {passed}/{n_cases})."
        feedback = "\n".join([header, summary, *lines, *sorted(notes)])
    return _finish(CheckResult(name, passed == n_cases, float(passed), float(n_cases), feedback), verbose)


def _diagnose(exercise, expected, received, args):
    try:
        got = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if got.shape != expected.shape or not np.isfinite(got).all():
        return None
    want = expected.astype(np.float64)
    for diagnose in exercise.diagnoses:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            message = diagnose(want, got, args)
        if message:
            return message
    return None


def _finish(result, verbose):
    if verbose:
        print(result.feedback)
    return result


def _as_number(value):
    if isinstance(value, (bool, np.bool_)):
        fail("value", "be a number", _describe(value), error=TypeError)
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001
        arr = np.asarray(None)
    if arr.dtype.kind not in "iuf" or arr.size != 1:
        fail("value", "be a single number", _describe(value), error=TypeError)
    return float(arr.reshape(()))


def _format_number(x):
    return f"{x:.6g}"


def check_answer(name, value, *, verbose=True):
    """Check a numeric answer against lossbook's value, within the question's tolerance.

    Parameters
    ----------
    name : str
        A key of :data:`QUESTIONS`, e.g. ``"entropy-peaked-bits"``.
    value : float or None
        The reader's answer (a number, or a 0-d / one-element array). ``None``,
        the value an exercise cell starts from (``answer = None``), is reported
        as "not solved yet" with score 0.
    verbose : bool, default True
        Print the feedback.

    Returns
    -------
    CheckResult
        ``score`` 1 or 0, ``max_score`` 1. The feedback gives the expected
        value only when the answer is right; otherwise it says whether the
        answer is close, too high or too low.

    Raises
    ------
    ValueError
        If ``name`` is not a question (the message lists them).
    TypeError
        If ``value`` is not a single number (nor ``None``).

    Examples
    --------
    >>> from lossbook import exercises
    >>> exercises.check_answer("entropy-uniform-8-bits", 3).passed
    entropy-uniform-8-bits: Entropy of the uniform distribution over 8 outcomes, in bits
    Correct: 3 bits (you answered 3; tolerance 0.5% relative).
    True
    >>> exercises.check_answer("entropy-peaked-bits", 2.0).passed
    entropy-peaked-bits: Entropy of [0.1, 0.1, 0.1, 0.7], in bits
    Not yet: 2 is too high (tolerance 0.5% relative).
    False

    A question not attempted yet (a student version of a chapter starts from
    ``answer = None``):

    >>> exercises.check_answer("entropy-peaked-bits", None).score
    entropy-peaked-bits: Entropy of [0.1, 0.1, 0.1, 0.7], in bits
    Not solved yet: replace `None` with your answer (a number), then run this cell again.
    0.0
    """
    question = _lookup(name, QUESTIONS, "a numeric question", FUNCTIONS, "a function exercise", "check_function")
    header = f"{name}: {question.prompt}"
    if value is None:
        text = "Not solved yet: replace `None` with your answer (a number), then run this cell again."
        return _finish(CheckResult(name, False, 0.0, 1.0, f"{header}\n{text}"), verbose)
    answer = _as_number(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(np.asarray(question.compute()))
    unit = f" {question.unit}" if question.unit else ""
    tolerance = f"{question.rtol * 100:g}% relative"
    if question.atol >= 1e-6:
        tolerance += f" or {question.atol:g} absolute"
    margin = question.atol + question.rtol * abs(expected)
    if math.isfinite(answer) and abs(answer - expected) <= margin:
        text = (
            f"Correct: {_format_number(expected)}{unit} "
            f"(you answered {_format_number(answer)}; tolerance {tolerance})."
        )
        return _finish(CheckResult(name, True, 1.0, 1.0, f"{header}\n{text}"), verbose)
    if not math.isfinite(answer):
        verdict = f"{answer} is not a finite number"
    elif abs(answer - expected) <= 10 * margin:
        verdict = f"{_format_number(answer)} is close, but not within the tolerance: check your rounding"
    else:
        verdict = f"{_format_number(answer)} is too {'high' if answer > expected else 'low'}"
    text = f"Not yet: {verdict} (tolerance {tolerance})."
    if math.isfinite(answer) and expected != 0 and question.unit in ("bits", "nats"):
        ratio = answer / expected
        if abs(ratio - math.log(2)) < 5e-3 or abs(ratio - 1 / math.log(2)) < 5e-3:
            other = "nats" if question.unit == "bits" else "bits"
            text += f" Your answer looks like it is in {other}; this question asks for {question.unit}."
    return _finish(CheckResult(name, False, 0.0, 1.0, f"{header}\n{text}"), verbose)

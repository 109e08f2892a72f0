"""Exercises that check themselves: the last cells of every chapter.

Two kinds of exercise:

* **Functions** (:func:`check_function`): the reader implements, say,
  ``entropy(p)``; the checker runs it on several cases (edge cases included:
  :math:`0 \\log 0`, one-hot rows, float32 input, a batch of rows, extreme
  logits) against lossbook's reference and explains every failing case: its
  inputs, the expected and the received values, and a hint.
* **Questions** (:func:`check_answer`): the reader computes a number, or
  picks an option of a multiple-choice question by its number; the checker
  says whether it is within the tolerance, and if not whether it is close,
  too high or too low, with the question's hint, without giving the expected
  value away. A wrong option is told why it is wrong.

Scores: a function exercise scores one point per case passed, so
``max_score`` is its number of cases; a numeric question scores 0 or 1.

Nothing the reader's function does stops the notebook: exceptions are caught
and reported per case, warnings (overflow in ``exp``, ``log(0)``, ``0/0``) are
recorded and mentioned, and the unsolved stub ``raise NotImplementedError()``
is reported as "not solved yet" with score 0.

Chapter authors add entries to :data:`FUNCTIONS` and :data:`QUESTIONS`; the
expected values of questions are always computed by lossbook, never typed in.
A function exercise is one record: its public cases, drawn from its own
generator seeded by its name (adding an exercise changes no other one's
cases), the generator of the grader's hidden cases
(:meth:`FunctionExercise.hidden_cases`) and its diagnoses. The checkers take
the cases to run as an argument, so the grader passes its hidden cases
without touching the registry.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import (
    activations,
    calibration,
    classification,
    gradients,
    information,
    probabilistic,
    regression,
    representation,
    segmentation,
)
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
    "exercise_rng",
    "CASES_SEED",
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
        The public cases. In the registry they are written as
        ``lambda rng: (Case(...), ...)`` and drawn once from the exercise's own
        generator (:func:`exercise_rng`).
    rtol, atol : float
        Default tolerances (``numpy.isclose``).
    diagnoses : tuple of callables
        ``diagnose(expected, received, args) -> str or None``: a likely mistake
        behind a wrong value ("you summed instead of averaging").
    hidden : callable or None
        ``hidden(rng) -> list of argument tuples``: the grader's hidden cases
        (:meth:`hidden_cases`). Without one, hidden cases permute the inputs
        of the public cases.
    name : str
        The exercise's key in :data:`FUNCTIONS` (set by the registry).
    """

    signature: str
    description: str
    reference: Callable[..., Any]
    cases: tuple[Case, ...] | Callable[[np.random.Generator], tuple[Case, ...]]
    rtol: float = 1e-7
    atol: float = 1e-10
    diagnoses: tuple[Callable[[np.ndarray, np.ndarray, tuple], str | None], ...] = ()
    hidden: Callable[[np.random.Generator], Sequence[tuple]] | None = None
    name: str = ""

    def _named(self, name):
        cases = self.cases(exercise_rng(name)) if callable(self.cases) else self.cases
        return replace(self, name=name, cases=tuple(cases))

    def hidden_cases(self, seed=0):
        """The grader's hidden cases: inputs drawn from ``seed`` and the exercise's name.

        Teachers pick their own seed so that students cannot know the inputs
        in advance; the same seed gives the same cases on every worker.

        Parameters
        ----------
        seed : int

        Returns
        -------
        tuple of Case
            Labelled ``"hidden case 1"``, ...; only inputs on which the
            reference runs without error. float32 inputs get the float32
            tolerances.

        Examples
        --------
        >>> from lossbook import exercises
        >>> [case.label for case in exercises.FUNCTIONS["entropy"].hidden_cases(seed=1)]
        ['hidden case 1', 'hidden case 2']
        """
        rng = exercise_rng(self.name, seed)
        if self.hidden is not None:
            candidates = self.hidden(rng)
        else:
            candidates = [p for p in (_permuted(c.args, rng) for c in self.cases) if p is not None][:3]
        cases = []
        for args in candidates:
            args = tuple(np.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.reference(*args)
            except (TypeError, ValueError):
                continue
            float32 = any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in args)
            tol = _FLOAT32_TOL if float32 else {}
            cases.append(Case(f"hidden case {len(cases) + 1}", args, **tol))
        return tuple(cases)

    @property
    def params(self):
        """Parameter names, parsed from ``signature``."""
        inside = self.signature[self.signature.index("(") + 1 : self.signature.rindex(")")]
        return tuple(p.strip() for p in inside.split(",") if p.strip())


@dataclass(frozen=True)
class Question:
    """A question answered by a number: a value, or the number of a choice.

    ``compute()`` returns the expected value by calling lossbook: the value
    itself, or for a multiple-choice question the number (1, 2, ...) of the
    right option, found by evaluating the options with lossbook.

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
    choices : tuple of str
        The options of a multiple-choice question, numbered from 1; empty for
        a numeric question.
    hint : str
        Shown with every wrong answer: the reasoning to revisit (never the
        expected value).
    why_not : mapping of int to str
        For a multiple-choice question: why each wrong option is wrong, shown
        when the reader picks it.
    """

    prompt: str
    compute: Callable[[], Any]
    unit: str = ""
    rtol: float = 5e-3
    atol: float = 1e-9
    choices: tuple[str, ...] = ()
    hint: str = ""
    why_not: Mapping[int, str] = field(default_factory=dict)

    @property
    def header(self):
        """The prompt, with the numbered options of a multiple-choice question."""
        if not self.choices:
            return self.prompt
        options = "; ".join(f"{k} = {text}" for k, text in enumerate(self.choices, start=1))
        return f"{self.prompt} Enter the number of your choice ({options})."


def _permuted(args, rng):
    """The same inputs with one permutation of their last axis (or of their rows); None if that changes nothing."""
    arrays = [np.asarray(a) for a in args]
    shaped = [a for a in arrays if a.ndim >= 1]
    if not shaped:
        return None
    if len({a.shape[-1] for a in shaped}) == 1 and shaped[0].shape[-1] > 1:
        perm = rng.permutation(shaped[0].shape[-1])
        out = tuple(a[..., perm] if a.ndim >= 1 else a for a in arrays)
    elif len({a.shape[0] for a in shaped}) == 1 and shaped[0].shape[0] > 1:
        perm = rng.permutation(shaped[0].shape[0])
        out = tuple(a[perm] if a.ndim >= 1 else a for a in arrays)
    else:
        return None
    if all(np.array_equal(a, b) for a, b in zip(out, arrays)):
        return None
    return out


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

#: Seed of the public cases. Each exercise draws its random cases from its own
#: generator, seeded with this number and the exercise's name
#: (:func:`exercise_rng`): adding or reordering exercises changes no other
#: exercise's cases.
CASES_SEED = 20260401
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


def exercise_rng(name, seed=CASES_SEED):
    """The random generator of one exercise: seeded by ``seed`` and the exercise's name.

    The public cases use ``seed=CASES_SEED``; the grader's hidden cases use the
    teacher's seed (:meth:`FunctionExercise.hidden_cases`). The same seed gives
    the same cases on every machine and every worker.
    """
    return np.random.default_rng([seed, *name.encode()])


def _dirichlet(rng, *shape):
    return rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])


def _rows(rng, n, k, *, zero=False):
    """``n`` random distributions over ``k`` outcomes; with ``zero``, one outcome has probability 0."""
    p = rng.dirichlet(np.ones(k), size=n)
    if zero:
        p[:, rng.integers(k)] = 0.0
        p /= p.sum(axis=-1, keepdims=True)
    return p


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


# Chapter 8: probabilistic regression and calibration
_GAUSSIAN_NLL_HINT = (
    "Per element 0.5 * (log(var) + (y - mu)**2 / var), with var = np.maximum(var, 1e-6), averaged over every "
    "element; no 0.5 * log(2 pi) (PyTorch's default, full=False)."
)


def _gaussian_nll_mean(y_true, y_pred, var):
    """lossbook.gaussian_nll with its defaults: the mean over every element (var of shape (..., K) or (..., 1))."""
    return probabilistic.gaussian_nll(y_true, y_pred, var)


def _gaussian_nll_variants(expected, received, args):
    """Common mistakes in the Gaussian NLL: the constant, no 1/2, the standard deviation, no clamp."""
    y, mu, var = (np.asarray(a, dtype=float) for a in args)
    if _close(received, expected + 0.5 * math.log(2 * math.pi)):
        return "Your value is the expected one plus 0.5 * log(2 pi) = 0.919: leave the constant out (full=False)."
    if np.any(expected != 0) and _close(received, 2 * expected):
        return "Your value is twice the expected one: the negative log-likelihood has a factor 1/2."
    with np.errstate(all="ignore"):
        clamped = np.maximum(var, 1e-6)
        as_std = np.mean(
            np.broadcast_to(np.log(clamped) + (y - mu) ** 2 / (2 * clamped**2), np.broadcast(y, var).shape)
        )
        no_clamp = np.mean(np.broadcast_to(0.5 * (np.log(var) + (y - mu) ** 2 / var), np.broadcast(y, var).shape))
    if np.isfinite(as_std) and _close(received, as_std):
        return "You treated var as the standard deviation sigma; it is the variance sigma**2."
    if not _close(no_clamp, expected) and np.isfinite(no_clamp) and _close(received, no_clamp):
        return "You did not clamp the variance: use np.maximum(var, 1e-6) before the log and the division."
    return None


_PADDING_HINT = (
    "Padding positions (label -1) are not tokens: leave them out of the sum and out of the count. "
    "Careful: logits[..., -1] is the last class, so a label -1 used as an index silently picks it."
)
_TOKEN_MEAN_HINT = (
    "Average over all real tokens of the batch at once (sum of their losses / their number), "
    "not over sequences: a sequence of 5 tokens counts 5 times, one of 2 tokens twice."
)


def _masked_token_cross_entropy(labels, logits):
    """The reference: lossbook's sparse cross-entropy from logits with ``ignore_class=-1``."""
    return classification.sparse_categorical_crossentropy(labels, logits, from_logits=True, ignore_class=-1)


def _token_losses(labels, logits):
    """Per-position cross-entropy (float64) and the mask of real tokens."""
    labels, logits = np.asarray(labels), np.asarray(logits, dtype=np.float64)
    mask = labels != -1
    log_p = activations.log_softmax(logits)
    picked = np.take_along_axis(log_p, np.where(mask, labels, 0)[..., None], axis=-1)[..., 0]
    return -picked, mask, log_p


def _padding_as_last_class(expected, received, args):
    labels, logits = args
    losses, mask, log_p = _token_losses(labels, logits)
    wrapped = -np.take_along_axis(log_p, np.asarray(labels)[..., None], axis=-1)[..., 0]  # -1 = last class
    if mask.all():
        return None
    if _close(received, wrapped.mean()):
        return "The padding positions were counted, with label -1 picking the last class (NumPy's negative index)."
    return None


def _padding_counted_as_zero(expected, received, args):
    labels, logits = args
    losses, mask, _ = _token_losses(labels, logits)
    if not mask.all() and _close(received, np.where(mask, losses, 0).sum() / mask.size):
        return "You divided by all positions, padding included: divide by the number of real tokens."
    return None


def _mean_of_sequence_means(expected, received, args):
    labels, logits = args
    losses, mask, _ = _token_losses(labels, logits)
    if losses.ndim != 2 or mask.shape[0] < 2 or (mask.sum(axis=1) == mask.shape[1]).all():
        return None
    per_sequence = np.where(mask, losses, 0).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
    if _close(received, per_sequence.mean()):
        return "You averaged each sequence first and then the sequences: average over the tokens of the batch."
    return None


def _padded_batch(rng, n, t, c):
    """A batch of ``n`` sequences of ``t`` positions over ``c`` classes, each with 1 to t real tokens then padding."""
    labels = rng.integers(0, c, size=(n, t))
    lengths = rng.integers(1, t + 1, size=n)
    labels[np.arange(t)[None, :] >= lengths[:, None]] = -1
    return labels, rng.normal(0, 3, size=(n, t, c))


def _by_name(entries):
    """Give each exercise its name and draw its public cases from its own generator."""
    return {name: exercise._named(name) for name, exercise in entries.items()}


#: Function exercises: name -> :class:`FunctionExercise`, one record each: the
#: public cases (drawn from the exercise's own generator), the hidden-case
#: generator of the grader and the diagnoses of common mistakes.
FUNCTIONS: dict[str, FunctionExercise] = _by_name(
    {
        "entropy": FunctionExercise(
            "entropy(p)",
            "Shannon entropy H(p) = -sum p log p in nats over the last axis, exact (0 log 0 = 0)",
            information.entropy,
            lambda rng: (
                Case("a fair coin", (np.array([0.5, 0.5]),)),
                Case("a peaked distribution", (np.array([0.1, 0.1, 0.1, 0.7]),)),
                Case("a one-hot distribution (0 log 0 = 0)", (np.array([0.0, 1.0, 0.0]),), _ZERO_HINT),
                Case("a distribution with one zero", (np.array([0.5, 0.25, 0.25, 0.0]),), _ZERO_HINT),
                Case("float32 input", (_dirichlet(rng, 5).astype(_F32),), **_FLOAT32_TOL),
                Case("a batch of 3 rows", (np.array([[0.25] * 4, [1.0, 0, 0, 0], [0.7, 0.1, 0.1, 0.1]]),), _BATCH_HINT),
            ),
            diagnoses=(_log_base, _epsilon_inside_log(_fudged_entropy)),
            hidden=lambda rng: [(_rows(rng, 4, 6),), (_rows(rng, 3, 5, zero=True).astype(_F32),)],
        ),
        "cross_entropy": FunctionExercise(
            "cross_entropy(p, q)",
            "cross-entropy H(p, q) = -sum p log q in nats over the last axis, exact; p is the target",
            information.cross_entropy,
            lambda rng: (
                Case("a one-hot target (Deep Learning from Scratch 4.2.2)", (_DLFS_T, _DLFS_Y), _ZERO_HINT),
                Case("the same one-hot target, a wrong prediction", (_DLFS_T, _DLFS_Y_WRONG), _ZERO_HINT),
                Case("p == q (gives the entropy of p)", (np.array([0.2, 0.3, 0.5]), np.array([0.2, 0.3, 0.5]))),
                Case("a soft target", (np.array([0.1, 0.6, 0.3]), np.array([0.3, 0.4, 0.3]))),
                Case("float32 input", tuple(d.astype(_F32) for d in _dirichlet(rng, 2, 6)), **_FLOAT32_TOL),
                Case("a batch of 4 rows", (_dirichlet(rng, 4, 3), _dirichlet(rng, 4, 3)), _BATCH_HINT),
            ),
            diagnoses=(_log_base, _swapped(information.cross_entropy), _epsilon_inside_log(_fudged_cross_entropy)),
            hidden=lambda rng: [(_rows(rng, 3, 5), _rows(rng, 3, 5)), (_rows(rng, 1, 7)[0], _rows(rng, 1, 7)[0])],
        ),
        "softmax": FunctionExercise(
            "softmax(x)",
            "softmax over the last axis, without overflow",
            activations.softmax,
            lambda rng: (
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
                Case("float32 input", (rng.normal(0, 3, size=5).astype(_F32),), **_FLOAT32_TOL),
                Case(
                    "a batch of 3 rows",
                    (np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]]),),
                    "Each row is its own distribution: take the max and the sum along axis=-1 with keepdims=True.",
                ),
            ),
            diagnoses=(_normalized_whole_array,),
            hidden=lambda rng: [(rng.normal(0, 300, size=(3, 5)),), (rng.normal(0, 2, size=6).astype(_F32),)],
        ),
        "log_softmax": FunctionExercise(
            "log_softmax(x)",
            "logarithm of the softmax over the last axis, finite for finite logits",
            activations.log_softmax,
            lambda rng: (
                Case("small logits", (np.array([1.0, 2.0, 3.0]),)),
                Case(
                    "logits [1000, -1000, 0]",
                    (np.array([1000.0, -1000.0, 0.0]),),
                    "np.log(softmax(x)) takes log(0) = -inf where softmax underflows: compute x - logsumexp(x), "
                    "with logsumexp(x) = m + log(sum(exp(x - m))) and m the largest logit.",
                ),
                Case("float32 input", (rng.normal(0, 3, size=5).astype(_F32),), **_FLOAT32_TOL),
                Case(
                    "a batch of 2 rows",
                    (np.array([[1.0, 2.0, 3.0], [1e3, 0.0, -1e3]]),),
                    "Each row is normalized separately: reduce along axis=-1 with keepdims=True.",
                ),
            ),
            hidden=lambda rng: [(rng.normal(0, 300, size=(3, 5)),), (rng.normal(0, 2, size=6),)],
        ),
        "binary_crossentropy_from_logits": FunctionExercise(
            "binary_crossentropy_from_logits(y_true, logits)",
            "mean binary cross-entropy of labels y_true in [0, 1] and logits z, stable for large |z|",
            _bce_from_logits,
            lambda rng: (
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
                    (rng.integers(0, 2, size=6).astype(_F32), rng.normal(0, 3, size=6).astype(_F32)),
                    **_FLOAT32_TOL,
                ),
                Case(
                    "a batch of 2 rows",
                    (np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), np.array([[3.0, -2.0, 0.0], [1.0, -1.0, 2.0]])),
                    "Average over every element: per row over the last axis, then over the rows.",
                ),
            ),
            diagnoses=(_summed_not_averaged,),
            hidden=lambda rng: [
                (rng.integers(0, 2, size=(3, 4)).astype(float), rng.normal(0, 300, size=(3, 4))),
                (rng.uniform(size=5), rng.normal(0, 2, size=5)),
            ],
        ),
        "mean_squared_error": FunctionExercise(
            "mean_squared_error(y_true, y_pred)",
            "mean of the squared errors over the last axis, then over the batch (a single number)",
            regression.mean_squared_error,
            lambda rng: (
                Case("one sample", (np.array([0.0, 1.0]), np.array([1.0, 1.0]))),
                Case(
                    "Keras' example [[0, 1], [0, 0]] vs [[1, 1], [1, 0]]",
                    (np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])),
                ),
                Case("a perfect prediction", (np.array([3.0, -1.0, 2.0]), np.array([3.0, -1.0, 2.0]))),
                Case(
                    "float32 input",
                    (rng.normal(size=(4, 3)).astype(_F32), rng.normal(size=(4, 3)).astype(_F32)),
                    **_FLOAT32_TOL,
                ),
                Case("a batch of 5 rows of 3", (rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))),
            ),
            diagnoses=(_summed_not_averaged, _square_root, _half),
            hidden=lambda rng: [
                (rng.normal(size=(6, 2)), rng.normal(size=(6, 2))),
                (rng.normal(size=4), rng.normal(size=4)),
            ],
        ),
        "sum_squared_error": FunctionExercise(
            "sum_squared_error(y_true, y_pred)",
            "half the sum of squared errors over every element, 0.5 * sum((y_pred - y_true)**2)",
            regression.sum_squared_error,
            lambda rng: (
                Case("Deep Learning from Scratch 4.2.1, prediction peaked on the true class", (_DLFS_T, _DLFS_Y)),
                Case("the same target, prediction peaked on class 7", (_DLFS_T, _DLFS_Y_WRONG)),
                Case("a perfect prediction", (np.array([1.0, 2.0]), np.array([1.0, 2.0]))),
                Case(
                    "float32 input", (rng.normal(size=6).astype(_F32), rng.normal(size=6).astype(_F32)), **_FLOAT32_TOL
                ),
                Case(
                    "a batch of 3 rows (the sum runs over every element)",
                    (rng.normal(size=(3, 4)), rng.normal(size=(3, 4))),
                    "Sum over every element of the batch: np.sum without axis.",
                ),
            ),
            diagnoses=(_half, _summed_not_averaged),
            hidden=lambda rng: [
                (rng.normal(size=(2, 5)), rng.normal(size=(2, 5))),
                (rng.normal(size=3).astype(_F32), rng.normal(size=3).astype(_F32)),
            ],
        ),
        "mse_per_sample": FunctionExercise(
            "mse_per_sample(y_true, y_pred)",
            "mean squared error of each sample (row): one value per row, no batch reduction",
            _mse_per_sample,
            lambda rng: (
                Case(
                    "Keras' example, 2 rows",
                    (np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])),
                    _BATCH_HINT,
                ),
                Case("a batch of 4 rows of 3", (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))), _BATCH_HINT),
                Case(
                    "a single sample (1-D input gives a single value)",
                    (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0])),
                ),
                Case(
                    "float32 input",
                    (rng.normal(size=(3, 2)).astype(_F32), rng.normal(size=(3, 2)).astype(_F32)),
                    _BATCH_HINT,
                    **_FLOAT32_TOL,
                ),
            ),
            diagnoses=(_summed_not_averaged, _square_root),
            hidden=lambda rng: [
                (rng.normal(size=(5, 4)), rng.normal(size=(5, 4))),
                (rng.normal(size=(2, 1)), rng.normal(size=(2, 1))),
            ],
        ),
        "huber": FunctionExercise(
            "huber(y_true, y_pred, delta)",
            "mean Huber loss: 0.5 * e**2 where |e| <= delta, delta * |e| - 0.5 * delta**2 beyond, "
            "with e = y_pred - y_true",
            _huber_mean,
            lambda rng: (
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
                    (rng.normal(size=(4, 3)).astype(_F32), (2 * rng.normal(size=(4, 3))).astype(_F32), 1.0),
                    **_FLOAT32_TOL,
                ),
                Case(
                    "delta = 0.5, a batch of 3 rows",
                    (
                        np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]]),
                        np.array([[0.3, 0.0], [0.0, 0.25], [1.5, 3.0]]),
                        0.5,
                    ),
                    "Use delta in both parts: the threshold |e| <= delta "
                    "and the linear part delta * |e| - 0.5 * delta**2.",
                ),
                Case(
                    "delta = 2, errors on both sides of it",
                    (np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, -1.5, 4.0, -10.0]), 2.0),
                    "Use delta in both parts: the threshold |e| <= delta "
                    "and the linear part delta * |e| - 0.5 * delta**2.",
                ),
            ),
            diagnoses=(_huber_variants, _summed_not_averaged),
            hidden=lambda rng: [
                (rng.normal(size=(3, 4)), 3 * rng.normal(size=(3, 4)), float(rng.uniform(0.5, 2.0))),
                (rng.normal(size=5), rng.normal(size=5), 1.0),
            ],
        ),
        "hinge": FunctionExercise(
            "hinge(y_true, y_pred)",
            "mean hinge loss max(0, 1 - y * f) of labels y in {-1, 1} (or {0, 1}, mapped to -1, 1) and scores f",
            classification.hinge,
            lambda rng: (
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
                    (rng.choice([-1.0, 1.0], size=6).astype(_F32), rng.normal(0, 2, size=6).astype(_F32)),
                    **_FLOAT32_TOL,
                ),
                Case(
                    "a batch of 3 rows of 2 outputs",
                    (
                        np.array([[1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]]),
                        np.array([[0.5, 0.2], [-2.0, 1.2], [3.0, -0.7]]),
                    ),
                    "Average over every element: per row over the last axis, then over the rows.",
                ),
                Case(
                    "a batch of 0/1 labels",
                    (np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[-0.2, 0.9], [1.4, -0.5]])),
                    _HINGE_LABELS_HINT,
                ),
            ),
            diagnoses=(_hinge_labels_not_mapped, _hinge_without_max, _summed_not_averaged),
            hidden=lambda rng: [
                (rng.choice([-1.0, 1.0], size=(3, 4)), rng.normal(0, 2, size=(3, 4))),
                (rng.integers(0, 2, size=6).astype(float), rng.normal(0, 2, size=6)),
            ],
        ),
        # Chapter 5: why not MSE with a sigmoid output
        "sigmoid_mse_grad": FunctionExercise(
            "sigmoid_mse_grad(y_true, logits)",
            "elementwise derivative of (sigmoid(z) - y)**2 with respect to the logit z",
            gradients.sigmoid_mse_grad,
            lambda rng: (
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
                    (rng.integers(0, 2, size=6).astype(_F32), rng.normal(0, 3, size=6).astype(_F32)),
                    **_FLOAT32_TOL,
                ),
            ),
            hidden=lambda rng: [
                (rng.integers(0, 2, size=(3, 4)).astype(float), rng.normal(0, 8, size=(3, 4))),
                (rng.integers(0, 2, size=5).astype(_F32), rng.normal(0, 3, size=5).astype(_F32)),
            ],
        ),
        # Chapter 8: probabilistic regression and calibration
        "gaussian_nll": FunctionExercise(
            "gaussian_nll(y_true, y_pred, var)",
            "mean Gaussian negative log-likelihood 0.5 * (log var + (y - mu)**2 / var), var clamped below at 1e-6, "
            "without the constant 0.5 * log(2 pi) (torch.nn.GaussianNLLLoss)",
            _gaussian_nll_mean,
            lambda rng: (
                Case(
                    "unit variances: half the squared error",
                    (np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0]), np.array([1.0, 1.0, 1.0])),
                    _GAUSSIAN_NLL_HINT,
                ),
                Case(
                    "a different variance for every element",
                    (np.array([0.0, 1.0, -2.0, 4.0]), np.array([0.5, 0.0, -1.0, 1.0]), np.array([0.25, 2.0, 1.0, 9.0])),
                    "var is the variance sigma**2, not the standard deviation: divide by var, and take log(var).",
                ),
                Case(
                    "a batch of 3 rows with one variance per row, shape (3, 1)",
                    (
                        np.array([[1.0, 2.0], [0.0, 0.0], [3.0, -1.0]]),
                        np.array([[1.2, 1.5], [0.3, -0.1], [2.0, 0.0]]),
                        np.array([[0.5], [0.1], [4.0]]),
                    ),
                    "A variance of shape (N, 1) is shared by the row's outputs: NumPy broadcasts it; average over "
                    "every element.",
                ),
                Case(
                    "a variance below eps = 1e-6 is clamped",
                    (np.array([1.0, 2.0]), np.array([1.0, 2.5]), np.array([1e-9, 0.5])),
                    "Clamp the variance from below, np.maximum(var, 1e-6), as PyTorch does: without it an exact "
                    "prediction with a tiny variance earns an arbitrarily low loss (variance collapse).",
                ),
                Case(
                    "float32 input",
                    (
                        rng.normal(size=6).astype(_F32),
                        rng.normal(size=6).astype(_F32),
                        rng.uniform(0.2, 3.0, size=6).astype(_F32),
                    ),
                    **_FLOAT32_TOL,
                ),
                Case(
                    "large errors with large variances",
                    (np.array([100.0, -50.0]), np.array([0.0, 0.0]), np.array([2500.0, 100.0])),
                    _GAUSSIAN_NLL_HINT,
                ),
            ),
            diagnoses=(_gaussian_nll_variants,),
            hidden=lambda rng: [
                (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(0.05, 4.0, size=(4, 1))),
                (rng.normal(0, 3, size=5), rng.normal(size=5), rng.uniform(0.1, 9.0, size=5)),
                (rng.normal(size=4).astype(_F32), rng.normal(size=4).astype(_F32), np.full(4, 1e-8, dtype=_F32)),
            ],
        ),
        # Chapter 9: losses for representations and sequences
        "masked_token_cross_entropy": FunctionExercise(
            "masked_token_cross_entropy(labels, logits)",
            "mean next-token cross-entropy from logits over the real tokens of a padded batch (label -1 = padding)",
            _masked_token_cross_entropy,
            lambda rng: (
                Case(
                    "one sequence of 4 tokens, no padding",
                    (np.array([[2, 0, 1, 3]]), rng.normal(0, 2, size=(1, 4, 5))),
                    "Per token: logsumexp of its logits minus the logit of its label; then the mean.",
                ),
                Case(
                    "one sequence with two padding tokens at the end",
                    (np.array([[1, 4, -1, -1]]), rng.normal(0, 2, size=(1, 4, 5))),
                    _PADDING_HINT,
                ),
                Case(
                    "two sequences of 5 and 2 real tokens",
                    (np.array([[0, 3, 1, 1, 2], [4, 2, -1, -1, -1]]), rng.normal(0, 2, size=(2, 5, 5))),
                    _TOKEN_MEAN_HINT,
                ),
                Case(
                    "logits of +-1000",
                    (np.array([[0, 1, -1]]), np.array([[[1000.0, -1000.0, 0.0], [0.0, -1000.0, 1000.0], [5.0, 0, 0]]])),
                    "Use a stable log-softmax (subtract the largest logit first, or lossbook.log_softmax).",
                ),
                Case(
                    "float32 logits",
                    (np.array([[3, 0, 2, -1], [1, 1, -1, -1]]), rng.normal(0, 2, size=(2, 4, 4)).astype(_F32)),
                    **_FLOAT32_TOL,
                ),
            ),
            diagnoses=(_padding_as_last_class, _padding_counted_as_zero, _mean_of_sequence_means),
            hidden=lambda rng: [
                _padded_batch(rng, 3, 6, 7),
                _padded_batch(rng, 2, 5, 4),
            ],
        ),
    }
)


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


def _only(condition, what):
    """The number (from 1) of the only option for which ``condition`` holds."""
    picked = [k for k, holds in enumerate(condition, start=1) if holds]
    if len(picked) != 1:
        raise AssertionError(f"{what}: options {picked} qualify, not exactly one")
    return picked[0]


def _more_uncertain(p, q):
    """1 if ``p`` has the larger entropy, 2 if ``q`` has, 3 if they are equal."""
    h_p, h_q = information.entropy(p), information.entropy(q)
    return _only(
        [h_p > h_q and not np.isclose(h_p, h_q), h_q > h_p and not np.isclose(h_p, h_q), np.isclose(h_p, h_q)],
        "entropy comparison",
    )


def _non_convex_in_the_logit():
    """The option whose loss (label 1) has a negative second difference somewhere on z in [-10, 10]."""
    z = np.linspace(-10.0, 10.0, 2001).reshape(-1, 1)
    ones = np.ones_like(z)
    losses = (
        classification.binary_crossentropy(ones, z, from_logits=True, reduction="none"),
        regression.mean_squared_error(ones, activations.sigmoid(z), reduction="none"),
        classification.hinge(ones, z, reduction="none"),
    )
    return _only([np.diff(loss, 2).min() < -1e-12 for loss in losses], "non-convex loss")


def _zero_loss_at_margin(margin):
    """The option whose loss (label +1, score = margin) is exactly 0."""
    y, f = np.array([[1.0]]), np.array([[margin]])
    losses = (
        classification.binary_crossentropy(y, f, from_logits=True),
        classification.hinge(y, f),
        classification.exponential_loss(y, f),
    )
    return _only([float(loss) == 0.0 for loss in losses], "zero loss")


#: Chapter 9's padded batch: labels (-1 = padding) and two-class probabilities whose class 0 is the true token.
_PERPLEXITY_BATCH = (
    np.array([[0, 0, 0, -1], [0, -1, -1, -1]]),
    np.array([[[0.5, 0.5], [0.25, 0.75], [0.125, 0.875], [0.5, 0.5]], [[0.5, 0.5]] + [[0.5, 0.5]] * 3]),
)
_INFO_NCE_MATRIX = np.array([[0.9, 0.1, 0.3], [0.2, 0.8, 0.0], [0.4, 0.5, 0.7]])


#: Questions: name -> :class:`Question`. Expected values are lossbook calls.
def _best_variance(y, mu):
    """The variance minimizing lossbook.gaussian_nll of one prediction (bounded search on log v)."""
    from scipy.optimize import minimize_scalar

    def nll(log_v):
        return float(probabilistic.gaussian_nll([[y]], [[mu]], [[math.exp(log_v)]]))

    return math.exp(minimize_scalar(nll, bounds=(-12, 6), method="bounded", options={"xatol": 1e-10}).x)


def _binary_ece(p, labels, n_bins):
    """lossbook.expected_calibration_error of probabilities of class 1 (rows (1 - p, p))."""
    p = np.asarray(p, dtype=float)
    return calibration.expected_calibration_error(labels, np.stack([1 - p, p], axis=-1), n_bins=n_bins)


def _temperature_accuracy_effect():
    """The option (1 rises, 2 falls, 3 same) for the accuracy of lossbook.overconfident_classifier at T = 2.5."""
    logits, labels = calibration.overconfident_classifier(2000, seed=3)
    before = np.mean(activations.softmax(logits).argmax(axis=-1) == labels)
    after = np.mean(calibration.temperature_scale(logits, 2.5).argmax(axis=-1) == labels)
    return 1 if after > before else 2 if after < before else 3


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
    "mse-outlier-doubled-factor": Question(
        "Factor by which the mean squared error of y_pred = [1, 2, 3, 14] for y_true = [1, 2, 3, 4] grows "
        "when the outlier's prediction moves from 14 to 24 (its error from 10 to 20)",
        lambda: (
            regression.mean_squared_error([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 24.0])
            / regression.mean_squared_error([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 14.0])
        ),
        hint="The other three errors are 0, so the mean changes by the same factor as the outlier's own term: "
        "how does e**2 change when e doubles? (The absolute error |e| only doubles.)",
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
    "entropy-which-more-uncertain": Question(
        "Which is more uncertain: a fair coin, or the four-outcome distribution [0.1, 0.1, 0.1, 0.7]?",
        lambda: _more_uncertain([0.5, 0.5], [0.1, 0.1, 0.1, 0.7]),
        choices=("the fair coin", "the distribution [0.1, 0.1, 0.1, 0.7]", "both have the same entropy"),
        why_not={
            1: "The fair coin is the most uncertain of the two-outcome distributions (1 bit), but the other one "
            "has four outcomes: each of its three rare outcomes has a surprise of log2(10), about 3.3 bits, and "
            "it happens 10% of the time. Add up p * log2(1/p) for both.",
            3: "Entropy is the average surprise, sum p * log2(1/p): compute it for both, they differ.",
        },
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
    "softmax-ce-grad-true-logit": Question(
        "Derivative of the categorical cross-entropy with respect to the logit of the true class, for the "
        "logits z = [4, 0, -4] and the true class 2 (the third; the loss is about 8 nats)",
        lambda: gradients.softmax_ce_grad([0.0, 0.0, 1.0], [4.0, 0.0, -4.0])[2],
        hint="With respect to the logits the gradient is softmax(z) - y, a difference of two probabilities: it "
        "stays small however large the loss. It is the gradient with respect to the probability q of the true "
        "class, of size 1/q, that blows up.",
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
    "huber-gradient-outlier-factor": Question(
        "Factor by which the derivative of the Huber loss (delta = 1) with respect to the prediction grows "
        "when the error grows from 10 to 100",
        lambda: gradients.huber_grad([0.0], [100.0])[0] / gradients.huber_grad([0.0], [10.0])[0],
        hint="Beyond delta the Huber loss is the straight line delta * |e| - delta**2 / 2: what is the slope of "
        "a straight line at two different points? (The squared error's slope, 2 e, grows with the error.)",
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
    "zero-loss-at-margin-2": Question(
        "Which of these losses gives a correctly classified sample with the margin m = 2 a loss of exactly 0, "
        "and so no gradient at all?",
        lambda: _zero_loss_at_margin(2.0),
        choices=("the logistic loss log(1 + exp(-m))", "the hinge loss max(0, 1 - m)", "the exponential loss exp(-m)"),
        why_not={
            1: "log(1 + exp(-m)) is positive for every margin: the logistic loss keeps pushing confident samples "
            "further, with a gradient that shrinks like exp(-m) but never reaches 0.",
            3: "exp(-m) is positive for every margin, and so is the size of its gradient: the exponential loss "
            "pushes every sample, however confident.",
        },
    ),
    "exponential-loss-example": Question(
        "Share of the total exponential loss carried by the mislabeled sample among the margins [2, 1, 0.5, -3]",
        lambda: _exponential_share([2.0, 1.0, 0.5, -3.0]),
    ),
    # Chapter 5: why not MSE with a sigmoid output
    "non-convex-in-the-logit": Question(
        "Which of these losses, for the label y = 1, is not convex as a function of the logit z?",
        _non_convex_in_the_logit,
        choices=(
            "the binary cross-entropy of sigmoid(z)",
            "the squared error (sigmoid(z) - 1)**2",
            "the hinge loss max(0, 1 - z)",
        ),
        why_not={
            1: "For y = 1 the binary cross-entropy of sigmoid(z) is softplus(-z) = log(1 + exp(-z)); its second "
            "derivative, sigmoid(z) * (1 - sigmoid(z)), is positive everywhere, so it is convex.",
            3: "max(0, 1 - z) is the larger of two straight lines, 0 and 1 - z: it has a kink at z = 1, but no "
            "chord lies below it, so it is convex.",
        },
        hint="Look at a loss far on the wrong side (z -> -inf): does it keep curving upwards, or flatten out?",
    ),
    # Chapter 9: losses for representations and sequences
    "perplexity-padded-batch": Question(
        "Perplexity exp(mean token cross-entropy) of a batch of two sequences: the model gives the true next "
        "tokens the probabilities 0.5, 0.25, 0.125 (then one padding position) and 0.5 (then three padding "
        "positions)",
        lambda: float(np.exp(classification.sparse_categorical_crossentropy(*_PERPLEXITY_BATCH, ignore_class=-1))),
        hint="Average -log p over the 4 real tokens only (not the 8 positions, not per sequence), then take exp.",
    ),
    "info-nce-similarity-matrix": Question(
        "InfoNCE of the similarity matrix [[0.9, 0.1, 0.3], [0.2, 0.8, 0.0], [0.4, 0.5, 0.7]] at temperature 0.5 "
        "(the positive of anchor i is candidate i)",
        lambda: representation.info_nce(_INFO_NCE_MATRIX, temperature=0.5),
        hint="Row i, divided by the temperature, is the logits of a softmax over the candidates; the loss of "
        "anchor i is -log of its diagonal entry's probability; average over the rows.",
    ),
    "info-nce-at-initialization": Question(
        "Predict, then check: InfoNCE of an untrained model whose similarities are all equal, in a batch of "
        "256 pairs (a 256 x 256 similarity matrix)",
        lambda: representation.info_nce(np.zeros((256, 256))),
        hint="With equal similarities the softmax over the candidates is uniform: how many candidates does "
        "each anchor have, and what is -log of one over that number?",
    ),
    "dice-small-mask": Question(
        "Dice loss of the predicted mask [1, 1, 0, 1, 0, 0, 0, 0] for the true mask [1, 1, 1, 0, 0, 0, 0, 0]",
        lambda: segmentation.dice([1.0, 1, 1, 0, 0, 0, 0, 0], [1.0, 1, 0, 1, 0, 0, 0, 0]),
        hint="Dice counts overlap: 1 - 2 |A and B| / (|A| + |B|). The 4 background pixels both masks get right "
        "do not enter it.",
    ),
    "sigmoid-gradient-ratio": Question(
        "Ratio of the cross-entropy gradient to the squared-error gradient with respect to the logit, "
        "at z = -5 for the label y = 1",
        lambda: float(gradients.sigmoid_bce_grad(1.0, -5.0) / gradients.sigmoid_mse_grad(1.0, -5.0)),
    ),
    # Chapter 8: probabilistic regression and calibration
    "gaussian-nll-best-variance": Question(
        "The variance var that minimizes the Gaussian negative log-likelihood of the prediction mu = 2.0 for the "
        "target y = 2.7",
        lambda: _best_variance(2.7, 2.0),
        hint="Differentiate 0.5 * (log v + r**2 / v) with respect to v and set the derivative to 0 (r = y - mu); "
        "or minimize lb.gaussian_nll over v numerically.",
    ),
    "ece-six-predictions": Question(
        "Expected calibration error, with 5 bins, of the probabilities of class 1 "
        "p = [0.95, 0.7, 0.55, 0.2, 0.4, 0.85] for the labels [1, 0, 1, 0, 1, 1]",
        lambda: _binary_ece([0.95, 0.7, 0.55, 0.2, 0.4, 0.85], [1, 0, 1, 0, 1, 1], 5),
        hint="The confidence is the top-label probability max(p, 1 - p), and a prediction is right when its top "
        "label is the label. Put each confidence in its bin ((0.4, 0.6], (0.6, 0.8], ...), then weight each "
        "bin's |accuracy - mean confidence| by its share of the samples.",
    ),
    "temperature-and-accuracy": Question(
        "An overconfident classifier's logits are divided by the temperature T = 2.5 fitted on held-out data. "
        "What happens to its accuracy?",
        _temperature_accuracy_effect,
        choices=("it rises", "it falls", "it stays exactly the same"),
        why_not={
            1: "Dividing every logit of a sample by the same T > 0 keeps their order: the predicted class, the "
            "argmax, cannot change, so no prediction becomes right.",
            2: "Dividing every logit of a sample by the same T > 0 keeps their order: the predicted class, the "
            "argmax, cannot change, so no prediction becomes wrong.",
        },
    ),
}


# --------------------------------------------------------------------------
# Chapter 7: weights, imbalance and noisy labels (function exercise, questions)
# --------------------------------------------------------------------------


def _focal_reference(y_true, y_pred, gamma, alpha):
    """Binary focal cross-entropy of probabilities with class balancing, Lin et al.'s alpha_t (1 - p_t)^gamma CE."""
    return classification.binary_focal_crossentropy(
        y_true, y_pred, gamma=gamma, alpha=alpha, apply_class_balancing=True
    )


def _focal_without_balancing(expected, received, args):
    y, p, gamma, _ = args
    plain = classification.binary_focal_crossentropy(y, p, gamma=gamma)
    if _close(received, plain) and not _close(expected, plain):
        return (
            "Your value is the focal loss without alpha: weight the positives by alpha and the negatives by "
            "1 - alpha (alpha_t = alpha * y + (1 - alpha) * (1 - y))."
        )
    return None


def _focal_alpha_everywhere(expected, received, args):
    y, p, gamma, alpha = args
    everywhere = alpha * classification.binary_focal_crossentropy(y, p, gamma=gamma)
    if _close(received, everywhere) and not _close(expected, everywhere):
        return "You multiplied every example by alpha: the negatives (y = 0) get the weight 1 - alpha."
    return None


def _focal_without_focusing(expected, received, args):
    y, p, gamma, alpha = args
    weighted = _focal_reference(y, p, 0.0, alpha)
    if gamma and _close(received, weighted) and not _close(expected, weighted):
        return "Your value is the alpha-weighted cross-entropy: multiply each term by (1 - p_t)**gamma."
    return None


_FOCAL_PT_HINT = "p_t is the probability of the true class: p where y = 1 and 1 - p where y = 0."
_FOCAL_CLIP_HINT = (
    "Clip the probabilities to [1e-7, 1 - 1e-7] inside the logarithm, as Keras and lossbook do: "
    "a probability 0 for the true class then costs -log(1e-7), not infinity."
)

FUNCTIONS.update(
    _by_name(
        {
            "binary_focal": FunctionExercise(
                "binary_focal(y_true, y_pred, gamma, alpha)",
                "mean binary focal cross-entropy alpha_t (1 - p_t)**gamma * BCE of probabilities, "
                "alpha for positives and 1 - alpha for negatives",
                _focal_reference,
                lambda rng: (
                    Case("one positive, p = 0.9, gamma = 2", (np.array([1.0]), np.array([0.9]), 2.0, 0.25)),
                    Case(
                        "positives and negatives",
                        (np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.8, 0.3, 0.2, 0.95]), 2.0, 0.25),
                        _FOCAL_PT_HINT,
                    ),
                    Case(
                        "gamma = 0: the alpha-weighted cross-entropy",
                        (np.array([1.0, 0.0, 0.0]), np.array([0.6, 0.4, 0.1]), 0.0, 0.75),
                    ),
                    Case(
                        "a probability 0 for a positive (clipped)",
                        (np.array([1.0, 0.0]), np.array([0.0, 0.5]), 2.0, 0.25),
                        _FOCAL_CLIP_HINT,
                    ),
                    Case(
                        "a batch of 2 rows of 3 outputs, gamma = 1.5, alpha = 0.6",
                        (
                            np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]),
                            np.array([[0.7, 0.2, 0.55], [0.1, 0.35, 0.99]]),
                            1.5,
                            0.6,
                        ),
                        "Average over every element: per row over the last axis, then over the rows.",
                    ),
                    Case(
                        "float32 input",
                        (
                            rng.integers(0, 2, size=6).astype(_F32),
                            rng.uniform(0.02, 0.98, size=6).astype(_F32),
                            2.0,
                            0.25,
                        ),
                        **_FLOAT32_TOL,
                    ),
                ),
                diagnoses=(
                    _focal_without_balancing,
                    _focal_alpha_everywhere,
                    _focal_without_focusing,
                    _summed_not_averaged,
                ),
                hidden=lambda rng: [
                    (
                        rng.integers(0, 2, size=(3, 4)).astype(float),
                        rng.uniform(0.01, 0.99, size=(3, 4)),
                        float(rng.uniform(0.5, 4.0)),
                        float(rng.uniform(0.1, 0.9)),
                    ),
                    (
                        rng.integers(0, 2, size=5).astype(float),
                        rng.uniform(0.01, 0.99, size=5),
                        float(rng.choice([0.0, 1.0, 2.0, 5.0])),
                        float(rng.uniform(0.0, 1.0)),
                    ),
                ],
            ),
        }
    )
)


def _keras_class_weighted_bce():
    from .weighting import class_weight_to_sample_weight

    labels = np.array([[0.0], [0.0], [0.0], [1.0]])
    weights = class_weight_to_sample_weight(labels[:, 0].astype(int), {0: 1.0, 1: 10.0})
    return classification.binary_crossentropy(labels, np.array([[0.1], [0.2], [0.1], [0.3]]), sample_weight=weights)


QUESTIONS.update(
    {
        "keras-class-weight-mean": Question(
            "Mean binary cross-entropy Keras reports for the labels [0, 0, 0, 1], the predicted probabilities "
            "[0.1, 0.2, 0.1, 0.3] and class_weight = {0: 1, 1: 10}",
            _keras_class_weighted_bce,
            hint="Keras multiplies each sample's loss by its class's weight and divides the sum by the number of "
            "samples in the batch (4), not by the sum of the weights.",
        ),
        "label-smoothing-floor": Question(
            "The smallest categorical cross-entropy (nats) any prediction can reach on a one-hot target over "
            "5 classes with label_smoothing = 0.1",
            lambda: classification.categorical_crossentropy(
                np.eye(5)[0], np.eye(5)[0] * 0.9 + 0.1 / 5, label_smoothing=0.1
            ),
            "nats",
            hint="Smoothing turns the target into y (1 - s) + s / C; the cross-entropy is smallest when the "
            "prediction equals that target, and its minimum is then the target's own entropy.",
        ),
        "generalized-ce-mislabeled": Question(
            "Generalized cross-entropy (q = 0.7) of a sample whose label gets the probability 0.01, "
            "divided by its cross-entropy -ln 0.01",
            lambda: float(
                classification.categorical_generalized_cross_entropy([0], [[0.01, 0.99]], q=0.7)
                / classification.sparse_categorical_crossentropy(np.array([0]), np.array([[0.01, 0.99]]))
            ),
            hint="The generalized cross-entropy is (1 - p**q) / q: it can never exceed 1 / q, however small p.",
        ),
    }
)


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


def check_function(name, fn, *, cases=None, verbose=True):
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
    cases : sequence of Case or None
        The cases to run; default the exercise's public cases. The grader
        passes its hidden cases here (:meth:`FunctionExercise.hidden_cases`).
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
        If ``fn`` is not callable, or ``cases`` is not a sequence of
        :class:`Case`. Nothing ``fn`` raises escapes.

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
    if cases is None:
        cases = exercise.cases
    elif isinstance(cases, (str, bytes)) or not all(isinstance(c, Case) for c in _iterable(cases)):
        fail("cases", "be a sequence of lossbook.exercises.Case", _describe(cases), error=TypeError)
    cases = tuple(cases)
    header = f"{exercise.signature}: {exercise.description}"
    outcomes = []
    not_implemented = 0
    for case in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = np.asarray(exercise.reference(*case.args))
        received, error, warned, mutated = _run_case(fn, case)
        if isinstance(error, NotImplementedError):
            not_implemented += 1
        outcomes.append((case, expected, received, error, warned, mutated))

    n_cases = len(cases)
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
            notes.add(
                f"Note: your function changed its argument {exercise.params[i]} in place; "
                "lossbook never modifies its inputs."
            )
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


def _iterable(value):
    try:
        return list(value)
    except TypeError:
        return [None]


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
    """Check a numeric answer, or the number of a choice, against lossbook's value.

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
        answer is close, too high or too low, and adds the question's hint.
        For a multiple-choice question a wrong answer is told why the option
        it picked is wrong, never which option is right.

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

    A multiple-choice question explains why the option picked is wrong:

    >>> exercises.check_answer("zero-loss-at-margin-2", 3).passed  # doctest: +NORMALIZE_WHITESPACE
    zero-loss-at-margin-2: Which of these losses gives a correctly classified sample with the margin m = 2 a loss
    of exactly 0, and so no gradient at all? Enter the number of your choice (1 = the logistic loss
    log(1 + exp(-m)); 2 = the hinge loss max(0, 1 - m); 3 = the exponential loss exp(-m)).
    Not yet: option 3 (the exponential loss exp(-m)) is not it. exp(-m) is positive for every margin, and so is
    the size of its gradient: the exponential loss pushes every sample, however confident.
    False
    """
    question = _lookup(name, QUESTIONS, "a numeric question", FUNCTIONS, "a function exercise", "check_function")
    header = f"{name}: {question.header}"
    if value is None:
        text = "Not solved yet: replace `None` with your answer (a number), then run this cell again."
        return _finish(CheckResult(name, False, 0.0, 1.0, f"{header}\n{text}"), verbose)
    answer = _as_number(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(np.asarray(question.compute()))
    if question.choices:
        return _finish(_check_choice(name, question, header, answer, expected), verbose)
    unit = f" {question.unit}" if question.unit else ""
    tolerance = f"{question.rtol * 100:g}% relative"
    if question.atol >= 1e-6:
        tolerance += f" or {question.atol:g} absolute"
    margin = question.atol + question.rtol * abs(expected)
    if math.isfinite(answer) and abs(answer - expected) <= margin:
        text = (
            f"Correct: {_format_number(expected)}{unit} (you answered {_format_number(answer)}; tolerance {tolerance})."
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
    if question.hint:
        text += f" {question.hint}"
    return _finish(CheckResult(name, False, 0.0, 1.0, f"{header}\n{text}"), verbose)


def _check_choice(name, question, header, answer, expected):
    n = len(question.choices)
    if not (math.isfinite(answer) and answer == int(answer) and 1 <= answer <= n):
        text = f"Not yet: {_format_number(answer)} is not one of the options 1 to {n}: enter the number of your choice."
        return CheckResult(name, False, 0.0, 1.0, f"{header}\n{text}")
    picked = int(answer)
    if picked == int(expected):
        text = f"Correct: option {picked}, {question.choices[picked - 1]}."
        return CheckResult(name, True, 1.0, 1.0, f"{header}\n{text}")
    reason = " ".join(part for part in (question.why_not.get(picked, ""), question.hint) if part)
    text = f"Not yet: option {picked} ({question.choices[picked - 1]}) is not it." + (f" {reason}" if reason else "")
    return CheckResult(name, False, 0.0, 1.0, f"{header}\n{text}")

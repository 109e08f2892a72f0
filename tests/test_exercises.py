"""Tests of lossbook.exercises: self-checking function exercises and numeric questions.

Every function checker must pass a correct solution (lossbook's own function
and a plain NumPy one written here), fail at least two kinds of wrong solution
naming the failing case, report NotImplementedError as "not solved yet" with
score 0, and report (never propagate) exceptions and warnings. pytest turns
warnings into errors, so a warning escaping a checker fails these tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lossbook as lb
from lossbook import exercises
from lossbook.exercises import check_answer, check_function

# --------------------------------------------------------------------------
# Correct solutions: lossbook's and plain NumPy
# --------------------------------------------------------------------------


def _xlogy(p, q):
    """p * log(q) with 0 log 0 = 0."""
    return np.where(p > 0, p * np.log(np.where(p > 0, q, 1.0)), 0.0)


def _token_ce(labels, logits, how):
    """Chapter 9's masked token cross-entropy in NumPy: right (``"tokens"``) and two classic mistakes."""
    labels, logits = np.asarray(labels), np.asarray(logits)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    mask = labels != -1
    if how == "wrapped":  # label -1 indexes the last class, and padding counts
        return -np.take_along_axis(log_p, labels[..., None], axis=-1).mean()
    losses = -np.take_along_axis(log_p, np.where(mask, labels, 0)[..., None], axis=-1)[..., 0] * mask
    if how == "sequences":  # mean per sequence, then over sequences
        return np.mean(losses.sum(axis=-1) / mask.sum(axis=-1))
    return losses.sum() / mask.sum()


NUMPY_SOLUTIONS = {
    "entropy": lambda p: -np.sum(_xlogy(p, p), axis=-1),
    "cross_entropy": lambda p, q: -np.sum(_xlogy(p, q), axis=-1),
    "softmax": lambda x: (lambda e: e / e.sum(axis=-1, keepdims=True))(np.exp(x - x.max(axis=-1, keepdims=True))),
    "log_softmax": lambda x: (lambda s: s - np.log(np.exp(s).sum(axis=-1, keepdims=True)))(
        x - x.max(axis=-1, keepdims=True)
    ),
    "binary_crossentropy_from_logits": lambda y, z: np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))),
    "mean_squared_error": lambda t, p: np.mean((p - t) ** 2),
    "sum_squared_error": lambda t, p: 0.5 * np.sum((p - t) ** 2),
    "mse_per_sample": lambda t, p: np.mean((p - t) ** 2, axis=-1),
    "huber": lambda t, p, d: np.mean(np.where(np.abs(p - t) <= d, 0.5 * (p - t) ** 2, d * np.abs(p - t) - 0.5 * d**2)),
    "hinge": lambda y, f: np.mean(np.maximum(1 - (2 * y - 1 if np.isin(y, (0, 1)).all() else y) * f, 0)),
    "sigmoid_mse_grad": lambda y, z: (lambda s: 2 * (s - y) * s * (1 - s))(0.5 * (1 + np.tanh(z / 2))),
    "masked_token_cross_entropy": lambda labels, z: _token_ce(labels, z, "tokens"),
}

LOSSBOOK_SOLUTIONS = {
    "entropy": lb.entropy,
    "cross_entropy": lb.cross_entropy,
    "softmax": lb.softmax,
    "log_softmax": lb.log_softmax,
    "binary_crossentropy_from_logits": lambda y, z: lb.binary_crossentropy(y, z, from_logits=True),
    "mean_squared_error": lb.mean_squared_error,
    "sum_squared_error": lb.sum_squared_error,
    "mse_per_sample": lambda t, p: lb.mean_squared_error(t, p, reduction="none"),
    "huber": lambda t, p, d: lb.huber(t, p, delta=float(d)),
    "hinge": lb.hinge,
    "sigmoid_mse_grad": lb.sigmoid_mse_grad,
    "masked_token_cross_entropy": lambda labels, z: lb.sparse_categorical_crossentropy(
        labels, z, from_logits=True, ignore_class=-1
    ),
}


def test_required_exercises_exist():
    required = {
        "entropy",
        "cross_entropy",
        "softmax",
        "log_softmax",
        "binary_crossentropy_from_logits",
        "mean_squared_error",
        "sum_squared_error",
        "mse_per_sample",
        "huber",
    }
    assert required <= set(exercises.FUNCTIONS)
    assert set(NUMPY_SOLUTIONS) == set(exercises.FUNCTIONS), "every exercise needs a NumPy solution here"


@pytest.mark.parametrize("name", sorted(exercises.FUNCTIONS))
@pytest.mark.parametrize("source", ["lossbook", "numpy"])
def test_correct_solution_passes(name, source, capsys):
    fn = (LOSSBOOK_SOLUTIONS if source == "lossbook" else NUMPY_SOLUTIONS)[name]
    result = check_function(name, fn)
    n_cases = len(exercises.FUNCTIONS[name].cases)
    assert result.passed, result.feedback
    assert result.score == result.max_score == n_cases
    assert "Well done" in result.feedback
    assert "warnings" not in result.feedback
    assert capsys.readouterr().out.strip() == result.feedback


@pytest.mark.parametrize("name", sorted(exercises.FUNCTIONS))
def test_registry_cases_cover_edges(name):
    exercise = exercises.FUNCTIONS[name]
    labels = [c.label for c in exercise.cases]
    assert len(labels) >= 4 and len(set(labels)) == len(labels)
    floats = [[a for a in c.args if np.asarray(a).dtype.kind == "f"] for c in exercise.cases]  # labels may be ints
    assert any(f and f[0].dtype == np.float32 for f in floats), "a float32 case"
    assert any(np.ndim(c.args[0]) == 2 for c in exercise.cases), "a batch of rows"
    assert len(exercise.params) == len(exercise.cases[0].args)
    for case in exercise.cases:  # the reference itself never warns or fails
        assert np.isfinite(exercise.reference(*case.args)).all()


def test_edge_cases_present():
    def inputs(name):
        return [np.asarray(c.args[-1]) for c in exercises.FUNCTIONS[name].cases]

    # 0 log 0: a one-hot distribution
    assert any(((x == 0) | (x == 1)).all() and (x == 0).any() for x in inputs("entropy"))
    # the logits [1000, 1000] must not give nan
    assert any(x.tolist() == [1000.0, 1000.0] for x in inputs("softmax"))
    # logits of +-1e3 for the stable binary cross-entropy
    assert any(np.abs(x).max() >= 1e3 for x in inputs("binary_crossentropy_from_logits"))
    # Huber: errors inside, beyond and exactly at delta, and a delta other than 1
    huber_cases = [c.args for c in exercises.FUNCTIONS["huber"].cases]
    errors = [(np.abs(np.asarray(p, dtype=float) - t), d) for t, p, d in huber_cases]
    assert any((e <= d).all() for e, d in errors)
    assert any((e > d).all() for e, d in errors)
    assert any((e == d).any() for e, d in errors)
    assert any(d != 1 for _, d in errors)


# --------------------------------------------------------------------------
# Wrong solutions: (exercise, kind, function, a failing case label, words in the feedback)
# --------------------------------------------------------------------------


def _naive_softmax(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def _global_softmax(x):  # Deep Learning from Scratch 3.5.2: right for one row only
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def _naive_bce(y, z):
    p = 1 / (1 + np.exp(-z))
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _huber_no_offset(t, p, d):  # delta * |e| beyond delta: the two pieces do not meet
    e = np.abs(p - t)
    return np.mean(np.where(e <= d, 0.5 * e**2, d * e))


def _smooth_l1(t, p, d):  # PyTorch's SmoothL1Loss(beta=d): Huber / d
    e = np.abs(p - t)
    return np.mean(np.where(e <= d, 0.5 * e**2 / d, e - 0.5 * d))


def _huber_no_half(t, p, d):
    e = np.abs(p - t)
    return np.mean(np.where(e <= d, e**2, 2 * d * e - d**2))


def _hinge_labels_as_given(y, f):  # 0/1 labels not mapped to -1/1
    return np.mean(np.maximum(1 - y * f, 0))


def _hinge_no_max(y, f):  # 1 - m without the hinge: margins beyond 1 give negative losses
    y = 2 * y - 1 if np.isin(y, (0, 1)).all() else y
    return np.mean(1 - y * f)


WRONG = [
    ("entropy", "log base 2", lambda p: -np.sum(_xlogy(p, p), axis=-1) / np.log(2), "a fair coin", "log base 2"),
    ("entropy", "no 0 log 0", lambda p: -np.sum(p * np.log(p), axis=-1), "a one-hot distribution", "nan"),
    ("entropy", "no axis", lambda p: -np.sum(_xlogy(p, p)), "a batch of 3 rows", "shape () received, shape (3,)"),
    ("cross_entropy", "swapped", lambda p, q: -np.sum(_xlogy(q, p), axis=-1), "a soft target", "swapped"),
    ("cross_entropy", "no 0 log 0", lambda p, q: -np.sum(p * np.log(q), axis=-1), "a one-hot target", "nan"),
    (
        "cross_entropy",
        "epsilon inside the log",
        lambda p, q: -np.sum(p * np.log(q + 1e-7), axis=-1),
        "a soft target",
        "log(x + 1e-07)",
    ),
    ("softmax", "overflow", _naive_softmax, "logits [1000, 1000]", "nan"),
    ("softmax", "one global sum", _global_softmax, "a batch of 3 rows", "normalize each row"),
    ("log_softmax", "log of softmax", lambda x: np.log(lb.softmax(x)), "logits [1000, -1000, 0]", "inf"),
    ("log_softmax", "only shifted", lambda x: x - x.max(axis=-1, keepdims=True), "small logits", "tolerance"),
    ("binary_crossentropy_from_logits", "naive sigmoid", _naive_bce, "logits +-1000", "nan"),
    (
        "binary_crossentropy_from_logits",
        "sum instead of mean",
        lambda y, z: np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))),
        "hard labels, moderate logits",
        "summed where the loss averages",
    ),
    ("mean_squared_error", "forgot to average", lambda t, p: np.sum((p - t) ** 2), "one sample", "summed"),
    ("mean_squared_error", "RMSE", lambda t, p: np.sqrt(np.mean((p - t) ** 2)), "one sample", "RMSE"),
    ("sum_squared_error", "no factor 1/2", lambda t, p: np.sum((p - t) ** 2), "Deep Learning from Scratch", "1/2"),
    ("sum_squared_error", "averaged", lambda t, p: 0.5 * np.mean((p - t) ** 2), "a batch of 3 rows", "averaged"),
    ("mse_per_sample", "batch mean", lambda t, p: np.mean((p - t) ** 2), "a batch of 4 rows", "shape () received"),
    (
        "mse_per_sample",
        "keepdims",
        lambda t, p: np.mean((p - t) ** 2, axis=-1, keepdims=True),
        "Keras' example, 2 rows",
        "shape (2, 1) received",
    ),
    ("huber", "no -delta**2/2", _huber_no_offset, "every error beyond delta", "subtract 0.5 * delta**2"),
    ("huber", "smooth L1", _smooth_l1, "delta = 0.5", "smooth L1 convention"),
    ("huber", "no 1/2", _huber_no_half, "every error inside delta", "0.5 * e**2, not e**2"),
    ("hinge", "0/1 labels as given", _hinge_labels_as_given, "the same labels written as 0/1", "y = 2 * y - 1"),
    ("hinge", "no max", _hinge_no_max, "margins of 1 and beyond", "without the hinge"),
    (
        "hinge",
        "summed",
        lambda y, f: np.sum(np.maximum(1 - (2 * y - 1 if np.isin(y, (0, 1)).all() else y) * f, 0)),
        "labels in {-1, 1}",
        "summed where the loss averages",
    ),
    (
        "sigmoid_mse_grad",
        "no sigmoid derivative",
        lambda y, z: 2 * (0.5 * (1 + np.tanh(z / 2)) - y),
        "y = 1, z = 0",
        "expected:",
    ),
    (
        "sigmoid_mse_grad",
        "cross-entropy's gradient",
        lambda y, z: 0.5 * (1 + np.tanh(z / 2)) - y,
        "y = 1, z = 0",
        "received:",
    ),
    (
        "masked_token_cross_entropy",
        "label -1 as the last class",
        lambda labels, z: _token_ce(labels, z, "wrapped"),
        "one sequence with two padding tokens at the end",
        "last class",
    ),
    (
        "masked_token_cross_entropy",
        "mean of sequence means",
        lambda labels, z: _token_ce(labels, z, "sequences"),
        "two sequences of 5 and 2 real tokens",
        "averaged each sequence first",
    ),
]


@pytest.mark.parametrize(("name", "kind", "fn", "case", "words"), WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG])
def test_wrong_solution_fails_naming_the_case(name, kind, fn, case, words):
    result = check_function(name, fn, verbose=False)
    assert not result.passed
    assert result.score < result.max_score
    failing = [line for line in result.feedback.splitlines() if line.startswith("  [FAIL]")]
    assert any(case in line for line in failing), result.feedback
    assert words in result.feedback, result.feedback
    # the failure shows the inputs, the expected and the received values
    assert "input:" in result.feedback and "expected:" in result.feedback and "received:" in result.feedback
    assert f"{int(result.score)} of {int(result.max_score)} cases passed" in result.feedback


def test_every_exercise_has_two_kinds_of_wrong_solution():
    kinds = {}
    for name, kind, *_ in [*WRONG, *WRONG_CHAPTER_8]:
        kinds.setdefault(name, set()).add(kind)
    assert all(len(kinds.get(name, ())) >= 2 for name in exercises.FUNCTIONS), kinds


def test_warnings_are_reported_not_raised():
    # pytest's filterwarnings = error would turn an escaping RuntimeWarning into a failure.
    result = check_function("softmax", _naive_softmax, verbose=False)
    assert "RuntimeWarning: overflow encountered in exp" in result.feedback


def test_passing_solution_that_warns_is_told_so():
    def entropy(p):  # right values, but log(0) warns
        return -np.sum(np.nan_to_num(p * np.log(p)), axis=-1)

    result = check_function("entropy", entropy, verbose=False)
    assert result.passed, result.feedback
    assert "raised warnings" in result.feedback
    assert "RuntimeWarning: divide by zero encountered in log" in result.feedback


# --------------------------------------------------------------------------
# Unsolved stubs, exceptions, odd return values
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(exercises.FUNCTIONS))
def test_not_implemented_is_not_solved_yet(name, capsys):
    def stub(*args):
        raise NotImplementedError()

    result = check_function(name, stub)
    assert result.passed is False
    assert result.score == 0
    assert result.max_score == len(exercises.FUNCTIONS[name].cases)
    assert "Not solved yet" in result.feedback
    assert "Not solved yet" in capsys.readouterr().out


def test_exceptions_are_reported_per_case():
    def entropy(p):
        if p.ndim > 1:
            raise ZeroDivisionError("only rows, please")
        return lb.entropy(p)

    result = check_function("entropy", entropy, verbose=False)
    assert result.score == result.max_score - 1
    assert "[FAIL] a batch of 3 rows" in result.feedback
    assert "your function raised ZeroDivisionError: only rows, please" in result.feedback


def test_any_exception_is_caught():
    result = check_function("mse_per_sample", lambda t, p: t.no_such_attribute, verbose=False)
    assert result.score == 0 and not result.passed
    assert "AttributeError" in result.feedback
    assert "Not solved yet" not in result.feedback


def test_missing_return():
    result = check_function("softmax", lambda x: None, verbose=False)
    assert result.score == 0
    assert "returned None" in result.feedback


def test_non_numeric_return():
    result = check_function("softmax", lambda x: "0.5", verbose=False)
    assert result.score == 0
    assert "not numbers" in result.feedback


def test_mutating_the_input_is_noted():
    def entropy(p):
        p[p == 0] = 1.0  # log(1) = 0 makes the 0 log 0 terms vanish, but writes into p
        return -np.sum(p * np.log(p), axis=-1) if p.ndim else 0.0

    result = check_function("entropy", entropy, verbose=False)
    assert "changed its argument p in place" in result.feedback
    # the registry's inputs are untouched
    assert (exercises.FUNCTIONS["entropy"].cases[2].args[0] == np.array([0.0, 1.0, 0.0])).all()


def test_verbose_false_prints_nothing(capsys):
    check_function("entropy", lb.entropy, verbose=False)
    check_answer("entropy-uniform-8-bits", 3, verbose=False)
    assert capsys.readouterr().out == ""


def test_check_result_prints_its_feedback():
    result = check_function("entropy", lb.entropy, verbose=False)
    assert str(result) == result.feedback
    assert repr(result) == "CheckResult(exercise='entropy', passed=True, score=6, max_score=6)"


# --------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------


def test_unknown_exercise_lists_known_names():
    with pytest.raises(ValueError, match="name must be the name of a function exercise") as info:
        check_function("entropie", lb.entropy)
    for name in exercises.FUNCTIONS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="check it with check_answer"):
        check_function("entropy-peaked-bits", lb.entropy)
    with pytest.raises(ValueError, match="name must be the name of a numeric question") as info:
        check_answer("entropy", 1.0)
    assert "entropy-peaked-bits" in str(info.value) and "check_function" in str(info.value)


def test_fn_not_callable():
    with pytest.raises(TypeError, match=r"^fn must be a function"):
        check_function("entropy", lb.entropy([0.5, 0.5]))


@pytest.mark.parametrize("value", ["1.0", [1.0, 2.0], True, 1 + 2j])
def test_answer_must_be_a_number(value):
    with pytest.raises(TypeError, match="value must be"):
        check_answer("entropy-uniform-8-bits", value)


def test_answer_none_is_not_solved_yet():
    # `answer = None` is the stub of a student version (lossbook.coursework): score 0, no exception
    result = check_answer("entropy-uniform-8-bits", None, verbose=False)
    assert (result.passed, result.score, result.max_score) == (False, 0.0, 1.0)
    assert "Not solved yet" in result.feedback


# --------------------------------------------------------------------------
# Numeric questions
# --------------------------------------------------------------------------

# Each expected value with its source.
KNOWN_ANSWERS = {
    "entropy-fair-coin-bits": 1.0,  # log2 2
    "entropy-uniform-8-bits": 3.0,  # log2 8
    "entropy-peaked-bits": 1.3568,  # -0.3 log2 0.1 - 0.7 log2 0.7 (lossbook.entropy docstring)
    "entropy-fair-die-nats": math.log(6),
    "binary-entropy-0.9-bits": 0.469,  # Cover & Thomas, H(0.1) = 0.469 bits
    "cross-entropy-one-hot": -math.log(0.6),  # Deep Learning from Scratch 4.2.2: 0.510825457099338 (with +1e-7)
    "dlfs-cross-entropy": -math.log(0.1),  # Deep Learning from Scratch 4.2.2: 2.302584092994546 (with +1e-7)
    "cross-entropy-uniform-10": math.log(10),
    "keras-categorical-crossentropy": 1.176939,  # keras.io CategoricalCrossentropy example
    "cross-entropy-zero-probability": -math.log(1e-7),  # Keras clips at epsilon = 1e-7
    "kl-coin-bits": 0.737,  # lossbook.kl_divergence docstring
    "mse-keras-example": 0.5,  # keras.io MeanSquaredError example
    "mse-outlier": 25.0,  # 10^2 / 4
    "mae-outlier": 2.5,  # 10 / 4
    "dlfs-sum-squared-error": 0.0975,  # Deep Learning from Scratch 4.2.1
    "dlfs-sum-squared-error-wrong": 0.5975,  # Deep Learning from Scratch 4.2.1
    "huber-keras-example": 0.155,  # keras.losses.huber docstring (Keras 3) and tf.keras.losses.Huber docs
    "median-minimizes-mae": 3.0,  # the median of [1, 2, 3, 4, 15]
    "hinge-margin-example": (0.2 + 1.2 + 2.7) / 3,  # margins 0.8, -0.2, -1.7
    "categorical-hinge-negative-scores": 0.7,  # Keras' formula: max(0, 1 + max(-1.5, 0, -0.2) - 0.3)
    "exponential-loss-example": math.exp(3) / (math.exp(-2) + math.exp(-1) + math.exp(-0.5) + math.exp(3)),
    # sigma(-5) - 1 over 2 (sigma(-5) - 1) sigma(-5) (1 - sigma(-5)) = 1 / (2 sigma(-5) sigma(5)) = 75.21
    "sigmoid-gradient-ratio": 1 / (2 * (1 / (1 + math.exp(5))) * (1 / (1 + math.exp(-5)))),
    "mse-outlier-doubled-factor": 4.0,  # (20**2 / 4) / (10**2 / 4)
    "softmax-ce-grad-true-logit": math.exp(-4) / (math.exp(4) + 1 + math.exp(-4)) - 1,  # softmax(z)_3 - 1
    "huber-gradient-outlier-factor": 1.0,  # the slope beyond delta is delta, whatever the error
    "perplexity-padded-batch": 2**1.75,  # exp((ln 2 + 2 ln 2 + 3 ln 2 + ln 2) / 4) over the 4 real tokens
    # rows of S / 0.5: logsumexp minus the diagonal, averaged over the 3 anchors
    "info-nce-similarity-matrix": (
        math.log(math.exp(1.8) + math.exp(0.2) + math.exp(0.6))
        - 1.8
        + math.log(math.exp(0.4) + math.exp(1.6) + 1)
        - 1.6
        + math.log(math.exp(0.8) + math.exp(1.0) + math.exp(1.4))
        - 1.4
    )
    / 3,
    "info-nce-at-initialization": math.log(256),  # uniform softmax over 256 candidates
    "dice-small-mask": 1 - 2 * 2 / (3 + 3),  # overlap 2, mask sizes 3 and 3 (up to Keras' epsilon 1e-7)
    # multiple choice: the number of the right option
    "entropy-which-more-uncertain": 2,  # 1 bit against 3 * 0.1 * log2 10 + 0.7 * log2(1 / 0.7) = 1.357 bits
    "non-convex-in-the-logit": 2,  # (sigmoid(z) - 1)**2 flattens out for z -> -inf (Goodfellow et al. 6.2.2.2)
    "zero-loss-at-margin-2": 2,  # max(0, 1 - 2) = 0; log(1 + e^-2) and e^-2 are positive
}

NUMERIC = sorted(name for name, q in exercises.QUESTIONS.items() if not q.choices)
CHOICES = sorted(name for name, q in exercises.QUESTIONS.items() if q.choices)


def test_questions_for_chapters_1_to_3():
    assert {"entropy-peaked-bits", "entropy-uniform-8-bits", "cross-entropy-one-hot", "dlfs-cross-entropy"} <= set(
        exercises.QUESTIONS
    )
    assert set(KNOWN_ANSWERS) == set(exercises.QUESTIONS), "every question needs its known answer here"


@pytest.mark.parametrize("name", sorted(exercises.QUESTIONS))
def test_question_expected_values_are_computed_correctly(name):
    question = exercises.QUESTIONS[name]
    value = float(np.asarray(question.compute()))
    assert value == pytest.approx(KNOWN_ANSWERS[name], rel=5e-4)


@pytest.mark.parametrize("name", NUMERIC)
def test_right_answer_passes_and_shows_the_value(name, capsys):
    expected = float(np.asarray(exercises.QUESTIONS[name].compute()))
    result = check_answer(name, float(f"{expected:.3g}"))  # rounded to 3 significant digits
    assert result.passed and result.score == result.max_score == 1.0
    assert result.feedback.startswith(f"{name}: ")
    assert "Correct" in result.feedback and f"{expected:.6g}" in result.feedback
    assert "tolerance 0.5% relative" in result.feedback
    assert capsys.readouterr().out.strip() == result.feedback


@pytest.mark.parametrize("name", NUMERIC)
def test_wrong_answer_fails_without_revealing_the_value(name):
    expected = float(np.asarray(exercises.QUESTIONS[name].compute()))
    # "close" means within ten times the tolerance (5%); 2% off is close, 50% off is not
    answers = ((expected * 1.5 + 1, "too high"), (expected * 0.5 - 1, "too low"), (expected * 1.02, "close"))
    for answer, verdict in answers:
        result = check_answer(name, answer, verbose=False)
        assert not result.passed and result.score == 0 and result.max_score == 1
        assert verdict in result.feedback, result.feedback
        assert "(tolerance 0.5% relative)" in result.feedback
        verdict_line = result.feedback.split("\n", 1)[1]
        assert verdict_line.startswith(f"Not yet: {answer:.6g} is ")
        rest = verdict_line.replace(f"{answer:.6g}", "").replace("(tolerance 0.5% relative)", "")
        for shown in {f"{expected:.6g}", f"{expected:.4g}", f"{expected:.3g}"}:
            assert shown not in rest, result.feedback


def test_answer_in_the_wrong_unit():
    bits = float(lb.entropy([0.1, 0.1, 0.1, 0.7], base=2))
    result = check_answer("entropy-peaked-bits", bits * math.log(2), verbose=False)
    assert "looks like it is in nats; this question asks for bits" in result.feedback
    result = check_answer("entropy-fair-die-nats", math.log2(6), verbose=False)
    assert "looks like it is in bits" in result.feedback


def test_answer_accepts_numpy_values():
    assert check_answer("entropy-uniform-8-bits", np.float32(3.0), verbose=False).passed
    assert check_answer("entropy-uniform-8-bits", np.array([3.0]), verbose=False).passed
    assert check_answer("entropy-uniform-8-bits", lb.entropy(np.full(8, 0.125), base=2), verbose=False).passed


def test_nan_answer_fails_politely():
    result = check_answer("entropy-uniform-8-bits", float("nan"), verbose=False)
    assert not result.passed and "not a finite number" in result.feedback


def test_hinge_cases_cover_both_label_conventions():
    # lossbook and Keras accept labels in {-1, 1} or {0, 1}; the checker must exercise both, and margins beyond 1
    labels = [np.asarray(c.args[0]) for c in exercises.FUNCTIONS["hinge"].cases]
    assert any((y == -1).any() for y in labels)
    assert any(np.isin(y, (0, 1)).all() and (y == 0).any() for y in labels)
    margins = [
        (2 * y - 1 if np.isin(y, (0, 1)).all() else y) * np.asarray(c.args[1])
        for y, c in zip(labels, exercises.FUNCTIONS["hinge"].cases)
    ]
    assert any((m > 1).any() for m in margins) and any((m < 0).any() for m in margins)


# --------------------------------------------------------------------------
# Questions that teach: predict, then check; multiple choice
# --------------------------------------------------------------------------


def test_every_chapter_asks_a_choice_or_prediction():
    # issue #12 item 7: chapters 1-6 each check at least one predict-then-check or explain-why answer
    teaching = {
        "mse-outlier-doubled-factor",
        "entropy-which-more-uncertain",
        "softmax-ce-grad-true-logit",
        "huber-gradient-outlier-factor",
        "non-convex-in-the-logit",
        "zero-loss-at-margin-2",
    }
    assert teaching <= set(exercises.QUESTIONS)
    for name in teaching:
        assert exercises.QUESTIONS[name].hint or exercises.QUESTIONS[name].why_not, f"{name} explains nothing"


@pytest.mark.parametrize("name", CHOICES)
def test_choice_right_option_passes(name, capsys):
    question = exercises.QUESTIONS[name]
    right = KNOWN_ANSWERS[name]
    result = check_answer(name, right)
    assert result.passed and result.score == result.max_score == 1.0
    assert f"Correct: option {right}, {question.choices[right - 1]}." in result.feedback
    for k, option in enumerate(question.choices, start=1):  # the header lists every option
        assert f"{k} = {option}" in result.feedback
    assert capsys.readouterr().out.strip() == result.feedback
    assert check_answer(name, np.float64(right), verbose=False).passed


@pytest.mark.parametrize("name", CHOICES)
def test_choice_wrong_option_says_why_not_which(name):
    question = exercises.QUESTIONS[name]
    right = KNOWN_ANSWERS[name]
    for k in range(1, len(question.choices) + 1):
        if k == right:
            continue
        result = check_answer(name, k, verbose=False)
        assert not result.passed and result.score == 0 and result.max_score == 1
        verdict = result.feedback.split("\n", 1)[1]
        assert verdict.startswith(f"Not yet: option {k} ({question.choices[k - 1]}) is not it.")
        assert question.why_not[k] in verdict  # every wrong option is explained
        assert f"option {right}" not in verdict and question.choices[right - 1] not in verdict


@pytest.mark.parametrize("value", [0, 4, 1.5, -1, float("nan")])
def test_choice_out_of_range_is_not_an_option(value):
    result = check_answer("zero-loss-at-margin-2", value, verbose=False)
    assert not result.passed and result.score == 0
    assert "is not one of the options 1 to 3" in result.feedback


def test_choice_not_solved_yet():
    result = check_answer("non-convex-in-the-logit", None, verbose=False)
    assert (result.passed, result.score) == (False, 0.0) and "Not solved yet" in result.feedback


def test_wrong_numeric_answer_gets_the_hint():
    question = exercises.QUESTIONS["softmax-ce-grad-true-logit"]
    # -1/q, the gradient with respect to the probability: the confusion the hint is there for
    q = float(lb.softmax([4.0, 0.0, -4.0])[2])
    result = check_answer("softmax-ce-grad-true-logit", -1 / q, verbose=False)
    assert not result.passed and "too low" in result.feedback and question.hint in result.feedback
    assert question.hint not in check_answer("softmax-ce-grad-true-logit", q - 1, verbose=False).feedback


def test_choice_options_are_computed_not_typed():
    # the expected options come from lossbook: perturbing a loss would change them
    assert float(lb.hinge([1.0], [2.0])) == 0.0
    assert float(lb.binary_crossentropy([[1.0]], [[2.0]], from_logits=True)) > 0
    assert float(lb.exponential_loss([1.0], [2.0])) > 0
    z = np.linspace(-10, 10, 2001)
    assert np.diff((lb.sigmoid(z) - 1) ** 2, 2).min() < 0  # the squared error bends down for z < about -0.7
    assert float(lb.entropy([0.1, 0.1, 0.1, 0.7], base=2)) > float(lb.entropy([0.5, 0.5], base=2))


# --------------------------------------------------------------------------
# The registry: one record per exercise, its own generator, cases passed in
# --------------------------------------------------------------------------


def _random_exercise(label):
    return exercises.FunctionExercise(
        f"{label}(x)", "a random exercise", lambda x: x, lambda rng: (exercises.Case(label, (rng.normal(size=3),)),)
    )


def test_adding_an_exercise_changes_no_other_cases():
    # issue #18: one module-level generator made every later exercise's cases depend on the earlier ones
    old = exercises._by_name({"first": _random_exercise("first"), "second": _random_exercise("second")})
    new = exercises._by_name(
        {"new": _random_exercise("new"), "first": _random_exercise("first"), "second": _random_exercise("second")}
    )
    for name in ("first", "second"):
        assert new[name].name == name
        assert np.array_equal(new[name].cases[0].args[0], old[name].cases[0].args[0])
    assert not np.array_equal(new["first"].cases[0].args[0], new["second"].cases[0].args[0])


def test_random_cases_are_drawn_from_the_exercise_name():
    exercise = exercises.FUNCTIONS["softmax"]
    float32 = next(c for c in exercise.cases if c.label == "float32 input")
    rng = exercises.exercise_rng("softmax")
    assert np.array_equal(float32.args[0], rng.normal(0, 3, size=5).astype(np.float32))


def test_check_function_takes_the_cases():
    hidden = exercises.FUNCTIONS["entropy"].hidden_cases(seed=3)
    result = check_function("entropy", lb.entropy, cases=hidden, verbose=False)
    assert result.passed and result.max_score == len(hidden) == 2
    wrong = check_function("entropy", lambda p: -np.sum(p * np.log(p), axis=-1), cases=hidden, verbose=False)
    assert "[FAIL] hidden case 2" in wrong.feedback  # the float32 case with a zero
    # the registry's own cases are untouched
    assert check_function("entropy", lb.entropy, verbose=False).max_score == 6


@pytest.mark.parametrize("cases", ["abc", 3, [("not", "a case")]])
def test_check_function_rejects_bad_cases(cases):
    with pytest.raises(TypeError, match="^cases must be a sequence of lossbook.exercises.Case"):
        check_function("entropy", lb.entropy, cases=cases)


@pytest.mark.parametrize("name", sorted(exercises.FUNCTIONS))
def test_hidden_cases_come_with_the_record(name):
    exercise = exercises.FUNCTIONS[name]
    assert exercise.hidden is not None, "every exercise draws its own hidden cases"
    first, again = exercise.hidden_cases(seed=5), exercise.hidden_cases(seed=5)
    assert len(first) >= 2
    for a, b in zip(first, again):
        assert all(np.array_equal(x, y) for x, y in zip(a.args, b.args))
    assert check_function(name, LOSSBOOK_SOLUTIONS[name], cases=first, verbose=False).passed


# --------------------------------------------------------------------------
# Chapter 8: probabilistic regression and calibration
# --------------------------------------------------------------------------


def _np_gaussian_nll(y, mu, var):
    var = np.maximum(var, 1e-6)
    per_element = 0.5 * (np.log(var) + (y - mu) ** 2 / var)
    return np.mean(np.broadcast_to(per_element, np.broadcast(y, mu, var).shape))


LOSSBOOK_SOLUTIONS["gaussian_nll"] = lambda y, mu, var: lb.gaussian_nll(y, mu, var)
NUMPY_SOLUTIONS["gaussian_nll"] = _np_gaussian_nll
KNOWN_ANSWERS.update(
    {
        "gaussian-nll-best-variance": 0.49,  # d/dv 0.5 (log v + r^2 / v) = 0 at v = r^2 = 0.7^2
        # confidences .95 .7 .55 .8 .6 .85, right: T F T T F T; bins (.4,.6]: .55 T, .6 F -> |0.5 - 0.575|;
        # (.6,.8]: .7 F, .8 T -> |0.5 - 0.75|; (.8,1]: .95 T, .85 T -> |1 - 0.9|; each bin holds 2 of 6
        "ece-six-predictions": (0.075 + 0.25 + 0.1) / 3,
        "temperature-and-accuracy": 3,  # dividing the logits by T > 0 keeps the argmax
    }
)
WRONG_CHAPTER_8 = [
    (
        "gaussian_nll",
        "with the constant",
        lambda y, mu, var: _np_gaussian_nll(y, mu, var) + 0.5 * math.log(2 * math.pi),
        "unit variances",
        "leave the constant out",
    ),
    ("gaussian_nll", "no 1/2", lambda y, mu, var: 2 * _np_gaussian_nll(y, mu, var), "unit variances", "factor 1/2"),
    (
        "gaussian_nll",
        "no clamp",
        lambda y, mu, var: np.mean(
            np.broadcast_to(0.5 * (np.log(var) + (y - mu) ** 2 / var), np.broadcast(y, mu, var).shape)
        ),
        "a variance below eps",
        "did not clamp the variance",
    ),
    (
        "gaussian_nll",
        "standard deviation",
        lambda y, mu, var: np.mean(
            np.broadcast_to(
                np.log(np.maximum(var, 1e-6)) + (y - mu) ** 2 / (2 * np.maximum(var, 1e-6) ** 2),
                np.broadcast(y, mu, var).shape,
            )
        ),
        "a different variance for every element",
        "standard deviation",
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "fn", "case", "words"), WRONG_CHAPTER_8, ids=[f"{w[0]}-{w[1]}" for w in WRONG_CHAPTER_8]
)
def test_chapter_8_wrong_solution_fails_naming_the_case(name, kind, fn, case, words):
    test_wrong_solution_fails_naming_the_case(name, kind, fn, case, words)


def test_chapter_8_hidden_cases_include_a_collapsed_variance():
    cases = exercises.FUNCTIONS["gaussian_nll"].hidden_cases(seed=11)
    assert any(np.asarray(c.args[2]).max() < 1e-6 for c in cases)
    assert not check_function("gaussian_nll", lambda y, mu, var: 0.5 * np.mean(np.log(var)), cases=cases).passed


# --------------------------------------------------------------------------
# Chapter 7: weights, imbalance and noisy labels
# --------------------------------------------------------------------------


def _focal_numpy(y, p, gamma, alpha, *, balance=True, focus=True):
    """Lin et al.'s alpha_t (1 - p_t)^gamma * BCE, probabilities clipped at 1e-7 inside the log (as Keras)."""
    y, p = np.asarray(y), np.asarray(p)
    p_clipped = np.clip(p, 1e-7, 1 - 1e-7)
    pt = np.where(y == 1, p, 1 - p)
    alpha_t = np.where(y == 1, alpha, 1 - alpha) if balance else 1.0
    factor = (1 - pt) ** gamma if focus else 1.0
    return np.mean(alpha_t * factor * -np.log(np.where(y == 1, p_clipped, 1 - p_clipped)))


NUMPY_SOLUTIONS["binary_focal"] = _focal_numpy
LOSSBOOK_SOLUTIONS["binary_focal"] = lambda y, p, g, a: lb.binary_focal_crossentropy(
    y, p, gamma=float(g), alpha=float(a), apply_class_balancing=True
)
KNOWN_ANSWERS.update(
    {
        # class_weight {0: 1, 1: 10}; Keras' mean divides by the 4 samples, not by the weights' sum 13
        "keras-class-weight-mean": -(math.log(0.9) + math.log(0.8) + math.log(0.9) + 10 * math.log(0.3)) / 4,
        # the smoothed target (0.92, 0.02, 0.02, 0.02, 0.02) and its entropy
        "label-smoothing-floor": -(0.92 * math.log(0.92) + 4 * 0.02 * math.log(0.02)),
        "generalized-ce-mislabeled": (1 - 0.01**0.7) / 0.7 / -math.log(0.01),
    }
)
WRONG_CHAPTER_7 = [
    (
        "binary_focal",
        "no alpha",
        lambda y, p, g, a: _focal_numpy(y, p, g, a, balance=False),
        "one positive, p = 0.9",
        "without alpha",
    ),
    (
        "binary_focal",
        "alpha for every example",
        lambda y, p, g, a: a * _focal_numpy(y, p, g, a, balance=False),
        "positives and negatives",
        "1 - alpha",
    ),
    (
        "binary_focal",
        "no focusing",
        lambda y, p, g, a: _focal_numpy(y, p, g, a, focus=False),
        "one positive, p = 0.9",
        "(1 - p_t)**gamma",
    ),
    (
        "binary_focal",
        "not clipped",
        lambda y, p, g, a: np.mean(
            np.where(np.asarray(y) == 1, a, 1 - a)
            * (1 - np.where(np.asarray(y) == 1, p, 1 - np.asarray(p))) ** g
            * -np.log(np.where(np.asarray(y) == 1, p, 1 - np.asarray(p)))
        ),
        "a probability 0 for a positive",
        "Clip the probabilities",
    ),
]
WRONG = WRONG + WRONG_CHAPTER_7  # a new list: the parametrized test above keeps its own


@pytest.mark.parametrize(
    ("name", "kind", "fn", "case", "words"), WRONG_CHAPTER_7, ids=[f"{w[0]}-{w[1]}" for w in WRONG_CHAPTER_7]
)
def test_chapter_7_wrong_solution_fails_naming_the_case(name, kind, fn, case, words):
    test_wrong_solution_fails_naming_the_case(name, kind, fn, case, words)


def test_chapter_7_questions_and_their_hints():
    for name in ("keras-class-weight-mean", "label-smoothing-floor", "generalized-ce-mislabeled"):
        assert exercises.QUESTIONS[name].hint, name
    # the trap: dividing by the sum of the weights gives another number, and the check says it is wrong
    weights = np.array([1.0, 1.0, 1.0, 10.0])
    per_sample = -np.log([0.9, 0.8, 0.9, 0.3])
    wrong = float(np.sum(weights * per_sample) / weights.sum())
    assert not check_answer("keras-class-weight-mean", wrong, verbose=False).passed

"""lossbook against TensorFlow and against the textbook NumPy formulas.

Times every lossbook loss that Keras has, on float32 arrays of shape (10, 10)
(per-call overhead) and (1 000 000, 10) (throughput); Circle compares all pairs
of a batch, so it runs on (2 000, 10) embeddings at the large size, and CTC on
(20 000, 20, 10) logits. Up to five implementations:

* ``lossbook``: the public function, input validation included;
* ``keras``: the Keras loss class (``tf.keras.losses.CategoricalCrossentropy()``
  etc.), eager, on inputs already converted to tensors (TensorFlow's best case);
* ``tf.nn``: ``tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(...))``
  and ``tf.nn.sigmoid_cross_entropy_with_logits``, where TensorFlow has one;
* ``naive``: the textbook formula in NumPy, no validation, no stabilization
  (for the five classic cases: the cross-entropies and mean squared error);
* ``pytorch``: the PyTorch loss module (``torch.nn.CrossEntropyLoss()`` etc., CPU
  build, for the five classic cases), called prediction first on tensors made
  beforehand, as the registry of ``lossbook.frameworks`` converts the arguments.

The values of the classic cases are compared with float64 references written
with SciPy's stable functions; those of the others with lossbook's own float64
result (their parity with Keras is tested in ``tests/``).

One invocation measures all five side by side, but each implementation runs in
its own fresh Python process (this script again, with ``--worker IMPL``), one
after the other. That is what makes CPU time attributable: the figure kept is
the CPU time of the whole process (all threads, ``time.process_time``), and
TensorFlow's thread pools keep spinning after each call, so NumPy code timed in
a process where TensorFlow has run is charged for TensorFlow's threads. The
lossbook and naive processes never import TensorFlow (they check). Whole-process
CPU time rather than the calling thread's, because NumPy may hand work to
OpenBLAS threads; the calling thread's CPU time is recorded too, as is elapsed
time. Every implementation is warmed up first; each repeat calls it ``n``
times; the minimum over repeats is kept.

The lossbook process also times the steps of the classic losses separately
(validation, per-element arithmetic, reductions). The steps are lossbook's own
private functions, the ones its public functions call in that order
(:func:`lossbook_steps`; ``tests/test_benchmarks.py`` checks that the public
functions call exactly them), and the benchmark prints and records their
source with :func:`inspect.getsource`, so the page can say where lossbook's
time goes without keeping a second copy of lossbook's code.

It then shows what the naive formulas buy their speed with: the loss of the
same logits scaled by 1, 10, 100 and 1000, computed by each implementation
next to the exact value (float64, SciPy's stable ``log_softmax``/``log_expit``).

Run with the project's Python::

    python benchmarks/losses.py            # writes benchmarks/results/losses.json
    python benchmarks/losses.py --smoke --out /tmp/x   # tiny sizes, seconds
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import environment, finish

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

LARGE_TARGET = 2.0  # lossbook CPU time <= 2 x the fastest TensorFlow variant's
SMALL_TARGET_S = 50e-6  # per-call overhead on (10, 10) arrays
#: CTC's small case is a recursion over time steps, so its per-call overhead is measured as the fixed part
#: of its time: the intercept of a straight line through its CPU time at these numbers of steps.
CTC_STEPS = (5, 10, 20, 40, 80)
FUDGE = 1e-7  # the textbook's log(y + 1e-7)

# The code this benchmark measures (for the environment's git_dirty).
MEASURED = (
    "lossbook/__init__.py",
    "lossbook/_validation.py",
    "lossbook/_reductions.py",
    "lossbook/activations.py",
    "lossbook/classification.py",
    "lossbook/regression.py",
    "lossbook/information.py",
    "lossbook/probabilistic.py",
    "lossbook/segmentation.py",
    "lossbook/sequence.py",
    "lossbook/representation.py",
    "benchmarks/losses.py",
)

IMPLEMENTATIONS = ("lossbook", "naive", "keras", "tf.nn", "pytorch")  # the order the processes run in
TENSORFLOW = ("keras", "tf.nn")

# name -> (label, (target key, prediction key), implementations)
CASES = {
    "cce_logits": ("categorical cross-entropy, logits", ("onehot", "logits"), ("lossbook", "keras", "tf.nn", "naive")),
    "cce_probs": ("categorical cross-entropy, probabilities", ("onehot", "probs"), ("lossbook", "keras", "naive")),
    "bce_probs": ("binary cross-entropy, probabilities", ("multilabel", "sigmoid"), ("lossbook", "keras", "naive")),
    "bce_logits": ("binary cross-entropy, logits", ("multilabel", "logits"), ("lossbook", "keras", "tf.nn", "naive")),
    "mse": ("mean squared error", ("mse_true", "mse_pred"), ("lossbook", "keras", "naive")),
}
# The other losses Keras has: lossbook and Keras only; inputs from extra_inputs().
# name -> (label, lossbook function name, options, Keras class)
OTHER_LOSSES = {
    "mae": ("mean absolute error", "mean_absolute_error", {}, "MeanAbsoluteError"),
    "mape": ("mean absolute percentage error", "mean_absolute_percentage_error", {}, "MeanAbsolutePercentageError"),
    "msle": ("mean squared logarithmic error", "mean_squared_logarithmic_error", {}, "MeanSquaredLogarithmicError"),
    "huber": ("Huber", "huber", {}, "Huber"),
    "log_cosh": ("log-cosh", "log_cosh", {}, "LogCosh"),
    "hinge": ("hinge", "hinge", {}, "Hinge"),
    "squared_hinge": ("squared hinge", "squared_hinge", {}, "SquaredHinge"),
    "categorical_hinge": ("categorical hinge", "categorical_hinge", {}, "CategoricalHinge"),
    "scce_logits": (
        "sparse categorical cross-entropy, logits",
        "sparse_categorical_crossentropy",
        {"from_logits": True},
        "SparseCategoricalCrossentropy",
    ),
    "bfocal_probs": (
        "binary focal cross-entropy, probabilities",
        "binary_focal_crossentropy",
        {},
        "BinaryFocalCrossentropy",
    ),
    "cfocal_probs": (
        "categorical focal cross-entropy, probabilities",
        "categorical_focal_crossentropy",
        {},
        "CategoricalFocalCrossentropy",
    ),
    "gce": (
        "generalized cross-entropy",
        "categorical_generalized_cross_entropy",
        {},
        "CategoricalGeneralizedCrossEntropy",
    ),
    "kld": ("Kullback-Leibler divergence", "kl_divergence", {}, "KLDivergence"),
    "poisson": ("Poisson", "poisson", {}, "Poisson"),
    "cosine": ("cosine similarity", "cosine_similarity", {}, "CosineSimilarity"),
    "dice": ("Dice", "dice", {}, "Dice"),
    "tversky": ("Tversky", "tversky", {}, "Tversky"),
    "circle": ("Circle (pairs of a batch)", "circle", {}, "Circle"),
    "ctc": ("CTC (sequences of 20 steps)", "ctc", {}, "CTC"),
}
for _name, (_label, _, _, _) in OTHER_LOSSES.items():
    CASES[_name] = (_label, None, ("lossbook", "keras"))
CLASSIC = ("cce_logits", "cce_probs", "bce_probs", "bce_logits", "mse")

# PyTorch's loss modules, each called prediction first (see lossbook.frameworks.LOSSES[...].torch).
PYTORCH_CASES = {
    "cce_logits": ("CrossEntropyLoss", lambda torch, y: y),
    "cce_probs": ("CrossEntropyLoss", lambda torch, y: torch.log(y)),
    "bce_probs": ("BCELoss", lambda torch, y: y),
    "bce_logits": ("BCEWithLogitsLoss", lambda torch, y: y),
    "mse": ("MSELoss", lambda torch, y: y),
}


def implementations(name):
    """The implementations that compute case ``name``: those of CASES, then PyTorch where it has the loss."""
    return CASES[name][2] + (("pytorch",) if name in PYTORCH_CASES else ())


STABILITY_CASES = ("cce_logits", "bce_logits")
STABILITY_IMPLEMENTATIONS = ("lossbook", "keras", "naive")


# --- inputs --------------------------------------------------------------------


def make_inputs(n, c=10, seed=0):
    """Seeded float32 inputs of shape (n, c) for every case."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, size=n)
    onehot = np.zeros((n, c), np.float32)
    onehot[np.arange(n), labels] = 1
    logits = rng.normal(0.0, 2.0, size=(n, c)).astype(np.float32)
    z64 = logits.astype(np.float64)
    e = np.exp(z64 - z64.max(axis=1, keepdims=True))
    probs = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    multilabel = (rng.random((n, c)) < 0.3).astype(np.float32)
    sigmoid = (1 / (1 + np.exp(-z64))).astype(np.float32)
    return {
        "onehot": onehot,
        "logits": logits,
        "probs": probs,
        "multilabel": multilabel,
        "sigmoid": sigmoid,
        "mse_true": rng.normal(size=(n, c)).astype(np.float32),
        "mse_pred": rng.normal(size=(n, c)).astype(np.float32),
    }


def extra_inputs(name, n, c=10, seed=0):
    """Seeded float32 inputs ``(y_true, y_pred)`` of the loss ``name`` of OTHER_LOSSES for a batch of ``n``."""
    rng = np.random.default_rng([seed, len(name), sum(map(ord, name))])
    shape = (n, c)
    if name in ("mae", "huber", "log_cosh"):
        return rng.normal(size=shape).astype(np.float32), rng.normal(size=shape).astype(np.float32)
    if name == "mape":
        return rng.uniform(0.5, 3.0, shape).astype(np.float32), rng.normal(size=shape).astype(np.float32)
    if name in ("msle", "poisson"):
        return (rng.poisson(2.0, shape).astype(np.float32), rng.uniform(0.05, 4.0, shape).astype(np.float32))
    if name in ("hinge", "squared_hinge"):
        return rng.choice(np.float32([-1, 1]), shape), rng.normal(size=shape).astype(np.float32)
    labels = rng.integers(0, c, size=n)
    probs = rng.dirichlet(np.ones(c), size=n).astype(np.float32)
    probs /= probs.sum(axis=1, keepdims=True)
    if name in ("categorical_hinge", "cfocal_probs"):
        return np.eye(c, dtype=np.float32)[labels], probs if name == "cfocal_probs" else rng.normal(size=shape).astype(
            np.float32
        )
    if name == "scce_logits":
        return labels, rng.normal(0.0, 2.0, size=shape).astype(np.float32)
    if name == "gce":
        return labels, probs
    if name == "kld":
        return rng.dirichlet(np.ones(c), size=n).astype(np.float32), probs
    if name == "bfocal_probs" or name in ("dice", "tversky"):
        return (rng.random(shape) < 0.3).astype(np.float32), rng.uniform(0.01, 0.99, shape).astype(np.float32)
    if name == "cosine":
        return rng.normal(size=shape).astype(np.float32), rng.normal(size=shape).astype(np.float32)
    if name == "circle":  # all pairs: at most 2 000 embeddings
        m = min(n, 2000)
        emb = rng.normal(size=(m, c + 2))
        return rng.integers(0, 10, size=m), (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    if name == "ctc":  # at most 20 000 sequences of 20 steps, labels of up to 5 symbols
        return ctc_inputs(min(n, 20_000), 20, c, rng)
    raise KeyError(name)


def ctc_inputs(m, steps, c, rng):
    """``m`` label sequences of 1 to 5 symbols (0-padded) and float32 logits of shape ``(m, steps, c)``."""
    lengths = rng.integers(1, 6, size=m)
    labels = rng.integers(1, c, size=(m, 5))
    labels[np.arange(5)[None, :] >= lengths[:, None]] = 0
    return labels, rng.normal(size=(m, steps, c)).astype(np.float32)


def case_inputs(name, data, n):
    """``(y_true, y_pred)`` of case ``name``: from ``data`` for the classic cases, else :func:`extra_inputs`."""
    keys = CASES[name][1]
    if keys is not None:
        return data[keys[0]], data[keys[1]]
    return extra_inputs(name, n)


# --- the naive textbook formulas -----------------------------------------------


def naive_cce_logits(t, z):
    y = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    return -np.sum(t * np.log(y)) / z.shape[0]


def naive_cce_probs(t, y):
    return -np.sum(t * np.log(y + FUDGE)) / y.shape[0]


def naive_bce_probs(t, y):
    return -np.mean(t * np.log(y + FUDGE) + (1 - t) * np.log(1 - y + FUDGE))


def naive_bce_logits(t, z):
    y = 1 / (1 + np.exp(-z))
    return naive_bce_probs(t, y)


def naive_mse(t, y):
    return np.mean((y - t) ** 2)


def reference(name, t, y):
    """The float64 reference value of case ``name``: :func:`exact` for the classic cases, else lossbook in float64."""
    if name in CLASSIC:
        return exact(name, t, y)
    t = t if t.dtype.kind in "iu" else t.astype(np.float64)
    return float(implementation("lossbook", name)(t, y.astype(np.float64)))


def exact(name, t, y):
    """The loss in float64 with SciPy's stable functions (the reference value)."""
    from scipy import special

    t, y = t.astype(np.float64), y.astype(np.float64)
    if name == "cce_logits":
        return float(-np.sum(t * special.log_softmax(y, axis=-1)) / y.shape[0])
    if name == "cce_probs":  # Keras' clipping, which lossbook shares
        return float(-np.sum(t * np.log(np.clip(y, 1e-7, 1 - 1e-7))) / y.shape[0])
    if name == "bce_probs":
        p = np.clip(y, 1e-7, 1 - 1e-7)
        return float(-np.mean(t * np.log(p) + (1 - t) * np.log1p(-p)))
    if name == "bce_logits":
        return float(-np.mean(t * special.log_expit(y) + (1 - t) * special.log_expit(-y)))
    if name == "mse":
        return float(np.mean((y - t) ** 2))
    raise KeyError(name)


# --- the implementations ------------------------------------------------------------


def implementation(impl, name):
    """The loss ``name`` as computed by ``impl``: fn(t, y), on tensors for TensorFlow's, else arrays.

    Imports TensorFlow only for ``keras`` and ``tf.nn``.
    """
    if impl == "naive":
        return {
            "cce_logits": naive_cce_logits,
            "cce_probs": naive_cce_probs,
            "bce_probs": naive_bce_probs,
            "bce_logits": naive_bce_logits,
            "mse": naive_mse,
        }[name]
    if impl == "lossbook" and name in OTHER_LOSSES:
        from lossbook import frameworks

        _, function, options, _ = OTHER_LOSSES[name]
        spec = next(s for s in frameworks.LOSSES.values() if s.lossbook_name == f"lossbook.{function}")
        return functools.partial(spec.lossbook, **options)
    if impl == "lossbook":
        import lossbook as lb

        return {
            "cce_logits": lambda t, y: lb.categorical_crossentropy(t, y, from_logits=True),
            "cce_probs": lb.categorical_crossentropy,
            "bce_probs": lb.binary_crossentropy,
            "bce_logits": lambda t, y: lb.binary_crossentropy(t, y, from_logits=True),
            "mse": lb.mean_squared_error,
        }[name]
    if impl == "pytorch":
        import torch

        cls, convert = PYTORCH_CASES[name]
        loss = getattr(torch.nn, cls)()
        return lambda t, y: loss(convert(torch, y), t)
    import tensorflow as tf

    if impl == "keras" and name in OTHER_LOSSES:
        _, _, options, keras_class = OTHER_LOSSES[name]
        return getattr(tf.keras.losses, keras_class)(**options)
    if impl == "keras":
        k = tf.keras.losses
        return {
            "cce_logits": lambda: k.CategoricalCrossentropy(from_logits=True),
            "cce_probs": k.CategoricalCrossentropy,
            "bce_probs": k.BinaryCrossentropy,
            "bce_logits": lambda: k.BinaryCrossentropy(from_logits=True),
            "mse": k.MeanSquaredError,
        }[name]()
    if impl == "tf.nn":
        return {
            "cce_logits": lambda t, y: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=y)),
            "bce_logits": lambda t, y: tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=y)),
        }[name]
    raise KeyError(impl)


# --- lossbook's losses in steps ----------------------------------------------------------

PARTS = ("validation", "elementwise", "reductions")


def lossbook_steps(name):
    """``(validate, per_element, reduce)`` of the classic loss ``name``: lossbook's own private steps.

    The public function calls exactly these, in this order:
    ``reduce(per_element(*validate(y_true, y_pred)))`` (``tests/test_benchmarks.py``
    records the calls). ``validate(t, y) -> (a, b)``, ``per_element(a, b) -> e``,
    ``reduce(e) -> loss``.
    """
    from lossbook import _validation, classification, regression

    partial = functools.partial
    binary, categorical = classification._validate_binary, classification._validate_categorical
    return {
        "cce_logits": (
            partial(categorical, from_logits=True),
            partial(classification._categorical_terms, from_logits=True),
            classification._reduce_negated_sum,
        ),
        "cce_probs": (
            partial(categorical, from_logits=False),
            partial(classification._categorical_terms, from_logits=False),
            classification._reduce_negated_sum,
        ),
        "bce_probs": (
            partial(binary, from_logits=False),
            partial(classification._binary_terms, from_logits=False),
            classification._reduce_mean,
        ),
        "bce_logits": (
            partial(binary, from_logits=True),
            partial(classification._binary_terms, from_logits=True),
            classification._reduce_mean,
        ),
        "mse": (_validation.as_pair, regression._squared_errors, regression._reduce_squares),
    }[name]


def _step_function(step):
    return step.func if isinstance(step, functools.partial) else step


def step_names(name):
    """``{part: "module.function(options)"}`` of the steps of the classic loss ``name``."""
    out = {}
    for part, step in zip(PARTS, lossbook_steps(name)):
        fn = _step_function(step)
        options = ", ".join(f"{k}={v!r}" for k, v in getattr(step, "keywords", {}).items())
        out[part] = f"{fn.__module__}.{fn.__qualname__}({options})"
    return out


def step_sources():
    """``{"module.function": source}`` of every step of every classic loss, by :func:`inspect.getsource`."""
    sources = {}
    for name in CLASSIC:
        for step in lossbook_steps(name):
            fn = _step_function(step)
            sources[f"{fn.__module__}.{fn.__qualname__}"] = inspect.getsource(fn)
    return sources


# --- timing ------------------------------------------------------------------------


def measure(items, *, repeats, pause=0.0):
    """Per-call CPU and wall time of each of ``items``, ``{key: (fn, args, number)}``, measured in rounds.

    Each round times ``number`` calls of every item in turn, then sleeps ``pause``
    seconds, so that each item's repeats are spread over the whole measurement and
    a burst of load on the shared machine cannot spoil all of them. Returns, per
    key, the minimum and median over ``repeats`` rounds; ``cpu``: the whole process,
    all threads; ``thread``: the calling thread only.
    """
    for fn, args, _ in items.values():
        for _ in range(2):  # warm up: TensorFlow traces and allocates on the first calls
            fn(*args)
    cpu, thread, wall = ({key: [] for key in items} for _ in range(3))
    for _ in range(repeats):
        for key, (fn, args, number) in items.items():
            c0, t0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
            for _ in range(number):
                fn(*args)
            cpu[key].append((time.process_time() - c0) / number)
            thread[key].append((time.thread_time() - t0) / number)
            wall[key].append((time.perf_counter() - w0) / number)
        time.sleep(pause)
    return {
        key: {
            "cpu_min": min(cpu[key]),
            "cpu_median": float(np.median(cpu[key])),
            "thread_min": min(thread[key]),
            "wall_min": min(wall[key]),
            "wall_median": float(np.median(wall[key])),
        }
        for key in items
    }


def calibrate(fn, args, min_seconds):
    """Calls per repeat so that one repeat takes at least ``min_seconds``."""
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn(*args)
        if time.perf_counter() - t0 >= min_seconds or number >= 100_000:
            return number
        number *= 4


# --- one implementation, in its own process ---------------------------------------------


def stability_inputs(n=1000):
    """The same 1000 x 10 float32 logits for every implementation, with one-hot and multi-label targets."""
    rng = np.random.default_rng(1)
    base = rng.normal(size=(n, 10)).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    onehot = np.zeros((n, 10), np.float32)
    onehot[np.arange(n), labels] = 1
    multilabel = (rng.random((n, 10)) < 0.3).astype(np.float32)
    return base, {"cce_logits": onehot, "bce_logits": multilabel}


def _scaled(base, scale):
    return (base * np.float32(scale)).astype(np.float32)


def run_worker(impl, *, sizes, repeats, repeats_small, min_small, pause, scales, log=print):
    """Everything measured of one implementation: per size and case, value and times; stability values.

    For ``lossbook`` also the times of its classic losses' steps (:func:`lossbook_steps`).
    The first size is the small one: ``repeats_small`` rounds of calls lasting
    ``min_small`` seconds or more; the others ``repeats`` rounds of one call.
    """
    tf = None
    if impl in TENSORFLOW:
        import tensorflow as tf
    names = [name for name in CASES if impl in implementations(name)]
    fns = {name: implementation(impl, name) for name in names}
    timings, parts, ctc_steps = {}, {}, None
    for i, n in enumerate(sizes):
        min_seconds, rounds = (min_small, repeats_small) if i == 0 else (0.0, repeats)
        data = make_inputs(n)
        if tf is not None:
            data = {key: tf.constant(value) for key, value in data.items()}
        if impl == "pytorch":
            import torch

            data = {key: torch.from_numpy(value) for key, value in data.items()}
        items, values = {}, {}
        with np.errstate(all="ignore"):
            for name in names:
                args = case_inputs(name, data, n)
                if tf is not None and CASES[name][1] is None:
                    args = tuple(tf.constant(a) for a in args)
                fn = fns[name]
                values[name] = float(fn(*args))
                items[name] = (fn, args, calibrate(fn, args, min_seconds))
            m = measure(items, repeats=rounds, pause=pause)
        timings[str(n)] = {name: {"value": values[name], **m[name]} for name in names}
        for name in names:
            log(
                f"  [{impl}] ({n}, 10) {CASES[name][0]:<42} {m[name]['cpu_min'] * 1e6:11.1f} µs CPU "
                f"{m[name]['wall_min'] * 1e6:11.1f} µs wall"
            )
        if impl == "lossbook":
            parts[str(n)] = time_parts(data, repeats=rounds, min_seconds=min_seconds, pause=pause)
            if i == 0:
                ctc_steps = time_ctc_by_steps(n, repeats=rounds, min_seconds=min_seconds, pause=pause)
    stab = {}
    if impl in STABILITY_IMPLEMENTATIONS:
        base, targets = stability_inputs()
        for name in STABILITY_CASES:
            fn = fns[name]
            for scale in scales:
                t, z = targets[name], _scaled(base, scale)
                if tf is not None:
                    t, z = tf.constant(t), tf.constant(z)
                with np.errstate(all="ignore"):
                    stab[f"{name} {scale}"] = float(fn(t, z))
    return {
        "implementation": impl,
        "tensorflow_imported": "tensorflow" in sys.modules,
        "torch_imported": "torch" in sys.modules,
        "threads": sys.modules["torch"].get_num_threads() if impl == "pytorch" else None,
        "timings": timings,
        "parts": parts,
        "ctc_steps": ctc_steps,
        "stability": stab,
    }


def time_parts(data, *, repeats, min_seconds, pause):
    """CPU time per call of each part of each lossbook loss, on the same inputs as the whole call."""
    items = {}
    for name in CLASSIC:
        validate, elementwise, reductions = lossbook_steps(name)
        t, y = case_inputs(name, data, None)
        a, b = validate(t, y)
        e = elementwise(a, b)
        for part, (fn, args) in {
            "validation": (validate, (t, y)),
            "elementwise": (elementwise, (a, b)),
            "reductions": (reductions, (e,)),
        }.items():
            items[name, part] = (fn, args, calibrate(fn, args, min_seconds))
    m = measure(items, repeats=repeats, pause=pause)
    out = {name: {} for name in CLASSIC}
    for (name, part), stats in m.items():
        out[name][part] = stats["cpu_min"]
    return out


def time_ctc_by_steps(m, *, repeats, min_seconds, pause):
    """lossbook's CTC on ``m`` sequences of each length in :data:`CTC_STEPS`: CPU time per call, and the line.

    The time of a call is a fixed part (checking the inputs, the softmax, building
    the extended labels, the reduction) plus a part per time step (the recursion):
    the least-squares line through the five times gives both. The fixed part is
    CTC's per-call overhead.
    """
    from lossbook import ctc

    rng = np.random.default_rng(1)
    items = {}
    for steps in CTC_STEPS:
        args = ctc_inputs(m, steps, 10, rng)
        items[steps] = (ctc, args, calibrate(ctc, args, min_seconds))
    measured = measure(items, repeats=repeats, pause=pause)
    cpu = [measured[steps]["cpu_min"] for steps in CTC_STEPS]
    per_step, overhead = np.polyfit(CTC_STEPS, cpu, 1)
    worst = max(abs(overhead + per_step * steps - t) / t for steps, t in zip(CTC_STEPS, cpu))
    return {
        "sequences": m,
        "steps": list(CTC_STEPS),
        "cpu_per_call_s": cpu,
        "overhead_s": float(overhead),
        "per_step_s": float(per_step),
        "largest_relative_residual": float(worst),
    }


def run_in_process(impl, config):
    """Run :func:`run_worker` for ``impl`` in a new Python process (this script with ``--worker``)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "worker.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            impl,
            "--config",
            json.dumps(config),
            "--worker-out",
            str(out),
        ]
        subprocess.run(cmd, check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        result = json.loads(out.read_text())
    if impl not in TENSORFLOW and result["tensorflow_imported"]:
        raise RuntimeError(f"the {impl} process imported TensorFlow: its CPU times are not its own")
    if impl != "pytorch" and result.get("torch_imported"):
        raise RuntimeError(f"the {impl} process imported PyTorch: its CPU times are not its own")
    return result


def merge_passes(results):
    """One implementation's results over several passes (processes): the minimum of the minima.

    Medians are the median of each pass's median; values and stability come from the first pass.
    """
    first = results[0]
    merged = {**first, "tensorflow_imported": any(r["tensorflow_imported"] for r in results)}

    def combine(key, values):
        if key == "value":
            return values[0]
        return min(values) if key.endswith("_min") else float(np.median(values))

    merged["timings"] = {
        n: {
            name: {key: combine(key, [r["timings"][n][name][key] for r in results]) for key in m}
            for name, m in cases.items()
        }
        for n, cases in first["timings"].items()
    }
    merged["parts"] = {
        n: {name: {part: min(r["parts"][n][name][part] for r in results) for part in p} for name, p in cases.items()}
        for n, cases in first["parts"].items()
    }
    return merged


# --- putting the processes' results together --------------------------------------------


def assemble(workers, sizes):
    """The per-size table rows, from every implementation's worker results."""
    results = []
    for i, n in enumerate(sizes):
        small = i == 0
        data = make_inputs(n)
        rows = []
        for name, (label, _, _) in CASES.items():
            impls = implementations(name)
            ref = reference(name, *case_inputs(name, data, n))
            m = {impl: workers[impl]["timings"][str(n)][name] for impl in impls}
            cpu = {impl: m[impl]["cpu_min"] for impl in impls}
            wall = {impl: m[impl]["wall_min"] for impl in impls}
            value = {impl: m[impl]["value"] for impl in impls}
            fastest_tf = min(cpu[i] for i in TENSORFLOW if i in cpu)
            row = {
                "case": name,
                "label": label,
                "cpu_per_call_s": cpu,
                "cpu_per_call_median_s": {impl: m[impl]["cpu_median"] for impl in impls},
                "calling_thread_cpu_per_call_s": {impl: m[impl]["thread_min"] for impl in impls},
                "wall_per_call_s": wall,
                "value": value,
                "exact": ref,
                "max_relative_difference_from_exact": max(
                    abs(v - ref) / abs(ref) for impl, v in value.items() if impl != "naive"
                ),
                "reference": "float64, SciPy" if name in CLASSIC else "float64, lossbook",
                "naive_relative_difference_from_exact": (
                    abs(value["naive"] - ref) / abs(ref) if "naive" in value else None
                ),
                "ratio_lossbook_to_keras": cpu["lossbook"] / cpu["keras"],
                "ratio_lossbook_to_fastest_tf": cpu["lossbook"] / fastest_tf,
                "ratio_lossbook_to_naive": cpu["lossbook"] / cpu["naive"] if "naive" in cpu else None,
                "ratio_lossbook_to_pytorch": cpu["lossbook"] / cpu["pytorch"] if "pytorch" in cpu else None,
                "wall_ratio_lossbook_to_fastest_tf": wall["lossbook"] / min(wall[i] for i in TENSORFLOW if i in wall),
            }
            row["target_met"] = (
                cpu["lossbook"] <= SMALL_TARGET_S if small else row["ratio_lossbook_to_fastest_tf"] <= LARGE_TARGET
            )
            steps = workers["lossbook"].get("ctc_steps")
            if small and name == "ctc" and steps:  # a recursion over time: its overhead is the fixed part
                row["overhead_s"], row["per_step_s"] = steps["overhead_s"], steps["per_step_s"]
                row["target_met"] = steps["overhead_s"] <= SMALL_TARGET_S
            rows.append(row)
        results.append(
            {
                "shape": [n, 10],
                "unit": "us" if small else "ms",
                "target": (
                    f"lossbook's per-call CPU time ≤ {SMALL_TARGET_S * 1e6:.0f} µs (CTC: the fixed part of "
                    "its time, without the per-step recursion; see the notes)"
                    if small
                    else f"lossbook's CPU time ≤ {LARGE_TARGET:g}× the faster of Keras and tf.nn"
                ),
                "cases": rows,
            }
        )
    return results


def stability(workers, scales):
    """The logit losses of the same logits scaled up, by each implementation (from the workers)."""
    base, targets = stability_inputs()
    rows = []
    for name in STABILITY_CASES:
        for scale in scales:
            ref = exact(name, targets[name], _scaled(base, scale))
            values = {impl: workers[impl]["stability"][f"{name} {scale}"] for impl in STABILITY_IMPLEMENTATIONS}
            ours, keras_value, naive_value = values["lossbook"], values["keras"], values["naive"]
            naive_err = abs(naive_value - ref) / abs(ref) if np.isfinite(naive_value) else _finite_or_name(naive_value)
            rows.append(
                {
                    "label": CASES[name][0],
                    "case": name,
                    "scale": scale,
                    "exact": ref,
                    "lossbook": _finite_or_name(ours),
                    "keras": _finite_or_name(keras_value),
                    "naive": _finite_or_name(naive_value),
                    "lossbook_relative_error": abs(ours - ref) / abs(ref),
                    "keras_relative_error": abs(keras_value - ref) / abs(ref),
                    "naive_relative_error": naive_err,
                }
            )
    return rows


def _finite_or_name(x):
    x = float(x)
    return x if np.isfinite(x) else ("nan" if np.isnan(x) else ("inf" if x > 0 else "-inf"))


# --- main ------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="lossbook vs TensorFlow vs naive NumPy.")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and repeats (seconds)")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default benchmarks/results)")
    parser.add_argument("--worker", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:  # one implementation, in this (new) process
        config = json.loads(args.config)
        config.pop("passes", None)
        result = run_worker(args.worker, **config)
        args.worker_out.write_text(json.dumps(result))
        return 0

    env = environment(measured=MEASURED)
    if args.smoke:
        config = {
            "sizes": [10, 1000],
            "passes": 1,
            "repeats": 2,
            "repeats_small": 2,
            "min_small": 0.002,
            "pause": 0.0,
            "scales": [1, 1000],
        }
    else:
        config = {
            "sizes": [10, 1_000_000],
            "passes": 2,
            "repeats": 7,
            "repeats_small": 30,
            "min_small": 0.01,
            "pause": 0.2,
            "scales": [1, 10, 100, 1000],
        }

    passes = {impl: [] for impl in IMPLEMENTATIONS}
    for k in range(config["passes"]):
        for impl in IMPLEMENTATIONS:
            print(
                f"pass {k + 1}, {impl}: in a new process ({'with' if impl in TENSORFLOW else 'without'} TensorFlow)",
                flush=True,
            )
            passes[impl].append(run_in_process(impl, config))
    workers = {impl: merge_passes(results) for impl, results in passes.items()}
    results = assemble(workers, config["sizes"])
    for size in results:
        print(f"shape {tuple(size['shape'])} float32, CPU time per call (min of repeats):")
        for row in size["cases"]:
            print(
                f"  {row['label']:<42} "
                + "  ".join(f"{impl} {t * 1e6:9.1f} µs" for impl, t in row["cpu_per_call_s"].items())
                + f"   lossbook/TF {row['ratio_lossbook_to_fastest_tf']:.2f}x"
                + (
                    f"   lossbook/PyTorch {row['ratio_lossbook_to_pytorch']:.2f}x"
                    if row["ratio_lossbook_to_pytorch"]
                    else ""
                )
            )
    print("lossbook's steps, timed apart above (inspect.getsource of the functions the losses call):")
    for qualified, source in step_sources().items():
        print(f"# {qualified}\n{source}")
    stab = stability(workers, config["scales"])
    for row in stab:
        print(
            f"  {row['label']:<36} x{row['scale']:<5g} exact {row['exact']:<12.6g} "
            f"lossbook {row['lossbook']!s:<12.8} keras {row['keras']!s:<12.8} naive {row['naive']!s:<12.8}"
        )

    repeats, repeats_small, min_small = config["repeats"], config["repeats_small"], config["min_small"]
    data = {
        "benchmark": "losses",
        "smoke": args.smoke,
        "environment": env,
        "method": (
            "One run of `benchmarks/losses.py` measures the five implementations one after the other, each "
            "in its own new Python process; the lossbook and naive processes never import TensorFlow, whose "
            "thread pools keep spinning after each call and would be charged to whatever runs next in the "
            "same process. The figure kept is the CPU time of that process per call (all its threads, "
            "`time.process_time`), the minimum over repeats after a warm-up and over "
            f"{config['passes']} pass{'es' if config['passes'] > 1 else ''} of the five processes: on the small arrays "
            f"{repeats_small} repeats of calls lasting ≥ {min_small * 1e3:g} ms together, on the large ones "
            f"{repeats} repeats of one call. The repeats run in rounds over all of a process's losses, "
            f"{config['pause']:g} s apart, so that a burst of other load on the shared machine spoils few of "
            "them. lossbook includes its input validation and gets NumPy arrays; Keras' loss classes (eager) "
            "and `tf.reduce_mean(tf.nn.…)` get tensors converted beforehand (TensorFlow's best case). "
            "Naive NumPy is the textbook formula: `np.exp(z) / np.exp(z).sum(…)`, "
            "`-np.sum(t * np.log(y + 1e-7)) / N`, `1 / (1 + np.exp(-z))`, no validation. "
            f"PyTorch {_torch_version()} (CPU build) runs in a fifth process: its loss modules "
            "(`nn.CrossEntropyLoss()`, on `log(y)` for probabilities; `nn.BCELoss()`, `nn.BCEWithLogitsLoss()`, "
            "`nn.MSELoss()`), prediction first, on tensors made beforehand (`torch.from_numpy`, no copy). "
            + agreement(results)
        ),
        "processes": {
            impl: {
                "tensorflow_imported": w["tensorflow_imported"],
                "torch_imported": w["torch_imported"],
                **({"threads": w["threads"]} if w.get("threads") else {}),
            }
            for impl, w in workers.items()
        },
        "sizes": results,
        "parts_cpu_s": workers["lossbook"]["parts"],
        "ctc_steps": workers["lossbook"].get("ctc_steps"),
        "part_code": {name: step_names(name) for name in CLASSIC},
        "part_source": step_sources(),
        "stability": {
            "method": (
                "The same 1000 × 10 float32 logits (standard normal) scaled up, as a network's "
                "logits grow during training. Exact: float64 with SciPy's `log_softmax` and "
                "`log_expit`. The naive softmax overflows `exp` (float32 overflows above 88.7) and "
                "returns nan; the naive sigmoid with its 1e-7 fudge stays finite but caps every "
                "wrong answer's cost at −ln 1e-7 ≈ 16.1, so its loss is far too small."
            ),
            "rows": stab,
        },
    }
    return finish("losses", data, notes, args.out)


def _torch_version():
    """The installed PyTorch's version, read without importing it (this process stays free of it)."""
    from importlib.metadata import version

    return version("torch")


def agreement(sizes):
    rows = [c for size in sizes for c in size["cases"]]
    ours = max(c["max_relative_difference_from_exact"] for c in rows)
    naive = max(
        c["naive_relative_difference_from_exact"] for c in rows if c["naive_relative_difference_from_exact"] is not None
    )
    return (
        f"On these inputs (ordinary logits and probabilities) lossbook, TensorFlow and PyTorch agree with the "
        f"float64 reference within a relative {ours:.0e}, the naive formulas within {naive:.0e}."
    )


def _and(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _time(seconds):
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.0f} ms"


def notes(data):
    """Plain-language notes for the page: each missed target, and where lossbook's time goes, from the numbers."""
    out = []
    small, large = data["sizes"][0], data["sizes"][-1]
    for size in (large, small):
        n = size["shape"][0]
        parts = data["parts_cpu_s"][str(n)]
        for c in size["cases"]:
            if c["target_met"]:
                continue
            t = c["cpu_per_call_s"]
            whole = t["lossbook"]
            fastest_tf = min(t[i] for i in TENSORFLOW if i in t)
            text = f"Missed on {c['label']} ({n:,} × 10): lossbook {_time(whole)} per call"
            if size is large:
                text += f", {c['ratio_lossbook_to_fastest_tf']:.2f}× TensorFlow's {_time(fastest_tf)}"
            if c["case"] not in parts:  # steps are timed apart for the classic losses only
                out.append(text + ".")
                continue
            p = parts[c["case"]]
            total = sum(p.values())
            text += (
                f". Timed apart, its validation takes {_time(p['validation'])}, the per-element arithmetic "
                f"{_time(p['elementwise'])} and the reductions {_time(p['reductions'])} "
                f"({_time(total)} together"
            )
            text += (
                ")."
                if abs(total - whole) <= 0.15 * whole
                else (
                    f"; the whole call takes {_time(whole)}, so {_time(abs(whole - total))} "
                    f"{'is spent between the parts' if whole > total else 'less than its parts timed apart'})."
                )
            )
            biggest = max(PARTS, key=p.get)
            text += (
                f" The largest part is the {biggest.replace('elementwise', 'per-element arithmetic')}, "
                f"`{data['part_code'][c['case']][biggest]}`."
            )
            if size is large:
                rest = p["elementwise"] + p["reductions"]
                text += (
                    f" Without validation the loss would take about {_time(rest)}, "
                    f"{rest / fastest_tf:.1f}× TensorFlow's time; the naive formula takes {_time(t['naive'])}."
                )
            out.append(text)
    for c in large["cases"]:
        t, th = c["cpu_per_call_s"]["lossbook"], c["calling_thread_cpu_per_call_s"]["lossbook"]
        if t - th > 0.1 * t:
            out.append(
                f"On {c['label']} ({large['shape'][0]:,} × 10), {_time(t - th)} of lossbook's "
                f"{_time(t)} of CPU time are spent on threads other than the calling one."
            )
    # CPU time against elapsed time on the large arrays: how many cores each implementation keeps busy.
    busy = {
        impl: [
            c["cpu_per_call_s"][impl] / c["wall_per_call_s"][impl]
            for c in large["cases"]
            if impl in c["cpu_per_call_s"]
        ]
        for impl in ("lossbook", *TENSORFLOW)
    }
    tf_busy = busy["keras"] + busy["tf.nn"]
    wall = {c["label"]: c["wall_ratio_lossbook_to_fastest_tf"] for c in large["cases"]}
    over = [label for label, r in wall.items() if r > LARGE_TARGET]
    span = lambda xs, f: f"{min(xs):{f}}" + ("" if f"{min(xs):{f}}" == f"{max(xs):{f}}" else f" to {max(xs):{f}}")  # noqa: E731
    out.append(
        f"The targets are on CPU time. On {large['shape'][0]:,} × 10 arrays TensorFlow's CPU time is "
        f"{span(tf_busy, '.1f')} times its elapsed time"
        f"{' (it computes on several threads at once)' if max(tf_busy) > 1.2 else ''}, "
        f"lossbook's {span(busy['lossbook'], '.1f')} times, so in elapsed time lossbook ÷ TF is "
        f"{span(list(wall.values()), '.2f')}×" + (f", above {LARGE_TARGET:g}× on {_and(over)}." if over else ".")
    )
    steps = data.get("ctc_steps")
    if steps:
        at = dict(zip(steps["steps"], steps["cpu_per_call_s"]))
        out.append(
            f"CTC is a recursion over time steps, so its small case is measured at {_and([str(k) for k in at])} "
            f"steps ({steps['sequences']} sequences of 10 classes, labels of 1 to 5 symbols): "
            + ", ".join(f"{_time(t)} at {k}" for k, t in at.items())
            + f". A straight line fits them to within {steps['largest_relative_residual']:.0%}: "
            f"{_time(steps['overhead_s'])} a call (its per-call overhead: inputs checked, softmax, extended "
            f"labels, reduction) plus {_time(steps['per_step_s'])} a time step (the recursion, two steps at once "
            f"from both ends). The target is on the overhead (≤ {SMALL_TARGET_S * 1e6:.0f} µs: "
            f"{'met' if steps['overhead_s'] <= SMALL_TARGET_S else 'missed'}); the 20-step case in the table "
            f"costs the overhead plus 20 steps."
        )
    if all(c["target_met"] for c in small["cases"]):
        worst = max(c["cpu_per_call_s"]["lossbook"] for c in small["cases"] if c["case"] != "ctc")
        best_tf = min(min(t for i, t in c["cpu_per_call_s"].items() if i in TENSORFLOW) for c in small["cases"])
        out.append(
            f"On small arrays every other lossbook loss costs at most {worst * 1e6:.0f} µs per call, "
            f"validation included; TensorFlow's eager dispatch costs at least {best_tf * 1e6:.0f} µs."
        )
    if all(c["target_met"] for c in large["cases"]):
        worst = max(large["cases"], key=lambda c: c["ratio_lossbook_to_fastest_tf"])
        p = data["parts_cpu_s"][str(large["shape"][0])].get(worst["case"])
        where = (
            f", where validation takes {_time(p['validation'])} of {_time(worst['cpu_per_call_s']['lossbook'])}"
            if p
            else ""
        )
        out.append(
            f"On {large['shape'][0]:,} × 10 arrays every lossbook loss is within "
            f"{worst['ratio_lossbook_to_fastest_tf']:.2f}× TensorFlow's CPU time (the most on "
            f"{worst['label']}{where})."
        )
    return out


if __name__ == "__main__":
    sys.exit(main())

"""lossbook against TensorFlow and against the textbook NumPy formulas.

Times categorical cross-entropy (from logits and from probabilities), binary
cross-entropy (from probabilities and from logits) and mean squared error, on
float32 arrays of shape (10, 10) (per-call overhead) and (1 000 000, 10)
(throughput), for four implementations:

* ``lossbook``: the public function, input validation included;
* ``keras``: the Keras loss class (``tf.keras.losses.CategoricalCrossentropy()``
  etc.), eager, on inputs already converted to tensors (TensorFlow's best case);
* ``tf.nn``: ``tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(...))``
  and ``tf.nn.sigmoid_cross_entropy_with_logits``, where TensorFlow has one;
* ``naive``: the textbook formula in NumPy, no validation, no stabilization.

Every implementation is warmed up first. Each repeat calls it ``n`` times;
the figure kept is the minimum over repeats of the per-call CPU time of the
whole process (all threads: TensorFlow and BLAS use both cores), which other
load on a shared machine disturbs less than elapsed time. Elapsed times are
recorded too.

It then shows what the naive formulas buy their speed with: the loss of the
same logits scaled by 1, 10, 100 and 1000, computed by each implementation
next to the exact value (float64, SciPy's stable ``log_softmax``/``log_expit``).

Run with the project's Python::

    python benchmarks/losses.py            # writes benchmarks/results/losses.json
    python benchmarks/losses.py --smoke --out /tmp/x   # tiny sizes, seconds
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import environment, write_results  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

LARGE_TARGET = 2.0      # lossbook CPU time <= 2 x the fastest TensorFlow variant's
SMALL_TARGET_S = 50e-6  # per-call overhead on (10, 10) arrays
FUDGE = 1e-7            # the textbook's log(y + 1e-7)

# The code this benchmark measures (for the environment's git_dirty).
MEASURED = ("lossbook/__init__.py", "lossbook/_validation.py", "lossbook/_reductions.py",
            "lossbook/activations.py", "lossbook/classification.py", "lossbook/regression.py",
            "benchmarks/losses.py")

# Parts of the diagnosis (they label the page's table, so code is in backticks).
LOG_EXPIT = "`scipy.special.log_expit`, on z and on −z"
TF_FORMULA = "TensorFlow's formula in NumPy: `np.maximum(z, 0) - z*t + np.log1p(np.exp(-np.abs(z)))`"
ONE_PASS_MSE = "one-pass MSE: `np.mean(np.square(y - t))`"


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
        "onehot": onehot, "logits": logits, "probs": probs, "multilabel": multilabel,
        "sigmoid": sigmoid,
        "mse_true": rng.normal(size=(n, c)).astype(np.float32),
        "mse_pred": rng.normal(size=(n, c)).astype(np.float32),
    }


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


# --- the cases -------------------------------------------------------------------

def cases(tf):
    """name -> (label, (target key, prediction key), {implementation: fn(t, y)}).

    TensorFlow functions take tensors; the others NumPy arrays.
    """
    import lossbook as lb

    k = tf.keras.losses
    cce_l, cce_p = k.CategoricalCrossentropy(from_logits=True), k.CategoricalCrossentropy()
    bce_p, bce_l = k.BinaryCrossentropy(), k.BinaryCrossentropy(from_logits=True)
    mse = k.MeanSquaredError()
    return {
        "cce_logits": ("categorical cross-entropy, logits", ("onehot", "logits"), {
            "lossbook": lambda t, y: lb.categorical_crossentropy(t, y, from_logits=True),
            "keras": cce_l,
            "tf.nn": lambda t, y: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=y)),
            "naive": naive_cce_logits,
        }),
        "cce_probs": ("categorical cross-entropy, probabilities", ("onehot", "probs"), {
            "lossbook": lb.categorical_crossentropy,
            "keras": cce_p,
            "naive": naive_cce_probs,
        }),
        "bce_probs": ("binary cross-entropy, probabilities", ("multilabel", "sigmoid"), {
            "lossbook": lb.binary_crossentropy,
            "keras": bce_p,
            "naive": naive_bce_probs,
        }),
        "bce_logits": ("binary cross-entropy, logits", ("multilabel", "logits"), {
            "lossbook": lambda t, y: lb.binary_crossentropy(t, y, from_logits=True),
            "keras": bce_l,
            "tf.nn": lambda t, y: tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=y)),
            "naive": naive_bce_logits,
        }),
        "mse": ("mean squared error", ("mse_true", "mse_pred"), {
            "lossbook": lb.mean_squared_error,
            "keras": mse,
            "naive": naive_mse,
        }),
    }


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


# --- timing ------------------------------------------------------------------------

def measure(fn, args, *, number, repeats):
    """Minimum and median over ``repeats`` of the per-call CPU and wall time of ``number`` calls."""
    for _ in range(2):  # warm up: TensorFlow traces and allocates on the first calls
        fn(*args)
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(number):
            fn(*args)
        cpu.append((time.process_time() - c0) / number)
        wall.append((time.perf_counter() - w0) / number)
    return {"cpu_min": min(cpu), "cpu_median": float(np.median(cpu)),
            "wall_min": min(wall), "wall_median": float(np.median(wall))}


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


def bench_size(tf, n, *, repeats, min_seconds, log=print):
    data = make_inputs(n)
    tensors = {key: tf.constant(value) for key, value in data.items()}
    rows = []
    for name, (label, (tk, yk), impls) in cases(tf).items():
        ref = exact(name, data[tk], data[yk])
        per = {"cpu": {}, "wall": {}, "cpu_median": {}, "value": {}}
        for impl, fn in impls.items():
            args = (tensors[tk], tensors[yk]) if impl in ("keras", "tf.nn") else (data[tk], data[yk])
            with np.errstate(all="ignore"):
                value = float(fn(*args))
                number = calibrate(fn, args, min_seconds)
                m = measure(fn, args, number=number, repeats=repeats)
            per["cpu"][impl], per["wall"][impl] = m["cpu_min"], m["wall_min"]
            per["cpu_median"][impl] = m["cpu_median"]
            per["value"][impl] = value
        tf_cpu = [per["cpu"][i] for i in ("keras", "tf.nn") if i in per["cpu"]]
        ratio_tf = per["cpu"]["lossbook"] / min(tf_cpu)
        row = {
            "case": name,
            "label": label,
            "cpu_per_call_s": per["cpu"],
            "cpu_per_call_median_s": per["cpu_median"],
            "wall_per_call_s": per["wall"],
            "value": per["value"],
            "exact": ref,
            "max_relative_difference_from_exact": max(
                abs(v - ref) / abs(ref) for impl, v in per["value"].items() if impl != "naive"),
            "naive_relative_difference_from_exact": abs(per["value"]["naive"] - ref) / abs(ref),
            "ratio_lossbook_to_keras": per["cpu"]["lossbook"] / per["cpu"]["keras"],
            "ratio_lossbook_to_fastest_tf": ratio_tf,
            "ratio_lossbook_to_naive": per["cpu"]["lossbook"] / per["cpu"]["naive"],
        }
        rows.append(row)
        log(f"  {label:<42} " + "  ".join(
            f"{impl} {t * 1e6:9.1f} µs" for impl, t in per["cpu"].items())
            + f"   lossbook/TF {ratio_tf:.2f}x")
    return rows


# --- where lossbook's time goes on the large arrays --------------------------------------

def diagnose(n, *, repeats, min_seconds=0.0):
    """CPU time of the parts of lossbook's large-array cases that TensorFlow does differently.

    Input validation (what TensorFlow does not do at all), and for the two cases
    whose arithmetic differs from TensorFlow's: SciPy's ``log_expit`` (lossbook's
    binary cross-entropy from logits calls it twice) against TensorFlow's formula
    ``max(z, 0) - z t + log1p(exp(-|z|))`` written in NumPy, and lossbook's
    per-sample MSE then mean against a one-pass ``np.mean(np.square(y - t))``.
    """
    from scipy import special

    from lossbook import _validation as v

    d = make_inputs(n)
    t, z, p, onehot = d["multilabel"], d["logits"], d["probs"], d["onehot"]

    def cpu(fn):
        return measure(fn, (), number=calibrate(fn, (), min_seconds), repeats=repeats)["cpu_min"]

    def validate_cce_probs():
        a, b = v.as_pair(onehot, p)
        v.check_distributions(a, "y_true")
        v.check_distributions(b, "y_pred")

    def validate_bce():
        a, _ = v.as_pair(t, z)
        v.check_in_unit_interval(a, "y_true")

    out = {
        "validation, categorical cross-entropy from probabilities": cpu(validate_cce_probs),
        "validation, binary cross-entropy from logits": cpu(validate_bce),
        "validation, mean squared error": cpu(lambda: v.as_pair(d["mse_true"], d["mse_pred"])),
        LOG_EXPIT: cpu(lambda: (special.log_expit(z), special.log_expit(-z))),
        TF_FORMULA: cpu(
            lambda: np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))),
        ONE_PASS_MSE: cpu(lambda: np.mean(np.square(d["mse_pred"] - d["mse_true"]))),
    }
    for label, seconds in out.items():
        print(f"  {label:<58} {seconds * 1e6:10.1f} µs")
    return out


# --- stability -----------------------------------------------------------------------

def _finite_or_name(x):
    x = float(x)
    return x if np.isfinite(x) else ("nan" if np.isnan(x) else ("inf" if x > 0 else "-inf"))


def stability(tf, scales, n=1000):
    """The logit losses of the same logits scaled up, by each implementation."""
    import lossbook as lb

    rng = np.random.default_rng(1)
    base = rng.normal(size=(n, 10)).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    onehot = np.zeros((n, 10), np.float32)
    onehot[np.arange(n), labels] = 1
    multilabel = (rng.random((n, 10)) < 0.3).astype(np.float32)
    k = tf.keras.losses
    specs = [
        ("categorical cross-entropy, logits", "cce_logits", onehot,
         lambda t, z: lb.categorical_crossentropy(t, z, from_logits=True),
         k.CategoricalCrossentropy(from_logits=True), naive_cce_logits),
        ("binary cross-entropy, logits", "bce_logits", multilabel,
         lambda t, z: lb.binary_crossentropy(t, z, from_logits=True),
         k.BinaryCrossentropy(from_logits=True), naive_bce_logits),
    ]
    rows = []
    for label, name, t, ours, keras_loss, naive in specs:
        for scale in scales:
            z = (base * np.float32(scale)).astype(np.float32)
            ref = exact(name, t, z)
            with np.errstate(all="ignore"):
                naive_value = float(naive(t, z))
            keras_value = float(keras_loss(tf.constant(t), tf.constant(z)))
            ours_value = float(ours(t, z))
            naive_err = (abs(naive_value - ref) / abs(ref) if np.isfinite(naive_value)
                         else _finite_or_name(naive_value))
            rows.append({
                "label": label, "case": name, "scale": scale,
                "exact": ref,
                "lossbook": _finite_or_name(ours_value),
                "keras": _finite_or_name(keras_value),
                "naive": _finite_or_name(naive_value),
                "lossbook_relative_error": abs(ours_value - ref) / abs(ref),
                "keras_relative_error": abs(keras_value - ref) / abs(ref),
                "naive_relative_error": naive_err,
            })
    return rows


# --- main ------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="lossbook vs TensorFlow vs naive NumPy.")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and repeats (seconds)")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default benchmarks/results)")
    args = parser.parse_args(argv)

    env = environment(measured=MEASURED)
    import tensorflow as tf

    if args.smoke:
        sizes, repeats, min_small, min_large, scales = (10, 1000), 2, 0.002, 0.0, (1, 1000)
    else:
        sizes, repeats, min_small, min_large, scales = (10, 1_000_000), 7, 0.05, 0.0, (1, 10, 100, 1000)

    results = []
    for i, n in enumerate(sizes):
        small = i == 0
        print(f"shape ({n}, 10) float32, CPU time per call (min of {repeats} repeats):")
        rows = bench_size(tf, n, repeats=repeats, min_seconds=min_small if small else min_large)
        for row in rows:
            if small:
                row["target_met"] = row["cpu_per_call_s"]["lossbook"] <= SMALL_TARGET_S
            else:
                row["target_met"] = row["ratio_lossbook_to_fastest_tf"] <= LARGE_TARGET
        results.append({
            "shape": [n, 10],
            "unit": "us" if small else "ms",
            "target": (f"lossbook's per-call CPU time ≤ {SMALL_TARGET_S * 1e6:.0f} µs" if small else
                       f"lossbook's CPU time ≤ {LARGE_TARGET:g}× the faster of Keras and tf.nn"),
            "cases": rows,
        })

    diagnosis = {}
    for i, n in enumerate(sizes):
        print(f"where lossbook's time goes on ({n}, 10), CPU time per call (min of {repeats}):")
        diagnosis[f"{n}x10"] = diagnose(n, repeats=repeats, min_seconds=min_small if i == 0 else min_large)

    print("logits scaled up (speed vs stability):")
    stab = stability(tf, scales)
    for row in stab:
        print(f"  {row['label']:<36} x{row['scale']:<5g} exact {row['exact']:<12.6g} "
              f"lossbook {row['lossbook']!s:<12.8} keras {row['keras']!s:<12.8} naive {row['naive']!s:<12.8}")

    data = {
        "benchmark": "losses",
        "smoke": args.smoke,
        "environment": env,
        "method": (
            "CPU time of the whole process per call (all threads), the minimum over "
            f"{repeats} repeats after a warm-up; each repeat calls the loss enough times to take "
            f"≥ {min_small * 1e3:g} ms on the small arrays, once on the large ones. lossbook "
            "includes its input validation and gets NumPy arrays; Keras' loss classes (eager) and "
            "`tf.reduce_mean(tf.nn.…)` get tensors converted beforehand (TensorFlow's best case). "
            "Naive NumPy is the textbook formula: `np.exp(z) / np.exp(z).sum(…)`, "
            "`-np.sum(t * np.log(y + 1e-7)) / N`, `1 / (1 + np.exp(-z))`, no validation. "
            + agreement(results)),
        "sizes": results,
        "diagnosis_cpu_s": diagnosis,
        "stability": {
            "method": (
                "The same 1000 × 10 float32 logits (standard normal) scaled up, as a network's "
                "logits grow during training. Exact: float64 with SciPy's `log_softmax` and "
                "`log_expit`. The naive softmax overflows `exp` (float32 overflows above 88.7) and "
                "returns nan; the naive sigmoid with its 1e-7 fudge stays finite but caps every "
                "wrong answer's cost at −ln 1e-7 ≈ 16.1, so its loss is far too small."),
            "rows": stab,
        },
    }
    data["notes"] = notes(data)
    for note in data["notes"]:
        print(f"note: {note}")
    path = write_results("losses", data, args.out)
    print(f"wrote {path}")
    return 0


def agreement(sizes):
    rows = [c for size in sizes for c in size["cases"]]
    ours = max(c["max_relative_difference_from_exact"] for c in rows)
    naive = max(c["naive_relative_difference_from_exact"] for c in rows)
    return (f"On these inputs (ordinary logits and probabilities) lossbook and TensorFlow agree with the "
            f"float64 reference within a relative {ours:.0e}, the naive formulas within {naive:.0e}.")


def notes(data):
    """Plain-language notes for the page: each missed target, and why, from the measured diagnosis."""
    out = []
    small, large = data["sizes"][0], data["sizes"][-1]
    diag = data["diagnosis_cpu_s"][f"{large['shape'][0]}x10"]
    diag_small = data["diagnosis_cpu_s"][f"{small['shape'][0]}x10"]
    validation_small = {"cce_probs": "validation, categorical cross-entropy from probabilities",
                        "bce_logits": "validation, binary cross-entropy from logits",
                        "mse": "validation, mean squared error"}
    ms = lambda s: f"{s * 1e3:.0f} ms"  # noqa: E731
    for c in large["cases"]:
        if c["target_met"]:
            continue
        t = c["cpu_per_call_s"]
        fastest_tf = min(t[i] for i in ("keras", "tf.nn") if i in t)
        head = (f"Missed on {c['label']} ({large['shape'][0]:,} × 10): lossbook "
                f"{ms(t['lossbook'])}, {c['ratio_lossbook_to_fastest_tf']:.2f}× TensorFlow's {ms(fastest_tf)}.")
        if c["case"] == "bce_logits":
            val, fast = diag["validation, binary cross-entropy from logits"], diag[TF_FORMULA]
            why = (f" SciPy's `log_expit`, which lossbook calls on z and on −z, takes "
                   f"{ms(diag[LOG_EXPIT])} for the two calls; TensorFlow's formula "
                   f"max(z, 0) − z·t + log1p(exp(−abs(z))), equally stable, takes {ms(fast)} in NumPy. "
                   f"Computed that way, `lossbook.binary_crossentropy`'s validation ({ms(val)}) and "
                   f"per-element terms would take about {ms(val + fast)}, {(val + fast) / fastest_tf:.1f}× "
                   "TensorFlow's time, before the final means.")
        elif c["case"] == "mse":
            val, fast = diag["validation, mean squared error"], diag[ONE_PASS_MSE]
            why = (f" Validation takes {ms(val)} (conversion and the finiteness check of both arrays), and "
                   "the per-sample means before the batch mean add passes over the data: a one-pass "
                   f"`np.mean(np.square(y - t))` takes {ms(fast)}. Averaging all squares at once with "
                   "`reduction=\"mean\"` (the same number, up to rounding) would take about "
                   f"{ms(val + fast)}, {(val + fast) / fastest_tf:.1f}× TensorFlow's time.")
        elif c["case"] == "cce_probs":
            val = diag["validation, categorical cross-entropy from probabilities"]
            rest = t["lossbook"] - val
            why = (f" Validation takes {ms(val)} of it: lossbook checks that both arrays are finite, in "
                   "[0, 1] and that every row sums to 1, which Keras does not (it renormalizes rows "
                   f"silently). The loss itself, normalized and clipped as Keras does, takes about "
                   f"{ms(rest)}, {rest / fastest_tf:.1f}× TensorFlow's time; getting within 2× needs a "
                   "cheaper validation, such as one fused pass for the range and sum checks.")
        else:
            why = " Validation is a pass over the data that TensorFlow does not make."
        out.append(head + why)
    for c in small["cases"]:
        if not c["target_met"]:
            key = validation_small.get(c["case"])
            part = (f"; its validation alone takes {diag_small[key] * 1e6:.0f} µs" if key else "")
            out.append(
                f"Missed on {c['label']} (10 × 10): {c['cpu_per_call_s']['lossbook'] * 1e6:.0f} µs "
                f"per call{part}. At this size the cost is Python and NumPy's per-call overhead "
                "(a dozen small array operations), not arithmetic.")
    n_small = sum(c["target_met"] for c in small["cases"])
    if n_small == len(small["cases"]):
        worst = max(c["cpu_per_call_s"]["lossbook"] for c in small["cases"])
        best_tf = min(min(t for i, t in c["cpu_per_call_s"].items() if i in ("keras", "tf.nn"))
                      for c in small["cases"])
        out.append(f"On small arrays every lossbook loss costs at most {worst * 1e6:.0f} µs per call, "
                   f"validation included; TensorFlow's eager dispatch costs at least {best_tf * 1e6:.0f} µs.")
    return out


if __name__ == "__main__":
    sys.exit(main())

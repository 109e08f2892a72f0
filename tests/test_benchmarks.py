"""The benchmark scripts (benchmarks/) still run, and the book's benchmarks page is current.

Each script is smoke-run (tiny sizes, results to a temporary directory) in a
subprocess, as ``benchmarks/run_all.py --smoke`` runs it in CI; the checks are
on what the scripts record, never on how fast anything is. The page benchmark
needs Chromium, which ``.ci/run`` installs after the unit tests: here its
page discovery and local server are tested, and ``run_all.py --smoke`` (run by
``.ci/run`` after the site tests) loads a page in the browser.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import losses  # noqa: E402
import report  # noqa: E402
from headless import built_pages, serve  # noqa: E402 - site/headless.py (pytest's pythonpath)


def run_script(*args, timeout=600):
    proc = subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def check_environment(env):
    for key in ("date", "cpu", "cores", "load_average_start", "load_average_end", "versions", "git_commit"):
        assert key in env, key
    for package in ("python", "numpy", "scipy", "tensorflow", "lossbook"):
        assert env["versions"][package], package
    assert len(env["load_average_start"]) == 3


# --- losses --------------------------------------------------------------------


@pytest.fixture(scope="module")
def losses_smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("losses")
    run_script(BENCH / "losses.py", "--smoke", "--out", out)
    return json.loads((out / "losses.json").read_text())


def test_losses_smoke_records_every_case(losses_smoke):
    r = losses_smoke
    assert r["smoke"] is True
    check_environment(r["environment"])
    assert [s["shape"] for s in r["sizes"]] == [[10, 10], [1000, 10]]
    for size in r["sizes"]:
        cases = {c["case"]: c for c in size["cases"]}
        assert set(cases) == set(losses.CASES)
        assert set(losses.CLASSIC) | set(losses.OTHER_LOSSES) == set(cases)
        for name, c in cases.items():
            expected = {"lossbook", "keras", "naive", "pytorch"} if name in losses.CLASSIC else {"lossbook", "keras"}
            if name in ("cce_logits", "bce_logits"):
                expected.add("tf.nn")
            assert set(c["cpu_per_call_s"]) == expected
            assert all(t > 0 for t in c["cpu_per_call_s"].values())
            assert isinstance(c["target_met"], bool)
            # lossbook and TensorFlow compute the same loss as the float64 reference,
            # to float32 precision (the inputs are float32).
            assert c["max_relative_difference_from_exact"] < 1e-5, (name, c["value"], c["exact"])


def test_losses_smoke_times_numpy_code_without_tensorflow(losses_smoke):
    # Each implementation ran in its own process; TensorFlow's threads spin after each call,
    # so the NumPy-based implementations must never share a process with it.
    processes = losses_smoke["processes"]
    assert set(processes) == {"lossbook", "naive", "keras", "tf.nn", "pytorch"}
    assert processes["lossbook"]["tensorflow_imported"] is False
    assert processes["naive"]["tensorflow_imported"] is False
    assert processes["keras"]["tensorflow_imported"] is True
    # ... and PyTorch runs alone in its own process too
    assert processes["pytorch"]["tensorflow_imported"] is False and processes["pytorch"]["torch_imported"] is True
    assert not any(processes[impl]["torch_imported"] for impl in ("lossbook", "naive", "keras", "tf.nn"))
    for size in losses_smoke["sizes"]:
        for c in size["cases"]:
            cpu = c["cpu_per_call_s"]
            if c["case"] in losses.PYTORCH_CASES:
                assert c["ratio_lossbook_to_pytorch"] == pytest.approx(cpu["lossbook"] / cpu["pytorch"])
            else:  # PyTorch has no such loss module: no ratio, and no PyTorch timing
                assert c["ratio_lossbook_to_pytorch"] is None and "pytorch" not in cpu
    for size in losses_smoke["sizes"]:
        parts = losses_smoke["parts_cpu_s"][str(size["shape"][0])]
        assert set(parts) == set(losses.CLASSIC)
        for c in size["cases"]:
            if c["case"] in losses.CLASSIC:
                assert set(parts[c["case"]]) == {"validation", "elementwise", "reductions"}
                assert all(t > 0 for t in parts[c["case"]].values())
            assert c["calling_thread_cpu_per_call_s"]["lossbook"] > 0 and c["wall_per_call_s"]["lossbook"] > 0


def test_losses_ctc_overhead_is_the_fixed_part_of_its_time(losses_smoke):
    """CTC's small-case target is judged on the intercept of its time over the number of steps."""
    steps = losses_smoke["ctc_steps"]
    assert steps["steps"] == list(losses.CTC_STEPS) and len(steps["cpu_per_call_s"]) == len(losses.CTC_STEPS)
    per_step, overhead = np.polyfit(steps["steps"], steps["cpu_per_call_s"], 1)
    assert steps["overhead_s"] == pytest.approx(overhead) and steps["per_step_s"] == pytest.approx(per_step)
    assert per_step > 0  # more steps cost more: the recursion is measured, not a constant
    small = {c["case"]: c for c in losses_smoke["sizes"][0]["cases"]}
    assert small["ctc"]["overhead_s"] == steps["overhead_s"]
    assert small["ctc"]["target_met"] is (steps["overhead_s"] <= losses.SMALL_TARGET_S)
    note = next(n for n in losses.notes(losses_smoke) if n.startswith("CTC is a recursion over time steps"))
    assert losses._time(steps["overhead_s"]) in note and losses._time(steps["per_step_s"]) in note


def test_losses_notes_explain_a_missed_target_from_the_parts(losses_smoke):
    data = json.loads(json.dumps(losses_smoke))
    large = data["sizes"][-1]
    case = next(c for c in large["cases"] if c["case"] == "cce_probs")
    case["target_met"] = False
    notes = losses.notes(data)
    note = next(n for n in notes if n.startswith("Missed on categorical cross-entropy, probabilities"))
    parts = data["parts_cpu_s"][str(large["shape"][0])]["cce_probs"]
    assert f"validation takes {losses._time(parts['validation'])}" in note
    assert "TensorFlow's time" in note and "naive formula" in note
    assert not any(n.startswith(f"On {large['shape'][0]:,} × 10 arrays every") for n in notes)


@pytest.mark.parametrize("name", losses.CLASSIC)
def test_public_function_calls_exactly_the_timed_steps(name, monkeypatch):
    # The page says where lossbook's time goes by timing lossbook's step functions apart.
    # They are not copies: record every call of them while the public function runs.
    import functools

    data = losses.make_inputs(50)
    t, y = losses.case_inputs(name, data, 50)
    steps = losses.lossbook_steps(name)
    calls = []
    for step in steps:
        fn = step.func if isinstance(step, functools.partial) else step
        module = sys.modules[fn.__module__]
        owners = [
            m
            for m in (module, *(sys.modules[k] for k in ("lossbook.classification", "lossbook.regression")))
            if getattr(m, fn.__name__, None) is fn
        ]

        def recorder(*args, _fn=fn, **kwargs):
            calls.append((_fn.__name__, kwargs.get("from_logits")))
            return _fn(*args, **kwargs)

        for owner in owners:
            monkeypatch.setattr(owner, fn.__name__, recorder)
    value = losses.implementation("lossbook", name)(t, y)
    monkeypatch.undo()
    expected = [
        ((s.func if isinstance(s, functools.partial) else s).__name__, getattr(s, "keywords", {}).get("from_logits"))
        for s in steps
    ]
    assert calls == expected
    # and, run one after the other, the steps give the public function's value exactly
    validate, per_element, reduce = steps
    assert reduce(per_element(*validate(t, y))) == value


def test_step_sources_are_the_functions_source():
    import inspect

    from lossbook import classification, regression

    sources = losses.step_sources()
    assert sources["lossbook.classification._categorical_terms"] == inspect.getsource(classification._categorical_terms)
    assert sources["lossbook.regression._squared_errors"] == inspect.getsource(regression._squared_errors)
    assert not hasattr(losses, "PART_CODE") and not hasattr(losses, "lossbook_parts")


def test_losses_smoke_shows_the_naive_formulas_failing(losses_smoke):
    rows = {(row["case"], row["scale"]): row for row in losses_smoke["stability"]["rows"]}
    # Logits x1: every implementation is right.
    for case in ("cce_logits", "bce_logits"):
        row = rows[case, 1]
        assert row["naive_relative_error"] < 1e-5
        assert row["lossbook_relative_error"] < 1e-5 and row["keras_relative_error"] < 1e-5
    # Logits x1000: exp overflows float32 in the naive softmax (nan); the naive sigmoid's
    # 1e-7 fudge caps the cost of a wrong answer at -ln 1e-7 = 16.1 per element.
    cce, bce = rows["cce_logits", 1000], rows["bce_logits", 1000]
    assert cce["naive"] == "nan"
    assert isinstance(bce["naive"], float) and bce["naive_relative_error"] > 0.5
    for row in (cce, bce):
        assert math.isfinite(row["lossbook"]) and row["lossbook_relative_error"] < 1e-5
        assert math.isfinite(row["keras"]) and row["keras_relative_error"] < 1e-5


# --- build, widgets, pages --------------------------------------------------------


def test_build_smoke(tmp_path):
    run_script(BENCH / "build.py", "--smoke", "--path-output", tmp_path / "book", "--out", tmp_path)
    r = json.loads((tmp_path / "build.json").read_text())
    check_environment(r["environment"])
    assert r["full"]["wall_s"] > 0 and r["full"]["cpu_s"] > 0
    assert r["rebuild"] is None  # the smoke run builds once
    assert [c["chapter"] for c in r["chapters"]] == ["tiny.ipynb"]
    assert r["chapters"][0]["execution_s"] > 0
    assert built_pages(tmp_path / "book" / "_build" / "html") == ["intro.html", "tiny.html"]


@pytest.mark.site  # headless Chromium: .ci/run runs it in the site step, after installing Chromium
def test_widgets_smoke(tmp_path):
    run_script(BENCH / "run_all.py", "--only", "widgets", "--smoke", "--out", tmp_path)
    r = json.loads((tmp_path / "widgets.json").read_text())
    check_environment(r["environment"])
    names = [row["name"] for row in r["explorers"]]
    assert len(names) >= 7  # every explorer, each slider
    for row in r["explorers"]:
        assert row["work_median_ms"] > 0 and row["frame_median_ms"] >= row["work_median_ms"]
        assert isinstance(row["target_met"], bool)
    assert all(size > 0 for size in r["bytes"]["embed_bytes"].values())
    front = r["bytes"]["front_end_bytes_per_explorer"]
    assert set(front) == set(r["bytes"]["embed_bytes"]) and all(0 < size < 40_000 for size in front.values())


def test_pages_finds_book_pages_and_serves_them(tmp_path):
    for name in (
        "index.html",
        "genindex.html",
        "search.html",
        "intro.html",
        "chapters/01_a.html",
        "_static/x.html",
        "_sources/y.html",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"<html><body>{name}</body></html>")
    assert built_pages(tmp_path) == ["chapters/01_a.html", "intro.html"]
    with serve(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "chapters/01_a.html", timeout=10) as response:
            assert b"chapters/01_a.html" in response.read()


def test_smoke_never_overwrites_committed_results():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--smoke", "--out", str(BENCH / "results")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "must not overwrite" in proc.stderr


# --- the committed results and the page ----------------------------------------


def test_committed_results_are_real_runs():
    results = report.load_results()
    assert set(results) == set(report.SECTIONS)
    for name, r in results.items():
        assert r["smoke"] is False, name
        check_environment(r["environment"])


def test_page_matches_committed_results():
    expected = report.render(report.load_results())
    assert (ROOT / "benchmarks.md").read_text() == expected, "run: python benchmarks/report.py"


def test_page_is_in_the_reference_part_of_the_toc():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    reference = next(part for part in toc["parts"] if part["caption"] == "Reference")
    assert {"file": "benchmarks"} in reference["chapters"]


def test_render_without_results_says_so():
    text = report.render({})
    assert text.startswith("# Benchmarks\n")
    assert text.count("Not measured yet.") == len(report.SECTIONS)

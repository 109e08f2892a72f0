"""Run every benchmark, each in its own process, and render the book's benchmarks page.

::

    python benchmarks/run_all.py                  # the real thing: results/*.json, then benchmarks.md
    python benchmarks/run_all.py --smoke          # tiny sizes, < 1 min; results to a temporary directory
    python benchmarks/run_all.py --only losses    # one benchmark (losses, widgets, build, pages, grading)

The real run writes ``benchmarks/results/<name>.json`` and re-renders
``benchmarks.md``. ``--smoke`` never touches either: its results go to
``--out`` or to a temporary directory removed at the end, and it exists so that CI runs every
script (they cannot rot) without paying for the real measurements. In smoke
mode the build benchmark builds a one-page book and the page benchmark loads
that book's page (or one page of ``--html DIR``), so no prior build is needed.

The widget benchmark is ``benchmarks/widget_response.py`` (the widgets'
owner's script, which prints a table and writes no file): this script runs its
benchmark code through its own functions and writes ``widgets.json``.
``benchmarks/grading.py`` is included when it exists and has a ``--smoke`` mode.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from report import ROOT, environment, write_results  # noqa: E402

ALL = ("losses", "widgets", "build", "pages", "grading")
WIDGET_TARGET_MS = 20.0
WIDGET_TARGET_SPEEDUP = 2.0
NAIVE_PREFIX = "naive"


# --- widgets: benchmarks/widget_response.py, recorded as JSON ---------------------------

def widgets(*, smoke: bool, out) -> Path:
    """Run widget_response's benchmark (in a kernel; in-process for --smoke) and write widgets.json."""
    import json

    import numpy as np
    import widget_response as wr

    n = 6 if smoke else 60
    env = environment(measured=("lossbook", "benchmarks/widget_response.py"))
    code = wr.BENCHMARK.replace("__N__", str(n))
    text = wr.run_in_process(code) if smoke else wr.run_in_kernel(code, timeout=600)
    line = next(line for line in text.splitlines() if line.startswith("RESULTS "))
    raw = json.loads(line[len("RESULTS "):])
    setup_line = next((line for line in text.splitlines() if line.startswith("SETUP ")), None)
    setup = json.loads(setup_line[len("SETUP "):]) if setup_line else {}

    def stats(times):
        wall, cpu = np.array(times["wall"]), np.array(times["cpu"])
        return {"wall_median_s": float(np.median(wall)), "wall_p95_s": float(np.percentile(wall, 95)),
                "cpu_median_s": float(np.median(cpu)), "cpu_p95_s": float(np.percentile(cpu, 95)),
                "samples": int(wall.size)}

    naive_name = next(name for name in raw if name.startswith(NAIVE_PREFIX))
    naive = stats(raw[naive_name])
    rows = []
    for name, times in raw.items():
        if name == naive_name:
            continue
        row = {"name": name, **stats(times)}
        row["speedup_vs_naive"] = naive["wall_median_s"] / row["wall_median_s"]
        row["cpu_speedup_vs_naive"] = naive["cpu_median_s"] / row["cpu_median_s"]
        row["target_met"] = (row["wall_median_s"] * 1e3 <= WIDGET_TARGET_MS
                             and row["speedup_vs_naive"] >= WIDGET_TARGET_SPEEDUP)
        rows.append(row)
    rows.append({"name": naive_name, **naive, "speedup_vs_naive": None, "target_met": None})
    for row in rows:
        print(f"  {row['name']:<50} median {row['wall_median_s'] * 1e3:7.1f} ms  "
              f"p95 {row['wall_p95_s'] * 1e3:7.1f} ms  CPU median {row['cpu_median_s'] * 1e3:7.1f} ms")
    where = "in-process (no kernel)" if smoke else "in a fresh ipykernel with `%matplotlib inline`, no front end"
    data = {
        "benchmark": "widgets",
        "smoke": smoke,
        "environment": env,
        "method": (
            f"`benchmarks/widget_response.py`: each explorer's slider set to {n} values in turn "
            f"({where}); each `slider.value = v` is timed, from the assignment to the updated image "
            "and its comm messages (the first two changes warm caches and are dropped). The "
            "alternative is the naive explorer most notebooks write: `ipywidgets.interactive_output` "
            "drawing a new pyplot figure on every change."),
        "target": (f"median elapsed ≤ {WIDGET_TARGET_MS:g} ms and ≥ {WIDGET_TARGET_SPEEDUP:g}× faster "
                   "than the naive explorer"),
        "explorers": rows,
        # First explorer of each class: construction (with any precomputation) and display (the twin's frames).
        "setup_s": setup,
    }
    data["notes"] = _widget_notes(rows)
    return write_results("widgets", data, out)


def _widget_notes(rows):
    ours = [r for r in rows if r["speedup_vs_naive"] is not None]
    missed = [r for r in ours if not r["target_met"]]
    out = [f"The explorers respond {min(r['speedup_vs_naive'] for r in ours):.0f}× to "
           f"{max(r['speedup_vs_naive'] for r in ours):.0f}× faster than the naive explorer: they "
           "update the artists of one figure and re-encode a small image, where the naive one builds, "
           "lays out and renders a new figure."]
    if missed:
        names = ", ".join(f"{r['name']} ({r['wall_median_s'] * 1e3:.1f} ms, CPU {r['cpu_median_s'] * 1e3:.1f} ms)"
                          for r in missed)
        slow_cpu = [r for r in missed if r["cpu_median_s"] * 1e3 > WIDGET_TARGET_MS]
        why = ("Their CPU medians are within the target: the rest of the elapsed time is time the kernel "
               "was not running, on this shared machine mostly waiting for a core (see the load average); "
               "on an idle machine they would respond in about their CPU time." if not slow_cpu else
               "Their CPU time alone is over the target: the figure update is the place to look.")
        out.append(f"Over the {WIDGET_TARGET_MS:g} ms median: {names}. {why}")
    if not missed:
        out.append("Every explorer met its target.")
    return out


# --- running ------------------------------------------------------------------------------

def grading_available() -> bool:
    script = HERE / "grading.py"
    return script.exists() and "--smoke" in script.read_text()


def command(name: str, *, smoke: bool, out: Path, html: Path | None, path_output: Path,
            working_tree: bool = False) -> list[str]:
    py = sys.executable
    flags = ["--smoke"] if smoke else []
    if name == "losses":
        return [py, str(HERE / "losses.py"), *flags, "--out", str(out)]
    if name == "build":
        source = [] if smoke or working_tree else ["--snapshot"]
        return [py, str(HERE / "build.py"), *flags, *source, "--path-output", str(path_output), "--out", str(out)]
    if name == "pages":
        return [py, str(HERE / "pages.py"), str(html), *flags, "--out", str(out)]
    if name == "widgets":
        return [py, str(HERE / "run_all.py"), "--only", "widgets", *flags, "--out", str(out)]
    if name == "grading":
        return [py, str(HERE / "grading.py"), *flags, "--out", str(out)]
    raise KeyError(name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="quick run of every script; results to a temp dir")
    parser.add_argument("--only", nargs="+", choices=ALL, help="run only these benchmarks")
    parser.add_argument("--out", type=Path, default=None,
                        help="results directory (default benchmarks/results; a temporary one with --smoke)")
    parser.add_argument("--html", type=Path, default=None,
                        help="built html for the page benchmark (default: the build benchmark's output "
                             "when it runs in this invocation, else _build/html)")
    parser.add_argument("--path-output", type=Path, default=None,
                        help="where the build benchmark builds (default /tmp/lossbook_bench_build; "
                             "with --smoke, OUT/smoke_build)")
    parser.add_argument("--working-tree", action="store_true",
                        help="build the working tree instead of the committed HEAD (build.py --snapshot)")
    args = parser.parse_args(argv)

    out = args.out
    scratch = out is None and args.smoke  # a temporary directory of ours, removed at the end
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="lossbook_bench_smoke_")) if args.smoke else HERE / "results"
    if args.smoke and out.resolve() == (HERE / "results").resolve():
        parser.error("--smoke must not overwrite the committed results: pass another --out")

    names = list(args.only or ALL)
    if "grading" in names and not grading_available():
        names.remove("grading")
        print("grading: benchmarks/grading.py absent or without --smoke; skipped")

    # One benchmark: run it here.
    if names == ["widgets"]:
        print(f"wrote {widgets(smoke=args.smoke, out=out)}")
        return 0

    # Several: each in its own process (TensorFlow, the kernels and the browser stay apart).
    path_output = args.path_output or (
        out / "smoke_build" if args.smoke else Path(tempfile.gettempdir()) / "lossbook_bench_build")
    built_html = path_output / "_build" / "html"
    html = args.html or (built_html if "build" in names else ROOT / "_build" / "html")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    failed, t_start = [], time.perf_counter()
    for name in names:
        cmd = command(name, smoke=args.smoke, out=out, html=html, path_output=path_output,
                      working_tree=args.working_tree)
        print(f"\n== {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
        print(f"== {name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {time.perf_counter() - t0:.1f} s",
              flush=True)
        if rc:
            failed.append(name)
    if scratch:
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        print(f"\nall benchmarks: {time.perf_counter() - t_start:.1f} s (smoke results removed; keep them "
              "with --out DIR)")
    else:
        print(f"\nall benchmarks: {time.perf_counter() - t_start:.1f} s; results in {out}")
    if not args.smoke and not failed and out.resolve() == (HERE / "results").resolve():
        import report

        report.main([])
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

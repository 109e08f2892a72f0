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

The widget benchmark is ``benchmarks/widget_response.py`` (the explorers'
owner's script, which prints a table and writes no file): this script runs its
measurement through its own functions and writes ``widgets.json``.
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


# --- widgets: benchmarks/widget_response.py, recorded as JSON ---------------------------


def widgets(*, smoke: bool, out) -> Path:
    """Run widget_response's measurement (headless Chromium; fewer values for --smoke) and write widgets.json."""
    import widget_response as wr

    n = 6 if smoke else 40
    env = environment(
        measured=("lossbook/explorers", "site/static/lossbook-explorers.js", "benchmarks/widget_response.py")
    )
    result = wr.measure(n)
    wr.print_report(result)
    rows = wr.summarize(result)
    data = {
        "benchmark": "widgets",
        "smoke": smoke,
        "environment": env,
        "method": (
            f"`benchmarks/widget_response.py`: every explorer on one page built as the book builds it, in "
            f"headless Chromium; each slider set to {n} scattered values by `input` events. *Work*: from the "
            "event to the figure updated with style and layout computed; *frame*: to the next painted frame "
            "(work plus the wait for the display's next frame); *CPU per input*: the page's main-thread CPU time "
            "per input (DevTools' ThreadTime), which waits for a busy machine's cores do not inflate. Side by side, from lossbook at commit "
            f"`{wr.OLD_COMMIT}`: the old frame-swapping twin timed the same way (its PNG decoded before the "
            "frame counts), and the old live ipywidgets path (`slider.value = v`: matplotlib render, JPEG "
            "encode), timed in process without a kernel, a lower bound."
        ),
        "target": "work median ≤ 8 ms and 95th percentile ≤ 16 ms",
        "explorers": rows,
        "bytes": result["bytes"],
    }
    data["notes"] = _widget_notes(rows, result["bytes"])
    if "load_average" in result:
        data["notes"].append(
            "Load average {:.1f} at the start and {:.1f} at the end, on {} cores.".format(
                *result["load_average"], os.cpu_count()
            )
        )
    return write_results("widgets", data, out)


def _widget_notes(rows, sizes):
    missed = [r for r in rows if not r["target_met"]]
    out = [
        f"Work per change: {min(r['work_median_ms'] for r in rows):.1f} to "
        f"{max(r['work_median_ms'] for r in rows):.1f} ms median; "
        + (
            "every slider met the target."
            if not missed
            else "over the target: " + ", ".join(r["name"] for r in missed) + "."
        )
    ]
    live = [r["live_speedup"] for r in rows if r["live_speedup"]]
    if live:
        out.append(
            f"Against the old live path's kernel time alone, the new front end responds {min(live):.1f}× "
            f"to {max(live):.1f}× faster (median over median), and it needs no kernel."
        )
    old = sizes.get("old_twin_bytes") or {}
    if old:
        front = sizes["front_end_bytes_per_explorer"]
        ratio = [(sizes["embed_bytes"][k] + front[k]) / old[k] for k in old]
        out.append(
            f"Bytes per explorer, its embed and its front end (host script, stylesheet, its own view bundle, "
            f"uncompressed) together: {min(ratio):.2f}× to {max(ratio):.2f}× of the old twin's; "
            f"{min(front.values()) / 1e3:.1f} to {max(front.values()) / 1e3:.1f} KB of front end an explorer."
        )
    return out


# --- running ------------------------------------------------------------------------------


def grading_available() -> bool:
    script = HERE / "grading.py"
    return script.exists() and "--smoke" in script.read_text()


def command(
    name: str, *, smoke: bool, out: Path, html: Path | None, path_output: Path, working_tree: bool = False
) -> list[str]:
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
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results directory (default benchmarks/results; a temporary one with --smoke)",
    )
    parser.add_argument(
        "--html",
        type=Path,
        default=None,
        help="built html for the page benchmark (default: the build benchmark's output "
        "when it runs in this invocation, else _build/html)",
    )
    parser.add_argument(
        "--path-output",
        type=Path,
        default=None,
        help="where the build benchmark builds (default /tmp/lossbook_bench_build; with --smoke, OUT/smoke_build)",
    )
    parser.add_argument(
        "--working-tree",
        action="store_true",
        help="build the working tree instead of the committed HEAD (build.py --snapshot)",
    )
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
        out / "smoke_build" if args.smoke else Path(tempfile.gettempdir()) / "lossbook_bench_build"
    )
    built_html = path_output / "_build" / "html"
    html = args.html or (built_html if "build" in names else ROOT / "_build" / "html")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    failed, t_start = [], time.perf_counter()
    for name in names:
        cmd = command(
            name, smoke=args.smoke, out=out, html=html, path_output=path_output, working_tree=args.working_tree
        )
        print(f"\n== {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
        print(
            f"== {name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {time.perf_counter() - t0:.1f} s", flush=True
        )
        if rc:
            failed.append(name)
    if scratch:
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        print(
            f"\nall benchmarks: {time.perf_counter() - t_start:.1f} s (smoke results removed; keep them with --out DIR)"
        )
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

"""Time to ready and time to run a chapter of "Run in your browser" (issue #16).

Serves a built ``html`` directory on 127.0.0.1 (every other host blocked) and,
in Debian's headless Chromium through Playwright, for each chapter page in a
fresh browser context (empty cache, a reader's first click):

* the first load of the page (bytes, everything included) and the bytes of
  the only part of the feature it loads up front, the launcher script;
* clicks "Run in your browser" and measures the time to ready: Pyodide's core,
  then NumPy + SciPy + matplotlib (and their dependencies), then lossbook's
  wheel, each step's start recorded by the page; and the bytes fetched;
* clicks "Run all" and measures the time to run every runnable cell in order.

The target (issue #16) is at most 12 s to ready on this machine; the machine
is shared, so the load average is recorded at the start and at the end.

::

    python benchmarks/pyodide.py [HTML_DIR]            # default _build/html; results/pyodide.json
    python benchmarks/pyodide.py HTML_DIR --smoke --out /tmp/x   # one chapter
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "site"))
from headless import keep_on_site, launch, serve  # site/headless.py: the one set of Chromium settings
from report import ROOT, environment, write_results

TARGET_READY_S = 12.0

WAIT_RUN_ALL = """() => {
  const cells = window.LossbookPyodideRunner.cells;
  const states = cells.map(c => c.cellEl.dataset.lossbookRunState);
  if (states.includes('error')) return 'error';
  return states.every(s => s === 'done') ? 'done' : null;
}"""


def chromium_cpu_s() -> float:
    """CPU time (user + system) of every Chromium process of this run, so far."""
    import psutil

    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            if "chrom" in proc.name():
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def measure(browser, url: str, origin: str) -> dict:
    context = browser.new_context(service_workers="block")
    foreign = keep_on_site(context, f"http://{origin}/")
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda r: responses.append(r))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    first = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in responses)
    launcher = sum(r.sizes()["responseBodySize"] for r in responses if "lossbook-pyodide-launch.js" in r.url)
    n_first = len(responses)
    cpu0 = chromium_cpu_s()
    t0 = time.perf_counter()
    click_ms = page.evaluate("() => performance.now()")
    page.get_by_role("button", name="Run in your browser").click()
    page.wait_for_selector(".lossbook-run-bar[data-state=ready]", timeout=300_000)
    ready_s = time.perf_counter() - t0
    ready_cpu_s = chromium_cpu_s() - cpu0
    timeline = page.evaluate("() => window.LossbookPyodideRunner.timeline")
    n_cells = page.evaluate("() => window.LossbookPyodideRunner.cells.length")
    t1 = time.perf_counter()
    page.get_by_role("button", name="Run all").click()
    page.wait_for_function(WAIT_RUN_ALL, timeout=600_000, polling=200)
    outcome = page.evaluate(WAIT_RUN_ALL)
    run_s = time.perf_counter() - t1
    run_cpu_s = chromium_cpu_s() - cpu0 - ready_cpu_s
    after = sum(r.sizes()["responseBodySize"] for r in responses) - sum(
        r.sizes()["responseBodySize"] for r in responses[:n_first]
    )
    # Everything fetched after the click (the worker's fetches included).
    context.close()
    steps = [{"step": s["step"], "at_s": round((s["t"] - click_ms) / 1e3, 2)} for s in timeline]
    return {
        "first_load_bytes": first,
        "launcher_bytes": launcher,
        "first_load_requests": n_first,
        "ready_s": round(ready_s, 2),
        "ready_cpu_s": round(ready_cpu_s, 2),
        "steps": steps,
        "runnable_cells": n_cells,
        "run_all_s": round(run_s, 2),
        "run_all_cpu_s": round(run_cpu_s, 2),
        "run_all_outcome": outcome,
        "page_bytes_after_click": after,
        "foreign_requests": foreign,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", nargs="?", default=str(ROOT / "_build" / "html"))
    ap.add_argument("--smoke", action="store_true", help="one chapter; results to --out")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    html = Path(args.html)
    manifest = json.loads((html / "pyodide" / "manifest.json").read_text())
    # A whole-book build puts chapters in chapters/; a one-chapter build at the root.
    chapters = sorted(
        next((rel for rel in (f"chapters/{p.stem}.html", f"{p.stem}.html") if (html / rel).exists()), None)
        or f"chapters/{p.stem}.html"
        for p in (ROOT / "chapters").glob("*.ipynb")
    )
    chapters = [c for c in chapters if (html / c).exists()]
    if args.smoke:
        chapters = chapters[:1]
    env = environment(measured=("site/pyodide", "site/vendor_pyodide.py"))
    from playwright.sync_api import sync_playwright

    rows = []
    with serve(html) as url, sync_playwright() as p, launch(p) as browser:
        origin = url.split("//", 1)[1].rstrip("/")  # host:port of the local server
        for chapter in chapters:
            row = {"page": chapter, **measure(browser, f"http://{origin}/{chapter}", origin)}
            rows.append(row)
            print(
                f"  {chapter:<28} ready {row['ready_s']:6.1f} s (CPU {row['ready_cpu_s']:.1f} s)  "
                f"run all {row['run_all_s']:6.1f} s (CPU {row['run_all_cpu_s']:.1f} s) "
                f"({row['runnable_cells']} cells, {row['run_all_outcome']})  first load "
                f"{row['first_load_bytes'] / 1e3:.0f} kB (launcher {row['launcher_bytes']} B)  "
                f"load avg {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    ready = [r["ready_s"] for r in rows]
    ready_cpu = [r["ready_cpu_s"] for r in rows]
    data = {
        "description": "Run in your browser: time to ready (Pyodide core + NumPy + SciPy + "
        "matplotlib + lossbook) and time to run each chapter's runnable cells, "
        "headless Chromium, fresh context per chapter",
        "environment": env,
        "pyodide": manifest["pyodide"],
        "download_bytes": manifest["total_bytes"],
        "target_ready_s": TARGET_READY_S,
        "ready_min_s": min(ready),
        "ready_median_s": sorted(ready)[len(ready) // 2],
        "ready_cpu_min_s": min(ready_cpu),
        "target_met": min(ready) <= TARGET_READY_S,
        "smoke": args.smoke,
        "pages": rows,
    }
    path = write_results("pyodide", data, args.out)
    print(
        f"time to ready: min {min(ready):.1f} s, median {data['ready_median_s']:.1f} s "
        f"(target {TARGET_READY_S:.0f} s), Chromium CPU time min {min(ready_cpu):.1f} s; {manifest['total_bytes'] / 1e6:.1f} MB; "
        f"load average {os.getloadavg()}; wrote {path}"
    )
    return 0 if all(not r["foreign_requests"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

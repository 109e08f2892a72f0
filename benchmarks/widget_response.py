"""Response time and page weight of the explorers, side by side with the old frame-swapping twins.

For every explorer of :mod:`lossbook.explorers` this builds a page the way
the book does (each explorer's ``embed_html()``, the host script and the
front-end files, served from 127.0.0.1) and, in headless Chromium, sets each
slider to ``n`` scattered values by dispatching ``input`` events. For each
event it records

work
    from the event to the figure updated, with style and layout computed
    (the explorer's handler, the SVG changes, ``getBoundingClientRect``): the
    time the page needs to respond;
frame
    from the event to the next painted frame (``requestAnimationFrame``, then
    a message after it): ``work`` plus the wait for the display's next frame,
    up to 16.7 ms at 60 Hz whatever the page does;
CPU/input
    the page's main-thread CPU time per input (DevTools' ``ThreadTime`` over
    all of a slider's inputs, divided by their number; the frames painted in
    between included). The machine is shared: elapsed times include waits
    for a core, CPU time does not. The load average is printed with the
    results.

Side by side, from lossbook at commit ``OLD_COMMIT`` (the last with
``lossbook/widgets.py``, checked out with ``git archive`` into a temporary
directory):

* the old static twin of the same explorer (a range input that swaps
  pre-rendered PNG frames), timed the same way, the PNG decoded before the
  frame is counted;
* the old live path, in Jupyter: ``slider.value = v`` on the ipywidgets
  explorer (matplotlib re-renders, encodes a JPEG and sends it), timed in
  process, without a kernel or a front end, so it is a lower bound.

The new explorers' live path in Jupyter runs the same ES module as the page
(anywidget): the browser redraws at once and the kernel only receives the
new values, so its response is the ``work`` time below.

It also reports each explorer's bytes: the old twin's HTML against the new
embed (state, data and no-JavaScript figure) plus the front end a page loads
once (module, numbers, stylesheet, host script).

Run it with the project's Python (Chromium at /usr/bin/chromium)::

    python benchmarks/widget_response.py          # n = 40 values per slider
    python benchmarks/widget_response.py -n 6     # quick
    python benchmarks/widget_response.py --only TrainingRace   # one explorer

``benchmarks/run_all.py --only widgets`` runs it and writes ``widgets.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OLD_COMMIT = "3bd4d26"
#: Constructor arguments where a chapter does not use the defaults.
CHAPTER_ARGUMENTS = {"TrainingRaceExplorer": {"target": 0.95}}


def _explorers():
    """(class name, constructor arguments) of every explorer lossbook.explorers exports."""
    from lossbook import explorers

    names = [n for n in explorers.__all__ if n.endswith("Explorer") and n != "Explorer"]
    return tuple((n, CHAPTER_ARGUMENTS.get(n, {})) for n in names)


EXPLORERS = _explorers()
#: The explorers that had a frame-swapping twin (and a live ipywidgets path) at OLD_COMMIT.
HAD_TWINS = {
    "AccuracyExplorer",
    "EntropyExplorer",
    "CrossEntropyExplorer",
    "OutlierExplorer",
    "SigmoidGradientExplorer",
    "TrainingRaceExplorer",
    "MarginLossExplorer",
}

MEASURE = """async ([index, k, n, hostSel, sliderSel, figSel]) => {
  const root = document.querySelectorAll(hostSel)[index];
  const s = root.querySelectorAll(sliderSel)[k];
  const fig = root.querySelector(figSel);
  const img = fig.tagName === 'IMG' ? fig : null;
  const lo = Number(s.min), hi = Number(s.max), step = Number(s.step) || 1;
  const count = Math.round((hi - lo) / step) + 1;
  const work = [], frame = [];
  const nextFrame = () => new Promise(r => requestAnimationFrame(() => {
    const ch = new MessageChannel(); ch.port1.onmessage = r; ch.port2.postMessage(0); }));
  for (let i = 0; i < n; i++) {
    const v = lo + ((i * 7919 + 3) % count) * step;
    await nextFrame();
    const t0 = performance.now();
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
    fig.getBoundingClientRect();
    const t1 = performance.now();
    if (img) { try { await img.decode(); } catch (e) { /* counted as is */ } }
    await nextFrame();
    work.push(t1 - t0);
    frame.push(performance.now() - t0);
  }
  return { work: work.slice(2), frame: frame.slice(2), name: s.dataset.name || s.getAttribute('aria-label') || String(k) };
}"""


def _page(body: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>explorers</title>{head}</head>'
        f'<body><main style="max-width: 760px">{body}</main></body></html>'
    )


def build_new_page(folder: Path, chosen=EXPLORERS) -> dict:
    """The new explorers on one page, as the site serves them; returns the bytes of each part."""
    from lossbook import explorers
    from lossbook.explorers import STATIC

    sys.path.insert(0, str(ROOT / "site"))
    from minify import minify_front_end  # site/minify.py: the front end minified as the site serves it

    static = folder / "lossbook-explorers"
    served = minify_front_end(static)
    shutil.copyfile(ROOT / "site" / "static" / "lossbook-explorers.js", folder / "lossbook-explorers.js")
    embeds = {name: getattr(explorers, name)(**kwargs).embed_html() for name, kwargs in chosen}
    (folder / "new.html").write_text(
        _page("".join(embeds.values()), '<script type="module" src="lossbook-explorers.js"></script>')
    )
    del served
    # What a page with one explorer loads besides its embed: the host script, the stylesheet and that
    # explorer's own view bundle (site/minify.py's manifest).
    manifest = json.loads((static / "front-end.json").read_text())
    host = (folder / "lossbook-explorers.js").stat().st_size + (static / manifest["css"]).stat().st_size
    front_end = {
        name: host + sum((static / f).stat().st_size for f in manifest["views"][getattr(explorers, name).view])
        for name, _ in chosen
    }
    readable = sum(p.stat().st_size for p in STATIC.iterdir() if p.suffix in (".js", ".css"))
    readable += (folder / "lossbook-explorers.js").stat().st_size
    return {
        "embed_bytes": {name: len(html.encode()) for name, html in embeds.items()},
        "front_end_bytes_per_explorer": front_end,
        "front_end_unminified_bytes": readable,
    }


OLD_SCRIPT = """
import json, sys, time
import numpy as np
from lossbook import widgets
out = {"twin_bytes": {}, "live": {}}
htmls = []
n = int(sys.argv[1])
for name, kwargs in json.loads(sys.argv[2]):
    e = getattr(widgets, name)(**kwargs)
    html = e.twin_html()
    htmls.append(html)
    out["twin_bytes"][name] = len(html.encode())
    for p in e.parameters:
        slider = e.sliders[p.name]
        if p.values is not None:
            values = np.resize(p.values, n)
        elif p.step >= p.max - p.min:
            values = np.resize([p.min, p.max], n)
        else:
            values = p.min + (np.arange(n) * 7919 % 50) / 49 * (p.max - p.min)
        wall, cpu = [], []
        for v in values:
            t0, c0 = time.perf_counter(), time.process_time()
            slider.value = float(v)
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
        out["live"][f"{name} ({p.name})"] = {"wall": wall[2:], "cpu": cpu[2:]}
open(sys.argv[3], "w").write(json.dumps(out))
open(sys.argv[4], "w").write("".join(htmls))
"""


def build_old_page(folder: Path, n: int, chosen=EXPLORERS) -> dict | None:
    """The old twins (and the old live path's timings) from lossbook at OLD_COMMIT, or None without that commit."""
    src = folder / "old-lossbook"
    src.mkdir()
    archive = subprocess.run(["git", "archive", OLD_COMMIT, "lossbook"], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        print(f"old twins skipped: commit {OLD_COMMIT} not in this clone ({archive.stderr.decode().strip()})")
        return None
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    result, html = folder / "old.json", folder / "old-twins.html"
    env = {"PYTHONPATH": str(src), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-c", OLD_SCRIPT, str(n), json.dumps(chosen), str(result), str(html)],
        env=env,
        check=True,
        cwd=folder,
    )
    (folder / "old.html").write_text(_page(html.read_text()))
    return json.loads(result.read_text())


def browser_times(url: str, host: str, slider: str, figure: str, n: int, chosen=EXPLORERS) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    sys.path.insert(0, str(ROOT / "site"))
    from headless import launch  # site/headless.py: the one set of Chromium settings

    with sync_playwright() as p, launch(p) as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        # The main thread's CPU time (DevTools' ThreadTime, in thread ticks): on a busy machine the
        # elapsed times above include waits for a core; this does not.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})

        def thread_time():
            return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "ThreadTime")

        page.goto(url, wait_until="load")
        page.wait_for_timeout(300)
        hosts = page.locator(host)
        for i, (name, _) in enumerate(chosen):
            for k in range(hosts.nth(i).locator(slider).count()):
                t0 = thread_time()
                r = page.evaluate(MEASURE, [i, k, n, host, slider, figure])
                cpu = (thread_time() - t0) * 1e3 / n  # ms of main-thread CPU per input, all frames included
                out[f"{name} ({r['name']})"] = {"work": r["work"], "frame": r["frame"], "cpu_per_input": cpu}
    return out


def measure(n: int = 40, only: str | None = None) -> dict:
    """Everything above; times in milliseconds. ``only``: just the explorers whose class name contains it."""
    chosen = tuple(e for e in EXPLORERS if only is None or only in e[0])
    load = os.getloadavg()[0]
    sys.path.insert(0, str(ROOT / "site"))
    from headless import serve  # site/headless.py: the one local server

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sizes = build_new_page(folder, chosen)
        with_twins = tuple(e for e in chosen if e[0] in HAD_TWINS)
        old = build_old_page(folder, n, with_twins) if with_twins else None
        with serve(folder) as url:
            new = browser_times(url + "new.html", "div.lossbook-explorer", "input.lb-slider", ".lb-figure", n, chosen)
            twins = (
                browser_times(
                    url + "old.html",
                    "figure.lossbook-twin",
                    "input.lossbook-twin-slider",
                    "img.lossbook-twin-frame",
                    n,
                    with_twins,
                )
                if old
                else {}
            )
    return {
        "n": n,
        "load_average": [load, os.getloadavg()[0]],
        "new": new,
        "old_twin": twins,
        "old_live": old["live"] if old else {},
        "bytes": {**sizes, "old_twin_bytes": old["twin_bytes"] if old else {}},
    }


def summarize(result: dict) -> list[dict]:
    import numpy as np

    def med(v):
        return float(np.median(v)) if v else None

    def p95(v):
        return float(np.percentile(v, 95)) if v else None

    rows = []
    for name, t in result["new"].items():
        cls = name.split(" ")[0]
        twin = next((v for k, v in result["old_twin"].items() if k.startswith(cls + " ")), None)
        live = next((v for k, v in result["old_live"].items() if k.startswith(cls + " ")), None)
        row = {
            "name": name,
            "work_median_ms": med(t["work"]),
            "work_p95_ms": p95(t["work"]),
            "frame_median_ms": med(t["frame"]),
            "frame_p95_ms": p95(t["frame"]),
            "cpu_per_input_ms": t.get("cpu_per_input"),
            "old_twin_work_median_ms": med(twin["work"]) if twin else None,
            "old_twin_frame_median_ms": med(twin["frame"]) if twin else None,
            "old_live_median_ms": med(live["wall"]) if live else None,
            "old_live_cpu_median_ms": med(live["cpu"]) if live else None,
        }
        row["target_met"] = row["work_median_ms"] <= 8 and row["work_p95_ms"] <= 16
        row["live_speedup"] = row["old_live_median_ms"] / row["work_median_ms"] if live else None
        rows.append(row)
    return rows


def print_report(result: dict) -> None:
    rows = summarize(result)
    print(
        f"input event -> figure, headless Chromium, {result['n']} values per slider (ms; target work median <= 8, p95 <= 16)"
    )
    print(
        f"{'explorer (slider)':<40} {'work med':>8} {'p95':>6} {'frame med':>9} {'CPU/input':>9} | {'old twin work':>13} {'frame':>6} | "
        f"{'old live':>8} {'ratio':>6}"
    )
    for r in rows:

        def f(v, w, d=2):
            return f"{v:{w}.{d}f}" if v is not None else " " * (w - 1) + "-"

        print(
            f"{r['name']:<40} {f(r['work_median_ms'], 8)} {f(r['work_p95_ms'], 6)} {f(r['frame_median_ms'], 9)} "
            f"{f(r['cpu_per_input_ms'], 9)} | "
            f"{f(r['old_twin_work_median_ms'], 13)} {f(r['old_twin_frame_median_ms'], 6)} | "
            f"{f(r['old_live_median_ms'], 8, 1)} {f(r['live_speedup'], 5, 0)}x"
        )
    if "load_average" in result:
        start, end = result["load_average"]
        print(f"load average {start:.1f} at the start, {end:.1f} at the end, on {os.cpu_count()} cores")
    b = result["bytes"]
    print(
        "\nbytes per explorer: new embed (state, data, no-JS figure) + its front end "
        "(host script, stylesheet, its view bundle) vs old twin"
    )
    for name, size in b["embed_bytes"].items():
        old = b["old_twin_bytes"].get(name)
        front = b["front_end_bytes_per_explorer"][name]
        print(
            f"  {name:<26} new {size / 1e3:6.1f} + {front / 1e3:5.1f} KB   "
            f"old {old / 1e3 if old else float('nan'):6.1f} KB"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=40, help="values per slider (default 40)")
    parser.add_argument("--json", type=Path, help="also write the raw result here")
    parser.add_argument("--only", help="only the explorers whose class name contains this (e.g. TrainingRace)")
    args = parser.parse_args(argv)
    result = measure(args.n, args.only)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

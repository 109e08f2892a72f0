"""Weight and speed of the book's pages in headless Chromium, today's build against the previous one.

Builds the previous version of the book (``--before-ref``, default ``main``:
``git archive`` into a temporary directory, its own ``npm ci``, a full
``jupyter-book build``) unless ``--before-html`` names one already built,
then serves both builds on 127.0.0.1 and opens every page of each in Debian's
Chromium through Playwright, alternating between the two builds page by
page so that both see the same load on the shared machine. Each load is a
fresh browser context (an empty cache: a first visit) and records:

* **bytes**: bodies and headers of every response, after scrolling to the
  end so that lazy images count too, split by resource type;
* **first contentful paint** (Paint Timing);
* **load event** (Navigation Timing ``loadEventEnd``).

Each page is loaded ``--frame-repeats`` more times with the first-frame
recorder of ``benchmarks/first_frame.py`` (every frame drawn, as PNG, and a
trace), which compares the first painted frame (at the first contentful
paint) and every later one with the final frame, formula by formula, over the formulas in the first
viewport (1280×900):

* **math final**: the time from FCP to the first frame from which every
  formula's pixels equal its final pixels (0: final in the first frame);
* **glyphs final when first painted**: whether every formula shows its final
  glyphs in the first frame that paints it, wherever it stood and whatever
  its colour;
* **MathJax fonts not ready at the first paint**, and how far the formulas
  moved after they were first painted;
* **usable**: FCP plus "math final", when a reader sees the formulas as they
  will stay.

Twice: unthrottled (the local server, every page, ``--repeats`` loads each)
and on DevTools' "Fast 3G" profile (562.5 ms latency, 180 kB/s down,
84 kB/s up, set through the DevTools protocol's
``Network.emulateNetworkConditions``; the introduction and the chapters,
``--throttled-repeats`` loads each). Times are the median over the loads.

Run with the project's Python, after building the book::

    python benchmarks/pages.py [HTML_DIR]                 # default _build/html; builds main to compare
    python benchmarks/pages.py HTML --before-html OLD     # compare with a build you already have
    python benchmarks/pages.py HTML --smoke --out /tmp/x  # one page, one load each, no "before"

Needs ``chromium`` (``apt-get install chromium``) and Playwright (no browser download).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "site"))
import first_frame  # noqa: E402 - benchmarks/first_frame.py
from headless import built_pages, keep_on_site, launch, serve  # noqa: E402 - site/headless.py
from report import ROOT, environment, finish  # noqa: E402

# tests/test_site.py's budgets for a first load (issue #15).
BUDGET_BYTES = 1_500_000
BUDGET_BYTES_NO_EXPLORERS = 1_000_000
EXPLORERS = "figure.lossbook-twin, .lossbook-explorer"
#: DevTools' "Fast 3G" preset (Chromium's front_end/core/sdk/NetworkManager.ts).
FAST_3G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
TARGET_USABLE_SPEEDUP_THROTTLED = 2.0
VIEWPORT = {"width": 1280, "height": 900}

COLLECT = """async () => {
  const nav = () => performance.getEntriesByType('navigation')[0];
  while (!(nav().loadEventEnd > 0)) await new Promise(r => setTimeout(r, 10));
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {fcp: fcp ? fcp.startTime : null, load: nav().loadEventEnd - nav().startTime};
}"""

SCROLL_TO_END = """async () => {
  for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
    window.scrollTo(0, y);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  }
}"""


def load_once(browser, url: str, *, throttle: dict | None = None) -> dict:
    """Open ``url`` in a fresh context; return its timings (s) and, unthrottled, its bytes."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    finished = []

    keep_on_site(context, url)  # nothing may leave the machine
    page = context.new_page()
    if throttle:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", throttle)
    page.on("requestfinished", lambda r: finished.append(r))
    try:
        page.goto(url, wait_until="load", timeout=300_000)
        t = page.evaluate(COLLECT)
        row = {"fcp_s": t["fcp"] / 1e3 if t["fcp"] is not None else None, "load_s": t["load"] / 1e3}
        if not throttle:
            page.wait_for_load_state("networkidle")
            page.evaluate(SCROLL_TO_END)
            page.wait_for_load_state("networkidle")
            by_type: dict[str, int] = {}
            for req in finished:
                sizes = req.sizes()
                n = sizes["responseBodySize"] + sizes["responseHeadersSize"]
                by_type[req.resource_type] = by_type.get(req.resource_type, 0) + n
            row.update(
                weight_bytes=sum(by_type.values()),
                requests=len(finished),
                bytes_by_type=dict(sorted(by_type.items())),
                explorers=page.locator(EXPLORERS).count(),
            )
    finally:
        context.close()
    return row


def frames_once(browser, url: str, *, throttle: dict | None = None, attempts: int = 3) -> dict:
    """Load ``url`` with the first-frame recorder (benchmarks/first_frame.py); its analysis.

    A load whose first painted frame the screencast missed does not count: it is
    repeated, up to ``attempts`` loads, and the last reason is returned if none counts.
    """
    for _ in range(attempts):
        context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        context.add_init_script(first_frame.RECORD_BOXES)
        keep_on_site(context, url)
        try:
            result = first_frame.analyze(first_frame.record(context, url, throttle=throttle))
        except TimeoutError as exc:  # counted as a load that does not count, like a missed first frame
            result = {"valid": False, "why": str(exc)}
        finally:
            context.close()
        if result["valid"]:
            break
    return result


def _median(loads, key):
    values = [x[key] for x in loads if x.get(key) is not None]
    return statistics.median(values) if values else None


def _all(frames, key):
    """True if every load says so, False if any says not, None if no load had formulas to look at."""
    values = [f[key] for f in frames if f.get(key) is not None]
    return all(values) if values else None


def summarize(loads: list[dict], frames: list[dict]) -> dict:
    out = {key: _median(loads, key) for key in ("fcp_s", "load_s")}
    out["loads"] = len(loads)
    for key in ("weight_bytes", "requests", "bytes_by_type", "explorers"):
        if key in loads[0]:
            out[key] = loads[0][key]
    valid = [f for f in frames if f.get("valid")]
    out["frame_loads"] = len(valid)
    if len(valid) < len(frames):
        out["frame_loads_not_counted"] = sorted({f["why"] for f in frames if not f.get("valid")})
    if valid:
        out["formulas_in_first_viewport"] = max(f["formulas_in_first_viewport"] for f in valid)
        judged = [f for f in valid if f.get("formulas_painted_at_fcp") is not None]
        if judged:
            out["formulas_painted_at_fcp"] = min(f["formulas_painted_at_fcp"] for f in judged)
            out["formulas_not_final_when_first_painted"] = max(
                f["formulas_not_final_when_first_painted"] for f in judged
            )
            differences = [f["glyph_difference_when_first_painted"] for f in judged]
            out["glyph_difference_when_first_painted"] = max((d for d in differences if d is not None), default=None)
        out["glyphs_final_when_first_painted"] = _all(valid, "glyphs_final_when_first_painted")
        out["pixels_final_at_first_paint"] = _all(valid, "pixel_final_at_fcp")
        for key in ("math_final_after_fcp_s", "glyphs_final_after_fcp_s", "math_moved_after_first_painted_px"):
            out[key] = _median(valid, key)
        out["math_fonts_not_ready_at_first_paint"] = sorted(
            {name for f in valid for name in f["math_fonts_not_ready_at_first_paint"]}
        )
        out["layout_shifts_after_fcp"] = max(f["layout_shifts_after_fcp"] for f in valid)
    after = out.get("math_final_after_fcp_s")
    out["math_final_s"] = out["fcp_s"] + after if None not in (out["fcp_s"], after) else None
    out["usable_s"] = out["math_final_s"] if out["math_final_s"] is not None else out["fcp_s"]
    return out


def ratios(before: dict, after: dict) -> dict:
    """before ÷ after for each time (> 1: today's build is faster) and bytes."""
    out = {}
    for key in ("fcp_s", "math_final_s", "load_s", "usable_s", "weight_bytes"):
        b, a = before.get(key), after.get(key)
        if b is not None and a:
            out[key] = b / a
    return out


def measure(
    builds: dict[str, Path],
    pages: list[str],
    repeats: int,
    throttled_pages: list[str],
    throttled_repeats: int,
    *,
    frame_repeats: int = 2,
    throttled_frame_repeats: int = 1,
    log=print,
) -> dict:
    """Every page of every build, alternating builds page by page."""
    result = {"unthrottled": [], "fast_3g": []}
    with (
        launch() as browser,
        serve(builds["after"]) as after_url,
        serve(builds.get("before", builds["after"])) as before_url,
    ):
        urls = {"after": after_url, "before": before_url}
        names = [name for name in ("before", "after") if name in builds]
        load_once(browser, urls["after"] + pages[0])  # warm the browser and the OS file cache
        for profile, todo, n, n_frames, throttle in (
            ("unthrottled", pages, repeats, frame_repeats, None),
            ("fast_3g", throttled_pages, throttled_repeats, throttled_frame_repeats, FAST_3G),
        ):
            for page in todo:
                loads = {name: [] for name in names}
                frames = {name: [] for name in names}
                for _ in range(n):
                    for name in names:
                        if (builds[name] / page).exists():
                            loads[name].append(load_once(browser, urls[name] + page, throttle=throttle))
                for _ in range(n_frames):
                    for name in names:
                        if (builds[name] / page).exists():
                            frames[name].append(frames_once(browser, urls[name] + page, throttle=throttle))
                row = {"page": page, "chapter": page.startswith("chapters/")}
                for name in names:
                    if loads[name]:
                        row[name] = summarize(loads[name], frames[name])
                if "before" in row and "after" in row:
                    row["before_over_after"] = ratios(row["before"], row["after"])
                result[profile].append(row)
                log(
                    f"  {profile:<11} {page:<36} "
                    + "  ".join(f"{name}: {_fmt(row[name])}" for name in names if name in row)
                )
    return result


def _fmt(r):
    kb = f"{r['weight_bytes'] / 1e3:5.0f} KB " if "weight_bytes" in r else ""
    ms = lambda s: f"{s * 1e3:6.0f}" if s is not None else "     -"  # noqa: E731
    glyphs = {True: "yes", False: "no", None: "-"}[r.get("glyphs_final_when_first_painted")]
    return (
        f"{kb}FCP {ms(r['fcp_s'])} math final {ms(r.get('math_final_after_fcp_s'))} after it "
        f"(glyphs final when first painted: {glyphs}) load {ms(r['load_s'])} ms"
    )


def build_before(ref: str, work: Path, *, log=print) -> Path:
    """``ref`` of this repository built from scratch in ``work``; returns its html folder."""
    import build  # benchmarks/build.py

    source = build.snapshot(work / "src", ref=ref)
    log(f"building {ref} ({build._git_rev(ref)}) in {source}")
    result = build.run(source, work / "out", rebuild=False, pythonpath=source, log=log)
    return Path(result["html"])


def notes(data) -> list[str]:
    out = []
    rows = data["unthrottled"]
    after = [r for r in rows if "after" in r]
    over = [r for r in after if r["after"]["weight_bytes"] > _budget(r["after"])]
    heaviest = max(after, key=lambda r: r["after"]["weight_bytes"])
    out.append(
        f"Heaviest first load today: {heaviest['page']}, {heaviest['after']['weight_bytes'] / 1e6:.2f} MB"
        + (f" (was {heaviest['before']['weight_bytes'] / 1e6:.2f} MB)." if "before" in heaviest else ".")
    )
    for r in over:
        out.append(
            f"{r['page']} is over its budget: {r['after']['weight_bytes'] / 1e6:.2f} MB > "
            f"{_budget(r['after']) / 1e6:.1f} MB."
        )
    if not over:
        out.append(
            f"Every page is within its budget ({BUDGET_BYTES / 1e6:.1f} MB with explorers, "
            f"{BUDGET_BYTES_NO_EXPLORERS / 1e6:.1f} MB without)."
        )
    out += _first_frame_notes(after)
    speed = data["summary"].get("fast_3g_usable_speedup_median")
    if speed is not None:
        met = speed >= TARGET_USABLE_SPEEDUP_THROTTLED
        out.append(
            f"On Fast 3G, today's pages are usable {speed:.1f}× sooner than before (median over "
            f"pages; target ≥ {TARGET_USABLE_SPEEDUP_THROTTLED:g}×: "
            f"{'met' if met else 'missed'})."
        )
    return out


def _first_frame_notes(rows) -> list[str]:
    """What the first painted frames showed of the formulas, today (unthrottled)."""
    judged = [r for r in rows if r["after"].get("glyphs_final_when_first_painted") is not None]
    if not judged:
        return []
    out = []
    wrong = [r["page"] for r in judged if not r["after"]["glyphs_final_when_first_painted"]]
    fonts = sorted({f for r in judged for f in r["after"].get("math_fonts_not_ready_at_first_paint", [])})
    out.append(
        f"Today, on the {len(judged)} pages with formulas in the first viewport, "
        + (
            "every formula showed its final glyphs in the first frame that painted it"
            if not wrong
            else f"a formula showed other glyphs than its final ones (or none) in the first frame that painted it "
            f"on {len(wrong)} ({', '.join(wrong)})"
        )
        + (
            f"; MathJax fonts not ready at the first paint: {', '.join(fonts)}."
            if fonts
            else "; no page used a web font for its math."
        )
    )
    later = [
        r for r in judged if r["after"].get("formulas_painted_at_fcp", 0) < r["after"]["formulas_in_first_viewport"]
    ]
    if later:
        out.append(
            f"On {len(later)} of them the first frame did not paint every formula of the first viewport yet "
            "(Chromium paints before it has parsed the whole page: the first frame can hold the sidebar only, "
            "and the table of contents in the right sidebar, at the end of the HTML, comes later): "
            + ", ".join(
                f"{r['page']} {r['after']['formulas_painted_at_fcp']}/{r['after']['formulas_in_first_viewport']}"
                for r in later
            )
            + "; those are judged in the first frame that paints them."
        )
    late = [r for r in judged if r["after"].get("math_final_after_fcp_s")]
    if late:
        moved = [r for r in late if r["after"].get("math_moved_after_first_painted_px")]
        chapters = [r for r in moved if r["chapter"]]
        median = statistics.median(r["after"]["math_final_after_fcp_s"] for r in late) * 1e3
        unpainted = {r["page"] for r in later}
        repainted = [r for r in late if r["page"] not in unpainted]
        out.append(
            f"Pixel for pixel, every formula of the first viewport is final in the first painted frame on "
            f"{len(judged) - len(late)} of {len(judged)} pages. On the other {len(late)} (median "
            f"{median:.0f} ms after FCP), "
            + (
                "the pixels become final when Chromium paints the formulas its first frame had not painted yet "
                "(these are exactly the pages whose first frame did not paint every formula), and each formula "
                "showed its final glyphs in the frame that first painted it"
                if not repainted
                else f"{len(late) - len(repainted)} are pages whose first frame did not paint every formula yet, "
                f"and on {len(repainted)} ({', '.join(r['page'] for r in repainted)}) formulas painted in the "
                "first frame changed pixels later"
            )
            + (
                f"; on {len(moved)} pages formulas moved after they were first painted (up to "
                f"{max(r['after']['math_moved_after_first_painted_px'] for r in moved):.0f} px"
                + (f", {len(chapters)} of them chapters" if chapters else "")
                + ")."
                if moved
                else "; no formula moved after it was first painted."
            )
        )
    return out


def _budget(r):
    return BUDGET_BYTES if r.get("explorers") else BUDGET_BYTES_NO_EXPLORERS


def summary(result) -> dict:
    out = {}
    for profile in ("unthrottled", "fast_3g"):
        for key in ("usable_s", "math_final_s", "fcp_s", "load_s", "weight_bytes"):
            values = [r["before_over_after"][key] for r in result[profile] if key in r.get("before_over_after", {})]
            if values:
                out[f"{profile}_{key.removesuffix('_s').replace('_bytes', '')}_speedup_median"] = statistics.median(
                    values
                )
    if "fast_3g_usable_speedup_median" not in out:
        out.pop("fast_3g_usable_speedup_median", None)
    return out


def method(before, *, built_here: bool, repeats: int, throttled_repeats: int, frame_repeats: int) -> str:
    compared = (
        "no earlier build (smoke run)"
        if before is None
        else f"`{before}` built from scratch in the same run"
        if built_here
        else f"`{before}` (a full build from scratch made before this run)"
    )
    return (
        f"Every page of today's build and of {compared}, served from 127.0.0.1 and opened in headless "
        "Chromium (Playwright, 1280×900), each load in a fresh browser context (empty cache: a first visit), "
        f"alternating between the builds page by page; {repeats} loads per page unthrottled, "
        f"{throttled_repeats} on DevTools' Fast 3G profile (562.5 ms latency, 180 kB/s down; the "
        "introduction and the chapters); medians. Bytes: bodies and headers of every response after "
        "scrolling to the end (lazy images included). FCP: first contentful paint. "
        f"Then {frame_repeats} more loads per page (1 on Fast 3G) record every frame Chromium draws (DevTools "
        "screencast, lossless PNG) and a trace (FCP, paints, layout shifts, font loads), and compare the frame "
        "presented at FCP, and each later one, with the final frame (after `load`, `document.fonts.ready` and "
        "half a second), over the boxes of the formulas in the first viewport "
        "(`benchmarks/first_frame.py`). Math final: time from FCP until every formula's pixels equal its final "
        "pixels, exactly (0: final in the first frame). Glyphs final when first painted: every formula showed its "
        "final glyphs in the first frame that painted it (its line or context painted), wherever it stood and "
        "whatever its colour "
        "(ink maps correlated at ≥ 0.9 with the final ones; an invisible glyph correlates at 0). Usable: FCP plus "
        "math final. Ratios are "
        "before ÷ after (> 1: today's build is faster or lighter)."
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Page weight and speed in headless Chromium, before and after.")
    parser.add_argument(
        "html",
        nargs="?",
        type=Path,
        default=ROOT / "_build" / "html",
        help="today's built html directory (default _build/html)",
    )
    parser.add_argument("--before-ref", default="main", help="git ref built as 'before' (default main)")
    parser.add_argument(
        "--before-html",
        type=Path,
        default=None,
        help="an html directory already built from the 'before' version (no build)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="unthrottled loads per page and build (3)")
    parser.add_argument("--throttled-repeats", type=int, default=2, help="Fast 3G loads per page and build (2)")
    parser.add_argument(
        "--frame-repeats", type=int, default=2, help="unthrottled first-frame recordings per page and build (2)"
    )
    parser.add_argument("--smoke", action="store_true", help="one page, one load of each kind, no 'before'")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default benchmarks/results)")
    args = parser.parse_args(argv)

    html = args.html.resolve()
    pages = built_pages(html)
    if not pages:
        raise SystemExit(f"no pages in {html}: build the book first (site/build.sh)")
    env = environment(
        measured=("site", "_config.yml", "package-lock.json", "benchmarks/pages.py", "benchmarks/first_frame.py")
    )
    builds, work = {"after": html}, None
    if not args.smoke:
        if args.before_html:
            builds["before"] = args.before_html.resolve()
        else:
            work = Path(tempfile.mkdtemp(prefix="lossbook_bench_before_"))
            builds["before"] = build_before(args.before_ref, work)
        env["before"] = args.before_ref if not args.before_html else f"{args.before_ref}, built into {args.before_html}"
    repeats, throttled_repeats, frame_repeats = args.repeats, args.throttled_repeats, args.frame_repeats
    throttled = [p for p in pages if p.startswith("chapters/") or p == "intro.html"]
    if args.smoke:
        pages, throttled, repeats, throttled_repeats, frame_repeats = pages[:1], pages[:1], 1, 1, 1
    print(
        f"{len(pages)} pages, {repeats} loads each; Fast 3G: {len(throttled)} pages, "
        f"{throttled_repeats} loads each; builds: {', '.join(f'{k}={v}' for k, v in builds.items())}"
    )
    try:
        result = measure(builds, pages, repeats, throttled, throttled_repeats, frame_repeats=frame_repeats)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    data = {
        "benchmark": "pages",
        "smoke": args.smoke,
        "environment": env,
        "method": method(
            env.get("before"),
            built_here=work is not None,
            repeats=repeats,
            throttled_repeats=throttled_repeats,
            frame_repeats=frame_repeats,
        ),
        "budget_bytes": BUDGET_BYTES,
        "budget_bytes_without_explorers": BUDGET_BYTES_NO_EXPLORERS,
        "target_usable_speedup_fast_3g": TARGET_USABLE_SPEEDUP_THROTTLED,
        **result,
    }
    data["summary"] = summary(result)
    return finish("pages", data, notes, args.out)


if __name__ == "__main__":
    sys.exit(main())

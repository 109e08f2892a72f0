"""Weight and load time of each page of the built book, in headless Chromium.

Serves a built ``html`` directory on 127.0.0.1 and opens every page of the book
in Debian's Chromium through Playwright, each time in a fresh browser context
(an empty cache, as a first visit), and records:

* the bytes of everything the page fetches (bodies and headers), after
  scrolling to the end so that lazy images load too, split by resource type;
* the Navigation Timing marks ``domContentLoadedEventEnd`` and ``loadEventEnd``;
* "math typeset": when MathJax's start-up promise (its first typeset) and the
  fonts are done, measured with ``performance.now()``; the reader's page is
  ready then.

Times are the minimum over ``--repeats`` loads. The alternative each page is
put against is the lightest page of the same run (the theme's fixed cost), so
``load ÷ lightest page`` is what a chapter's own content costs.

Run it with the project's Python::

    python benchmarks/pages.py [HTML_DIR]           # default _build/html
    python benchmarks/pages.py HTML_DIR --smoke --out /tmp/x   # one page, one load

Needs ``/usr/bin/chromium`` (``apt-get install chromium``) and the Python
package ``playwright`` (no browser download: Debian's Chromium is used).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import ROOT, environment, write_results  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
BUDGET_BYTES = 4_000_000  # tests/test_site.py's budget for a first load
NOT_BOOK_PAGES = {"genindex.html", "search.html", "py-modindex.html", "index.html"}
NOT_BOOK_DIRS = {"_static", "_sources", "_images", "mathjax", "_downloads", "_site_demo"}

READY = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
  const ready = performance.now();
  const nav = performance.getEntriesByType('navigation')[0];
  return {ready, dcl: nav.domContentLoadedEventEnd - nav.startTime,
          load: nav.loadEventEnd - nav.startTime};
}"""

SCROLL_TO_END = """async () => {
  for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
    window.scrollTo(0, y);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  }
}"""


def book_pages(html: Path) -> list[str]:
    """The pages of the book in ``html`` (not Sphinx's index, search or redirect pages)."""
    pages = []
    for path in sorted(html.rglob("*.html")):
        rel = path.relative_to(html)
        if rel.parts[0] in NOT_BOOK_DIRS or rel.as_posix() in NOT_BOOK_PAGES:
            continue
        pages.append(rel.as_posix())
    return pages


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".mjs": "text/javascript", ".woff": "font/woff",
        ".woff2": "font/woff2", ".svg": "image/svg+xml", ".json": "application/json",
    }

    def log_message(self, format, *args):  # noqa: A002 - no access log
        pass


class LocalServer:
    """``html`` served on 127.0.0.1 (an ephemeral port) while in a ``with`` block."""

    def __init__(self, html: Path):
        handler = functools.partial(_QuietHandler, directory=str(html))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def load_once(browser, url: str) -> dict:
    """Open ``url`` in a fresh context; return its weight and timing."""
    origin = urlsplit(url).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    finished = []

    def route(r):
        u = urlsplit(r.request.url)
        if u.scheme in ("http", "https") and u.netloc != origin:
            r.abort()  # nothing may leave the machine
        else:
            r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("requestfinished", lambda r: finished.append(r))
    try:
        page.goto(url, wait_until="load")
        timing = page.evaluate(READY)
        page.wait_for_load_state("networkidle")
        page.evaluate(SCROLL_TO_END)
        page.wait_for_load_state("networkidle")
        by_type: dict[str, int] = {}
        total = 0
        for req in finished:
            sizes = req.sizes()
            n = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            total += n
            by_type[req.resource_type] = by_type.get(req.resource_type, 0) + n
    finally:
        context.close()
    return {"weight_bytes": total, "requests": len(finished), "bytes_by_type": dict(sorted(by_type.items())),
            "dom_content_loaded_s": timing["dcl"] / 1e3, "load_s": timing["load"] / 1e3,
            "ready_s": timing["ready"] / 1e3}


def measure(html: Path, pages: list[str], repeats: int, *, log=print) -> list[dict]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install -y chromium")
    rows = []
    with LocalServer(html) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            load_once(browser, server.url + pages[0])  # warm the browser process and the OS file cache
            for name in pages:
                loads = [load_once(browser, server.url + name) for _ in range(repeats)]
                row = {"page": name, "chapter": name.startswith("chapters/"),
                       "weight_bytes": loads[0]["weight_bytes"], "requests": loads[0]["requests"],
                       "bytes_by_type": loads[0]["bytes_by_type"]}
                for key in ("dom_content_loaded_s", "load_s", "ready_s"):
                    row[key] = min(x[key] for x in loads)
                    row[key.replace("_s", "_median_s")] = statistics.median(x[key] for x in loads)
                rows.append(row)
                log(f"  {name:<40} {row['weight_bytes'] / 1000:8.0f} KB {row['requests']:4d} requests "
                    f" DOM {row['dom_content_loaded_s'] * 1e3:6.0f} ms  load {row['load_s'] * 1e3:6.0f} ms"
                    f"  typeset {row['ready_s'] * 1e3:6.0f} ms")
        finally:
            browser.close()
    lightest = min(rows, key=lambda r: r["weight_bytes"])
    for row in rows:
        row["ready_ratio_to_lightest"] = row["ready_s"] / lightest["ready_s"]
        row["weight_ratio_to_lightest"] = row["weight_bytes"] / lightest["weight_bytes"]
        row["within_budget"] = row["weight_bytes"] <= BUDGET_BYTES
    return rows


def notes(rows):
    """What the bytes are, from the measured split by resource type."""
    mb = lambda n: f"{n / 1e6:.2f} MB"  # noqa: E731
    kind = lambda r, t: r["bytes_by_type"].get(t, 0)  # noqa: E731
    lightest = min(rows, key=lambda r: r["weight_bytes"])
    heaviest = max(rows, key=lambda r: r["weight_bytes"])
    out = [
        f"The lightest page, {lightest['page']} ({mb(lightest['weight_bytes'])}), is mostly the theme that "
        f"every page pays: {mb(kind(lightest, 'stylesheet'))} of stylesheets, {mb(kind(lightest, 'font'))} of "
        f"fonts, {mb(kind(lightest, 'script'))} of scripts.",
    ]
    scripts = sorted({kind(r, "script") for r in rows})
    if len(scripts) > 1:
        out.append(f"Pages with mathematics also load MathJax: {mb(scripts[-1])} of scripts instead of "
                   f"{mb(scripts[0])}.")
    chapters = [r for r in rows if r["chapter"]]
    if chapters:
        doc = [kind(r, "document") for r in chapters]
        img = [kind(r, "image") for r in chapters]
        out.append(
            f"A chapter's own content is its HTML ({mb(min(doc))} to {mb(max(doc))}, much of it the "
            "explorers' kernel-free twins with their frames inlined as images) and its figures "
            f"({mb(min(img))} to {mb(max(img))}); the heaviest page, {heaviest['page']}, weighs "
            f"{mb(heaviest['weight_bytes'])} in all.")
    over = [r for r in rows if not r["within_budget"]]
    for r in over:
        out.append(f"{r['page']} is over the {BUDGET_BYTES / 1e6:.0f} MB budget of tests/test_site.py.")
    if not over:
        out.append(f"Every page is within tests/test_site.py's {BUDGET_BYTES / 1e6:.0f} MB budget.")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Page weight and load time in headless Chromium.")
    parser.add_argument("html", nargs="?", type=Path, default=ROOT / "_build" / "html",
                        help="built html directory (default _build/html)")
    parser.add_argument("--repeats", type=int, default=5, help="loads per page (default 5)")
    parser.add_argument("--smoke", action="store_true", help="one page, one load")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default benchmarks/results)")
    args = parser.parse_args(argv)

    html = args.html.resolve()
    pages = book_pages(html) if html.is_dir() else []
    if not pages:
        raise SystemExit(f"no pages in {html}: build the book first (jupyter-book build . --path-output DIR)")
    repeats = args.repeats
    if args.smoke:
        pages, repeats = pages[:1], 1
    env = environment(measured=("benchmarks/pages.py",))
    print(f"{len(pages)} pages from {html}, {repeats} loads each (min kept):")
    rows = measure(html, pages, repeats)
    data = {
        "benchmark": "pages",
        "smoke": args.smoke,
        "environment": env,
        "method": (
            f"Each page of the built book served from 127.0.0.1 and loaded {repeats} times in headless "
            "Chromium (Playwright), each time in a fresh browser context (empty cache, a first visit). "
            "Weight: bodies and headers of every response, after scrolling to the end. DOM ready and "
            "load event: Navigation Timing; math typeset: when MathJax's first typeset and the fonts are "
            "done. Times are the minimum over the loads; `÷ lightest` compares the math-typeset "
            "time with that of the lightest page of the same run."),
        "budget_bytes": BUDGET_BYTES,
        "pages": rows,
    }
    data["notes"] = notes(rows)
    path = write_results("pages", data, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

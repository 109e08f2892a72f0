"""Print the whole book to one PDF with Debian's Chromium (issue #5).

Jupyter Book's own PDF routes need LaTeX or a Chromium that pyppeteer
downloads, neither of which we have. Instead Sphinx's ``singlehtml`` builder
puts every page of the toc into one HTML page (reusing the executed notebooks
of the HTML build from the jupyter-cache), and headless Chromium, driven by
Playwright, prints it once MathJax has typeset it::

    jupyter-book build . --builder singlehtml -W -n --keep-going
    python site/make_pdf.py            # -> _build/html/lossbook.pdf

The PDF goes into the HTML site, where the sidebar's "Whole book (PDF)" link
points (templates/lossbook-pdf.html).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
PDF_NAME = "lossbook.pdf"

FOOTER = """<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">
<span class="title"></span> · <span class="pageNumber"></span> / <span class="totalPages"></span>
</div>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def make_pdf(build: Path, out: Path) -> Path:
    from playwright.sync_api import sync_playwright

    single = build / "singlehtml"
    root_doc = yaml.safe_load((ROOT / "_toc.yml").read_text())["root"]
    page_file = single / f"{root_doc}.html"
    if not page_file.exists():
        raise SystemExit(f"{page_file} not found: run `jupyter-book build . --builder "
                         "singlehtml` first")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(single)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{root_doc}.html"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            # Nothing but the local server, as for the site itself.
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                f"http://127.0.0.1:{server.server_address[1]}/") else r.abort())
            page.goto(url, wait_until="load")
            page.evaluate("""async () => {
              document.documentElement.dataset.theme = 'light';
              document.documentElement.dataset.mode = 'light';
              if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
              await document.fonts.ready;
              for (const img of document.images) {
                img.loading = 'eager';
                try { await img.decode(); } catch (e) {}
              }
            }""")
            page.wait_for_load_state("networkidle")
            page.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), format="A4", print_background=True, outline=True,
                     tagged=True, display_header_footer=True, header_template="<span></span>",
                     footer_template=FOOTER,
                     margin={"top": "15mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "_build",
                        help="the book's _build folder (default: %(default)s)")
    args = parser.parse_args(argv)
    out = make_pdf(args.build, args.build / "html" / PDF_NAME)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Print the whole book to one PDF with Debian's Chromium (issue #5).

Jupyter Book's own PDF routes need LaTeX or a Chromium that pyppeteer
downloads, neither of which we have. Instead Sphinx's ``singlehtml`` builder
puts every page of the toc into one HTML page (reusing the executed notebooks
of the HTML build from the jupyter-cache; its math typeset at build time), and
headless Chromium, driven by Playwright, prints it once its fonts and images
are in::

    jupyter-book build . --builder singlehtml -W -n --keep-going
    python site/make_pdf.py            # -> _build/html/lossbook.pdf

The PDF goes into the HTML site, where the sidebar's "Whole book (PDF)" link
points (templates/lossbook-pdf.html).

Without Chromium (no ``chromium`` on PATH) it prints what to install and exits
with status 3, which ``site/build.sh`` reports as "PDF skipped".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from headless import INSTALL_CHROMIUM, chromium_path, launch, serve  # site/headless.py, next to this file

ROOT = Path(__file__).resolve().parent.parent
PDF_NAME = "lossbook.pdf"
#: Exit status when there is no Chromium to print with (site/build.sh skips the PDF).
NO_CHROMIUM = 3

FOOTER = """<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">
<span class="title"></span> · <span class="pageNumber"></span> / <span class="totalPages"></span>
</div>"""


def make_pdf(build: Path, out: Path) -> Path:
    single = build / "singlehtml"
    root_doc = yaml.safe_load((ROOT / "_toc.yml").read_text())["root"]
    page_file = single / f"{root_doc}.html"
    if not page_file.exists():
        raise SystemExit(f"{page_file} not found: run `jupyter-book build . --builder singlehtml` first")
    with serve(single) as site, launch() as browser:
        url = f"{site}{root_doc}.html"
        page = browser.new_page()
        # Nothing but the local server, as for the site itself.
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site) else r.abort())
        page.goto(url, wait_until="load")
        page.evaluate("""async () => {
          document.documentElement.dataset.theme = 'light';
          document.documentElement.dataset.mode = 'light';
          await document.fonts.ready;
          for (const img of document.images) {
            img.loading = 'eager';
            try { await img.decode(); } catch (e) {}
          }
        }""")
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(out),
            format="A4",
            print_background=True,
            outline=True,
            tagged=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            margin={"top": "15mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
        )
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--build", type=Path, default=ROOT / "_build", help="the book's _build folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if chromium_path() is None:
        print(f"make_pdf: no Chromium (`chromium` on PATH) to print the PDF with: {INSTALL_CHROMIUM}", file=sys.stderr)
        raise SystemExit(NO_CHROMIUM)
    out = make_pdf(args.build, args.build / "html" / PDF_NAME)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Serve the built site locally and open it in headless Chromium.

The one home of what the browser tests (``tests/test_site.py`` and the other
``tests/test_*`` modules that open pages), the page benchmark
(``benchmarks/pages.py``) and the PDF printer (``site/make_pdf.py``) share::

    from headless import CHROMIUM_ARGS, built_pages, launch, serve

    with serve(html_dir) as url, launch() as browser:
        page = browser.new_page()
        page.goto(url + built_pages(html_dir)[0])

Importing it: ``site/`` is on ``sys.path`` for pytest (``pythonpath`` in
``pyproject.toml``) and for Sphinx (a local extension's folder); a script in
``site/`` finds it next to itself; ``benchmarks/`` adds ``site/`` to its path
as it does for its own ``report`` module.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

#: What to install when there is no Chromium (Playwright drives it; no browser download).
INSTALL_CHROMIUM = "apt-get install -y chromium"
#: Flags for every headless Chromium we start: no sandbox (containers), no GPU, and
#: nothing that talks to Google in the background.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

#: Built pages that are not pages of the book: Sphinx's index and search pages,
#: and index.html, which Jupyter Book writes as a redirect to the root.
NOT_BOOK_PAGES = frozenset({"genindex.html", "search.html", "py-modindex.html", "index.html"})
#: Top-level folders of the build that hold no book page.
NOT_BOOK_DIRS = frozenset({"_static", "_sources", "_images", "_downloads", "mathjax", "_site_demo"})


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the right types for modules, fonts and data; no access log."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".svg": "image/svg+xml",
        ".json": "application/json",
        ".wasm": "application/wasm",
    }

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(directory: str | Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) while in the block; yield its URL (ends with ``/``)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot serve {directory}: not a directory (build the book first?)")
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def chromium_path() -> str | None:
    """The Chromium a shell would run (``chromium`` on PATH: Debian's is /usr/bin/chromium), or None.

    Only PATH counts, as for ``site/build.sh``'s check, so that a build with
    Chromium hidden from PATH behaves as on a machine without it.
    """
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextlib.contextmanager
def launch(playwright=None, *, args: list[str] | None = None):
    """A headless Chromium (Playwright ``Browser``) for the block, closed after it.

    Pass a running ``sync_playwright()`` object to share it; otherwise one is
    started and stopped here. ``args`` are added to :data:`CHROMIUM_ARGS`.
    Raises ``FileNotFoundError`` naming what to install when there is no Chromium.
    """
    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError(f"Chromium not found (no `chromium` on PATH): {INSTALL_CHROMIUM}")
    with contextlib.ExitStack() as stack:
        if playwright is None:
            from playwright.sync_api import sync_playwright

            playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=executable, args=[*CHROMIUM_ARGS, *(args or [])])
        try:
            yield browser
        finally:
            browser.close()


def built_pages(html_dir: str | Path) -> list[str]:
    """The book's pages in a built ``html`` folder, as sorted paths relative to it
    (``"chapters/02_entropy.html"``): not Sphinx's index, search or redirect pages,
    nor anything under the static, source and vendored-asset folders."""
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        return []
    pages = []
    for path in sorted(html_dir.rglob("*.html")):
        rel = path.relative_to(html_dir)
        if rel.parts[0] in NOT_BOOK_DIRS or rel.as_posix() in NOT_BOOK_PAGES:
            continue
        pages.append(rel.as_posix())
    return pages


def keep_on_site(context, site_url: str) -> list[str]:
    """Let a Playwright browser context reach only the local server that serves ``site_url``.

    Every request to another host is aborted (nothing may leave the machine) and its URL appended
    to the list returned, which the caller checks once the pages have loaded.
    """
    origin = urlsplit(site_url).netloc
    foreign: list[str] = []

    def route(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.netloc != origin:
            foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    return foreign

"""Sphinx extension: "Run in your browser" on chapter pages (issue #16).

Adds the small launcher script (``site/pyodide/lossbook-pyodide-launch.js``)
to every page; it shows its button only on pages with code cells and loads
nothing else until clicked. The rest of the front end (runner, worker,
in-browser kernel, styles) is copied to ``_static`` from ``site/pyodide/``;
Pyodide, its wheels, lossbook's wheel and CodeMirror are vendored by
``site/vendor_pyodide.py`` into ``site/_vendor`` (copied to the site root
through ``html_extra_path``). The button's bar is in the page from the start,
right after the title (``RUN_BAR``), so the button's arrival moves nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

FRONT_END = Path(__file__).resolve().parent / "pyodide"


def _vendor(app, config) -> None:
    """``config-inited``, before Sphinx checks ``html_extra_path``: ``site/_vendor`` is there.

    Sphinx drops an ``html_extra_path`` entry that does not exist (with a
    warning), so on a fresh clone the site would lack Pyodide, and the next
    build's configuration would differ from this one's, rewriting every page.
    A plain ``jupyter-book build`` after ``npm ci`` works too (site/build.sh
    runs the vendoring itself, every time, so lossbook's wheel is fresh).
    """
    import vendor_pyodide

    if not (vendor_pyodide.DEST / "manifest.json").exists():
        vendor_pyodide.vendor()


def _add_static_path(app):
    app.config.html_static_path.append(str(FRONT_END))


#: The button's bar, in the page as Sphinx writes it: the launcher fills it, so nothing below the title moves
#: when the button appears (site/static/lossbook-site.css gives it its height).
RUN_BAR = '<div class="lossbook-run-bar" data-lossbook-run-bar=""></div>'
_FIRST_TITLE_END = re.compile(r"</h1>")


def _reserve_the_run_bar(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: on a page with code cells, the launcher's bar right after the title."""
    body = context.get("body") or ""
    if 'class="cell_input' not in body or "data-lossbook-run-bar" in body:
        return
    context["body"] = _FIRST_TITLE_END.sub("</h1>\n" + RUN_BAR, body, count=1)


def setup(app):
    app.connect("config-inited", _vendor, priority=100)  # Sphinx checks html_extra_path at 800
    app.connect("builder-inited", _add_static_path)
    app.connect("html-page-context", _reserve_the_run_bar)
    app.add_js_file("lossbook-pyodide-launch.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

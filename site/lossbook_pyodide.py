"""Sphinx extension: "Run in your browser" on chapter pages (issue #16).

Adds the small launcher script (``site/pyodide/lossbook-pyodide-launch.js``)
to every page; it shows its button only on pages with code cells and loads
nothing else until clicked. The rest of the front end (runner, worker,
in-browser kernel, styles) is copied to ``_static`` from ``site/pyodide/``;
Pyodide, its wheels, lossbook's wheel and CodeMirror are vendored by
``site/vendor_pyodide.py`` into ``site/_vendor`` (copied to the site root
through ``html_extra_path``).
"""

from __future__ import annotations

from pathlib import Path

FRONT_END = Path(__file__).resolve().parent / "pyodide"


def _add_static_path(app):
    app.config.html_static_path.append(str(FRONT_END))
    # A plain `jupyter-book build` after `npm ci` works too (site/build.sh
    # runs the vendoring itself, every time, so lossbook's wheel is fresh).
    import vendor_pyodide

    if not (vendor_pyodide.DEST / "manifest.json").exists():
        vendor_pyodide.vendor()


def setup(app):
    app.connect("builder-inited", _add_static_path)
    app.add_js_file("lossbook-pyodide-launch.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

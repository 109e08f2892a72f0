"""Copy the front-end files the built site serves itself out of node_modules.

The book must make no third-party request when a page loads, so the fonts of
the math (typeset at build time by ``site/prerender.cjs``) are served from
the site. The version is pinned in package.json/package-lock.json
and installed with ``npm ci``; this script copies the part of it the pages use
into ``site/_vendor/`` (gitignored), which ``_config.yml`` lists in Sphinx's
``html_extra_path``: Sphinx copies it to the root of ``_build/html`` as is,
and injects nothing from it into pages (unlike ``_static``, whose .js files
Jupyter Book adds to every page).

Run from anywhere::

    npm ci && python site/vendor.py

The local Sphinx extension (``site/lossbook_site.py``) calls :func:`vendor`
itself when ``site/_vendor`` is missing, so a plain ``jupyter-book build`` works
after ``npm ci``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "site" / "_vendor"

# What the pages load from MathJax: only the web fonts of the CommonHTML output
# (the formulas are typeset at build time; no MathJax script reaches a page).
MATHJAX_PACKAGE = "mathjax-full"
MATHJAX_FILES = [
    "output/chtml/fonts/woff-v2",
]


def _locked_version(package: str) -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{package}"]["version"]


def _installed_version(package: str) -> str:
    meta = NODE_MODULES / package / "package.json"
    if not meta.exists():
        raise SystemExit(
            f"{meta.relative_to(ROOT)} not found: run `npm ci` in {ROOT} first "
            "(it installs the pinned MathJax and axe-core)."
        )
    return json.loads(meta.read_text())["version"]


def vendor() -> Path:
    """Copy MathJax's fonts into ``site/_vendor/mathjax``; return the vendor folder."""
    installed, locked = _installed_version(MATHJAX_PACKAGE), _locked_version(MATHJAX_PACKAGE)
    if installed != locked:
        raise SystemExit(
            f"node_modules has {MATHJAX_PACKAGE} {installed} but package-lock.json pins {locked}: run `npm ci`."
        )
    src = NODE_MODULES / MATHJAX_PACKAGE / "es5"
    dest = VENDOR / "mathjax"
    if dest.exists():
        shutil.rmtree(dest)
    for rel in MATHJAX_FILES:
        s, d = src / rel, dest / rel
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d)
        else:
            shutil.copy2(s, d)
    shutil.copy2(NODE_MODULES / MATHJAX_PACKAGE / "LICENSE", dest / "LICENSE")
    (dest / "VERSION").write_text(f"{MATHJAX_PACKAGE} {installed} (npm, es5 fonts)\n")
    return VENDOR


if __name__ == "__main__":
    out = vendor()
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"vendored the fonts of {MATHJAX_PACKAGE} {_installed_version(MATHJAX_PACKAGE)} into "
        f"{out.relative_to(ROOT)} ({size / 1e6:.1f} MB)",
        file=sys.stderr,
    )

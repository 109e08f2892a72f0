"""The theme's stylesheets cut to the rules the site uses, with PurgeCSS (issue #15).

Every page's first load fetched pydata-sphinx-theme's stylesheet whole:
330 KB, most of it Bootstrap 5 (forms, cards, carousels, toasts), plus
sphinx-design's (55 KB, for a few tab sets) and MyST-NB's (43 KB), about
0.45 MB of the 0.75 MB every page shares. Once the HTML build is done (the
math typeset, the icon rules cut, the explorers' front end written), this runs
``purge_css.cjs`` (PurgeCSS, pinned in ``package-lock.json``) over those
stylesheets with every built page and every script the site serves as the
content, and writes them back in place. What PurgeCSS keeps and why is in
``purge_css.cjs``.

The result is cached in ``<build>/.lossbook_css/<builder>/`` under the SHA-256 of
everything it depends on (the stylesheets as the theme ships them, the pages,
the scripts, ``purge_css.cjs`` and PurgeCSS's version), so a rebuild that
changed nothing copies it back without starting Node. Sphinx copies a
stylesheet again only when its source changed, so the theme's own copy of
each is kept there too; a stylesheet that differs from what this step wrote
last is taken as the theme's own (remove ``<build>/.lossbook_css`` and the
output's ``_static`` to start over).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import prerender  # site/prerender.py: the Node and npm checks
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
NODE_SCRIPT = HERE / "purge_css.cjs"
PURGECSS = HERE.parent / "node_modules" / "purgecss" / "package.json"
CACHE = ".lossbook_css"
#: The stylesheets cut, relative to the output folder (MyST-NB's is named by its hash).
STYLESHEETS = (
    "_static/styles/pydata-sphinx-theme.css",
    "_static/styles/sphinx-book-theme.css",
    "_static/sphinx-design.min.css",
    "_static/basic.css",
    "_static/mystnb.*.css",
)
#: Folders whose files are not content: the page sources, the figures, and
#: vendored runtimes (Pyodide, MathJax's fonts, translations) that style nothing.
NOT_CONTENT = frozenset({"_sources", "_images", "_downloads", "pyodide", "mathjax", "locales"})


def _content(outdir: Path) -> list[Path]:
    files = []
    for path in sorted(outdir.rglob("*")):
        if path.suffix not in (".html", ".js") or not path.is_file():
            continue
        if NOT_CONTENT.intersection(path.relative_to(outdir).parts[:-1]):
            continue
        files.append(path)
    return files


def purge_stylesheets(app, exception) -> None:
    """``build-finished``: cut the theme's stylesheets to the rules the built site can use."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    sheets = sorted({p for pattern in STYLESHEETS for p in outdir.glob(pattern)})
    if not sheets:
        return
    cache = outdir.parent / CACHE / app.builder.name  # html and singlehtml share <build>/
    state_file = cache / "written.json"
    written = json.loads(state_file.read_text()) if state_file.exists() else {}
    # Sphinx copies a stylesheet again only when its source changed: a sheet
    # that is still what this step wrote last time is read from the pristine
    # copy kept then, any other is the theme's own (and becomes the pristine copy).
    pristine = {}
    for p in sheets:
        rel = p.relative_to(outdir).as_posix()
        data = p.read_bytes()
        kept = cache / "pristine" / rel
        if written.get(rel) == _sha(data) and kept.is_file():
            data = kept.read_bytes()
        else:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_bytes(data)
        pristine[rel] = data
    content = _content(outdir)
    digest = hashlib.sha256()
    for path in [NODE_SCRIPT, PURGECSS, *content]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for rel, data in pristine.items():
        digest.update(rel.encode() + b"\0" + data + b"\0")
    result = cache / "purged" / digest.hexdigest()
    before = sum(len(d) for d in pristine.values())
    if all((result / rel).is_file() for rel in pristine):
        for rel in pristine:
            shutil.copyfile(result / rel, outdir / rel)
        how = "unchanged since the last build: cached"
    else:
        for rel, data in pristine.items():
            (outdir / rel).write_bytes(data)
        request = json.dumps({"content": [str(p) for p in content], "css": [str(outdir / rel) for rel in pristine]})
        proc = subprocess.run(
            [prerender._node(), str(NODE_SCRIPT)], input=request, capture_output=True, text=True, cwd=HERE.parent
        )
        if proc.returncode != 0:
            raise RuntimeError(f"lossbook_site: site/purge_css.cjs failed:\n{proc.stderr[-3000:]}")
        shutil.rmtree(cache / "purged", ignore_errors=True)  # keep the last build's only
        for rel in pristine:
            (result / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(outdir / rel, result / rel)
        how = f"{len(content)} pages and scripts read"
    written = {rel: _sha((outdir / rel).read_bytes()) for rel in pristine}
    state_file.write_text(json.dumps(written, indent=1) + "\n")
    after = sum((outdir / rel).stat().st_size for rel in pristine)
    logger.info(
        f"lossbook_site: the theme's stylesheets cut to the rules the site uses (PurgeCSS): "
        f"{before / 1e3:.0f} KB -> {after / 1e3:.0f} KB ({how})"
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

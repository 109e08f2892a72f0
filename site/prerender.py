"""Pages finished at build time: math typeset, images sized and lazy (issue #15).

Sphinx's ``mathjax`` extension still writes each formula as TeX in an element
of class ``math`` (``\\(...\\)`` inline, ``\\[...\\]`` displayed, with
Sphinx's equation numbers and link targets beside it), but the pages no
longer load MathJax (1.2 MB) to typeset it in the reader's browser. Instead,
once Sphinx has written the pages, ``prerender.cjs`` runs MathJax's own
Node package (``mathjax-full``, pinned in ``package-lock.json``) over every
page written in this build, with the same TeX options the browser would have
used (Sphinx's ``mathjax3_config``), and writes the typeset SVG back: the
formulas arrive final, each with a hidden MathML copy for screen readers.
SVG needs no web font (each glyph is a path, drawn in the text's colour; a
page's paths are written once, in a hidden ``<svg>`` at the start of
``<body>``), so the formulas are final in the first frame the browser paints
(CommonHTML was not: Chromium decoded its fonts after the first paint, even
inlined as ``data:`` URLs; ``benchmarks/first_frame.py`` measures it). One
Node process per core shares the pages. In the same pass the article's images
get their ``width``/``height`` and ``loading="lazy"``: figures below the fold
load when the reader nears them, and nothing shifts when they arrive.

A formula MathJax cannot read (an unknown macro, say) is a Sphinx warning at
the page that holds it, so ``-W`` builds fail on it. The number of formulas
Sphinx found in each page's source is written to ``<outdir>/../math-<builder>.json``
for the browser test, which compares it with what the page shows.
"""

from __future__ import annotations

import json
import posixpath
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import parallel_execution  # site/parallel_execution.py: how many cores the build uses
from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NODE_SCRIPT = HERE / "prerender.cjs"

_PAGES = "_lossbook_math_pages"


def _active(app) -> bool:
    return app.builder.format == "html" and getattr(app.builder, "math_renderer_name", None) == "mathjax"


def _is_mathjax_runtime(app, js) -> bool:
    filename = getattr(js, "filename", js) or ""
    body = getattr(js, "attributes", {}).get("body", "")
    # Sphinx records the script relative to the site root: "_static/<mathjax_path>".
    runtime = posixpath.normpath(posixpath.join("_static", app.config.mathjax_path))
    return posixpath.normpath(filename) == runtime if filename else body.startswith("window.MathJax")


def drop_runtime(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: no MathJax on the page; remember it for typesetting."""
    if not _active(app):
        return
    scripts = context.get("script_files") or []
    kept = [js for js in scripts if not _is_mathjax_runtime(app, js)]
    if len(kept) != len(scripts):
        context["script_files"] = kept
    formulas = 0
    if doctree is not None:
        formulas = sum(1 for _ in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))))
    pages = getattr(app, _PAGES, None)
    if pages is None:
        pages = {}
        setattr(app, _PAGES, pages)
    pages[pagename] = formulas


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise RuntimeError(
            "lossbook_site: Node.js not found; the site's math is typeset at build "
            "time by MathJax under Node: `apt-get install nodejs npm`, then `npm ci`."
        )
    if not (ROOT / "node_modules" / "mathjax-full" / "package.json").exists():
        raise RuntimeError(
            f"lossbook_site: {ROOT / 'node_modules' / 'mathjax-full'} not found: run "
            f"`npm ci` in {ROOT} (it installs the pinned MathJax)."
        )
    return node


def _typeset_shards(config: dict, jobs: list[dict]) -> list[dict]:
    """Run ``prerender.cjs`` over ``jobs``, one Node process per core, each on a share of the pages.

    The pages are dealt largest first to the share with the fewest bytes so far,
    so the processes end at about the same time. Every page's result.
    """
    n = max(1, min(parallel_execution.workers(), len(jobs)))
    shards: list[list[dict]] = [[] for _ in range(n)]
    loads = [0] * n
    for job in sorted(jobs, key=lambda job: -Path(job["file"]).stat().st_size):
        k = loads.index(min(loads))
        shards[k].append(job)
        loads[k] += Path(job["file"]).stat().st_size
    node = _node()

    def run(shard: list[dict]) -> list[dict]:
        request = json.dumps({"config": config, "pages": shard})
        proc = subprocess.run([node, str(NODE_SCRIPT)], input=request, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"lossbook_site: site/prerender.cjs failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout)

    with ThreadPoolExecutor(max_workers=n) as pool:  # each thread waits on its own Node process
        return [result for results in pool.map(run, shards) for result in results]


def typeset(app, exception) -> None:
    """``build-finished``: typeset the math and size the images of the pages written in this build."""
    pages = getattr(app, _PAGES, None)
    if exception is not None or not pages or not _active(app):
        return
    outdir = Path(app.outdir)
    jobs, names = [], {}
    for pagename in pages:
        file = Path(app.builder.get_outfilename(pagename))
        if file.exists():
            jobs.append({"file": str(file)})
            names[str(file)] = pagename
    results = _typeset_shards(app.config.mathjax3_config or {}, jobs)
    typeset_counts, images = {}, 0
    for result in results:
        pagename = names[result["file"]]
        typeset_counts[pagename] = result["formulas"]
        images += result["images"]
        for error in result["errors"]:
            logger.warning(
                f"MathJax cannot typeset a formula: {error}", location=pagename, type="lossbook", subtype="math"
            )
    total = sum(typeset_counts.values())
    logger.info(
        f"lossbook_site: typeset {total} formulas and sized {images} images in "
        f"{len(typeset_counts)} pages at build time, as SVG (no web font)"
    )
    # What the source holds, per page, for tests/test_site.py (merged: a
    # rebuild writes only the pages that changed).
    manifest = outdir.parent / f"math-{app.builder.name}.json"
    known = json.loads(manifest.read_text()) if manifest.exists() else {}
    for pagename, formulas in pages.items():
        known[Path(app.builder.get_target_uri(pagename)).as_posix()] = formulas
    manifest.write_text(json.dumps(dict(sorted(known.items())), indent=1) + "\n")
    setattr(app, _PAGES, {})

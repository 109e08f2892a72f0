"""The explorers' front end as the site serves it: minified by esbuild.

The package keeps ``explorers.js``, ``numbers.js`` and ``explorers.css``
readable (anywidget runs them in Jupyter, and they are what a reader who opens
the source sees); the built site and ``benchmarks/widget_response.py`` serve
esbuild's minified copies (issue #10: an explorer adds at most 40 KB to its
page). Each file is minified on its own, so ``explorers.js``'s
``import * as N from "./numbers.js"`` still resolves (and the browser test
can import ``numbers.js`` by itself); esbuild keeps the exported names. Each
copy links a source map, which only a browser's developer tools fetch, so it
adds nothing to a first load. esbuild is pinned in ``package.json`` and
installed by ``npm ci``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


def minify_front_end(target: Path) -> list[Path]:
    """Write the explorers' JS and CSS, minified, with source maps, into ``target``; return the files served."""
    from lossbook.explorers import STATIC as FRONT_END

    if not ESBUILD.exists():
        raise RuntimeError(f"{ESBUILD} not found: run `npm ci` in {ROOT}")
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in FRONT_END.iterdir() if p.suffix in (".js", ".css"))
    subprocess.run(
        [str(ESBUILD), *map(str, sources), f"--outdir={target}", "--minify", "--sourcemap", "--log-level=warning"],
        check=True,
    )
    return [target / p.name for p in sources]

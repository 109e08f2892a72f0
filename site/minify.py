"""The explorers' front end as the site serves it: one small module per view, minified by esbuild.

The package keeps ``explorers.js``, ``numbers.js`` and ``explorers.css``
readable: anywidget runs ``explorers.js`` in Jupyter (``render`` picks the
view from its ``VIEWS`` table), and they are what a reader who opens the
source sees. The built site serves esbuild's output instead (issue #10: an
explorer adds at most 40 KB to its page), so that a page fetches only the
views it shows:

* ``view-<kind>.js``, one bundle per view kind (``--bundle --format=esm``,
  minified), holding that view, the frame every view uses and the functions
  of ``numbers.js`` it calls, and nothing else (tree-shaken). Its entry is
  generated here and is two lines: import ``mount`` and the kind's view
  function from ``explorers.js``, export ``render(props) = mount(props, view)``.
  The kinds and their functions are read from ``explorers.js``'s own
  ``const VIEWS = {...}`` table, so a view added there is built with no change
  here. (Not ``--splitting``: esbuild splits by module, and every view lives
  in the one module ``explorers.js``, so a shared chunk would carry every
  view a page might show. A page with two kinds fetches the frame twice,
  about 8 KB.)
* ``explorers.js``, ``numbers.js`` and ``explorers.css``, each minified on
  its own as before (``explorers.js`` still imports ``./numbers.js``): the
  stylesheet every page with an explorer fetches, the whole front end as
  anywidget sees it (``benchmarks/widget_response.py``), and the numbers the
  browser tests import by themselves.

The site's host script (``site/static/lossbook-explorers.js``) imports
``view-<kind>.js`` for each kind on its page. ``front-end.json`` lists, per
kind, the files a page with that view fetches (for the byte budget in
``tests/test_site_explorers.py``). Each file links a source map, which only a
browser's developer tools fetch. esbuild is pinned in ``package.json`` and
installed by ``npm ci``. A rebuild whose sources (the front end, this file,
esbuild) have the SHA-256 recorded in ``front-end.json`` writes nothing.

To let the entries import the view functions, the copy of ``explorers.js``
that esbuild bundles (in a temporary folder, never the package's) gets one more
line, ``export { <the view functions> };``, for those not exported already.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


#: What the site's host script fetches for a view of kind K.
VIEW_ENTRY = "view-{kind}.js"
MANIFEST = "front-end.json"

_VIEWS = re.compile(r"^const VIEWS = \{(?P<body>.*?)^\};", re.M | re.S)
_ENTRY = re.compile(r"^\s*(?P<kind>[A-Za-z_$][\w$]*)\s*(?::\s*(?P<view>[A-Za-z_$][\w$]*))?\s*,?\s*(?://.*)?$")
_EXPORTED = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)", re.M)
_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}", re.M)


def front_end_sources() -> Path:
    """``lossbook/explorers/static`` of the lossbook Python would import, found without importing
    lossbook (NumPy, SciPy and anywidget: a second on every rebuild)."""
    spec = importlib.util.find_spec("lossbook")
    if spec is None or spec.origin is None:
        raise RuntimeError("lossbook is not importable: set PYTHONPATH to the repository")
    return Path(spec.origin).parent / "explorers" / "static"


def view_kinds(source: str) -> dict[str, str]:
    """``{kind: view function}`` from ``explorers.js``'s ``const VIEWS = {...}`` table."""
    table = _VIEWS.search(source)
    if table is None:
        raise ValueError("explorers.js must define `const VIEWS = {...};` (kind: view function, one a line)")
    kinds = {}
    for line in table["body"].splitlines():
        if not line.strip() or line.strip().startswith("//"):
            continue
        m = _ENTRY.match(line)
        if m is None:
            raise ValueError(f"explorers.js: cannot read this line of VIEWS (expected `kind: viewFunction,`): {line!r}")
        kinds[m["kind"]] = m["view"] or m["kind"]
    return kinds


def _exported(source: str) -> set[str]:
    names = set(_EXPORTED.findall(source))
    for group in _EXPORT_LIST.findall(source):
        for part in group.split(","):
            names.add(part.strip().split(" as ")[-1].strip())
    return names


def minify_front_end(target: Path) -> list[Path]:
    """Write the explorers' modules (the whole front end, one bundle per view) and CSS, minified, into ``target``.

    Returns the files served (``.js``/``.css``, not the source maps or the manifest).
    """
    if not ESBUILD.exists():
        raise RuntimeError(f"{ESBUILD} not found: run `npm ci` in {ROOT}")
    target = Path(target)
    front_end = front_end_sources()
    sources = sorted(p for p in front_end.iterdir() if p.suffix in (".js", ".css"))
    digest = hashlib.sha256()
    for p in [Path(__file__), ESBUILD.resolve(), *sources]:
        digest.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    manifest_file = target / MANIFEST
    if manifest_file.exists():  # a rebuild: nothing to do if the sources did not change
        known = json.loads(manifest_file.read_text())
        if known.get("sources_sha256") == digest.hexdigest() and all((target / f).exists() for f in known["files"]):
            return [target / f for f in known["files"]]
    if target.exists():
        shutil.rmtree(target)  # no view left from a kind since removed
    target.mkdir(parents=True)
    common = ["--minify", "--sourcemap", "--log-level=warning", f"--outdir={target}"]
    subprocess.run([str(ESBUILD), *map(str, sources), *common], check=True)

    main = (front_end / "explorers.js").read_text(encoding="utf-8")
    kinds = view_kinds(main)
    with tempfile.TemporaryDirectory(prefix="lossbook_front_end_") as tmp:
        src = Path(tmp)
        for p in sources:
            shutil.copyfile(p, src / p.name)
        missing = sorted(set(kinds.values()) - _exported(main))
        if missing:
            (src / "explorers.js").write_text(main + f"\nexport {{ {', '.join(missing)} }};\n", encoding="utf-8")
        entries = []
        for kind, view in kinds.items():
            entry = src / VIEW_ENTRY.format(kind=kind)
            entry.write_text(
                f'import {{ mount, {view} }} from "./explorers.js";\n'
                f"export function render(props) {{ return mount(props, {view}); }}\n",
                encoding="utf-8",
            )
            entries.append(entry)
        subprocess.run([str(ESBUILD), *map(str, entries), "--bundle", "--format=esm", *common], check=True)
    served = sorted(p for p in target.iterdir() if p.suffix in (".js", ".css"))
    manifest = {
        "css": "explorers.css",
        "views": {kind: [VIEW_ENTRY.format(kind=kind)] for kind in kinds},
        "files": [p.name for p in served],
        "sources_sha256": digest.hexdigest(),
    }
    manifest_file.write_text(json.dumps(manifest, indent=1) + "\n")
    return served

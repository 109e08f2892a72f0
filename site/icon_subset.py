"""The theme's icon fonts, cut to the icons the site uses (issue #15).

pydata-sphinx-theme ships Font Awesome 6 as three web fonts (solid 157 KB,
brands 118 KB, regular 25 KB as woff2) for some twenty icons: the header's
buttons, the admonitions, the sidebar arrows. A first visit downloads the
solid and brands fonts whole: 275 KB of the theme's fixed cost on every
page, more than the rest of the theme's scripts together.

After the HTML build, this keeps in each font only the glyphs of

* the ``fa-<name>`` classes that the built pages and the theme's scripts
  use (mapped to code points through the theme's own stylesheet, which says
  ``.fa-<name>:before{content:"\\f..."}``), and
* every icon the theme's stylesheet names itself (``--pst-icon-*`` custom
  properties: admonitions, external links, arrows), used or not,

with fontTools' subsetter, into the same files (woff2 and the ttf fallback),
so the stylesheet's ``@font-face`` rules need no change. The stylesheet's
1,400 ``.fa-<name>:before{content:...}`` rules for the icons no page uses
(67 KB of its 397 KB) go too. An icon a later edit adds to a page is kept by
the next build, since the pages are scanned every time.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

FONTS = "_static/vendor/fontawesome/webfonts"
STYLESHEET = "_static/styles/pydata-sphinx-theme.css"

_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
# ".fa-github:before{content:"\f09b"}" and ".fa-a:before,.fa-b:before{content:...}"
_RULE = re.compile('((?:\\.fa-[a-z0-9-]+:+before,?)+)\\{content:"(\\\\f[0-9a-f]{3}|[\ue000-\uf8ff])"\\}')
_PUA = re.compile("[\ue000-\uf8ff]|\\\\f[0-9a-f]{3}")


def _codepoint(token: str) -> int:
    return int(token[1:], 16) if token.startswith("\\") else ord(token)


def used_classes(outdir: Path) -> set[str]:
    """The ``fa-*`` class names in the built pages and the theme's scripts."""
    used = set()
    texts = [p for p in outdir.rglob("*.html") if "_static" not in p.parts]
    texts += list((outdir / "_static").rglob("*.js"))
    for path in texts:
        if path.name == "fontawesome.js":  # the whole icon set's own script (not loaded; see templates/)
            continue
        used.update(_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))
    return used


def prune_stylesheet(outdir: Path, used: set[str]) -> int:
    """Drop the stylesheet's rules for icons no page uses; return the bytes saved."""
    path = outdir / STYLESHEET
    css = path.read_text(encoding="utf-8")

    def keep(m):
        names = re.findall(r"\.(fa-[a-z0-9-]+):", m.group(1))
        return m.group(0) if any(name in used for name in names) else ""

    pruned = _RULE.sub(keep, css)
    if pruned != css:
        path.write_text(pruned, encoding="utf-8")
    return len(css.encode()) - len(pruned.encode())


def used_codepoints(outdir: Path, used_names: set[str] | None = None) -> set[int]:
    css = (outdir / STYLESHEET).read_text(encoding="utf-8")
    by_class: dict[str, int] = {}
    for selectors, content in _RULE.findall(css):
        for name in re.findall(r"\.(fa-[a-z0-9-]+):", selectors):
            by_class[name] = _codepoint(content)
    names = used_classes(outdir) if used_names is None else used_names
    used = {by_class[name] for name in names if name in by_class}
    # The theme's own icons (custom properties holding a private-use character).
    for prop in re.findall(r"--pst-icon-[a-z-]+:\"([^\"]+)\"", css):
        used.update(_codepoint(tok) for tok in _PUA.findall(prop))
    return used


def subset_icon_fonts(app, exception) -> None:
    """``build-finished``: subset the theme's Font Awesome fonts in the built site."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    fonts = outdir / FONTS
    if not fonts.is_dir() or not (outdir / STYLESHEET).exists():
        return
    from fontTools import subset
    from fontTools.ttLib import TTFont

    names = used_classes(outdir)
    unicodes = used_codepoints(outdir, names)  # before pruning: the rules map names to code points
    css_saved = prune_stylesheet(outdir, names)
    before = after = 0
    # Sphinx copies the theme's whole fonts again on every build: keep the cut
    # ones, keyed by the original's digest and the icons, so that a rebuild
    # only copies them back.
    cache = outdir.parent / ".icon_subset_cache"
    cache.mkdir(exist_ok=True)
    icons = ",".join(map(str, sorted(unicodes)))
    for path in sorted(fonts.glob("fa-*")):
        if path.suffix not in (".woff2", ".ttf"):
            continue
        data = path.read_bytes()
        key = hashlib.sha256(data + icons.encode()).hexdigest()[:32] + path.suffix
        if (cache / key).exists():
            before += len(data)
            path.write_bytes((cache / key).read_bytes())
            after += path.stat().st_size
            continue
        font = TTFont(str(path))
        present = set(font.getBestCmap() or {})
        keep = unicodes & present
        if len(keep) == len(present):  # already cut (a rebuild with the same icons)
            continue
        options = subset.Options()
        options.flavor = "woff2" if path.suffix == ".woff2" else None
        options.layout_features = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(keep))
        subsetter.subset(font)
        before += path.stat().st_size
        font.flavor = options.flavor
        font.save(str(path))
        after += path.stat().st_size
        (cache / key).write_bytes(path.read_bytes())
    if before or css_saved:
        logger.info(
            f"lossbook_site: icon fonts cut to the {len(unicodes)} icons the site uses: "
            f"{before / 1e3:.0f} KB -> {after / 1e3:.0f} KB; {css_saved / 1e3:.0f} KB of unused "
            "icon rules removed from the theme's stylesheet"
        )

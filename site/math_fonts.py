"""The MathJax fonts a page uses, cut to its characters and inlined in the page (issue #15).

**No longer used by the site**: ``prerender.cjs`` now writes SVG, which needs
no font (``benchmarks/first_frame.py`` showed CommonHTML formulas invisible in
the first painted frame even with these inlined fonts: Chromium decodes a
``data:`` URL font after that paint). On an SVG page :func:`inline_page_fonts`
finds no ``MJX-CHTML-styles`` and does nothing. To be removed together with
its call in ``prerender.py``.

``prerender.cjs`` writes each page's formulas as CommonHTML, whose glyphs come
from MathJax's web fonts: one ``@font-face`` per family in the page's
``<style id="MJX-CHTML-styles">``, and a ``<link rel="preload">`` for each
family the page uses. The formulas are in the HTML at the first paint, but
they are final only once those font files arrive, which on a slow connection
is seconds later (measured by ``benchmarks/pages.py``).

This step makes the math final at the first paint. For each font a page
preloads, fontTools (the standard font library of Python) keeps only the
characters the page's MathJax stylesheet draws (every ``content: "..."`` of
its rules) and writes the result as WOFF2; the ``@font-face`` then points at
that font as a ``data:`` URL, and its preload link goes. A page's fonts shrink
from 60–110 KB of WOFF files to a few KB inside the page. Families the page
declares but does not use keep their URL (a browser fetches a font only for
text it draws with it).

Subsets are cached by content (font file and characters), so an unchanged
rebuild does no font work.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
from pathlib import Path

_STYLE = re.compile(r'(<style id="MJX-CHTML-styles">)(.*?)(</style>)', re.S)
_CONTENT = re.compile(r'content:\s*"((?:[^"\\]|\\.)*)"')
_CSS_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6}) ?|\\(.)", re.S)
_PRELOAD = re.compile(r'<link rel="preload" href="([^"]+\.woff)" as="font" type="font/woff" crossorigin="">\s*')
_SRC = 'src: url("{href}") format("woff");'
#: Fonts this small are inlined as they are (bytes).
SMALL = 4096


def _unescape(text: str) -> str:
    """A CSS string's characters (``"\\2223"`` is U+2223)."""
    return _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), text)


def characters(css: str) -> set[str]:
    """Every character MathJax's stylesheet draws (the ``content`` of its rules)."""
    return {ch for m in _CONTENT.finditer(css) for ch in _unescape(m.group(1))}


def subset_woff2(font: Path, chars: set[str], cache: Path) -> bytes:
    """``font`` cut to ``chars``, as WOFF2 (cached by the font's bytes and the characters)."""
    data = font.read_bytes()
    key = hashlib.sha256(data + "".join(sorted(chars)).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    cached = cache / f"{key}.woff2"
    if cached.exists():
        return cached.read_bytes()
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = True
    options.desubroutinize = True
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: fontTools cannot subset them, and no browser reads them
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes={ord(ch) for ch in chars})
    tt = TTFont(io.BytesIO(data))
    subsetter.subset(tt)
    out = io.BytesIO()
    tt.flavor = "woff2"
    tt.save(out)
    cache.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: pages are done in several processes, which may cut the same subset at once.
    partial = cached.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(out.getvalue())
    os.replace(partial, cached)
    return out.getvalue()


def inline_page_fonts(file: Path, cache: Path) -> tuple[int, int]:
    """Inline the subset fonts of one typeset page; return (fonts inlined, bytes of WOFF files no longer fetched)."""
    text = file.read_text(encoding="utf-8")
    style = _STYLE.search(text)
    if style is None:
        return 0, 0
    preloads = _PRELOAD.findall(text)
    if not preloads:
        return 0, 0
    css = style.group(2)
    chars = characters(css)
    inlined, saved = 0, 0
    for href in preloads:
        src = _SRC.format(href=href)
        if src not in css:
            continue  # not one of MathJax's @font-face rules: leave it alone
        font = (file.parent / html.unescape(href)).resolve()
        if font.stat().st_size <= SMALL:
            # MathJax_Zero (1.4 KB, zero-width glyphs MathJax tries first for
            # every character): inlined whole; a browser refuses its subset.
            mime, fmt, data = "font/woff", "woff", font.read_bytes()
        else:
            mime, fmt, data = "font/woff2", "woff2", subset_woff2(font, chars, cache)
        encoded = base64.b64encode(data).decode("ascii")
        css = css.replace(src, f'src: url(data:{mime};base64,{encoded}) format("{fmt}");')
        inlined += 1
        saved += font.stat().st_size
    if not inlined:
        return 0, 0
    text = text[: style.start(2)] + css + text[style.end(2) :]
    text = _PRELOAD.sub(lambda m: "" if _SRC.format(href=m.group(1)) not in css else m.group(0), text)
    file.write_text(text, encoding="utf-8")
    return inlined, saved

"""benchmarks/first_frame.py: what the first painted frame shows of the formulas, against the final frame.

The analysis is tested on synthetic frames (no browser): a formula final at
the first paint, one drawn invisibly next to painted words (a web font in its
block period), one whose line is not painted yet, one in another colour only,
one moved, one in another glyph or size, one not typeset yet.
The recorder is tested in Chromium (``-m site``) on three small pages whose
outcome is known: one whose formula is final when first painted, one whose
formula a script changes after the first paint, one whose formula only
changes colour.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import first_frame  # noqa: E402

URL = "http://127.0.0.1:1/page.html"
W, H = 80, 60
NAV, PAINT, FCP = 1_000_000, 1_040_000, 1_100_000  # trace clock, microseconds
#: The formula's final box (x, y, width, height, typeset) and its context's (the line around it).
BOX = [20.0, 20.0, 12.0, 10.0, 1, 4.0, 18.0, 60.0, 14.0]


def _canvas(words=True, dy=0, colour=(34, 40, 50)):
    img = np.full((H, W, 3), 255, dtype=np.int16)
    img[2:6, 2:40] = 30  # a heading: the frame is not blank
    if words:  # the words before the formula, on its line
        img[23 + dy : 28 + dy, 6:16] = colour
    return img


def _glyph(img, x, y, colour=(34, 40, 50), shape="L"):
    """A glyph with an antialiased edge inside the box at (x, y)."""
    c = np.array(colour, dtype=np.int16)
    grey = (255 + c) // 2
    if shape == "L":
        img[y + 1 : y + 9, x + 2 : x + 4] = c
        img[y + 7 : y + 9, x + 2 : x + 10] = c
        img[y + 1 : y + 9, x + 4] = grey
    else:  # another glyph: a bar across
        img[y + 4 : y + 6, x + 1 : x + 11] = c
    return img


def _record(first, final, first_box=BOX, *, fonts=()):
    images = {"blank": np.full((H, W, 3), 255, dtype=np.int16), "first": first, "final": final}
    events = [
        {
            "name": "navigationStart",
            "ts": NAV,
            "args": {"data": {"documentLoaderURL": URL, "navigationId": "n"}, "frame": "f"},
        },
        {"name": "Paint", "ts": PAINT, "args": {"data": {"frame": "f", "clip": [0, 0, W, 0, W, H, 0, H]}}},
        {"name": "firstContentfulPaint", "ts": FCP, "args": {"data": {"navigationId": "n"}, "frame": "f"}},
        *fonts,
    ]
    return {
        "url": URL,
        "events": events,
        "frames": [(NAV + 500, "blank"), (FCP - 10_000, "first"), (FCP + 200_000, "final")],
        "records": [[30.0, [first_box]], [250.0, [BOX]]],  # ms after navigation start
        "boxes": [BOX],
        "viewport": [W, H],
        "scroll": [0, 0],
    }, images.__getitem__


def _analyze(first, final, first_box=BOX, **kw):
    rec, decode = _record(first, final, first_box, **kw)
    return first_frame.analyze(rec, decode=decode)


FINAL = _glyph(_canvas(), 20, 20)


def test_final_at_first_paint():
    r = _analyze(FINAL.copy(), FINAL)
    assert r["valid"] and r["formulas_in_first_viewport"] == 1 and r["formulas_painted_at_fcp"] == 1
    assert r["pixel_final_at_fcp"] is True and r["glyphs_final_when_first_painted"] is True
    assert r["math_final_after_fcp_s"] == 0.0 and r["glyph_difference_when_first_painted"] == 0.0


def test_invisible_text_at_first_paint_is_not_final():
    r = _analyze(_canvas(), FINAL)  # its line is painted, the formula's glyph is not
    assert r["glyphs_final_when_first_painted"] is False and r["pixel_final_at_fcp"] is False
    assert r["formulas_not_final_when_first_painted"] == 1 and r["glyph_difference_when_first_painted"] == 1.0
    assert r["math_final_after_fcp_s"] == pytest.approx(0.2)  # the final frame, 200 ms after FCP


def test_formula_whose_line_is_not_painted_yet_is_judged_when_it_is():
    # The first frame holds the heading only (Chromium had not painted the article yet): the formula is
    # judged in the next frame, the final one, where it is final.
    r = _analyze(_canvas(words=False), FINAL)
    assert r["formulas_painted_at_fcp"] == 0 and r["glyphs_final_when_first_painted"] is True
    assert r["pixel_final_at_fcp"] is False and r["math_final_after_fcp_s"] == pytest.approx(0.2)


def test_other_glyph_is_not_final():
    r = _analyze(_glyph(_canvas(), 20, 20, shape="bar"), FINAL)
    assert r["glyphs_final_when_first_painted"] is False and r["pixel_final_at_fcp"] is False


def test_colour_change_alone_keeps_the_glyphs_final_but_not_the_pixels():
    r = _analyze(_glyph(_canvas(colour=(0, 0, 0)), 20, 20, colour=(0, 0, 0)), FINAL)
    assert r["glyphs_final_when_first_painted"] is True and r["pixel_final_at_fcp"] is False
    assert r["glyph_difference_when_first_painted"] <= first_frame.GLYPH_TOLERANCE
    assert r["glyphs_final_after_fcp_s"] == 0.0 and r["math_final_after_fcp_s"] == pytest.approx(0.2)


def test_moved_formula_is_read_where_it_stood():
    moved = [BOX[0], BOX[1] - 7, BOX[2], BOX[3], 1, BOX[5], BOX[6] - 7, BOX[7], BOX[8]]
    r = _analyze(_glyph(_canvas(dy=-7), 20, 13), FINAL, moved)
    assert r["glyphs_final_when_first_painted"] is True and r["pixel_final_at_fcp"] is False
    assert r["math_moved_after_first_painted_px"] == 7.0


def test_resized_or_untypeset_formula_is_not_final():
    resized = [BOX[0], BOX[1], BOX[2] + 3, *BOX[3:]]  # other font metrics
    assert _analyze(FINAL.copy(), FINAL, resized)["glyphs_final_when_first_painted"] is False
    untypeset = [*BOX[:4], 0, *BOX[5:]]  # TeX still waiting for MathJax in the browser
    assert _analyze(FINAL.copy(), FINAL, untypeset)["glyphs_final_when_first_painted"] is False


def test_formula_not_parsed_yet_is_judged_when_painted():
    rec, decode = _record(_canvas(), FINAL)
    rec["records"][0][1] = []  # the page's HTML had not reached the formula at the first paint
    r = first_frame.analyze(rec, decode=decode)
    assert r["formulas_painted_at_fcp"] == 0 and r["formulas_in_first_viewport"] == 1
    assert r["glyphs_final_when_first_painted"] is True  # first painted in the final frame
    assert r["math_final_after_fcp_s"] == pytest.approx(0.2)


def test_page_painted_in_the_middle_of_a_line_is_not_held_against_the_formula():
    # The first frame shows the page as the parser left it, in the middle of the formula's line; the layout
    # recorded just before that frame already has the formula, the one before it does not.
    rec, decode = _record(_canvas(), FINAL)
    rec["records"] = [[30.0, []], [60.0, [BOX]], [250.0, [BOX]]]
    r = first_frame.analyze(rec, decode=decode)
    assert r["glyphs_final_when_first_painted"] is True and r["formulas_painted_at_fcp"] == 0
    # The same, but the line goes on after the formula: it was parsed and painted, without its glyphs.
    first = _canvas()
    first[23:28, 36:50] = (34, 40, 50)
    rec, decode = _record(first, FINAL)
    rec["records"] = [[30.0, []], [60.0, [BOX]], [250.0, [BOX]]]
    r = first_frame.analyze(rec, decode=decode)
    assert r["glyphs_final_when_first_painted"] is False and r["formulas_painted_at_fcp"] == 1


def test_blank_first_frame_does_not_count():
    rec, decode = _record(FINAL, FINAL)
    rec["frames"][1] = (FCP + 50_000, "first")  # the frame drawn at FCP was missed: the next is 50 ms later
    r = first_frame.analyze(rec, decode=decode)
    assert r["valid"] is False and "not captured" in r["why"]


def test_math_fonts_at_first_paint():
    def font(name, begin, ready):
        url = f"data:font/woff2;base64,{name}"
        return [
            {"name": "BeginRemoteFontLoad", "ts": begin, "args": {"url": url, "display": "auto"}},
            {"name": "RemoteFontLoaded", "ts": ready, "args": {"url": url, "name": name}},
        ]

    fonts = [
        *font("MathJax_Main-Regular", PAINT - 30_000, PAINT - 10_000),  # ready before the paint
        *font("MathJax_Math-Italic", PAINT - 30_000, PAINT + 10_000),  # still loading at it
        *font("MathJax_Size2-Regular", PAINT + 5_000, PAINT + 20_000),  # asked for by a later layout
        *font("FontAwesome6Free-Solid", PAINT - 30_000, PAINT + 10_000),  # not math
    ]
    r = _analyze(FINAL.copy(), FINAL, fonts=fonts)
    assert r["math_fonts_ready_at_first_paint"] == ["MathJax_Main-Regular"]
    assert r["math_fonts_not_ready_at_first_paint"] == ["MathJax_Math-Italic", "MathJax_Size2-Regular"]


# --- in Chromium -----------------------------------------------------------------

FORMULA = (
    '<span class="math"><mjx-container style="display:inline-block;font:40px serif">'
    '<svg width="40" height="40" viewBox="0 0 40 40" fill="currentColor"><path d="M5 5h8v22h18v8H5z"/></svg>'
    "</mjx-container></span>"
)
PAGES = {
    "final.html": f"<p>Text {FORMULA} more text.</p>",
    # A script draws another glyph after the first frame (as a web font arriving late would).
    "late.html": f"<p>Text {FORMULA} more text.</p><script>requestAnimationFrame(() => setTimeout(() => "
    "document.querySelector('path').setAttribute('d', 'M5 17h30v8H5z'), 150));</script>",
    # A script changes the text colour only after the first frame (as the theme's colours do).
    "colour.html": f"<p>Text {FORMULA} more text.</p><script>requestAnimationFrame(() => setTimeout(() => "
    "document.body.style.color = 'rgb(34, 40, 50)', 150));</script>",
}


@pytest.mark.site  # headless Chromium
def test_recorder_in_chromium(tmp_path):
    from headless import launch, serve

    for name, body in PAGES.items():
        (tmp_path / name).write_text(f"<!DOCTYPE html><html><body style='color:#000'>{body}</body></html>")
    results = {}
    with serve(tmp_path) as url, launch() as browser:
        for name in PAGES:
            for _ in range(3):  # a load whose first frame the screencast missed does not count
                context = browser.new_context(viewport={"width": 400, "height": 300})
                context.add_init_script(first_frame.RECORD_BOXES)
                try:
                    r = first_frame.analyze(first_frame.record(context, url + name, settle_ms=400))
                finally:
                    context.close()
                if r["valid"]:
                    break
            results[name] = r
    final, late, colour = results["final.html"], results["late.html"], results["colour.html"]
    assert final["valid"] and final["formulas_in_first_viewport"] == 1, final
    assert final["pixel_final_at_fcp"] and final["glyphs_final_when_first_painted"], final
    assert final["math_final_after_fcp_s"] == 0, final
    assert late["valid"] and not late["glyphs_final_when_first_painted"] and not late["pixel_final_at_fcp"], late
    assert late["math_final_after_fcp_s"] > 0.1, late
    assert colour["valid"] and colour["glyphs_final_when_first_painted"] and not colour["pixel_final_at_fcp"], colour

"""What the first frame a browser paints shows of a page's formulas, against the final frame.

``benchmarks/pages.py`` loads each page once more with this recorder on
(issue #15: "math final at first paint"). In one fresh Chromium context it

* records every frame the compositor draws, as lossless PNG at the viewport's
  full size, through the DevTools protocol's screencast
  (``Page.startScreencast``); each frame's ``monotonicTimestamp`` is on the
  trace clock;
* records a trace (``Tracing.start``) for the navigation start, the first
  contentful paint (FCP, the time the frame was presented), the main-thread
  paints, the layout shifts and the web-font loads (``BeginRemoteFontLoad``,
  ``RemoteFontLoaded``: when each font began to load and when it was ready);
* records, from a script installed before the page's own, the box of every
  formula (``mjx-container``, or its ``.math`` element while untypeset) and
  of its context (the block around an inline formula, the element before a
  displayed one) at each animation frame in which a box changed, so that a
  frame painted before a layout shift is read at the positions the formulas
  had then;
* waits for the ``load`` event, ``document.fonts.ready``, two animation
  frames and half a second, so that the last frame drawn is the page as it
  stays: the final frame.

:func:`analyze` then takes the first painted frame (the first frame after
navigation start that is not blank; it must be stamped within 40 ms of FCP,
else the screencast missed it and the load does not count) and every later
frame, and compares the formulas that lie in the first viewport of the final
page with their final pixels:

* **pixel-final**: at the formula's final box (one pixel of margin), every
  pixel equals the final frame's, exactly (PNG frames: no threshold).
  "Math final" is the time from FCP to the first frame from which every later
  frame is pixel-final; 0 when the frame at FCP already is;
* **glyph-final when first painted**: each formula is judged in the first
  frame that paints it, that is, the first frame in which its context has
  anything painted (Chromium paints before it has parsed the whole page: the
  first frame can hold the sidebar only). There its glyphs must be the final
  ones wherever the formula stood in that frame (its box from the script above), whatever the
  colours: both crops become ink maps (each pixel's colour distance from the
  crop's background, the median of its border), and their normalized
  cross-correlation must be at least 1 − :data:`GLYPH_TOLERANCE` (0.9), at
  the whole-pixel offsets nearest to the formula's move. A formula drawn with
  invisible text (a web font still in its block period) has no ink:
  correlation 0. The same glyphs in another colour (the theme's colours
  arriving after the first frame), or moved by a fraction of a pixel (SVG
  paths are antialiased at their subpixel position), correlate at 0.99 or
  more in the pages measured. A formula whose box changed size is not
  glyph-final (other font metrics: a fallback font).

It also reports, from the trace, which MathJax fonts (``MathJax_*``) were
not ready when the first frame was painted (still loading, or asked for by a
later layout), and how far the formulas moved after they were first painted.
"""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np

#: Largest glyph difference (1 − correlation of the ink maps) for the same glyphs (see the module's docstring).
GLYPH_TOLERANCE = 0.1
#: A frame whose pixels all lie within this distance of one colour is blank (nothing painted yet).
BLANK_SPREAD = 8
#: Colour distance from the background above which a pixel is ink (text is 200 or more from its background).
INK = 48
#: How far from FCP (µs) the screencast may stamp the frame presented at FCP: -30 to +13 ms in the pages
#: measured; a first non-blank frame further away means the first painted one was not captured.
FIRST_FRAME_WINDOW_US = 40_000
#: Trace categories: navigation, FCP, paints, layout shifts (loading), web-font loads (devtools.timeline).
CATEGORIES = ["devtools.timeline", "loading", "blink.user_timing", "rail"]
_KEEP = {
    "navigationStart",
    "firstContentfulPaint",
    "Paint",
    "LayoutShift",
    "BeginRemoteFontLoad",
    "RemoteFontLoaded",
}

#: A formula's place in the page: Sphinx writes each formula's TeX in an element of class ``math``,
#: and MathJax (at build time, or in the browser before #15) puts its ``mjx-container`` inside it.
#: With it, the box of its context: the block around an inline formula (its line's other words),
#: the element before a displayed one. ``[x, y, width, height, typeset, cx, cy, cwidth, cheight]``.
_BOXES = """[...document.querySelectorAll('.math')].map(el => {
  const typeset = el.querySelector('mjx-container');
  const r = (typeset || el).getBoundingClientRect();
  const context = el.tagName === 'DIV'
    ? (el.previousElementSibling || el.parentElement)
    : el.parentElement.closest('p, li, dt, dd, td, th, h1, h2, h3, h4, h5, h6, figcaption, div');
  const c = (context || el).getBoundingClientRect();
  return [r.x, r.y, r.width, r.height, typeset ? 1 : 0, c.x, c.y, c.width, c.height];
})"""

#: Installed before any script of the page: the formulas' boxes (in document order) at every animation
#: frame in which one changed, stamped with the time the callback ran (the page as it was then; an
#: animation frame's own timestamp is when the frame began, often long before a busy page runs it).
RECORD_BOXES = (
    """(() => {
  const log = window.__lossbookMathBoxes = [];
  let last = '';
  const tick = () => {
    const boxes = """
    + _BOXES
    + """;
    const key = JSON.stringify(boxes);
    if (key !== last) { log.push([performance.now(), boxes]); last = key; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""
)

_SETTLE = """async () => {
  const settled = (async () => {
    await document.fonts.ready;
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  })();
  await Promise.race([settled, new Promise(r => setTimeout(r, 10000))]);  // never wait for ever
}"""

_FINAL = (
    "() => ({boxes: "
    + _BOXES
    + ", records: window.__lossbookMathBoxes, viewport: [innerWidth, innerHeight], scroll: [scrollX, scrollY]})"
)


def record(context, url: str, *, throttle: dict | None = None, settle_ms: int = 500) -> dict:
    """Load ``url`` in a new page of the fresh Playwright ``context``; return what :func:`analyze` reads.

    The context must have been made for this load only (an empty cache) and
    given :data:`RECORD_BOXES` as an init script.
    """
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    frames: list[tuple[float, str]] = []
    done: dict = {}

    def on_frame(event):
        frames.append((event["metadata"]["monotonicTimestamp"] * 1e6, event["data"]))
        cdp.send("Page.screencastFrameAck", {"sessionId": event["sessionId"]})

    cdp.on("Page.screencastFrame", on_frame)
    cdp.on("Tracing.tracingComplete", lambda event: done.update(event))
    if throttle:
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", throttle)
    cdp.send(
        "Tracing.start",
        {"transferMode": "ReturnAsStream", "traceConfig": {"includedCategories": CATEGORIES}},
    )
    cdp.send("Page.startScreencast", {"format": "png", "everyNthFrame": 1})
    page.goto(url, wait_until="load", timeout=300_000)
    page.evaluate(_SETTLE)
    page.wait_for_timeout(settle_ms)
    final = page.evaluate(_FINAL)
    cdp.send("Page.stopScreencast")
    page.wait_for_timeout(100)  # frames already in flight
    cdp.send("Tracing.end")
    waited = 0
    while not done:  # a trace that never completes is a failed load, not a hung benchmark
        if waited > 30_000:
            raise TimeoutError(f"{url}: Chromium's trace did not complete within 30 s")
        page.wait_for_timeout(20)
        waited += 20
    chunks = []
    while True:
        r = cdp.send("IO.read", {"handle": done["stream"], "size": 1 << 22})
        chunks.append(base64.b64decode(r["data"]) if r.get("base64Encoded") else r["data"].encode())
        if r.get("eof"):
            break
    cdp.send("IO.close", {"handle": done["stream"]})
    trace = json.loads(b"".join(chunks))
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    return {
        "url": url,
        "events": [e for e in events if e.get("name") in _KEEP],
        "frames": frames,
        **final,
    }


def decode_png(data: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"), dtype=np.int16)


# --- analysis ------------------------------------------------------------------


def _navigation(events, url):
    starts = [
        e
        for e in events
        if e["name"] == "navigationStart" and e.get("args", {}).get("data", {}).get("documentLoaderURL") == url
    ]
    if not starts:
        raise ValueError(f"no navigationStart for {url} in the trace")
    nav = starts[-1]
    nav_id = nav["args"]["data"].get("navigationId")
    fcps = [
        e
        for e in events
        if e["name"] == "firstContentfulPaint" and e.get("args", {}).get("data", {}).get("navigationId") == nav_id
    ]
    return nav, (fcps[0]["ts"] if fcps else None)


def _first_paint_ts(events, frame_id, nav_ts):
    """Start of the first main-thread paint of the page's frame that painted an area: the frame FCP presents.

    (The last paint before FCP's presentation time can be the next frame's: a frame is presented some
    tens of milliseconds after it is painted.)"""
    for e in sorted(events, key=lambda e: e["ts"]):
        data = e.get("args", {}).get("data", {})
        if e["name"] != "Paint" or e["ts"] < nav_ts or data.get("frame") != frame_id:
            continue
        clip = data.get("clip") or [0] * 8
        if max(clip[0::2]) > min(clip[0::2]) and max(clip[1::2]) > min(clip[1::2]):
            return e["ts"]
    return None


def math_fonts_at(events, paint_ts) -> dict:
    """MathJax's fonts as they stood when the first frame was painted: loaded, loading, or not asked for yet."""
    begun = {e["args"]["url"]: e["ts"] for e in events if e["name"] == "BeginRemoteFontLoad" and "url" in e["args"]}
    ready = {}
    for e in events:
        if e["name"] == "RemoteFontLoaded" and "url" in e.get("args", {}):
            ready[e["args"]["url"]] = (e["args"].get("name", ""), e["ts"])
    out = {"loaded": [], "loading": [], "later": []}
    for url, (name, ts) in ready.items():
        if not (name.startswith("MathJax") or "MathJax" in url[:200]):
            continue
        start = begun.get(url, ts)
        if ts <= paint_ts:
            out["loaded"].append(name)
        elif start <= paint_ts:
            out["loading"].append(name)
        else:
            out["later"].append(name)
    for url, start in begun.items():
        if url not in ready and "MathJax" in url[:200] and start <= paint_ts:
            out["loading"].append(url.rsplit("/", 1)[-1])
    return {k: sorted(v) for k, v in out.items()}


def is_blank(img: np.ndarray) -> bool:
    flat = img.reshape(-1, 3)
    return bool((np.abs(flat - flat[0]).max(axis=1) <= BLANK_SPREAD).all())


def _window(box, width, height):
    x, y, w, h = box[:4]
    return (
        max(math.floor(x) - 1, 0),
        max(math.floor(y) - 1, 0),
        min(math.ceil(x + w) + 1, width),
        min(math.ceil(y + h) + 1, height),
    )


def _visible(box, width, height):
    x, y, w, h = box[:4]
    return w > 0 and h > 0 and x < width and y < height and x + w > 0 and y + h > 0


def ink(crop: np.ndarray) -> np.ndarray:
    """Each pixel's colour distance from the crop's background (median of its border), over the largest (0–1)."""
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    background = np.median(border, axis=0)
    distance = np.sqrt(((crop - background) ** 2).sum(axis=2))
    top = distance.max()
    return distance / top if top > BLANK_SPREAD else np.zeros_like(distance)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Normalized cross-correlation of two equal-shape maps (1: the same up to brightness and contrast)."""
    a, b = a - a.mean(), b - b.mean()
    norm = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    if norm == 0:
        return 1.0 if not a.any() and not b.any() else 0.0
    return float((a * b).sum()) / norm


def glyph_difference(frame, box, final, final_box) -> float:
    """1 − the correlation of the ink maps of a formula in ``frame`` at ``box`` and in ``final`` at
    ``final_box`` (0: the same glyphs; a formula drawn with no ink at all: 1)."""
    height, width = final.shape[:2]
    if abs(box[2] - final_box[2]) > 0.5 or abs(box[3] - final_box[3]) > 0.5:
        return 1.0  # resized: other font metrics
    x0, y0, x1, y1 = _window(final_box, width, height)
    best = 1.0
    dxs = {math.floor(box[0] - final_box[0]), math.ceil(box[0] - final_box[0])}
    dys = {math.floor(box[1] - final_box[1]), math.ceil(box[1] - final_box[1])}
    for dx in dxs:
        for dy in dys:
            # the window in both images, clipped to both
            a0, b0 = max(x0, -dx, 0), max(y0, -dy, 0)
            a1, b1 = min(x1, width - dx), min(y1, height - dy)
            if a1 - a0 < 2 or b1 - b0 < 2:
                continue
            here = ink(frame[b0 + dy : b1 + dy, a0 + dx : a1 + dx])
            there = ink(final[b0:b1, a0:a1])
            best = min(best, 1.0 - correlation(here, there))
    return max(best, 0.0)


def pixel_final(frame, final, boxes, indices) -> bool:
    height, width = final.shape[:2]
    for i in indices:
        x0, y0, x1, y1 = _window(boxes[i], width, height)
        if not np.array_equal(frame[y0:y1, x0:x1], final[y0:y1, x0:x1]):
            return False
    return True


def context_painted(frame, box) -> bool:
    """Whether the formula's context (the words of its line, or what comes before a displayed formula)
    has anything painted in ``frame`` outside the formula's own box; True when it is out of view."""
    height, width = frame.shape[:2]
    context = box[5:9]
    if len(context) < 4 or not _visible(context, width, height):
        return True
    x0, y0, x1, y1 = _window(context, width, height)
    crop = frame[y0:y1, x0:x1].astype(float)
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    distance = np.sqrt(((crop - np.median(border, axis=0)) ** 2).sum(axis=2))
    fx0, fy0, fx1, fy1 = _window(box, width, height)
    distance[max(fy0 - y0, 0) : max(fy1 - y0, 0), max(fx0 - x0, 0) : max(fx1 - x0, 0)] = 0
    return bool((distance > INK).any())


def line_goes_on(frame, box) -> bool:
    """Whether anything is painted after the formula on its line (to the right of its box, within its
    context): a page painted while its HTML was still arriving can stop in the middle of a paragraph."""
    height, width = frame.shape[:2]
    x0 = math.ceil(box[0] + box[2]) + 2
    x1 = min(math.floor(box[5] + box[7]), width) if len(box) > 8 else width
    y0, y1 = max(math.floor(box[1]), 0), min(math.ceil(box[1] + box[3]), height)
    if x1 - x0 < 4 or y1 <= y0:
        return False
    crop = frame[y0:y1, x0:x1].astype(float)
    border = np.concatenate([crop[0], crop[-1]])
    distance = np.sqrt(((crop - np.median(border, axis=0)) ** 2).sum(axis=2))
    return bool((distance > INK).any())


def formula_states(frame, final, layouts, final_boxes, indices) -> dict:
    """Each formula of ``indices`` in ``frame`` under the candidate ``layouts`` (the boxes recorded at the
    last animation frames before it was drawn: a frame can show the page as it was one animation frame
    earlier), as ``{i: (state, glyph difference, distance moved)}``: "final" if under some candidate it
    shows its final glyphs; "wrong" if under some candidate it is in the page, its context is painted,
    and its glyphs are not the final ones (untypeset TeX, invisible text, other glyphs or size); else
    "unpainted" (not parsed yet, or its whole context still blank). A formula that an earlier candidate
    does not have yet, with nothing painted after it on its line, is "unpainted" too: the frame may show
    the page before the parser reached it."""
    height, width = final.shape[:2]
    states = {}
    for i in indices:
        state = ("unpainted", None, None)
        maybe_not_parsed = any(i >= len(boxes) for boxes in layouts)
        for boxes in layouts:
            if i >= len(boxes):
                continue
            box = boxes[i]
            if not _visible(box, width, height) or not context_painted(frame, box):
                continue
            d = glyph_difference(frame, box, final, final_boxes[i]) if box[4] else 1.0
            if d <= GLYPH_TOLERANCE:
                state = ("final", d, math.hypot(box[0] - final_boxes[i][0], box[1] - final_boxes[i][1]))
                break
            if maybe_not_parsed and not line_goes_on(frame, box):
                continue
            if state[0] == "unpainted" or d < state[1]:
                state = ("wrong", d, None)
        states[i] = state
    return states


def analyze(rec: dict, decode=decode_png) -> dict:
    """The first painted frame against the final one (see the module's docstring); times in seconds."""
    events = rec["events"]
    nav, fcp_ts = _navigation(events, rec["url"])
    if fcp_ts is None:
        return {"valid": False, "why": "no first contentful paint in the trace"}
    nav_ts = nav["ts"]
    width, height = rec["viewport"]
    frames = sorted((ts, data) for ts, data in rec["frames"] if ts >= nav_ts)
    images = {}

    def image(k):
        if k not in images:
            images[k] = decode(frames[k][1])
        return images[k]

    # The first painted frame: the first frame after navigation start with anything on it, drawn within
    # FIRST_FRAME_WINDOW of FCP (FCP is its presentation time; the screencast stamps a frame a few
    # milliseconds before or after that). Nothing there: the screencast missed it, the load does not count.
    near = [k for k, (ts, _) in enumerate(frames) if abs(ts - fcp_ts) <= FIRST_FRAME_WINDOW_US]
    first = next((k for k in range(len(frames)) if not is_blank(image(k))), None)
    if first is None or first not in near:
        return {"valid": False, "why": "the frame presented at FCP was not captured"}
    final = image(len(frames) - 1)
    if final.shape[:2] != (height, width) or rec["scroll"] != [0, 0]:
        return {"valid": False, "why": f"final frame {final.shape[:2]} is not the viewport {height}x{width} at the top"}
    final_boxes = rec["boxes"]
    indices = [i for i, b in enumerate(final_boxes) if b[4] and _visible(b, width, height)]
    paint_ts = _first_paint_ts(events, nav["args"].get("frame"), nav_ts)
    fonts = math_fonts_at(events, paint_ts if paint_ts is not None else fcp_ts)
    shifts = [e for e in events if e["name"] == "LayoutShift" and e["ts"] > fcp_ts]
    out = {
        "valid": True,
        "fcp_s": (fcp_ts - nav_ts) / 1e6,
        "formulas_in_first_viewport": len(indices),
        "frames_after_fcp": len(frames) - first,
        # MathJax fonts the page loaded that were not ready when the first frame was painted
        # (still loading, or asked for only by a later layout)
        "math_fonts_not_ready_at_first_paint": sorted(fonts["loading"] + fonts["later"]),
        "math_fonts_ready_at_first_paint": fonts["loaded"],
        "layout_shifts_after_fcp": len(shifts),
    }
    if not indices:
        out.update(pixel_final_at_fcp=None, glyphs_final_when_first_painted=None, math_final_after_fcp_s=None)
        return out
    records = [(nav_ts + t * 1e3, boxes) for t, boxes in rec["records"]]
    pixel, complete = [], []
    first_painted = {}  # formula -> (frame, state, glyph difference, moved) in the first frame that painted it
    for k in range(first, len(frames)):
        layouts = [boxes for t, boxes in records if t <= frames[k][0]][-3:]
        pixel.append(pixel_final(image(k), final, final_boxes, indices))
        states = formula_states(image(k), final, layouts, final_boxes, indices)
        complete.append(all(state == "final" for state, _, _ in states.values()))
        for i, state in states.items():
            if state[0] != "unpainted":
                first_painted.setdefault(i, (k, *state))
        if k == first:
            painted_at_fcp = sum(state != "unpainted" for state, _, _ in states.values())

    def settled(flags):
        """Index of the first frame from which every later one is final (None: not even the last)."""
        k = len(flags)
        while k > 0 and flags[k - 1]:
            k -= 1
        return k if k < len(flags) else None

    def after_fcp(k):
        return None if k is None else 0.0 if k == 0 else max(frames[first + k][0] - fcp_ts, 0) / 1e6

    wrong = [i for i, (_, state, _, _) in first_painted.items() if state != "final"]
    never = len(indices) - len(first_painted)
    out.update(
        formulas_painted_at_fcp=painted_at_fcp,
        # each formula judged in the first frame that painted it (its context painted)
        formulas_not_final_when_first_painted=len(wrong) + never,
        glyphs_final_when_first_painted=not wrong and not never,
        glyph_difference_when_first_painted=(
            round(max(d for _, _, d, _ in first_painted.values()), 3) if first_painted else None
        ),
        math_moved_after_first_painted_px=round(
            max((m for _, state, _, m in first_painted.values() if state == "final"), default=0.0), 2
        ),
        pixel_final_at_fcp=pixel[0],
        math_final_after_fcp_s=after_fcp(settled(pixel)),
        glyphs_final_after_fcp_s=after_fcp(settled(complete)),
    )
    return out

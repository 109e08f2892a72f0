"""The figures' PNG files, quantized at build time (issue #15).

matplotlib writes the chapters' figures as 24-bit RGBA PNGs (about 50 KB
each); a figure draws a few colours and their anti-aliased edges, which a
palette of 256 colours holds without a visible difference. After the HTML
build, every PNG in ``_images/`` is quantized with libimagequant (the library
behind ``pngquant``; the ``imagequant`` package on PyPI, pinned in
requirements.txt) with Floyd-Steinberg dithering, and written back as an
8-bit palette PNG when that is smaller: a chapter's figures shrink to about a
third. Width, height and alt text do not change.

Each result is kept in ``<build>/.lossbook_figures/`` under the SHA-256 of
the original, so a rebuild quantizes only new figures, and a file that is
already a result (same hash as one written before) is left as it is.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import parallel_execution  # site/parallel_execution.py: how many cores the build uses
from sphinx.util import logging

logger = logging.getLogger(__name__)

IMAGES = "_images"
CACHE = ".lossbook_figures"
MAX_COLORS = 256


def quantize(data: bytes) -> bytes:
    """The PNG ``data`` as an 8-bit palette PNG (libimagequant), or ``data`` itself if that is not smaller."""
    import imagequant
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        if im.format != "PNG" or im.mode == "P":
            return data
        rgba = im.convert("RGBA")
        dpi = im.info.get("dpi")
    # The raw-bytes entry point (its PIL helper reads pixels one by one in Python).
    indices, palette = imagequant.quantize_raw_rgba_bytes(
        rgba.tobytes(), rgba.width, rgba.height, dithering_level=1.0, max_colors=MAX_COLORS
    )
    out = Image.frombytes("P", rgba.size, indices, decoder_name="raw")
    out.putpalette(palette, rawmode="RGBA")
    buffer = io.BytesIO()
    out.save(buffer, "PNG", optimize=True, **({"dpi": dpi} if dpi else {}))
    small = buffer.getvalue()
    return small if len(small) < len(data) else data


def quantize_figures(app, exception) -> None:
    """``build-finished``: quantize the PNGs in ``_images/`` (cached by content hash)."""
    if exception is not None or app.builder.format != "html":
        return
    images = Path(app.outdir) / IMAGES
    if not images.is_dir():
        return
    cache = Path(app.outdir).parent / CACHE
    cache.mkdir(exist_ok=True)
    before = after = done = 0
    new = []  # (png, its bytes, their digest): not quantized by an earlier build
    for png in sorted(images.glob("*.png")):
        data = png.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if (cache / f"{digest}.out").exists():  # already a result of this step
            continue
        new.append((png, data, digest))
    fresh = {digest: data for _, data, digest in new if not (cache / f"{digest}.png").exists()}
    quantized = dict(zip(fresh, parallel_execution.map_on_cores(quantize, fresh.values())))
    for png, data, digest in new:
        cached = cache / f"{digest}.png"
        if digest in quantized:
            small = quantized[digest]
            cached.write_bytes(small)
            (cache / f"{hashlib.sha256(small).hexdigest()}.out").touch()
            done += 1
        else:
            small = cached.read_bytes()
        before += len(data)
        after += len(small)
        if small != data:
            png.write_bytes(small)
    if before:
        logger.info(
            f"lossbook_site: figures quantized to {MAX_COLORS} colours: {before / 1e3:.0f} KB -> "
            f"{after / 1e3:.0f} KB ({done} new, the others from {cache})"
        )

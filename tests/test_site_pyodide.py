"""Browser tests of "Run in your browser" (issue #16): Pyodide on the built site.

Serves the built site on 127.0.0.1 (the fixtures of ``tests/test_site.py``)
and, in headless Chromium with every other host blocked:

* checks that every vendored wheel matches the sha256 of the official
  ``pyodide-lock.json`` of the npm ``pyodide`` that package-lock.json pins;
* checks that a chapter's first load fetches nothing of Pyodide, CodeMirror
  or the runner (they come only after the click);
* for every chapter: clicks "Run in your browser", waits for Python, runs
  every runnable cell in order and compares its text output (stdout and the
  last expression's repr) with the output the book was built with, apart
  from the differences listed in ``KNOWN_DIFFERENCES`` (with the reason);
  a cell that draws a figure in the book draws one in the browser; cells
  that need TensorFlow are not run and keep their built output;
* edits a cell (changes a number) and checks the new output against lossbook;
* runs ``while True: pass``, stops it, and checks that Python restarts and
  runs the next cell;
* checks that no request leaves the site.

Build the book first (``site/build.sh``), then::

    python -m pytest tests/test_site_pyodide.py -m site
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from headless import keep_on_site  # site/headless.py (pytest's pythonpath)
from test_site import HTML, ROOT  # site_url and browser: fixtures of tests/conftest.py

pytestmark = pytest.mark.site

CHAPTERS = sorted(f"chapters/{p.stem}.html" for p in (ROOT / "chapters").glob("*.ipynb"))
READY_TIMEOUT_MS = 180_000
CELL_TIMEOUT_MS = 120_000

# How outputs are compared. The book is built with NumPy/SciPy from
# requirements.txt on x86-64; the browser runs Pyodide 0.27.7 (NumPy 2.0.2,
# SciPy 1.14.1, matplotlib 3.8.4) on 32-bit WebAssembly. So:
# * whitespace is compared loosely (runs of spaces/newlines are one space): a
#   print that the kernel flushed in two chunks is two <pre> in the built page;
# * numbers are compared with a relative tolerance of 1e-12: float64 results
#   differ in the last digit or two, because NumPy's summation order (SIMD
#   on x86-64, none in WebAssembly) and the math library (glibc vs musl/
#   Emscripten) differ. Everything else (words, labels, integers' digits up to
#   that tolerance, array shapes) must be the same.
RTOL = 1e-12
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b")

# Cells whose outputs differ more than that, with the reason:
# {(chapter, index of the code cell in the chapter): {"drop": regex of built
# lines that the browser cannot print, "atol": absolute tolerance, "reason"}}.
NO_FP_WARNINGS = {
    "drop": r"^\s*RuntimeWarning: (divide by zero|invalid value|overflow)",
    "reason": "WebAssembly has no floating-point exception flags, so NumPy in Pyodide "
    "cannot detect a division by zero or an invalid operation and does not warn: "
    "the values (inf, nan) are the same, the RuntimeWarning lines are missing.",
}
KNOWN_DIFFERENCES: dict[tuple[str, int], dict] = {
    ("chapters/03_cross_entropy.html", 2): {
        "atol": 1e-15,
        "reason": "the 'difference' column prints the rounding error of H(p)+KL - H(p,q): "
        "2.2e-16 in the build, 0 in the browser (another summation order).",
    },
    ("chapters/09_representations_and_sequences.html", 19): {
        "atol": 1e-6,
        "reason": "InfoNCE of a float32 similarity matrix, computed in float32: 0.07917109 in the build, "
        "0.07917113 in the browser, 5e-7 apart (half a dozen float32 ulps), from the summation order of "
        "the log-sum-exp (SIMD on x86-64, none in WebAssembly).",
    },
    ("chapters/04_mse_and_relatives.html", 15): {
        "atol": 1e-10,
        "reason": "prints the rounding error of a central difference (about 2e-11 in both: "
        "2.35e-11 in the build, 2.63e-11 in the browser): its digits depend on the "
        "math library's log/cosh; the check is that it stays below 1e-10.",
    },
}


def _same_output(got: str, want: str, *, atol: float = 0.0) -> bool:
    def parts(text):
        words = " ".join(NUMBER.sub(" <n> ", text).split())
        return words, NUMBER.findall(text)

    got_words, got_numbers = parts(got)
    want_words, want_numbers = parts(want)
    if got_words != want_words or len(got_numbers) != len(want_numbers):
        return False
    for g, w in zip(got_numbers, want_numbers):
        g, w = float(g), float(w)
        if np.isnan(w) and np.isnan(g):
            continue
        if not np.isclose(g, w, rtol=RTOL, atol=atol):
            return False
    return True


READ_BUILT = """() => [...document.querySelectorAll('div.cell')].filter(c => c.querySelector('.cell_input pre')).map(c => {
  const out = c.querySelector('.cell_output');
  return {
    kind: c.dataset.lossbookRun || null,
    text: out ? [...out.querySelectorAll('pre')].map(p => p.textContent).join('') : '',
    figures: out ? out.querySelectorAll('img:not(.lossbook-twin-frame)').length : 0,
  };
})"""

RUN_CELL = """async ([index, code]) => {
  const cells = window.LossbookPyodideRunner.cells;
  const cell = cells[index];
  if (code !== null) cell.editor.setValue(code);
  delete cell.cellEl.dataset.lossbookRunState;
  cell.runBtn.click();
  return null;
}"""

READ_RESULT = """index => {
  const cell = window.LossbookPyodideRunner.cells[index];
  const out = cell.out;
  return {
    state: cell.cellEl.dataset.lossbookRunState,
    text: [...out.querySelectorAll('pre.lossbook-run-stdout, pre.lossbook-run-text')].map(p => p.textContent).join(''),
    stderr: [...out.querySelectorAll('pre.lossbook-run-stderr')].map(p => p.textContent).join(''),
    error: (out.querySelector('pre.lossbook-run-error') || {}).textContent || null,
    images: [...out.querySelectorAll('img.lossbook-run-image')].filter(i => i.complete && i.naturalWidth > 0).length,
    source: cell.editor.getValue(),
  };
}"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _normalize(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


@pytest.fixture(scope="module")
def site(site_url, browser):
    """A browser context where only the local server answers; foreign requests recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    foreign = keep_on_site(context, site_url)
    yield {"url": site_url, "context": context, "foreign": foreign, "timings": {}}
    context.close()
    assert not foreign, f"requests to other hosts: {foreign}"


def _open_and_start(site, chapter: str):
    page = site["context"].new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(site["url"] + chapter, wait_until="load")
    start = time.perf_counter()
    page.get_by_role("button", name="Run in your browser").click()
    page.wait_for_selector(
        ".lossbook-run-bar[data-state=ready], .lossbook-run-bar[data-state=failed]", timeout=READY_TIMEOUT_MS
    )
    state = page.get_attribute(".lossbook-run-bar", "data-state")
    status = page.text_content(".lossbook-run-status")
    assert state == "ready", f"{chapter}: Python did not start: {status}"
    site["timings"][chapter] = time.perf_counter() - start
    return page, problems


def _run(page, index: int, code: str | None = None, timeout_ms: int = CELL_TIMEOUT_MS) -> dict:
    page.evaluate(RUN_CELL, [index, code])
    page.wait_for_function(
        "i => ['done', 'error', 'stopped'].includes(window.LossbookPyodideRunner.cells[i].cellEl.dataset.lossbookRunState)",
        arg=index,
        timeout=timeout_ms,
    )
    return page.evaluate(READ_RESULT, index)


def test_vendored_wheels_match_the_official_lock():
    official = json.loads((ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    by_file = {p["file_name"]: p["sha256"] for p in official["packages"].values()}
    vendored = HTML / "pyodide"
    manifest = json.loads((vendored / "manifest.json").read_text())
    assert manifest["pyodide"] == official["info"]["version"]
    wheels = [
        p
        for p in vendored.iterdir()
        if p.suffix in (".whl", ".zip") and p.name != "python_stdlib.zip" and p.name != manifest["lossbook_wheel"]
    ]
    assert {"numpy", "scipy", "matplotlib"} <= set(manifest["vendored_packages"])
    assert len(wheels) == len(manifest["vendored_packages"])
    for wheel in wheels:
        assert wheel.name in by_file, f"{wheel.name} is not in the official lock"
        assert _sha256(wheel) == by_file[wheel.name], f"{wheel.name}: sha256 differs from the official lock"
    for core in ("pyodide.asm.wasm", "pyodide.asm.js", "python_stdlib.zip", "pyodide.js"):
        assert _sha256(vendored / core) == _sha256(ROOT / "node_modules" / "pyodide" / core)
    assert sum(manifest["files"].values()) == manifest["total_bytes"]


def test_vendored_lossbook_is_this_checkout():
    """The browser runs the lossbook of this checkout, not a stale wheel."""
    import zipfile

    manifest = json.loads((HTML / "pyodide" / "manifest.json").read_text())
    with zipfile.ZipFile(HTML / "pyodide" / manifest["lossbook_wheel"]) as wheel:
        packaged = {n: wheel.read(n) for n in wheel.namelist() if n.startswith("lossbook/") and n.endswith(".py")}
    checkout = {p.relative_to(ROOT).as_posix(): p.read_bytes() for p in (ROOT / "lossbook").rglob("*.py")}
    # Every module the chapters can import (pyproject.toml's packaging leaves
    # the coursework CLI out of the wheel; it is not for the browser anyway).
    top_level = {n for n in checkout if n.count("/") == 1}
    assert top_level <= set(packaged), sorted(top_level - set(packaged))
    assert set(packaged) <= set(checkout), sorted(set(packaged) - set(checkout))
    stale = [n for n in packaged if packaged[n] != checkout[n]]
    assert not stale, f"the site's lossbook wheel is stale (rerun site/vendor_pyodide.py): {stale}"


def test_first_load_fetches_nothing_of_pyodide(site):
    page = site["context"].new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(site["url"] + "chapters/02_entropy.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    button = page.get_by_role("button", name="Run in your browser")
    assert button.count() == 1
    late = [
        u for u in urls if re.search(r"/pyodide/|/codemirror/|lossbook-pyodide-(runner|worker|cells)|\.whl$|\.wasm$", u)
    ]
    assert not late, f"fetched before the click: {late}"
    assert any(u.endswith("lossbook-pyodide-launch.js") or "lossbook-pyodide-launch.js?" in u for u in urls)
    page.close()


def test_the_button_moves_nothing_below_the_title(site, browser):
    """The bar is in the page as built, so the launcher's button is no layout shift (issue #15)."""
    where = "() => { const p = document.querySelector('article section p'); return p.getBoundingClientRect().top; }"
    tops = {}
    for javascript in (False, True):
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(site["url"] + "chapters/02_entropy.html", wait_until="load")
        if javascript:
            page.get_by_role("button", name="Run in your browser").wait_for()
            assert page.locator(".lossbook-run-bar").count() == 1  # filled, not a second bar
        else:
            assert page.locator("[data-lossbook-run-bar]").count() == 1
        tops[javascript] = page.evaluate(where)
        context.close()
    assert abs(tops[True] - tops[False]) < 1.0, tops  # without the reserved room: 36 px lower with JavaScript


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_the_browser(site, chapter):
    page, problems = _open_and_start(site, chapter)
    built = page.evaluate(READ_BUILT)
    runnable = [i for i, c in enumerate(built) if c["kind"] == "run"]
    runner_index = {cell: n for n, cell in enumerate(runnable)}
    assert runnable, f"{chapter}: no runnable cell"
    assert all(c["kind"] in ("run", "framework", "explorer") for c in built)
    differences = []
    start = time.perf_counter()
    for i in runnable:
        got = _run(page, runner_index[i])
        want = built[i]
        key = (chapter, i)
        if got["state"] != "done":
            differences.append(f"cell {i}: {got['error'] or got['state']}")
            continue
        known = KNOWN_DIFFERENCES.get(key, {})
        # A fact of the platform, for every cell: no floating-point warnings in the browser.
        fp_warning = re.compile(NO_FP_WARNINGS["drop"])
        expected = "\n".join(line for line in want["text"].splitlines() if not fp_warning.search(line))
        if not _same_output(got["text"], expected, atol=known.get("atol", 0.0)):
            differences.append(f"cell {i}: output differs\n--- built\n{expected}\n--- browser\n{got['text']}")
        if want["figures"] and not got["images"]:
            differences.append(f"cell {i}: the book shows a figure, the browser drew none")
    site["timings"][chapter + " (run)"] = time.perf_counter() - start
    print(
        f"{chapter}: ready in {site['timings'][chapter]:.1f} s, "
        f"{len(runnable)} cells run in {site['timings'][chapter + ' (run)']:.1f} s; "
        f"{sum(c['kind'] == 'framework' for c in built)} need TensorFlow, "
        f"{sum(c['kind'] == 'explorer' for c in built)} explorers"
    )
    # Framework cells keep their built output and point to Binder/Colab.
    notes = page.locator("div.cell[data-lossbook-run=framework] .lossbook-run-note")
    assert notes.count() == sum(c["kind"] == "framework" for c in built)
    page.close()
    assert not problems, problems
    assert not differences, f"{chapter}:\n" + "\n\n".join(differences)


def test_edit_a_cell_then_stop_an_endless_one(site):
    import lossbook as lb

    chapter = "chapters/02_entropy.html"
    page, problems = _open_and_start(site, chapter)
    sources = page.evaluate("() => window.LossbookPyodideRunner.cells.map(c => c.editor.getValue())")
    first = next(i for i, s in enumerate(sources) if s.startswith("import"))
    target = next(
        i for i, s in enumerate(sources) if s.startswith("p_very_peaked = np.array([0.01, 0.01, 0.01, 0.97])")
    )
    assert _run(page, first)["state"] == "done"
    edited = sources[target].replace("[0.01, 0.01, 0.01, 0.97]", "[0.02, 0.02, 0.02, 0.94]")
    got = _run(page, target, edited)
    expected = f"H(p_very_peaked) = {lb.entropy(np.array([0.02, 0.02, 0.02, 0.94]), base=2):.4f} bits"
    assert _normalize(got["text"]) == expected
    assert expected != "H(p_very_peaked) = 0.2419 bits"

    # An error shows its traceback in the output area.
    got = _run(page, target, "def f(x):\n    return 1 / x\n\nf(0)")
    assert got["state"] == "error"
    assert "Traceback (most recent call last)" in got["error"]
    assert "ZeroDivisionError: division by zero" in got["error"]
    assert 'File "<cell>", line 2, in f' in got["error"]

    # Stop a cell that never ends: Python restarts and runs the next cell.
    page.evaluate(RUN_CELL, [target, "while True:\n    pass"])
    page.wait_for_function(
        "i => window.LossbookPyodideRunner.cells[i].cellEl.dataset.lossbookRunState === 'running'", arg=target
    )
    time.sleep(1.0)
    assert (
        page.evaluate("i => window.LossbookPyodideRunner.cells[i].cellEl.dataset.lossbookRunState", target) == "running"
    )
    page.get_by_role("button", name="Stop").click()
    assert (
        page.evaluate("i => window.LossbookPyodideRunner.cells[i].cellEl.dataset.lossbookRunState", target) == "stopped"
    )
    page.wait_for_function(
        "() => document.querySelector('.lossbook-run-bar').dataset.state === 'ready' && "
        "!document.querySelector('.lossbook-run-all').disabled",
        timeout=READY_TIMEOUT_MS,
    )
    got = _run(page, target, "print(6 * 7)")
    assert got["state"] == "done" and _normalize(got["text"]) == "42"
    # The restarted Python is fresh: earlier variables are gone.
    got = _run(page, target, "p_very_peaked")
    assert got["state"] == "error" and "NameError" in got["error"]
    page.close()
    assert not problems, problems

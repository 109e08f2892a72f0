"""The site's build machinery on a tiny book (issue #15): notebooks executed in
parallel while Sphinx reads the other pages, failing exactly as before, kernels
over IPC, math typeset at build time, the serial baseline.

Each test builds a two-notebook book with the project's local Sphinx extension
(``site/lossbook_site.py``) in a temporary directory, so it needs Node.js and
``npm ci`` (MathJax) like the book itself: marked ``site``, run by ``.ci/run``
after the site tools are installed (``pytest tests/test_site_build.py -m site``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def _notebook(path: Path, title: str, code: str, tags=()):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code)
    if tags:
        cell.metadata["tags"] = list(tags)
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nInline $\\alpha^2$ and\n\n$$\\sum_i x_i$$"), cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _book(directory: Path, second_cell: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "_config.yml").write_text(
        "title: tiny\nonly_build_toc_files: true\n"
        "execute:\n  execute_notebooks: cache\n  timeout: 120\n  allow_errors: false\n"
        "sphinx:\n  local_extensions:\n    lossbook_site: " + str(ROOT / "site") + "\n"
        "  config:\n    nb_execution_raise_on_error: true\n    html_extra_path: ["
        + str(ROOT / "site" / "_vendor")
        + "]\n"
    )
    (directory / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: a\n  - file: b\n")
    (directory / "intro.md").write_text("# Tiny\n\nA page with $x$.\n")
    _notebook(directory / "a.ipynb", "A", "print(6 * 7)")
    _notebook(directory / "b.ipynb", "B", second_cell)
    return directory


def _build(book: Path, **extra_env):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.setdefault("LOSSBOOK_BUILD_WORKERS", "2")  # the tests show both ways whatever the machine has
    env.update(extra_env)
    proc = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_notebooks_run_in_parallel_over_ipc_and_math_is_typeset(tmp_path):
    book = _book(tmp_path / "book", "import math\nprint(math.pi)")
    rc, log = _build(book)
    assert rc == 0, log[-3000:]
    assert "executing 2 notebook(s), 2 at a time, while Sphinx reads the other pages" in log, log
    assert log.count("Executed notebook in") == 2 and log.count("(parallel)") == 2, log
    assert log.count("Using cached notebook") == 2, log  # MyST-NB found both in the cache
    assert "without encryption" not in log, "a kernel ran over TCP"
    assert "Parent appears to have exited" not in log, "a kernel was left running"
    html = book / "_build" / "html"
    page = (html / "a.html").read_text()
    assert "42" in page  # the executed output
    assert "tex-chtml.js" not in page and "window.MathJax" not in page
    assert page.count("<mjx-container") == 2 and "<mjx-assistive-mml" in page
    assert json.loads((book / "_build" / "math-html.json").read_text())["a.html"] == 2
    # SVG: the glyphs are paths, so a formula needs no font and is final at the first paint
    # (benchmarks/first_frame.py): no MathJax @font-face, no font preloaded, no CommonHTML.
    assert len(re.findall(r'<mjx-container [^>]*jax="SVG"', page)) == 2
    assert "MJX-CHTML-styles" not in page and "@font-face" not in page
    assert 'as="font"' not in page and "MathJax_" not in page
    # The page's glyphs are defined once, at the start of <body>, before any formula uses them: Chromium
    # paints before it has parsed the whole page, and a <use> of a path not yet parsed draws nothing.
    body = page[page.index("<body") :]
    cache = body.index('id="MJX-SVG-global-cache"')
    assert cache < body.index("<mjx-container") and body[:cache].count("<") == 2  # <body ...><svg ... id=...
    defined = set(re.findall(r'<path id="([^"]+)"', page))
    used = set(re.findall(r'<use [^>]*xlink:href="#([^"]+)"', page))
    assert used and used <= defined, used - defined


def test_one_worker_builds_one_step_at_a_time_with_the_same_pages(tmp_path):
    """LOSSBOOK_BUILD_WORKERS=1, benchmarks/build.py's serial baseline: no process beside Sphinx, same site."""
    book = _book(tmp_path / "book", "import math\nprint(math.pi)")
    rc, log = _build(book, LOSSBOOK_BUILD_WORKERS="1")
    assert rc == 0, log[-3000:]
    assert "executing 2 notebook(s), one at a time" in log and "while Sphinx" not in log, log
    assert log.count("Using cached notebook") == 2, log
    page = (book / "_build" / "html" / "a.html").read_text()
    assert "42" in page and len(re.findall(r'<mjx-container [^>]*jax="SVG"', page)) == 2


def test_the_build_workers_setting_is_checked(monkeypatch):
    import parallel_execution

    monkeypatch.setenv("LOSSBOOK_BUILD_WORKERS", "3")
    assert parallel_execution.workers() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("LOSSBOOK_BUILD_WORKERS", bad)
        with pytest.raises(ValueError, match=f"LOSSBOOK_BUILD_WORKERS must be a positive integer; received '{bad}'"):
            parallel_execution.workers()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_map_on_cores_keeps_the_order_and_uses_the_processes(monkeypatch, workers):
    import parallel_execution

    monkeypatch.setenv("LOSSBOOK_BUILD_WORKERS", workers)
    results = parallel_execution.map_on_cores(_square_and_pid, range(8))
    assert [square for square, _ in results] == [i * i for i in range(8)]
    pids = {pid for _, pid in results}
    if workers == "1":
        assert pids == {os.getpid()}  # in Sphinx's own process
    else:
        assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_pybtex_plaintext_is_found_without_reading_entry_points(monkeypatch):
    """sphinxcontrib-bibtex looks the backend up per citation; after setup it is a dict lookup."""
    import lossbook_site
    import pybtex.plugin

    found = pybtex.plugin.find_plugin("pybtex.backends", "plaintext")
    lossbook_site._find_pybtex_plaintext_once()

    def no_scan(**kwargs):
        raise AssertionError(f"pybtex read the entry points again: {kwargs}")

    monkeypatch.setattr(pybtex.plugin, "entry_points", no_scan)
    assert pybtex.plugin.find_plugin("pybtex.backends", "plaintext") is found
    with pytest.raises(AssertionError, match="entry points again"):  # the check can fail: other lookups still scan
        pybtex.plugin.find_plugin("pybtex.backends", "html")


def test_pyodide_files_are_vendored_before_sphinx_checks_html_extra_path():
    """Sphinx drops a missing html_extra_path entry at config-inited (priority 800): site/_vendor must exist
    by then, or a fresh clone's site lacks Pyodide and its next build rewrites every page (19 s, not 6 s)."""
    import lossbook_pyodide

    connected = []

    class App:
        def connect(self, event, handler, priority=500):
            connected.append((event, handler, priority))

        def add_js_file(self, *args, **kwargs):
            pass

    lossbook_pyodide.setup(App())
    vendoring = [
        p for event, handler, p in connected if event == "config-inited" and handler is lossbook_pyodide._vendor
    ]
    assert vendoring and vendoring[0] < 800, connected


def _square_and_pid(i):
    return i * i, os.getpid()


def test_an_error_in_a_cell_fails_the_build_as_before(tmp_path):
    book = _book(tmp_path / "book", "raise ValueError('on purpose')")
    rc, log = _build(book)
    assert rc != 0, "the build passed over a cell that raised"
    # The parallel run leaves the failing notebook to MyST-NB, which reports it as it always has.
    assert "failed in the parallel run (CellExecutionError)" in log, log[-3000:]
    assert "Executing notebook failed: CellExecutionError" in log, log[-3000:]
    assert "b.ipynb" in log


def test_an_expected_error_tagged_raises_exception_passes(tmp_path):
    book = _book(tmp_path / "book", "raise ValueError('shown on purpose')")
    nb = nbformat.read(book / "b.ipynb", as_version=4)
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    nbformat.write(nb, book / "b.ipynb")
    rc, log = _build(book)
    assert rc == 0, log[-3000:]
    assert log.count("(parallel)") == 2, log


# --- the explorers' front end, figures and stylesheets (issue #15) --------------

sys.path.insert(0, str(ROOT / "site"))


def test_every_view_in_VIEWS_gets_its_own_module_with_only_its_code(tmp_path):
    import minify

    from lossbook import explorers

    source = (explorers.STATIC / "explorers.js").read_text()
    kinds = minify.view_kinds(source)
    # The registry is read from the source: every kind the Python explorers use is there.
    for name in explorers.__all__:
        view = getattr(getattr(explorers, name), "view", None)
        if view:
            assert view in kinds, f"{name}.view={view!r} not found in VIEWS {sorted(kinds)}"
    served = minify.minify_front_end(tmp_path / "fe")
    names = {p.name for p in served}
    assert {"explorers.js", "numbers.js", "explorers.css"} <= names
    manifest = json.loads((tmp_path / "fe" / minify.MANIFEST).read_text())
    whole = (tmp_path / "fe" / "explorers.js").stat().st_size + (tmp_path / "fe" / "numbers.js").stat().st_size
    for kind in kinds:
        (entry,) = manifest["views"][kind]
        assert entry == f"view-{kind}.js" and entry in names
        text = (tmp_path / "fe" / entry).read_text()
        assert "import" not in text.split("\n", 1)[0], f"{entry} is not self-contained"
        assert len(text) < 0.75 * whole, f"{entry} ({len(text)} B) is not tree-shaken (whole front end {whole} B)"
    # Unchanged sources: nothing is written again.
    stamp = (tmp_path / "fe" / "explorers.js").stat().st_mtime_ns
    minify.minify_front_end(tmp_path / "fe")
    assert (tmp_path / "fe" / "explorers.js").stat().st_mtime_ns == stamp


def test_view_kinds_reads_a_new_line_of_VIEWS():
    import minify

    kinds = minify.view_kinds("const VIEWS = {\n  a: aView,\n  // a comment\n  focal_loss: focalView, // ch7\n};\n")
    assert kinds == {"a": "aView", "focal_loss": "focalView"}
    with pytest.raises(ValueError, match="VIEWS"):
        minify.view_kinds("const views = {};")


def test_a_figure_is_quantized_to_a_palette_and_keeps_its_size():
    import io

    import figures
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    x = np.linspace(-5, 5, 400)
    ax.plot(x, np.log1p(np.exp(-x)), label="logistic")
    ax.plot(x, np.maximum(0, 1 - x), label="hinge")
    ax.legend()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    data = buffer.getvalue()
    small = figures.quantize(data)
    assert len(small) < 0.6 * len(data), (len(small), len(data))
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(small)) as b:
        assert b.mode == "P" and b.size == a.size
        diff = np.abs(np.asarray(a.convert("RGBA"), float) - np.asarray(b.convert("RGBA"), float))
        assert diff.mean() < 2.0, f"mean colour change {diff.mean():.2f} of 255"
    assert figures.quantize(small) == small  # already a palette: left alone


def test_purgecss_keeps_the_focus_ring_and_rules_that_match_by_absence(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<html><body><p class="visually-hidden">x</p><div class="used"></div></body></html>')
    css = tmp_path / "theme.css"
    css.write_text(
        ".unused{color:red}.used{color:blue}:focus-visible{outline:2px solid}"
        ".visually-hidden:not(caption){position:absolute}.used:not(:has(table.dataframe)){margin:0}"
    )
    request = json.dumps({"content": [str(page)], "css": [str(css)]})
    proc = subprocess.run(
        ["node", str(ROOT / "site" / "purge_css.cjs")], input=request, capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    out = css.read_text()
    assert ".unused" not in out and ".used{color:blue}" in out.replace(" ", "").replace("\n", "")
    for kept in (":focus-visible", ".visually-hidden:not(caption)", ".used:not(:has(table.dataframe))"):
        assert kept in out, f"{kept} dropped: {out}"
    assert "purgecss" not in out

"""Local Sphinx extension for the lossbook site (listed in ``_config.yml``).

What it does, each for a reason given in issue #5:

* math typeset at build time as SVG (``prerender.py``, ``prerender.cjs``):
  pages load no MathJax and no math font;
* executes the notebooks Sphinx is about to read on every core, while it
  reads the other pages (``parallel_execution.py``), filling the
  jupyter-cache MyST-NB reads; the steps after the pages are written (math,
  figures) also run on every core;
* removes the duplicate inline ``const THEBE_JS_URL = ...`` script that
  sphinx-thebe adds twice (a ``SyntaxError`` on every page otherwise);
* theme template overrides (``templates/``) and small fixes of the rendered
  pages for axe-core (accessible names of the theme's buttons, bibliography
  list roles), no ``fontawesome.js`` (1.5 MB), the icon fonts cut to the
  icons the site uses (``icon_subset.py``), a default colour mode, the
  figures' PNGs quantized to 256 colours (``figures.py``), the theme's
  stylesheets cut to the rules the site uses (``purge_css.py``);
* looks pybtex's plain-text backend up once rather than once per citation
  (4 s of the build's serial write phase);
* adds ``static/lossbook-site.css`` (white backgrounds for figures in dark
  mode);
* serves the explorers' front end (``lossbook/explorers/static/``), one
  module per view (``minify.py``), and adds its host script,
  ``static/lossbook-explorers.js``, which imports the views a page shows;
* gives the numbered footnotes of numpydoc "References" sections names that
  are unique per object, so the API page, which holds many docstrings, has no
  duplicate ``[1]`` targets;
* provides the ``lossbook-api`` directive, which documents the names in
  ``lossbook.__all__``, grouped by the module they are defined in, so the API
  pages grow with the package; its ``:modules:`` option spreads the modules
  over several pages (issue #15: one page of every docstring's typeset math
  weighed 1.28 MB), and the build fails if a module is on no page or on two;
* provides the ``lossbook-keras-coverage`` directive, the API page's table of
  every Keras loss class, the lossbook function that computes it and the
  parity tests that compare them, generated from ``lossbook.frameworks``'s
  registry and the installed Keras (never written by hand).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections import defaultdict
from pathlib import Path

import figures  # site/figures.py
import icon_subset  # site/icon_subset.py
import minify  # site/minify.py
import parallel_execution  # site/parallel_execution.py
import prerender  # site/prerender.py (site/ is on sys.path as a local extension)
import purge_css  # site/purge_css.py
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


# --- theme: fewer bytes, no console error, accessible names -------------------

_FONTAWESOME_JS = re.compile(r'\s*<script[^>]*src="[^"]*/fontawesome\.js[^"]*"[^>]*></script>')


def _without_fontawesome_js(html):
    """Jinja filter used by templates/static/webpack-macros.html."""
    from markupsafe import Markup

    return Markup(_FONTAWESOME_JS.sub("", str(html)))


def _theme_setup(app: Sphinx, config) -> None:
    # The theme's templates use ours first (templates/: accessible names of the
    # search and colour-mode buttons, no fontawesome.js).
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    # The book theme's sidebar, plus a link to the whole-book PDF that
    # site/make_pdf.py writes into the site (CI builds it; see site/build.sh).
    if not config.html_sidebars:
        config.html_sidebars = {
            "**": [
                "navbar-logo.html",
                "icon-links.html",
                "search-button-field.html",
                "sbt-sidebar-nav.html",
                "lossbook-pdf.html",
            ]
        }
    # Without a default mode, pydata-sphinx-theme logs "Got invalid theme
    # mode" as a console error on a reader's first visit.
    config.html_context.setdefault("default_mode", "auto")
    # Inlined in <head> by templates/layout.html (without its comments): the "auto" mode resolved
    # before the first paint.
    from markupsafe import Markup

    script = re.sub(r"/\*.*?\*/\s*", "", (STATIC / "lossbook-theme-mode.js").read_text(), flags=re.S)
    config.html_context["lossbook_theme_mode_js"] = Markup(script.strip())


def _add_filters(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["lossbook_without_fontawesome_js"] = _without_fontawesome_js


# --- sphinx-thebe's duplicate inline script ---------------------------------


def _fix_page(app: Sphinx, pagename, templatename, context, doctree):
    _dedupe_scripts(context)
    _named_sidebar_toggles(context)
    _bibliography_roles(context)
    _explorer_fallbacks_to_files(app, pagename, context)


_NOSCRIPT_PNG = re.compile(
    r'(<noscript><figure class="lossbook-explorer-static"><img src=")data:image/png;base64,([^"]+)"'
)


def _explorer_fallbacks_to_files(app: Sphinx, pagename, context) -> None:
    """Move each explorer's no-JavaScript figure out of the page into ``_images/``.

    ``Explorer.embed_html()`` inlines it as a data URI (5-11 KB of base64 an
    explorer), so a notebook's output carries it; on the site, every reader
    downloaded those bytes although only readers without JavaScript see them.
    As a file, referenced from inside ``<noscript>`` (which a browser running
    JavaScript does not parse), only those readers fetch it (issue #10).
    """
    body = context.get("body")
    if not body or "lossbook-explorer-static" not in body:
        return
    import base64
    import hashlib

    images = Path(app.outdir) / "_images"
    depth = pagename.count("/")

    def to_file(match):
        data = base64.b64decode(match.group(2))
        name = f"lossbook-explorer-{hashlib.sha256(data).hexdigest()[:16]}.png"
        images.mkdir(parents=True, exist_ok=True)
        (images / name).write_bytes(data)
        return f'{match.group(1)}{"../" * depth}_images/{name}"'

    context["body"] = _NOSCRIPT_PNG.sub(to_file, body)


_SIDEBAR_TOGGLE = '<summary><span class="toctree-toggle" role="presentation">'


def _named_sidebar_toggles(context) -> None:
    """pydata-sphinx-theme folds a sidebar entry's sub-pages (the API reference's
    pages) under a ``<summary>`` holding only an icon; axe-core reports it as a
    summary without a name (summary-name, serious). Give it one."""
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "lossbook_named", False):
        return

    from markupsafe import Markup

    def named(*args, **kwargs):
        html = str(generate(*args, **kwargs)).replace(
            _SIDEBAR_TOGGLE,
            '<summary aria-label="Show or hide the pages of this section">'
            '<span class="toctree-toggle" role="presentation">',
        )
        return Markup(html)  # the theme's own HTML, with one attribute added

    named.lossbook_named = True
    context["generate_toctree_html"] = named


def _bibliography_roles(context) -> None:
    """docutils writes each bibliography entry as ``role="doc-biblioentry"``
    inside ``role="list"``; DPUB-ARIA 1.1 deprecates that role in favour of
    ``listitem``, and axe-core reports the list as lacking list items
    (aria-required-children, critical)."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _dedupe_scripts(context) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attrs = getattr(js, "attributes", {})
        # sphinx-thebe's inline script arrives once with filename None and
        # once with "": compare what the tag will say.
        key = (getattr(js, "filename", js) or "", tuple(sorted((k, v) for k, v in attrs.items() if k != "priority")))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    if len(unique) != len(scripts):
        context["script_files"] = unique


# --- numpydoc "References": unique footnote labels per object --------------

_FOOTNOTE_DEF = re.compile(r"^(\s*\.\.\s+)\[(\d+)\]")
_FOOTNOTE_REF = re.compile(r"\[(\d+)\]_")


def _unique_footnotes(app, what, name, obj, options, lines):
    """Turn ``[1]_`` / ``.. [1]`` into ``[#<name>-1]_`` / ``.. [#<name>-1]``.

    Auto-numbered named footnotes render as numbers, are unique within the
    page, and link each reference to its own object's list.
    """
    if not any(_FOOTNOTE_DEF.match(line) for line in lines):
        return
    prefix = re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-")
    for i, line in enumerate(lines):
        line = _FOOTNOTE_DEF.sub(lambda m: f"{m.group(1)}[#{prefix}-{m.group(2)}]", line)
        lines[i] = _FOOTNOTE_REF.sub(lambda m: f"[#{prefix}-{m.group(1)}]_", line)


# --- constants: their own ``#:`` comment, not their type's docstring --------


def _constant_docs(app, what, name, obj, options, lines):
    """A constant (``autodata``) re-exported by the package would show the
    docstring of its type ("Convert a string or number to a floating point
    number"). Use the ``#:`` comment above its assignment in the module that
    defines it instead, or nothing."""
    if what not in ("data", "attribute") or inspect.isroutine(obj) or isinstance(obj, type):
        return
    type_doc = inspect.cleandoc(type(obj).__doc__ or "")
    if inspect.cleandoc("\n".join(lines)) != type_doc and lines:
        return
    lines[:] = []
    package_name, _, attr = name.rpartition(".")
    package = sys.modules.get(package_name)
    if package is None:
        return
    from sphinx.pycode import ModuleAnalyzer, PycodeError

    try:
        analyzer = ModuleAnalyzer.for_module(_defining_module(package, attr))
        comment = analyzer.find_attr_docs().get(("", attr))
    except PycodeError:
        comment = None
    if comment:
        lines.extend(comment)


# --- the API reference, driven by lossbook.__all__ ---------------------------


def _defining_module(package, name: str) -> str:
    """The module a public name comes from: ``__module__`` for functions and
    classes; for data (constants), the first submodule that holds the same
    object, else the package itself."""
    obj = getattr(package, name)
    if isinstance(obj, type) or inspect.isroutine(obj):
        return getattr(obj, "__module__", None) or package.__name__
    prefix = package.__name__ + "."
    for modname in sorted(m for m in sys.modules if m.startswith(prefix)):
        if vars(sys.modules[modname]).get(name, _MISSING) is obj:
            return modname
    return package.__name__


_MISSING = object()


_ALL_MODULES = "(every module)"


def _api_pages(env):
    """Which pages document each module, kept in the build environment: {module: {docname}}."""
    if not hasattr(env, "lossbook_api_pages"):
        env.lossbook_api_pages = defaultdict(set)
    return env.lossbook_api_pages


def _forget_api_page(app, env, docname):
    for pages in _api_pages(env).values():
        pages.discard(docname)


def _merge_api_pages(app, env, docnames, other):
    for module, pages in _api_pages(other).items():
        _api_pages(env)[module] |= pages


def _check_api_pages(app, env):
    """Every module that defines a public name is documented on exactly one API page."""
    documented = _api_pages(env)
    every = documented.get(_ALL_MODULES, set())
    missing = sorted(m for m in every if not documented.get(m))
    twice = sorted(m for m in every if len(documented.get(m, ())) > 1)
    if missing:
        logger.warning("lossbook-api: no API page documents %s: add it to a page's :modules:", ", ".join(missing))
    if twice:
        logger.warning(
            "lossbook-api: %s documented on more than one page (%s)",
            ", ".join(twice),
            "; ".join(", ".join(sorted(documented[m])) for m in twice),
        )


class LossbookAPI(SphinxDirective):
    """Document every public name of a package, grouped by defining module.

    Usage (in MyST; the generated autodoc directives are reStructuredText)::

        ```{eval-rst}
        .. lossbook-api:: lossbook
           :modules: classification activations
        ```

    With ``:modules:`` (the short names of defining modules, separated by
    spaces, e.g. ``classification activations``) it documents only those, in
    that order; the API reference spreads the package over several pages this
    way, and :func:`_check_api_pages` fails the build if a module of the
    package is on no page, or on two.
    """

    required_arguments = 1
    has_content = False
    option_spec = {"modules": directives.unchanged_required}

    def run(self):
        package = self.arguments[0]
        module = importlib.import_module(package)
        names = list(getattr(module, "__all__", []))
        if not names:
            logger.warning(
                "%s.__all__ is empty or missing: the API page lists nothing", package, location=self.get_location()
            )
        groups: dict[str, list[str]] = defaultdict(list)
        for name in names:
            groups[_defining_module(module, name)].append(name)
        order = sorted(groups)
        if "modules" in self.options:
            wanted = [f"{package}.{m}" for m in self.options["modules"].split()]
            unknown = [m for m in wanted if m not in groups]
            if unknown:
                logger.warning(
                    "lossbook-api :modules: names %s, which define no name of %s.__all__ (modules that do: %s)",
                    ", ".join(unknown),
                    package,
                    ", ".join(m.rsplit(".", 1)[-1] for m in order),
                    location=self.get_location(),
                )
            order = [m for m in wanted if m in groups]
        documented = _api_pages(self.env)
        for origin in order:
            documented[origin].add(self.env.docname)
        documented[_ALL_MODULES] = set(groups)

        rst: list[str] = []
        for origin in order:
            last = origin.rsplit(".", 1)[-1]
            title = last.lstrip("_").replace("_", " ").capitalize() if origin != package else "Package"
            rst += [title, "-" * len(title), ""]
            doc = (importlib.import_module(origin).__doc__ or "").strip()
            summary = doc.splitlines()[0] if doc else ""
            if not any(part.startswith("_") for part in origin.split(".")):
                summary = f"From ``{origin}``. {summary}"
            if summary:
                rst += [summary, ""]
            rst += [".. autosummary::", "   :nosignatures:", ""]
            rst += [f"   ~{package}.{name}" for name in groups[origin]]
            rst.append("")
            for name in groups[origin]:
                obj = getattr(module, name)
                kind = (
                    "autoclass" if isinstance(obj, type) else "autofunction" if inspect.isroutine(obj) else "autodata"
                )
                rst += [f".. {kind}:: {package}.{name}", ""]
                if kind == "autoclass":
                    rst += ["   :members:", ""]
        node = nodes.section()
        node.document = self.state.document
        source = self.get_source_info()[0]
        content = StringList(rst, source=source)
        nested_parse_with_titles(self.state, content, node)
        self.env.note_dependency(module.__file__)
        return node.children


def coverage_rst():
    """The Keras coverage table as reStructuredText lines (a list-table), from lossbook.frameworks."""
    from lossbook import frameworks

    rows = frameworks.keras_coverage()
    covered = sum(1 for row in rows if row["lossbook"])
    rst = [
        f".. list-table:: The {len(rows)} loss classes of the installed Keras: {covered} computed by lossbook",
        "   :header-rows: 1",
        "   :widths: 25 25 20 30",
        "",
        "   * - Keras class",
        "     - lossbook function",
        "     - PyTorch",
        "     - Parity tests (pytest node ids)",
    ]

    def tests_cell(row):
        return ", ".join(f"``{t.split('::', 1)[1]}`` in ``{t.split('::', 1)[0]}``" for t in row["parity_tests"])

    pytorch = {row["registry"]: row for row in frameworks.registry_coverage()}
    for row in rows:
        ours = f":func:`{row['lossbook']}`" if row["lossbook"] else "not covered"
        entry = pytorch.get(row["registry"])
        torch = (
            f"``{entry['torch']}``" if entry and entry["torch"] else f"— ({entry['torch_missing']})" if entry else "—"
        )
        rst += [
            f"   * - ``keras.losses.{row['keras_class']}``",
            f"     - {ours}",
            f"     - {torch}",
            f"     - {tests_cell(row) or '—'}",
        ]
    # The registry's losses that Keras lacks (issue #13): their PyTorch and tf.nn counterparts.
    beyond = [row for row in pytorch.values() if not row["keras_class"]]
    rst += [
        "",
        f".. list-table:: {len(beyond)} losses Keras lacks, compared with tf.nn and PyTorch",
        "   :header-rows: 1",
        "   :widths: 20 25 25 30",
        "",
        "   * - lossbook function (inputs)",
        "     - Why Keras has none; tf.nn",
        "     - PyTorch",
        "     - Parity tests (pytest node ids)",
    ]
    for row in beyond:
        tf_nn = f"; ``{row['tf_op']}``" if row["tf_op"] else ""
        rst += [
            f"   * - :func:`{row['lossbook']}` ({', '.join(row['inputs'])})",
            f"     - {row['keras_missing']}{tf_nn}",
            f"     - ``{row['torch']}``: {row['torch_conversion']}"
            if row["torch"]
            else f"     - — ({row['torch_missing']})",
            f"     - {tests_cell(row)}",
        ]
    return rst + [""]


class LossbookKerasCoverage(SphinxDirective):
    """The table of Keras loss classes, lossbook functions and parity tests (see :func:`coverage_rst`).

    Usage::

        ```{eval-rst}
        .. lossbook-keras-coverage::
        ```
    """

    has_content = False

    def run(self):
        from lossbook import frameworks

        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(coverage_rst(), source=self.get_source_info()[0]), node)
        self.env.note_dependency(frameworks.__file__)
        return node.children


def _drop_widget_state(app, doctree):
    """Keep executed notebooks' ipywidgets state out of the pages.

    Executing a chapter records the state of its explorers (anywidgets) in
    the notebook's metadata, and MyST-NB would embed it in the page for a
    widget manager that no page loads. That state holds the whole front-end
    module once per explorer (anywidget's ``_esm``, about 50 KB); each
    explorer's ``text/html`` output already carries the little state the page
    needs, and the host script loads the module once (lossbook/explorers/).
    """
    metadata = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    metadata.get("js_files", {}).pop("ipywidgets_state", None)


#: myst-nb's fold of a ``hide-input``/``hide-output``/``hide-cell`` cell.
_FOLD_SUMMARY = '<summary aria-label="Toggle hidden content">'


def _name_folds_by_their_text(app, pagename, templatename, context, doctree) -> None:
    """Name myst-nb's folds by the text they show.

    myst-nb gives every fold's ``<summary>`` the ``aria-label`` "Toggle hidden content", which is not the
    text it shows ("Show code cell output"): axe's serious ``label-content-name-mismatch``. Without the
    label a screen reader announces what the reader sees. (On the rendered page, so that every HTML
    builder, the single-page one included, gets it.)
    """
    if _FOLD_SUMMARY in context.get("body", ""):
        context["body"] = context["body"].replace(_FOLD_SUMMARY, "<summary>")


def _single_page_uses_the_html_handlers(app: Sphinx) -> None:
    """Give the ``singlehtml`` builder (the PDF's) every node handler registered for ``html``.

    Sphinx looks a translator's handlers up by builder name and falls back to the format (``html``)
    only when no extension registered any handler under that name. sphinx-exercise registers some for
    ``singlehtml``, so the handlers of myst-nb (folded cells) and sphinx-design (tabs), registered for
    ``html`` only, would be missing there and the single-page build would fail on the first of them.
    """
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node_name, pair in handlers.get("html", {}).items():
        single.setdefault(node_name, pair)


def _copy_explorer_front_end(app, exception):
    """Serve the explorers' ES modules and stylesheet, minified, from ``_static/lossbook-explorers/``.

    They are package data of :mod:`lossbook.explorers` (the same files
    anywidget runs in Jupyter, kept readable there); ``static/lossbook-explorers.js``,
    on every page, imports them on pages that hold an explorer. ``minify.py``
    writes esbuild's minified copies (issue #10: at most 40 KB an explorer).
    """
    if exception is not None or app.builder.format != "html":
        return
    minify.minify_front_end(Path(app.outdir) / "_static" / "lossbook-explorers")


def _find_pybtex_plaintext_once() -> None:
    """Look pybtex's plain-text backend up once, not once per citation.

    sphinxcontrib-bibtex (2.7.0) calls ``pybtex.plugin.find_plugin("pybtex.backends", "plaintext")``
    for every citation it resolves, and pybtex (0.26) answers by reading the entry points of every
    installed distribution: 213 lookups took 4.2 s of a 56 s build, all in Sphinx's serial write
    phase (cProfile, issue #15). pybtex's own ``register_plugin`` records the class it found as a
    runtime plugin, which ``find_plugin`` checks first: the same class, found in a dict.
    """
    import pybtex.plugin

    plaintext = pybtex.plugin.find_plugin("pybtex.backends", "plaintext")
    pybtex.plugin.register_plugin("pybtex.backends", "plaintext", plaintext, force=True)


def setup(app: Sphinx):
    app.connect("builder-inited", _single_page_uses_the_html_handlers)
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("config-inited", _theme_setup, priority=100)
    app.connect("builder-inited", _add_filters)
    app.connect("html-page-context", _fix_page, priority=900)
    app.connect("html-page-context", _name_folds_by_their_text)  # folded checks and tables (hide-* tags)
    app.connect("html-page-context", prerender.drop_runtime, priority=950)
    app.connect("build-finished", prerender.typeset)
    app.connect("build-finished", icon_subset.subset_icon_fonts)
    app.connect("build-finished", figures.quantize_figures)
    _find_pybtex_plaintext_once()
    app.connect("env-before-read-docs", parallel_execution.execute_in_parallel)
    app.connect("source-read", parallel_execution.wait_for_run)
    app.connect("build-finished", parallel_execution.finish_runs)
    app.connect("doctree-read", _drop_widget_state)
    app.connect("autodoc-process-docstring", _unique_footnotes, priority=900)
    app.connect("autodoc-process-docstring", _constant_docs, priority=100)
    app.add_directive("lossbook-api", LossbookAPI)
    app.connect("env-purge-doc", _forget_api_page)
    app.connect("env-merge-info", _merge_api_pages)
    app.connect("env-check-consistency", _check_api_pages)
    app.add_directive("lossbook-keras-coverage", LossbookKerasCoverage)
    app.config.html_static_path.append(str(STATIC))
    app.add_css_file("lossbook-site.css")
    app.add_js_file("lossbook-explorers.js", type="module")
    app.connect("build-finished", _copy_explorer_front_end)
    # Last: it reads the finished pages and every script the site serves.
    app.connect("build-finished", purge_css.purge_stylesheets)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

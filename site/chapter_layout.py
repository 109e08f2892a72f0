"""Sphinx extension: the chapters' framework tabs and column layout.

Framework tabs
--------------
A chapter's "Comparing with TensorFlow and PyTorch" section shows the code a
reader would write in each framework side by side. Each piece of code is an
ordinary, executed notebook cell tagged with the framework it is written for:

=====================  ==============
cell tag               tab label
=====================  ==============
``tab-lossbook``       lossbook
``tab-tensorflow``     TensorFlow
``tab-pytorch``        PyTorch
=====================  ==============

Consecutive tagged cells become one sphinx-design ``tab-set`` (a repeated
tag, or anything else between two tagged cells, starts a new set). Every tab
carries the sync group ``framework``, so choosing PyTorch once switches every
tab set on the page, and sphinx-design's script remembers the choice (browser
local storage) on the next page. In Jupyter, Binder or Colab the cells simply
run one after the other.

MyST-NB cannot place a code cell inside a directive written in a markdown
cell, so the grouping happens on the doctree, after MyST-NB has turned each
cell into a container with ``tag_<tag>`` classes, and before sphinx-design's
own post-transform turns tab sets into HTML.

Layout
------
``lossbook-layout.css`` keeps every element of the main column inside the
column: wide tables scroll in their own box, code wraps in print.
"""

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_design.shared import create_component

STATIC = Path(__file__).parent / "static"

#: Cell tag -> (sync id, tab label), in the order the tabs are shown.
FRAMEWORK_TABS = {
    "tab-lossbook": ("lossbook", "lossbook"),
    "tab-tensorflow": ("tensorflow", "TensorFlow"),
    "tab-pytorch": ("pytorch", "PyTorch"),
}
SYNC_GROUP = "framework"


def _framework_tag(node):
    if not isinstance(node, nodes.container):
        return None
    tags = [c[len("tag_") :] for c in node.get("classes", []) if c.startswith("tag_")]
    found = [t for t in tags if t in FRAMEWORK_TABS]
    return found[0] if found else None


def _tab_item(tag, cell):
    sync_id, label = FRAMEWORK_TABS[tag]
    rubric = nodes.rubric(label, "", nodes.Text(label), classes=["sd-tab-label"])
    rubric["sync_id"] = sync_id
    rubric["sync_group"] = SYNC_GROUP
    content = create_component("tab-content", children=[cell], classes=["sd-tab-content"])
    return create_component("tab-item", children=[rubric, content], classes=["sd-tab-item"])


def group_framework_cells(parent):
    """Replace each run of framework-tagged cells under ``parent`` by a tab set."""
    children = list(parent.children)
    new_children, run, seen = [], [], set()

    def flush():
        if run:
            tab_set = create_component("tab-set", classes=["sd-tab-set", "lossbook-framework-tabs"])
            tab_set.extend(_tab_item(tag, cell) for tag, cell in run)
            tab_set.source, tab_set.line = run[0][1].source, run[0][1].line
            new_children.append(tab_set)
            run.clear()
            seen.clear()

    for child in children:
        tag = _framework_tag(child)
        if tag is None:
            flush()
            new_children.append(child)
            if isinstance(child, nodes.Element):
                group_framework_cells(child)
            continue
        if tag in seen:
            flush()
        run.append((tag, child))
        seen.add(tag)
    flush()
    if new_children != children:
        parent.children = []
        parent.extend(new_children)


class FrameworkTabs(SphinxTransform):
    """Group framework-tagged notebook cells into synced sphinx-design tab sets."""

    default_priority = 500

    def apply(self, **kwargs):
        group_framework_cells(self.document)


#: Tables scroll in their own box when they are wider than the column
#: (static/lossbook-layout.css); a box that scrolls must be reachable from the
#: keyboard (axe-core scrollable-region-focusable, serious), so each table takes focus.
def _tables_take_focus(app, pagename, templatename, context, doctree):
    if "<table" in context.get("body", ""):
        context["body"] = re.sub(r"<table(?![^>]*tabindex)", '<table tabindex="0"', context["body"])


def setup(app: Sphinx):
    app.setup_extension("sphinx_design")
    app.add_transform(FrameworkTabs)
    app.connect("html-page-context", _tables_take_focus)
    if str(STATIC) not in app.config.html_static_path:
        app.config.html_static_path.append(str(STATIC))
    app.add_css_file("lossbook-layout.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

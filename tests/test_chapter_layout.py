"""site/chapter_layout.py: tagged notebook cells become synced framework tabs.

These tests build small docutils trees shaped like MyST-NB's (one container
per cell, ``tag_<tag>`` classes) and check the grouping. The rendered tabs,
their sync across pages and the column layout are checked in the browser by
tests/test_site_layout.py.
"""

import importlib.util
from pathlib import Path

from docutils import nodes

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("chapter_layout", ROOT / "site" / "chapter_layout.py")
chapter_layout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chapter_layout)


def cell(*tags, text="x = 1"):
    node = nodes.container(classes=["cell"] + [f"tag_{t}" for t in tags], nb_element="cell_code")
    node += nodes.literal_block(text, text)
    return node


def tab_sets(tree):
    return [n for n in tree.findall(nodes.container) if n.get("design_component") == "tab-set"]


def labels(tab_set):
    return [item.children[0].astext() for item in tab_set.children]


def section(*children):
    sec = nodes.section()
    sec += nodes.title("", "Comparing with TensorFlow and PyTorch")
    for child in children:
        sec += child
    return sec


def test_consecutive_tagged_cells_become_one_synced_tab_set():
    sec = section(cell("tab-lossbook"), cell("tab-tensorflow"), cell("tab-pytorch"))
    chapter_layout.group_framework_cells(sec)
    (tab_set,) = tab_sets(sec)
    assert labels(tab_set) == ["lossbook", "TensorFlow", "PyTorch"]
    rubrics = [item.children[0] for item in tab_set.children]
    assert [r["sync_id"] for r in rubrics] == ["lossbook", "tensorflow", "pytorch"]
    assert {r["sync_group"] for r in rubrics} == {"framework"}
    # The cell itself (source and outputs) moves into the tab, unchanged.
    contents = [item.children[1] for item in tab_set.children]
    assert all(c.get("design_component") == "tab-content" for c in contents)
    assert [c.children[0].astext() for c in contents] == ["x = 1"] * 3


def test_untagged_content_and_repeated_tags_start_new_sets():
    sec = section(
        cell("tab-tensorflow"),
        cell("tab-pytorch"),
        nodes.paragraph("", "between"),
        cell("tab-tensorflow"),
        cell("tab-pytorch"),
        cell("tab-tensorflow"),
        cell("tab-pytorch"),
        cell(),
    )
    chapter_layout.group_framework_cells(sec)
    sets = tab_sets(sec)
    assert [labels(s) for s in sets] == [["TensorFlow", "PyTorch"]] * 3
    kinds = [type(c).__name__ if c.get("design_component") != "tab-set" else "tab-set" for c in sec.children]
    assert kinds == ["title", "tab-set", "paragraph", "tab-set", "tab-set", "container"]


def test_other_tags_are_left_alone():
    sec = section(cell("hide-output"), cell("raises-exception", "hide-input"))
    before = sec.pformat()
    chapter_layout.group_framework_cells(sec)
    assert sec.pformat() == before
    assert not tab_sets(sec)

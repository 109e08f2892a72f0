"""Every chapter notebook follows the book's pattern.

These checks read the committed notebooks (the build executes them; the
browser suite checks the rendered pages). A chapter that breaks the pattern
fails here with a message naming the chapter and what is missing.
"""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
SECTIONS_IN_ORDER = ["Overview", "Comparing with TensorFlow", "Exercises", "Summary"]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def markdown(nb):
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return files


def test_there_are_chapters():
    assert CHAPTERS, "no chapters/*.ipynb found"


chapter = pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])


@chapter
def test_listed_in_the_toc(path):
    assert f"chapters/{path.stem}" in toc_files(), f"{path.name} is not listed in _toc.yml"


@chapter
def test_committed_without_outputs(path):
    for i, cell in enumerate(code_cells(load(path))):
        assert not cell.get("outputs"), f"{path.name}: code cell {i} has stored outputs"
        assert cell.get("execution_count") is None, f"{path.name}: code cell {i} has an execution count"


@chapter
def test_one_title_and_the_sections_in_order(path):
    text = markdown(load(path))
    titles = re.findall(r"^# (.+)$", text, flags=re.M)
    assert len(titles) == 1, f"{path.name}: expected one '# ' title, found {titles}"
    headings = re.findall(r"^## (.+?)\s*$", text, flags=re.M)
    positions = []
    for name in SECTIONS_IN_ORDER:
        assert name in headings, f"{path.name}: missing section '## {name}' (has {headings})"
        positions.append(headings.index(name))
    assert positions == sorted(positions), f"{path.name}: sections out of order: {headings}"


@chapter
def test_first_code_cell_installs_lossbook_from_the_configured_repository(path):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    first = source(code_cells(load(path))[0])
    assert "import lossbook" in first and "except ImportError" in first, f"{path.name}: no install cell first"
    assert f"git+{url}" in first, f"{path.name}: install cell does not install from {url}"


@chapter
def test_no_path_hacks_or_copied_helpers(path):
    for cell in code_cells(load(path)):
        text = source(cell)
        assert "sys.path" not in text, f"{path.name}: sys.path manipulation"
        assert "os.chdir" not in text, f"{path.name}: os.chdir"


@chapter
def test_at_least_three_figures_with_alt_text(path):
    nb = load(path)
    figures = [c for c in code_cells(nb) if re.search(r"plt\.show\(\)|\.show\(\)\s*$", source(c))]
    with_alt = [c for c in figures if c.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "").strip()]
    assert len(with_alt) >= 3, f"{path.name}: {len(with_alt)} figure cells with alt text (need 3)"
    assert len(with_alt) == len(figures), f"{path.name}: a figure cell lacks mystnb.image.alt metadata"


@chapter
def test_has_an_explorer(path):
    cells = [source(c) for c in code_cells(load(path))]
    assert any(re.search(r"explorers\.\w+Explorer\(", s) for s in cells), f"{path.name}: no explorers.*Explorer()"


@chapter
def test_has_tensorflow_comparison_cells(path):
    cells = [source(c) for c in code_cells(load(path))]
    assert any("tf_compare." in s for s in cells), f"{path.name}: no tf_compare call"


@chapter
def test_three_self_checking_exercises_with_solution_markers(path):
    nb = load(path)
    text = markdown(nb)
    labels = re.findall(r"```\{exercise-start\}\s*\n:label:\s*(\S+)", text)
    assert len(labels) >= 3, f"{path.name}: {len(labels)} exercises (need 3)"
    solutions = re.findall(r"```\{solution-start\}\s*(\S+)", text)
    assert sorted(solutions) == sorted(labels), f"{path.name}: exercises {labels} vs solutions {solutions}"
    code = [source(c) for c in code_cells(nb)]
    marked = [s for s in code if "### BEGIN SOLUTION" in s]
    assert len(marked) >= len(labels), f"{path.name}: {len(marked)} solution cells for {len(labels)} exercises"
    for s in marked:
        assert s.count("### BEGIN SOLUTION") == s.count("### END SOLUTION"), f"{path.name}: unbalanced markers"
    checks = [s for s in code if re.search(r"exercises\.check_(function|answer)\(", s)]
    assert len(checks) >= len(labels), f"{path.name}: {len(checks)} checks for {len(labels)} exercises"
    assert any("check_function(" in s for s in checks), f"{path.name}: no implement-it exercise"
    assert any("check_answer(" in s for s in checks), f"{path.name}: no numeric question"


@chapter
def test_cites_sources_that_exist(path):
    text = markdown(load(path))
    keys = {k.strip() for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text) for k in group.split(",")}
    assert keys, f"{path.name}: no citations"
    bib = (ROOT / "references.bib").read_text()
    missing = [k for k in keys if not re.search(r"@\w+\{" + re.escape(k) + ",", bib)]
    assert not missing, f"{path.name}: citations not in references.bib: {missing}"

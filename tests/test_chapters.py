"""Every chapter notebook follows the book's pattern.

These checks read the committed notebooks (the build executes them; the
browser suite checks the rendered pages). A chapter that breaks the pattern
fails here with a message naming the chapter and what is missing.
"""

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
SECTIONS_IN_ORDER = ["Overview", "Comparing with TensorFlow and PyTorch", "Exercises", "Summary"]
COMPARISON = "Comparing with TensorFlow and PyTorch"
# Cell tags that site/chapter_layout.py turns into synced framework tabs.
FRAMEWORK_TAGS = {"tab-lossbook", "tab-tensorflow", "tab-pytorch"}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def section_cells(nb, heading):
    """The cells from the markdown cell holding ``## heading`` up to the next ``## `` heading."""
    cells, inside = [], False
    for cell in nb["cells"]:
        text = source(cell) if cell["cell_type"] == "markdown" else ""
        starts = re.findall(r"^## (.+?)\s*$", text, flags=re.M)
        if inside and starts and starts[0] != heading:
            break
        if heading in starts:
            inside = True
        if inside:
            cells.append(cell)
    return cells


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
    assert any("tf_compare." in s or "frameworks." in s for s in cells), f"{path.name}: no frameworks call"


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


# Issue #12 item 1: on the site nothing outside a fold may give an exercise's answer away. A check cell prints
# "Correct: 25 (you answered 25 ...)", so it must sit in the folded solution or fold its output (tag hide-output:
# a <details> on the page); the student version, built from the same cells, keeps the feedback in Jupyter.
FOLDED_OUTPUT_TAGS = {"hide-output", "remove-output", "hide-cell", "remove-cell"}
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")


def _significant_digits(text):
    return len(text.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))


@chapter
def test_no_exercise_answer_outside_a_fold(path):
    from lossbook import exercises

    nb = load(path)
    cells = nb["cells"]
    start = next(
        i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and source(c).startswith("## Exercises")
    )
    end = next(
        (
            i
            for i in range(start + 1, len(cells))
            if cells[i]["cell_type"] == "markdown" and source(cells[i]).startswith("## ")
        ),
        len(cells),
    )
    names = re.findall(r'check_answer\("([^"]+)"', "\n".join(source(c) for c in code_cells(nb)))
    answers = {n: float(exercises.QUESTIONS[n].compute()) for n in names if not exercises.QUESTIONS[n].choices}
    in_fold, checks = False, 0
    for i in range(start, end):
        cell, text = cells[i], source(cells[i])
        if cell["cell_type"] == "markdown" and "{solution-start}" in text:
            in_fold = True
        elif cell["cell_type"] == "markdown" and "{solution-end}" in text:
            in_fold = False
        elif in_fold:
            continue
        elif cell["cell_type"] == "code":
            checks += bool(re.search(r"exercises\.check_(function|answer)\(", text))
            tags = set(cell.get("metadata", {}).get("tags", []))
            assert tags & FOLDED_OUTPUT_TAGS, (
                f"{path.name}: code cell {i} of the exercises is outside the folded solution and shows its "
                f"output on the site (tag it hide-output, or move it into the fold): {text[:80]!r}"
            )
        else:  # an exercise's text: it must not state the answer it asks for
            for shown in NUMBER.findall(text):
                if _significant_digits(shown) < 3:
                    continue  # "[1, 2, 3, 14]": small numbers are the data of the question, not its answer
                for name, value in answers.items():
                    assert value == 0 or abs(float(shown) - value) > 5e-3 * abs(value), (
                        f"{path.name}: cell {i}, outside a fold, shows {shown}, the answer of {name!r}"
                    )
    assert checks, f"{path.name}: no check cell in the exercises"


@chapter
def test_first_screen_shows_the_key_idea_and_folds_setup_cells(path):
    nb = load(path)
    assert "The chapter in one sentence" in source(nb["cells"][0]), f"{path.name}: no key idea under the title"
    install, imports = code_cells(nb)[:2]
    assert tags(install) & {"hide-cell", "remove-cell"}, f"{path.name}: the install cell is not folded"
    assert tags(imports) & {"hide-input", "hide-cell"}, f"{path.name}: the import cell is not folded"


@chapter
def test_comparison_leads_with_its_findings(path):
    cells = section_cells(load(path), COMPARISON)
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    lead = "\n".join(source(c) for c in cells[:first_code] if c["cell_type"] == "markdown")
    findings = re.findall(r"^- \*\*", lead, flags=re.M)
    assert len(findings) >= 2, f"{path.name}: the comparison does not open with a list of findings"
    assert "PyTorch" in lead and ("Keras" in lead or "TensorFlow" in lead), f"{path.name}: lead names no framework"


@chapter
def test_framework_tabs_show_each_framework_in_executed_cells(path):
    cells = section_cells(load(path), COMPARISON)
    runs, run = [], []
    for cell in cells:
        tagged = tags(cell) & FRAMEWORK_TAGS if cell["cell_type"] == "code" else set()
        assert len(tagged) <= 1, f"{path.name}: a cell carries two framework tags {tagged}"
        if tagged and not (run and tagged <= {t for t, _ in run}):
            run.append((tagged.pop(), cell))
        else:
            if run:
                runs.append(run)
            run = [(tagged.pop(), cell)] if tagged else []
    if run:
        runs.append(run)
    assert len(runs) >= 2, f"{path.name}: {len(runs)} sets of framework tabs (need 2)"
    for run in runs:
        names = [t for t, _ in run]
        assert {"tab-tensorflow", "tab-pytorch"} <= set(names), f"{path.name}: a tab set has only {names}"
        for tag, cell in run:
            text = source(cell)
            if tag == "tab-tensorflow":
                assert re.search(r"\b(keras|tf)\.", text), f"{path.name}: TensorFlow tab without Keras/tf code"
            if tag == "tab-pytorch":
                assert "torch." in text, f"{path.name}: PyTorch tab without torch code"
    # Tags outside the comparison section would make tabs elsewhere; keep them in it.
    outside = [c for c in code_cells(load(path)) if tags(c) & FRAMEWORK_TAGS and c not in cells]
    assert not outside, f"{path.name}: framework tab cells outside the comparison section"


# lossbook.frameworks, and its old name lossbook.tf_compare (issue #13 removes the alias).
COMPARE_CALLS = {"tf_compare.compare", "frameworks.compare"}


def _compare_calls(cell):
    """(call, how it is shown) for each tf_compare.compare(...) in a code cell."""
    tree = ast.parse(source(cell))
    shown = []
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in COMPARE_CALLS:
            parent = getattr(node, "parent", None)
            if isinstance(parent, ast.Call) and ast.unparse(parent.func) == "display":
                shown.append("display")
            elif isinstance(parent, ast.Expr) and parent is tree.body[-1]:
                shown.append("last expression")
            elif isinstance(parent, ast.Call) and ast.unparse(parent.func) == "print":
                shown.append("print")
            else:
                shown.append("other")
    return shown


@chapter
def test_every_comparison_table_is_rendered_the_same_way(path):
    """Each table is the HTML of a displayed Comparison, never its printed text; the full tables are folded."""
    nb = load(path)
    for cell in code_cells(nb):
        if not re.search(r"\b(tf_compare|frameworks)\.compare\(", source(cell)):
            continue
        for how in _compare_calls(cell):
            assert how in ("display", "last expression"), (
                f"{path.name}: a tf_compare.compare table is shown by {how}, not as HTML:\n{source(cell)}"
            )
    cells = section_cells(nb, COMPARISON)
    starts = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and "### The full tables" in source(c)]
    assert starts, f"{path.name}: no '### The full tables' subsection"
    for cell in cells[starts[0] :]:
        if cell["cell_type"] == "code" and re.search(r"\b(tf_compare|frameworks)\.compare\(", source(cell)):
            assert tags(cell) & {"hide-output", "hide-cell"}, f"{path.name}: a full table is not folded"


def test_rounding_is_explained_once_and_linked():
    texts = {p.stem: markdown(load(p)) for p in CHAPTERS}
    homes = [name for name, text in texts.items() if "(float32-rounding)=" in text]
    assert len(homes) == 1, f"the rounding explanation should have one home, found {homes}"
    for name, text in texts.items():
        if name not in homes:
            assert "<float32-rounding>" in text, f"{name}: does not link to the rounding explanation"

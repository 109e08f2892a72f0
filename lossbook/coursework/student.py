"""Find a chapter's exercises from its markers, and make its student version with nbgrader.

A chapter marks its exercises as the teacher's guide (``teachers_guide.md``) shows: sphinx-exercise
gated directives (``{exercise-start}`` ... ``{exercise-end}``, then the folded
solution between ``{solution-start}`` ... ``{solution-end}``), the solution
code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the markers of
nbgrader), and a check cell calling ``exercises.check_function(name, fn)`` or
``exercises.check_answer(name, value)``. Nothing here lists exercises by hand:
:func:`discover_checks` reads the check calls, so a new chapter with the same
markers is handled as it is.

The student version is made with nbgrader's own preprocessors, used as a
library: :class:`nbgrader.preprocessors.ClearSolutions` replaces each solution
region by a stub and :class:`nbgrader.preprocessors.ClearOutput` removes the
outputs. The markdown cells of the solution dropdowns are removed.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path

CHECKERS = {"check_function": "function", "check_answer": "answer"}

#: The stub of a solution region inside a function body: calling the function
#: raises, and the checker reports "not solved yet".
FUNCTION_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
#: The stub of a solution region at the top level of a cell (a numeric answer):
#: no exception, so the notebook runs on; the default set before the region
#: (``answer = None``) is what the checker sees, and reports as "not solved yet".
TOP_LEVEL_STUB = "# YOUR CODE HERE"

STUDENT_NOTE = (
    "> **Coursework version.** The solutions of this chapter's exercises are removed. Write your code where a "
    "cell says `# YOUR CODE HERE`: replace `raise NotImplementedError()` with the body of the function, or set "
    "the answer variable (it starts as `None`). Run the check cell under each exercise for feedback, then hand "
    "in this notebook. Your teacher grades it by running it again from top to bottom, with checks of their own "
    "(including inputs you do not see here), so make sure every cell runs. While it grades, lossbook's own "
    "version of each function you are asked to write is withheld (calling it raises an error), so a function "
    "that calls it, directly or through a copy, earns no credit."
)

_SOLUTION_START = re.compile(r"^\s*(`{3,}|:{3,})\s*\{solution-start\}", re.MULTILINE)
_SOLUTION_END = re.compile(r"^\s*(`{3,}|:{3,})\s*\{solution-end\}", re.MULTILINE)
_SOLUTION_DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\s*\{solution\}", re.MULTILINE)
_EXERCISE_START = re.compile(r"\{exercise-start\}[^\n]*\n(?:\s*:[^\n]*\n)*?\s*:label:\s*(\S+)")
_EXERCISE = re.compile(r"\{exercise(?:-start)?\}")


@dataclass(frozen=True)
class Check:
    """One graded check of a chapter: a call of a checker in a check cell.

    Attributes
    ----------
    name : str
        The exercise's key in :data:`lossbook.exercises.FUNCTIONS` or
        :data:`lossbook.exercises.QUESTIONS`; also its column in the grades.
    kind : str
        ``"function"`` (``check_function``) or ``"answer"`` (``check_answer``).
    expr : str
        The Python expression the check is given: the student's function
        (``my_entropy``) or answer variable (``answer_mse``).
    label : str or None
        The label of the sphinx-exercise the check belongs to.
    cell : int
        Index of the check cell in the chapter.
    """

    name: str
    kind: str
    expr: str
    label: str | None
    cell: int


def cell_source(cell):
    """A cell's source as one string (nbformat stores a string or a list of lines)."""
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def python_source(source):
    """IPython cell source (``%pip``, ``!ls``) as plain Python, via IPython's own transformer."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - unparsable input is left to fail when executed
        return source


def parse_cell(source):
    """The AST of a code cell, or None if it does not parse."""
    try:
        return ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return None


def check_calls(tree):
    """The checker calls in an AST: ``(name, kind, expr_node, call_node)`` for each.

    A checker call is ``check_function("name", fn)`` or ``check_answer("name", value)``,
    as a plain name or an attribute (``exercises.check_answer``), with the
    exercise name as a string literal.
    """
    found = []
    if tree is None:
        return found
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if attr not in CHECKERS or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        value = node.args[1] if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg in ("fn", "value"):
                value = kw.value
        found.append((first.value, CHECKERS[attr], value, node))
    return found


def discover_checks(nb):
    """Every graded check of a chapter, in order, from its check cells.

    Parameters
    ----------
    nb : dict or nbformat.NotebookNode
        The chapter (with its solutions).

    Returns
    -------
    list of Check

    Raises
    ------
    ValueError
        If a check names an exercise that :mod:`lossbook.exercises` does not
        know, checks something that is not a plain expression, or is repeated.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "source": "```{exercise-start}\\n:label: ex-one\\n```\\nCompute it."},
    ...     {"cell_type": "code", "source": "answer = None\\n### BEGIN SOLUTION\\nanswer = 3\\n### END SOLUTION"},
    ...     {"cell_type": "code", "source": 'exercises.check_answer("entropy-uniform-8-bits", answer);'},
    ... ]}
    >>> discover_checks(nb)
    [Check(name='entropy-uniform-8-bits', kind='answer', expr='answer', label='ex-one', cell=2)]
    """
    from lossbook import exercises

    checks, label = [], None
    for i, cell in enumerate(nb["cells"]):
        src = cell_source(cell)
        if cell["cell_type"] == "markdown":
            match = _EXERCISE_START.search(src)
            if match:
                label = match.group(1)
            continue
        if cell["cell_type"] != "code":
            continue
        for name, kind, value, _ in check_calls(parse_cell(src)):
            registry = exercises.FUNCTIONS if kind == "function" else exercises.QUESTIONS
            if name not in registry:
                raise ValueError(
                    f"cell {i} checks {name!r}, which is not a {kind} exercise of lossbook.exercises; "
                    f"add it to {'FUNCTIONS' if kind == 'function' else 'QUESTIONS'} first."
                )
            if value is None:
                raise ValueError(f"cell {i}: the check of {name!r} is given nothing to check.")
            if any(c.name == name for c in checks):
                raise ValueError(f"cell {i}: {name!r} is checked twice; each exercise is checked once.")
            checks.append(Check(name, kind, ast.unparse(value), label, i))
    return checks


def _stubbed_solutions(language_stub=FUNCTION_STUB, top_level_stub=TOP_LEVEL_STUB):
    """nbgrader's ClearSolutions, choosing the stub by the indentation of each region."""
    from nbgrader.preprocessors import ClearSolutions

    class LossbookClearSolutions(ClearSolutions):
        """A region inside a function gets ``raise NotImplementedError()``; one at the top level, a comment."""

        def _replace_solution_region(self, cell, language):
            if cell.cell_type != "code":
                return super()._replace_solution_region(cell, language)
            begins = [line for line in cell.source.split("\n") if self.begin_solution_delimeter in line]
            top = [not line[:1].isspace() for line in begins]
            if top and all(top):
                stub = top_level_stub
            elif not any(top):
                stub = language_stub
            else:
                raise RuntimeError(
                    "a cell mixes solution regions at the top level and inside a function; split it into two cells"
                )
            saved = dict(self.code_stub)
            self.code_stub = {**saved, language: stub}
            try:
                return super()._replace_solution_region(cell, language)
            finally:
                self.code_stub = saved

    return LossbookClearSolutions(enforce_metadata=False)


def _defined_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def make_student_notebook(nb, chapter_id):
    """The student version of a chapter, as a new notebook.

    Solution regions (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) are
    replaced by stubs with nbgrader's ``ClearSolutions``: inside a function by
    ``raise NotImplementedError()``, at the top level of a cell by a comment
    (the answer variable keeps the ``None`` it is given before the region).
    The markdown cells of solution dropdowns (``{solution-start}`` to
    ``{solution-end}``, or a ``{solution}`` directive) are removed, and so are
    code cells inside a dropdown that hold no solution region. Outputs and
    execution counts are cleared with nbgrader's ``ClearOutput``. The check
    cells stay. A note for the student follows the title, and the notebook's
    metadata records ``lossbook.chapter`` for the grader.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The chapter with its solutions (not modified).
    chapter_id : str
        The chapter's file stem, e.g. ``"02_entropy"``.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ValueError
        If the chapter's markers are inconsistent (an unclosed dropdown or
        solution region, or a check whose argument the student version would
        leave undefined).
    """
    import nbformat
    from nbgrader.preprocessors import ClearOutput

    checks = discover_checks(nb)
    nb = copy.deepcopy(nb)
    kept, in_dropdown = [], False
    for i, cell in enumerate(nb.cells):
        src = cell_source(cell)
        if cell.cell_type == "markdown":
            if _SOLUTION_START.search(src):
                if in_dropdown:
                    raise ValueError(f"{chapter_id}: cell {i} opens a solution inside another one")
                in_dropdown = not _SOLUTION_END.search(src)
                continue
            if _SOLUTION_END.search(src):
                if not in_dropdown:
                    raise ValueError(f"{chapter_id}: cell {i} closes a solution that was not opened")
                in_dropdown = False
                continue
            if in_dropdown or _SOLUTION_DIRECTIVE.search(src):
                continue
        elif in_dropdown and "BEGIN SOLUTION" not in src:
            continue  # solution-only code, e.g. a worked check of the answer
        kept.append(cell)
    if in_dropdown:
        raise ValueError(f"{chapter_id}: a {{solution-start}} has no {{solution-end}}")
    nb.cells = kept

    try:
        nb, _ = _stubbed_solutions().preprocess(nb, {})
    except RuntimeError as exc:
        raise ValueError(f"{chapter_id}: {exc}") from exc
    nb, _ = ClearOutput().preprocess(nb, {})

    title = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    note = nbformat.v4.new_markdown_cell(STUDENT_NOTE)
    if nb.nbformat_minor >= 5:
        note["id"] = "coursework-note"
    else:
        note.pop("id", None)
    nb.cells.insert(title + 1, note)
    nb.metadata["lossbook"] = {"chapter": chapter_id, "student_version": True, "checks": [c.name for c in checks]}
    _check_student_version(nb, chapter_id, checks)
    return nb


def _check_student_version(nb, chapter_id, checks):
    """Every check of the student version gets something defined (stubs, ``answer = None``)."""
    defined = set()
    seen = {c.name for c in checks}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = parse_cell(cell_source(cell))
        if tree is None:
            raise ValueError(f"{chapter_id}: code cell {i} of the student version does not parse")
        for name, _, value, _ in check_calls(tree):
            seen.discard(name)
            missing = {
                n.id for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            } - defined
            if missing:
                raise ValueError(
                    f"{chapter_id}: the check of {name!r} uses {', '.join(sorted(missing))}, which the student "
                    "version does not define before it; give it a default before the solution region "
                    "(`answer = None`) or keep the `def` line outside it."
                )
        defined |= _defined_names(tree)
    if seen:
        raise ValueError(f"{chapter_id}: the student version lost the check cells of {sorted(seen)}")


def make_student_versions(sources, out_dir):
    """Write the student version of each chapter to ``out_dir/<chapter>.ipynb``.

    Parameters
    ----------
    sources : path or iterable of paths
        Chapter notebooks, or a folder of them (``chapters/``).
    out_dir : path
        Created if missing.

    Returns
    -------
    list of pathlib.Path
        The student notebooks written, in the order of the chapters.
    """
    import nbformat

    paths = chapter_paths(sources)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        student = make_student_notebook(nb, path.stem)
        target = out_dir / path.name
        nbformat.write(student, target)
        written.append(target)
    return written


def chapter_paths(sources):
    """The chapter notebooks named by ``sources`` (a folder, a notebook, or several), sorted."""
    if isinstance(sources, (str, Path)):
        sources = [sources]
    paths = []
    for source in map(Path, sources):
        if source.is_dir():
            paths.extend(sorted(p for p in source.glob("*.ipynb") if not p.name.startswith(".")))
        elif source.suffix == ".ipynb" and source.is_file():
            paths.append(source)
        else:
            raise FileNotFoundError(f"{source} is neither a notebook nor a folder of notebooks")
    if not paths:
        raise FileNotFoundError(f"no notebooks in {', '.join(map(str, sources))}")
    return paths

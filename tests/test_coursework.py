"""Tests of lossbook.coursework: student versions (nbgrader) and sandboxed grading.

The grading batch is built programmatically from the student version of
chapter 2 (entropy), the fastest chapter to execute: every submission is that
notebook with some exercises solved and one kind of misbehaviour added. The
same batch is graded twice, by the command line on the local process pool and
by the Python API on a local Dask cluster, and both CSVs must equal the
expected one exactly.

Chapter 2's maxima: ``entropy`` has 6 public cases (lossbook.exercises) and
2 hidden cases (lossbook.coursework.grading.HIDDEN_GENERATORS), so 8 points;
each of its three numeric questions 1 point; 11 in all.
"""

import copy
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lossbook import exercises
from lossbook.coursework import (
    Check,
    Limits,
    discover_checks,
    grade,
    hidden_cases,
    make_student_notebook,
    plan_execution,
)
from lossbook.coursework.grading import find_submissions
from lossbook.coursework.student import cell_source, check_calls, parse_cell

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CHAPTER = ROOT / "chapters" / "02_entropy.ipynb"

# Small limits keep the batch quick: the stubborn loop costs TIMEOUT seconds.
LIMITS = Limits(timeout=12, cell_timeout=6, case_timeout=2, memory_mb=2048)

NAMES = ["entropy", "entropy-uniform-8-bits", "entropy-fair-die-nats", "binary-entropy-0.9-bits"]

# student -> (status, scores in the order of NAMES). Why each score:
EXPECTED = {
    "blank": ("graded", [0, 0, 0, 0]),  # the untouched student version: "not solved yet" everywhere
    "full": ("graded", [8, 1, 1, 1]),  # every solution of the chapter
    # naive -sum(p log p): nan wherever some p_i = 0, i.e. public cases 3, 4, 6 and hidden case 2 fail
    "partial": ("graded", [4, 1, 0, 0]),
    "loop_cell": ("graded", [8, 1, 1, 1]),  # `while True: pass` in its own cell: interrupted after cell_timeout
    # a loop that swallows the alarm: killed after TIMEOUT; the first two checks were recorded before it
    "loop_stubborn": ("timeout", [8, 1, 0, 0]),
    "sys_exit": ("graded", [8, 1, 1, 1]),  # sys.exit() in a cell: an error of that cell, as in Jupyter
    "os_exit": ("crashed", [8, 1, 0, 0]),  # os._exit() ends the process: what came before counts
    "import_error": ("graded", [0, 0, 0, 0]),  # the imports cell raises first: np is never defined
    # a cell grows a list until MemoryError; the memory is freed with the failed cell and the rest runs
    "memory": ("graded", [8, 1, 1, 1]),
    "memory_fn": ("graded", [0, 1, 1, 1]),  # my_entropy allocates 8 TB: MemoryError on every case
    # replaces check_function/check_answer, _judge, numpy.isclose and empties the registries in the
    # notebook; only the 8-sided die is right
    "tamper": ("graded", [0, 1, 0, 0]),
    "delete_files": ("graded", [8, 1, 1, 1]),  # deletes its working directory
    # loops forever on 2-D input: the public batch case and both (2-D) hidden cases time out
    "hang_fn": ("graded", [5, 1, 1, 1]),
    "not_json": ("invalid", [0, 0, 0, 0]),  # not a notebook at all
}


def expected_csv():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "chapter", "status", *NAMES, "total", "max_total"])
    for student in sorted(EXPECTED):
        status, scores = EXPECTED[student]
        writer.writerow([student, "02_entropy", status, *scores, sum(scores), 11])
    return out.getvalue()


# --------------------------------------------------------------------------
# Building the submissions
# --------------------------------------------------------------------------


def _solutions(nb):
    return [c.source for c in nb.cells if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source]


def _stubs(nb):
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "# YOUR CODE HERE" in c.source]


def build_batch(folder):
    """Write the submissions of EXPECTED into ``folder``, from chapter 2's student version."""
    chapter = nbformat.read(CHAPTER, as_version=4)
    student = make_student_notebook(chapter, "02_entropy")
    solutions, stubs = _solutions(chapter), _stubs(student)
    assert len(solutions) == len(stubs) == 4

    def variant(name, solved=(), replace=None, insert=None, prefix=None):
        nb = copy.deepcopy(student)
        for k in solved:
            nb.cells[stubs[k]].source = solutions[k]
        for k, source in (replace or {}).items():
            nb.cells[stubs[k]].source = source
        if prefix:
            where, source = prefix
            nb.cells[where].source = source + nb.cells[where].source
        if insert:
            where, source = insert
            nb.cells.insert(where, nbformat.v4.new_code_cell(source))
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"c{i}"
        nbformat.write(nb, folder / f"{name}.ipynb")

    before_third = stubs[2]  # a cell inserted here runs after the first two checks
    variant("blank")
    variant("full", solved=range(4))
    variant(
        "partial",
        solved=[1],
        replace={0: "def my_entropy(p):\n    p = np.asarray(p)\n    return -np.sum(p * np.log(p), axis=-1)"},
    )
    variant("loop_cell", solved=range(4), insert=(before_third, "while True:\n    pass"))
    variant(
        "loop_stubborn",
        solved=range(4),
        insert=(before_third, "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except BaseException:\n        pass"),
    )
    variant("sys_exit", solved=range(4), insert=(before_third, "import sys\nsys.exit(1)"))
    variant("os_exit", solved=range(4), insert=(before_third, "import os\nos._exit(3)"))
    imports = next(i for i, c in enumerate(student.cells) if "import numpy as np" in c.source)
    variant(
        "import_error",
        solved=range(4),
        prefix=(imports, "raise ImportError('no numpy today')\n"),
    )
    variant(
        "memory",
        solved=range(4),
        insert=(stubs[1], "def grow():\n    hog = []\n    while True:\n        hog.append(bytearray(10**8))\ngrow()"),
    )
    variant("memory_fn", solved=[1, 2, 3], replace={0: "def my_entropy(p):\n    return np.ones(10**12)"})
    variant(
        "tamper",
        solved=[1],
        replace={0: "def my_entropy(p):\n    return None"},
        insert=(
            stubs[0],
            "from lossbook import exercises\n"
            "def cheat(name, *args, **kwargs):\n"
            "    return exercises.CheckResult(name, True, 99.0, 99.0, 'All cases passed. Well done!')\n"
            "exercises.check_function = exercises.check_answer = cheat\n"
            "exercises._judge = lambda *args: (True, '')\n"
            "np.isclose = lambda *args, **kwargs: True\n"
            "exercises.FUNCTIONS.clear()\n"
            "exercises.QUESTIONS.clear()",
        ),
    )
    variant(
        "delete_files",
        solved=range(4),
        insert=(before_third, "import os, shutil\nshutil.rmtree(os.getcwd())"),
    )
    variant(
        "hang_fn",
        solved=[1, 2, 3],
        replace={
            0: "def my_entropy(p):\n    p = np.asarray(p)\n    while p.ndim > 1:\n        pass\n"
            "    safe = np.where(p > 0, p, 1)\n    return -np.sum(p * np.log(safe), axis=-1)"
        },
    )
    (folder / "not_json.ipynb").write_text("{ this is not a notebook", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    return build_batch(tmp_path_factory.mktemp("submissions"))


@pytest.fixture(scope="module")
def local_grades(batch_dir, tmp_path_factory):
    """The batch graded by the command line, on the local process pool (2 workers)."""
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    cmd = [
        sys.executable, "-m", "lossbook.coursework", "grade", str(batch_dir), "--out", str(out),
        "--chapter", str(CHAPTER), "--workers", "3", "--timeout", str(LIMITS.timeout),
        "--cell-timeout", str(LIMITS.cell_timeout), "--case-timeout", str(LIMITS.case_timeout),
        "--memory", str(LIMITS.memory_mb),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


# --------------------------------------------------------------------------
# Discovering exercises and making student versions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_checks_known_to_the_registries(path):
    checks = discover_checks(nbformat.read(path, as_version=4))
    assert len(checks) >= 3
    kinds = {c.kind for c in checks}
    assert kinds == {"function", "answer"}  # the chapter guide asks for both kinds
    for c in checks:
        registry = exercises.FUNCTIONS if c.kind == "function" else exercises.QUESTIONS
        assert c.name in registry
        assert c.label and c.label.startswith("ex-")


def test_chapter_2_checks():
    checks = discover_checks(nbformat.read(CHAPTER, as_version=4))
    assert [(c.name, c.kind, c.expr) for c in checks] == [
        ("entropy", "function", "my_entropy"),
        ("entropy-uniform-8-bits", "answer", "answer"),
        ("entropy-fair-die-nats", "answer", "answer"),
        ("binary-entropy-0.9-bits", "answer", "answer"),
    ]


def test_unknown_exercise_is_rejected():
    nb = {"cells": [{"cell_type": "code", "source": 'exercises.check_answer("no-such-question", answer)'}]}
    with pytest.raises(ValueError, match="not a answer exercise|no-such-question"):
        discover_checks(nb)


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    """Student versions of every chapter, made by the command line."""
    out = tmp_path_factory.mktemp("student")
    cmd = [sys.executable, "-m", "lossbook.coursework", "student", str(ROOT / "chapters"), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in out.glob("*.ipynb")) == [p.name for p in CHAPTERS]
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_version(student_dir, path):
    chapter = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    nbformat.validate(student)
    text = "\n".join(cell_source(c) for c in student.cells)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "{solution-start}" not in text and "{solution-end}" not in text
    assert "{exercise-start}" in text  # the tasks stay
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells if c.cell_type == "code")
    assert student.metadata["lossbook"]["chapter"] == path.stem
    # the same checks, in the same order
    assert discover_checks(student) == [
        Check(c.name, c.kind, c.expr, c.label, c.cell + _shift(chapter, student, c)) for c in discover_checks(chapter)
    ]
    # function stubs raise NotImplementedError; numeric answers stay None
    stubs = [c.source for c in student.cells if c.cell_type == "code" and "# YOUR CODE HERE" in c.source]
    assert len(stubs) == len(_solutions(chapter))
    for source in stubs:
        if source.lstrip().startswith("def "):
            assert "    raise NotImplementedError()" in source
        else:
            assert "= None" in source and "raise" not in source


def _shift(chapter, student, check):
    """Index of a check cell in the student version minus its index in the chapter."""
    target = cell_source(chapter.cells[check.cell])
    return next(i for i, c in enumerate(student.cells) if cell_source(c) == target) - check.cell


def test_solution_dropdown_prose_and_code_are_removed():
    chapter = nbformat.read(ROOT / "chapters" / "01_what_is_a_loss.ipynb", as_version=4)
    explanation = "In both losses the outlier contributes everything"
    assert any(explanation in cell_source(c) for c in chapter.cells)
    student = make_student_notebook(chapter, "01_what_is_a_loss")
    assert not any(explanation in cell_source(c) for c in student.cells)


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    for kind, source in cells:
        new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(new(source))
    return nb


def test_answer_without_default_is_rejected():
    nb = _notebook(
        ("markdown", "# T"),
        ("markdown", "```{solution-start} ex-a\n:class: dropdown\n```"),
        ("code", "### BEGIN SOLUTION\nanswer = 3\n### END SOLUTION"),
        ("markdown", "```{solution-end}\n```"),
        ("code", 'exercises.check_answer("entropy-uniform-8-bits", answer)'),
    )
    with pytest.raises(ValueError, match="answer = None"):
        make_student_notebook(nb, "xx")


def test_unclosed_solution_is_rejected():
    nb = _notebook(
        ("markdown", "# T"),
        ("markdown", "```{solution-start} ex-a\n:class: dropdown\n```"),
        ("code", "answer = None\n### BEGIN SOLUTION\nanswer = 3\n### END SOLUTION"),
        ("code", 'exercises.check_answer("entropy-uniform-8-bits", answer)'),
    )
    with pytest.raises(ValueError, match="no \\{solution-end\\}"):
        make_student_notebook(nb, "xx")
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("```{solution-end}\n```"))
    nb.cells[2].source = "answer = None\n### BEGIN SOLUTION\nanswer = 3"
    with pytest.raises(ValueError, match="no end solution"):
        make_student_notebook(nb, "xx")


def _without_tensorflow_cells(nb):
    """The notebook without the cells grading's fast mode skips (TensorFlow comparisons, explorers)."""
    checks = discover_checks(nb)
    steps, _ = plan_execution(nb, checks, "fast")
    run = {s["cell"] for s in steps if "cell" in s}
    nb = copy.deepcopy(nb)
    nb.cells = [c for i, c in enumerate(nb.cells) if c.cell_type != "code" or i in run]
    return nb


# Runs nbclient on the notebooks named in argv, two kernels at a time, in a process of its own (so the
# kernel clients' sockets and event loops never meet pytest's warnings-as-errors).
EXECUTE = """
import sys
from concurrent.futures import ThreadPoolExecutor
import nbformat
from nbclient import NotebookClient

def run(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.write(nb, path)

with ThreadPoolExecutor(2) as pool:
    list(pool.map(run, sys.argv[1:]))
"""


def test_student_notebooks_execute_headless(student_dir, tmp_path):
    """Every student version runs top to bottom with nbclient; every check says "Not solved yet".

    The TensorFlow comparison and explorer cells are left out to keep this test short: they are the
    chapter's own cells, unchanged, and the book build executes them. Figures are not rendered (Agg).
    """
    paths = []
    for path in sorted(student_dir.glob("*.ipynb")):
        paths.append(tmp_path / path.name)
        nbformat.write(_without_tensorflow_cells(nbformat.read(path, as_version=4)), paths[-1])
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-c", EXECUTE, *map(str, paths)], capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        assert all(o.output_type != "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        feedback = ""
        for cell in nb.cells:
            if cell.cell_type == "code" and check_calls(parse_cell(cell.source)):
                feedback += "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert feedback.count("Not solved yet") == len(discover_checks(nb)), (path.stem, feedback)


# --------------------------------------------------------------------------
# Planning and hidden cases
# --------------------------------------------------------------------------


def test_fast_plan_skips_tensorflow_and_explorer_cells_only_before_the_exercises():
    nb = json.loads(CHAPTER.read_text())
    checks = discover_checks(nb)
    fast, notes = plan_execution(nb, checks, "fast")
    everything, _ = plan_execution(nb, checks, "all")
    fast_code = "\n".join(s["code"] for s in fast if "code" in s)
    assert "tf_compare." not in fast_code and "explorers." not in fast_code
    assert "tf_compare." in "\n".join(s["code"] for s in everything if "code" in s)
    assert "were not run (fast mode)" in notes[0]
    # every check is recorded, right after its check cell, whose checker call is removed
    assert [s["check"] for s in fast if "check" in s] == [0, 1, 2, 3]
    assert all(s["found"] for s in fast if "check" in s)
    assert "check_function" not in fast_code and "check_answer" not in fast_code


def test_fast_plan_runs_everything_when_an_exercise_needs_a_tensorflow_cell():
    nb = {
        "cells": [
            {"cell_type": "code", "source": "tf, keras = tf_compare.tensorflow_modules()"},
            {"cell_type": "code", "source": "x = tf.constant(1.0)"},
            {"cell_type": "markdown", "source": "```{exercise-start}\n:label: ex-a\n```"},
            {"cell_type": "code", "source": "answer = float(x)"},
            {"cell_type": "code", "source": 'exercises.check_answer("entropy-uniform-8-bits", answer)'},
        ]
    }
    checks = discover_checks(nb)
    steps, notes = plan_execution(nb, checks, "fast")
    assert [s.get("cell") for s in steps] == [0, 1, 3, 4, None]
    assert "all cells were run" in notes[0] and "x" in notes[0]


def test_missing_check_cell_is_read_at_the_end():
    nb = {"cells": [{"cell_type": "code", "source": "answer = 3"}]}
    check = Check("entropy-uniform-8-bits", "answer", "answer", None, 0)
    steps, notes = plan_execution(nb, [check], "fast")
    assert steps[-1] == {"check": 0, "found": False}
    assert "no cell checks" in notes[0]


@pytest.mark.parametrize("name", sorted(exercises.FUNCTIONS))
def test_hidden_cases(name):
    cases = hidden_cases(name, seed=0)
    assert len(cases) >= 1
    again = hidden_cases(name, seed=0)
    other = hidden_cases(name, seed=1)
    flat = lambda cs: np.concatenate([np.ravel(np.asarray(a, dtype=float)) for c in cs for a in c.args])  # noqa: E731
    np.testing.assert_array_equal(flat(cases), flat(again))  # the same seed, the same cases, on any worker
    assert not np.array_equal(flat(cases), flat(other))  # a teacher's own seed changes them
    def key(case):
        return tuple(tuple(np.ravel(np.asarray(a, dtype=float)).tolist()) for a in case.args)

    public = {key(c) for c in exercises.FUNCTIONS[name].cases}
    for case in cases:
        assert key(case) not in public
        assert np.all(np.isfinite(np.asarray(exercises.FUNCTIONS[name].reference(*case.args), dtype=float)))


def test_find_submissions_layouts(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "alice.ipynb").write_text("{}")
    (tmp_path / "bob" / "02_entropy.ipynb").write_text("{}")
    (tmp_path / "bob" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "bob" / ".ipynb_checkpoints" / "02_entropy-checkpoint.ipynb").write_text("{}")
    assert [s for s, _ in find_submissions(tmp_path)] == ["alice", "bob"]


# --------------------------------------------------------------------------
# Grading the batch
# --------------------------------------------------------------------------


def test_local_grades_csv_is_exact(local_grades):
    out, _ = local_grades
    assert out.read_text() == expected_csv()


def test_local_grading_reports_progress_summary_and_feedback(local_grades):
    out, proc = local_grades
    assert "grading" in proc.stderr and "14/14" in proc.stderr  # the tqdm bar
    summary = Path(str(out) + ".summary.txt").read_text()
    assert summary == proc.stdout.split("Grades:")[0]
    assert "14 submissions graded" in summary and "per minute" in summary
    assert "Statuses: crashed 1, graded 11, invalid 1, timeout 1" in summary
    feedback = out.with_name("grades_feedback")
    assert sorted(p.stem for p in feedback.glob("*.txt")) == sorted(EXPECTED)
    text = (feedback / "memory.txt").read_text()
    assert "MemoryError" in text and "11 / 11" in text
    assert "TimeoutError: the cell ran longer than 6 s" in (feedback / "loop_cell.txt").read_text()
    assert "killed after 12 s" in (feedback / "loop_stubborn.txt").read_text()
    assert "exit code 3" in (feedback / "os_exit.txt").read_text()
    assert "SystemExit" in (feedback / "sys_exit.txt").read_text()
    blank = (feedback / "blank.txt").read_text()
    assert blank.count("Not solved yet") == 4
    tamper = (feedback / "tamper.txt").read_text()
    assert tamper.startswith("tamper - 02_entropy - graded - 1 / 11") and "0 of 6 cases passed" in tamper
    hang = (feedback / "hang_fn.txt").read_text()
    assert "did not return within 2 s" in hang and "Hidden cases (the grader's own inputs): 0 of 2 passed." in hang


def test_dask_grades_the_same_csv(batch_dir, local_grades, tmp_path):
    from distributed import LocalCluster

    out = tmp_path / "grades.csv"
    with LocalCluster(
        n_workers=3, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        batch = grade(batch_dir, out, chapter=CHAPTER, scheduler=cluster.scheduler_address, limits=LIMITS, progress=False)
    assert batch.workers.startswith("dask tcp://127.0.0.1:")
    assert out.read_text() == local_grades[0].read_text() == expected_csv()


def test_chapters_found_from_metadata_and_file_names(student_dir, tmp_path):
    """Without --chapter: each notebook's lossbook.chapter metadata (or its file name) picks its chapter."""
    folder = tmp_path / "mixed"
    (folder / "carol").mkdir(parents=True)
    shutil.copy(student_dir / "01_what_is_a_loss.ipynb", folder / "alice.ipynb")  # by metadata
    nb = nbformat.read(student_dir / "02_entropy.ipynb", as_version=4)
    del nb.metadata["lossbook"]
    nbformat.write(nb, folder / "carol" / "02_entropy.ipynb")  # by file name
    nbformat.write(nb, folder / "dave.ipynb")  # neither: not graded
    out = tmp_path / "grades.csv"
    batch = grade(folder, out, chapters_dir=ROOT / "chapters", workers=1, limits=LIMITS, progress=False)
    rows = {r["student"]: r for r in batch.results}
    assert (rows["alice"]["chapter"], rows["carol"]["chapter"], rows["dave"]["status"]) == (
        "01_what_is_a_loss", "02_entropy", "invalid")
    header, *lines = out.read_text().splitlines()
    names = [c.name for path in ("01_what_is_a_loss", "02_entropy")
             for c in discover_checks(nbformat.read(ROOT / "chapters" / f"{path}.ipynb", as_version=4))]
    assert header.split(",") == ["student", "chapter", "status", *names, "total", "max_total"]
    assert lines[-1].startswith("carol,02_entropy,graded,") and lines[-1].endswith(",0,11")

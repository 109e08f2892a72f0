"""Tests of lossbook.coursework: student versions (nbgrader) and sandboxed grading.

The grading batch is built programmatically from the student version of
chapter 2 (entropy), the fastest chapter to execute: every submission is that
notebook with some exercises solved and one kind of misbehaviour added. The
same batch is graded twice, by the command line on the local process pool and
by the Python API on a local Dask cluster, and both CSVs must equal the
expected one exactly.

Chapter 2's maxima: ``entropy`` has 6 public cases (lossbook.exercises) and
2 hidden cases (drawn by its record in lossbook.exercises), so 8 points;
each of its three numeric questions 1 point; 11 in all.
"""

import ast
import copy
import csv
import io
import json
import os
import re
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

NAMES = ["entropy", "entropy-uniform-8-bits", "entropy-which-more-uncertain", "binary-entropy-0.9-bits"]

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
        insert=(
            before_third,
            "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except BaseException:\n        pass",
        ),
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
        # np.empty does not touch its pages (memory is first touched at about 200 MB/s on the test machines)
        insert=(
            stubs[1],
            "def grow():\n    hog = []\n    while True:\n        hog.append(np.empty(10**8, np.uint8))\ngrow()",
        ),
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
        ("entropy-which-more-uncertain", "answer", "answer"),
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
        [sys.executable, "-c", EXECUTE, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=env,
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
    assert "frameworks." not in fast_code and "explorers." not in fast_code
    assert "frameworks." in "\n".join(s["code"] for s in everything if "code" in s)
    assert "were not run (fast mode)" in notes[0]
    # every check is recorded, right after its check cell, whose checker call is removed
    assert [s["check"] for s in fast if "check" in s] == [0, 1, 2, 3]
    assert all(s["found"] for s in fast if "check" in s)
    assert "check_function" not in fast_code and "check_answer" not in fast_code


def test_fast_plan_runs_everything_when_an_exercise_needs_a_tensorflow_cell():
    nb = {
        "cells": [
            {"cell_type": "code", "source": "tf, keras = frameworks.tensorflow_modules()"},
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
        batch = grade(
            batch_dir, out, chapter=CHAPTER, scheduler=cluster.scheduler_address, limits=LIMITS, progress=False
        )
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
        "01_what_is_a_loss",
        "02_entropy",
        "invalid",
    )
    header, *lines = out.read_text().splitlines()
    names = [
        c.name
        for path in ("01_what_is_a_loss", "02_entropy")
        for c in discover_checks(nbformat.read(ROOT / "chapters" / f"{path}.ipynb", as_version=4))
    ]
    assert header.split(",") == ["student", "chapter", "status", *names, "total", "max_total"]
    assert lines[-1].startswith("carol,02_entropy,graded,") and lines[-1].endswith(",0,11")


# --------------------------------------------------------------------------
# Hostile submissions: each in a batch with honest classmates
# --------------------------------------------------------------------------

# Limits of the hostile batch: memory is first touched at about 200 MB/s on the test machines, so the
# memory attack must cross its limit well within the time limit.
HOSTILE_TIMEOUT, HOSTILE_MEMORY = 20, 1024

# The honest classmates of the hostile batch, and their rows (as in EXPECTED, graded without attackers).
HONEST = ("blank", "full", "partial")

# attacker -> (status, scores). Each attack runs in a cell inserted before the third exercise (after the
# first two checks), unless said otherwise; each attacker has solved every exercise unless said otherwise.
HOSTILE = {
    # SIGKILL to every PID it can see in /proc, to PIDs 1..5000, to its parent and to -1
    "kill_grader": ("graded", [8, 1, 1, 1]),
    # deletes and blanks every classmate's notebook, writes the CSV and the feedback folder (absolute paths)
    "destroy_files": ("graded", [8, 1, 1, 1]),
    # appends to lossbook's exercises.py and grading.py and to numpy's __init__.py
    "write_package": ("graded", [8, 1, 1, 1]),
    # solves nothing; reads full.ipynb and the solution chapter and runs their solution of my_entropy
    "copy_classmate": ("graded", [0, 0, 0, 0]),
    # a double-forked daemon that, 3 s later, rewrites the CSV and kills what it can
    "daemon": ("graded", [8, 1, 1, 1]),
    # solves nothing; writes forged records (other checks, too many outputs, malformed, huge) to every descriptor
    "forge_records": ("graded", [0, 0, 0, 0]),
    # forks 200 sleeping children: the process limit stops the flood, the sleepers die with the sandbox
    "fork_flood": ("graded", [8, 1, 1, 1]),
    # writes 1 GiB to its work dir, /tmp and /dev/shm: each stops at its size limit
    "disk_fill": ("graded", [8, 1, 1, 1]),
    # ignores SIGTERM and SIGALRM, then sleeps for ever: killed after TIMEOUT
    "ignore_signals": ("timeout", [8, 1, 0, 0]),
    # four children of 300 MB each (1.2 GB > the 1024 MiB limit of all processes together, each within its
    # own address-space limit), waited for through every alarm: all killed
    "memory_children": ("crashed", [8, 1, 0, 0]),
    # connects to a listener of the test on 127.0.0.1 and sends its classmates' notebooks
    "network": ("graded", [8, 1, 1, 1]),
    # my_entropy calls lossbook's entropy, through an alias and a copy of its code made in the first cell
    "call_lossbook": ("graded", [0, 1, 1, 1]),
}

KILL_GRADER = """
import os, signal
me = os.getpid()
for name in os.listdir("/proc"):
    if name.isdigit() and int(name) != me:
        try: os.kill(int(name), signal.SIGKILL)
        except OSError: pass
for pid in range(1, 5000):
    if pid != me:
        try: os.kill(pid, signal.SIGKILL)
        except OSError: pass
for target in (os.getppid(), -1):
    try: os.kill(target, signal.SIGKILL)
    except OSError: pass
"""

DESTROY_FILES = """
import glob, os, shutil
for path in glob.glob({subs!r} + "/*.ipynb"):
    try: open(path, "w").write("{{}}")
    except OSError as exc: print(exc)
    try: os.remove(path)
    except OSError as exc: print(exc)
for path in ({out!r}, {out!r} + ".summary.txt"):
    try: open(path, "w").write("student,total\\nme,999\\n")
    except OSError as exc: print(exc)
for path in ({subs!r}, {feedback!r}):
    shutil.rmtree(path, ignore_errors=True)
"""

WRITE_PACKAGE = """
import numpy
for path in {files!r} + [numpy.__file__]:
    try:
        with open(path, "a") as f: f.write("\\nraise SystemExit('tampered')\\n")
    except OSError as exc: print(exc)
"""

COPY_CLASSMATE = """
import json
for path in ({subs!r} + "/full.ipynb", {chapter!r}):
    try:
        nb = json.load(open(path))
    except OSError as exc:
        print(exc); continue
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if source.startswith("def my_entropy"):
            exec(source)
"""

DAEMON = """
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(3)
        for path in ({out!r}, {subs!r} + "/full.ipynb", {marker!r}):
            try: open(path, "w").write("daemon was here")
            except OSError: pass
        try: os.kill(-1, signal.SIGKILL)
        except OSError: pass
    os._exit(0)
os.wait()
"""

FORGE_RECORDS = """
import json, os
forged = [
    {{"event": "check", "index": 0, "name": "entropy", "found": True,
      "outputs": [{{"dtype": "<f8", "shape": [], "data": [1.0]}}] * 1000}},
    {{"event": "check", "index": 9, "name": "entropy", "found": True, "outputs": []}},
    {{"event": "check", "index": 1, "name": "entropy-uniform-8-bits", "found": True, "answer": {{"number": "3"}}}},
    {{"event": "check", "index": 2, "name": "not-this-one", "found": True, "answer": {{"number": 1.79}}}},
    {{"event": "check", "index": 0, "name": "entropy", "found": True, "outputs": [5]}},
    {{"student": "full", "event": "check", "index": 0, "name": "entropy", "found": True, "outputs": []}},
]
payload = ("\\n".join(json.dumps(r) for r in forged) + "\\nnot json\\n" + "x" * (2 << 20) + "\\n").encode()
targets = list(range(3, 256))
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try: targets += [f"/proc/{{pid}}/fd/{{fd}}" for fd in os.listdir(f"/proc/{{pid}}/fd")]
        except OSError: pass
for target in targets:
    try:
        if isinstance(target, int): os.write(target, payload)
        else:
            with open(target, "wb") as f: f.write(payload)
    except OSError: pass
"""

FORK_FLOOD = """
import os, time
born = 0
for _ in range(200):
    try:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        born += 1
    except OSError as exc:
        print(f"fork {{born + 1}}: {{exc}}")
        break
print(born, "children")
"""

DISK_FILL = """
chunk = b"x" * (1 << 20)
for path in ("big", "/tmp/big", "/dev/shm/big", "/var/tmp/big"):
    written = 0
    try:
        with open(path, "wb") as f:
            for _ in range(1024):
                f.write(chunk); written += 1
    except OSError as exc:
        print(path, written, "MiB:", exc)
"""

IGNORE_SIGNALS = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    time.sleep(0.05)
"""

MEMORY_CHILDREN = """
import os, time
import numpy as np
for _ in range(4):
    if os.fork() == 0:
        hog = np.ones(300 * 2**20 // 8)
        time.sleep(60)
        os._exit(0)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
    except BaseException:
        pass
"""

NETWORK = """
import glob, socket
try:
    with socket.create_connection(("127.0.0.1", {port}), timeout=2) as s:
        for path in glob.glob({subs!r} + "/*.ipynb"):
            s.sendall(open(path, "rb").read())
        s.sendall(b"hello from the sandbox")
except OSError as exc:
    print(exc)
"""

CALL_LOSSBOOK_SETUP = """
import types
import lossbook
saved = lossbook.information.entropy
copied = types.FunctionType(saved.__code__, saved.__globals__, "copied", saved.__defaults__, saved.__closure__)
copied.__kwdefaults__ = saved.__kwdefaults__
"""


def build_hostile_batch(folder, *, subs, out, feedback, marker, port, package_files):
    """The honest classmates of HONEST and the attackers of HOSTILE, in ``folder``."""
    chapter = nbformat.read(CHAPTER, as_version=4)
    student = make_student_notebook(chapter, "02_entropy")
    solutions, stubs = _solutions(chapter), _stubs(student)
    imports = next(i for i, c in enumerate(student.cells) if "import numpy as np" in c.source)

    def variant(name, solved=range(4), replace=None, inserts=()):
        nb = copy.deepcopy(student)
        for k in solved:
            nb.cells[stubs[k]].source = solutions[k]
        for k, source in (replace or {}).items():
            nb.cells[stubs[k]].source = source
        for where, source in sorted(inserts, reverse=True):
            nb.cells.insert(where, nbformat.v4.new_code_cell(source))
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"c{i}"
        nbformat.write(nb, folder / f"{name}.ipynb")

    before_third = stubs[2]
    variant("blank", solved=())
    variant("full")
    variant(
        "partial",
        solved=[1],
        replace={0: "def my_entropy(p):\n    p = np.asarray(p)\n    return -np.sum(p * np.log(p), axis=-1)"},
    )
    paths = {"subs": str(subs), "out": str(out), "feedback": str(feedback), "marker": str(marker)}
    variant("kill_grader", inserts=[(before_third, KILL_GRADER)])
    variant("destroy_files", inserts=[(before_third, DESTROY_FILES.format(**paths))])
    variant("write_package", inserts=[(before_third, WRITE_PACKAGE.format(files=package_files))])
    variant("copy_classmate", solved=(), inserts=[(stubs[0] + 1, COPY_CLASSMATE.format(chapter=str(CHAPTER), **paths))])
    variant("daemon", inserts=[(before_third, DAEMON.format(**paths))])
    variant("forge_records", solved=(), inserts=[(before_third, FORGE_RECORDS.format())])
    variant("fork_flood", inserts=[(before_third, FORK_FLOOD.format())])
    variant("disk_fill", inserts=[(before_third, DISK_FILL)])
    variant("ignore_signals", inserts=[(before_third, IGNORE_SIGNALS)])
    variant("memory_children", inserts=[(before_third, MEMORY_CHILDREN)])
    variant("network", inserts=[(before_third, NETWORK.format(port=port, **paths))])
    variant(
        "call_lossbook",
        solved=[1, 2, 3],
        replace={0: "def my_entropy(p):\n    return copied(p) if saved is None else saved(p)"},
        inserts=[(imports + 1, CALL_LOSSBOOK_SETUP)],
    )
    return folder


def _digest(paths):
    import hashlib

    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


def _sandbox_processes():
    """PIDs of processes that run as a submission's uid (none may outlive grading)."""
    from lossbook.coursework.sandbox import FIRST_UID

    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid >= FIRST_UID:
                    found.append(int(name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile batch graded by the command line, with a listener on 127.0.0.1 and a look 4 s later."""
    import socket
    import threading
    import time

    import lossbook.coursework.grading as grading_module

    root = tmp_path_factory.mktemp("hostile")
    subs, outdir = root / "submissions", root / "grades"
    subs.mkdir()
    outdir.mkdir()
    out, feedback, marker = outdir / "grades.csv", outdir / "grades_feedback", root / "daemon-marker"
    package_files = [exercises.__file__, grading_module.__file__]
    received = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def listen():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                received.append(conn.recv(1 << 16))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    build_hostile_batch(
        subs,
        subs=subs,
        out=out,
        feedback=feedback,
        marker=marker,
        port=listener.getsockname()[1],
        package_files=package_files,
    )
    import numpy

    watched = [*subs.glob("*.ipynb"), *package_files, numpy.__file__]
    before = _digest(watched)
    cmd = [
        sys.executable, "-m", "lossbook.coursework", "grade", str(subs), "--out", str(out),
        "--chapter", str(CHAPTER), "--workers", "2", "--timeout", str(HOSTILE_TIMEOUT),
        "--cell-timeout", str(LIMITS.cell_timeout), "--case-timeout", str(LIMITS.case_timeout),
        "--memory", str(HOSTILE_MEMORY), "--disk", "64", "--no-progress",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    csv_text = out.read_text() if out.exists() else None
    time.sleep(4)  # the daemon acts 3 s after its cell
    stop.set()
    thread.join()
    listener.close()
    return {
        "proc": proc,
        "csv": csv_text,
        "csv_later": out.read_text() if out.exists() else None,
        "before": before,
        "after": _digest(watched),
        "received": received,
        "marker": marker,
        "feedback": feedback,
        "leftovers": _sandbox_processes(),
    }


def _rows(text):
    return {row["student"]: row for row in csv.DictReader(io.StringIO(text))}


def test_hostile_batch_keeps_honest_rows_and_grades_each_attacker(hostile):
    assert hostile["proc"].returncode == 0, hostile["proc"].stderr[-3000:]
    rows = _rows(hostile["csv"])
    assert sorted(rows) == sorted([*HONEST, *HOSTILE])
    base = _rows(expected_csv())
    for student in HONEST:  # exactly as in the batch without attackers
        assert rows[student] == base[student]
    for student, (status, scores) in HOSTILE.items():
        got = rows[student]
        assert (got["status"], [float(got[n]) for n in NAMES]) == (status, scores), student


def test_hostile_batch_changed_no_file_and_left_no_process(hostile):
    assert hostile["after"] == hostile["before"]  # classmates' notebooks, lossbook, numpy
    assert hostile["csv_later"] == hostile["csv"]  # the daemon did not rewrite it after grading
    assert not hostile["marker"].exists()
    assert hostile["leftovers"] == []  # fork flood, daemon, memory children: all gone
    assert hostile["received"] == []  # nothing reached the listener on 127.0.0.1
    notes = (hostile["feedback"] / "memory_children.txt").read_text()
    assert f"MiB together, more than the limit of {HOSTILE_MEMORY} MiB" in notes
    assert (
        "malformed, repeated or out-of-plan records were ignored"
        in (hostile["feedback"] / "forge_records.txt").read_text()
    )
    assert f"killed after {HOSTILE_TIMEOUT} s" in (hostile["feedback"] / "ignore_signals.txt").read_text()
    cheat = (hostile["feedback"] / "call_lossbook.txt").read_text()
    assert "withheld while the grader runs your notebook" in cheat and "0 of 2 passed" in cheat


# --------------------------------------------------------------------------
# The sandbox itself, the protocol and the outputs
# --------------------------------------------------------------------------

PROBE = """
import os, resource
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
print("uid", os.getuid(), os.geteuid(), "groups", os.getgroups())
print("caps", status["CapEff"].strip(), status["CapPrm"].strip(), "nnp", status["NoNewPrivs"].strip())
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("nproc", resource.getrlimit(resource.RLIMIT_NPROC))
print("cwd", os.getcwd(), os.listdir("."))
print("visible", [p for p in ({chapters!r}, "/home", {subs!r}) if os.path.exists(p)], os.listdir({repo!r}))
import lossbook
print("lossbook files", os.listdir(os.path.dirname(lossbook.__file__)))
"""


def test_sandbox_runs_submissions_as_their_own_unprivileged_uid(tmp_path):
    """The grader runs as root here (and in CI): the submission must still be an ordinary, capless user."""
    from lossbook.coursework.sandbox import FIRST_UID

    nb = _notebook(("code", PROBE.format(repo=str(ROOT), chapters=str(ROOT / "chapters"), subs=str(tmp_path / "subs"))))
    (tmp_path / "subs").mkdir()
    nbformat.write(nb, tmp_path / "subs" / "probe.ipynb")
    nbformat.write(nb, tmp_path / "subs" / "probe2.ipynb")
    batch = grade(tmp_path / "subs", None, chapter=CHAPTER, workers=1, limits=LIMITS, progress=False)
    logs = {r["student"]: r["log"] for r in batch.results}
    uids = set()
    for log in logs.values():
        lines = dict(line.split(" ", 1) for line in log.splitlines() if " " in line)
        uid = int(lines["uid"].split()[0])
        assert uid >= FIRST_UID and lines["uid"] == f"{uid} {uid} groups []"
        uids.add(uid)
        assert lines["caps"] == "0000000000000000 0000000000000000 nnp 1"
        assert lines["pids"] == "[1, 2]"  # its PID 1 (the reporter) and itself: nothing of the grader
        assert lines["nproc"] == f"({LIMITS.processes}, {LIMITS.processes})"
        # /tmp/work, or /tmp/work-<uid> when Python itself lives under /tmp (a clone there, as CI may make)
        assert re.match(r"/tmp/work(-\d+)? \[", lines["cwd"]), lines["cwd"]
        # Of the repository, only the package (no solutions), and the virtualenv when it lives there (CI's .venv):
        # Python's own installation is bound read-only into the sandbox.
        hidden, repo_entries = lines["visible"].split(" ", 1)
        venv = Path(sys.prefix).resolve()
        expected = {"lossbook"} | ({venv.relative_to(ROOT).parts[0]} if venv.is_relative_to(ROOT) else set())
        assert hidden == "[]" and set(ast.literal_eval(repo_entries)) == expected
        assert lines["lossbook"] == "files []"  # hidden: only the preloaded modules remain
    assert len(uids) == 2  # one uid per submission


def test_check_call_is_dropped_not_the_statement():
    nb = {
        "cells": [
            {"cell_type": "code", "source": "def f(p):\n    return p"},
            {
                "cell_type": "code",
                "source": 'x = 1; exercises.check_function("entropy", f); y = 2\n'
                'r = exercises.check_answer("entropy-uniform-8-bits", x) or 5',
            },
        ]
    }
    checks = discover_checks(nb)
    steps, _ = plan_execution(nb, checks, "all")
    assert steps[1]["code"] == "x = 1; None; y = 2\nr = None or 5\n"
    assert [s.get("check") for s in steps] == [None, None, 0, 1]


def test_records_are_validated():
    from lossbook.coursework._runner import valid_record

    checks = [{"name": "entropy", "kind": "function"}, {"name": "entropy-uniform-8-bits", "kind": "answer"}]
    good = {
        "event": "check",
        "index": 0,
        "name": "entropy",
        "found": True,
        "outputs": [{"dtype": "<f8", "shape": [2], "data": [1.0, 2.0]}, {"none": True}],
    }
    assert valid_record(good, checks, {0: 2})
    assert not valid_record(good, checks, {0: 1})  # more outputs than the check has cases
    assert not valid_record({**good, "index": 2}, checks)  # a check the plan does not have
    assert not valid_record({**good, "name": "softmax"}, checks)
    assert not valid_record({**good, "outputs": [5]}, checks)  # the number instead of an object of the issue
    assert not valid_record({**good, "outputs": [{"dtype": "<f8", "shape": [3], "data": [1.0]}]}, checks)
    assert not valid_record({**good, "outputs": [{"dtype": "O", "shape": [], "data": [1]}]}, checks)
    answer = {"event": "check", "index": 1, "name": "entropy-uniform-8-bits", "found": True, "answer": {"number": 3.0}}
    assert valid_record(answer, checks)
    assert not valid_record({**answer, "answer": {"number": "3"}}, checks)
    assert not valid_record({**answer, "answer": 3.0}, checks)
    assert not valid_record({"event": "cell", "cell": "1", "error": "x"}, checks)
    assert not valid_record(["event", "done"], checks) and valid_record({"event": "done"}, checks)


def test_outputs_are_written_atomically_and_never_through_a_symlink(tmp_path):
    from lossbook.coursework.grading import write_text_atomic

    teacher = tmp_path / "week1.csv"
    teacher.write_text("the teacher's own file\n")
    link = tmp_path / "grades.csv"
    link.symlink_to(teacher)
    write_text_atomic(link, "new grades\n")
    assert teacher.read_text() == "the teacher's own file\n"
    assert not link.is_symlink() and link.read_text() == "new grades\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    (tmp_path / "subs").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        grade(tmp_path / "subs", tmp_path, chapter=CHAPTER, progress=False)


def test_resume_grades_only_the_missing_submissions(batch_dir, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("blank", "full"):
        shutil.copy(batch_dir / f"{name}.ipynb", subs)
    out = tmp_path / "grades.csv"
    header = "student,chapter,status,entropy,entropy-uniform-8-bits,entropy-which-more-uncertain,binary-entropy-0.9-bits,total,max_total\n"
    out.write_text(header + "blank,02_entropy,graded,0,0,0,0,0,11\n" + "full,02_entropy,error,,,,,0,0\n")
    batch = grade(subs, out, chapter=CHAPTER, workers=1, limits=LIMITS, progress=False, resume=True)
    assert [r["student"] for r in batch.results] == ["full"]  # the grader error is graded again
    assert out.read_text() == header + "blank,02_entropy,graded,0,0,0,0,0,11\nfull,02_entropy,graded,8,1,1,1,11,11\n"


def test_grading_refuses_without_bubblewrap_and_says_why(tmp_path):
    (tmp_path / "subs").mkdir()
    env = {**os.environ, "PATH": str(tmp_path)}  # no bwrap on it
    cmd = [
        sys.executable,
        "-m",
        "lossbook.coursework",
        "grade",
        str(tmp_path / "subs"),
        "--out",
        str(tmp_path / "g.csv"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 2
    assert "bubblewrap (bwrap) is not installed" in proc.stderr and "--unsandboxed" in proc.stderr
    proc = subprocess.run(
        [*cmd, "--unsandboxed", "--no-progress"], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


CRASHY = '''
import os
import re
from pathlib import Path

def grade(job):
    """Dies like a killed worker: always for "doomed", on the first try for "unlucky"."""
    marker = Path(job["marker"])
    if job["student"] == "doomed" or (job["student"] == "unlucky" and not marker.exists()):
        marker.touch()
        os._exit(9)
    return {"student": job["student"], "status": "graded"}
'''


def test_a_dead_worker_costs_a_retry_then_a_grader_error_row(tmp_path, monkeypatch):
    from lossbook.coursework.grading import LocalExecutor

    (tmp_path / "crashy_worker.py").write_text(CRASHY)
    monkeypatch.syspath_prepend(str(tmp_path))
    import crashy_worker

    jobs = [
        {"student": s, "file": s, "chapter": "c", "marker": str(tmp_path / f"{s}.marker")}
        for s in ("a", "unlucky", "b", "doomed", "c")
    ]
    results = {r["student"]: r for r in LocalExecutor(2).map_unordered(crashy_worker.grade, jobs)}
    assert sorted(results) == ["a", "b", "c", "doomed", "unlucky"]
    assert results["doomed"]["status"] == "error" and "died twice" in results["doomed"]["notes"][0]
    assert all(results[s]["status"] == "graded" for s in ("a", "b", "c", "unlucky"))


# --------------------------------------------------------------------------
# Chapter 8: its answers use lossbook while gaussian_nll is withheld
# --------------------------------------------------------------------------


def test_chapter_8_solution_gets_full_marks_and_its_student_version_none(student_dir, tmp_path):
    """Withholding gaussian_nll must not withhold the shared reductions the calibration answers use."""
    import csv

    chapter = ROOT / "chapters" / "08_probabilistic_regression.ipynb"
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(chapter, subs / "solved.ipynb")
    shutil.copy(student_dir / chapter.name, subs / "blank.ipynb")
    out = tmp_path / "grades.csv"
    grade(subs, out, chapter=chapter, workers=2, limits=Limits(timeout=60, cell_timeout=30), progress=False)
    rows = {r["student"]: r for r in csv.DictReader(out.read_text().splitlines())}
    names = [c.name for c in discover_checks(nbformat.read(chapter, as_version=4))]
    assert names == ["gaussian_nll", "gaussian-nll-best-variance", "ece-six-predictions", "temperature-and-accuracy"]
    assert rows["solved"]["status"] == "graded" and rows["solved"]["total"] == rows["solved"]["max_total"]
    assert rows["blank"]["status"] == "graded" and float(rows["blank"]["total"]) == 0


def test_chapter_9_fast_plan_skips_only_framework_and_explorer_cells():
    """No name of chapter 9's exercises comes from a skipped cell (a shared name would force running everything,
    TensorFlow included), and every skipped cell is a framework tab, a full table or the explorer."""
    nb = nbformat.read(ROOT / "chapters" / "09_representations_and_sequences.ipynb", as_version=4)
    steps, notes = plan_execution(nb, discover_checks(nb), "fast")
    assert not any("all cells were run" in note for note in notes), notes
    run = {s["cell"] for s in steps if "cell" in s}
    skipped = [c for i, c in enumerate(nb.cells) if c.cell_type == "code" and i not in run]
    assert skipped and all(
        set(c.metadata.get("tags", [])) & {"tab-tensorflow", "tab-pytorch"}
        or "frameworks.compare(" in c.source
        or "explorers." in c.source
        for c in skipped
    ), [c.source[:60] for c in skipped]


# Chapter 7 (weights, imbalance and noisy labels) runs as coursework
# --------------------------------------------------------------------------

CHAPTER_7 = ROOT / "chapters" / "07_weights_and_imbalance.ipynb"


def test_chapter_7_is_graded_from_its_own_exercises(tmp_path):
    """The grader finds chapter 7 by its metadata and grades its four exercises: the solutions score every point
    (public and hidden cases), the untouched student version none, a focal loss without alpha only the questions."""
    chapter = nbformat.read(CHAPTER_7, as_version=4)
    checks = discover_checks(chapter)
    names = [c.name for c in checks]
    assert names == ["binary_focal", "keras-class-weight-mean", "label-smoothing-floor", "generalized-ce-mislabeled"]
    student = make_student_notebook(chapter, CHAPTER_7.stem)
    solutions, stubs = _solutions(chapter), _stubs(student)
    assert len(solutions) == len(stubs) == 4
    no_alpha = (
        "def my_focal(y_true, y_pred, gamma, alpha):\n"
        "    y, p = np.asarray(y_true), np.asarray(y_pred)\n"
        "    p_t = np.where(y == 1, p, 1 - p)\n"
        "    return np.mean(-(1 - p_t) ** gamma * np.log(np.clip(p_t, 1e-7, 1 - 1e-7)))"
    )
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, sources in (
        ("blank", {}),
        ("full", dict(enumerate(solutions))),
        ("no_alpha", {0: no_alpha, 1: solutions[1]}),
    ):
        nb = copy.deepcopy(student)
        for k, source in sources.items():
            nb.cells[stubs[k]].source = source
        nbformat.write(nb, folder / f"{name}.ipynb")
    limits = Limits(timeout=240, cell_timeout=120, case_timeout=5, memory_mb=4096)
    batch = grade(folder, None, chapters_dir=ROOT / "chapters", workers=1, limits=limits, progress=False)
    rows = {r["student"]: r for r in batch.results}
    focal_max = len(exercises.FUNCTIONS["binary_focal"].cases) + len(exercises.FUNCTIONS["binary_focal"].hidden_cases())
    assert {name: row["chapter"] for name, row in rows.items()} == dict.fromkeys(rows, CHAPTER_7.stem)
    assert all(row["status"] == "graded" for row in rows.values()), rows
    assert rows["full"]["scores"] == {
        "binary_focal": [focal_max, focal_max],
        "keras-class-weight-mean": [1, 1],
        "label-smoothing-floor": [1, 1],
        "generalized-ce-mislabeled": [1, 1],
    }
    assert [rows["blank"]["scores"][n][0] for n in names] == [0, 0, 0, 0]
    assert [rows["no_alpha"]["scores"][n][0] for n in names] == [0, 1, 0, 0]
    assert "without alpha" in rows["no_alpha"]["feedback"]["binary_focal"]

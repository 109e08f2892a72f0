"""Grade a folder of handed-in notebooks: sandboxed execution, grader-side checks, CSV.

How one submission is graded (:func:`grade_submission`):

1. The worker (a process of the local pool, or a Dask worker) reads the
   notebook as data and plans its execution (:func:`plan_execution`): which
   cells to run, and after which cell to record each check. The checks are
   the grader's, discovered from the *solution* chapter, not from the
   submission.
2. A child process (:mod:`lossbook.coursework._runner`) runs the student's
   cells with IPython in a new session, in an empty temporary directory,
   under an address-space limit (``RLIMIT_AS``), a per-cell and per-call
   alarm and a wall-clock timeout after which the worker kills its process
   group. At each check it records, as JSON data, the student's answer or
   the values their function returns on the grader's inputs: the public
   cases of :mod:`lossbook.exercises` and hidden cases drawn by the grader.
3. The worker scores that data with :func:`lossbook.exercises.check_function`
   and :func:`~lossbook.exercises.check_answer` in its own process, which
   never ran student code: replacing ``exercises.check_function`` in the
   notebook changes what the student sees, not the grade.

A cell that raises, loops, exhausts memory or exits costs the checks that
depend on it; everything recorded before a timeout or a crash is still
scored. :func:`grade` runs the submissions in parallel and writes the CSV.
"""

from __future__ import annotations

import ast
import atexit
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from unittest import mock

import numpy as np

from .. import exercises
from .student import Check, cell_source, check_calls, discover_checks, parse_cell

RUNNER = Path(__file__).with_name("_runner.py")

#: Statuses of a graded submission, as written to the CSV.
STATUSES = ("graded", "timeout", "crashed", "invalid")

#: Cells (before the exercises) that ``mode="fast"`` skips: those that use
#: these names, import TensorFlow or Keras, or use what such a cell defined.
SKIPPED_NAMES = frozenset({"tf_compare", "explorers"})
_SKIPPED_MODULES = ("tensorflow", "keras", "tf_keras")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission.

    Attributes
    ----------
    timeout : float
        Wall-clock seconds for the whole submission; then its process group is
        killed and what was recorded so far is scored.
    cell_timeout : float
        Seconds one cell may run before it is interrupted (and counts as an
        error); the notebook goes on with the next cell.
    case_timeout : float
        Seconds one call of the student's function may take.
    memory_mb : int
        Address-space limit (``RLIMIT_AS``) of the child, in MiB; beyond it
        allocations raise ``MemoryError``.
    output_mb : int
        Largest file the child may write (``RLIMIT_FSIZE``), in MiB.
    """

    timeout: float = 120.0
    cell_timeout: float = 30.0
    case_timeout: float = 10.0
    memory_mb: int = 3072
    output_mb: int = 64


# --------------------------------------------------------------------------
# The grader's cases: public (lossbook.exercises) and hidden (drawn here)
# --------------------------------------------------------------------------


def _rows(rng, n, k, *, zero=False):
    p = rng.dirichlet(np.ones(k), size=n)
    if zero:
        p[:, rng.integers(k)] = 0.0
        p /= p.sum(axis=-1, keepdims=True)
    return p


#: Hidden case generators: ``name -> rng -> list of argument tuples``. An exercise
#: without one gets hidden cases made by permuting its public cases' inputs.
HIDDEN_GENERATORS = {
    "entropy": lambda rng: [(_rows(rng, 4, 6),), (_rows(rng, 3, 5, zero=True).astype(np.float32),)],
    "cross_entropy": lambda rng: [(_rows(rng, 3, 5), _rows(rng, 3, 5)), (_rows(rng, 1, 7)[0], _rows(rng, 1, 7)[0])],
    "softmax": lambda rng: [(rng.normal(0, 300, size=(3, 5)),), (rng.normal(0, 2, size=6).astype(np.float32),)],
    "log_softmax": lambda rng: [(rng.normal(0, 300, size=(3, 5)),), (rng.normal(0, 2, size=6),)],
    "binary_crossentropy_from_logits": lambda rng: [
        (rng.integers(0, 2, size=(3, 4)).astype(float), rng.normal(0, 300, size=(3, 4))),
        (rng.uniform(size=5), rng.normal(0, 2, size=5)),
    ],
    "mean_squared_error": lambda rng: [
        (rng.normal(size=(6, 2)), rng.normal(size=(6, 2))),
        (rng.normal(size=4), rng.normal(size=4)),
    ],
    "sum_squared_error": lambda rng: [
        (rng.normal(size=(2, 5)), rng.normal(size=(2, 5))),
        (rng.normal(size=3).astype(np.float32), rng.normal(size=3).astype(np.float32)),
    ],
    "mse_per_sample": lambda rng: [
        (rng.normal(size=(5, 4)), rng.normal(size=(5, 4))),
        (rng.normal(size=(2, 1)), rng.normal(size=(2, 1))),
    ],
    "huber": lambda rng: [
        (rng.normal(size=(3, 4)), 3 * rng.normal(size=(3, 4)), float(rng.uniform(0.5, 2.0))),
        (rng.normal(size=5), rng.normal(size=5), 1.0),
    ],
    "hinge": lambda rng: [
        (rng.choice([-1.0, 1.0], size=(3, 4)), rng.normal(0, 2, size=(3, 4))),
        (rng.integers(0, 2, size=6).astype(float), rng.normal(0, 2, size=6)),
    ],
    "sigmoid_mse_grad": lambda rng: [
        (rng.integers(0, 2, size=(3, 4)).astype(float), rng.normal(0, 8, size=(3, 4))),
        (rng.integers(0, 2, size=5).astype(np.float32), rng.normal(0, 3, size=5).astype(np.float32)),
    ],
}


def _permuted(args, rng):
    """The same inputs with one permutation of their last axis (or of their rows)."""
    arrays = [np.asarray(a) for a in args]
    shaped = [a for a in arrays if a.ndim >= 1]
    if not shaped:
        return None
    if len({a.shape[-1] for a in shaped}) == 1 and shaped[0].shape[-1] > 1:
        perm = rng.permutation(shaped[0].shape[-1])
        out = tuple(a[..., perm] if a.ndim >= 1 else a for a in arrays)
    elif len({a.shape[0] for a in shaped}) == 1 and shaped[0].shape[0] > 1:
        perm = rng.permutation(shaped[0].shape[0])
        out = tuple(a[perm] if a.ndim >= 1 else a for a in arrays)
    else:
        return None
    if all(np.array_equal(a, b) for a, b in zip(out, arrays)):
        return None
    return out


def hidden_cases(name, seed=0):
    """The grader's hidden cases of a function exercise.

    Drawn from a generator seeded by ``seed`` and the exercise's name, so the
    same seed gives the same cases on every worker. Teachers pick their own
    seed (``--seed``) so that students cannot know the inputs in advance.

    Parameters
    ----------
    name : str
        A key of :data:`lossbook.exercises.FUNCTIONS`.
    seed : int

    Returns
    -------
    tuple of lossbook.exercises.Case
        Cases on which the exercise's reference runs without error.

    Examples
    --------
    >>> [case.label for case in hidden_cases("entropy", seed=1)]
    ['hidden case 1', 'hidden case 2']
    """
    exercise = exercises.FUNCTIONS[name]
    rng = np.random.default_rng([seed, *name.encode()])
    generator = HIDDEN_GENERATORS.get(name)
    if generator is not None:
        candidates = generator(rng)
    else:
        candidates = [p for p in (_permuted(c.args, rng) for c in exercise.cases) if p is not None][:3]
    cases = []
    for args in candidates:
        args = tuple(np.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exercise.reference(*args)
        except (TypeError, ValueError):
            continue
        float32 = any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in args)
        tol = {"rtol": 1e-5, "atol": 1e-6} if float32 else {}
        cases.append(exercises.Case(f"hidden case {len(cases) + 1}", args, **tol))
    return tuple(cases)


def _encode(arg):
    arr = np.asarray(arg)
    return {"dtype": arr.dtype.str, "shape": list(arr.shape), "data": arr.ravel().tolist()}


# --------------------------------------------------------------------------
# Planning the execution of a submission (static, in the trusted worker)
# --------------------------------------------------------------------------


def _names(tree):
    """Names a cell reads and names it defines (assignments, defs, imports)."""
    loads, stores = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stores if isinstance(node.ctx, ast.Store) else loads).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stores.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stores.update((a.asname or a.name).split(".")[0] for a in node.names)
    return loads, stores


def _imports_tensorflow(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in _SKIPPED_MODULES for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in _SKIPPED_MODULES:
            return True
    return False


def _without_checks(source, tree):
    """The cell's Python source without its top-level statements that call a checker."""
    from .student import python_source

    code = python_source(source)
    if tree is None:
        return code
    lines = code.split("\n")
    drop = set()
    for stmt in tree.body:
        if check_calls(stmt):
            drop.update(range(stmt.lineno - 1, stmt.end_lineno))
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def plan_execution(nb, checks, mode="fast"):
    """Which cells of a submission to run, and where to record each check.

    Parameters
    ----------
    nb : dict
        The submitted notebook (JSON).
    checks : sequence of Check
        The grader's checks (from the solution chapter).
    mode : {"fast", "all"}
        ``"all"`` runs every code cell. ``"fast"`` skips the cells before the
        exercises that compare with TensorFlow or display an explorer (they
        use ``tf_compare`` or ``explorers``, or import TensorFlow/Keras), and
        the cells that use what those cells defined; if an exercise cell needs
        such a name, nothing is skipped.

    Returns
    -------
    steps : list of dict
        ``{"cell": i, "code": source}`` and ``{"check": k, "found": bool}``,
        in execution order. A check is recorded right after the first cell of
        the submission that calls a checker on its name (the student's own
        checker calls are removed: the grade does not run them), or at the end
        if the submission has no such cell.
    notes : list of str
        What the plan skipped or could not find, for the feedback.
    """
    if mode not in ("fast", "all"):
        raise ValueError(f"mode must be 'fast' or 'all'; received mode={mode!r}.")
    cells = [(i, cell_source(c)) for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "code"]
    trees = {i: parse_cell(src) for i, src in cells}
    markdown_starts = [
        i for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "markdown" and "{exercise-start}" in cell_source(c)
    ]
    check_cells = [i for i, _ in cells if check_calls(trees[i])]
    protected_from = min(markdown_starts[:1] + check_cells[:1], default=len(nb["cells"]))

    skipped, notes = set(), []
    if mode == "fast":
        tainted = set()
        conflict = set()
        for i, _ in cells:
            tree = trees[i]
            if tree is None:
                continue
            loads, stores = _names(tree)
            if i < protected_from:
                if loads & (SKIPPED_NAMES | tainted) or _imports_tensorflow(tree):
                    skipped.add(i)
                    tainted |= stores
                else:
                    tainted -= stores
            else:
                conflict |= loads & tainted
                tainted -= stores
        if conflict:
            notes.append(
                "all cells were run: the exercises use "
                f"{', '.join(sorted(conflict))}, defined by TensorFlow or explorer cells"
            )
            skipped = set()
        elif skipped:
            notes.append(f"{len(skipped)} TensorFlow and explorer cells were not run (fast mode)")

    where = {}
    for i in check_cells:
        for name, *_ in check_calls(trees[i]):
            where.setdefault(name, i)
    steps = []
    placed = set()
    for i, src in cells:
        if i in skipped:
            continue
        steps.append({"cell": i, "code": _without_checks(src, trees[i])})
        for k, check in enumerate(checks):
            if where.get(check.name) == i:
                steps.append({"check": k, "found": True})
                placed.add(k)
    for k, check in enumerate(checks):
        if k not in placed:
            steps.append({"check": k, "found": False})
            notes.append(f"no cell checks {check.name!r}; {check.expr} was read at the end of the notebook")
    return steps, notes


# --------------------------------------------------------------------------
# Running the child and scoring its report
# --------------------------------------------------------------------------


def _child_env():
    return {
        **os.environ,
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class _ForkServer:
    """The runner in ``--serve`` mode: imports numpy, matplotlib, IPython and lossbook once, then forks a
    fresh child per submission (and supervises it: timeout, killed process group). It never runs student
    code itself. One per worker thread."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-P", str(RUNNER), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_child_env(),
            cwd=tempfile.gettempdir(),
        )
        self.buffer = b""
        atexit.register(self.close)
        if self._read_line(120) != {"ready": True}:
            self.close()
            raise RuntimeError("the grading fork server did not start")

    def _read_line(self, timeout):
        import selectors

        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                data = os.read(fd, 65536)
                if not data:
                    return None
                self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def run(self, task, workdir, timeout):
        request = {"task": task, "workdir": workdir, "timeout": timeout}
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            return None
        return self._read_line(timeout + 60)

    def close(self):
        """Stop the server (it also stops by itself when this process ends and its stdin closes)."""
        atexit.unregister(self.close)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()


_servers = threading.local()


def _run_forked(task, workdir, limits):
    """Run ``task`` in a child of this thread's fork server; None if the server is unusable."""
    for _ in range(2):
        server = getattr(_servers, "server", None)
        if server is None or server.proc.poll() is not None:
            try:
                server = _servers.server = _ForkServer()
            except (OSError, RuntimeError):
                return None
        response = server.run(task, workdir, limits.timeout)
        if isinstance(response, dict) and "output" in response:
            return response
        server.close()
        _servers.server = None
    return None


def _run_direct(task, workdir, limits):
    """Run ``task`` in a new Python process (no preloading)."""
    proc = subprocess.Popen(
        [sys.executable, "-P", str(RUNNER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
        env={**_child_env(), "IPYTHONDIR": os.path.join(workdir, ".ipython")},
        start_new_session=True,
    )
    timed_out = False
    try:
        out, _ = proc.communicate(json.dumps(task).encode(), timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid)
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # a grandchild left its own session with our pipe open
            out = b""
            proc.kill()
            proc.wait()
    finally:
        _kill_group(proc.pid)  # stray grandchildren of a finished submission
    return {"output": out.decode("utf-8", "replace"), "returncode": proc.returncode, "timed_out": timed_out}


def _run_child(task, limits, preload=True):
    """Run the runner on ``task``; return (report records, returncode, timed_out, log tail, seconds)."""
    workdir = tempfile.mkdtemp(prefix="lossbook-grade-")
    start = time.perf_counter()
    task = {**task, "ipythondir": os.path.join(workdir, ".ipython")}
    response = _run_forked(task, workdir, limits) if preload and hasattr(os, "fork") else None
    if response is None:
        response = _run_direct(task, workdir, limits)
    seconds = time.perf_counter() - start
    log_tail = ""
    try:
        with open(os.path.join(workdir, "grading-log.txt"), "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 3000))
            log_tail = log.read().decode("utf-8", "replace")
    except OSError:
        pass
    shutil.rmtree(workdir, ignore_errors=True)
    records = []
    for line in response["output"].splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records, response["returncode"], response["timed_out"], log_tail, seconds


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


_BUILTIN_WARNINGS = {w.__name__: w for w in (RuntimeWarning, UserWarning, DeprecationWarning, FutureWarning)}
_scoring_lock = threading.Lock()  # check_function uses warnings.catch_warnings, which is process-global


def _replay(outputs):
    """A stand-in for the student's function that returns what it returned in the sandbox."""
    queue = list(outputs)

    def replay(*args):
        out = queue.pop(0)
        for category, message in out.get("warnings", []):
            warnings.warn(message, _BUILTIN_WARNINGS.get(category, UserWarning), stacklevel=2)
        if "error" in out:
            base = NotImplementedError if out.get("not_implemented") else Exception
            raise type(out["error"], (base,), {})(out.get("message", ""))
        if out.get("none"):
            return None
        if "other" in out:
            return _Opaque(out["other"])
        return np.array(out["data"], dtype=out["dtype"]).reshape(out["shape"])

    return replay


class _Opaque:
    """What a student's function returned that is not numbers, known only by its description."""

    def __init__(self, description):
        self.description = description

    def __repr__(self):
        return self.description.rsplit(" of type ", 1)[0]

    def __array__(self, dtype=None, copy=None):
        return np.array(self.description, dtype=object)


def _score_function(check, cases, hidden, record):
    exercise = exercises.FUNCTIONS[check.name]
    n_public, n_hidden = len(exercise.cases), len(hidden)
    total = float(n_public + n_hidden)
    if record is None or "outputs" not in record:
        reason = record.get("error") if record else None
        header = f"{exercise.signature}: {exercise.description}"
        if reason is None:
            reason = "the notebook stopped before this check (see the notes)"
        return 0.0, total, f"{header}\nNot graded: {check.expr}: {reason}"
    outputs = record["outputs"]
    public = exercises.check_function(check.name, _replay(outputs[:n_public]), verbose=False)
    score, feedback = public.score, public.feedback
    if n_hidden:
        with mock.patch.dict(exercises.FUNCTIONS, {check.name: replace(exercise, cases=hidden)}):
            secret = exercises.check_function(check.name, _replay(outputs[n_public:]), verbose=False)
        score += secret.score
        feedback += f"\nHidden cases (the grader's own inputs): {secret.score:g} of {n_hidden} passed."
    return score, total, feedback


def _score_answer(check, record):
    question = exercises.QUESTIONS[check.name]
    header = f"{check.name}: {question.prompt}"
    if record is None:
        return 0.0, 1.0, f"{header}\nNot graded: the notebook stopped before this check (see the notes)."
    if "answer" not in record:
        return 0.0, 1.0, f"{header}\nNot graded: {check.expr}: {record.get('error')}"
    answer = record["answer"]
    if "invalid" in answer:
        return 0.0, 1.0, f"{header}\nNot a number: {check.expr} is {answer['invalid']}."
    result = exercises.check_answer(check.name, answer.get("number"), verbose=False)
    return result.score, result.max_score, result.feedback


def grade_submission(job):
    """Grade one submission; the unit of work of every executor.

    Parameters
    ----------
    job : dict
        ``student``, ``file``, ``notebook`` (the file's text), ``chapter``
        (its id), ``checks`` (dicts of :class:`~lossbook.coursework.student.Check`),
        ``limits`` (dict of :class:`Limits`), ``seed``, ``mode``, and
        optionally ``preload`` (default True).

    Returns
    -------
    dict
        ``student``, ``file``, ``chapter``, ``status`` (one of
        :data:`STATUSES`), ``scores`` (``name -> [score, max_score]``),
        ``feedback`` (``name -> text``), ``notes``, ``cell_errors``,
        ``seconds`` and ``log`` (the tail of the student's output).
    """
    checks = [Check(**c) for c in job["checks"]]
    limits = Limits(**job["limits"])
    result = {
        "student": job["student"],
        "file": job["file"],
        "chapter": job["chapter"],
        "status": "graded",
        "scores": {},
        "feedback": {},
        "notes": [],
        "cell_errors": [],
        "seconds": 0.0,
        "log": "",
    }
    with _scoring_lock:
        cases = {c.name: exercises.FUNCTIONS[c.name].cases for c in checks if c.kind == "function"}
        hidden = {name: hidden_cases(name, job["seed"]) for name in cases}
    records = {}
    try:
        nb = json.loads(job["notebook"])
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
        steps, notes = plan_execution(nb, checks, job["mode"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        result["status"] = "invalid"
        result["notes"].append(f"not a readable notebook: {exc}")
    else:
        result["notes"].extend(notes)
        task = {
            "steps": steps,
            "checks": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "expr": c.expr,
                    "cases": [[_encode(a) for a in case.args] for case in (*cases.get(c.name, ()), *hidden.get(c.name, ()))],
                }
                for c in checks
            ],
            "cell_timeout": limits.cell_timeout,
            "case_timeout": limits.case_timeout,
            "memory_bytes": int(limits.memory_mb) * 2**20,
            "output_bytes": int(limits.output_mb) * 2**20,
            "cpu_seconds": int(limits.timeout) + 10,
        }
        lines, returncode, timed_out, log, seconds = _run_child(task, limits, job.get("preload", True))
        result["seconds"], result["log"] = round(seconds, 3), log
        done = False
        for record in lines:
            if record.get("event") == "check" and isinstance(record.get("index"), int):
                records.setdefault(record["index"], record)
            elif record.get("event") == "cell":
                result["cell_errors"].append(f"cell {_one_based(record.get('cell'))}: {record.get('error')}")
            elif record.get("event") == "done":
                done = True
        if timed_out:
            result["status"] = "timeout"
            result["notes"].append(f"killed after {limits.timeout:g} s; the checks recorded before were graded")
        elif not done:
            result["status"] = "crashed"
            how = f"signal {-returncode}" if returncode and returncode < 0 else f"exit code {returncode}"
            result["notes"].append(f"the notebook's process ended early ({how}); the checks recorded before were graded")
    with _scoring_lock:
        for k, check in enumerate(checks):
            record = records.get(k)
            if record is not None and record.get("name") != check.name:
                record = None  # a forged or garbled record
            if check.kind == "function":
                score, total, feedback = _score_function(check, cases[check.name], hidden[check.name], record)
            else:
                score, total, feedback = _score_answer(check, record)
            result["scores"][check.name] = [float(score), float(total)]
            result["feedback"][check.name] = feedback
    return result


# --------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------


class LocalExecutor:
    """A local pool of worker processes (``concurrent.futures.ProcessPoolExecutor``, spawn).

    Parameters
    ----------
    workers : int or None
        Submissions graded at once; default: the number of cores.
    """

    def __init__(self, workers=None):
        self.workers = workers or os.cpu_count() or 1

    def map_unordered(self, fn, jobs):
        """Yield ``fn(job)`` for each job, in the order they finish."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
            futures = [pool.submit(fn, job) for job in jobs]
            for future in as_completed(futures):
                yield future.result()


class DaskExecutor:
    """A Dask distributed cluster, given its scheduler's address.

    Each submission is one task (``Client.submit(..., pure=False)``); the
    workers need lossbook installed, not the submissions' files (the job
    carries the notebook).

    Parameters
    ----------
    address : str
        The scheduler, e.g. ``"tcp://127.0.0.1:8786"``.
    """

    def __init__(self, address):
        self.address = address

    def map_unordered(self, fn, jobs):
        """Yield ``fn(job)`` for each job, in the order they finish."""
        from distributed import Client, as_completed

        with Client(self.address, set_as_default=False) as client:
            futures = [client.submit(fn, job, pure=False, key=f"grade-{i}-{job['student']}") for i, job in enumerate(jobs)]
            for future in as_completed(futures, loop=client.loop):
                yield future.result()


# --------------------------------------------------------------------------
# A batch: find submissions, grade, write the CSV and the summary
# --------------------------------------------------------------------------


def find_submissions(folder):
    """``(student, path)`` for every notebook under ``folder``, sorted by student.

    A notebook directly in ``folder`` belongs to the student of its file
    name (``alice.ipynb``); one in a subfolder to the student of the first
    subfolder (``alice/02_entropy.ipynb``, nbgrader's layout).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue  # .ipynb_checkpoints
        student = rel.parts[0] if len(rel.parts) > 1 else path.stem
        found.append((student, path))
    names = Counter(s for s, _ in found)
    return [(f"{s}/{p.stem}" if names[s] > 1 else s, p) for s, p in found]


def _chapter_of(path, text, chapters):
    try:
        meta = json.loads(text).get("metadata", {}).get("lossbook", {})
        chapter = meta.get("chapter") if isinstance(meta, dict) else None
    except (ValueError, AttributeError):
        chapter = None
    if chapter in chapters:
        return chapter
    return path.stem if path.stem in chapters else None


def default_chapters_dir():
    """``chapters/`` of the repository lossbook is installed from, else of the working directory."""
    repo = Path(__file__).resolve().parents[2] / "chapters"
    return repo if repo.is_dir() else Path("chapters")


@dataclass
class Batch:
    """The graded batch: one result dict per submission, and how long it took."""

    results: list
    checks: dict
    seconds: float
    workers: str

    @property
    def per_minute(self):
        """Submissions graded per minute of wall-clock time."""
        return 60.0 * len(self.results) / self.seconds if self.seconds else float("nan")


def grade(
    submissions,
    out=None,
    *,
    chapter=None,
    chapters_dir=None,
    workers=None,
    scheduler=None,
    limits=Limits(),
    seed=0,
    mode="fast",
    preload=True,
    feedback_dir=None,
    progress=True,
):
    """Grade a folder of submitted notebooks and write the grades.

    Parameters
    ----------
    submissions : path
        Folder of ``.ipynb`` files (see :func:`find_submissions`).
    out : path or None
        The CSV to write: one row per submission, one column per check.
        A summary goes next to it (``<out>.summary.txt``) and per-student
        feedback into ``feedback_dir`` (default ``<out stem>_feedback/``).
    chapter : path or None
        The solution chapter every submission answers. Default: each
        submission's ``lossbook.chapter`` metadata (set by the student
        version), or its file name, looked up in ``chapters_dir``.
    chapters_dir : path or None
        Where the solution chapters are; default :func:`default_chapters_dir`.
    workers : int or None
        Local worker processes (default: one per core).
    scheduler : str or None
        Address of a Dask scheduler; grade on that cluster instead.
    limits : Limits
    seed : int
        Seed of the hidden cases.
    mode : {"fast", "all"}
        See :func:`plan_execution`.
    preload : bool
        Fork each submission's process from a server that has imported
        numpy, matplotlib, IPython and lossbook already (default); False
        starts a new interpreter per submission.
    progress : bool
        Show a progress bar (tqdm) on stderr.

    Returns
    -------
    Batch
    """
    import nbformat

    submissions = find_submissions(submissions)
    if chapter is not None:
        chapter = Path(chapter)
        chapter_files = {chapter.stem: chapter}
    else:
        folder = Path(chapters_dir) if chapters_dir else default_chapters_dir()
        chapter_files = {p.stem: p for p in sorted(folder.glob("*.ipynb"))}
    checks = {}
    jobs, invalid = [], []
    for student, path in submissions:
        text = path.read_text(encoding="utf-8", errors="replace")
        chapter_id = next(iter(chapter_files)) if chapter is not None else _chapter_of(path, text, chapter_files)
        if chapter_id is None:
            invalid.append(_unknown_chapter(student, path))
            continue
        if chapter_id not in checks:
            checks[chapter_id] = discover_checks(nbformat.read(chapter_files[chapter_id], as_version=4))
        jobs.append(
            {
                "student": student,
                "file": str(path),
                "notebook": text,
                "chapter": chapter_id,
                "checks": [asdict(c) for c in checks[chapter_id]],
                "limits": asdict(limits),
                "seed": int(seed),
                "mode": mode,
                "preload": bool(preload),
            }
        )
    executor = DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="submission", desc="grading", file=sys.stderr)
    results = list(invalid)
    start = time.perf_counter()
    for result in executor.map_unordered(grade_submission, jobs):
        results.append(result)
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"{result['student']}: {result['status']}", refresh=False)
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    results.sort(key=lambda r: (r["chapter"] or "", r["student"]))
    batch = Batch(results, {k: [c.name for c in v] for k, v in checks.items()}, seconds,
                  f"dask {scheduler}" if scheduler else f"{executor.workers} local processes")
    if out is not None:
        write_csv(batch, out)
        Path(str(out) + ".summary.txt").write_text(summary(batch), encoding="utf-8")
        write_feedback(batch, feedback_dir or Path(out).with_name(Path(out).stem + "_feedback"))
    return batch


def _unknown_chapter(student, path):
    return {
        "student": student,
        "file": str(path),
        "chapter": "",
        "status": "invalid",
        "scores": {},
        "feedback": {},
        "notes": ["unknown chapter: the notebook names no chapter of the grader (give --chapter)"],
        "cell_errors": [],
        "seconds": 0.0,
        "log": "",
    }


def _fmt(x):
    return f"{x:g}"


def write_csv(batch, path):
    """Write one row per submission: student, chapter, status, a score per check, total, max_total."""
    columns = []
    for names in batch.checks.values():
        columns += [n for n in names if n not in columns]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student", "chapter", "status", *columns, "total", "max_total"])
        for r in batch.results:
            maxima = {n: m for n, (_, m) in r["scores"].items()}
            names = batch.checks.get(r["chapter"], [])
            row = [r["student"], r["chapter"], r["status"]]
            row += [_fmt(r["scores"][n][0]) if n in r["scores"] else "" for n in columns]
            row += [_fmt(sum(s for s, _ in r["scores"].values())), _fmt(sum(maxima.get(n, 0) for n in names))]
            writer.writerow(row)


def summary(batch):
    """A plain-text summary: throughput, statuses, and per check the mean score and how many solved it."""
    lines = [
        f"{len(batch.results)} submissions graded in {batch.seconds:.1f} s "
        f"({batch.per_minute:.1f} per minute) on {batch.workers}.",
        "Statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(Counter(r["status"] for r in batch.results).items())),
    ]
    for chapter, names in batch.checks.items():
        rows = [r for r in batch.results if r["chapter"] == chapter]
        lines += ["", f"Chapter {chapter} ({len(rows)} submissions)", f"{'check':<36} {'max':>5} {'mean':>7} {'full marks':>10}"]
        for name in names:
            got = [r["scores"][name] for r in rows if name in r["scores"]]
            if not got:
                continue
            top = got[0][1]
            mean = sum(s for s, _ in got) / len(got)
            full = sum(s == m for s, m in got)
            lines.append(f"{name:<36} {top:>5g} {mean:>7.2f} {full:>5}/{len(got)}")
    problems = [r for r in batch.results if r["status"] != "graded" or r["cell_errors"]]
    if problems:
        lines += ["", "Submissions with problems:"]
        for r in problems:
            what = "; ".join(r["notes"][-1:] + r["cell_errors"][:2])
            lines.append(f"- {r['student']} ({r['status']}): {what}")
    return "\n".join(lines) + "\n"


def write_feedback(batch, folder):
    """One text file per submission: the grader's feedback per check, notes and cell errors."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for r in batch.results:
        total = sum(s for s, _ in r["scores"].values())
        top = sum(m for _, m in r["scores"].values())
        parts = [f"{r['student']} - {r['chapter']} - {r['status']} - {total:g} / {top:g}", ""]
        parts += [f"Note: {n}" for n in r["notes"]]
        parts += [f"Error in {e}" for e in r["cell_errors"]]
        for name, text in r["feedback"].items():
            score, top = r["scores"][name]
            parts += ["", f"== {name}: {score:g} / {top:g}", text]
        safe = re.sub(r"[^\w.-]+", "_", r["student"])
        (folder / f"{safe}.txt").write_text("\n".join(parts) + "\n", encoding="utf-8")


def _one_based(index):
    """Cells as a reader counts them (the first cell is cell 1)."""
    return index + 1 if isinstance(index, int) else index

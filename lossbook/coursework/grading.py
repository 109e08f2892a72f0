"""Grade a folder of handed-in notebooks: sandboxed execution, grader-side checks, CSV.

How one submission is graded (:func:`grade_submission`):

1. The worker (a process of the local pool, or a Dask worker) reads the
   notebook as data and plans its execution (:func:`plan_execution`): which
   cells to run, and after which cell to record each check. The checks are
   the grader's, discovered from the *solution* chapter, not from the
   submission.
2. A child process (:mod:`lossbook.coursework._runner`) runs the student's
   cells with IPython in the sandbox of :mod:`lossbook.coursework.sandbox`
   (bubblewrap around the fork server; per submission its own namespaces,
   uid, empty ``/tmp`` and limits, with lossbook's implementation of the
   exercises withheld), with a per-cell and per-call alarm and a wall-clock
   timeout after which all its processes are killed. At each check it
   records, as JSON data, the student's answer or the values their function
   returns on the grader's inputs: the public cases of
   :mod:`lossbook.exercises` and hidden cases drawn by the grader. The
   sandbox's PID 1 passes on only well-formed records of the plan's checks.
3. The worker checks every record again and scores that data with
   :func:`lossbook.exercises.check_function` and
   :func:`~lossbook.exercises.check_answer` in its own process, which never
   ran student code, each check in its own error handling: replacing
   ``exercises.check_function`` in the notebook changes what the student
   sees, not the grade.

A cell that raises, loops, exhausts memory or exits costs the checks that
depend on it; everything recorded before a timeout or a crash is still
scored. :func:`grade` runs the submissions in parallel and writes the CSV.
"""

from __future__ import annotations

import ast
import atexit
import csv
import io
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
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import exercises
from . import _runner
from . import sandbox as _sandbox
from .student import Check, cell_source, check_calls, discover_checks, parse_cell

RUNNER = Path(__file__).with_name("_runner.py")

#: Statuses of a graded submission, as written to the CSV.
#: ``error`` means the grader itself failed on it twice (a worker died): grade it again with ``--resume``.
STATUSES = ("graded", "timeout", "crashed", "invalid", "error")

#: Cells (before the exercises) that ``mode="fast"`` skips: those that use
#: these names, import TensorFlow or Keras, or use what such a cell defined.
SKIPPED_NAMES = frozenset({"frameworks", "explorers"})
_SKIPPED_MODULES = ("tensorflow", "keras", "tf_keras", "torch")


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
    processes : int
        Processes and threads the submission may have at once (``RLIMIT_NPROC`` of its own uid; sandbox).
    disk_mb : int
        Size of the submission's writable ``/tmp`` (a tmpfs, in memory; sandbox), in MiB.

    In the sandbox ``memory_mb`` also bounds the resident memory of all the submission's processes
    together: when their sum exceeds it, they are all killed (status ``crashed``).
    """

    timeout: float = 120.0
    cell_timeout: float = 30.0
    case_timeout: float = 10.0
    memory_mb: int = 3072
    output_mb: int = 64
    processes: int = 64
    disk_mb: int = 256


# --------------------------------------------------------------------------
# The grader's cases: public and hidden, both drawn by the records of lossbook.exercises
# --------------------------------------------------------------------------


def hidden_cases(name, seed=0):
    """The grader's hidden cases of a function exercise.

    Drawn by the exercise's record (:meth:`lossbook.exercises.FunctionExercise.hidden_cases`)
    from a generator seeded by ``seed`` and the exercise's name, so the
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
    return exercises.FUNCTIONS[name].hidden_cases(seed)


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
    """The cell's Python source with each checker call replaced by ``None``: the code around it still runs."""
    from .student import python_source

    code = python_source(source)
    if tree is None:
        return code
    lines = code.split("\n")
    calls = [call for _, _, _, call in check_calls(tree)]
    outer = [c for c in calls if not any(o is not c and _inside(c, o) for o in calls)]
    for call in sorted(outer, key=lambda c: (c.lineno, c.col_offset), reverse=True):
        first = lines[call.lineno - 1].encode()  # AST offsets count UTF-8 bytes
        last = lines[call.end_lineno - 1].encode()
        joined = (first[: call.col_offset] + b"None" + last[call.end_col_offset :]).decode()
        lines[call.lineno - 1 : call.end_lineno] = [joined]
    return "\n".join(lines)


def _inside(inner, outer):
    return (outer.lineno, outer.col_offset) <= (inner.lineno, inner.col_offset) and (
        inner.end_lineno,
        inner.end_col_offset,
    ) <= (outer.end_lineno, outer.end_col_offset)


def _first_exercise_cell(nb, check_cells):
    """Index of the first cell of the exercises: the first ``{exercise-start}`` or check cell."""
    markdown_starts = [
        i
        for i, c in enumerate(nb["cells"])
        if c.get("cell_type") == "markdown" and "{exercise-start}" in cell_source(c)
    ]
    return min(markdown_starts[:1] + check_cells[:1], default=len(nb["cells"]))


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
        use ``frameworks`` or ``explorers``, or import TensorFlow/Keras), and
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
    check_cells = [i for i, _ in cells if check_calls(trees[i])]
    protected_from = _first_exercise_cell(nb, check_cells)

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
    code itself. In the sandbox it runs inside bubblewrap (:mod:`lossbook.coursework.sandbox`). One per
    worker thread."""

    def __init__(self, sandboxed):
        command = [sys.executable, "-P", str(RUNNER), "--serve"]
        self.sandboxed = sandboxed
        self.proc = subprocess.Popen(
            [*_sandbox.bwrap_command(), *command] if sandboxed else command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_child_env(),
            cwd=tempfile.gettempdir(),
        )
        self.buffer = bytearray()
        self.closed = False
        atexit.register(self.close)
        # a pool worker ends with os._exit, after multiprocessing's finalizers but without atexit
        from multiprocessing import util

        util.Finalize(None, self.close, exitpriority=10)
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
                if not data or len(self.buffer) > 4 * _runner.MAX_REPORT_BYTES:
                    return None
                self.buffer += data
        cut = self.buffer.index(b"\n")
        line = bytes(self.buffer[:cut])
        del self.buffer[: cut + 1]
        try:
            return json.loads(line)
        except ValueError:
            return None

    def run(self, request):
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            return None
        return self._read_line(request["timeout"] + 60)

    def close(self):
        """Stop the server (it also stops by itself when this process ends and its stdin closes)."""
        if self.closed:
            return
        self.closed = True
        atexit.unregister(self.close)
        try:
            self.proc.stdin.close()  # the server ends at the end of its requests
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


_servers = threading.local()


def _run_forked(request, sandboxed, preload=True):
    """Run ``request`` in a child of this thread's fork server; None if the server is unusable.

    Without ``preload`` a server is started for this one request and stopped after it.
    """
    if not preload:
        try:
            server = _ForkServer(sandboxed)
        except (OSError, RuntimeError):
            return None
        try:
            return server.run(request)
        finally:
            server.close()
    for _ in range(2):
        server = getattr(_servers, "server", None)
        if server is None or server.proc.poll() is not None or server.sandboxed != sandboxed:
            if server is not None:
                server.close()
            try:
                server = _servers.server = _ForkServer(sandboxed)
            except (OSError, RuntimeError):
                return None
        response = server.run(request)
        if isinstance(response, dict) and isinstance(response.get("output"), str):
            return response
        server.close()
        _servers.server = None
    return None


def _run_direct(task, workdir, limits):
    """Run ``task`` in a new Python process (no preloading, no sandbox)."""
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
    return {
        "output": out[: _runner.MAX_REPORT_BYTES].decode("utf-8", "replace"),
        "returncode": proc.returncode,
        "timed_out": timed_out,
    }


def _run_child(task, limits, preload=True, sandboxed=True, withhold=()):
    """Run the runner on ``task``.

    Returns a dict: ``records`` (the report, each record checked), ``rejected`` (records dropped as
    malformed, forged or beyond the plan), ``returncode``, ``timed_out``, ``memory`` (bytes in use when
    the sandbox was killed for memory, or None), ``log`` (tail of the student's output), ``seconds``
    and ``error`` (the sandbox could not be set up).
    """
    start = time.perf_counter()
    workdir = None
    if sandboxed:
        request = {
            "task": task,
            "timeout": limits.timeout,
            "sandbox": {
                "uid": _sandbox.next_uid(),
                "disk_mb": int(limits.disk_mb),
                "processes": int(limits.processes),
                "memory_total_bytes": int(limits.memory_mb) * 2**20,
                "report_bytes": _runner.MAX_REPORT_BYTES,
                "hide": [_sandbox.lossbook_dir()],
                "shadow_tmp": _sandbox.shadow_tmp(),
                "withhold": list(withhold),
            },
        }
        response = _run_forked(request, True, preload)
        if response is None:
            raise RuntimeError("the sandboxed fork server failed twice")
    else:
        workdir = tempfile.mkdtemp(prefix="lossbook-grade-")
        task = {**task, "ipythondir": os.path.join(workdir, ".ipython")}
        request = {"task": task, "workdir": workdir, "timeout": limits.timeout}
        response = _run_forked(request, False) if preload and hasattr(os, "fork") else None
        if response is None:
            response = _run_direct(task, workdir, limits)
    out = {
        "records": [],
        "rejected": 0,
        "returncode": response.get("returncode"),
        "cpu": response.get("cpu"),
        "timed_out": bool(response.get("timed_out")),
        "memory": None,
        "log": "",
        "error": None,
        "withheld": [],
    }
    n_cases = {k: len(c["cases"]) for k, c in enumerate(task["checks"])}
    seen = set()
    for line in response["output"].splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            out["rejected"] += 1
            continue
        event = record.get("event") if isinstance(record, dict) else None
        if sandboxed and event in (
            "sandbox",
            "withheld",
            "timeout",
            "memory",
            "report_too_large",
            "exit",
            "sandbox_error",
        ):
            # written by the sandbox's PID 1 or the server, which the submission cannot reach
            if event == "timeout":
                out["timed_out"] = True
            elif event == "memory":
                out["memory"] = int(record.get("bytes", 0))
            elif event == "report_too_large":
                out["error"] = f"the notebook's report exceeded {_runner.MAX_REPORT_BYTES >> 20} MiB; it was stopped"
            elif event == "exit":
                out["returncode"] = record.get("returncode")
                out["rejected"] += int(record.get("rejected", 0))
                out["log"] = str(record.get("log", ""))[-3000:]
            elif event == "withheld":
                out["withheld"] = [str(n) for n in record.get("names", [])][:50]
            elif event == "sandbox_error":
                out["error"] = f"the sandbox could not be set up: {record.get('error')}"
            continue
        key = (event, record.get("index")) if event in ("check", "done") else None
        if not _runner.valid_record(record, task["checks"], n_cases) or (key is not None and key in seen):
            out["rejected"] += 1
            continue
        seen.add(key)
        out["records"].append(record)
    if workdir is not None:
        try:
            with open(os.path.join(workdir, "grading-log.txt"), "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 3000))
                out["log"] = log.read().decode("utf-8", "replace")
        except OSError:
            pass
        shutil.rmtree(workdir, ignore_errors=True)
    out["seconds"] = time.perf_counter() - start
    return out


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


#: Part of the error of a call of a withheld function (see :func:`lossbook.coursework._runner.withhold`).
WITHHELD_MESSAGE = "is withheld while the grader runs your notebook"

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
    missing = {"error": "RuntimeError", "message": "no output was recorded for this case"}
    outputs = list(record["outputs"][: n_public + n_hidden])
    outputs += [missing] * (n_public + n_hidden - len(outputs))
    public = exercises.check_function(check.name, _replay(outputs[:n_public]), verbose=False)
    score, feedback = public.score, public.feedback
    if n_hidden:
        secret = exercises.check_function(check.name, _replay(outputs[n_public:]), cases=hidden, verbose=False)
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


def _max_score(check, cases, hidden):
    return float(len(cases.get(check.name, ())) + len(hidden.get(check.name, ()))) if check.kind == "function" else 1.0


def grade_submission(job):
    """Grade one submission; the unit of work of every executor.

    Parameters
    ----------
    job : dict
        ``student``, ``file``, ``notebook`` (the file's text), ``chapter``
        (its id), ``checks`` (dicts of :class:`~lossbook.coursework.student.Check`),
        ``limits`` (dict of :class:`Limits`), ``seed``, ``mode``, and
        optionally ``preload`` (default True) and ``sandbox`` (default True:
        refuse to run without it, see :mod:`lossbook.coursework.sandbox`).

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
    sandboxed = job.get("sandbox", True)
    if sandboxed:
        _sandbox.require()  # a Dask worker checks its own machine
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
                    "cases": [
                        [_encode(a) for a in case.args] for case in (*cases.get(c.name, ()), *hidden.get(c.name, ()))
                    ],
                }
                for c in checks
            ],
            "cell_timeout": limits.cell_timeout,
            "case_timeout": limits.case_timeout,
            "memory_bytes": int(limits.memory_mb) * 2**20,
            "output_bytes": int(limits.output_mb) * 2**20,
            "cpu_seconds": int(limits.timeout) + 10,
        }
        withhold = [c.name for c in checks if c.kind == "function"]
        run = _run_child(task, limits, job.get("preload", True), sandboxed, withhold)
        result["seconds"], result["log"] = round(run["seconds"], 3), run["log"]
        if run["cpu"] is not None:
            result["cpu_seconds"] = run["cpu"]
        done, policy, before = False, [], []
        exercises_from = _first_exercise_cell(
            nb,
            [
                i
                for i, c in enumerate(nb["cells"])
                if c.get("cell_type") == "code" and check_calls(parse_cell(cell_source(c)))
            ],
        )
        for record in run["records"]:
            if record["event"] == "check":
                records.setdefault(record["index"], record)
            elif record["event"] == "cell" and WITHHELD_MESSAGE in record["error"]:
                policy.append(_one_based(record["cell"]))
            elif record["event"] == "cell" and record["cell"] < exercises_from:
                before.append(_one_based(record["cell"]))
            elif record["event"] == "cell":
                result["cell_errors"].append(f"cell {_one_based(record['cell'])}: {record['error']}")
            elif record["event"] == "done":
                done = True
        if run["withheld"]:
            result["notes"].append(
                "lossbook's own implementation of the exercises was withheld while the notebook ran ("
                + ", ".join(run["withheld"])
                + ")"
                + (f"; cells {', '.join(map(str, policy))} used it and raised" if policy else "")
            )
        if before:
            result["notes"].append(
                f"cells {', '.join(map(str, before))} (before the exercises) raised: see the end of the log"
            )
        if run["rejected"]:
            result["notes"].append(f"{run['rejected']} malformed, repeated or out-of-plan records were ignored")
        if run["error"]:
            result["notes"].append(run["error"])
        if run["timed_out"]:
            result["status"] = "timeout"
            result["notes"].append(f"killed after {limits.timeout:g} s; the checks recorded before were graded")
        elif run["memory"]:
            result["status"] = "crashed"
            result["notes"].append(
                f"killed: its processes used {run['memory'] / 2**20:.0f} MiB together, more than the limit of "
                f"{limits.memory_mb} MiB; the checks recorded before were graded"
            )
        elif not done:
            result["status"] = "crashed"
            code = run["returncode"]
            how = f"signal {-code}" if isinstance(code, int) and code < 0 else f"exit code {code}"
            result["notes"].append(
                f"the notebook's process ended early ({how}); the checks recorded before were graded"
            )
    with _scoring_lock:
        for k, check in enumerate(checks):
            record = records.get(k)
            try:  # each check on its own: a record the scorer cannot use costs that check only
                if check.kind == "function":
                    score, total, feedback = _score_function(check, cases[check.name], hidden[check.name], record)
                else:
                    score, total, feedback = _score_answer(check, record)
            except Exception as exc:  # noqa: BLE001
                score, total = 0.0, _max_score(check, cases, hidden)
                feedback = f"Not graded: the grader could not score this check ({type(exc).__name__}: {exc})"
                result["notes"].append(f"{check.name}: grader error while scoring: {type(exc).__name__}")
            result["scores"][check.name] = [float(score), float(total)]
            result["feedback"][check.name] = feedback
    return result


def grader_error(job, reason):
    """The row of a submission the grader failed on twice (status ``error``; ``--resume`` grades it again)."""
    return {
        "student": job["student"],
        "file": job["file"],
        "chapter": job["chapter"],
        "status": "error",
        "scores": {},
        "feedback": {},
        "notes": [f"grader error, not the student's: {reason}; grade it again with --resume"],
        "cell_errors": [],
        "seconds": 0.0,
        "log": "",
    }


# --------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------


def _die_with_parent():
    """In a pool worker: be killed when the grading command dies (its fork server, in bubblewrap, follows)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the command died before this line
            os._exit(1)


class LocalExecutor:
    """A local pool of worker processes (``concurrent.futures.ProcessPoolExecutor``, spawn).

    At most ``workers`` submissions are in the pool at once, so when a worker dies the submissions it
    may have been running are known. Each of them is then graded alone in a pool of one worker: one that
    kills that worker twice is recorded as a grader error (:func:`grader_error`); the others, and every
    other row, are graded as usual.

    Parameters
    ----------
    workers : int or None
        Submissions graded at once; default: the number of cores.
    """

    def __init__(self, workers=None):
        self.workers = workers or os.cpu_count() or 1

    def map_unordered(self, fn, jobs):
        """Yield ``fn(job)`` (or a grader-error row) for each job, in the order they finish."""
        queue = list(jobs)[::-1]
        suspects = []
        while queue:
            yield from self._run(fn, queue, self.workers, suspects)
            while suspects:  # alone, twice at most: a worker that dies now died of this submission
                job = suspects.pop()
                for _attempt in range(2):
                    lone = []
                    results = list(self._run(fn, [job], 1, lone))
                    if not lone:
                        yield from results
                        break
                else:
                    yield grader_error(job, "its grading worker died twice")

    @staticmethod
    def _run(fn, queue, workers, suspects):
        """Run the jobs of ``queue`` (popped from its end); on a dead worker, move those in flight to ``suspects``."""
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent
        )
        running, broken = {}, False
        try:
            while (queue or running) and not broken:
                while queue and len(running) < workers:
                    job = queue.pop()
                    running[pool.submit(fn, job)] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(job)
                    except Exception as exc:  # noqa: BLE001 - the grader's failure, not the student's
                        yield grader_error(job, f"{type(exc).__name__}: {exc}")
                    else:
                        yield result
            suspects.extend(running.values())
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)


class DaskExecutor:
    """A Dask distributed cluster, given its scheduler's address.

    Each submission is one task (``Client.submit(..., pure=False)``); the
    workers need lossbook installed, not the submissions' files (the job
    carries the notebook). A task that fails (its worker died, or Dask gave
    up on it) is submitted once more, then recorded as a grader error.

    Parameters
    ----------
    address : str
        The scheduler, e.g. ``"tcp://127.0.0.1:8786"``.
    """

    def __init__(self, address):
        self.address = address

    def map_unordered(self, fn, jobs):
        """Yield ``fn(job)`` (or a grader-error row) for each job, in the order they finish."""
        from distributed import Client, as_completed

        with Client(self.address, set_as_default=False) as client:
            futures = {
                client.submit(fn, job, pure=False, key=f"grade-{i}-{job['student']}"): (i, job, 1)
                for i, job in enumerate(jobs)
            }
            pending = as_completed(list(futures), loop=client.loop)
            for future in pending:
                i, job, attempt = futures[future]
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker, CommClosedError, ...
                    if attempt < 2:
                        again = client.submit(fn, job, pure=False, key=f"grade-{i}-{job['student']}-again")
                        futures[again] = (i, job, attempt + 1)
                        pending.add(again)
                    else:
                        yield grader_error(job, f"{type(exc).__name__}: {exc}")


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
    kept: list = None  # rows of an earlier CSV kept by ``resume`` (dicts of its columns)

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
    unsandboxed=False,
    resume=False,
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
    unsandboxed : bool
        Grade without the sandbox (:mod:`lossbook.coursework.sandbox`). Without it, grading refuses to
        start where the sandbox cannot run, and says why. Only for work you trust.
    resume : bool
        Keep the rows of an existing ``out`` (except grader errors) and grade only the submissions
        missing from it.

    Returns
    -------
    Batch

    Raises
    ------
    lossbook.coursework.sandbox.SandboxUnavailable
        If the sandbox cannot run here and ``unsandboxed`` is not given.
    """
    import nbformat

    if scheduler is None:  # on a Dask cluster each worker checks its own machine
        _sandbox.require(unsandboxed)
    if out is not None:
        _check_output(Path(out))
        if feedback_dir is not None:
            _check_output(Path(feedback_dir), folder=True)
    kept = _kept_rows(out) if resume and out is not None else []
    done = {(row["student"], row["chapter"]) for row in kept}
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
        if (student, chapter_id) in done:
            continue
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
                "sandbox": not unsandboxed,
            }
        )
    executor = DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="submission", desc="grading", file=sys.stderr)
    results = [r for r in invalid if (r["student"], r["chapter"]) not in done]
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
    batch = Batch(
        results,
        {k: [c.name for c in v] for k, v in checks.items()},
        seconds,
        f"dask {scheduler}" if scheduler else f"{executor.workers} local processes",
        kept,
    )
    if out is not None:
        write_csv(batch, out)
        write_text_atomic(str(out) + ".summary.txt", summary(batch))
        write_feedback(batch, feedback_dir or Path(out).with_name(Path(out).stem + "_feedback"))
    return batch


def _check_output(path, folder=False):
    """Refuse an output path that is a folder (or, for a folder, a file) or a symlink, before any grading."""
    if path.is_symlink():
        raise ValueError(f"{path} is a symbolic link; the grader writes its outputs only to plain paths")
    if not folder and path.is_dir():
        raise ValueError(f"--out {path} is a folder; give the path of the CSV file to write")
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file; give a folder for the feedback")


def _kept_rows(out):
    """Rows of an existing CSV that ``resume`` keeps: every status but ``error``."""
    try:
        with open(out, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        return []
    return [row for row in rows if row.get("status") in STATUSES and row["status"] != "error"]


def write_text_atomic(path, text):
    """Write ``text`` to ``path`` atomically: a new file next to it (never through a symlink), then a rename.

    A reader sees the old file or the new one, never half of one; a symlink at ``path`` is replaced,
    not followed.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
    """Write one row per submission: student, chapter, status, a score per check, total, max_total (atomically)."""
    columns = []
    for names in batch.checks.values():
        columns += [n for n in names if n not in columns]
    for row in batch.kept or ():
        extra = [k for k in row if k not in ("student", "chapter", "status", "total", "max_total")]
        columns += [n for n in extra if n not in columns]
    rows = []
    for r in batch.results:
        maxima = {n: m for n, (_, m) in r["scores"].items()}
        names = batch.checks.get(r["chapter"], [])
        row = [r["student"], r["chapter"], r["status"]]
        row += [_fmt(r["scores"][n][0]) if n in r["scores"] else "" for n in columns]
        row += [_fmt(sum(s for s, _ in r["scores"].values())), _fmt(sum(maxima.get(n, 0) for n in names))]
        rows.append(row)
    for kept in batch.kept or ():
        rows.append(
            [
                kept["student"],
                kept["chapter"],
                kept["status"],
                *(kept.get(n) or "" for n in columns),
                kept.get("total", ""),
                kept.get("max_total", ""),
            ]
        )
    rows.sort(key=lambda row: (row[1], row[0]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "chapter", "status", *columns, "total", "max_total"])
    writer.writerows(rows)
    write_text_atomic(path, out.getvalue())


def summary(batch):
    """A plain-text summary: throughput, statuses, and per check the mean score and how many solved it."""
    lines = [
        f"{len(batch.results)} submissions graded in {batch.seconds:.1f} s "
        f"({batch.per_minute:.1f} per minute) on {batch.workers}.",
        "Statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(Counter(r["status"] for r in batch.results).items())),
    ]
    for chapter, names in batch.checks.items():
        rows = [r for r in batch.results if r["chapter"] == chapter]
        lines += [
            "",
            f"Chapter {chapter} ({len(rows)} submissions)",
            f"{'check':<36} {'max':>5} {'mean':>7} {'full marks':>10}",
        ]
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
    """One text file per submission: the grader's feedback per check, notes and cell errors (atomically)."""
    folder = Path(folder)
    _check_output(folder, folder=True)
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
        write_text_atomic(folder / f"{safe}.txt", "\n".join(parts) + "\n")


def _one_based(index):
    """Cells as a reader counts them (the first cell is cell 1)."""
    return index + 1 if isinstance(index, int) else index

"""The sandboxed child of the grader: run one submission, report what it computed.

This file runs as its own process (``python -P _runner.py``), started by
:func:`lossbook.coursework.grading.grade_submission` in a new session (process
group), in an empty temporary working directory, with a wall-clock timeout
enforced by the parent. It is the only process that executes a student's
code, and it decides no grade: it reports *data* (the student's numbers and
the values their functions return on the grader's inputs) and the grader
scores that data in another process that never ran student code.

Protocol
--------
stdin
    One JSON object: ``steps`` (``{"cell": i, "code": str}`` to execute, or
    ``{"check": k}`` to record check ``k``), ``checks`` (``name``, ``kind``
    "function" or "answer", ``expr`` the Python expression to evaluate,
    ``cases`` the encoded arguments of every case for a function), and the
    limits ``cell_timeout``, ``case_timeout`` (seconds), ``memory_bytes`` and
    ``output_bytes``.
stdout
    JSON lines, written as soon as each is known (so a process killed later
    still reports what it did before): ``{"event": "cell", ...}`` for each
    cell that raised or timed out, ``{"event": "check", ...}`` per check and
    ``{"event": "done"}`` at the end. The student's own printing goes to a
    log file in the working directory, never to this channel.

The limits are set first, before anything is imported: the address space
(``RLIMIT_AS``, so a huge allocation raises ``MemoryError``), the size of
files written (``RLIMIT_FSIZE``), CPU seconds (a backstop for the parent's
timeout) and no core dumps. A ``SIGALRM`` timer interrupts a cell or a call
of the student's function that runs longer than its limit.
"""

import gc
import json
import os
import resource
import signal
import sys

LOG_NAME = "grading-log.txt"


class _TimeLimit(BaseException):
    """Raised by the alarm: a BaseException, so ``except Exception`` in student code does not swallow it."""


def _on_alarm(signum, frame):
    raise _TimeLimit()


def _set_limits(memory_bytes, output_bytes, cpu_seconds):
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if output_bytes:
        resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes, output_bytes))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit raises OSError instead of killing
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class _Alarm:
    """``with _Alarm(seconds):`` raises :class:`_TimeLimit` inside the block after ``seconds``."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        signal.signal(signal.SIGALRM, _on_alarm)
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        return False


def _short(exc, limit=400):
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _decode(arg):
    import numpy as np

    return np.array(arg["data"], dtype=arg["dtype"]).reshape(arg["shape"])


def _describe(value):
    try:
        text = repr(value)
    except BaseException:  # noqa: BLE001 - a student's __repr__ may raise anything
        text = "<unprintable>"
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} of type {type(value).__name__}"


def _encode_output(value):
    """The value a student's function returned, as JSON data (never a pickle)."""
    import numpy as np

    if value is None:
        return {"none": True}
    try:
        arr = np.asarray(value)
    except BaseException:  # noqa: BLE001
        return {"other": _describe(value)}
    if arr.dtype.kind not in "biuf":
        return {"other": _describe(value)}
    data = arr.ravel().tolist()
    return {"dtype": arr.dtype.str, "shape": list(arr.shape), "data": data}


def _encode_answer(value):
    import numpy as np

    if value is None:
        return {"none": True}
    if isinstance(value, (bool, np.bool_)):
        return {"invalid": _describe(value)}
    try:
        arr = np.asarray(value)
    except BaseException:  # noqa: BLE001
        return {"invalid": _describe(value)}
    if arr.dtype.kind not in "iuf" or arr.size != 1:
        return {"invalid": _describe(value)}
    return {"number": float(arr.reshape(()))}


def _call_case(fn, args, seconds):
    """Call the student's function on fresh copies of one case's inputs."""
    import warnings

    import numpy as np

    copies = [np.array(a, copy=True) for a in args]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"), _Alarm(seconds):
                value = fn(*copies)
            out = _encode_output(value)
        except _TimeLimit:
            out = {"error": "TimeoutError", "message": f"the call did not return within {seconds:g} s", "timeout": True}
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt: the student's, reported
            out = {
                "error": type(exc).__name__,
                "message": str(exc)[:400],
                "not_implemented": isinstance(exc, NotImplementedError),
            }
    warned = []
    for w in caught:
        item = [w.category.__name__, str(w.message)[:200]]
        if item not in warned:
            warned.append(item)
    if warned:
        out["warnings"] = warned[:5]
    return out


def _record_check(shell, index, check, found, cell_timeout, case_timeout):
    record = {"event": "check", "index": index, "name": check["name"], "found": found}
    try:
        with _Alarm(cell_timeout):
            value = eval(check["expr"], shell.user_ns)  # noqa: S307 - the student's namespace, in the sandbox
    except _TimeLimit:
        record["error"] = f"TimeoutError: evaluating {check['expr']} took longer than {cell_timeout:g} s"
        return record
    except BaseException as exc:  # noqa: BLE001
        record["error"] = _short(exc)
        return record
    if check["kind"] == "answer":
        try:
            with _Alarm(cell_timeout):
                record["answer"] = _encode_answer(value)
        except BaseException as exc:  # noqa: BLE001
            record["answer"] = {"invalid": _short(exc)}
        return record
    if not callable(value):
        record["error"] = f"TypeError: {check['expr']} is {_describe(value)}, not a function"
        return record
    outputs = []
    for args in check["cases"]:
        if outputs and outputs[-1].get("timeout"):
            outputs.append({"error": "TimeoutError", "message": "not run: an earlier case timed out", "timeout": True})
            continue
        outputs.append(_call_case(value, [_decode(a) for a in args], case_timeout))
    record["outputs"] = outputs
    return record


def run_task(task, channel_fd):
    """Run one submission in this process, report on ``channel_fd``, and exit (never returns)."""
    _set_limits(task.get("memory_bytes"), task.get("output_bytes"), task.get("cpu_seconds"))
    if task.get("ipythondir"):
        os.environ["IPYTHONDIR"] = task["ipythondir"]

    # The result channel is a private descriptor; the student's output goes to a log file.
    channel = os.fdopen(channel_fd, "w", buffering=1, encoding="utf-8")
    log = os.open(LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # input() gets EOF
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(devnull)
    os.close(log)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115

    def emit(record):
        channel.write(json.dumps(record) + "\n")
        channel.flush()

    import warnings

    warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.display_formatter.active_types = ["text/plain"]
    shell.InteractiveTB.set_mode(mode="Plain")  # cheap tracebacks, also when memory is short
    shell.colors = "nocolor"  # the log is a text file
    cell_timeout, case_timeout = task["cell_timeout"], task["case_timeout"]
    checks = task["checks"]

    for step in task["steps"]:
        if "check" in step:
            k = step["check"]
            emit(_record_check(shell, k, checks[k], step.get("found", True), cell_timeout, case_timeout))
            continue
        try:
            with _Alarm(cell_timeout):
                result = shell.run_cell(step["code"], store_history=False)
            error = result.error_before_exec or result.error_in_exec
        except _TimeLimit as exc:  # the alarm rang outside the cell's own code
            error = exc
        if error is not None:  # drop the traceback, and with it the frames (and memory) of the failed cell
            sys.last_type = sys.last_value = sys.last_traceback = None
            if hasattr(sys, "last_exc"):
                sys.last_exc = None
            result = shell.last_execution_result = None
            if hasattr(shell.InteractiveTB, "tb"):
                shell.InteractiveTB.tb = None
        if isinstance(error, _TimeLimit):
            emit({"event": "cell", "cell": step["cell"], "error": f"TimeoutError: the cell ran longer than {cell_timeout:g} s"})
        elif error is not None:
            emit({"event": "cell", "cell": step["cell"], "error": _short(error)})
        if error is not None:
            error = None
            gc.collect()
        if "matplotlib.pyplot" in sys.modules:  # as Jupyter's inline backend does after each cell
            try:
                sys.modules["matplotlib.pyplot"].close("all")
            except BaseException:  # noqa: BLE001
                pass
    emit({"event": "done"})
    channel.close()
    os._exit(0)  # skip interpreter teardown: the student's atexit handlers and finalizers do not run


def main():
    """Direct mode: the task on stdin, the report on stdout."""
    task = json.loads(sys.stdin.buffer.read())
    run_task(task, os.dup(1))


# --------------------------------------------------------------------------
# Fork server: import once, fork a fresh child per submission
# --------------------------------------------------------------------------

#: Modules a chapter imports, loaded once by the fork server (a missing one is skipped).
PRELOAD = (
    "numpy",
    "scipy.special",
    "matplotlib.pyplot",
    "IPython.core.interactiveshell",
    "lossbook",
    "lossbook.exercises",
    "lossbook.gradients",
    "lossbook.plots",
    "lossbook.tf_compare",
    "lossbook.explorers",
)


def _supervise(request):
    """Fork a child for one task, collect its report within the timeout, kill its process group."""
    import selectors
    import time

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a new session, the submission's directory, nothing of the server's pipes
        status = 70
        try:
            os.setsid()
            os.chdir(request["workdir"])
            os.close(read_fd)
            for fd in (0, 1):
                os.dup2(os.open(os.devnull, os.O_RDWR), fd)
            os.closerange(3, write_fd)
            os.closerange(write_fd + 1, 1024)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            run_task(request["task"], write_fd)
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks, timed_out = [], False
    deadline = time.monotonic() + request["timeout"]
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if not timed_out:
                    timed_out = True
                    _kill_group(pid)
                    deadline = time.monotonic() + 5  # drain what the killed child wrote
                    continue
                break  # a grandchild of another session holds the pipe: give up reading
            if selector.select(left):
                data = os.read(read_fd, 65536)
                if not data:
                    break
                chunks.append(data)
    os.close(read_fd)
    _kill_group(pid)  # stray grandchildren of a finished submission
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return {"output": b"".join(chunks).decode("utf-8", "replace"), "returncode": code, "timed_out": timed_out}


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def serve():
    """Fork-server mode: preload, then one JSON request per line on stdin, one JSON response per line on stdout."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a chapter that needs it imports it (and fails) itself
            pass
    requests = sys.stdin.buffer
    responses = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # library chatter must not reach the responses
    responses.write(json.dumps({"ready": True}) + "\n")
    responses.flush()
    for line in requests:
        if not line.strip():
            continue
        responses.write(json.dumps(_supervise(json.loads(line))) + "\n")
        responses.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main()

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
            emit(
                {
                    "event": "cell",
                    "cell": step["cell"],
                    "error": f"TimeoutError: the cell ran longer than {cell_timeout:g} s",
                }
            )
        elif error is not None:
            emit({"event": "cell", "cell": step["cell"], "error": _short(error)})
        if isinstance(error, MemoryError):  # free what the failed cell held (a full collection copies pages)
            error = None
            gc.collect()
        error = None
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
# Records: the only data that crosses from a submission to the grader
# --------------------------------------------------------------------------

#: Largest record line accepted (a check of a function holds its outputs on every case).
MAX_RECORD_BYTES = 1 << 20
_DTYPES = frozenset(f"{order}{kind}{size}" for order in "<>|=" for kind in "biuf" for size in (1, 2, 4, 8))
_OUTPUT_KEYS = frozenset(
    {"none", "other", "dtype", "shape", "data", "error", "message", "not_implemented", "timeout", "warnings"}
)


def _text(value, limit=400):
    return isinstance(value, str) and len(value) <= limit


def valid_output(out):
    """True if ``out`` is one well-formed output of a student's function (see :func:`_encode_output`)."""
    if not isinstance(out, dict) or not set(out) <= _OUTPUT_KEYS:
        return False
    if "warnings" in out:
        w = out["warnings"]
        if not (
            isinstance(w, list)
            and len(w) <= 5
            and all(isinstance(i, list) and len(i) == 2 and _text(i[0], 60) and _text(i[1], 200) for i in w)
        ):
            return False
    if "error" in out:
        return (
            _text(out["error"], 100)
            and _text(out.get("message", ""), 400)
            and all(isinstance(out.get(k, False), bool) for k in ("not_implemented", "timeout"))
        )
    if out.get("none") is True:
        return len(set(out) - {"warnings"}) == 1
    if "other" in out:
        return _text(out["other"], 200)
    shape, data = out.get("shape"), out.get("data")
    if out.get("dtype") not in _DTYPES or not isinstance(shape, list) or not isinstance(data, list):
        return False
    if len(shape) > 8 or not all(type(n) is int and 0 <= n <= 1 << 20 for n in shape):
        return False
    size = 1
    for n in shape:
        size *= n
    return size == len(data) and all(type(x) in (int, float, bool) for x in data)


def valid_record(record, checks, n_cases=None):
    """True if ``record`` is a well-formed report record of a task with these ``checks``.

    ``n_cases`` (index -> number of cases of a function check) bounds the outputs a check record may hold:
    a record cannot claim more cases, or a check the plan does not have.
    """
    if not isinstance(record, dict):
        return False
    event = record.get("event")
    if event == "cell":
        return type(record.get("cell")) is int and _text(record.get("error"), 500) and len(record) == 3
    if event == "check":
        k = record.get("index")
        if type(k) is not int or not 0 <= k < len(checks) or record.get("name") != checks[k]["name"]:
            return False
        if not isinstance(record.get("found"), bool) or not set(record) <= {
            "event",
            "index",
            "name",
            "found",
            "error",
            "answer",
            "outputs",
        }:
            return False
        if "error" in record:
            return _text(record["error"], 500) and "answer" not in record and "outputs" not in record
        if checks[k]["kind"] == "answer":
            answer = record.get("answer")
            if not isinstance(answer, dict) or len(answer) != 1:
                return False
            if answer.get("none") is True:
                return True
            if "number" in answer:
                return type(answer["number"]) in (int, float)
            return _text(answer.get("invalid"), 500)
        outputs = record.get("outputs")
        limit = n_cases.get(k) if n_cases else None
        return (
            isinstance(outputs, list)
            and (limit is None or len(outputs) <= limit)
            and all(valid_output(o) for o in outputs)
        )
    if event == "done":
        return len(record) == 1
    return False


# --------------------------------------------------------------------------
# The sandbox of one submission (inside bubblewrap, started by the fork server)
# --------------------------------------------------------------------------

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
_CLONE_NEWPID, _CLONE_NEWNET = 0x20000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 1, 2, 4, 8, 1 << 14, 1 << 18
_PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS = 4, 38
WORKDIR = "/tmp/work"


def _libc():
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def _sys(result, what):
    if result != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(libc, source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _sys(libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _withheld_code(qualname, n_free):
    """A code object that raises when called, with ``n_free`` free variables (to replace a closure's code)."""
    names = [f"_v{i}" for i in range(n_free)]
    message = (
        f"lossbook's {qualname} is withheld while the grader runs your notebook: "
        "the exercise asks for your own implementation"
    )
    body = "".join(f"    {n} = None\n" for n in names)
    body += "    def withheld(*args, **kwargs):\n"
    if names:
        body += f"        ({', '.join(names)},)\n"
    body += f"        raise RuntimeError({message!r})\n    return withheld\n"
    space = {}
    exec("def make():\n" + body, space)
    return space["make"]().__code__


def implementation(fn, package_dir, shared=("lossbook._validation", "lossbook._reductions")):
    """The functions of lossbook (under ``package_dir``) that ``fn`` is made of: itself and what it calls.

    Follows the names its code (and nested code) uses in its module's globals, attributes of lossbook
    modules it uses, closures and ``__wrapped__``. The shared input checks and the sums and means over
    the last axis (``shared`` modules) are not an implementation of anything and are left alone:
    withholding them would break every other loss a student's notebook calls (chapter 8's calibration
    answers use ``lossbook.expected_calibration_error`` while ``gaussian_nll`` is withheld).
    """
    import types

    found, stack = {}, [fn]
    while stack:
        f = stack.pop()
        f = getattr(f, "__func__", f)
        if not isinstance(f, types.FunctionType) or id(f) in found:
            continue
        if not f.__code__.co_filename.startswith(package_dir) or f.__module__ in shared:
            continue
        found[id(f)] = f
        codes, names = [f.__code__], set()
        while codes:
            code = codes.pop()
            names.update(code.co_names)
            codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        modules = [f.__globals__.get(n) for n in names]
        modules = [m for m in modules if isinstance(m, types.ModuleType) and m.__name__.startswith("lossbook")]
        for name in names:
            stack.append(f.__globals__.get(name))
            stack.extend(getattr(m, name, None) for m in modules)
        stack.extend(c.cell_contents for c in (f.__closure__ or ()) if _has_contents(c))
        stack.append(getattr(f, "__wrapped__", None))
    return list(found.values())


def _has_contents(cell):
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def withhold(exercise_names):
    """Replace the code of lossbook's implementation of these exercises, in this process, by code that raises.

    Every function object that shares the code (an alias, a partial, a copy) is replaced too; the
    original code objects are then unreachable. Returns the qualified names withheld.
    """
    import gc
    import linecache
    import types

    try:
        import lossbook
        from lossbook import exercises
    except Exception:  # noqa: BLE001 - nothing to withhold
        return []
    package_dir = os.path.dirname(lossbook.__file__)
    targets = {}
    for name in exercise_names:
        exercise = exercises.FUNCTIONS.get(name)
        if exercise is not None:
            for f in implementation(exercise.reference, package_dir):
                targets[id(f.__code__)] = f
    codes = {
        k: _withheld_code(f"{f.__module__}.{f.__qualname__}", len(f.__code__.co_freevars)) for k, f in targets.items()
    }
    gc.unfreeze()  # the fork server froze what it preloaded; get_objects() does not list frozen objects
    try:
        for obj in gc.get_objects():
            if isinstance(obj, types.FunctionType) and id(obj.__code__) in codes:
                obj.__code__ = codes[id(obj.__code__)]
    finally:
        gc.freeze()
    linecache.clearcache()
    return sorted(f"{f.__module__}.{f.__qualname__}" for f in targets.values())


def _enter_sandbox(request, channel_fd):
    """In a fresh child of the fork server: new namespaces, then the reporter as PID 1 (never returns)."""
    global WORKDIR
    libc = _libc()[1]
    sandbox = request["sandbox"]
    _sys(libc.unshare(_CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS), "unshare")
    go_read, go_write = os.pipe()
    pid = os.fork()  # the first child in the new PID namespace is its PID 1
    if pid:  # tell the server which process to kill to end the sandbox, then let PID 1 go on
        os.close(go_read)
        os.write(channel_fd, (json.dumps({"event": "sandbox", "pid": pid}) + "\n").encode())
        os.close(channel_fd)
        os.close(go_write)
        os.waitpid(pid, 0)
        os._exit(0)
    os.close(go_write)
    os.read(go_read, 1)
    os.close(go_read)
    uid = int(sandbox["uid"])
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount(libc, "proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    size = f"size={int(sandbox['disk_mb'])}m"
    if sandbox.get("shadow_tmp", True):
        _mount(libc, "tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, f"{size},mode=1777")
    else:  # Python or lossbook lives under /tmp (bound there by bubblewrap): a work dir of its own instead
        WORKDIR = f"/tmp/work-{int(sandbox['uid'])}"
        os.makedirs(WORKDIR, exist_ok=True)
        _mount(libc, "tmpfs", WORKDIR, "tmpfs", _MS_NOSUID | _MS_NODEV, f"{size},mode=755")
    for path in ("/dev/shm", "/var/tmp", "/run"):
        if os.path.isdir(path) and not os.path.islink(path):
            _mount(libc, "tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=1777")
    for path in sandbox.get("hide", ()):  # lossbook's files: the preloaded modules are all it may use
        if os.path.isdir(path):
            _mount(libc, "tmpfs", path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "size=4k,mode=555")
    if sandbox.get("shadow_tmp", True):
        os.mkdir(WORKDIR, 0o700)
    os.chown(WORKDIR, uid, uid)
    os.chmod(WORKDIR, 0o700)
    withheld = withhold(sandbox.get("withhold", ()))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to a uid of its own: every capability is gone
    _sys(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _sys(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")  # the submission cannot read this process
    import resource

    resource.setrlimit(resource.RLIMIT_NPROC, (sandbox["processes"], sandbox["processes"]))
    os.chdir(WORKDIR)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(
        {
            "HOME": WORKDIR,
            "TMPDIR": WORKDIR if not sandbox.get("shadow_tmp", True) else "/tmp",
            "MPLCONFIGDIR": WORKDIR + "/.matplotlib",
        }
    )
    task = {**request["task"], "ipythondir": WORKDIR + "/.ipython"}
    _report(task, channel_fd, request["timeout"], sandbox, withheld)


def _report(task, channel_fd, timeout, sandbox, withheld):
    """PID 1 of a submission's sandbox: run it in a child, check what it reports, pass it on, then end it all.

    The submission writes to a pipe of this process, which alone holds the channel to the grader. This
    process is PID 1 of the namespace (signals from inside do not reach it) and not dumpable (its
    memory and descriptors cannot be read by the submission, which runs as the same uid). Every record is
    checked against the plan: well formed, a check the plan has, at most once, with no more outputs than
    the check has cases. The report's size is capped, the processes' memory summed (all of them
    together) and the time limited; when any runs out, or the submission says it is done, every other
    process of the namespace is killed.
    """
    import select
    import time

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 70
        try:
            os.close(read_fd)
            os.close(channel_fd)
            libc = _libc()[1]
            libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
            run_task(task, write_fd)
        except BaseException:  # noqa: BLE001 - the runner's own failure, for the log
            import traceback

            with open(os.path.join(WORKDIR, LOG_NAME), "a", encoding="utf-8") as log:
                traceback.print_exc(file=log)
        finally:
            os._exit(status)
    os.close(write_fd)
    channel = os.fdopen(channel_fd, "w", buffering=1, encoding="utf-8")
    checks = task["checks"]
    n_cases = {k: len(c.get("cases", ())) for k, c in enumerate(checks)}
    seen, rejected, total = set(), 0, 0
    buffer = bytearray()
    end = None
    deadline = time.monotonic() + timeout
    next_look = 0.0
    memory_limit = sandbox.get("memory_total_bytes")
    report_limit = sandbox.get("report_bytes", 16 << 20)
    if withheld:
        channel.write(json.dumps({"event": "withheld", "names": withheld}) + "\n")
    while end is None:
        left = deadline - time.monotonic()
        if left <= 0:
            end = {"event": "timeout"}
            break
        ready, _, _ = select.select([read_fd], [], [], min(left, 0.05))
        if memory_limit and time.monotonic() >= next_look:
            next_look = time.monotonic() + 0.05
            used = _memory_in_use(memory_limit)
            if used > memory_limit:
                end = {"event": "memory", "bytes": used}
                break
        if not ready:
            continue
        data = os.read(read_fd, 1 << 16)
        if not data:
            break
        total += len(data)
        if total > report_limit:
            end = {"event": "report_too_large", "bytes": total}
            break
        buffer += data
        while True:
            cut = buffer.find(b"\n")
            if cut < 0:
                if len(buffer) > MAX_RECORD_BYTES:
                    buffer.clear()
                    rejected += 1
                break
            line = bytes(buffer[:cut])
            del buffer[: cut + 1]
            try:
                record = json.loads(line) if len(line) <= MAX_RECORD_BYTES else None
            except ValueError:
                record = None
            key = (record.get("event"), record.get("index", record.get("cell"))) if isinstance(record, dict) else None
            if not valid_record(record, checks, n_cases) or (key[0] != "cell" and key in seen):
                rejected += 1
                continue
            seen.add(key)
            channel.write(json.dumps(record) + "\n")
            if record["event"] == "done":
                end = {"event": "finished"}
                break
    status = _end_all(pid)
    if end is not None and end["event"] != "finished":
        channel.write(json.dumps(end) + "\n")
    channel.write(json.dumps({"event": "exit", "returncode": status, "rejected": rejected, "log": _log_tail()}) + "\n")
    channel.close()
    os._exit(0)


def _memory_in_use(limit):
    """Memory of every process in this PID namespace but PID 1 (bytes), as far as needed to compare with ``limit``.

    First the sum of resident sizes (``statm``, cheap); only when that exceeds ``limit`` the sum of
    proportional set sizes (``smaps_rollup``), which counts the pages forked children share once.
    """
    page = os.sysconf("SC_PAGE_SIZE")
    pids = [name for name in os.listdir("/proc") if name.isdigit() and name != "1"]
    used = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                used += int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
    if used <= limit:
        return used
    used = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        used += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
    return used


def _status(code):
    return -os.WTERMSIG(code) if os.WIFSIGNALED(code) else os.WEXITSTATUS(code)


def _end_all(pid):
    """Kill every process of this PID namespace but this one (PID 1), reap them all; the exit status of ``pid``."""
    status = None
    try:  # the notebook's own exit status, if it has ended by itself
        done, code = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            status = _status(code)
    except ChildProcessError:
        pass
    for _ in range(100):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break
        try:
            while True:
                done, code = os.waitpid(-1, os.WNOHANG)
                if not done:
                    break
                if done == pid and status is None:
                    status = _status(code)
        except ChildProcessError:
            break
    while True:
        try:
            done, code = os.waitpid(-1, 0)
        except ChildProcessError:
            return status
        if done == pid and status is None:
            status = _status(code)


def _log_tail(limit=3000):
    try:
        with open(os.path.join(WORKDIR, LOG_NAME), "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - limit))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------
# Fork server: import once, fork a fresh child per submission
# --------------------------------------------------------------------------

#: Modules a chapter imports, loaded once by the fork server (a missing one is skipped). Every module
#: of lossbook is loaded too: in the sandbox, lossbook's files are hidden and only these remain.
PRELOAD = (
    "numpy",
    "scipy.special",
    "matplotlib.pyplot",
    "IPython.core.interactiveshell",
    "lossbook",
)

#: The most a fork server keeps of one submission's report (bytes).
MAX_REPORT_BYTES = 16 << 20


def _supervise(request):
    """Fork a child for one task, collect its report within the timeout, kill whatever is left of it."""
    import resource
    import selectors
    import time

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = usage.ru_utime + usage.ru_stime
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a new session, nothing of the server's pipes
        status = 70
        try:
            os.setsid()
            os.close(read_fd)
            for fd in (0, 1):
                os.dup2(os.open(os.devnull, os.O_RDWR), fd)
            os.closerange(3, write_fd)
            os.closerange(write_fd + 1, 1024)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if request.get("sandbox"):
                _enter_sandbox(request, write_fd)
            else:
                os.chdir(request["workdir"])
                run_task(request["task"], write_fd)
        except BaseException as exc:  # noqa: BLE001 - reported to the grader
            try:
                os.write(write_fd, (json.dumps({"event": "sandbox_error", "error": _short(exc)}) + "\n").encode())
            except OSError:
                pass
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks, timed_out, size, inner = bytearray(), False, 0, None
    # the sandbox's PID 1 keeps its own time limit; this one is the backstop
    grace = 10 if request.get("sandbox") else 0
    deadline = time.monotonic() + request["timeout"] + grace
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if not timed_out:
                    timed_out = True
                    _kill_group(pid)
                    if inner:
                        _kill(inner)
                    deadline = time.monotonic() + 5  # drain what the killed child wrote
                    continue
                break  # a grandchild of another session holds the pipe: give up reading
            if selector.select(left):
                data = os.read(read_fd, 65536)
                if not data:
                    break
                size += len(data)
                if size <= MAX_REPORT_BYTES:
                    chunks += data
                if inner is None and chunks.startswith(b'{"event": "sandbox"'):
                    try:
                        inner = json.loads(bytes(chunks[: chunks.index(b"\n")]))["pid"]
                    except ValueError:
                        inner = 0
    os.close(read_fd)
    if inner:
        _kill(inner)  # the sandbox's PID 1: the whole namespace ends with it
        _, status = os.waitpid(pid, 0)  # its parent reaps it first (so its CPU time is counted), then ends
        _kill_group(pid)
    else:
        _kill_group(pid)  # stray grandchildren of a finished submission
        _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the submission's processes, reaped by now
    return {
        "output": chunks.decode("utf-8", "replace"),
        "returncode": code,
        "timed_out": timed_out,
        "cpu": round(usage.ru_utime + usage.ru_stime - cpu_before, 4),
    }


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _preload():
    import importlib
    import pkgutil

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a chapter that needs it imports it (and fails) itself
            pass
    lossbook = sys.modules.get("lossbook")
    if lossbook is not None:
        for info in pkgutil.walk_packages(lossbook.__path__, "lossbook."):
            if not info.name.startswith("lossbook.coursework"):
                try:
                    importlib.import_module(info.name)
                except Exception:  # noqa: BLE001
                    pass


def serve():
    """Fork-server mode: preload, then one JSON request per line on stdin, one JSON response per line on stdout."""
    _preload()
    gc.freeze()  # what is preloaded is never collected in the children, so their collections copy no pages of it
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

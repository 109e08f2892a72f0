"""Execute the book's notebooks on every core while Sphinx reads the pages (issue #15).

MyST-NB executes the notebooks of a ``execute_notebooks: cache`` build one
after another, as Sphinx reads each page, on one core. This module starts
first (on Sphinx's ``env-before-read-docs`` event, when the list of pages to
read is known): every notebook Sphinx is about to read whose outputs are not
in the build's jupyter-cache yet is executed with nbclient, as many at once
as the machine has cores (each in its own kernel process), in a background
thread. Sphinx meanwhile reads the other pages (the API reference, the
landing page, ...), which are put first in its reading order, and then the
notebooks in the order they were started. When Sphinx reaches a notebook
(``source-read``), it waits for that notebook's run to end, adds its outputs
to the jupyter-cache exactly as MyST-NB would add them, and MyST-NB finds it
there ("Using cached notebook") and renders the page as before.

Failures behave exactly as before: a notebook that fails here (an error in a
cell not tagged ``raises-exception``, a timeout) is not cached, so MyST-NB
executes it again itself and reports the failure with its own message, and
``nb_execution_raise_on_error`` stops the build as it always did.

With one worker (``LOSSBOOK_BUILD_WORKERS=1``, or a one-core machine) nothing
runs beside Sphinx: the notebooks are executed one after another before it
reads them, and the build's other steps (:func:`map_on_cores`) run one at a
time too, which is the like-for-like serial baseline ``benchmarks/build.py``
measures.

The kernels talk to nbclient over IPC (Unix domain sockets, in Jupyter's
private runtime folder), not TCP on localhost: no other user of the machine
can connect to them, and ipykernel has nothing to warn about ("Kernel is
running over TCP without encryption").
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from fnmatch import fnmatch
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

WORKERS_VARIABLE = "LOSSBOOK_BUILD_WORKERS"
#: The app attribute holding the notebook runs Sphinx has not read yet: {docname: Future}.
_RUNS = "_lossbook_notebook_runs"


def workers() -> int:
    """How many processes the build runs at once: the cores this process may use.

    ``LOSSBOOK_BUILD_WORKERS=1`` runs everything one after another, as the
    build did before issue #15 (``benchmarks/build.py --before-ref serial``
    times that against the parallel build of the same commit).
    """
    chosen = os.environ.get(WORKERS_VARIABLE, "").strip()
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(f"{WORKERS_VARIABLE} must be a positive integer; received {chosen!r}.")
        return int(chosen)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def map_on_cores(function, items) -> list:
    """``[function(item) for item in items]``, computed in :func:`workers` processes.

    For the build's steps after Sphinx has written the pages (fonts, figures):
    ``function`` must be a module-level function and its results picklable.
    """
    items = list(items)
    n = min(workers(), len(items))
    if n <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=n) as pool:
        return list(pool.map(function, items))


def _read(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _notebooks_to_execute(app, env, docnames) -> list[tuple[str, Path]]:
    config = getattr(env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return []
    from jupyter_cache import get_cache

    cache = get_cache(config.execution_cache_path or ".jupyter_cache")
    todo = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        if path.suffix != ".ipynb" or any(fnmatch(str(path), pat) for pat in config.execution_excludepatterns):
            continue
        nb = _read(path)
        if config.metadata_key in nb.metadata:  # per-notebook settings: leave it to MyST-NB
            continue
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append((docname, path))
    return todo


def _ipc_path() -> str:
    """An absolute socket path prefix in Jupyter's private runtime folder.

    jupyter_client's default for IPC is ``kernel-ipc`` relative to the working
    directory, which differs between the kernel (the notebook's folder) and
    nbclient, so they would never meet.
    """
    from jupyter_core.paths import jupyter_runtime_dir

    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(runtime / f"lossbook-{uuid.uuid4().hex[:12]}-ipc")


async def _execute(path: Path, timeout, allow_errors) -> tuple:
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    nb = _read(path)
    execution = nb.metadata.get("execution", {})  # as jupyter-cache's meta_override
    timeout = execution.get("timeout", timeout)
    allow_errors = execution.get("allow_errors", allow_errors)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    ipc = _ipc_path()
    km = AsyncKernelManager(kernel_name=kernel, transport="ipc", ip=ipc)
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    # The kernel process's own stderr (not the cells' stderr, which arrives as output): TensorFlow's C++
    # start-up lines ("WARNING: All log messages before absl::InitializeLog() ...", oneDNN) would
    # otherwise fill the build log. Kept, and shown with the error if the notebook fails.
    with tempfile.TemporaryFile(mode="w+b") as kernel_stderr:
        try:
            await client.async_execute(stderr=kernel_stderr)
        except Exception as exc:  # noqa: BLE001 - any failure is MyST-NB's to report
            kernel_stderr.seek(0)
            tail = kernel_stderr.read().decode(errors="replace")[-3000:].strip()
            error = f"{type(exc).__name__}: {exc}"
            if tail:
                error += f"\nThe kernel of {path.name} wrote to its stderr:\n{tail}"
            return path, None, time.perf_counter() - t0, error
        finally:  # nbclient leaves a kernel manager it was given running
            if km.has_kernel:
                await km.shutdown_kernel()
            for socket in Path(ipc).parent.glob(Path(ipc).name + "-*"):  # if the kernel left them
                socket.unlink(missing_ok=True)
    return path, nb, time.perf_counter() - t0, None


def execute(path: Path, timeout, allow_errors):
    """Run one notebook in a fresh kernel: ``(path, executed notebook or None, seconds, error or None)``.

    The error is text (``"CellExecutionError: ..."`` and the kernel's own
    stderr), so the result comes back from a worker process whatever the
    exception's class.
    """
    return asyncio.run(_execute(path, timeout, allow_errors))


def _cache_result(env, path: Path, nb, seconds: float, error) -> None:
    """Add one notebook's outputs to the jupyter-cache, as MyST-NB would (called in Sphinx's thread)."""
    if error is not None:
        name, _, detail = error.partition(": ")
        logger.info(
            f"{path}: failed in the parallel run ({name}); MyST-NB executes it again and reports the error\n{detail}"
        )
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    config = env.mystnb_config
    cache = get_cache(config.execution_cache_path or ".jupyter_cache")
    cache.add_nb_to_project(str(path))
    cache.cache_notebook_bundle(
        CacheBundleIn(nb, str(path), data={"execution_seconds": seconds}), check_validity=False, overwrite=True
    )
    logger.info(f"{path}: Executed notebook in {seconds:.2f} seconds (parallel)")


def execute_in_parallel(app, env, docnames) -> None:
    """``env-before-read-docs`` handler: start the notebooks' runs; read the other pages first."""
    todo = _notebooks_to_execute(app, env, docnames)
    if not todo:
        return
    config = env.mystnb_config
    args = (config.execution_timeout, config.execution_allow_errors)
    if workers() == 1:  # the serial build: one run after another, before Sphinx reads anything
        logger.info(f"lossbook_site: executing {len(todo)} notebook(s), one at a time")
        t0 = time.perf_counter()
        for _, path in todo:
            _cache_result(env, *execute(path, *args))
        logger.info(f"lossbook_site: executed {len(todo)} notebook(s) in {time.perf_counter() - t0:.1f} s")
        return
    from concurrent.futures import ProcessPoolExecutor

    # Worker processes, not threads: each handles its kernel's messages with its own interpreter, so Sphinx
    # reading pages in this process does not hold them up.
    n = min(workers(), len(todo))
    pool = ProcessPoolExecutor(max_workers=n)
    app._lossbook_notebook_pool = pool, time.perf_counter()
    setattr(app, _RUNS, {docname: pool.submit(execute, path, *args) for docname, path in todo})
    logger.info(f"lossbook_site: executing {len(todo)} notebook(s), {n} at a time, while Sphinx reads the other pages")
    # The pages that need no run first, then the notebooks in the order their runs were submitted.
    waiting = [docname for docname, _ in todo]
    docnames[:] = [d for d in docnames if d not in set(waiting)] + waiting


def wait_for_run(app, docname, source) -> None:
    """``source-read`` handler: before MyST-NB reads a notebook, its run has ended and is cached."""
    runs = getattr(app, _RUNS, None)
    if not runs or docname not in runs:
        return
    _cache_result(app.env, *runs.pop(docname).result())
    if not runs:
        finish_runs(app, None)


def finish_runs(app, exception) -> None:
    """When the last notebook is read, or the build stops early: shut the worker processes down."""
    started = getattr(app, "_lossbook_notebook_pool", None)
    if started is None:
        return
    pool, t0 = started
    del app._lossbook_notebook_pool
    pool.shutdown(wait=True, cancel_futures=exception is not None)
    if exception is None:
        logger.info(f"lossbook_site: the notebooks' runs ended {time.perf_counter() - t0:.1f} s after they started")

"""Execute the book's notebooks on every core before Sphinx reads them (issue #15).

MyST-NB executes the notebooks of a ``execute_notebooks: cache`` build one
after another, as Sphinx reads each page, on one core. This module runs first
(on Sphinx's ``env-before-read-docs`` event, when the list of pages to read
is known): every notebook Sphinx is about to read whose outputs are not in the
build's jupyter-cache yet is executed with nbclient, as many at once as the
machine has cores (each in its own kernel process), and its outputs are added
to that cache exactly as MyST-NB would add them. MyST-NB then finds every
notebook in the cache ("Using cached notebook") and renders the pages as
before.

Failures behave exactly as before: a notebook that fails here (an error in a
cell not tagged ``raises-exception``, a timeout) is not cached, so MyST-NB
executes it again itself and reports the failure with its own message, and
``nb_execution_raise_on_error`` stops the build as it always did.

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


def workers() -> int:
    """How many notebooks run at once: the cores this process may use.

    ``LOSSBOOK_EXECUTION_WORKERS=1`` runs them one after another, as a build
    without this step did (``benchmarks/build.py --before-ref serial`` times
    that against the parallel build of the same commit).
    """
    chosen = os.environ.get("LOSSBOOK_EXECUTION_WORKERS", "").strip()
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(f"LOSSBOOK_EXECUTION_WORKERS must be a positive integer; received {chosen!r}.")
        return int(chosen)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


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


async def _execute(path: Path, timeout, allow_errors, slots: asyncio.Semaphore):
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    async with slots:
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
                if tail:
                    logger.info(f"lossbook_site: the kernel of {path.name} wrote to its stderr:\n{tail}")
                return path, None, time.perf_counter() - t0, exc
            finally:  # nbclient leaves a kernel manager it was given running
                if km.has_kernel:
                    await km.shutdown_kernel()
                for socket in Path(ipc).parent.glob(Path(ipc).name + "-*"):  # if the kernel left them
                    socket.unlink(missing_ok=True)
        return path, nb, time.perf_counter() - t0, None


async def _execute_all(paths, timeout, allow_errors, n):
    slots = asyncio.Semaphore(n)
    return await asyncio.gather(*(_execute(p, timeout, allow_errors, slots) for p in paths))


def execute_in_parallel(app, env, docnames) -> None:
    """``env-before-read-docs`` handler: fill the jupyter-cache, several notebooks at once."""
    todo = _notebooks_to_execute(app, env, docnames)
    if not todo:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    config = env.mystnb_config
    n = min(workers(), len(todo))
    logger.info(f"lossbook_site: executing {len(todo)} notebook(s), {n} at a time")
    t0 = time.perf_counter()
    results = asyncio.run(
        _execute_all([p for _, p in todo], config.execution_timeout, config.execution_allow_errors, n)
    )
    cache = get_cache(config.execution_cache_path or ".jupyter_cache")
    for path, nb, seconds, error in results:
        if error is not None:
            logger.info(
                f"{path}: failed in the parallel run ({type(error).__name__}); "
                "MyST-NB executes it again and reports the error"
            )
            continue
        cache.add_nb_to_project(str(path))
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, str(path), data={"execution_seconds": seconds}), check_validity=False, overwrite=True
        )
        logger.info(f"{path}: Executed notebook in {seconds:.2f} seconds (parallel)")
    logger.info(f"lossbook_site: executed {len(todo)} notebook(s) in {time.perf_counter() - t0:.1f} s")

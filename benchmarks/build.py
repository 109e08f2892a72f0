"""How long the book takes to build: from scratch, again with nothing changed, and per chapter,
today's version side by side with the previous one (``--before-ref``, default ``main``).

Runs, with the project's ``jupyter-book`` (next to this Python), first for
the previous version (``git archive`` of the ref into a temporary directory,
its own ``npm ci``), then for today's (the committed HEAD with
``--snapshot``, else the working tree), in the same run so that both see the
machine's load::

    jupyter-book build SOURCE --all --path-output OUT     # after removing OUT/_build
    jupyter-book build SOURCE --path-output OUT           # again, nothing changed

and records, for each, the elapsed time and the CPU time of every process it
started (Sphinx, the notebook kernels; ``getrusage(RUSAGE_CHILDREN)``), then
each chapter's execution time as jupyter-cache recorded it
(``OUT/_build/.jupyter_cache``; the log's "Executed notebook in X seconds"
lines if the cache has none).

Run with the project's Python (never into the repository's own ``_build``)::

    python benchmarks/build.py --path-output /tmp/bench_build    # a few minutes
    python benchmarks/build.py --snapshot ...   # the committed HEAD, not the working tree
    python benchmarks/build.py --smoke --out /tmp/x              # a one-page book, seconds

``--smoke`` builds a tiny book made in a temporary directory (one page, one
notebook of one cell) instead of the book, once (no rebuild), so that the
machinery is exercised without the full build's cost; its html stays in
``--path-output`` when one is given (``run_all.py --smoke`` loads it in the
page benchmark).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import ROOT, environment, finish

# Issue #15: a full build in at most 0.65x the previous (serial) one's time on
# 2 cores; an unchanged rebuild within 10 s.
TARGETS = {"full_ratio": 0.65, "rebuild_s": 10.0, "chapter_s": 30.0}
EXECUTED = re.compile(r"^(?P<path>\S+\.(?:ipynb|md)): Executed notebook in (?P<s>[0-9.]+) seconds", re.M)


#: --before-ref value for the serial build of the same commit.
SERIAL = "serial"


def jupyter_book() -> str:
    exe = Path(sys.executable).parent / "jupyter-book"
    return str(exe) if exe.exists() else "jupyter-book"


def timed_run(cmd, log_path, cwd, pythonpath=None, extra_env=None):
    """Run ``cmd``; return (elapsed s, CPU s of all its processes, return code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"), **(extra_env or {}))
    if pythonpath:  # the kernels import this lossbook, not the editable install's
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), *filter(None, [env.get("PYTHONPATH")])])
    with open(log_path, "w") as log:
        rc = subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rc


def chapter_times(build_dir: Path, log_text: str, source: Path) -> dict:
    """Execution seconds per notebook (path relative to ``source``), from jupyter-cache or the log."""
    times = {}
    cache = build_dir / ".jupyter_cache"
    if cache.is_dir():
        from jupyter_cache import get_cache

        for record in get_cache(str(cache)).list_cache_records():
            seconds = (record.data or {}).get("execution_seconds")
            if seconds is not None:
                times[_relative(record.uri, source)] = float(seconds)
    if not times:
        for m in EXECUTED.finditer(log_text):
            times[_relative(m["path"], source)] = float(m["s"])
    return dict(sorted(times.items()))


def _relative(path, source):
    try:
        return Path(path).resolve().relative_to(source.resolve()).as_posix()
    except ValueError:
        return Path(path).name


def make_tiny_book(directory: Path) -> Path:
    """A one-page book with one one-cell notebook, for --smoke."""
    import nbformat

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "_config.yml").write_text(
        "title: benchmark smoke book\nonly_build_toc_files: true\n"
        "execute:\n  execute_notebooks: cache\n  timeout: 120\n"
    )
    (directory / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: tiny\n")
    (directory / "intro.md").write_text("# Smoke\n\nA page.\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny"),
        nbformat.v4.new_code_cell("import lossbook\nprint(lossbook.__version__)"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, directory / "tiny.ipynb")
    return directory


def _git_rev(ref: str) -> str | None:
    out = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def snapshot(directory: Path, ref: str = "HEAD") -> Path:
    """The book at ``ref`` (``git archive``) in ``directory``, ready to build.

    Its own front-end packages are installed there from its own
    ``package-lock.json`` (``npm ci``) and vendored by its own
    ``site/vendor.py``, so that an older version builds as it did.
    """
    directory.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    if (directory / "package-lock.json").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if (directory / "site" / "vendor.py").exists():
        subprocess.run([sys.executable, "site/vendor.py"], cwd=directory, check=True, stderr=subprocess.DEVNULL)
    return directory


def run(source: Path, path_output: Path, *, rebuild=True, pythonpath=None, extra_env=None, log=print) -> dict:
    source, path_output = source.resolve(), path_output.resolve()
    if path_output == ROOT.resolve():
        raise SystemExit("refusing to build into the repository's own _build: pass --path-output /tmp/...")
    build_dir = path_output / "_build"
    if build_dir.exists():
        shutil.rmtree(build_dir)  # "from scratch": no cache, no doctrees, no html
    path_output.mkdir(parents=True, exist_ok=True)
    jb = jupyter_book()
    full_cmd = [jb, "build", str(source), "--all", "--path-output", str(path_output)]
    again_cmd = [jb, "build", str(source), "--path-output", str(path_output)]

    log(f"full build: {' '.join(full_cmd)}")
    full_log = path_output / "bench-full-build.log"
    wall, cpu, rc = timed_run(full_cmd, full_log, source, pythonpath, extra_env)
    full_text = full_log.read_text(errors="replace")
    if rc != 0:
        tail = "\n".join(full_text.splitlines()[-30:])
        raise RuntimeError(f"full build failed (exit {rc}); log {full_log}:\n{tail}")
    full = {"wall_s": wall, "cpu_s": cpu, "tcp_warnings": full_text.count("running over TCP without encryption")}
    log(f"  {wall:.1f} s elapsed, {cpu:.1f} s CPU")

    if rebuild:
        log(f"rebuild, nothing changed: {' '.join(again_cmd)}")
        again_log = path_output / "bench-rebuild.log"
        wall2, cpu2, rc2 = timed_run(again_cmd, again_log, source, pythonpath, extra_env)
        if rc2 != 0:
            raise RuntimeError(f"rebuild failed (exit {rc2}); log {again_log}")
        again_text = again_log.read_text(errors="replace")
        rebuild = {
            "wall_s": wall2,
            "cpu_s": cpu2,
            "target_met": wall2 <= TARGETS["rebuild_s"],
            "notebooks_executed": len(EXECUTED.findall(again_text)),
        }
        log(f"  {wall2:.1f} s elapsed, {cpu2:.1f} s CPU")
    else:
        rebuild = None

    chapters = [
        {"chapter": name, "execution_s": seconds, "target_met": seconds <= TARGETS["chapter_s"]}
        for name, seconds in chapter_times(build_dir, full_text, source).items()
    ]
    for ch in chapters:
        log(f"  executed {ch['chapter']} in {ch['execution_s']:.1f} s")
    return {
        "commands": {"full": _shown(full_cmd, source, path_output), "rebuild": _shown(again_cmd, source, path_output)},
        "html": str(build_dir / "html"),
        "full": full,
        "rebuild": rebuild,
        "chapters": chapters,
    }


def _shown(cmd, source, path_output):
    out = ["jupyter-book"] + [
        "." if part == str(source) else "<tmp>" if part == str(path_output) else part for part in cmd[1:]
    ]
    return " ".join(out)


def notes(result):
    out = []
    full, rebuild, before = result["full"], result["rebuild"], result.get("before")
    slow = [c for c in result["chapters"] if not c["target_met"]]
    load = result["environment"]["load_average_start"][0]
    cores = result["environment"]["cores"]
    if before:
        ratio = result["ratios"]["full_wall"]
        out.append(
            f"Full build from scratch: {full['wall_s']:.0f} s elapsed ({full['cpu_s']:.0f} s CPU) today, "
            f"{before['full']['wall_s']:.0f} s ({before['full']['cpu_s']:.0f} s CPU) for "
            f"`{before['ref']}`: {ratio:.2f}× the time (target ≤ {TARGETS['full_ratio']:g}×: "
            f"{'met' if full['target_met'] else 'missed'}). Today the notebooks execute "
            f"{cores} at a time while Sphinx reads the other pages, and the math and the figures are "
            f"done {cores} at a time; the CPU time is about the same work."
        )
        if not full["target_met"]:
            out.append(
                f"The machine's load average was {load:.1f} on {cores} cores when the run started: "
                "with other jobs holding cores, two notebooks at a time cannot get two cores, and "
                "elapsed times are noisy; the CPU times say how much work each build is."
            )
    execution = sum(c["execution_s"] for c in result["chapters"])
    out.append(
        f"Today's notebooks took {execution:.0f} s of execution (summed over notebooks, each "
        f"elapsed) inside a full build of {full['wall_s']:.0f} s; they run concurrently."
    )
    if full.get("tcp_warnings") is not None:
        out.append(
            f'"Kernel is running over TCP without encryption" warnings in today\'s build log: '
            f"{full['tcp_warnings']}" + (f" ({before['full']['tcp_warnings']} before)." if before else ".")
        )
    if rebuild:
        out.append(
            f"The rebuild with nothing changed took {rebuild['wall_s']:.1f} s ({rebuild['cpu_s']:.1f} s CPU; "
            f"target ≤ {TARGETS['rebuild_s']:g} s: {'met' if rebuild['target_met'] else 'missed'})."
        )
    if slow:
        names = ", ".join(f"{c['chapter']} ({c['execution_s']:.0f} s)" for c in slow)
        out.append(
            f"Over the {TARGETS['chapter_s']:g} s per-chapter target: {names}. jupyter-cache records "
            "elapsed time only, and two notebooks now share the cores, so each takes longer than it "
            "would alone."
        )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Time the book's full build, an unchanged rebuild, and each chapter.")
    parser.add_argument("--source", type=Path, default=ROOT, help="book source (default: the repository)")
    parser.add_argument(
        "--path-output",
        type=Path,
        default=None,
        help="jupyter-book --path-output; OUT/_build is removed first (default "
        "/tmp/lossbook_bench_build; with --smoke, a temporary directory)",
    )
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="build the committed HEAD (git archive, with its own lossbook) instead of the "
        "working tree, which other people may be editing",
    )
    parser.add_argument(
        "--before-ref",
        default="main",
        help="git ref built first, as the version to compare with (default main); 'serial': the committed HEAD "
        "built one step at a time (LOSSBOOK_BUILD_WORKERS=1: one notebook at a time, one Node process, no worker "
        "processes), the like-for-like baseline",
    )
    parser.add_argument("--smoke", action="store_true", help="build a one-page book instead of the book (no 'before')")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default benchmarks/results)")
    args = parser.parse_args(argv)

    env = environment(measured=(".",))
    work, pythonpath = None, None
    if args.smoke:
        work = Path(tempfile.mkdtemp(prefix="lossbook_bench_smoke_"))
        source, path_output = make_tiny_book(work / "book"), args.path_output or work / "out"
    else:
        source = args.source
        path_output = args.path_output or Path(tempfile.gettempdir()) / "lossbook_bench_build"
        if args.snapshot:
            work = Path(tempfile.mkdtemp(prefix="lossbook_bench_src_"))
            source = pythonpath = snapshot(work / "src")
            env["git_dirty"] = False  # what is built is the commit itself
            env["source"] = "git archive HEAD"
    before = None
    if not args.smoke:
        before_work = Path(tempfile.mkdtemp(prefix="lossbook_bench_before_"))
        try:
            serial = args.before_ref == SERIAL
            ref = "HEAD" if serial else args.before_ref
            before_src = snapshot(before_work / "src", ref=ref)
            label = (
                f"HEAD ({_git_rev('HEAD')}) built one step at a time"
                if serial
                else f"{args.before_ref} ({_git_rev(args.before_ref)})"
            )
            print(f"== before: {label}")
            before = run(
                before_src,
                before_work / "out",
                rebuild=True,
                pythonpath=before_src,
                extra_env={"LOSSBOOK_BUILD_WORKERS": "1"} if serial else None,
            )
            before["ref"] = label
            before.pop("html")
        finally:
            shutil.rmtree(before_work, ignore_errors=True)
        print("== today")
    result = run(source, path_output, rebuild=not args.smoke, pythonpath=pythonpath)
    ratios = {}
    if before:
        ratios = {
            "full_wall": result["full"]["wall_s"] / before["full"]["wall_s"],
            "full_cpu": result["full"]["cpu_s"] / before["full"]["cpu_s"],
            "rebuild_wall": result["rebuild"]["wall_s"] / before["rebuild"]["wall_s"],
        }
        result["full"]["target_met"] = ratios["full_wall"] <= TARGETS["full_ratio"]
        before["rebuild"]["target_met"] = before["rebuild"]["wall_s"] <= TARGETS["rebuild_s"]
    else:
        result["full"]["target_met"] = None
    data = {
        "benchmark": "build",
        "smoke": args.smoke,
        "environment": env,
        "method": (
            f"`{result['commands']['full']}` after removing `<tmp>/_build` (every chapter executed "
            f"in a fresh kernel, `execute_notebooks: cache` with an empty cache), then "
            f"`{result['commands']['rebuild']}` with nothing changed; first for "
            f"`{before['ref'] if before else '(no before: smoke run)'}` (git archive, its own npm ci), "
            "then for today's version, in one run. CPU time is that of every process the build started "
            "(Sphinx, Node and the kernels). Per-chapter times are the notebooks' execution times as "
            "jupyter-cache recorded them."
        ),
        "targets": TARGETS,
        **{k: result[k] for k in ("commands", "full", "rebuild", "chapters")},
        "before": before,
        "ratios": ratios,
    }
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)
    return finish("build", data, notes, args.out)


if __name__ == "__main__":
    sys.exit(main())

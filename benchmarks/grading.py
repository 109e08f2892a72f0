"""Grading throughput: submissions per minute for one chapter (lossbook.coursework).

Builds a batch of submissions of one chapter from its student version (a
third with every exercise solved, a third untouched, a third with some
solved), grades it with :func:`lossbook.coursework.grade` and reports
submissions per minute of elapsed time, and the CPU seconds per submission
(every process of the grading, from ``getrusage(RUSAGE_CHILDREN)`` after the
pool has exited), and from it the rate the cores would reach if nothing else
ran (``per_minute_from_cpu``; without the sandbox only: getrusage does not
reach the processes of a sandboxed fork server), and the CPU seconds of each
submission's own processes as the fork server measures them, with and
without the sandbox. The default configuration runs twice and the
faster run is kept. Configurations, each against the alternative:

* ``local, fork server, sandbox`` (the default): a local pool, one worker per
  core; each worker's fork server runs in bubblewrap, imports numpy,
  matplotlib, IPython and lossbook once and forks a fresh child per
  submission, which enters namespaces of its own and drops to a uid of its
  own (:mod:`lossbook.coursework.sandbox`);
* ``local, fork server, unsandboxed``: the same without the sandbox (the
  runner before issue 17), measured in the same run, alternating with the
  default, so that ``sandbox_cost`` (unsandboxed ÷ sandboxed submissions per
  minute, and sandboxed ÷ unsandboxed CPU seconds) compares like with like;
* ``local, new Python per submission`` (``preload=False``): each submission
  starts its own interpreter and imports everything again;
* ``dask LocalCluster`` (``--dask``, on by default in the real run): the same
  batch on a local Dask cluster of worker processes on 127.0.0.1;
* ``all cells``: the default configuration with ``mode="all"`` (TensorFlow
  comparison and explorer cells executed too), on a smaller batch.

Run it with the project's Python::

    python benchmarks/grading.py                 # results/grading.json
    python benchmarks/grading.py --smoke --out /tmp/x   # 3 submissions, about 20 s
    python benchmarks/grading.py --chapter chapters/01_what_is_a_loss.ipynb --n 100

The machine is shared; the load average is recorded at the start and end.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from report import ROOT, environment, write_results  # noqa: E402

DEFAULT_CHAPTER = ROOT / "chapters" / "02_entropy.ipynb"


def build_batch(chapter, folder, n, seed=0):
    """Write ``n`` submissions of ``chapter`` into ``folder``: solved, untouched and partly solved, in turn."""
    import nbformat

    from lossbook.coursework import make_student_notebook

    solution = nbformat.read(chapter, as_version=4)
    student = make_student_notebook(solution, chapter.stem)
    answers = [c.source for c in solution.cells if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source]
    stubs = [i for i, c in enumerate(student.cells) if c.cell_type == "code" and "# YOUR CODE HERE" in c.source]
    rng = random.Random(seed)
    kinds = []
    for k in range(n):
        kind = ("full", "blank", "partial")[k % 3]
        solved = {"full": range(len(stubs)), "blank": (), "partial": rng.sample(range(len(stubs)), len(stubs) // 2)}[
            kind
        ]
        nb = copy.deepcopy(student)
        for j in solved:
            nb.cells[stubs[j]].source = answers[j]
        nbformat.write(nb, folder / f"student{k:03d}.ipynb")
        kinds.append(kind)
    return kinds


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(label, folder, chapter, **kwargs):
    """Grade the batch once; return the figures of this configuration."""
    from lossbook.coursework import grade

    cpu0 = _children_cpu()
    batch = grade(folder, None, chapter=chapter, progress=False, **kwargs)
    cpu = _children_cpu() - cpu0
    n = len(batch.results)
    statuses = {}
    for r in batch.results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    each = [r["seconds"] for r in batch.results]
    # CPU seconds of each submission's own processes, as the fork server measured them (the same way with
    # and without the sandbox; without the workers' scoring and the servers' imports)
    own_cpu = [r["cpu_seconds"] for r in batch.results if "cpu_seconds" in r]
    whole_cpu_unknown = kwargs.get("scheduler") or not kwargs.get("unsandboxed")
    row = {
        "label": label,
        "submissions": n,
        "workers": batch.workers,
        "mode": kwargs.get("mode", "fast"),
        "preload": kwargs.get("preload", True),
        "sandbox": not kwargs.get("unsandboxed", False),
        "seconds": round(batch.seconds, 2),
        "per_minute": round(batch.per_minute, 1),
        "submission_seconds_median": round(statistics.median(each), 3),
        "submission_seconds_max": round(max(each), 3),
        # getrusage does not reach the processes of a sandboxed fork server (they live in bwrap's PID
        # namespace, which dies with its worker): measured without the sandbox only
        "cpu_seconds_per_submission": None if whole_cpu_unknown else round(cpu / n, 3),
        # what the cores could grade if nothing else ran: cores / CPU seconds per submission
        "per_minute_from_cpu": None if whole_cpu_unknown else round(60 * os.cpu_count() * n / cpu, 1),
        "submission_cpu_seconds_mean": round(statistics.mean(own_cpu), 3) if own_cpu else None,
        "statuses": statuses,
        "total_points": sum(s for r in batch.results for s, _ in r["scores"].values()),
    }
    print(
        f"{label:<38} {n:>4} submissions in {row['seconds']:>6.1f} s = {row['per_minute']:>6.1f} per minute"
        f"  (median {row['submission_seconds_median']:.2f} s each"
        + (
            f", {row['submission_cpu_seconds_mean']:.2f} CPU s in its own processes)"
            if row["submission_cpu_seconds_mean"]
            else ")"
        ),
        flush=True,
    )
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", type=Path, default=DEFAULT_CHAPTER, help="the solution chapter")
    parser.add_argument("--n", type=int, default=None, help="submissions per configuration (default 60; smoke 4)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="local workers (default: cores)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster configuration")
    parser.add_argument("--smoke", action="store_true", help="a few submissions, to check the script runs")
    parser.add_argument("--out", type=Path, default=None, help="results directory (default benchmarks/results)")
    args = parser.parse_args(argv)
    if args.smoke and args.out is None:
        parser.error("--smoke must not overwrite the committed results: pass --out")
    n = args.n or (3 if args.smoke else 60)
    env = environment(measured=("lossbook", "benchmarks/grading.py"))

    folder = Path(tempfile.mkdtemp(prefix="lossbook_bench_grading_"))
    try:
        kinds = build_batch(args.chapter, folder, n)
        # the default and the unsandboxed runner in turn, twice each: the machine is shared, the faster
        # run of each is the one less disturbed
        runs, bare = [], []
        for _ in range(1 if args.smoke else 2):
            runs.append(measure("local, fork server, sandbox (default)", folder, args.chapter, workers=args.workers))
            bare.append(
                measure("local, fork server, unsandboxed", folder, args.chapter, workers=args.workers, unsandboxed=True)
            )
        rows = [min(runs, key=lambda row: row["seconds"]), min(bare, key=lambda row: row["seconds"])]
        rows.append(
            measure("local, new Python per submission", folder, args.chapter, workers=args.workers, preload=False)
        )
        if not args.no_dask and not args.smoke:
            from distributed import LocalCluster

            with LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
            ) as cluster:
                rows.append(
                    measure("dask LocalCluster, fork server", folder, args.chapter, scheduler=cluster.scheduler_address)
                )
        small = Path(tempfile.mkdtemp(prefix="lossbook_bench_grading_all_"))
        try:
            build_batch(args.chapter, small, 1 if args.smoke else 6)
            rows.append(
                measure("local, fork server, all cells (TF)", small, args.chapter, workers=args.workers, mode="all")
            )
        finally:
            shutil.rmtree(small, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    default, unsandboxed = rows[0], rows[1]
    cost = {
        "throughput_ratio": round(unsandboxed["per_minute"] / default["per_minute"], 2),
        "submission_cpu_ratio": round(
            default["submission_cpu_seconds_mean"] / unsandboxed["submission_cpu_seconds_mean"], 2
        ),
        "allowed": 1.5,
    }
    print(
        f"sandbox cost: {cost['throughput_ratio']:.2f}x fewer submissions per minute, "
        f"{cost['submission_cpu_ratio']:.2f}x the CPU seconds of a submission's own processes (allowed: 1.5x)"
    )
    print(
        f"\n{args.chapter.stem}: {default['per_minute']:.0f} submissions per minute on {os.cpu_count()} cores "
        f"(the default: fast mode, fork server, sandbox); unsandboxed {unsandboxed['per_minute']:.0f}"
    )
    data = {
        "environment": env,
        "chapter": args.chapter.stem,
        "batch": {kind: kinds.count(kind) for kind in ("full", "blank", "partial")},
        "smoke": args.smoke,
        "configurations": rows,
        "sandbox_cost": cost,
        "per_minute": default["per_minute"],
        "per_minute_unsandboxed": unsandboxed["per_minute"],
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    path = write_results("grading", data, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

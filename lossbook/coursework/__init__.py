"""Coursework: student versions of the chapters, and automatic grading of handed-in notebooks.

Two commands (run from the repository, ``python -m lossbook.coursework --help``)::

    python -m lossbook.coursework student chapters/ --out student/
    python -m lossbook.coursework grade submissions/ --out grades.csv

``student`` writes each chapter with its solutions replaced by stubs (with
nbgrader's ``ClearSolutions`` and ``ClearOutput`` preprocessors, see
:mod:`lossbook.coursework.student`). ``grade`` runs every submitted notebook
in a sandbox (bubblewrap, a uid and namespaces of its own per submission,
see :mod:`lossbook.coursework.sandbox`) and scores it with the grader's own checks, in
parallel on a local process pool or a Dask cluster (``--scheduler``), see
:mod:`lossbook.coursework.grading`. The teacher's guide of the book
(``teachers_guide.md``) explains the whole path.

This package is not imported by ``import lossbook``; it needs nbgrader,
tqdm, and for ``--scheduler`` dask.distributed.
"""

from __future__ import annotations

import argparse
import sys

from .grading import Limits, grade, grade_submission, hidden_cases, plan_execution
from .student import Check, discover_checks, make_student_notebook, make_student_versions

__all__ = [
    "Check",
    "Limits",
    "discover_checks",
    "make_student_notebook",
    "make_student_versions",
    "plan_execution",
    "hidden_cases",
    "grade_submission",
    "grade",
    "main",
]


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m lossbook.coursework",
        description="Student versions of lossbook's chapters, and grading of handed-in notebooks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    student = sub.add_parser("student", help="write the student version of chapters (solutions removed)")
    student.add_argument("chapters", nargs="+", help="chapter notebooks, or a folder of them (chapters/)")
    student.add_argument("--out", required=True, help="folder for the student notebooks")

    grade_ = sub.add_parser("grade", help="grade a folder of submitted notebooks")
    grade_.add_argument("submissions", help="folder of .ipynb files (alice.ipynb, or alice/02_entropy.ipynb)")
    grade_.add_argument("--out", required=True, help="CSV of grades; a summary and feedback are written next to it")
    grade_.add_argument("--chapter", help="the solution chapter all submissions answer (default: from their metadata)")
    grade_.add_argument("--chapters-dir", help="folder of solution chapters (default: the repository's chapters/)")
    grade_.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    grade_.add_argument("--scheduler", help="address of a Dask scheduler (tcp://host:8786): grade on that cluster")
    grade_.add_argument(
        "--mode",
        choices=("fast", "all"),
        default="fast",
        help="fast (default): skip TensorFlow and explorer cells before the exercises; all: run every cell",
    )
    grade_.add_argument("--seed", type=int, default=0, help="seed of the hidden cases (pick your own)")
    grade_.add_argument("--timeout", type=float, default=Limits.timeout, help="seconds per submission")
    grade_.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout, help="seconds per cell")
    grade_.add_argument("--case-timeout", type=float, default=Limits.case_timeout, help="seconds per function call")
    grade_.add_argument("--memory", type=int, default=Limits.memory_mb, help="address-space limit per submission, MiB")
    grade_.add_argument(
        "--processes",
        type=int,
        default=Limits.processes,
        help="processes and threads per submission, all together (sandbox)",
    )
    grade_.add_argument("--disk", type=int, default=Limits.disk_mb, help="size of a submission's /tmp, MiB (sandbox)")
    grade_.add_argument(
        "--unsandboxed",
        action="store_true",
        help="grade without the sandbox where it cannot run (only for work you trust)",
    )
    grade_.add_argument(
        "--resume",
        action="store_true",
        help="keep the rows of an existing --out CSV and grade only the submissions missing from it",
    )
    grade_.add_argument(
        "--no-preload",
        action="store_true",
        help="start a new Python per submission instead of forking from a preloaded server",
    )
    grade_.add_argument("--feedback-dir", help="per-student feedback (default: <out stem>_feedback/)")
    grade_.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "student":
        for path in make_student_versions(args.chapters, args.out):
            print(path)
        return 0
    from .sandbox import SandboxUnavailable

    limits = Limits(
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        case_timeout=args.case_timeout,
        memory_mb=args.memory,
        processes=args.processes,
        disk_mb=args.disk,
    )
    try:
        batch = grade(
            args.submissions,
            args.out,
            chapter=args.chapter,
            chapters_dir=args.chapters_dir,
            workers=args.workers,
            scheduler=args.scheduler,
            limits=limits,
            seed=args.seed,
            mode=args.mode,
            preload=not args.no_preload,
            feedback_dir=args.feedback_dir,
            progress=not args.no_progress,
            unsandboxed=args.unsandboxed,
            resume=args.resume,
        )
    except (SandboxUnavailable, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from .grading import summary

    sys.stdout.write(summary(batch))
    print(f"Grades: {args.out}")
    return 0

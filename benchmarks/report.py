"""Benchmark results: what every benchmark records with its numbers, and the book's page.

Every benchmark script writes one JSON file, ``benchmarks/results/<name>.json``
(or ``--out DIR``), through :func:`write_results`. Each file holds its own
``environment`` (date, machine, load average before and after, versions, git
commit), because the benchmarks run at different times on a shared machine.

Run as a script, this renders the book's appendix page ``benchmarks.md`` from
the committed JSON files::

    python benchmarks/report.py             # writes benchmarks.md
    python benchmarks/report.py --check     # exits 1 if benchmarks.md is stale

The page is a pure function of the JSON files (no clock, no machine look-up),
so ``tests/test_benchmarks.py`` can check that the committed page is what
``render()`` makes of the committed results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_DIR = HERE / "results"
PAGE = ROOT / "benchmarks.md"

# The result files the page shows, in page order.
SECTIONS = ("losses", "build", "widgets", "pages")


# --- recording -----------------------------------------------------------------


def _version(*distributions):
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args):
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def environment(measured=("lossbook",)) -> dict:
    """The machine, the versions and the load, recorded when a benchmark starts.

    ``git_dirty`` says whether the files under ``measured`` (the code being
    measured, paths in the repository) differ from the commit ``git_commit``. TensorFlow's version is read from the
    installed distribution's metadata, without importing TensorFlow.
    """
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", *measured)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(terse=True),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "versions": {
            "python": platform.python_version(),
            "numpy": _version("numpy"),
            "scipy": _version("scipy"),
            "tensorflow": _version("tensorflow-cpu", "tensorflow"),
            "keras": _version("keras"),
            "torch": _version("torch"),
            "lossbook": _version("lossbook") or _source_version(),
            "jupyter-book": _version("jupyter-book"),
            "myst-nb": _version("myst-nb"),
            "playwright": _version("playwright"),
        },
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(dirty) if dirty is not None else None,
    }


def _source_version():
    """lossbook's version from the source tree, when it is imported from there (PYTHONPATH)
    rather than installed (``pip install -e .``), so that ``_version`` finds no metadata."""
    try:
        import tomllib

        return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, ValueError):
        return None


def _memory_gib():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def write_results(name: str, data: dict, out_dir=None) -> Path:
    """Write ``data`` (with ``environment`` from the start of the run) to ``<out_dir>/<name>.json``.

    Adds the load average at the end of the run. ``out_dir`` defaults to
    ``benchmarks/results``; smoke runs pass a temporary directory.
    """
    out = Path(out_dir) if out_dir is not None else RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    data = dict(data)
    data.setdefault("environment", environment())
    data["environment"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    path = out / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    return path


def finish(name: str, data: dict, notes, out_dir=None) -> int:
    """End a benchmark's run: ``data["notes"] = notes(data)``, printed, then :func:`write_results`; returns 0."""
    data["notes"] = notes(data)
    for note in data["notes"]:
        print(f"note: {note}")
    path = write_results(name, data, out_dir)
    print(f"wrote {path}")
    return 0


def load_results(results_dir=None) -> dict:
    """The result files present in ``results_dir``, by name."""
    d = Path(results_dir) if results_dir is not None else RESULTS_DIR
    found = {}
    for name in SECTIONS:
        path = d / f"{name}.json"
        if path.exists():
            found[name] = json.loads(path.read_text())
    return found


# --- formatting ------------------------------------------------------------------


def _ms(seconds, digits=1):
    return "–" if seconds is None else f"{seconds * 1e3:.{digits}f}"


def _us(seconds):
    return "–" if seconds is None else f"{seconds * 1e6:.0f}"


def _x(ratio):
    return "–" if ratio is None else f"{ratio:.2f}×"


def _met(flag):
    return {True: "met", False: "**missed**", None: "–"}[flag]


def _num(value):
    """A loss value as printed in the stability table."""
    if value is None:
        return "–"
    if isinstance(value, str):  # "inf", "nan" (JSON has no non-finite numbers)
        return f"**{value}**"
    return f"{value:.6g}"


def _load(env):
    start = ", ".join(f"{x:.2f}" for x in env["load_average_start"])
    end = env.get("load_average_end")
    end = ", ".join(f"{x:.2f}" for x in end) if end else "?"
    return f"{start} → {end}"


def _run_line(env):
    dirty = " (with uncommitted changes to the measured code)" if env.get("git_dirty") else ""
    return (
        f"Run {env['date']} at commit `{env.get('git_commit') or '?'}`{dirty}; load average "
        f"(1, 5, 15 min) {_load(env)} on {env['cores']} cores."
    )


def _notes(notes):
    return [f"- {n}" for n in notes] + ([""] if notes else [])


# --- sections ----------------------------------------------------------------------

SHORT = {
    "cce_logits": "CE, logits",
    "cce_probs": "CE, probabilities",
    "bce_probs": "BCE, probabilities",
    "bce_logits": "BCE, logits",
    "mse": "MSE",
}
LEGEND = (
    "CE: categorical cross-entropy; BCE: binary cross-entropy; MSE: mean squared error. "
    "Keras: the loss class; tf.nn: `tf.nn.softmax_cross_entropy_with_logits` or "
    "`tf.nn.sigmoid_cross_entropy_with_logits` (– where TensorFlow has none); naive: the textbook "
    "NumPy formula; PyTorch: the `torch.nn` loss module (CPU build), prediction first."
)


def _losses(r):
    lines = ["## Losses: lossbook, TensorFlow, PyTorch and naive NumPy", "", _run_line(r["environment"]), ""]
    lines += [r["method"], "", LEGEND, ""]
    for size in r["sizes"]:
        lines += [f"### Arrays of shape ({', '.join(f'{s:,}'.replace(',', ' ') for s in size['shape'])}), float32", ""]
        unit, fmt = ("µs", _us) if size["unit"] == "us" else ("ms", _ms)
        torch = any("pytorch" in case["cpu_per_call_s"] for case in size["cases"])
        lines += [
            "| loss | lossbook | Keras | tf.nn | naive | lossbook ÷ TF | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        if torch:  # PyTorch's columns, lossbook ÷ PyTorch next to lossbook ÷ TF
            lines[-2:] = [
                "| loss | lossbook | Keras | tf.nn | PyTorch | naive | lossbook ÷ TF | lossbook ÷ PyTorch | target |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            ]
        for case in size["cases"]:
            t = case["cpu_per_call_s"]
            torch_cells = (f"| {fmt(t.get('pytorch'))} ", f"| {_x(case.get('ratio_lossbook_to_pytorch'))} ")
            name = SHORT.get(case["case"], case["label"])
            if "overhead_s" in case:  # CTC: the fixed part and the part per step (the target is on the first)
                name += f" (per-call overhead {fmt(case['overhead_s'])} + {fmt(case['per_step_s'])} a step)"
            lines.append(
                f"| {name} | {fmt(t['lossbook'])} | {fmt(t['keras'])} "
                f"| {fmt(t.get('tf.nn'))} {torch_cells[0] if torch else ''}| {fmt(t.get('naive'))} "
                f"| {_x(case['ratio_lossbook_to_fastest_tf'])} {torch_cells[1] if torch else ''}"
                f"| {_met(case['target_met'])} |"
            )
        wall_ratios = [case["wall_ratio_lossbook_to_fastest_tf"] for case in size["cases"]]
        lines += [
            "",
            f"CPU time per call in {unit}, each implementation measured in its own process (all of that "
            "process's threads), minimum of repeats; `lossbook ÷ TF` is against the faster of Keras' class "
            f"and `tf.nn`. Target: {size['target']}. In elapsed time (minimum of repeats) the same ratios "
            f"are {min(wall_ratios):.2f}× to {max(wall_ratios):.2f}×.",
            "",
        ]
    parts, code = r.get("parts_cpu_s"), r.get("part_code")
    if parts:
        lines += [
            "### Where lossbook's time goes",
            "",
            "Each lossbook loss timed in three parts, apart, in the lossbook process: CPU time per call, "
            "minimum of repeats, next to the whole call from the tables above. The parts are lossbook's "
            "own step functions (below).",
            "",
        ]
        for size in r["sizes"]:
            n = size["shape"][0]
            whole = {c["case"]: c["cpu_per_call_s"]["lossbook"] for c in size["cases"]}
            fmt = _us if size["unit"] == "us" else _ms
            unit = "µs" if size["unit"] == "us" else "ms"
            lines += [
                f"| ({n:,} × 10)".replace(",", " ") + f", {unit} | validation | per-element | reductions "
                "| parts together | whole call |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
            ]
            for case, p in parts[str(n)].items():
                lines.append(
                    f"| {SHORT.get(case, case)} | {fmt(p['validation'])} | {fmt(p['elementwise'])} "
                    f"| {fmt(p['reductions'])} | {fmt(sum(p.values()))} | {fmt(whole.get(case))} |"
                )
            lines += [""]
        if code:
            lines += ["| loss | validation | per-element | reductions |", "| --- | --- | --- | --- |"]
            for case, c in code.items():
                lines.append(
                    f"| {SHORT.get(case, case)} | `{c['validation']}` | `{c['elementwise']}` | `{c['reductions']}` |"
                )
            lines += [""]
        sources = r.get("part_source")
        if sources:
            lines += [
                "The steps are lossbook's own functions, which the public losses call in this order; their "
                "source at the time of the run (`inspect.getsource`):",
                "",
            ]
            for qualified, source in sources.items():
                lines += [f"`{qualified}`:", "", "```python", source.rstrip(), "```", ""]
    lines += ["### Speed against stability", "", r["stability"]["method"], ""]
    lines += [
        "| loss | logits × | exact (float64) | lossbook | Keras | naive | naive's relative error |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in r["stability"]["rows"]:
        err = row["naive_relative_error"]
        err = "–" if err is None else (f"**{err}**" if isinstance(err, str) else f"{err:.1e}")
        lines.append(
            f"| {SHORT.get(row['case'], row['label'])} | {row['scale']:g} | {_num(row['exact'])} | {_num(row['lossbook'])} "
            f"| {_num(row['keras'])} | {_num(row['naive'])} | {err} |"
        )
    lines += [""]
    lines += _notes(r.get("notes", []))
    return lines


def _build(r):
    lines = ["## Building the book", "", _run_line(r["environment"]), "", r["method"], ""]
    if r.get("full") is None:
        lines += ["No full build recorded.", ""]
        return lines
    f, re_, before = r["full"], r.get("rebuild"), r.get("before")
    t = r["targets"]
    if before:
        ratios = r["ratios"]
        lines += [
            "| build | before: wall (s) | before: CPU (s) | today: wall (s) | today: CPU (s) "
            "| today ÷ before, wall | today ÷ before, CPU | target | |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
            f"| full, every chapter executed from scratch | {before['full']['wall_s']:.1f} "
            f"| {before['full']['cpu_s']:.1f} | {f['wall_s']:.1f} | {f['cpu_s']:.1f} "
            f"| {ratios['full_wall']:.2f}× | {ratios['full_cpu']:.2f}× | ≤ {t['full_ratio']:g}× (wall) "
            f"| {_met(f['target_met'])} |",
        ]
        if re_ and before.get("rebuild"):
            cpu = re_["cpu_s"] / before["rebuild"]["cpu_s"]
            lines.append(
                f"| again, nothing changed | {before['rebuild']['wall_s']:.1f} | {before['rebuild']['cpu_s']:.1f} "
                f"| {re_['wall_s']:.1f} | {re_['cpu_s']:.1f} | {ratios['rebuild_wall']:.2f}× | {cpu:.2f}× "
                f"| ≤ {t['rebuild_s']:g} s | {_met(re_['target_met'])} |"
            )
        lines += [
            "",
            f"Before: `{before['ref']}`"
            + (
                ", the same commit with `LOSSBOOK_BUILD_WORKERS=1`: the notebooks one after another before "
                "Sphinx reads anything, and every later step in one process"
                if "one step at a time" in before["ref"]
                else ""
            )
            + "; today: two notebooks at a time while Sphinx reads the other pages, and the math and "
            "figures on both cores.",
            "",
        ]
    else:
        lines += [
            "| build | wall (s) | CPU, all processes (s) |",
            "| --- | ---: | ---: |",
            f"| full, every chapter executed from scratch | {f['wall_s']:.1f} | {f['cpu_s']:.1f} |",
        ]
        if re_:
            lines.append(f"| again, nothing changed | {re_['wall_s']:.1f} | {re_['cpu_s']:.1f} |")
        lines += [""]
    lines += [
        f"Per chapter, execution time as recorded by jupyter-cache (target ≤ {t['chapter_s']:g} s each):",
        "",
        "| chapter | before (s) | today (s) | target |",
        "| --- | ---: | ---: | --- |",
    ]
    was = {c["chapter"]: c["execution_s"] for c in (before or {}).get("chapters", [])}
    for ch in r["chapters"]:
        old = was.get(ch["chapter"])
        lines.append(
            f"| {ch['chapter']} | {f'{old:.1f}' if old is not None else '–'} "
            f"| {ch['execution_s']:.1f} | {_met(ch['target_met'])} |"
        )
    lines += [""]
    lines += _notes(r.get("notes", []))
    return lines


def _widgets(r):
    lines = ["## Explorer response", "", _run_line(r["environment"]), "", r["method"], ""]
    lines += [
        "| explorer (slider) | work median | work p95 | frame median | CPU per input | old twin work | old twin frame "
        "| old live (kernel) | old live ÷ work | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]

    def ms(v):
        return "–" if v is None else f"{v:.1f}"

    for row in r["explorers"]:
        lines.append(
            f"| {row['name']} | {ms(row['work_median_ms'])} | {ms(row['work_p95_ms'])} | {ms(row['frame_median_ms'])} "
            f"| {ms(row.get('cpu_per_input_ms'))} | {ms(row['old_twin_work_median_ms'])} | {ms(row['old_twin_frame_median_ms'])} "
            f"| {ms(row['old_live_median_ms'])} | {_x(row.get('live_speedup'))} | {_met(row.get('target_met'))} |"
        )
    lines += ["", f"Milliseconds. Target: {r['target']}.", ""]
    sizes = r.get("bytes")
    if sizes:
        per_view = sizes.get("front_end_bytes_per_explorer")
        if per_view is not None:
            lines += [
                "| explorer | new: state, data, no-JS figure (KB) | new: its front end (KB) | new: total (KB) "
                "| old twin (KB) |",
                "| --- | ---: | ---: | ---: | ---: |",
            ]
            for name, size in sizes["embed_bytes"].items():
                old = sizes.get("old_twin_bytes", {}).get(name)
                front = per_view[name]
                lines.append(
                    f"| {name} | {size / 1e3:.1f} | {front / 1e3:.1f} | {(size + front) / 1e3:.1f} "
                    f"| {'–' if old is None else f'{old / 1e3:.1f}'} |"
                )
            lines += [
                "",
                "Its front end: the host script, the stylesheet and the explorer's own view bundle, minified by "
                "esbuild (a page loads the bundles of the views it shows; "
                f"{sizes['front_end_unminified_bytes'] / 1e3:.1f} KB of readable modules as the package ships them "
                "to Jupyter). Issue #10's budget: at most 40 KB an explorer.",
                "",
            ]
        else:
            lines += ["| explorer | new: state, data, no-JS figure (KB) | old twin (KB) |", "| --- | ---: | ---: |"]
            for name, size in sizes["embed_bytes"].items():
                old = sizes.get("old_twin_bytes", {}).get(name)
                lines.append(f"| {name} | {size / 1e3:.1f} | {'–' if old is None else f'{old / 1e3:.1f}'} |")
            lines += [
                "",
                f"Plus the front end a page with explorers loads once: {sizes['front_end_bytes'] / 1e3:.1f} KB.",
                "",
            ]
    lines += _notes(r.get("notes", []))
    return lines


def _pages(r):
    lines = ["## Page weight and load time", "", _run_line(r["environment"]), "", r["method"], ""]

    def kb(side):
        return f"{side['weight_bytes'] / 1000:.0f}" if side and "weight_bytes" in side else "–"

    def ms(side, key):
        return _ms(side[key], 0) if side and side.get(key) is not None else "–"

    for profile, title in (("unthrottled", "Unthrottled (local server)"), ("fast_3g", "Fast 3G")):
        rows = r.get(profile) or []
        if not rows:
            continue
        lines += [
            f"**{title}**: before → today, milliseconds from the start of navigation (math final: after the "
            "first paint)"
            + (", kilobytes of a first visit (lazy images included)" if profile == "unthrottled" else "")
            + "; ratio: before ÷ today.",
            "",
        ]
        head = (
            "| page |"
            + (" KB |" if profile == "unthrottled" else "")
            + " first paint | math final | load event | usable | usable ratio |"
        )
        lines += [head, "| --- |" + (" ---: |" if profile == "unthrottled" else "") + " ---: |" * 5]
        for p in rows:
            b, a = p.get("before"), p.get("after")
            ratio = p.get("before_over_after", {}).get("usable_s")
            cells = [_page_name(p["page"])]
            if profile == "unthrottled":
                cells.append(f"{kb(b)} → {kb(a)}")
            for key in ("fcp_s", "math_final_after_fcp_s", "load_s", "usable_s"):
                cells.append(f"{ms(b, key)} → {ms(a, key)}")
            cells.append(_x(ratio))
            lines.append("| " + " | ".join(cells) + " |")
        lines += [""]
    lines += _first_frames(r.get("unthrottled") or [])
    summary = r.get("summary") or {}
    if summary:
        lines += [
            "Medians over pages of before ÷ today:",
            "",
            "| | first paint | math final | load event | usable | bytes |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for profile, title in (("unthrottled", "unthrottled"), ("fast_3g", "Fast 3G")):
            vals = [
                summary.get(f"{profile}_{k}_speedup_median") for k in ("fcp", "math_final", "load", "usable", "weight")
            ]
            if any(v is not None for v in vals):
                lines.append(f"| {title} | " + " | ".join(_x(v) for v in vals) + " |")
        lines += [""]
    lines += _notes(r.get("notes", []))
    return lines


def _page_name(page):
    return page.removesuffix(".html").removeprefix("chapters/")


def _first_frames(rows):
    """The first painted frame against the final one, per page with formulas in the first viewport."""
    rows = [
        p for p in rows if any((p.get(side) or {}).get("formulas_in_first_viewport") for side in ("before", "after"))
    ]
    if not rows:
        return []

    def side(s):
        if not s or not s.get("formulas_in_first_viewport"):
            return ["–"] * 4
        glyphs = {True: "yes", False: "**no**", None: "–"}[s.get("glyphs_final_when_first_painted")]
        pixels = {True: "yes", False: "no", None: "–"}[s.get("pixels_final_at_first_paint")]
        fonts = s.get("math_fonts_not_ready_at_first_paint") or []
        return [
            f"{s.get('formulas_painted_at_fcp', '–')}/{s['formulas_in_first_viewport']}",
            glyphs,
            pixels,
            str(len(fonts)) if fonts else "0",
        ]

    lines = [
        "**The first painted frames** (unthrottled): formulas of the first viewport (1280×900) painted in the "
        "first frame / in the final page; whether every formula showed its final glyphs in the first frame that "
        "painted it; whether the first frame had every formula's final pixels; MathJax fonts the page used that "
        "were not ready at the first paint. Before → today.",
        "",
        "| page | formulas in the first frame | glyphs final when first painted | pixels final at first paint "
        "| MathJax fonts not ready |",
        "| --- | ---: | :---: | :---: | ---: |",
    ]
    for p in rows:
        b, a = side(p.get("before")), side(p.get("after"))
        lines.append(f"| {_page_name(p['page'])} | " + " | ".join(f"{x} → {y}" for x, y in zip(b, a)) + " |")
    return [*lines, ""]


RENDERERS = {"losses": _losses, "build": _build, "widgets": _widgets, "pages": _pages}


def _machine(results):
    envs = [r["environment"] for r in results.values()]
    if not envs:
        return []
    latest = max(envs, key=lambda e: e["date"])
    v = latest["versions"]
    versions = ", ".join(
        f"{name} {v[key]}"
        for name, key in (
            ("Python", "python"),
            ("NumPy", "numpy"),
            ("SciPy", "scipy"),
            ("TensorFlow", "tensorflow"),
            ("Keras", "keras"),
            ("PyTorch", "torch"),
            ("lossbook", "lossbook"),
            ("jupyter-book", "jupyter-book"),
        )
        if v.get(key)
    )
    return [
        f"- **Latest run:** {latest['date']}",
        f"- **Machine:** {latest['cpu']}, {latest['cores']} cores, {latest['memory_gib']} GiB of memory, "
        f"{latest['platform']}",
        f"- **Versions:** {versions}",
        "",
    ]


INTRO = """\
# Benchmarks

How long readers, authors and teachers wait, measured on the machine that
builds this book and put side by side with the alternative measured in the same
run. The machine is shared (other builds and tests run on its cores while these
numbers are taken, see each section's load average), so absolute times drift
from run to run; the ratios, and CPU time rather than elapsed time, are what to
compare. The scripts are in `benchmarks/` (see its `README.md`); this page is
generated by `benchmarks/report.py` from the JSON files in `benchmarks/results/`.
"""


def render(results: dict) -> str:
    """The Markdown of the appendix page, from results loaded by :func:`load_results`."""
    lines = INTRO.splitlines() + [""] + _machine(results)
    for name in SECTIONS:
        if name in results:
            lines += RENDERERS[name](results[name])
        else:
            lines += [f"## {name.capitalize()}", "", "Not measured yet.", ""]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Render benchmarks.md from benchmarks/results/*.json.")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="directory of result JSON files")
    parser.add_argument("--page", type=Path, default=PAGE, help="page to write (default: benchmarks.md)")
    parser.add_argument("--check", action="store_true", help="only check that the page is up to date")
    args = parser.parse_args(argv)
    text = render(load_results(args.results))
    if args.check:
        current = args.page.read_text() if args.page.exists() else ""
        if current != text:
            print(f"{args.page} is stale: run python benchmarks/report.py", file=sys.stderr)
            return 1
        print(f"{args.page} is up to date")
        return 0
    args.page.write_text(text)
    print(f"wrote {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

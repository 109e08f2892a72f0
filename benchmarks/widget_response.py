"""Response time of the explorers' live widgets, measured inside a Jupyter kernel.

For each explorer of :mod:`lossbook.widgets` (each slider of an explorer
with several sliders is swept on its own), and for a naive explorer built
with ``ipywidgets.interactive_output`` that draws a new pyplot figure on every
change (shown by the inline backend, as most notebooks do), this sets
``slider.value = v`` for a sweep of values and times each assignment: the
update of the artists, the render, the encoding and the comm messages to the
(absent) front end. It prints the median and 95th percentile side by side, of
the elapsed time and of the kernel's CPU time. It also reports, for the first
explorer of each class, the time to construct it (including precomputation
such as the training race's 26 runs) and to display it (the twin's frames).

Run it with the project's Python::

    python benchmarks/widget_response.py            # in a fresh ipykernel
    python benchmarks/widget_response.py --in-process  # without a kernel (no comm traffic)

The numbers depend on the machine and its load; compare the rows of one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

BENCHMARK = textwrap.dedent(
    """
    import io, json, time
    import numpy as np
    from IPython import get_ipython
    import ipywidgets
    from IPython.display import display
    from lossbook import widgets

    def sweep(slider, values):
        wall, cpu = [], []
        for v in values:
            t0, c0 = time.perf_counter(), time.process_time()
            slider.value = float(v)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        return {"wall": wall[2:], "cpu": cpu[2:]}  # the first changes warm caches

    def naive():
        import matplotlib.pyplot as plt
        import lossbook

        slider = ipywidgets.FloatSlider(value=0.5, min=0.02, max=1.0, step=0.01, description="q")
        qs = np.linspace(0.02, 1.0, 393)
        curve = -np.log(qs)

        def draw(q):
            fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.3))
            left.plot(qs, curve)
            loss = float(lossbook.categorical_crossentropy([0, 1, 0], [(1 - q) / 2, q, (1 - q) / 2]))
            left.scatter([q], [loss])
            right.plot(qs, -1 / qs)
            right.scatter([q], [-1 / q])
            left.set_xlabel("q"); left.set_ylabel("loss"); right.set_xlabel("q"); right.set_ylabel("gradient")
            if get_ipython() is None:  # no inline backend (--in-process): do what it does
                fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
                plt.close(fig)
            else:
                plt.show()

        out = ipywidgets.interactive_output(draw, {"q": slider})
        display(ipywidgets.VBox([slider, out]))
        return slider

    N = __N__
    # (explorer, slider swept); an explorer listed twice is swept once per slider.
    SWEEPS = (
        ("AccuracyExplorer", "w"),
        ("EntropyExplorer", "w1"),
        ("CrossEntropyExplorer", "q"),
        ("OutlierExplorer", "outlier"),
        ("OutlierExplorer", "delta"),
        ("SigmoidGradientExplorer", "z"),
        ("SigmoidGradientExplorer", "y"),
        ("TrainingRaceExplorer", "learning_rate"),
        ("MarginLossExplorer", "m"),
    )
    results, setup = {}, {}
    for cls_name, name in SWEEPS:
        t0, c0 = time.perf_counter(), time.process_time()
        explorer = getattr(widgets, cls_name)()
        t1, c1 = time.perf_counter(), time.process_time()
        display(explorer)  # the live widget and the static twin, as a notebook cell shows them
        if cls_name not in setup:  # the first of its class: precomputation, then the twin's frames
            setup[cls_name] = {"construct_wall": t1 - t0, "construct_cpu": c1 - c0,
                               "display_wall": time.perf_counter() - t1, "display_cpu": time.process_time() - c1}
        slider = explorer.sliders[name]
        p = next(p for p in explorer.parameters if p.name == name)
        if p.values is not None:  # a discrete set (a selection slider): cycle through it
            values = np.resize(p.values, N)
        elif p.step >= p.max - p.min:  # a two-valued slider (a label): alternate
            values = np.resize([p.min, p.max], N)
        else:
            values = np.linspace(p.min, p.max, N)
        results[f"{cls_name} ({name})"] = sweep(slider, values)
    slider = naive()
    results["naive interactive_output (new figure per change)"] = sweep(slider, np.linspace(0.02, 1.0, N))
    print("RESULTS " + json.dumps(results))
    print("SETUP " + json.dumps(setup))
    """
)


def run_in_kernel(code: str, timeout: float) -> str:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.execute("%matplotlib inline")
        chunks = []

        def collect(msg):
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                chunks.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                chunks.append("\n".join(msg["content"]["traceback"]))

        reply = kc.execute_interactive(code, timeout=timeout, output_hook=collect)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("".join(chunks))
        return "".join(chunks)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run_in_process(code: str) -> str:
    import contextlib
    import io

    import matplotlib

    matplotlib.use("Agg")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {"__name__": "__benchmark__"})
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in-process", action="store_true", help="run without a kernel")
    parser.add_argument("-n", type=int, default=60, help="slider values per explorer (default 60)")
    args = parser.parse_args(argv)
    code = BENCHMARK.replace("__N__", str(args.n))
    text = run_in_process(code) if args.in_process else run_in_kernel(code, timeout=600)
    line = next(line for line in text.splitlines() if line.startswith("RESULTS "))
    results = json.loads(line[len("RESULTS "):])

    import numpy as np

    where = "in-process, no kernel" if args.in_process else "in a Jupyter kernel (ipykernel), no front end attached"
    print(f"slider.value = v response time, {args.n} values per explorer, {where}")
    width = max(map(len, results))
    print("wall: elapsed time; cpu: the kernel process's CPU time (less sensitive to other load on the machine)")
    print(f"{'explorer':<{width}}  wall median  wall p95  cpu median  cpu p95   (ms)")
    for name, times in results.items():
        wall, cpu = np.array(times["wall"]) * 1e3, np.array(times["cpu"]) * 1e3
        print(
            f"{name:<{width}}  {np.median(wall):11.1f}  {np.percentile(wall, 95):8.1f}"
            f"  {np.median(cpu):10.1f}  {np.percentile(cpu, 95):7.1f}"
        )
    setup_line = next((line for line in text.splitlines() if line.startswith("SETUP ")), None)
    if setup_line:
        setup = json.loads(setup_line[len("SETUP "):])
        print()
        print("first explorer of each class: construction (with any precomputation) and display (the twin's frames)")
        print(f"{'explorer':<{width}}  construct wall  construct cpu  display wall  display cpu   (s)")
        for name, t in setup.items():
            print(f"{name:<{width}}  {t['construct_wall']:14.2f}  {t['construct_cpu']:13.2f}"
                  f"  {t['display_wall']:12.2f}  {t['display_cpu']:11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

/* The runner of "Run in your browser" (issue #16), loaded on click.
 *
 * Starts Pyodide in a Web Worker (lossbook-pyodide-worker.js), shows its
 * progress (bytes and steps), turns each runnable code cell into a CodeMirror
 * editor with a Run button and an output area, and runs cells in order
 * ("Run all"). "Stop" terminates the worker and starts a fresh Python.
 * Cells that need TensorFlow/PyTorch keep their built output and point to
 * Binder/Colab; explorer cells keep the page's own explorer.
 */
/* global CodeMirror, LossbookPyodideCells */
(function () {
  "use strict";
  const { classifyCells, progressText } = LossbookPyodideCells;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function launchLinks() {
    // The page's own Binder/Colab launch buttons (nothing is fetched until clicked).
    const links = [];
    for (const a of document.querySelectorAll("a[href]")) {
      const h = a.getAttribute("href");
      if (/mybinder\.org|binderhub/.test(h) && !links.some((l) => l.name === "Binder")) links.push({ name: "Binder", href: h });
      if (/colab\.research\.google\.com/.test(h) && !links.some((l) => l.name === "Colab")) links.push({ name: "Colab", href: h });
    }
    return links;
  }

  function start({ bar, button, staticBase, siteRoot }) {
    button.hidden = true;
    const panel = el("div", "lossbook-run-panel");
    const progress = el("progress", "lossbook-run-progress");
    progress.max = 1; progress.value = 0;
    progress.setAttribute("aria-label", "Loading Python");
    const status = el("p", "lossbook-run-status", "Starting Python…");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const runAll = el("button", "lossbook-run-all", "Run all");
    const stop = el("button", "lossbook-run-stop", "Stop");
    runAll.type = stop.type = "button";
    runAll.disabled = true; stop.disabled = true;
    const buttons = el("div", "lossbook-run-buttons");
    buttons.append(runAll, stop);
    panel.append(progress, status, buttons);
    bar.appendChild(panel);

    const cells = [];
    const links = launchLinks();
    const found = [];
    document.querySelectorAll("div.cell").forEach((cellEl) => {
      const input = cellEl.querySelector(".cell_input");
      const pre = input && input.querySelector("pre");
      if (!pre) return;
      const builtOutput = cellEl.querySelector(".cell_output");
      found.push({
        cellEl, input, pre, builtOutput,
        source: pre.textContent.replace(/\n$/, ""),
        explorer: !!(builtOutput && builtOutput.querySelector(".lossbook-twin, .lossbook-explorer")),
      });
    });
    const kinds = classifyCells(found);
    found.forEach(({ cellEl, input, pre, builtOutput, source }, index) => {
      const kind = kinds[index];
      cellEl.dataset.lossbookRun = kind;
      if (kind === "framework") {
        const note = el("p", "lossbook-run-note", "This cell needs TensorFlow or PyTorch (or the results of a cell that does), which do not run in the browser: the output below is the one the book was built with. To run it, open the chapter in ");
        links.forEach((l, i) => {
          const a = el("a", "", l.name); a.href = l.href; a.target = "_blank"; a.rel = "noopener";
          note.append(i ? " or " : "", a);
        });
        if (!links.length) note.append("Binder or Colab (the launch menu at the top of the page)");
        note.append(".");
        input.insertAdjacentElement("afterend", note);
        return;
      }
      if (kind === "explorer") {
        input.insertAdjacentElement("afterend", el("p", "lossbook-run-note", "Explorer: the interactive figure below runs in the page itself, with no Python."));
        return;
      }
      const highlight = pre.closest("div.highlight-ipython3, div.highlight") || pre;
      const holder = el("div", "lossbook-run-editor");
      highlight.insertAdjacentElement("afterend", holder);
      highlight.hidden = true;
      const editor = CodeMirror(holder, {
        value: source, mode: "python", lineNumbers: false, viewportMargin: Infinity,
        indentUnit: 4, extraKeys: { "Shift-Enter": () => run(cell) },
        screenReaderLabel: "Code cell, editable",
      });
      const tools = el("div", "lossbook-run-tools");
      const runBtn = el("button", "lossbook-run-cell", "Run");
      runBtn.type = "button"; runBtn.disabled = true;
      const state = el("span", "lossbook-run-state");
      tools.append(runBtn, state);
      holder.insertAdjacentElement("afterend", tools);
      const out = el("div", "lossbook-run-output");
      out.setAttribute("aria-live", "polite");
      out.hidden = true;
      (builtOutput || tools).insertAdjacentElement("afterend", out);
      const cell = { cellEl, editor, runBtn, state, out, builtOutput };
      runBtn.addEventListener("click", () => run(cell));
      cells.push(cell);
    });

    let worker = null;
    let ready = false;
    let pending = null;        // {resolve, cell} of the cell running now
    let nextId = 1;
    let runningAll = false;

    function setEnabled(on) {
      runAll.disabled = !on;
      cells.forEach((c) => { c.runBtn.disabled = !on; });
    }

    function boot(message) {
      ready = false;
      setEnabled(false);
      bar.dataset.state = "loading";
      worker = new Worker(staticBase + "lossbook-pyodide-worker.js");
      status.textContent = message;
      progress.hidden = false;
      worker.onmessage = (ev) => {
        const m = ev.data;
        if (m.type === "progress") {
          const tl = window.LossbookPyodideRunner.timeline;
          if (!tl.length || tl[tl.length - 1].step !== m.step) tl.push({ step: m.step, t: performance.now(), loaded: m.loaded });
          progress.max = m.total; progress.value = Math.min(m.loaded, m.total);
          status.textContent = progressText(m.loaded, m.total, m.step);
        } else if (m.type === "ready") {
          ready = true;
          progress.hidden = true;
          status.textContent = "Python " + "(Pyodide " + m.pyodide + ") is ready: edit any cell and run it, or run all cells in order.";
          setEnabled(true);
          bar.dataset.state = "ready";
        } else if (m.type === "failed") {
          status.textContent = "Python could not start: " + m.message;
          bar.dataset.state = "failed";
        } else if (m.type === "result" && pending && pending.id === m.id) {
          const p = pending; pending = null;
          p.resolve(m.result);
        }
      };
      worker.onerror = (ev) => {
        status.textContent = "Python stopped with an error: " + (ev.message || "unknown");
        bar.dataset.state = "failed";
      };
      worker.postMessage({ type: "init", siteRoot, kernelURL: staticBase + "lossbook-pyodide-kernel.py" });
    }

    function show(cell, result) {
      const out = cell.out;
      out.replaceChildren();
      for (const o of result.outputs) {
        if (o.kind === "stream") {
          const pre = el("pre", "lossbook-run-" + o.name, o.text);
          out.appendChild(pre);
        } else if (o.kind === "text") {
          out.appendChild(el("pre", "lossbook-run-text", o.text));
        } else if (o.kind === "image") {
          const img = el("img", "lossbook-run-image");
          img.src = "data:image/png;base64," + o.data;
          const fig = cell.builtOutput && cell.builtOutput.querySelector("img[alt]");
          img.alt = fig ? "Figure drawn in your browser. The figure built with the book showed: " + fig.alt : "Figure drawn in your browser by this cell";
          out.appendChild(img);
        }
      }
      if (result.error) out.appendChild(el("pre", "lossbook-run-error", result.error.traceback));
      if (cell.builtOutput) cell.builtOutput.hidden = true;
      out.hidden = false;
      cell.cellEl.dataset.lossbookRunState = result.error ? "error" : "done";
    }

    function run(cell) {
      if (!ready || pending) return Promise.resolve(null);
      const id = nextId++;
      cell.state.textContent = "running…";
      cell.cellEl.dataset.lossbookRunState = "running";
      stop.disabled = false;
      return new Promise((resolve) => {
        pending = { id, cell, resolve };
        setEnabled(false);
        worker.postMessage({ type: "run", id, code: cell.editor.getValue() });
      }).then((result) => {
        stop.disabled = true;
        setEnabled(true);
        if (result) {
          show(cell, result);
          cell.state.textContent = result.error ? "error" : "";
        }
        return result;
      });
    }

    runAll.addEventListener("click", async () => {
      runningAll = true;
      for (const cell of cells) {
        if (!runningAll) break;
        const result = await run(cell);
        if (!result || result.error) break;
      }
      runningAll = false;
    });

    stop.addEventListener("click", () => {
      runningAll = false;
      worker.terminate();
      if (pending) {
        const p = pending; pending = null;
        p.cell.state.textContent = "stopped";
        p.cell.cellEl.dataset.lossbookRunState = "stopped";
        p.resolve(null);
      }
      stop.disabled = true;
      boot("Stopped. Starting a fresh Python: variables from earlier cells are gone, so run the cells again from the top…");
    });

    window.LossbookPyodideRunner.timeline = [];   // steps and when they began (benchmarks/pyodide.py)
    boot("Starting Python…");
    window.LossbookPyodideRunner.cells = cells;
  }

  window.LossbookPyodideRunner = { start };
})();

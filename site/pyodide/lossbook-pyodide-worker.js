/* Pyodide in a Web Worker for "Run in your browser" (issue #16).
 *
 * Everything comes from the site itself: the core (pyodide.js, .wasm, the
 * standard library) and the wheels listed in manifest.json, all under
 * <site>/pyodide/ (site/vendor_pyodide.py put them there, each wheel checked
 * against the official lock's sha256; Pyodide checks them again on load).
 * The page stops a long-running cell by terminating this worker and starting
 * a new one.
 *
 * Messages in:  {type: "init", siteRoot, kernelURL} | {type: "run", id, code}
 * Messages out: {type: "progress", loaded, total, step} | {type: "ready"}
 *               | {type: "result", id, result} | {type: "failed", message}
 */
/* global loadPyodide */
"use strict";

let pyodide = null;
let runCell = null;

function bytesLoaded(files) {
  // What this worker has fetched of the vendored files so far (resource timing).
  let n = 0;
  for (const e of performance.getEntriesByType("resource")) {
    const name = decodeURIComponent(e.name.split("/").pop().split("?")[0]);
    if (name in files) n += e.encodedBodySize || e.transferSize || files[name];
  }
  return n;
}

async function init(siteRoot, kernelURL) {
  const base = new URL("pyodide/", siteRoot).href;
  const manifest = await (await fetch(base + "manifest.json")).json();
  const total = manifest.total_bytes;
  const files = manifest.files;
  let step = "Python (Pyodide " + manifest.pyodide + ")";
  const report = () => postMessage({ type: "progress", loaded: bytesLoaded(files), total, step });
  const timer = setInterval(report, 250);
  try {
    report();
    importScripts(base + "pyodide.js");
    pyodide = await loadPyodide({
      indexURL: base,
      lockFileURL: base + "pyodide-lock.json",
      stdout: () => {},
      stderr: () => {},
    });
    step = "NumPy, SciPy, matplotlib";
    report();
    await pyodide.loadPackage(manifest.packages, {
      messageCallback: (msg) => { step = msg; report(); },
      errorCallback: (msg) => { step = msg; report(); },
    });
    step = "lossbook";
    report();
    await pyodide.loadPackage(base + manifest.lossbook_wheel, { messageCallback: () => {} });
    step = "starting the kernel";
    report();
    const kernel = await (await fetch(kernelURL)).text();
    pyodide.runPython(kernel, { filename: "lossbook-pyodide-kernel.py" });
    runCell = pyodide.globals.get("run_cell");
    step = "ready";
  } finally {
    clearInterval(timer);
  }
  postMessage({ type: "progress", loaded: bytesLoaded(files), total, step });
  postMessage({ type: "ready", pyodide: manifest.pyodide });
}

onmessage = async (event) => {
  const msg = event.data;
  if (msg.type === "init") {
    try {
      await init(msg.siteRoot, msg.kernelURL);
    } catch (err) {
      postMessage({ type: "failed", message: String(err && err.message || err) });
    }
  } else if (msg.type === "run") {
    let result;
    try {
      result = JSON.parse(runCell(msg.code));
    } catch (err) {
      result = { outputs: [], error: { ename: "Error", evalue: String(err), traceback: String(err) } };
    }
    postMessage({ type: "result", id: msg.id, result });
  }
};

/* Pure logic of "Run in your browser" (issue #16), shared by the page and the
 * node tests (tests/js/pyodide_cells.test.js): which cells can run in Pyodide,
 * and how progress reads. No DOM here.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.LossbookPyodideCells = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // Code that needs TensorFlow or PyTorch (neither runs in Pyodide): the
  // framework comparisons of lossbook, and direct use of the frameworks.
  const NEEDS_FRAMEWORK = [
    /\btf_compare\s*\.\s*\w+\s*\(/,
    /\bframeworks\s*\.\s*\w+\s*\(/, // lossbook.frameworks, the new name of tf_compare
    /\bcompare\s*\.\s*\w+\s*\(/,
    /^\s*(import|from)\s+(tensorflow|keras|torch)\b/m,
    /\btf\s*\.\s*\w/,
    /\bkeras\s*\.\s*\w/,
    /\btorch\s*\.\s*\w/,
  ];
  // An explorer cell: the page shows the explorer itself (its kernel-free twin).
  const EXPLORER = /\b(widgets|explorers)\s*\.\s*\w*Explorer\s*\(/;

  /**
   * How the browser treats a code cell.
   * @param {string} source the cell's code
   * @param {boolean} hasExplorerOutput whether its built output is an explorer
   * @returns {"run"|"framework"|"explorer"}
   */
  function classifyCell(source, hasExplorerOutput) {
    if (hasExplorerOutput || EXPLORER.test(source)) return "explorer";
    if (NEEDS_FRAMEWORK.some((re) => re.test(source))) return "framework";
    return "run";
  }

  // Names a cell assigns at the start of a line: `x = ...`, `a, b = ...`,
  // `for x in`, `def f`, `class C`, `import m as x`, `with ... as x`.
  function assignedNames(source) {
    const names = new Set();
    const add = (list) => list.split(",").forEach((n) => {
      const m = n.trim().match(/^\(?\s*([A-Za-z_]\w*)/);
      if (m) names.add(m[1]);
    });
    for (const line of source.split("\n")) {
      let m = line.match(/^\s*([A-Za-z_][\w\s,()]*?)\s*(?<![=!<>+\-*/%&|^])=(?!=)/);
      if (m) add(m[1]);
      m = line.match(/^\s*(?:def|class)\s+([A-Za-z_]\w*)/);
      if (m) names.add(m[1]);
      m = line.match(/^\s*for\s+([\w\s,()]+?)\s+in\b/);
      if (m) add(m[1]);
      for (const a of line.matchAll(/\bas\s+([A-Za-z_]\w*)/g)) names.add(a[1]);
    }
    return names;
  }

  /**
   * Classify a chapter's cells in order. A cell that would run is marked
   * "framework" too when it uses a name that only a framework cell defined
   * (its value would not exist in the browser).
   * @param {{source: string, explorer: boolean}[]} cells
   * @returns {("run"|"framework"|"explorer")[]}
   */
  function classifyCells(cells) {
    const frameworkOnly = new Set();
    return cells.map(({ source, explorer }) => {
      let kind = classifyCell(source, explorer);
      const assigned = assignedNames(source);
      if (kind === "run") {
        const uses = [...frameworkOnly].some((n) => !assigned.has(n) && new RegExp("\\b" + n + "\\b").test(source));
        if (uses) kind = "framework";
      }
      for (const n of assigned) {
        if (kind === "framework") frameworkOnly.add(n);
        else frameworkOnly.delete(n);
      }
      return kind;
    });
  }

  /** "12.3 MB" style, decimal units as the manifest's sizes are bytes. */
  function formatBytes(n) {
    if (!Number.isFinite(n) || n < 0) throw new TypeError("formatBytes: n must be a non-negative number; received " + n);
    if (n < 1e3) return n + " B";
    if (n < 1e6) return (n / 1e3).toFixed(0) + " kB";
    return (n / 1e6).toFixed(1) + " MB";
  }

  /** The progress line: bytes of the total, and the current step. */
  function progressText(loaded, total, step) {
    const shown = Math.min(loaded, total);
    const pct = total > 0 ? Math.floor((100 * shown) / total) : 0;
    return formatBytes(shown) + " of " + formatBytes(total) + " (" + pct + " %) · " + step;
  }

  return { classifyCell, classifyCells, assignedNames, formatBytes, progressText };
});

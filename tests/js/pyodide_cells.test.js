// node --test tests/js/ : the pure logic of "Run in your browser" (issue #16).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const cells = require("../../site/pyodide/lossbook-pyodide-cells.js");

const cell = (source, explorer = false) => ({ source, explorer });

test("plain NumPy/lossbook cells run", () => {
  assert.equal(cells.classifyCell("p = np.array([0.5, 0.5])\nprint(lb.entropy(p))", false), "run");
  // Importing the comparison module is fine; only using it needs TensorFlow.
  assert.equal(cells.classifyCell("from lossbook import exercises, plots, tf_compare, widgets", false), "run");
});

test("TensorFlow and PyTorch cells are marked", () => {
  for (const src of [
    'tf_compare.compare("hinge", y, s)',
    'frameworks.compare("poisson", y, s)',
    "tf, keras = tf_compare.tensorflow_modules()",
    "import torch\nx = 1",
    "from tensorflow import keras",
    "h = tf.reduce_sum(p)",
    "loss = keras.losses.MeanSquaredError()",
    "torch.tensor([1.0])",
  ]) assert.equal(cells.classifyCell(src, false), "framework", src);
});

test("explorer cells keep the page's explorer", () => {
  assert.equal(cells.classifyCell("widgets.EntropyExplorer()", false), "explorer");
  assert.equal(cells.classifyCell("explorers.MarginLossExplorer(target=1)", false), "explorer");
  assert.equal(cells.classifyCell("anything()", true), "explorer");
});

test("a cell using a value only a framework cell made is a framework cell", () => {
  const kinds = cells.classifyCells([
    cell("p = np.ones(3) / 3"),
    cell("tf, keras = tf_compare.tensorflow_modules()\nh_tf = tf.reduce_sum(p)\nh_lb = lb.entropy(p)"),
    cell("print(h_lb - 1)"),        // h_lb only exists where TensorFlow ran
    cell("print(p)"),               // p came from a runnable cell
    cell("h_lb = 2.0\nprint(h_lb)"), // redefined here: runs
    cell("print(h_lb)"),             // and now exists in the browser
  ]);
  assert.deepEqual(kinds, ["run", "framework", "framework", "run", "run", "run"]);
});

test("assignedNames finds assignment targets, loop variables, defs and aliases", () => {
  const names = cells.assignedNames("a, b = 1, 2\nfor i, x in z:\n    y += 1\nq == 2\ndef f(x):\n    pass\nimport numpy as np\nw[0] = 3");
  assert.deepEqual([...names].sort(), ["a", "b", "f", "i", "np", "x"]);
});

test("progress shows bytes of the total and the step", () => {
  assert.equal(cells.formatBytes(512), "512 B");
  assert.equal(cells.formatBytes(46_400_000), "46.4 MB");
  assert.equal(cells.progressText(23_200_000, 46_400_000, "Loading scipy"), "23.2 MB of 46.4 MB (50 %) · Loading scipy");
  // Never more than the total (headers can make a resource look larger).
  assert.equal(cells.progressText(50e6, 46.4e6, "ready"), "46.4 MB of 46.4 MB (100 %) · ready");
  assert.throws(() => cells.formatBytes(-1), /formatBytes: n must be a non-negative number; received -1/);
});

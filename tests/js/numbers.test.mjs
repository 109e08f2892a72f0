// Unit tests of lossbook/explorers/static/numbers.js (run: node --test tests/js/).
// Python's formatting is checked against python_formats.json, which
// tests/test_explorers.py regenerates and compares (so it cannot go stale).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as N from "../../lossbook/explorers/static/numbers.js";

const cases = JSON.parse(readFileSync(new URL("./python_formats.json", import.meta.url)));
const num = (v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v);

test("pyFormat matches Python's format()", () => {
  for (const [v, spec, expected] of cases.format) {
    const x = typeof v === "number" && Object.is(v, 0) && expected.startsWith("-") ? -0 : num(v);
    assert.equal(N.pyFormat(x, spec), expected, `format(${v}, ${spec})`);
  }
});

test("pyRepr matches Python's repr()", () => {
  for (const [v, expected] of cases.repr) {
    const x = expected === "-0.0" ? -0 : num(v);
    assert.equal(N.pyRepr(x), expected);
  }
});

test("parseNumbers accepts lists and refuses text like lossbook.explorers.parse_numbers", () => {
  assert.deepEqual(N.parseNumbers("[0.5, 0.25 0.25]", "p"), [0.5, 0.25, 0.25]);
  assert.deepEqual(N.parseNumbers(" (1e-3,2) ", "p"), [0.001, 2]);
  assert.throws(() => N.parseNumbers("0.5, a", "p"), { message: "p must be numbers separated by commas; received '0.5, a'." });
  assert.throws(() => N.parseNumbers("", "y_true"), { message: "y_true must be numbers separated by commas; received ''." });
});

test("categorical cross-entropy refuses a row summing to 1.1 with lossbook's message", () => {
  assert.throws(() => N.categoricalCrossentropy([1, 0, 0, 0, 0], [0.5, 0.1, 0.2, 0.2, 0.1], false), {
    message: "y_pred must sum to 1 along the last axis (within 0.001); received y_pred sums to 1.1. "
      + "If y_pred holds logits (unnormalized scores), pass from_logits=True.",
  });
});

test("cross-entropies at known values", () => {
  assert.ok(Math.abs(N.categoricalCrossentropy([0, 1, 0], [0.2, 0.7, 0.1], false) + Math.log(0.7)) < 1e-15);
  assert.ok(Object.is(N.sparseCategoricalCrossentropy(0, [1e4, -1e4], true), 0)); // +0, as lossbook's mean
  assert.equal(N.sparseCategoricalCrossentropy(1, [1e4, -1e4], true), 2e4);
  assert.equal(N.binaryCrossentropy([1], [-1e4], true), 1e4);
  // Keras' clipping: a zero probability on the true class costs -ln(1e-7).
  assert.ok(Math.abs(N.categoricalCrossentropy([1, 0], [0, 1], false) + Math.log(1e-7)) < 1e-12);
  assert.throws(() => N.sparseCategoricalCrossentropy(1.5, [0.5, 0.5], false), { message: "labels must contain integer class indices; received labels containing 1.5." });
});

test("entropy in bits and nats", () => {
  assert.equal(N.entropy([0.25, 0.25, 0.25, 0.25], 2), 2);
  assert.ok(Math.abs(N.entropy([0.5, 0.5]) - Math.log(2)) < 1e-16);
  assert.throws(() => N.entropy([0.5, -0.1, 0.6]), { message: "p must contain probabilities in [0, 1]; received -0.1 at index (1,)." });
});

test("line fits: MSE exact, MAE ignores the outlier, Huber in between", () => {
  assert.deepEqual(N.fitLineMse([0, 1, 2], [1, 3, 5]), [2, 1]);
  assert.deepEqual(N.fitLineMae([0, 1, 2, 3], [0, 1, 2, 30]), [1, 0]);
  const [a, b] = N.fitLineHuber([0, 1, 2, 3, 4], [0, 1, 2, 3, 40], 1);
  assert.ok(Math.abs(a - 1.5) < 1e-8 && Math.abs(b + 0.5) < 1e-8);
  assert.throws(() => N.fitLineMse([0, 0], [1, 2]), { message: "x must hold at least two different values to fit a line; received all x = 0.0." });
});

// Chapter 9. Known values from lossbook's docstrings: triplet_margin_loss([[0, 0]], [[0, 1]], [[1.5, 0]], eps=0)
// = 0.5, info_nce(zeros((4, 4))) = log 4, cosine_similarity(u, 0) = -0.0 (Keras' norm floor keeps a zero vector zero).
test("chapter 9: triplet margin loss, InfoNCE and cosine similarity at known values", () => {
  assert.equal(N.tripletMarginLoss([0, 0], [0, 1], [1.5, 0], 1, 0), 0.5);
  assert.equal(N.tripletMarginLoss([0, 0], [0, 1], [3, 0], 1, 0), 0);
  assert.ok(Math.abs(N.infoNce([0, 0, 0, 0], 0.3) - Math.log(4)) < 1e-15);
  assert.ok(Object.is(N.cosineSimilarity([1, 1], [0, 0]), -0)); // lossbook: -0.0 too (minus 0 / norms)
  assert.equal(N.cosineSimilarity([3, 4], [-6, -8]), 1);
  assert.throws(() => N.infoNce([0.5, 0.1], 0), { message: "temperature must be a positive real number; received temperature=0.0." });
  assert.throws(() => N.tripletMarginLoss([0, 0], [1, 0], [0, 1], -1), { message: "margin must be a non-negative real number; received margin=-1.0." });
});

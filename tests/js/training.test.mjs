// The training race's trainer (numbers.js trainLogistic) against lossbook.training, in node.
// The browser test (tests/test_site_explorers.py) checks the same in Chromium, on the built page.
// PYTHON names the interpreter that imports lossbook (CI: .venv/bin/python).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as N from "../../lossbook/explorers/static/numbers.js";

const root = new URL("../..", import.meta.url).pathname;
const RATES = [0.05, 0.42, 5.0];
const PY = `
import json
from lossbook import training
x, y = training.make_two_blobs()
runs = []
for rate in ${JSON.stringify(RATES)}:
    race = training.training_race(learning_rate=rate, epochs=1000, losses=("mse", "bce", "half_mse"))
    runs.append({k: {"loss": h.loss.tolist(), "accuracy": h.accuracy.tolist(), "w": h.w.ravel().tolist(),
                  "b": h.b.tolist()} for k, h in race.items()})
print(json.dumps({"x": x.tolist(), "y": y.tolist(), "runs": runs}))
`;

/** Within 1e-12 relative, with an absolute floor of 1e-12 (a weight or bias passing through 0), as the browser test. */
function close(got, want, what) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const scale = Math.max(Math.abs(got[i]), Math.abs(want[i]), 1);
    assert.ok(got[i] === want[i] || Math.abs(got[i] - want[i]) <= 1e-12 * scale, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

test("trainLogistic retraces lossbook.training.training_race within 1e-12", () => {
  const ref = JSON.parse(execFileSync(process.env.PYTHON || "python3", ["-c", PY],
    { cwd: root, env: { ...process.env, PYTHONPATH: root }, maxBuffer: 1 << 26 }).toString());
  RATES.forEach((rate, k) => {
    for (const loss of ["mse", "bce", "half_mse"]) {
      const want = ref.runs[k][loss];
      const got = N.trainLogistic(ref.x, ref.y, { loss, w0: [-5, -5], b0: 0, learningRate: rate, epochs: 1000 });
      for (const key of ["loss", "accuracy", "w", "b"]) close(got[key], want[key], `${loss} at ${rate}: ${key}`);
    }
  });
});

test("recording fewer losses leaves the steps alone", () => {
  const x = [[1, 0.5], [-1, -0.25], [0.3, -2], [2, 1]];
  const y = [1, 0, 0, 1];
  const args = { loss: "bce", w0: [-1, 2], b0: 0.5, learningRate: 0.7, epochs: 30 };
  const all = N.trainLogistic(x, y, args);
  const few = N.trainLogistic(x, y, { ...args, lossAt: [0, 10] });
  assert.deepEqual([...few.w], [...all.w]);
  assert.deepEqual([...few.accuracy], [...all.accuracy]);
  assert.deepEqual([0, 10, 30].map((e) => few.loss[e]), [0, 10, 30].map((e) => all.loss[e]));
  assert.ok(Number.isNaN(few.loss[5]));
});

test("bad arguments get lossbook's messages", () => {
  assert.throws(() => N.trainLogistic([[0, 0]], [1], { loss: "bce", w0: [0, 0], learningRate: -1.5, epochs: 1 }),
    { message: "learning_rate must be a positive real number; received learning_rate=-1.5." });
  assert.throws(() => N.trainLogistic([[0, 0]], [1], { loss: "l2", w0: [0, 0], learningRate: 1, epochs: 1 }),
    { message: "loss must be one of 'bce', 'mse', 'half_mse'; received loss='l2'." });
  assert.equal(N.epochsToAccuracy([0.1, 0.5, 0.95, 1], 0.95), 2);
  assert.equal(N.epochsToAccuracy([0.1, 0.5], 0.95), null);
});

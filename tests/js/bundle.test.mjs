// The one-module bundle anywidget loads (lossbook.explorers._base.bundle()):
// it imports in node, exports render, and carries the same numbers.
// PYTHON names the interpreter that imports lossbook (CI: .venv/bin/python).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as N from "../../lossbook/explorers/static/numbers.js";

test("the anywidget bundle is one ES module with render and the same numbers", async () => {
  const root = new URL("../..", import.meta.url).pathname;
  const code = execFileSync(process.env.PYTHON || "python3",
    ["-c", "from lossbook.explorers._base import bundle; print(bundle())"],
    { cwd: root, env: { ...process.env, PYTHONPATH: root }, maxBuffer: 1 << 24 }).toString();
  assert.ok(!code.includes('from "./') && !code.includes('import("./'));
  const file = join(mkdtempSync(join(tmpdir(), "lossbook-")), "bundle.mjs");
  writeFileSync(file, code);
  const m = await import(pathToFileURL(file).href);
  assert.equal(typeof m.render, "function");
  assert.equal(m.numbers.pyFormat(0.125, ".2f"), "0.12");
  assert.equal(m.numbers.entropy([0.5, 0.5], 2), N.entropy([0.5, 0.5], 2));
});

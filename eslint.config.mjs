// ESLint (pinned in package.json) for the site's front end and its tests:
//   npx eslint lossbook/explorers/static site/static site/pyodide tests/js
// The explorers are ES modules; "Run in your browser" (site/pyodide/) is classic
// scripts and a Web Worker; the JavaScript tests run under node --test.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: { "no-unused-vars": ["error", { args: "none" }], eqeqeq: "error", "prefer-const": "error", "no-var": "error" },
  },
  {
    files: ["site/pyodide/**/*.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser, ...globals.worker, module: "writable" } },
  },
  { files: ["tests/js/**"], languageOptions: { globals: globals.node } },
  { files: ["tests/js/pyodide_*.js"], languageOptions: { sourceType: "commonjs" } },
];

// ESLint (pinned in package.json) for the explorers' front end and its tests:
//   npx eslint -c lossbook/explorers/eslint.config.mjs lossbook/explorers/static site/static/lossbook-explorers.js tests/js
import js from "@eslint/js";

const browser = Object.fromEntries(["document", "window", "DOMPoint", "Event", "MessageChannel", "performance",
  "requestAnimationFrame", "getComputedStyle", "URL"].map((name) => [name, "readonly"]));
const node = Object.fromEntries(["process", "URL"].map((name) => [name, "readonly"]));

export default [
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: browser },
    rules: { "no-unused-vars": ["error", { args: "none" }], eqeqeq: "error", "prefer-const": "error", "no-var": "error" },
  },
  { files: ["tests/js/**"], languageOptions: { globals: node } },
];

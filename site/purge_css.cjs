#!/usr/bin/env node
// The theme's stylesheets cut to the rules the built site can use (issue #15),
// with PurgeCSS (pinned in package-lock.json). site/purge_css.py calls it once
// the HTML build is done.
//
// pydata-sphinx-theme ships all of Bootstrap 5 in its stylesheet (330 KB,
// with sphinx-design's 55 KB and MyST-NB's 43 KB): every page's first load
// paid for forms, cards, carousels and toasts no page has. PurgeCSS keeps a
// rule when every class, id and element its selector names occurs in the
// site's content: every built HTML page and every script the site serves (so
// classes that the theme's, Bootstrap's, sphinx-design's or our own scripts
// add at run time, which appear there as strings, are kept too).
//
// Two corrections to PurgeCSS's reading of a selector:
//  * a name inside :not(...) or :has(...) is not required to occur: in
//    `.visually-hidden:not(caption)` or `.text_html:not(:has(table.dataframe))`
//    the absence of captions or data frames is what makes the rule match, so
//    those names are safelisted;
//  * a selector of pseudo-classes alone (the theme's focus ring,
//    `:focus-visible{outline:...}`) names nothing PurgeCSS could find, and
//    PurgeCSS drops it; such rules are wrapped in PurgeCSS's "ignore" comments;
//  * Bootstrap builds some class names in its scripts from pieces
//    (`bs-${name}-auto`, tooltip and popover placements, show/fade
//    transitions), so names with those stems are kept whole.
// @font-face rules, keyframes and custom properties are all kept.
//
// Input (stdin, JSON): {"content": ["/abs/page.html", "/abs/x.js", ...], "css": ["/abs/a.css", ...]}
// Writes each stylesheet in place; output (stdout, JSON): [{"file", "before", "after"}].

'use strict';

const fs = require('fs');
const {PurgeCSS} = require('purgecss');

const BUILT_FROM_PIECES = [/^bs-/, /tooltip/, /popover/, /modal/, /offcanvas/, /dropdown/, /collaps/, /^show/, /^fade/];

// Names inside :not(...)/:has(...) (nested ones included), as exact safelist patterns.
function negatedNames(css) {
  const names = new Set();
  for (const m of css.matchAll(/:(?:not|has)\(/g)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    while (i < css.length && depth > 0) {
      if (css[i] === '(') depth++;
      else if (css[i] === ')') depth--;
      i++;
    }
    for (const w of css.slice(start, i - 1).matchAll(/[A-Za-z_][\w-]*/g)) names.add(w[0]);
  }
  return [...names].map(n => new RegExp(`^${n.replace(/[-]/g, '\\-')}$`));
}

// Rules whose every selector is pseudo-classes only, kept whole.
const PSEUDO_ONLY = /(^|[{}])((?::[\w-]+(?:\([^(){}]*\))?)+(?:,(?::[\w-]+(?:\([^(){}]*\))?)+)*)\{([^{}]*)\}/g;
function keepPseudoOnly(css) {
  return css.replace(PSEUDO_ONLY, '$1/* purgecss start ignore */$2{$3}/* purgecss end ignore */');
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const results = [];
  for (const file of input.css) {
    const css = fs.readFileSync(file, 'utf8');
    const [out] = await new PurgeCSS().purge({
      content: input.content,
      css: [{raw: keepPseudoOnly(css), name: file}],
      fontFace: false,
      keyframes: false,
      variables: false,
      safelist: {standard: negatedNames(css), greedy: BUILT_FROM_PIECES},
    });
    fs.writeFileSync(file, out.css.replace(/\/\* purgecss (start|end) ignore \*\//g, ''));
    results.push({file, before: Buffer.byteLength(css), after: Buffer.byteLength(out.css)});
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch(e => { console.error(e); process.exit(1); });

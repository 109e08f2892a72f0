#!/usr/bin/env node
// Finish the built HTML pages at build time (issue #15), so that they reach the
// reader light and final:
//  * the math is typeset with MathJax's own Node package (mathjax-full, pinned
//    in package-lock.json), so pages load no typesetting runtime;
//  * the MathJax fonts the page's formulas use are preloaded from the head, so
//    that they arrive with the stylesheets and the math is final at first paint;
//  * the article's images get their width and height (read with the image-size
//    package), loading="lazy" and decoding="async", so that figures below the
//    fold load when the reader gets near them, without shifting the layout.
//
// This is MathJax's "direct" page pipeline (MathJax-demos-node,
// direct/tex2chtml-page): parse the page with MathJax's lite DOM, find the TeX
// the same way the browser component would (the page's `window.MathJax` options,
// passed in by site/prerender.py), typeset it to CommonHTML, and write
// the page back with MathJax's stylesheet for the characters used. Each formula
// keeps a hidden MathML copy (MathJax's assistive-MathML handler) for screen
// readers, and the font files are the vendored MathJax woff fonts.
//
// Input (stdin, JSON):  {"config": {...mathjax3_config...},
//                        "pages": [{"file": "/abs/page.html", "fontURL": "../mathjax/..."}]}
// Output (stdout, JSON): [{"file", "formulas", "images", "errors": ["..."]}] ; exit 1 on a crash.
// A formula MathJax cannot read (an unknown macro, unbalanced braces) is
// reported in "errors" (no "noundefined"/"noerrors" package hides it).

'use strict';

const fs = require('fs');
const path = require('path');
const {imageSize} = require('image-size');
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {CHTML} = require('mathjax-full/js/output/chtml.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {AssistiveMmlHandler} = require('mathjax-full/js/a11y/assistive-mml.js');
require('mathjax-full/js/input/tex/AllPackages.js');

// What the browser's tex-chtml component can reach: its preloaded packages and
// everything its autoload package loads on first use. Not "noundefined" (which
// would print an unknown macro in red instead of reporting it), not "require".
const PACKAGES = [
  'base', 'ams', 'newcommand', 'configmacros',
  'action', 'amscd', 'bbox', 'boldsymbol', 'braket', 'bussproofs', 'cancel', 'color',
  'enclose', 'extpfeil', 'html', 'mhchem', 'unicode', 'verb',
];

function insideArticle(adaptor, node) {
  for (let n = adaptor.parent(node); n; n = adaptor.parent(n)) {
    if (adaptor.kind(n) === 'article' && adaptor.hasClass(n, 'bd-article')) return true;
  }
  return false;
}

// Width, height and lazy loading for the article's local images (not data: URIs).
function sizeImages(adaptor, doc, file) {
  let sized = 0;
  for (const img of adaptor.tags(adaptor.body(doc.document), 'img')) {
    const src = adaptor.getAttribute(img, 'src') || '';
    if (!src || /^(data:|[a-z]+:\/\/)/i.test(src) || !insideArticle(adaptor, img)) continue;
    if (adaptor.getAttribute(img, 'loading') === 'lazy' && adaptor.getAttribute(img, 'width')) continue;
    const target = path.resolve(path.dirname(file), decodeURIComponent(src.split(/[?#]/)[0]));
    if (!fs.existsSync(target)) continue;  // the browser test reports images that do not load
    if (!adaptor.getAttribute(img, 'width') && !adaptor.getAttribute(img, 'height')) {
      const {width, height} = imageSize(fs.readFileSync(target));
      adaptor.setAttribute(img, 'width', String(width));
      adaptor.setAttribute(img, 'height', String(height));
    }
    adaptor.setAttribute(img, 'loading', 'lazy');
    adaptor.setAttribute(img, 'decoding', 'async');
    sized++;
  }
  return sized;
}

// <link rel="preload"> for the fonts of the families the typeset math uses: the
// main font (MJXTEX), the zero-width one every character tries first (MJXZERO),
// and one per variant class (TEX-I: MJXTEX-I, math italic; TEX-A: AMS; ...).
function preloadFonts(adaptor, doc, out) {
  const styles = adaptor.textContent(doc.outputJax.chtmlStyles);
  const urls = new Map();
  for (const m of styles.matchAll(/font-family:\s*(MJX[A-Z0-9-]+);\s*src:\s*url\("([^"]+)"\)/g)) {
    urls.set(m[1], m[2]);
  }
  const families = new Set(['MJXZERO', 'MJXTEX']);
  for (const m of out.matchAll(/<mjx-c class="[^"]*\bTEX-([A-Z0-9]+)\b/g)) families.add(`MJXTEX-${m[1]}`);
  const head = adaptor.head(doc.document);
  let n = 0;
  for (const family of [...families].sort()) {
    const href = urls.get(family);
    if (!href) continue;
    const link = adaptor.node('link', {rel: 'preload', href, as: 'font', type: 'font/woff', crossorigin: ''});
    adaptor.append(head, link);
    n++;
  }
  return n;
}

function typesetPage(adaptor, text, config, fontURL, file) {
  const tex = new TeX({...(config.tex || {}), packages: PACKAGES});
  const chtml = new CHTML({...(config.chtml || {}), fontURL});
  const doc = mathjax.document(text, {...(config.options || {}), InputJax: tex, OutputJax: chtml});
  doc.render();
  const math = Array.from(doc.math);
  const errors = [];
  for (const item of math) {
    const root = item.root;
    let error = null;
    root.walkTree(node => {
      if (!error && node.isKind('merror')) {
        error = node.attributes.get('data-mjx-error') || 'MathJax error';
      }
    });
    if (error) errors.push(`${error}: ${item.math.slice(0, 120)}`);
    // A displayed formula wider than the column scrolls sideways: keyboard
    // users reach it with Tab, as MathJax's own runtime lets them (axe:
    // scrollable-region-focusable).
    if (item.display && item.typesetRoot) adaptor.setAttribute(item.typesetRoot, 'tabindex', '0');
  }
  if (math.length === 0) {
    adaptor.remove(doc.outputJax.chtmlStyles);
  }
  const images = sizeImages(adaptor, doc, file);
  if (math.length > 0) {
    preloadFonts(adaptor, doc, adaptor.outerHTML(adaptor.body(doc.document)));
  }
  const out = adaptor.doctype(doc.document) + '\n' + adaptor.outerHTML(adaptor.root(doc.document)) + '\n';
  return {out, formulas: math.length, images, errors};
}

function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const results = [];
  for (const page of input.pages) {
    const text = fs.readFileSync(page.file, 'utf8');
    const {out, formulas, images, errors} = typesetPage(adaptor, text, input.config || {}, page.fontURL, page.file);
    if (formulas > 0 || images > 0) fs.writeFileSync(page.file, out);
    results.push({file: page.file, formulas, images, errors});
  }
  process.stdout.write(JSON.stringify(results));
}

main();

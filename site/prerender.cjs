#!/usr/bin/env node
// Finish the built HTML pages at build time (issue #15), so that they reach the
// reader light and final:
//  * the math is typeset with MathJax's own Node package (mathjax-full, pinned
//    in package-lock.json), so pages load no typesetting runtime;
//  * it is written as SVG: each glyph is a path, drawn in the text colour
//    (currentColor), so a formula needs no web font and is final in the first
//    frame the browser paints (benchmarks/pages.py compares that frame with the
//    final one). CommonHTML needs MathJax's fonts, and even inlined as data:
//    URLs Chromium decodes them after the first paint: the formulas were
//    invisible in the first frame;
//  * the article's images get their width and height (read with the image-size
//    package), loading="lazy" and decoding="async", so that figures below the
//    fold load when the reader gets near them, without shifting the layout.
//
// This is MathJax's "direct" page pipeline (MathJax-demos-node,
// direct/tex2svg-page): parse the page with MathJax's lite DOM, find the TeX
// the same way the browser component would (the page's `window.MathJax` options,
// passed in by site/prerender.py), typeset it to SVG, and write the page back
// with MathJax's stylesheet. Each formula keeps a hidden MathML copy
// (MathJax's assistive-MML handler) for screen readers. The glyph paths are
// written once per page (fontCache "global": one hidden <svg> of <defs>, which
// the formulas <use>), and that <svg> is moved to the start of <body>, so that
// every formula's glyphs are parsed before the formula itself: Chromium paints
// a page before it has parsed all of it.
//
// Input (stdin, JSON):  {"config": {...mathjax3_config...},
//                        "pages": [{"file": "/abs/page.html", "fontURL": "(unused, SVG needs no fonts)"}]}
// Output (stdout, JSON): [{"file", "formulas", "images", "errors": ["..."]}] ; exit 1 on a crash.
// A formula MathJax cannot read (an unknown macro, unbalanced braces) is
// reported in "errors" (no "noundefined"/"noerrors" package hides it).

'use strict';

const fs = require('fs');
const path = require('path');
const {imageSize} = require('image-size');
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
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

// The glyph cache (<svg id="MJX-SVG-global-cache">, which MathJax appends to
// <body>) moved to the start of <body>, before the first formula that uses it.
function glyphsFirst(adaptor, doc) {
  const body = adaptor.body(doc.document);
  const cache = adaptor.elementById(body, SVG.FONTCACHEID);
  if (!cache) return false;
  adaptor.remove(cache);
  const first = adaptor.firstChild(body);
  if (first) adaptor.insert(cache, first); else adaptor.append(body, cache);
  return true;
}

function typesetPage(adaptor, text, config, file) {
  const tex = new TeX({...(config.tex || {}), packages: PACKAGES});
  const svg = new SVG({...(config.svg || {}), fontCache: 'global'});
  const doc = mathjax.document(text, {...(config.options || {}), InputJax: tex, OutputJax: svg});
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
    adaptor.remove(doc.outputJax.svgStyles);
    const cache = adaptor.elementById(adaptor.body(doc.document), SVG.FONTCACHEID);
    if (cache) adaptor.remove(cache);
  } else {
    glyphsFirst(adaptor, doc);
  }
  const images = sizeImages(adaptor, doc, file);
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
    const {out, formulas, images, errors} = typesetPage(adaptor, text, input.config || {}, page.file);
    if (formulas > 0 || images > 0) fs.writeFileSync(page.file, out);
    results.push({file: page.file, formulas, images, errors});
  }
  process.stdout.write(JSON.stringify(results));
}

main();

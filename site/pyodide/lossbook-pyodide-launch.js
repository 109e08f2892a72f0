/* "Run in your browser" button on chapter pages (issue #16).
 *
 * The only part of the feature a page loads up front (a few hundred bytes
 * gzipped): it adds the button, and loads nothing else until the reader
 * clicks it. Then it loads CodeMirror, the runner and its styles from the
 * site, and the runner starts Pyodide in a Web Worker.
 */
(function () {
  "use strict";
  const me = document.currentScript;
  const staticBase = new URL(".", me.src).href;            // <site>/_static/
  const siteRoot = new URL("../", staticBase).href;         // <site>/

  function load(tag, url) {
    return new Promise((resolve, reject) => {
      const el = document.createElement(tag);
      if (tag === "link") { el.rel = "stylesheet"; el.href = url; } else { el.src = url; }
      el.onload = resolve;
      el.onerror = () => reject(new Error("could not load " + url));
      document.head.appendChild(el);
    });
  }

  function setup() {
    const cells = document.querySelectorAll("div.cell div.cell_input pre");
    // The chapter's title (the theme also prints a copy for print only).
    const title = [...document.querySelectorAll("article h1, main h1")]
      .find((h) => !h.closest(".onlyprint") && h.getClientRects().length > 0);
    if (!cells.length || !title) return;
    // The bar is in the page already (site/lossbook_pyodide.py reserves its room, so nothing moves
    // when the button appears); made here only on a page built without it.
    let bar = document.querySelector("[data-lossbook-run-bar]");
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "lossbook-run-bar";
      title.insertAdjacentElement("afterend", bar);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "lossbook-run-start";
    // Styled here (the stylesheet comes with the click): the theme's own
    // colours, so it keeps its contrast in light and dark mode.
    Object.assign(button.style, {
      color: "var(--pst-color-text-base)", background: "var(--pst-color-surface)",
      border: "1px solid var(--pst-color-border)", borderRadius: "4px",
      padding: "0.25rem 0.75rem", font: "inherit", cursor: "pointer",
    });
    button.textContent = "Run in your browser";
    button.title = "Run this chapter's code here, in Python compiled to WebAssembly (Pyodide): about 46 MB, loaded from this site when you click";
    bar.appendChild(button);
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Loading…";
      try {
        await Promise.all([
          load("link", siteRoot + "codemirror/lib/codemirror.css"),
          load("link", staticBase + "lossbook-pyodide.css"),
          load("script", siteRoot + "codemirror/lib/codemirror.js"),
          load("script", staticBase + "lossbook-pyodide-cells.js"),
        ]);
        await load("script", siteRoot + "codemirror/mode/python/python.js");
        await load("script", staticBase + "lossbook-pyodide-runner.js");
        window.LossbookPyodideRunner.start({ bar, button, staticBase, siteRoot });
      } catch (err) {
        button.textContent = "Run in your browser (failed: " + err.message + ")";
        button.disabled = false;
      }
    }, { once: false });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();

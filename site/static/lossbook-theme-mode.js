/* The page's colours before its first paint (issue #15).
 *
 * pydata-sphinx-theme's inline head script sets <html data-theme> from the
 * reader's saved choice, or to the default mode, "auto"; the theme's stylesheet
 * has colours only for "light" and "dark", and its deferred script resolves
 * "auto" after the first paint. Until then the page is drawn in the browser's
 * default colours: a white flash in dark mode, and text (formulas included)
 * repainted once the colours arrive. This resolves "auto" at once, from the
 * same media query the theme's script uses; the theme's script later sets the
 * same value and follows changes of the system setting.
 *
 * site/lossbook_site.py inlines this file into every page's <head>, after the
 * theme's own script (a request here would hold up the first paint).
 */
(function (root) {
  "use strict";
  if (root.dataset.theme === "auto" || !root.dataset.theme) {
    const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "dark" : "light";
  }
})(document.documentElement);

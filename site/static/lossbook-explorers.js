// Host of lossbook's explorers on the built site (no kernel, no widget
// manager, nothing from another host): for each explorer a chapter's cell
// embedded (div.lossbook-explorer with its state as JSON), make a small local
// model and call the render({ model, el }) of its view. The site serves one
// module per view kind, view-<kind>.js (site/minify.py bundles it from the
// explorers' ES module, the same module anywidget runs in Jupyter), and a page
// imports only the kinds it shows.
const hosts = document.querySelectorAll("div.lossbook-explorer");

class LocalModel {
  constructor(state) {
    this.state = state;
    this.handlers = new Map();
  }
  get(key) { return this.state[key]; }
  set(key, value) {
    this.state[key] = value;
    for (const f of this.handlers.get(`change:${key}`) || []) f();
  }
  on(event, f) { this.handlers.set(event, [...(this.handlers.get(event) || []), f]); }
  off(event, f) { this.handlers.set(event, (this.handlers.get(event) || []).filter((g) => g !== f)); }
  save_changes() {}
}

if (hosts.length) {
  const base = new URL("lossbook-explorers/", import.meta.url);
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("explorers.css", base).href;
  document.head.append(css);
  const kinds = [...new Set([...hosts].map((host) => host.dataset.kind))];
  const views = new Map(await Promise.all(
    kinds.map(async (kind) => [kind, await import(new URL(`view-${kind}.js`, base).href)]),
  ));
  for (const host of hosts) {
    const { render } = views.get(host.dataset.kind);
    const state = JSON.parse(host.querySelector("script.lossbook-explorer-state").textContent);
    const el = document.createElement("div");
    el.className = "lossbook-explorer-view";
    host.append(el);
    const model = new LocalModel(state);
    render({ model, el });
    host.lossbookModel = model; // for the browser tests and the benchmark
  }
  document.documentElement.dataset.lossbookExplorers = "ready";
}

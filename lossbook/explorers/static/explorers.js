// The explorers' one front end: render({ model, el }) for anywidget (Jupyter)
// and for the built site's host script (site/static/lossbook-explorers.js).
// The model holds the state (values, spec, data, and point_list for the
// outlier explorer); every number shown comes from numbers.js, whose functions
// the browser tests check against lossbook, or from lossbook at build time.
import * as N from "./numbers.js";

const SVGNS = "http://www.w3.org/2000/svg";
const COLORS = {
  blue: "#0072B2", vermillion: "#D55E00", green: "#009E73", orange: "#E69F00",
  purple: "#CC79A7", sky: "#56B4E9", grey: "#8a8a8a", ink: "currentColor",
};
let uid = 0;

// -- DOM helpers -------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children);
  return el;
}

function svg(tag, attrs = {}, parent) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.append(el);
  return el;
}

function ticks(lo, hi, count = 5) {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const tickText = (v) => N.number(Number(v.toPrecision(12)), "g");

/** One panel: an SVG with axes, in data coordinates. */
class Plot {
  constructor(parent, { xlim, ylim, xlabel, ylabel, ylog = false, label, width = 360, height = 250, role = "img" }) {
    this.W = width;
    this.H = height;
    this.m = { l: 52, r: 12, t: 10, b: 40 };
    this.xlim = xlim;
    this.ylim = ylim;
    this.ylog = ylog;
    this.svg = svg("svg", { viewBox: `0 0 ${width} ${height}`, role, "aria-label": label, class: "lb-panel" });
    parent.append(this.svg);
    const id = `lb-clip-${++uid}`;
    const defs = svg("defs", {}, this.svg);
    const { l, t } = this.m;
    svg("rect", { x: l, y: t, width: this.pw, height: this.ph }, svg("clipPath", { id }, defs));
    this.axes = svg("g", { class: "lb-axes" }, this.svg);
    this.layer = svg("g", { "clip-path": `url(#${id})` }, this.svg);
    this.top = svg("g", {}, this.svg);
    this.drawAxes(xlabel, ylabel);
  }

  get pw() { return this.W - this.m.l - this.m.r; }
  get ph() { return this.H - this.m.t - this.m.b; }
  X(v) { return this.m.l + ((v - this.xlim[0]) / (this.xlim[1] - this.xlim[0])) * this.pw; }
  Y(v) {
    const [lo, hi] = this.ylog ? this.ylim.map(Math.log10) : this.ylim;
    const y = this.ylog ? Math.log10(v) : v;
    return this.m.t + (1 - (y - lo) / (hi - lo)) * this.ph;
  }

  drawAxes(xlabel, ylabel) {
    const { l, t } = this.m;
    const g = this.axes;
    g.replaceChildren();
    svg("rect", { x: l, y: t, width: this.pw, height: this.ph, class: "lb-frame" }, g);
    for (const v of ticks(...this.xlim)) {
      const x = this.X(v);
      svg("line", { x1: x, x2: x, y1: t, y2: t + this.ph, class: "lb-grid" }, g);
      svg("text", { x, y: t + this.ph + 14, "text-anchor": "middle" }, g).textContent = tickText(v);
    }
    const yt = this.ylog
      ? ticks(Math.log10(this.ylim[0]), Math.log10(this.ylim[1])).filter(Number.isInteger).map((e) => 10 ** e)
      : ticks(...this.ylim);
    for (const v of yt) {
      const y = this.Y(v);
      svg("line", { x1: l, x2: l + this.pw, y1: y, y2: y, class: "lb-grid" }, g);
      svg("text", { x: l - 4, y: y + 4, "text-anchor": "end" }, g).textContent = this.ylog ? `1e${Math.log10(v)}`.replace("-", "\u2212") : tickText(v);
    }
    svg("text", { x: l + this.pw / 2, y: this.H - 6, "text-anchor": "middle", class: "lb-label" }, g).textContent = xlabel;
    svg("text", { x: 12, y: t + this.ph / 2, transform: `rotate(-90 12 ${t + this.ph / 2})`, "text-anchor": "middle", class: "lb-label" }, g).textContent = ylabel;
  }

  d(xs, ys) {
    let out = "";
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const x = this.X(xs[i]);
      let y = this.Y(ys[i]);
      if (!Number.isFinite(y)) { pen = false; continue; }
      y = Math.max(-1e4, Math.min(1e4, y));
      out += `${pen ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
      pen = true;
    }
    return out;
  }

  line(color, dash = "", width = 2) {
    return svg("path", { fill: "none", stroke: color, "stroke-width": width, "stroke-dasharray": dash }, this.layer);
  }
  set(path, xs, ys) { path.setAttribute("d", this.d(xs, ys)); }
  dot(color, r = 5, shape = "circle") {
    return shape === "square"
      ? svg("rect", { width: 2 * r, height: 2 * r, fill: color, stroke: "var(--lb-bg)", "stroke-width": 1.5 }, this.top)
      : svg("circle", { r, fill: color, stroke: "var(--lb-bg)", "stroke-width": 1.5 }, this.top);
  }
  move(el, x, y) {
    const px = this.X(x);
    const py = Math.max(this.m.t, Math.min(this.m.t + this.ph, this.Y(y)));
    const visible = Number.isFinite(py) && px >= this.m.l - 1 && px <= this.m.l + this.pw + 1;
    el.style.display = visible ? "" : "none";
    if (el.tagName === "rect") { el.setAttribute("x", px - el.width.baseVal.value / 2); el.setAttribute("y", py - el.height.baseVal.value / 2); }
    else { el.setAttribute("cx", px); el.setAttribute("cy", py); }
  }
  vline(color, dash = "4 3") { return svg("line", { stroke: color, "stroke-dasharray": dash, "stroke-width": 1.2, y1: this.m.t, y2: this.m.t + this.ph }, this.layer); }
  setV(el, x) { const px = this.X(x); el.setAttribute("x1", px); el.setAttribute("x2", px); }
  hline(y, color, dash = "5 4") { const py = this.Y(y); return svg("line", { x1: this.m.l, x2: this.m.l + this.pw, y1: py, y2: py, stroke: color, "stroke-dasharray": dash, "stroke-width": 1.2 }, this.layer); }
  bar(color) { return svg("rect", { fill: color }, this.layer); }
  setBar(el, x, w, y) {
    const y0 = this.Y(Math.max(this.ylim[0], 0));
    const y1 = this.Y(y);
    el.setAttribute("x", this.X(x - w / 2));
    el.setAttribute("width", this.X(x + w / 2) - this.X(x - w / 2));
    el.setAttribute("y", Math.min(y0, y1));
    el.setAttribute("height", Math.abs(y0 - y1));
  }
}

function legend(items) {
  return h("ul", { class: "lb-legend" }, ...items.map(([name, color, dash]) => {
    const key = svg("svg", { width: 26, height: 10, "aria-hidden": "true" });
    svg("line", { x1: 1, x2: 25, y1: 5, y2: 5, stroke: color, "stroke-width": 2.5, "stroke-dasharray": dash || "" }, key);
    return h("li", {}, key, ` ${name}`);
  }));
}

const linspace = (a, b, n) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

// -- the frame every explorer shares ---------------------------------------------------

function frame(model, el) {
  const spec = model.get("spec");
  const params = Object.fromEntries(spec.parameters.map((p) => [p.name, p]));
  const id = `lb-explorer-${++uid}`;
  const controls = h("div", { class: "lb-controls" });
  const figure = h("div", { class: "lb-figure" });
  const readout = h("output", { class: "lb-readout", "aria-live": "polite" });
  const own = h("div", { class: "lb-own" });
  const root = h("figure", { class: "lb-explorer", role: "group", "aria-labelledby": `${id}-caption` },
    controls, figure, readout, own, h("figcaption", { id: `${id}-caption`, text: spec.caption }));
  el.replaceChildren(root);
  const values = () => model.get("values");
  const set = (partial) => {
    model.set("values", { ...values(), ...partial });
    model.save_changes();
  };
  const sliders = {};
  const ctx = {
    model, spec, params, data: model.get("data"), values, set, controls, figure, own, readout, sliders, id,
    say(text) { if (readout.textContent !== text) readout.textContent = text; },
    slider(name) {
      const p = params[name];
      const sid = `${id}-${name}`;
      const discrete = Array.isArray(p.values);
      const input = h("input", {
        type: "range", id: sid, class: "lb-slider", "data-name": name,
        min: discrete ? 0 : p.min, max: discrete ? p.values.length - 1 : p.max, step: discrete ? 1 : p.step,
      });
      const shown = h("output", { for: sid, class: "lb-value" });
      const sync = () => {
        const v = values()[name];
        const pos = discrete ? p.values.indexOf(v) : v;
        if (Number(input.value) !== pos) input.value = pos;
        const text = `${p.symbol} = ${N.number(v, p.fmt)}`;
        shown.textContent = N.number(v, p.fmt);
        input.setAttribute("aria-valuetext", text);
      };
      input.addEventListener("input", () => {
        const v = discrete ? p.values[Number(input.value)] : Number(input.value);
        set({ [name]: v });
      });
      controls.append(h("div", { class: "lb-control" }, h("label", { for: sid, text: p.label }), input, shown));
      sliders[name] = sync;
      return input;
    },
    sync() { for (const s of Object.values(sliders)) s(); },
    panels() { return h("div", { class: "lb-panels" }); },
    /** A form of typed inputs; `apply` gets the texts and throws LossbookError to refuse them. */
    form(title, fields, apply, extra = []) {
      const error = h("p", { class: "lb-error", role: "alert" });
      const ownOut = h("output", { class: "lb-own-readout", "aria-live": "polite" });
      const inputs = {};
      const rows = fields.map(([name, label, value, size]) => {
        const fid = `${id}-own-${name}`;
        inputs[name] = h("input", { type: "text", id: fid, value, size: size || 24, "data-name": name, spellcheck: "false", autocomplete: "off" });
        return h("div", { class: "lb-field" }, h("label", { for: fid, text: label }), inputs[name]);
      });
      const button = h("button", { type: "submit", class: "lb-apply", text: "Show" });
      const form = h("form", { class: "lb-form" }, h("p", { class: "lb-form-title", text: title }), ...rows, ...extra, button, error, ownOut);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const texts = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.value]));
        try {
          const text = apply(texts);
          error.textContent = "";
          if (text !== undefined) ownOut.textContent = text;
        } catch (e) {
          if (!(e instanceof N.LossbookError)) throw e;
          error.textContent = e.message;
        }
      });
      own.append(form);
      return { form, inputs, error, ownOut };
    },
  };
  return ctx;
}

// -- chapter 1: accuracy against cross-entropy ------------------------------------------

function accuracyView(c) {
  const { x, y, bias } = c.data;
  const acc = (w) => N.sum(x.map((xi, i) => ((N.sigmoid(w * xi + bias) > 0.5) === (y[i] === 1) ? 1 : 0))) / x.length;
  const loss = (w) => N.binaryCrossentropy(y, x.map((xi) => w * xi + bias), true);
  c.slider("w");
  const p = c.params.w;
  const grid = linspace(p.min, p.max, 801);
  const accs = grid.map(acc);
  const losses = grid.map(loss);
  const lmax = Math.max(...losses) * 1.05;
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [p.min, p.max], ylim: [0, 1.02], xlabel: "weight w", ylabel: `accuracy; loss ÷ ${N.number(lmax, ".2f")}`, label: c.spec.alt });
  left.set(left.line(COLORS.blue), grid, accs);
  left.set(left.line(COLORS.vermillion, "6 4"), grid, losses.map((v) => v / lmax));
  const wl = left.vline(COLORS.grey);
  const ap = left.dot(COLORS.blue);
  const lp = left.dot(COLORS.vermillion, 5, "square");
  const right = new Plot(panels, { xlim: [-4, 4], ylim: [-0.08, 1.08], xlabel: "input x", ylabel: "label / p(class 1 | x)", label: "The data, the model's probability curve and its boundary." });
  x.forEach((xi, i) => right.move(right.dot(y[i] ? COLORS.vermillion : COLORS.blue, 4), xi, y[i]));
  const curve = right.line(COLORS.green);
  const boundary = right.vline(COLORS.ink, "2 3");
  const rings = x.map((xi, i) => {
    const r = svg("circle", { r: 8, fill: "none", stroke: "currentColor", "stroke-width": 1.2 }, right.top);
    right.move(r, xi, y[i]);
    return r;
  });
  const xs = linspace(-4, 4, 161);
  c.figure.append(legend([["accuracy", COLORS.blue], ["cross-entropy (scaled)", COLORS.vermillion, "6 4"], ["σ(w·x + b)", COLORS.green], ["boundary", "currentColor", "2 3"]]), panels);
  return () => {
    const w = c.values().w;
    const a = acc(w);
    const l = loss(w);
    left.setV(wl, w);
    left.move(ap, w, a);
    left.move(lp, w, l / lmax);
    right.set(curve, xs, xs.map((v) => N.sigmoid(w * v + bias)));
    boundary.style.display = w === 0 ? "none" : "";
    if (w !== 0) right.setV(boundary, -bias / w);
    rings.forEach((r, i) => { r.style.display = (N.sigmoid(w * x[i] + bias) > 0.5) !== (y[i] === 1) ? "" : "none"; });
    c.say(N.formatReadout(["w", w, ".2f"], ["accuracy", a, ".3f"], ["loss", l, ".3f"],
      ["accuracy slope", N.centralDifference(acc, w), ".3f"], ["loss slope", N.centralDifference(loss, w), ".3f"]));
  };
}

// -- chapter 2: entropy -------------------------------------------------------------------

function entropyReadout(text) {
  const p = N.parseNumbers(text, "p");
  const bits = N.entropy(p, 2);
  const nats = N.entropy(p);
  return { p, bits, text: `your p: H(p) = ${N.number(bits, ".4f")} bits = ${N.number(nats, ".4f")} nats` };
}

function entropyView(c) {
  c.slider("w1");
  c.slider("w2");
  c.slider("w3");
  c.slider("w4");
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [0.4, 6.6], ylim: [0, 1.12], xlabel: "outcome", ylabel: "probability p", label: c.spec.alt });
  const right = new Plot(panels, { xlim: [-0.6, 0.6], ylim: [0, 3.4], xlabel: "entropy H(p)", ylabel: "bits", label: "The entropy in bits against its maximum.", width: 160 });
  const bars = Array.from({ length: 6 }, () => left.bar(COLORS.blue));
  const hbar = right.bar(COLORS.green);
  const maxLine = right.hline(2, COLORS.grey);
  const note = svg("text", { x: left.X(3.5), y: left.Y(0.5), "text-anchor": "middle", class: "lb-note" }, left.top);
  c.figure.append(panels);
  const draw = (p, bits) => {
    bars.forEach((b, i) => { b.style.display = i < p.length ? "" : "none"; if (i < p.length) left.setBar(b, i + 1, 0.6, p[i]); });
    right.setBar(hbar, 0, 0.6, bits);
    const top = Math.log2(p.length);
    maxLine.setAttribute("y1", right.Y(top));
    maxLine.setAttribute("y2", right.Y(top));
  };
  const typed = c.form("Your own distribution (up to 6 probabilities):", [["p", "p =", "0.5, 0.25, 0.25", 28]], ({ p }) => {
    const r = entropyReadout(p);
    if (r.p.length > 6) N.fail("p", "have at most 6 outcomes here", `${r.p.length}`);
    draw(r.p, r.bits);
    note.textContent = "";
    return r.text;
  });
  return () => {
    typed.ownOut.textContent = ""; // the bars show the sliders' p again
    const v = c.values();
    const w = [v.w1, v.w2, v.w3, v.w4];
    const total = N.sum(w);
    if (total === 0) {
      draw([0, 0, 0, 0], 0);
      note.textContent = "All weights are 0: raise one to define p.";
      c.say("All weights are 0: raise one to define a distribution.");
      return;
    }
    note.textContent = "";
    const p = w.map((x) => x / total);
    const bits = N.entropy(p, 2);
    const nats = N.entropy(p);
    draw(p, bits);
    const show = (a, f) => `(${a.map((x) => N.pyFormat(x, f)).join(", ")})`;
    c.say(N.formatReadout(`weights ${show(w, ".2f")} ÷ ${N.pyFormat(total, ".2f")} → p = ${show(p, ".4f")}`,
      `H(p) = ${N.number(bits, ".3f")} bits = ${N.number(nats, ".3f")} nats`));
  };
}

// -- chapter 3: cross-entropy -------------------------------------------------------------

/** lossbook.explorers.CrossEntropyExplorer.typed_readout, step for step. */
export function crossEntropyTyped(label, prediction, fromLogits) {
  let y = N.parseNumbers(label, "y_true");
  const z = N.parseNumbers(prediction, "y_pred");
  let sparse = null;
  if (y.length === 1 && z.length > 1) {
    sparse = N.sparseCategoricalCrossentropy(y[0], z, fromLogits);
    y = z.map((_, i) => (i === y[0] ? 1 : 0));
  }
  const categorical = N.categoricalCrossentropy(y, z, fromLogits);
  if (sparse === null && y.filter((v) => v === 1).length === 1 && y.filter((v) => v === 0).length === y.length - 1) {
    sparse = N.sparseCategoricalCrossentropy(y.indexOf(1), z, fromLogits);
  }
  const binary = N.binaryCrossentropy(y, z, fromLogits);
  const q = fromLogits ? N.softmax(z) : z;
  const hy = N.entropy(y);
  const ce = N.crossEntropy(y, q);
  const kl = N.klDivergence(y, q);
  const items = [["H(y)", hy], ["H(y, q)", ce], ["KL(y ‖ q)", kl]].map(([n, v]) => `${n} = ${N.number(v, ".5g")} nats`);
  if (fromLogits) items.unshift(`q = softmax(z) = (${q.map((v) => N.number(v, ".4g")).join(", ")})`);
  items.push(`categorical CE = ${N.number(categorical, ".5g")}`);
  items.push(sparse !== null ? `sparse CE = ${N.number(sparse, ".5g")}` : "sparse CE: needs a hard label");
  items.push(`binary CE = ${N.number(binary, ".5g")}`);
  return { y, q, text: N.formatReadout(...items) };
}

function crossEntropyView(c) {
  c.slider("q");
  const p = c.params.q;
  const qs = linspace(p.min, p.max, 393);
  const loss = (q) => N.categoricalCrossentropy([0, 1, 0], [(1 - q) / 2, q, (1 - q) / 2], false);
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [0, 1.02], ylim: [0, 4.2], xlabel: "probability q of the true class", ylabel: "loss −log q", label: c.spec.alt });
  left.set(left.line(COLORS.vermillion), qs, qs.map(loss));
  const tangent = left.line(COLORS.grey, "5 4", 1.5);
  const lp = left.dot(COLORS.vermillion);
  const right = new Plot(panels, { xlim: [0, 1.02], ylim: [-52, 2], xlabel: "probability q of the true class", ylabel: "gradient d(−log q)/dq", label: "The gradient −1/q against q." });
  right.set(right.line(COLORS.blue), qs, qs.map((q) => -1 / q));
  right.hline(0, "currentColor", "");
  const gp = right.dot(COLORS.blue);
  const mine = new Plot(panels, { xlim: [-0.5, 5.5], ylim: [0, 1.05], xlabel: "class", ylabel: "probability", label: "Your label y (dark bars) and prediction q (light bars), class by class." });
  const ybars = Array.from({ length: 6 }, () => mine.bar(COLORS.sky));
  const qbars = Array.from({ length: 6 }, () => mine.bar(COLORS.orange));
  const drawMine = (y, q) => {
    [[ybars, y, -0.18], [qbars, q, 0.18]].forEach(([bars, v, dx]) => bars.forEach((b, i) => {
      b.style.display = i < v.length ? "" : "none";
      if (i < v.length) mine.setBar(b, i + dx, 0.34, Math.max(0, Math.min(1.05, v[i])));
    }));
  };
  c.figure.append(legend([["−log q and its tangent", COLORS.vermillion], ["gradient −1/q", COLORS.blue], ["your y", COLORS.sky], ["your q", COLORS.orange]]), panels);
  const logits = h("input", { type: "checkbox", id: `${c.id}-logits`, "data-name": "from_logits" });
  const f = c.form("Your own example (up to 6 classes): a label (a class index, a one-hot row or soft labels) and a prediction.",
    [["label", "label y =", "1", 18], ["prediction", "prediction =", "0.2, 0.7, 0.1", 26]],
    ({ label, prediction }) => {
      const r = crossEntropyTyped(label, prediction, logits.checked);
      if (r.y.length > 6) N.fail("y_pred", "have at most 6 classes here", `${r.y.length}`);
      drawMine(r.y, r.q);
      return r.text;
    },
    [h("div", { class: "lb-field" }, logits, h("label", { for: `${c.id}-logits`, text: " the prediction holds logits (from_logits=True)" }))]);
  drawMine([0, 1, 0], [0.2, 0.7, 0.1]);
  f.ownOut.textContent = crossEntropyTyped("1", "0.2, 0.7, 0.1", false).text;
  return () => {
    const q = c.values().q;
    const l = loss(q);
    const g = -1 / q;
    left.move(lp, q, l);
    right.move(gp, q, g);
    left.set(tangent, [q - 0.12, q + 0.12], [l - g * 0.12, l + g * 0.12]);
    c.say(N.formatReadout(["q", q, ".2f"], ["loss", l, ".3f"], ["gradient", g, ".2f"]));
  };
}

// -- chapter 4: outliers and three fitted lines ---------------------------------------------

/** lossbook.explorers.outlier.parse_points. */
export function parsePoints(text) {
  const parts = text.split(/[;\n]+/).map((s) => s.trim()).filter((s) => s);
  const bad = () => N.fail("points", "be pairs x, y separated by semicolons", N.pyStr(text));
  if (!parts.length) bad();
  return parts.map((part) => {
    let xy;
    try { xy = N.parseNumbers(part, "points"); } catch { bad(); }
    if (xy.length !== 2) bad();
    return xy;
  });
}

export function outlierFits(points, outlier, delta) {
  const x = points.map((p) => p[0]);
  const y = points.map((p, i) => p[1] + (i === points.length - 1 ? outlier : 0));
  return { x, y, MSE: N.fitLineMse(x, y), MAE: N.fitLineMae(x, y), Huber: N.fitLineHuber(x, y, delta) };
}

export function outlierReadout(points, outlier, delta) {
  const f = outlierFits(points, outlier, delta);
  const items = [["outlier", outlier, ".1f"], ["δ", delta, ".1f"], `${points.length} points`];
  for (const name of ["MSE", "MAE", "Huber"]) {
    const [a, b] = f[name];
    const pred = f.x.map((v) => a * v + b);
    const l = name === "MSE" ? N.meanSquaredError(f.y, pred) : name === "MAE" ? N.meanAbsoluteError(f.y, pred) : N.huber(f.y, pred, delta);
    items.push(`${name} fit: y = ${N.number(a, ".2f")}x ${b < 0 ? "−" : "+"} ${N.pyFormat(Math.abs(b), ".2f")}, ${name} = ${N.number(l, ".3f")}`);
  }
  return N.formatReadout(...items);
}

function outlierView(c) {
  c.slider("outlier");
  c.slider("delta");
  const [ts, ti] = c.data.true_line;
  const grid = c.data.curve_grid;
  const styles = { MSE: [COLORS.blue, ""], MAE: [COLORS.vermillion, "7 4"], Huber: [COLORS.green, "8 3 2 3"] };
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [-0.5, 10.5], ylim: [-1, 28], xlabel: "input x", ylabel: "target y", label: c.spec.alt, width: 400, role: "group" });
  left.set(left.line(COLORS.grey, "2 3", 1.5), [-0.5, 10.5], [ti - 0.5 * ts, ti + 10.5 * ts]);
  const lines = Object.fromEntries(Object.entries(styles).map(([n, [col, dash]]) => [n, left.line(col, dash)]));
  const right = new Plot(panels, { xlim: [-0.4, 20.4], ylim: [-0.5, 3], xlabel: "outlier's height above the line", ylabel: "slope of the fitted line", label: "The slope of each fit against the outlier's height." });
  right.hline(ts, COLORS.grey, "2 3");
  const curves = Object.fromEntries(Object.entries(styles).map(([n, [col, dash]]) => [n, right.line(col, dash)]));
  const marks = Object.fromEntries(Object.entries(styles).map(([n, [col]]) => [n, right.dot(col, 4.5, n === "MAE" ? "square" : "circle")]));
  const dots = svg("g", {}, left.top);
  const hit = svg("rect", { x: left.m.l, y: left.m.t, width: left.pw, height: left.ph, fill: "transparent", class: "lb-hit" });
  left.svg.insertBefore(hit, left.top);
  c.figure.append(legend([["MSE fit", ...styles.MSE], ["MAE fit", ...styles.MAE], ["Huber fit", ...styles.Huber], ["true line", COLORS.grey, "2 3"]]),
    h("p", { class: "lb-hint", text: "Click the plot to add a point, drag a point to move it; or focus a point (Tab), move it with the arrow keys and delete it with Delete. The square is the outlier." }), panels);
  const points = () => c.model.get("point_list");
  const error = h("p", { class: "lb-error", role: "alert" });
  c.figure.append(error);
  const propose = (pts) => {
    const v = c.values();
    try { outlierFits(pts, v.outlier, v.delta); } catch (e) {
      if (!(e instanceof N.LossbookError)) throw e;
      error.textContent = e.message;
      return false;
    }
    error.textContent = "";
    c.model.set("point_list", pts);
    c.model.save_changes();
    return true;
  };
  const toData = (event) => {
    const pt = new DOMPoint(event.clientX, event.clientY).matrixTransform(left.svg.getScreenCTM().inverse());
    const x = left.xlim[0] + ((pt.x - left.m.l) / left.pw) * (left.xlim[1] - left.xlim[0]);
    const y = left.ylim[0] + (1 - (pt.y - left.m.t) / left.ph) * (left.ylim[1] - left.ylim[0]);
    return [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
  };
  let dragging = -1;
  hit.addEventListener("pointerdown", (event) => {
    const pts = points();
    propose([...pts.slice(0, -1), toData(event), pts[pts.length - 1]]);
  });
  left.svg.addEventListener("pointermove", (event) => {
    if (dragging < 0) return;
    const pts = points().map((p) => [...p]);
    const [x, y] = toData(event);
    pts[dragging] = [x, dragging === pts.length - 1 ? y - c.values().outlier : y];
    propose(pts);
  });
  const stop = () => { dragging = -1; };
  left.svg.addEventListener("pointerup", stop);
  left.svg.addEventListener("pointercancel", stop);
  let focused = -1;
  const keyMove = (i, event) => {
    const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    const pts = points().map((p) => [...p]);
    if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      if (i === pts.length - 1) { error.textContent = "The outlier stays: set its height with the slider."; return; }
      pts.splice(i, 1);
      focused = Math.min(i, pts.length - 2);
      propose(pts);
      return;
    }
    if (!steps[event.key]) return;
    event.preventDefault();
    const k = event.shiftKey ? 1 : 0.1;
    pts[i] = [Math.round((pts[i][0] + steps[event.key][0] * k) * 100) / 100, Math.round((pts[i][1] + steps[event.key][1] * k) * 100) / 100];
    focused = i;
    propose(pts);
  };
  const f = c.form("Your own points, x, y pairs separated by semicolons (the last one is the outlier, raised by the slider):",
    [["points", "points =", "", 60]], ({ points: text }) => {
      const pts = parsePoints(text);
      const v = c.values();
      outlierFits(pts, v.outlier, v.delta);
      propose(pts);
      return undefined;
    });
  const pointsText = (pts) => pts.map((p) => `${N.pyRepr(p[0])}, ${N.pyRepr(p[1])}`).join("; ");
  let lastDelta = null;
  let lastPoints = null;
  const update = () => {
    const { outlier, delta } = c.values();
    const pts = points();
    const fits = outlierFits(pts, outlier, delta);
    for (const n of ["MSE", "MAE", "Huber"]) {
      const [a, b] = fits[n];
      left.set(lines[n], [-0.5, 10.5], [a * -0.5 + b, a * 10.5 + b]);
      right.move(marks[n], outlier, a);
    }
    if (lastPoints !== pts || lastDelta !== delta) {
      const slopes = { MSE: [], MAE: [], Huber: [] };
      for (const g of grid) { const fg = outlierFits(pts, g, delta); for (const n in slopes) slopes[n].push(fg[n][0]); }
      for (const n in slopes) right.set(curves[n], grid, slopes[n]);
      if (lastPoints !== pts) {
        dots.replaceChildren();
        pts.forEach((p, i) => {
          const last = i === pts.length - 1;
          const el = last
            ? svg("rect", { width: 12, height: 12, fill: COLORS.purple, stroke: "currentColor", transform: "", class: "lb-point lb-outlier" }, dots)
            : svg("circle", { r: 5.5, fill: "currentColor", class: "lb-point" }, dots);
          el.setAttribute("tabindex", "0");
          el.setAttribute("role", "button");
          el.setAttribute("aria-label", last ? `outlier at x = ${N.pyRepr(p[0])}` : `point ${i + 1} at (${N.pyRepr(p[0])}, ${N.pyRepr(p[1])}); arrow keys move it, Delete removes it`);
          el.addEventListener("pointerdown", (event) => { dragging = i; left.svg.setPointerCapture(event.pointerId); event.stopPropagation(); });
          el.addEventListener("keydown", (event) => keyMove(i, event));
        });
        if (focused >= 0 && dots.children[focused]) dots.children[focused].focus();
        if (document.activeElement !== f.inputs.points) f.inputs.points.value = pointsText(pts);
      }
      lastPoints = pts;
      lastDelta = delta;
    }
    [...dots.children].forEach((el, i) => left.move(el, pts[i][0], fits.y[i]));
    c.say(outlierReadout(pts, outlier, delta));
  };
  c.model.on("change:point_list", update);
  return update;
}

// -- chapter 5: the sigmoid's gradients and the training race ---------------------------------

function sigmoidView(c) {
  c.slider("z");
  const yname = `${c.id}-y`;
  const radios = [0, 1].map((v) => {
    const r = h("input", { type: "radio", name: yname, id: `${yname}-${v}`, value: v, "data-name": "y" });
    r.addEventListener("change", () => c.set({ y: v }));
    return h("span", {}, r, h("label", { for: `${yname}-${v}`, text: ` ${v} ` }));
  });
  c.controls.append(h("fieldset", { class: "lb-control lb-switch" }, h("legend", { text: "Label y" }), ...radios));
  const p = c.params.z;
  const zs = linspace(p.min, p.max, 401);
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [p.min, p.max], ylim: [0, 10.5], xlabel: "logit z", ylabel: "loss", label: c.spec.alt });
  const right = new Plot(panels, { xlim: [p.min, p.max], ylim: [-1.05, 1.05], xlabel: "logit z", ylabel: "gradient d(loss)/dz", label: "The gradients of both losses with respect to z." });
  right.hline(0, "currentColor", "");
  const cols = [COLORS.blue, COLORS.vermillion];
  const lossLines = cols.map((col, k) => left.line(col, k ? "6 4" : ""));
  const gradLines = cols.map((col, k) => right.line(col, k ? "6 4" : ""));
  const lossDots = cols.map((col, k) => left.dot(col, 5, k ? "square" : "circle"));
  const gradDots = cols.map((col, k) => right.dot(col, 5, k ? "square" : "circle"));
  const zl = [left.vline(COLORS.grey), right.vline(COLORS.grey)];
  c.figure.append(legend([["squared error (σ(z) − y)²", cols[0]], ["binary cross-entropy", cols[1], "6 4"]]), panels);
  const losses = (y, z) => [N.meanSquaredError([y], [N.sigmoid(z)]), N.binaryCrossentropy([y], [z], true)];
  const grads = (y, z) => [N.sigmoidMseGrad(y, z), N.sigmoidBceGrad(y, z)];
  c.form("Your own neuron: z = w·x + b, and a label y in [0, 1]:",
    [["w", "weight w =", "2", 6], ["x", "input x =", "-1.5", 6], ["b", "bias b =", "0.5", 6], ["y", "label y =", "1", 6]],
    (t) => {
      const [w, x, b, y] = ["w", "x", "b", "y"].map((n) => {
        const v = N.parseNumbers(t[n], n);
        if (v.length !== 1) N.fail(n, "be one number", `${v.length} numbers`);
        return v[0];
      });
      const z = N.checkParameter(p, w * x + b);
      N.checkParameter(c.params.y, y);
      c.set({ z, y });
      return `z = w·x + b = ${N.number(z, "g")}`;
    });
  let curvesFor = null;
  return () => {
    const { z, y } = c.values();
    radios.forEach((r, v) => { r.firstChild.checked = y === v; });
    if (curvesFor !== y) {
      const L = zs.map((v) => losses(y, v));
      const G = zs.map((v) => grads(y, v));
      lossLines.forEach((l, k) => left.set(l, zs, L.map((r) => r[k])));
      gradLines.forEach((l, k) => right.set(l, zs, G.map((r) => r[k])));
      curvesFor = y;
    }
    const l = losses(y, z);
    const g = grads(y, z);
    lossDots.forEach((d, k) => left.move(d, z, l[k]));
    gradDots.forEach((d, k) => right.move(d, z, g[k]));
    left.setV(zl[0], z);
    right.setV(zl[1], z);
    const ratio = g[0] !== 0 ? N.number(g[1] / g[0], ",.1f") : "undefined (no squared-error gradient)";
    c.say(N.formatReadout(["z", z, ".2f"], ["y", y, "g"], ["σ(z)", N.sigmoid(z), "#.4g"], ["squared error", l[0], "#.4g"],
      ["cross-entropy", l[1], "#.4g"], ["d(squared error)/dz", g[0], "#.4g"], ["d(cross-entropy)/dz", g[1], "#.4g"], `gradient ratio = ${ratio}`));
  };
}

function trainingRaceView(c) {
  c.slider("learning_rate");
  const d = c.data;
  const rates = c.params.learning_rate.values;
  const names = ["squared error", "cross-entropy"];
  const keys = ["mse", "bce"];
  const cols = [COLORS.blue, COLORS.vermillion];
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [0, d.total_epochs], ylim: d.loss_range, ylog: true, xlabel: "epoch", ylabel: "training loss (log scale)", label: c.spec.alt });
  const right = new Plot(panels, { xlim: [0, d.total_epochs], ylim: [0, 1.02], xlabel: "epoch", ylabel: "training accuracy", label: "The training accuracy of each run, with the target." });
  right.hline(d.target, COLORS.grey);
  const ll = cols.map((col, k) => left.line(col, k ? "6 4" : ""));
  const al = cols.map((col, k) => right.line(col, k ? "6 4" : ""));
  const marks = cols.map((col) => right.dot(col));
  c.figure.append(legend([[names[0], cols[0]], [names[1], cols[1], "6 4"], [`${N.pyFormat(d.target, ".0%")} accuracy`, COLORS.grey, "5 4"]]), panels);
  return () => {
    const rate = c.values().learning_rate;
    const run = d.runs[rates.indexOf(rate)];
    const reached = [];
    const finals = [];
    keys.forEach((k, i) => {
      const r = run[k];
      left.set(ll[i], d.epochs, r.loss);
      right.set(al[i], d.epochs, r.accuracy);
      marks[i].style.display = r.reached === null ? "none" : "";
      if (r.reached !== null) right.move(marks[i], r.reached, d.target);
      reached.push(r.reached !== null ? `${names[i]} ${r.reached}` : `${names[i]} not within ${d.total_epochs}`);
      finals.push(`${names[i]} loss ${N.number(r.final_loss, ".4f")}, accuracy ${N.number(r.final_accuracy, ".1%")}`);
    });
    c.say(N.formatReadout(["η", rate, "g"], `epochs to ${N.pyFormat(d.target, ".0%")} accuracy: ${reached.join(", ")}`,
      `after ${d.total_epochs} epochs: ${finals.join("; ")}`));
  };
}

// -- chapter 6: margin losses -----------------------------------------------------------------

export const MARGIN_NAMES = ["0-1", "hinge", "squared hinge", "logistic / ln 2", "exponential"];
export function marginLosses(m) {
  return [N.sigmoid(m) > 0.5 ? 0 : 1, N.hinge(m), N.squaredHinge(m), N.binaryCrossentropy([1], [m], true) / N.LN2, N.exponentialLoss(m)];
}
export function marginGradients(m) {
  return [0, N.hingeMarginGrad(m), N.squaredHingeMarginGrad(m), N.sigmoidBceGrad(1, m) / N.LN2, N.exponentialMarginGrad(m)];
}

function marginView(c) {
  c.slider("m");
  const p = c.params.m;
  const cols = [COLORS.ink, COLORS.blue, COLORS.orange, COLORS.vermillion, COLORS.green];
  const dashes = ["", "", "6 4", "8 3 2 3", "2 3"];
  const grid = linspace(p.min, p.max, 601);
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [p.min, p.max], ylim: [-0.1, 5], xlabel: "margin m = y·f(x)", ylabel: "loss", label: c.spec.alt });
  const right = new Plot(panels, { xlim: [p.min, p.max], ylim: [-4, 0.5], xlabel: "margin m = y·f(x)", ylabel: "gradient d(loss)/dm", label: "The derivatives of the five losses with respect to the margin." });
  const L = grid.map(marginLosses);
  const G = grid.map(marginGradients);
  const shown = MARGIN_NAMES.map((_, k) => {
    const a = left.line(cols[k], dashes[k]);
    const b = right.line(cols[k], dashes[k]);
    left.set(a, grid, L.map((r) => r[k]));
    right.set(b, grid, G.map((r) => r[k]));
    return [a, b, left.dot(cols[k], 4.5), right.dot(cols[k], 4.5)];
  });
  const ml = [left.vline(COLORS.grey), right.vline(COLORS.grey)];
  const boxes = MARGIN_NAMES.map((name, k) => {
    const bid = `${c.id}-show-${k}`;
    const box = h("input", { type: "checkbox", id: bid, checked: true, "data-name": `show ${name}` });
    box.addEventListener("change", () => shown[k].forEach((el) => { el.style.visibility = box.checked ? "" : "hidden"; }));
    const key = svg("svg", { width: 26, height: 10, "aria-hidden": "true" });
    svg("line", { x1: 1, x2: 25, y1: 5, y2: 5, stroke: cols[k], "stroke-width": 2.5, "stroke-dasharray": dashes[k] }, key);
    return h("span", { class: "lb-check" }, box, h("label", { for: bid }, key, ` ${name}`));
  });
  c.figure.append(h("fieldset", { class: "lb-losses" }, h("legend", { text: "Losses to show" }), ...boxes), panels);
  c.form("Your own margin:", [["m", "m =", "-1.25", 8]], ({ m }) => {
    const v = N.parseNumbers(m, "m");
    if (v.length !== 1) N.fail("m", "be one number", `${v.length} numbers`);
    c.set({ m: N.checkParameter(p, v[0]) });
    return undefined;
  });
  return () => {
    const m = c.values().m;
    const l = marginLosses(m);
    const g = marginGradients(m);
    shown.forEach(([, , a, b], k) => { left.move(a, m, l[k]); right.move(b, m, g[k]); });
    ml.forEach((el, k) => (k ? right : left).setV(el, m));
    const items = [["m", m, ".2f"]];
    MARGIN_NAMES.forEach((name, k) => {
      if (k === 0) {
        const slope = N.centralDifference((v) => marginLosses(v)[0], m) === 0 ? "0" : "undefined (a jump)";
        items.push(`${name}: ${N.number(l[0], ".0f")}, slope ${slope}`);
      } else {
        const kink = k === 1 && Math.abs(m - 1) < 1e-9 ? " (at the kink)" : "";
        items.push(`${name}: ${N.number(l[k], ".3f")}, slope ${N.number(g[k], ".3f")}${kink}`);
      }
    });
    c.say(N.formatReadout(...items));
  };
}

const VIEWS = {
  accuracy: accuracyView,
  entropy: entropyView,
  cross_entropy: crossEntropyView,
  outlier: outlierView,
  sigmoid_gradient: sigmoidView,
  training_race: trainingRaceView,
  margin: marginView,
};

/** Show one view in el and keep it in step with the model's values. */
export function mount({ model, el }, view) {
  const c = frame(model, el);
  const update = view(c);
  const onChange = () => { c.sync(); update(); };
  model.on("change:values", onChange);
  onChange();
  return () => model.off("change:values", onChange);
}

/** anywidget's entry point. The site loads one module a view instead (site/minify.py). */
export function render({ model, el }) {
  return mount({ model, el }, VIEWS[model.get("kind")]);
}

export { N as numbers };
export default { render };

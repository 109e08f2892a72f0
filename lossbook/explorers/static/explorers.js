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

/** The 0/1 label switch of an explorer with a parameter y: two radio buttons in a labelled fieldset; returns their spans. */
function labelSwitch(c) {
  const yname = `${c.id}-y`;
  const radios = [0, 1].map((v) => {
    const r = h("input", { type: "radio", name: yname, id: `${yname}-${v}`, value: v, "data-name": "y" });
    r.addEventListener("change", () => c.set({ y: v }));
    return h("span", {}, r, h("label", { for: `${yname}-${v}`, text: ` ${v} ` }));
  });
  c.controls.append(h("fieldset", { class: "lb-control lb-switch" }, h("legend", { text: "Label y" }), ...radios));
  return radios;
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
      // A log-scale parameter (p.log): the slider's positions 0..K are equal steps of p.step in log10 of
      // the value, from min to max, and the value is rounded to 3 significant digits.
      const K = p.log ? Math.round(Math.log10(p.max / p.min) / p.step) : 0;
      const toValue = p.log
        ? (k) => (k >= K ? p.max : k <= 0 ? p.min : Number((p.min * (p.max / p.min) ** (k / K)).toPrecision(3)))
        : (pos) => pos;
      const toPosition = p.log ? (v) => Math.round((K * Math.log(v / p.min)) / Math.log(p.max / p.min)) : (v) => v;
      const input = h("input", {
        type: "range", id: sid, class: "lb-slider", "data-name": name,
        min: p.log ? 0 : p.min, max: p.log ? K : p.max, step: p.log ? 1 : p.step,
      });
      const shown = h("output", { for: sid, class: "lb-value" });
      const sync = () => {
        const v = values()[name];
        if (toValue(Number(input.value)) !== v) input.value = toPosition(v);
        const text = `${p.symbol} = ${N.number(v, p.fmt)}`;
        shown.textContent = N.number(v, p.fmt);
        input.setAttribute("aria-valuetext", text);
      };
      input.addEventListener("input", () => set({ [name]: toValue(Number(input.value)) }));
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

// -- typed points (the explorers of chapters 4 and 9) ------------------------------------------

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

// -- chapter 5: the sigmoid's gradients and the training race ---------------------------------

function sigmoidView(c) {
  c.slider("z");
  const radios = labelSwitch(c);
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
  // The race runs here, in numbers.js (trainLogistic, checked against lossbook.training in the
  // browser test), on lossbook's data set and start, for whatever learning rate the reader picks.
  const p = c.params.learning_rate;
  c.slider("learning_rate");
  const d = c.data;
  const names = ["squared error", "cross-entropy"];
  const keys = ["mse", "bce"];
  const cols = [COLORS.blue, COLORS.vermillion];
  // The loss curves at epochs 0-20 and every 5th after (the loss does not enter the steps).
  const lossAt = Array.from({ length: d.epochs + 1 }, (_, e) => e).filter((e) => e <= 20 || e % 5 === 0 || e === d.epochs);
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [0, d.epochs], ylim: d.loss_range, ylog: true, xlabel: "epoch", ylabel: "training loss (log scale)", label: c.spec.alt });
  const right = new Plot(panels, { xlim: [0, d.epochs], ylim: [0, 1.02], xlabel: "epoch", ylabel: "training accuracy", label: "The training accuracy of each run, with the target." });
  right.hline(d.target, COLORS.grey);
  const ll = cols.map((col, k) => left.line(col, k ? "6 4" : ""));
  const al = cols.map((col, k) => right.line(col, k ? "6 4" : ""));
  const marks = cols.map((col) => right.dot(col));
  c.figure.append(legend([[names[0], cols[0]], [names[1], cols[1], "6 4"], [`${N.pyFormat(d.target, ".0%")} accuracy`, COLORS.grey, "5 4"]]), panels);
  c.form(`Your own learning rate, from ${N.pyFormat(p.min, "g")} to ${N.pyFormat(p.max, "g")}:`, [["learning_rate", "η =", "0.42", 8]], ({ learning_rate: text }) => {
    const v = N.parseNumbers(text, "learning_rate");
    if (v.length !== 1) N.fail("learning_rate", "be one number", `${v.length} numbers`);
    c.set({ learning_rate: N.checkParameter(p, v[0]) });
    return undefined;
  });
  /** The accuracy (a step function of the epoch) at the epochs where it changes, and both ends. */
  const steps = (acc) => {
    const xs = [];
    const ys = [];
    for (let e = 0; e < acc.length; e++) {
      if (e === 0 || e === acc.length - 1 || acc[e] !== acc[e - 1] || acc[e] !== acc[e + 1]) { xs.push(e); ys.push(acc[e]); }
    }
    return [xs, ys];
  };
  return () => {
    const rate = c.values().learning_rate;
    const reached = [];
    const finals = [];
    keys.forEach((k, i) => {
      const run = N.trainLogistic(d.x, d.y, { loss: k, w0: d.w0, b0: d.b0, learningRate: rate, epochs: d.epochs, lossAt });
      const hit = N.epochsToAccuracy(run.accuracy, d.target);
      left.set(ll[i], lossAt, lossAt.map((e) => run.loss[e]));
      right.set(al[i], ...steps(run.accuracy));
      marks[i].style.display = hit === null ? "none" : "";
      if (hit !== null) right.move(marks[i], hit, d.target);
      reached.push(hit !== null ? `${names[i]} ${hit}` : `${names[i]} not within ${d.epochs}`);
      finals.push(`${names[i]} loss ${N.number(run.loss[d.epochs], ".4f")}, accuracy ${N.number(run.accuracy[d.epochs], ".1%")}`);
    });
    c.say(N.formatReadout(["η", rate, p.fmt], `epochs to ${N.pyFormat(d.target, ".0%")} accuracy: ${reached.join(", ")}`,
      `after ${d.epochs} epochs: ${finals.join("; ")}`));
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

// -- chapter 8: calibration and temperature scaling ------------------------------------------

/** lossbook.explorers.CalibrationExplorer.scores: accuracy, ECE, NLL and Brier score at temperature t. */
export function calibrationScores(logits, labels, t, nBins) {
  const probs = logits.map((z) => N.temperatureScale(z, t));
  const onehot = labels.map((y) => logits[0].map((_, k) => (k === y ? 1 : 0)));
  const accuracy = N.sum(probs.map((row, n) => (row.indexOf(Math.max(...row)) === labels[n] ? 1 : 0))) / labels.length;
  const nll = N.sum(logits.map((z, n) => N.categoricalCrossentropy(onehot[n], z.map((v) => v / t), true))) / labels.length;
  return { probs, accuracy, ece: N.expectedCalibrationError(labels, probs, nBins), nll, brier: N.brierScore(onehot, probs) };
}

/** lossbook.explorers.CalibrationExplorer.typed_readout, step for step. */
export function calibrationTyped(probabilities, labels, nBins) {
  const p = N.asFloatArray(N.parseNumbers(probabilities, "p"), "p");
  const y = N.asFloatArray(N.parseNumbers(labels, "labels"), "labels");
  N.checkInUnitInterval(p, "p");
  const probs = p.map((v) => [1 - v, v]);
  N.checkLabels(y, p.length, 2);
  const onehot = y.map((v) => (v === 1 ? [0, 1] : [1, 0]));
  const ece = N.expectedCalibrationError(y, probs, nBins);
  const accuracy = N.sum(probs.map((r, n) => ((r[1] > r[0] ? 1 : 0) === y[n] ? 1 : 0))) / y.length;
  const brier = N.brierScore(onehot, probs);
  const nll = N.sum(probs.map((r, n) => N.categoricalCrossentropy(onehot[n], r, false))) / y.length;
  const count = `${p.length} prediction${p.length > 1 ? "s" : ""}`;
  return { probs, y, text: N.formatReadout(count, `accuracy = ${N.number(accuracy, ".3f")}`, ["ECE", ece, ".4f"], ["Brier", brier, ".4f"], ["NLL", nll, ".4f"]) };
}

function calibrationView(c) {
  c.slider("T");
  c.slider("n_bins");
  const { logits, labels, t_star: tStar } = c.data;
  const pT = c.params.T;
  const ts = linspace(pT.min, pT.max, 96);
  const panels = c.panels();
  const diagram = (label, xlabel) => {
    const plot = new Plot(panels, { xlim: [0, 1], ylim: [0, 1], xlabel, ylabel: "accuracy", label });
    const bars = Array.from({ length: 30 }, () => plot.bar(COLORS.sky));
    svg("line", { x1: plot.X(0), y1: plot.Y(0), x2: plot.X(1), y2: plot.Y(1), stroke: COLORS.grey, "stroke-dasharray": "5 4", "stroke-width": 1.2 }, plot.layer);
    const dots = Array.from({ length: 30 }, () => plot.dot(COLORS.blue, 3.5));
    const draw = (b, n) => bars.forEach((bar, i) => {
      const show = i < n && b.counts[i] > 0;
      bar.style.display = show ? "" : "none";
      dots[i].style.display = show ? "" : "none";
      if (show) { plot.setBar(bar, (b.edges[i] + b.edges[i + 1]) / 2, 0.9 / n, b.accuracy[i]); plot.move(dots[i], b.confidence[i], b.accuracy[i]); }
    });
    return draw;
  };
  const drawHeld = diagram(c.spec.alt, "confidence (top-label probability)");
  const right = new Plot(panels, { xlim: [pT.min, pT.max], ylim: [0, 2], xlabel: "temperature T", ylabel: "ECE and NLL", label: "The expected calibration error and the negative log-likelihood against the temperature." });
  const nllLine = right.line(COLORS.vermillion);
  const eceLine = right.line(COLORS.blue, "6 4");
  right.setV(right.vline(COLORS.grey, "2 3"), tStar);
  const tLine = right.vline(COLORS.ink, "");
  const nllDot = right.dot(COLORS.vermillion, 4.5);
  const eceDot = right.dot(COLORS.blue, 4.5, "square");
  // The scaled probabilities at each temperature of the curve, once: a change of the bins then only re-bins them.
  const atT = ts.map((t) => calibrationScores(logits, labels, t, 10));
  right.set(nllLine, ts, atT.map((s) => s.nll));
  const drawOwn = diagram("The reliability diagram of your own predictions.", "confidence of your predictions");
  c.figure.append(legend([["accuracy per bin", COLORS.sky], ["calibrated (diagonal)", COLORS.grey, "5 4"], ["NLL", COLORS.vermillion], ["ECE", COLORS.blue, "6 4"], ["fitted T*", COLORS.grey, "2 3"]]), panels);
  let typed = null;
  const f = c.form("Your own predictions: probabilities of class 1 and the true labels (0 or 1); the bins are the slider's.",
    [["p", "p =", "0.9, 0.8, 0.3, 0.6, 0.95, 0.7", 30], ["labels", "labels =", "1, 1, 0, 0, 1, 0", 24]],
    ({ p, labels: y }) => {
      const r = calibrationTyped(p, y, c.values().n_bins);
      typed = { p, labels: y };
      drawOwn(N.reliabilityBins(r.y, r.probs, c.values().n_bins), c.values().n_bins);
      return r.text;
    });
  let eceFor = null;
  return () => {
    const { T, n_bins: nBins } = c.values();
    const s = calibrationScores(logits, labels, T, nBins);
    drawHeld(N.reliabilityBins(labels, s.probs, nBins), nBins);
    if (eceFor !== nBins) {
      right.set(eceLine, ts, atT.map((s) => N.expectedCalibrationError(labels, s.probs, nBins)));
      eceFor = nBins;
      const own = calibrationTyped(typed ? typed.p : f.inputs.p.value, typed ? typed.labels : f.inputs.labels.value, nBins);
      drawOwn(N.reliabilityBins(own.y, own.probs, nBins), nBins);
      f.ownOut.textContent = own.text;
    }
    right.setV(tLine, T);
    right.move(nllDot, T, s.nll);
    right.move(eceDot, T, s.ece);
    c.say(N.formatReadout(["T", T, ".2f"], ["bins", nBins, ".0f"], ["accuracy", s.accuracy, ".3f"], ["ECE", s.ece, ".4f"],
      ["NLL", s.nll, ".4f"], ["Brier", s.brier, ".4f"], ["fitted T*", tStar, ".2f"]));
  };
}

// -- chapter 7: focal loss ------------------------------------------------------------------

const FOCAL_MAX_TYPED = 8;

/** lossbook.explorers.FocalExplorer.logit: the logit of label y whose true class has probability pt. */
function focalLogit(y, pt) {
  const z = Math.log(pt) - Math.log1p(-pt);
  return y === 1 ? z : -z;
}

/** FocalExplorer.values_at for one example: [focal, α-weighted CE, their gradients]. */
function focalValues(y, z, gamma, alpha) {
  return [N.binaryFocalCrossentropy(y, z, gamma, alpha, true), N.binaryFocalCrossentropy(y, z, 0, alpha, true),
    N.binaryFocalGrad(y, z, gamma, alpha, true), N.binaryFocalGrad(y, z, 0, alpha, true)];
}

/** FocalExplorer.update's readout. */
function focalReadout({ gamma, alpha, y, pt }) {
  const z = focalLogit(y, pt);
  const [f, w, gf, gw] = focalValues(y, z, gamma, alpha);
  const factor = N.binaryFocalCrossentropy(y, z, gamma, alpha, false) / N.binaryCrossentropy([y], [z], true);
  return N.formatReadout(["γ", gamma, ".1f"], ["α", alpha, ".2f"], ["y", y, "g"], ["p_t", pt, ".2f"],
    ["focal loss", f, ".4g"], ["α-weighted CE", w, ".4g"], ["down-weighting (1 − p_t)^γ", factor, ".4g"],
    `dℓ/dz: focal = ${N.number(gf, ".4g")}, α-weighted CE = ${N.number(gw, ".4g")}`);
}

/** FocalExplorer.typed_examples: lossbook's checks (binary_focal_grad's), then this explorer's. */
function focalTypedExamples(labels, logits) {
  const y = N.parseNumbers(labels, "y_true");
  const z = N.parseNumbers(logits, "logits");
  N.asFloatArray(z, "logits");
  N.asFloatArray(y, "y_true");
  N.checkSameShape(y, z, ["y_true", "logits"]);
  N.checkInUnitInterval(y, "y_true", "A sigmoid output lies in [0, 1], so its targets are labels 0/1 or soft labels in between.");
  if (z.length > FOCAL_MAX_TYPED) N.fail("logits", `hold at most ${FOCAL_MAX_TYPED} examples here`, `${z.length} examples`);
  const bad = y.find((v) => v !== 0 && v !== 1);
  if (bad !== undefined) N.fail("y_true", "contain labels 0 or 1 here", N.pyRepr(bad));
  return { y, z };
}

/** FocalExplorer.typed_readout for parsed examples. */
function focalTypedReadout(y, z, gamma, alpha) {
  const rows = z.map((zi, i) => [zi, y[i] === 1 ? N.sigmoid(zi) : N.sigmoid(-zi), ...focalValues(y[i], zi, gamma, alpha)]);
  const items = rows.map(([zi, p, f, w, gf, gw]) => `z = ${N.number(zi, "g")}: p_t = ${N.number(p, ".4g")}, `
    + `focal = ${N.number(f, ".4g")}, weighted CE = ${N.number(w, ".4g")}, dℓ/dz = ${N.number(gf, ".4g")} vs ${N.number(gw, ".4g")}`);
  const mean = (k) => N.sum(rows.map((r) => r[k])) / rows.length;
  items.push(`mean focal = ${N.number(mean(2), ".4g")}, mean weighted CE = ${N.number(mean(3), ".4g")}`);
  return { rows, text: N.formatReadout(...items) };
}

function focalView(c) {
  c.slider("gamma");
  c.slider("alpha");
  const radios = labelSwitch(c);
  c.slider("pt");
  const grid = linspace(0.005, 0.995, 397);
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [0, 1], ylim: [0, 5], xlabel: "probability of the true class p_t", ylabel: "loss", label: c.spec.alt });
  const right = new Plot(panels, { xlim: [0, 1], ylim: [1e-6, 2], ylog: true, xlabel: "probability of the true class p_t", ylabel: "|dℓ/dz|", label: "Gradient sizes, log scale." });
  left.set(left.line(COLORS.grey, "2 3"), grid, grid.map((p) => N.binaryCrossentropy([1], [focalLogit(1, p)], true)));
  const cols = [COLORS.vermillion, COLORS.blue];
  const dashes = ["", "6 4"];
  const lossLines = cols.map((col, k) => left.line(col, dashes[k]));
  const gradLines = cols.map((col, k) => right.line(col, dashes[k]));
  const lossDots = cols.map((col, k) => left.dot(col, 5, k ? "square" : "circle"));
  const gradDots = cols.map((col, k) => right.dot(col, 5, k ? "square" : "circle"));
  const ring = (plot, col) => svg("circle", { r: 6, fill: "none", stroke: col, "stroke-width": 1.5, class: "lb-typed" }, plot.top);
  const rings = Array.from({ length: FOCAL_MAX_TYPED }, () => [ring(left, COLORS.vermillion), ring(right, COLORS.vermillion)]);
  rings.forEach((pair) => pair.forEach((r) => { r.style.display = "none"; }));
  c.figure.append(legend([["focal loss", COLORS.vermillion], ["α-weighted CE", COLORS.blue, "6 4"], ["cross-entropy", COLORS.grey, "2 3"], ["your examples (focal)", COLORS.vermillion, "1 3"]]), panels);
  let typed = null;
  const drawTyped = () => {
    if (!typed) return "";
    const { gamma, alpha } = c.values();
    const r = focalTypedReadout(typed.y, typed.z, gamma, alpha);
    rings.forEach(([a, b], i) => {
      const row = r.rows[i];
      if (!row) { a.style.display = "none"; b.style.display = "none"; return; }
      left.move(a, row[1], row[2]);
      right.move(b, row[1], Math.abs(row[4]));
    });
    return r.text;
  };
  const form = c.form(`Your own examples (up to ${FOCAL_MAX_TYPED}): labels 0 or 1 and logits z, drawn at the γ and α of the sliders.`,
    [["labels", "labels y =", "1, 1, 0", 18], ["logits", "logits z =", "4, -1, 2", 26]],
    ({ labels, logits }) => {
      typed = focalTypedExamples(labels, logits);
      return drawTyped();
    });
  let curvesFor = null;
  return () => {
    const v = c.values();
    const { gamma, alpha, y, pt } = v;
    radios.forEach((r, k) => { r.firstChild.checked = y === k; });
    const key = `${gamma} ${alpha} ${y}`;
    if (curvesFor !== key) {
      const rows = grid.map((p) => focalValues(y, focalLogit(y, p), gamma, alpha));
      lossLines.forEach((l, k) => left.set(l, grid, rows.map((r) => r[k])));
      gradLines.forEach((l, k) => right.set(l, grid, rows.map((r) => Math.abs(r[k + 2]))));
      curvesFor = key;
    }
    const [f, w, gf, gw] = focalValues(y, focalLogit(y, pt), gamma, alpha);
    left.move(lossDots[0], pt, f);
    left.move(lossDots[1], pt, w);
    right.move(gradDots[0], pt, Math.abs(gf));
    right.move(gradDots[1], pt, Math.abs(gw));
    if (typed) form.ownOut.textContent = drawTyped();
    c.say(focalReadout(v));
  };
}

// -- chapter 4: outliers and the MSE, MAE and Huber fits ------------------------------------

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

// -- chapter 9: an anchor, a positive and negatives in 2-D ----------------------------------

/** lossbook.explorers.embedding.check_embedding_points. */
export function checkEmbeddingPoints(points, limit, maxNeg) {
  const n = points.length;
  if (n < 3 || n > maxNeg + 2) N.fail("points", `be an anchor, a positive and 1 to ${maxNeg} negatives (3 to ${maxNeg + 2} points)`, `${n} point${n !== 1 ? "s" : ""}`);
  points.forEach((p, i) => p.forEach((v) => {
    if (!(Math.abs(v) <= limit)) N.fail("points", `lie in the plotted square, every coordinate in [${-limit}, ${limit}]`, `${N.pyRepr(v)} in point ${i + 1}`);
  }));
}

/** lossbook.explorers.embedding.embedding_losses. */
export function embeddingLosses(points, margin, temperature, limit, maxNeg) {
  checkEmbeddingPoints(points, limit, maxNeg);
  const [a, p, ...negatives] = points;
  const cos = points.slice(1).map((c) => -N.cosineSimilarity(a, c));
  return {
    cos,
    radius: Math.hypot(p[0] - a[0], p[1] - a[1]) + margin,
    triplet: N.sum(negatives.map((n) => N.tripletMarginLoss(a, p, n, margin))) / negatives.length,
    infoNce: N.infoNce(cos, temperature),
    probabilities: N.softmax(cos.map((s) => s / temperature)),
  };
}

/** lossbook.explorers.EmbeddingExplorer.points_readout (throws lossbook's message for refused points). */
export function embeddingReadout(points, margin, temperature, limit, maxNeg) {
  const out = embeddingLosses(points, margin, temperature, limit, maxNeg);
  const k = out.cos.length - 1;
  return N.formatReadout(["margin", margin, ".2f"], ["τ", temperature, ".2f"], `${k} negative${k !== 1 ? "s" : ""}`,
    ...out.cos.map((c, j) => [`cos(a, ${j ? `n${j}` : "p"})`, c, ".3f"]),
    ["triplet loss (mean over negatives)", out.triplet, ".3f"], ["InfoNCE", out.infoNce, ".3f"], ["p(positive)", out.probabilities[0], ".3f"]);
}

function embeddingView(c) {
  c.slider("margin");
  c.slider("temperature");
  const { limit, max_negatives: maxNeg } = c.data;
  const names = ["a", "p", ...Array.from({ length: maxNeg }, (_, j) => `n${j + 1}`)];
  const color = (i) => [COLORS.ink, COLORS.blue][i] || COLORS.vermillion;
  const panels = c.panels();
  const left = new Plot(panels, { xlim: [-limit, limit], ylim: [-limit, limit], xlabel: "dimension 1", ylabel: "dimension 2", label: c.spec.alt, width: 304, height: 290, role: "group" });
  const circle = linspace(0, 2 * Math.PI, 121);
  left.set(left.line(COLORS.grey, "2 3", 1.2), circle.map(Math.cos), circle.map(Math.sin));
  const rays = names.map(() => left.line(COLORS.grey, "", 0.8));
  const ring = left.line(COLORS.vermillion, "6 4", 1.5);
  const right = new Plot(panels, { xlim: [-0.6, maxNeg + 0.6], ylim: [0, 1.02], xlabel: "candidate: p, n1, n2, …", ylabel: "softmax(cos / τ)", label: "InfoNCE's softmax over the candidates." });
  const bars = names.slice(1).map((_, j) => right.bar(color(j + 1)));
  const dots = svg("g", {}, left.top);
  c.figure.append(h("p", { class: "lb-hint", text: "Drag a point, or focus it (Tab) and use the arrow keys (Shift: bigger steps); Delete removes a negative. Dashed ring: radius d(a, p) + margin." }), panels);
  const error = h("p", { class: "lb-error", role: "alert" });
  c.figure.append(error);
  const points = () => c.model.get("point_list");
  const readout = (pts) => embeddingReadout(pts, c.values().margin, c.values().temperature, limit, maxNeg);
  const set = (pts) => { c.model.set("point_list", pts); c.model.save_changes(); };
  const round = (v) => Math.round(Math.max(-limit, Math.min(limit, v)) * 100) / 100;
  let dragging = -1;
  let focused = -1;
  left.svg.addEventListener("pointermove", (event) => {
    if (dragging < 0) return;
    const pt = new DOMPoint(event.clientX, event.clientY).matrixTransform(left.svg.getScreenCTM().inverse());
    const pts = points().map((p) => [...p]);
    pts[dragging] = [round(left.xlim[0] + ((pt.x - left.m.l) / left.pw) * 2 * limit), round(left.ylim[1] - ((pt.y - left.m.t) / left.ph) * 2 * limit)];
    set(pts);
  });
  const stop = () => { dragging = -1; };
  left.svg.addEventListener("pointerup", stop);
  left.svg.addEventListener("pointercancel", stop);
  const keyMove = (i, event) => {
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[event.key];
    const pts = points().map((p) => [...p]);
    if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      if (i < 2 || pts.length < 4) { error.textContent = "The anchor, the positive and one negative stay."; return; }
      pts.splice(i, 1);
      focused = Math.min(i, pts.length - 1);
    } else if (step) {
      event.preventDefault();
      const k = event.shiftKey ? 0.5 : 0.1;
      pts[i] = [round(pts[i][0] + step[0] * k), round(pts[i][1] + step[1] * k)];
      focused = i;
    } else return;
    error.textContent = "";
    set(pts);
  };
  const f = c.form("Your points, x, y; x, y; …: anchor, positive, 1 to 6 negatives:",
    [["points", "points =", "", 48]], ({ points: text }) => {
      const pts = parsePoints(text);
      checkEmbeddingPoints(pts, limit, maxNeg);
      error.textContent = "";
      set(pts);
    });
  let lastPoints = null;
  const update = () => {
    const pts = points();
    const v = c.values();
    const out = embeddingLosses(pts, v.margin, v.temperature, limit, maxNeg);
    if (lastPoints !== pts) {
      dots.replaceChildren();
      pts.forEach((p, i) => {
        const role = ["anchor", "positive"][i] || "negative";
        const el = svg("circle", { r: i ? 5.5 : 7, fill: color(i), stroke: "var(--lb-bg)", "stroke-width": 1.5, class: "lb-point", tabindex: 0, role: "button",
          "aria-label": `${role} ${names[i]} at (${N.pyRepr(p[0])}, ${N.pyRepr(p[1])})` }, dots);
        el.addEventListener("pointerdown", (event) => { dragging = i; left.svg.setPointerCapture(event.pointerId); });
        el.addEventListener("keydown", (event) => keyMove(i, event));
        left.move(el, ...p);
        const label = svg("text", { x: left.X(p[0]) + 8, y: left.Y(p[1]) - 7, class: "lb-label" }, dots);
        label.textContent = names[i];
      });
      if (focused >= 0) dots.querySelectorAll("circle")[focused]?.focus();
      if (document.activeElement !== f.inputs.points) f.inputs.points.value = pts.map((p) => p.map(N.pyRepr).join(", ")).join("; ");
      lastPoints = pts;
    }
    rays.forEach((ray, i) => {
      ray.style.display = i < pts.length ? "" : "none";
      const s = (2 * limit) / Math.max(Math.hypot(...(pts[i] || [1])), 1e-9);
      if (pts[i]) left.set(ray, [0, pts[i][0] * s], [0, pts[i][1] * s]);
    });
    left.set(ring, circle.map((t) => pts[0][0] + out.radius * Math.cos(t)), circle.map((t) => pts[0][1] + out.radius * Math.sin(t)));
    bars.forEach((b, j) => right.setBar(b, j, 0.6, out.probabilities[j] || 0));
    c.say(readout(pts));
  };
  c.model.on("change:point_list", update);
  return update;
}

const VIEWS = {
  accuracy: accuracyView,
  entropy: entropyView,
  cross_entropy: crossEntropyView,
  outlier: outlierView,
  sigmoid_gradient: sigmoidView,
  training_race: trainingRaceView,
  margin: marginView,
  calibration: calibrationView,
  focal: focalView,
  embedding: embeddingView,
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

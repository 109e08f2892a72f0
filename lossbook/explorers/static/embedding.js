// Chapter 9's explorer (lossbook.explorers.EmbeddingExplorer): an anchor, a positive and negatives in 2-D,
// with the triplet margin loss and InfoNCE. Loaded by explorers.js only on the pages that show it; view(c, ui)
// gets the frame c and the drawing helpers of explorers.js. Every number comes from numbers.js, whose functions
// the browser tests check against lossbook.
import * as N from "./numbers.js";

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

export function view(c, { COLORS, Plot, svg, h, linspace, parsePoints }) {
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

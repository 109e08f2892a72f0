// Chapter 4's explorer (lossbook.explorers.OutlierExplorer): points the reader adds, drags and deletes, with
// the lines that minimise MSE, MAE and the Huber loss. Loaded by explorers.js only on the pages that show it;
// view(c, ui) gets the frame c and the drawing helpers of explorers.js. Every number comes from numbers.js,
// whose functions the browser tests check against lossbook.
import * as N from "./numbers.js";

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

export function view(c, { COLORS, Plot, svg, h, legend, parsePoints }) {
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

// The numbers of the explorers: JavaScript versions of the lossbook functions
// the page computes, with lossbook's validation messages and Python's number
// formatting. tests/test_site_explorers.py checks every function here against
// lossbook in the browser (grids and random inputs, logits up to ±1e4).

export const EPSILON = 1e-7;
export const SUM_TOLERANCE = 1e-3;
export const LN2 = Math.log(2);

/** An input lossbook refuses; the message is lossbook's, word for word. */
export class LossbookError extends Error {}

export function fail(name, expected, received, hint) {
  let message = `${name} must ${expected}; received ${received}.`;
  if (hint) message += ` ${hint}`;
  throw new LossbookError(message);
}

// -- Python's formatting -------------------------------------------------------

function special(x) {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return null;
}

/** Digits of |x| rounded to `digits` decimals, ties to even on the exact binary value (Python's rule). */
function fixedAbs(a, digits) {
  const s = a.toFixed(digits);
  const long = a.toFixed(Math.min(100, digits + 30));
  const rest = long.slice(long.indexOf(".") + 1 + digits);
  if (!/^50*$/.test(rest)) return s;
  // An exact tie: toFixed rounded up; Python rounds to the even neighbour.
  const down = long.slice(0, long.length - rest.length).replace(/\.$/, "");
  const last = Number(down[down.length - 1]);
  return last % 2 === 0 ? down : s;
}

function groupThousands(s) {
  const [int, frac] = s.split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** Shortest round-trip digits and decimal exponent of |x| > 0: (digits, exp) with x = d.ddd × 10^exp. */
function shortest(a) {
  const [mant, e] = a.toExponential().split("e");
  return [mant.replace(".", ""), Number(e)];
}

/** Python's repr(float). */
export function pyRepr(x) {
  const sp = special(x);
  if (sp) return sp;
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [digits, exp] = shortest(Math.abs(x));
  if (exp >= -4 && exp < 16) {
    let s;
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
      const frac = digits.slice(exp + 1);
      s = `${int}.${frac || "0"}`;
    } else {
      s = `0.${"0".repeat(-exp - 1)}${digits}`;
    }
    return sign + s;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** Python's format(x, spec) for the specs the explorers use: [,][#][.N](f|g|%), and "g". */
export function pyFormat(x, spec) {
  const m = /^(,)?(#)?(?:\.(\d+))?([fg%])$/.exec(spec);
  if (!m) throw new Error(`unsupported format ${spec}`);
  const [, comma, alt, prec, type] = m;
  const sp = special(x);
  if (sp) return type === "%" ? `${sp}%` : sp;
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s;
  if (type === "f" || type === "%") {
    s = fixedAbs(type === "%" ? a * 100 : a, prec === undefined ? 6 : Number(prec));
  } else {
    let p = prec === undefined ? 6 : Number(prec);
    if (p === 0) p = 1;
    const exp = a === 0 ? 0 : Number(a.toExponential(p - 1).split("e")[1]);
    if (exp >= -4 && exp < p) {
      s = fixedAbs(a, p - 1 - exp);
      if (!alt && s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
      if (alt && !s.includes(".")) s += ".";
    } else {
      const parts = a.toExponential(p - 1).split("e");
      let mant = parts[0];
      const e = parts[1];
      if (!alt && mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
      if (alt && !mant.includes(".")) mant += ".";
      const n = Number(e);
      s = `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
    }
  }
  if (comma) s = groupThousands(s);
  if (type === "%") s += "%";
  return (neg ? "-" : "") + s;
}

/** Format with a true minus sign (U+2212), as lossbook's readouts do. */
export function number(x, spec) {
  return pyFormat(x, spec).replaceAll("-", "\u2212");
}

/** lossbook.explorers.format_readout: items are text or [name, value, spec]. */
export function formatReadout(...items) {
  return items.map((it) => (typeof it === "string" ? it : `${it[0]} = ${number(it[1], it[2])}`)).join(" · ");
}

// -- typed numbers (lossbook.explorers.parse_numbers) --------------------------

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function pyStr(text) {
  // Python's repr of a str, for the texts a reader types (no control characters).
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = text.replaceAll("\\", "\\\\");
  if (quote === "'") body = body.replaceAll("'", "\\'");
  return quote + body + quote;
}

export function parseNumbers(text, name) {
  let stripped = text.trim();
  if (stripped && "[(".includes(stripped[0]) && ")]".includes(stripped[stripped.length - 1])) {
    stripped = stripped.slice(1, -1);
  }
  const tokens = stripped.split(/[,\s]+/).filter((t) => t);
  if (!tokens.length || !tokens.every((t) => NUMBER.test(t))) {
    fail(name, "be numbers separated by commas", pyStr(text));
  }
  return tokens.map(Number);
}

// -- validation (lossbook/_validation.py) --------------------------------------

const shape = (a) => `(${a.length},)`;

export function asFloatArray(a, name) {
  if (!a.length) fail(name, "not be empty", `${name}.shape=(0,)`);
  const bad = a.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) fail(name, "contain only finite numbers", `${pyRepr(a[bad])} at index (${bad},)`);
  return a;
}

export function checkSameShape(a, b, [an, bn]) {
  if (a.length === b.length) return;
  let hint;
  if (a.length === 1 || b.length === 1) hint = `NumPy would broadcast them to (${Math.max(a.length, b.length)},).`;
  fail(`${an} and ${bn}`, "have the same shape", `${an}.shape=${shape(a)}, ${bn}.shape=${shape(b)}`, hint);
}

export function checkInUnitInterval(a, name, hint) {
  const bad = a.findIndex((v) => v < 0 || v > 1);
  if (bad >= 0) fail(name, "contain probabilities in [0, 1]", `${pyRepr(a[bad])} at index (${bad},)`, hint);
}

export const sum = (a) => a.reduce((s, v) => s + v, 0);

export function checkDistribution(a, name, hint) {
  checkInUnitInterval(a, name, hint);
  const total = sum(a);
  if (Math.abs(total - 1) > SUM_TOLERANCE) {
    fail(name, `sum to 1 along the last axis (within ${pyFormat(SUM_TOLERANCE, "g")})`,
      `${name} sums to ${pyFormat(total, ".6g")}`, hint);
  }
}

const LOGITS_HINT = "If y_pred holds logits (unnormalized scores), pass from_logits=True.";

// -- activations, information, classification ----------------------------------

export function sigmoid(x) {
  return 1 / (1 + Math.exp(-x));
}

export function softmax(z) {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = sum(e);
  return e.map((v) => v / s);
}

export function logSoftmax(z) {
  const m = Math.max(...z);
  const shifted = z.map((v) => v - m);
  const lse = Math.log(sum(shifted.map(Math.exp)));
  return shifted.map((v) => v - lse);
}

const entr = (p) => (p === 0 ? 0 : -p * Math.log(p));
const xlogy = (x, y) => (x === 0 ? 0 : x * Math.log(y));
const relEntr = (x, y) => (x > 0 && y > 0 ? x * Math.log(x / y) : x === 0 && y >= 0 ? 0 : Infinity);

/** lossbook.entropy(p, base=base) of one distribution. */
export function entropy(p, base) {
  asFloatArray(p, "p");
  checkDistribution(p, "p");
  return sum(p.map(entr)) / (base ? Math.log(base) : 1);
}

function distributionPair(p, q) {
  asFloatArray(p, "p");
  asFloatArray(q, "q");
  checkSameShape(p, q, ["p", "q"]);
  checkDistribution(p, "p");
  checkDistribution(q, "q");
}

export function crossEntropy(p, q) {
  distributionPair(p, q);
  return -sum(p.map((v, i) => xlogy(v, q[i])));
}

export function klDivergence(p, q) {
  distributionPair(p, q);
  return sum(p.map((v, i) => relEntr(v, q[i])));
}

const clip = (p) => Math.min(Math.max(p, EPSILON), 1 - EPSILON);

function pair(yTrue, yPred) {
  asFloatArray(yPred, "y_pred");
  asFloatArray(yTrue, "y_true");
  checkSameShape(yTrue, yPred, ["y_true", "y_pred"]);
}

/** lossbook.binary_crossentropy of one sample (mean over its last axis). */
export function binaryCrossentropy(yTrue, yPred, fromLogits) {
  pair(yTrue, yPred);
  checkInUnitInterval(yTrue, "y_true", "Binary targets are labels 0/1 or soft labels in between.");
  let per;
  if (fromLogits) {
    per = yPred.map((z, i) => Math.max(z, 0) - z * yTrue[i] + Math.log1p(Math.exp(-Math.abs(z))));
  } else {
    checkInUnitInterval(yPred, "y_pred", LOGITS_HINT);
    per = yPred.map((v, i) => {
      const p = clip(v);
      return -(yTrue[i] * Math.log(p) + (1 - yTrue[i]) * Math.log(1 - p));
    });
  }
  return sum(per) / per.length;
}

/** Log-probabilities of one prediction, as lossbook's cross-entropies take them: log-softmax of
 * logits, or the clipped logarithm of a checked (and renormalized) distribution. */
function logProbabilities(yPred, fromLogits) {
  if (fromLogits) return logSoftmax(yPred);
  checkDistribution(yPred, "y_pred", LOGITS_HINT);
  const s = sum(yPred);
  return yPred.map((v) => Math.log(clip(v / s)));
}

/** lossbook.categorical_crossentropy of one sample. */
export function categoricalCrossentropy(yTrue, yPred, fromLogits) {
  pair(yTrue, yPred);
  checkDistribution(yTrue, "y_true", "Targets are one-hot rows or soft labels that sum to 1.");
  const logP = logProbabilities(yPred, fromLogits);
  return 0 - sum(yTrue.map((v, i) => v * logP[i])); // 0 -: a perfect prediction costs +0, as in lossbook
}

/** lossbook.sparse_categorical_crossentropy of one sample with a class index. */
export function sparseCategoricalCrossentropy(label, yPred, fromLogits) {
  asFloatArray(yPred, "y_pred");
  if (!Number.isFinite(label) || label !== Math.round(label)) {
    fail("labels", "contain integer class indices", `labels containing ${pyRepr(label)}`);
  }
  const n = yPred.length;
  if (label < 0 || label >= n) {
    fail("labels", `be class indices in [0, ${n - 1}] for y_pred with ${n} classes`, `label ${label}`);
  }
  const logP = logProbabilities(yPred, fromLogits);
  return 0 - logP[label];
}

// Margin losses of one score with label 1 (chapter 6).
export const hinge = (m) => Math.max(1 - m, 0);
export const squaredHinge = (m) => Math.max(1 - m, 0) ** 2;
export const exponentialLoss = (m) => Math.exp(-m);
export const hingeMarginGrad = (m) => (m <= 1 ? -1 : 0);
export const squaredHingeMarginGrad = (m) => 2 * Math.min(m - 1, 0); // as lossbook: no negative zero
export const exponentialMarginGrad = (m) => -Math.exp(-m);

/** lossbook.gradients._sigmoid_residual: σ(z) − y and σ'(z) without cancellation. */
function sigmoidResidual(y, z) {
  const p = sigmoid(z);
  const q = sigmoid(-z);
  return [(1 - y) * p - y * q, p * q];
}
export function sigmoidMseGrad(y, z) {
  const [r, s] = sigmoidResidual(y, z);
  return 2 * r * s;
}
export const sigmoidBceGrad = (y, z) => sigmoidResidual(y, z)[0];

/** lossbook.plots.central_difference. */
export const centralDifference = (f, x, h = 1e-3) => (f(x + h) - f(x - h)) / (2 * h);

// -- regression losses and line fits (lossbook.regression, lossbook.fitting) ---

export const meanSquaredError = (y, p) => sum(y.map((v, i) => (v - p[i]) ** 2)) / y.length;
export const meanAbsoluteError = (y, p) => sum(y.map((v, i) => Math.abs(v - p[i]))) / y.length;
export function huber(y, p, delta) {
  return sum(y.map((v, i) => {
    const e = Math.abs(p[i] - v);
    return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
  })) / y.length;
}

function checkPoints(x, y) {
  asFloatArray(x, "x");
  asFloatArray(y, "y");
  checkSameShape(x, y, ["x", "y"]);
  if (x.length < 2) fail("x", "hold at least 2 points to fit a line", `${x.length} point`);
  if (Math.min(...x) === Math.max(...x)) {
    fail("x", "hold at least two different values to fit a line", `all x = ${pyRepr(x[0])}`);
  }
}

function weightedLine(x, y, w) {
  let s = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
  for (let i = 0; i < x.length; i++) {
    s += w[i];
    sx += w[i] * x[i];
    sxx += w[i] * x[i] * x[i];
    sy += w[i] * y[i];
    sxy += w[i] * x[i] * y[i];
  }
  const det = s * sxx - sx * sx;
  return [(s * sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det];
}

export function fitLineMse(x, y) {
  checkPoints(x, y);
  return weightedLine(x, y, x.map(() => 1));
}

export function fitLineMae(x, y) {
  checkPoints(x, y);
  let best = Infinity, line = null;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (x[i] === x[j]) continue;
      const a = (y[j] - y[i]) / (x[j] - x[i]);
      const b = y[i] - a * x[i];
      let total = 0;
      for (let k = 0; k < n; k++) total += Math.abs(a * x[k] + b - y[k]);
      const mae = total / n;
      if (mae < best) [best, line] = [mae, [a, b]];
    }
  }
  return line;
}

export function fitLineHuber(x, y, delta, maxIter = 100) {
  checkPoints(x, y);
  let [slope, intercept] = weightedLine(x, y, x.map(() => 1));
  for (let it = 0; it < maxIter; it++) {
    const w = x.map((xi, i) => {
      const r = slope * xi + intercept - y[i];
      return r === 0 ? 1 : Math.min(Math.max(r, -delta), delta) / r;
    });
    const [a, b] = weightedLine(x, y, w);
    const done = Math.abs(a - slope) <= 1e-10 * (1 + Math.abs(slope))
      && Math.abs(b - intercept) <= 1e-10 * (1 + Math.abs(intercept));
    [slope, intercept] = [a, b];
    if (done) break;
  }
  return [slope, intercept];
}

/** The value checks of lossbook.explorers.Explorer._checked for one parameter. */
export function checkParameter(p, value) {
  if (!(value >= p.min && value <= p.max)) {
    fail(p.name, `lie in [${pyFormat(p.min, "g")}, ${pyFormat(p.max, "g")}]`, `${p.name}=${pyRepr(value)}`);
  }
  return value;
}

// -- chapter 8: calibration (lossbook/calibration.py) ---------------------------

/** lossbook.temperature_scale of one row of logits. */
export const temperatureScale = (z, t) => softmax(z.map((v) => v / t));

/** lossbook.reliability_bins(labels, probs, n_bins): equal-width bins of the top-label confidence. */
export function reliabilityBins(labels, probs, nBins) {
  const edges = Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? 1 : i * (1 / nBins)));
  const counts = new Array(nBins).fill(0);
  const conf = new Array(nBins).fill(0);
  const acc = new Array(nBins).fill(0);
  probs.forEach((row, n) => {
    let top = 0;
    for (let k = 1; k < row.length; k++) if (row[k] > row[top]) top = k;
    const c = row[top];
    let i = edges.findIndex((e) => e >= c); // NumPy's searchsorted(edges, c, side="left")
    if (i < 0) i = edges.length;
    i = Math.min(Math.max(i - 1, 0), nBins - 1);
    counts[i] += 1;
    conf[i] += c;
    acc[i] += top === labels[n] ? 1 : 0;
  });
  return {
    edges, counts,
    confidence: conf.map((s, i) => (counts[i] ? s / counts[i] : NaN)),
    accuracy: acc.map((s, i) => (counts[i] ? s / counts[i] : NaN)),
  };
}

/** lossbook.expected_calibration_error. */
export function expectedCalibrationError(labels, probs, nBins) {
  const b = reliabilityBins(labels, probs, nBins);
  const total = sum(b.counts);
  return sum(b.counts.map((n, i) => (n ? (n / total) * Math.abs(b.accuracy[i] - b.confidence[i]) : 0)));
}

/** lossbook.brier_score(y_true, y_pred) with reduction "mean", rows of one-hot targets and predictions. */
export const brierScore = (yTrue, yPred) => sum(yPred.map((row, n) => sum(row.map((p, k) => (p - yTrue[n][k]) ** 2)))) / yPred.length;

/** The label checks of lossbook's as_labels for predictions of shape (n, nClasses), in its order. */
export function checkLabels(labels, n, nClasses) {
  const bad = labels.find((v) => !Number.isFinite(v) || v !== Math.round(v));
  if (bad !== undefined) fail("labels", "contain integer class indices", `labels containing ${pyRepr(bad)}`);
  if (labels.length !== n) {
    fail("labels", `have shape y_pred.shape[:-1]=(${n},), one label per sample`, `labels.shape=(${labels.length},)`);
  }
  const out = labels.find((v) => v < 0 || v >= nClasses);
  if (out !== undefined) {
    fail("labels", `be class indices in [0, ${nClasses - 1}] for y_pred with ${nClasses} classes`, `label ${out}`);
  }
  return labels;
}

// -- chapter 5: the training race (lossbook.training) --------------------------

const TRAINING_LOSSES = ["bce", "mse", "half_mse"];

/**
 * lossbook.training.train_logistic for two features: one sigmoid neuron, a = σ(x·w + b), trained by
 * full-batch gradient descent, w ← w − η xᵀg, b ← b − η Σg, with g = ∂L/∂z from lossbook's
 * sigmoid_bce_grad or sigmoid_mse_grad over N, all in float64. Row e of each record is the state after
 * e steps. The loss is recorded at the epochs in `lossAt` (every epoch by default; the last one
 * always) and is NaN elsewhere: it does not enter the steps, and the cross-entropy's costs a log1p
 * a sample.
 *
 * The same arithmetic as lossbook up to rounding: σ(z) and σ(−z) come from one exp(−|z|) (lossbook
 * calls exp twice), and the sums over the samples are running sums (NumPy sums pairwise and calls
 * BLAS for xᵀg). The browser test checks every record against lossbook within 1e-12 relative.
 */
export function trainLogistic(x, y, { loss, w0, b0 = 0, learningRate, epochs, lossAt = null }) {
  if (!TRAINING_LOSSES.includes(loss)) {
    fail("loss", `be one of ${TRAINING_LOSSES.map(pyStr).join(", ")}`, `loss=${pyStr(String(loss))}`);
  }
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    fail("learning_rate", "be a positive real number", `learning_rate=${pyRepr(learningRate)}`);
  }
  const n = y.length;
  const x0 = Float64Array.from(x, (row) => row[0]);
  const x1 = Float64Array.from(x, (row) => row[1]);
  const labels = Float64Array.from(y);
  const record = new Uint8Array(epochs + 1).fill(lossAt ? 0 : 1);
  if (lossAt) for (const e of lossAt) if (e >= 0 && e <= epochs) record[e] = 1;
  record[epochs] = 1;
  const out = {
    loss: new Float64Array(epochs + 1).fill(NaN), accuracy: new Float64Array(epochs + 1),
    w: new Float64Array(2 * (epochs + 1)), b: new Float64Array(epochs + 1),
  };
  const bce = loss === "bce";
  const scale = loss === "half_mse" ? 0.5 : 1;
  let wa = w0[0], wb = w0[1], b = b0;
  for (let e = 0; e <= epochs; e++) {
    const keep = record[e] === 1;
    let correct = 0, total = 0, gw0 = 0, gw1 = 0, gb = 0;
    for (let i = 0; i < n; i++) {
      const xa = x0[i], xb = x1[i], yi = labels[i];
      const z = xa * wa + xb * wb + b;
      const ez = Math.exp(-Math.abs(z));
      const big = 1 / (1 + ez), small = ez * big; // σ(|z|) and σ(−|z|)
      const p = z >= 0 ? big : small, q = z >= 0 ? small : big; // σ(z) and σ(−z) = 1 − σ(z)
      const residual = (1 - yi) * p - yi * q; // σ(z) − y without cancellation, as lossbook
      let g;
      if (bce) {
        if (keep) total += Math.max(z, 0) - z * yi + Math.log1p(ez);
        g = residual / n;
      } else {
        if (keep) total += (yi - p) * (yi - p);
        g = (2 * residual * (p * q)) / n;
      }
      if ((z > 0) === (yi === 1)) correct++;
      gw0 += xa * g;
      gw1 += xb * g;
      gb += g;
    }
    if (keep) out.loss[e] = (total / n) * scale;
    out.accuracy[e] = correct / n;
    out.w[2 * e] = wa;
    out.w[2 * e + 1] = wb;
    out.b[e] = b;
    if (e < epochs) {
      wa -= learningRate * (gw0 * scale);
      wb -= learningRate * (gw1 * scale);
      b -= learningRate * (gb * scale);
    }
  }
  return out;
}

/** lossbook.training.epochs_to_accuracy: the first epoch whose accuracy reaches `target`, or null. */
export function epochsToAccuracy(accuracy, target) {
  const e = accuracy.findIndex((a) => a >= target);
  return e < 0 ? null : e;
}

// -- chapter 9: representation losses (lossbook.representation) ---------------

/** Keras' normalize caps 1 / norm at 1 / epsilon (lossbook.representation._NORM_FLOOR). */
const NORM_FLOOR = 1e-7;

export function checkPositive(value, name) {
  if (!(Number.isFinite(value) && value > 0)) fail(name, "be a positive real number", `${name}=${pyRepr(value)}`);
  return value;
}

export function checkNonnegative(value, name) {
  if (!(Number.isFinite(value) && value >= 0)) fail(name, "be a non-negative real number", `${name}=${pyRepr(value)}`);
  return value;
}

/** lossbook.cosine_similarity of one pair of vectors: the loss, minus the cosine. */
export function cosineSimilarity(yTrue, yPred) {
  pair(yTrue, yPred);
  let norms = Math.max(Math.sqrt(sum(yTrue.map((v) => v * v))), NORM_FLOOR);
  norms *= Math.max(Math.sqrt(sum(yPred.map((v) => v * v))), NORM_FLOOR);
  return -(sum(yTrue.map((v, i) => v * yPred[i])) / norms);
}

/** lossbook.triplet_margin_loss of one triplet (p = 2, PyTorch's eps added to the differences). */
export function tripletMarginLoss(anchor, positive, negative, margin, eps = 1e-6) {
  checkNonnegative(margin, "margin");
  asFloatArray(anchor, "anchor");
  asFloatArray(positive, "positive");
  asFloatArray(negative, "negative");
  checkSameShape(anchor, positive, ["anchor", "positive"]);
  checkSameShape(anchor, negative, ["anchor", "negative"]);
  const distance = (x, y) => Math.sqrt(sum(x.map((v, i) => {
    const d = Math.abs(v - y[i] + eps);
    return d * d;
  })));
  return Math.max(distance(anchor, positive) - distance(anchor, negative) + margin, 0);
}

/** lossbook.info_nce of one anchor's row of similarities, its positive first. */
export function infoNce(similarities, temperature) {
  checkPositive(temperature, "temperature");
  asFloatArray(similarities, "similarity");
  return -logSoftmax(similarities.map((s) => s / temperature))[0];
}

// -- chapter 7: focal loss (lossbook.binary_focal_crossentropy from logits, lossbook.gradients.binary_focal_grad) --

/** lossbook.binary_focal_crossentropy([y], [z], from_logits=True, ...) of one example, step for step. */
export function binaryFocalCrossentropy(y, z, gamma, alpha, balancing) {
  const bce = Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  const oneMinusPt = y * sigmoid(-z) + (1 - y) * sigmoid(z);
  let term = oneMinusPt ** gamma * bce;
  if (balancing) term = (y * alpha + (1 - y) * (1 - alpha)) * term;
  return term;
}

/** lossbook.gradients.binary_focal_grad(y, z, ...) of one example, step for step. */
export function binaryFocalGrad(y, z, gamma, alpha, balancing) {
  const [residual, slope] = sigmoidResidual(y, z);
  const q = y * sigmoid(-z) + (1 - y) * sigmoid(z);
  const bce = Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  const focus = gamma && q > 0 ? q ** (gamma - 1) * bce : 0;
  let grad = q ** gamma * residual + gamma * focus * (1 - 2 * y) * slope;
  if (balancing) grad = (alpha * y + (1 - alpha) * (1 - y)) * grad;
  return grad;
}

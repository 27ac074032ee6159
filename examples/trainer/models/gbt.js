'use strict';
const { int, positiveFloat } = require('../lib/hyper');
const { sigmoid, logLoss, accuracy, round6 } = require('../lib/metrics');
const { POINTS, progressEvery } = require('../lib/progress');

/**
 * Gradient-boosted trees on logistic loss (depth 1 = boosted stumps). Each
 * tree is grown level by level with Newton leaf values, the split gain of
 * XGBoost, and exact thresholds from a one-off sort of every feature.
 */

const hyper = {
  n_estimators: { ...int(1, 100000), default: 100 },
  max_depth: { ...int(1, 12), default: 3 },
  learning_rate: { ...positiveFloat(), default: 0.1 },
};

const LAMBDA = 1; // L2 on leaf values: keeps tiny leaves from taking huge steps
const MIN_LEAF = 5;

const score = (G, H) => (G * G) / (H + LAMBDA);

function evaluate(tree, x) {
  let node = tree;
  while (node.value === undefined) node = x[node.feature] < node.threshold ? node.left : node.right;
  return node.value;
}

/** One tree fitted to gradients g and hessians h; returns its root. */
function growTree(X, sortedBy, g, h, maxDepth) {
  const n = X.length;
  const d = X[0].length;
  const root = { G: 0, H: 0, count: n };
  for (let i = 0; i < n; i++) {
    root.G += g[i];
    root.H += h[i];
  }
  const nodeOf = new Int32Array(n); // index into `open`, or -1 once the row sits in a final leaf
  let open = [root];

  for (let depth = 0; depth < maxDepth && open.length > 0; depth++) {
    const best = open.map(() => ({ gain: 1e-9, feature: -1, threshold: 0 }));
    for (let f = 0; f < d; f++) {
      const GL = new Float64Array(open.length);
      const HL = new Float64Array(open.length);
      const count = new Int32Array(open.length);
      const last = new Float64Array(open.length);
      for (const i of sortedBy[f]) {
        const k = nodeOf[i];
        if (k < 0) continue;
        const v = X[i][f];
        const node = open[k];
        if (count[k] >= MIN_LEAF && node.count - count[k] >= MIN_LEAF && v > last[k]) {
          const gain = score(GL[k], HL[k]) + score(node.G - GL[k], node.H - HL[k]) - score(node.G, node.H);
          if (gain > best[k].gain) best[k] = { gain, feature: f, threshold: (last[k] + v) / 2 };
        }
        GL[k] += g[i];
        HL[k] += h[i];
        count[k]++;
        last[k] = v;
      }
    }

    const next = [];
    const childOf = open.map((node, k) => {
      if (best[k].feature < 0) return null;
      node.feature = best[k].feature;
      node.threshold = best[k].threshold;
      node.left = { G: 0, H: 0, count: 0 };
      node.right = { G: 0, H: 0, count: 0 };
      next.push(node.left, node.right);
      return [next.length - 2, next.length - 1];
    });
    for (let i = 0; i < n; i++) {
      const k = nodeOf[i];
      if (k < 0) continue;
      const node = open[k];
      if (!childOf[k]) {
        nodeOf[i] = -1;
        continue;
      }
      const side = X[i][node.feature] < node.threshold ? 0 : 1;
      const child = side === 0 ? node.left : node.right;
      child.G += g[i];
      child.H += h[i];
      child.count++;
      nodeOf[i] = childOf[k][side];
    }
    open = next;
  }
  return finish(root);
}

/** Drops the bookkeeping and turns every unsplit node into a Newton-step leaf. */
function finish(node) {
  if (node.feature === undefined) return { value: -node.G / (node.H + LAMBDA) };
  return { feature: node.feature, threshold: node.threshold, left: finish(node.left), right: finish(node.right) };
}

function predictor(base, rate, trees) {
  return (X) =>
    X.map((x) => {
      let z = base;
      for (const t of trees) z += rate * evaluate(t, x);
      return sigmoid(z);
    });
}

function train({ X, y }, hp, { log, progress, val }) {
  const n = X.length;
  const d = X[0].length;
  const sortedBy = Array.from({ length: d }, (_, f) =>
    Int32Array.from(X.keys()).sort((a, b) => X[a][f] - X[b][f] || a - b),
  );
  const positives = y.reduce((s, v) => s + v, 0);
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, positives / n));
  const base = Math.log(prior / (1 - prior));
  const margin = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const trees = [];
  const report = progressEvery(hp.n_estimators);
  const chart = progressEvery(hp.n_estimators, POINTS);

  for (let t = 1; t <= hp.n_estimators; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margin[i]);
      g[i] = p - y[i];
      h[i] = Math.max(p * (1 - p), 1e-12);
    }
    const tree = growTree(X, sortedBy, g, h, hp.max_depth);
    trees.push(tree);
    for (let i = 0; i < n; i++) margin[i] += hp.learning_rate * evaluate(tree, X[i]);
    if (!report(t) && !chart(t)) continue;
    const loss = logLoss(Array.from(margin, sigmoid), y);
    if (chart(t)) {
      const val_accuracy = round6(accuracy(predictor(base, hp.learning_rate, trees)(val.X), val.y));
      progress({ step: t, total: hp.n_estimators, loss: round6(loss), val_accuracy });
    }
    if (report(t)) log(`tree ${t}/${hp.n_estimators} loss ${loss.toFixed(4)}`);
  }
  return {
    params: { base_margin: base, learning_rate: hp.learning_rate, trees },
    predict: predictor(base, hp.learning_rate, trees),
    summary: { n_estimators: hp.n_estimators },
  };
}

/** The model a trained job's model.json holds, as a predictor again (for an ensemble). */
const fromParams = (params) => predictor(params.base_margin, params.learning_rate, params.trees);

module.exports = { hyper, train, fromParams };

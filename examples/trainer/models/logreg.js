'use strict';
const { int, positiveFloat, nonNegativeFloat } = require('../lib/hyper');
const { sigmoid, logLoss, accuracy, round6 } = require('../lib/metrics');
const { POINTS, progressEvery } = require('../lib/progress');
const { TrainError } = require('../lib/errors');

/** Logistic regression by full-batch gradient descent, with optional L2. */

const hyper = {
  lr: { ...positiveFloat(), default: 0.5 },
  epochs: { ...int(1, 100000), default: 200 },
  l2: { ...nonNegativeFloat(), default: 0 },
};

function predictor(weights, bias) {
  return (X) =>
    X.map((x) => {
      let z = bias;
      for (let j = 0; j < weights.length; j++) z += weights[j] * x[j];
      return sigmoid(z);
    });
}

function train({ X, y }, hp, { log, progress, val }) {
  const d = X[0].length;
  const n = X.length;
  const w = new Array(d).fill(0);
  let b = 0;
  const report = progressEvery(hp.epochs);
  const chart = progressEvery(hp.epochs, POINTS);
  for (let epoch = 1; epoch <= hp.epochs; epoch++) {
    const p = predictor(w, b)(X);
    const gw = new Array(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const err = p[i] - y[i];
      for (let j = 0; j < d; j++) gw[j] += err * X[i][j];
      gb += err;
    }
    for (let j = 0; j < d; j++) w[j] -= hp.lr * (gw[j] / n + hp.l2 * w[j]);
    b -= hp.lr * (gb / n);
    if (!report(epoch) && !chart(epoch)) continue;
    const loss = logLoss(predictor(w, b)(X), y);
    if (chart(epoch) && Number.isFinite(loss)) {
      const val_accuracy = round6(accuracy(predictor(w, b)(val.X), val.y));
      progress({ step: epoch, total: hp.epochs, epoch, loss: round6(loss), val_accuracy });
    }
    if (report(epoch)) {
      if (!Number.isFinite(loss) || !w.every(Number.isFinite)) {
        throw new TrainError(`loss diverged at epoch ${epoch}; try a smaller lr`);
      }
      log(`epoch ${epoch}/${hp.epochs} loss ${loss.toFixed(4)}`);
    }
  }
  return { params: { weights: w, bias: b }, predict: predictor(w, b), summary: { epochs: hp.epochs } };
}

/** The model a trained job's model.json holds, as a predictor again (for an ensemble). */
const fromParams = (params) => predictor(params.weights, params.bias);

module.exports = { hyper, train, fromParams };

'use strict';
const { Rng, seedFrom } = require('../lib/random');
const { int, positiveFloat, intList, oneOf } = require('../lib/hyper');
const { sigmoid, logLoss, accuracy, round6 } = require('../lib/metrics');
const { POINTS, progressEvery } = require('../lib/progress');
const { TrainError, UsageError } = require('../lib/errors');

/**
 * A multilayer perceptron with a sigmoid output, trained by minibatch SGD on
 * binary cross-entropy. `hidden` is one layer's width; `layers` lists several.
 */

const hyper = {
  lr: { ...positiveFloat(), default: 0.05 },
  hidden: int(1, 4096),
  layers: intList(1, 4, 1),
  epochs: { ...int(1, 100000), default: 60 },
  batch_size: { ...int(1), default: 32 },
  activation: { ...oneOf('tanh', 'relu'), default: 'tanh' },
};

const activations = {
  tanh: { f: Math.tanh, df: (z, a) => 1 - a * a },
  relu: { f: (z) => (z > 0 ? z : 0), df: (z) => (z > 0 ? 1 : 0) },
};

/** Cross-key rules the per-key schema cannot express; runs before any data is made. */
function checkHyper(hp) {
  if (hp.hidden !== undefined && hp.layers !== undefined) {
    throw new UsageError('hyper for model mlp takes "hidden" or "layers", not both');
  }
}

const widths = (hp) => hp.layers ?? [hp.hidden ?? 16];

/** Glorot-scaled normal weights for tanh, He-scaled for relu; zero biases. */
function initialize(sizes, activation, rng) {
  const net = [];
  for (let l = 1; l < sizes.length; l++) {
    const fanIn = sizes[l - 1];
    const fanOut = sizes[l];
    const scale = activation === 'relu' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
    net.push({
      W: Array.from({ length: fanOut }, () => Array.from({ length: fanIn }, () => rng.normal() * scale)),
      b: new Array(fanOut).fill(0),
    });
  }
  return net;
}

/** Pre-activations and activations of every layer; the last layer is the logit. */
function forward(net, act, x) {
  const zs = [];
  const as = [x];
  for (let l = 0; l < net.length; l++) {
    const { W, b } = net[l];
    const input = as[l];
    const z = b.map((bias, k) => {
      let s = bias;
      const row = W[k];
      for (let j = 0; j < row.length; j++) s += row[j] * input[j];
      return s;
    });
    zs.push(z);
    as.push(l === net.length - 1 ? z : z.map(act.f));
  }
  return { zs, as, p: sigmoid(zs[zs.length - 1][0]) };
}

function predictor(net, act) {
  return (X) => X.map((x) => forward(net, act, x).p);
}

function train({ X, y }, hp, { seed, log, progress, val }) {
  const act = activations[hp.activation];
  const layerWidths = widths(hp);
  const sizes = [X[0].length, ...layerWidths, 1];
  const rng = new Rng(seedFrom('mlp', seed));
  const net = initialize(sizes, hp.activation, rng);
  const order = X.map((_, i) => i);
  const report = progressEvery(hp.epochs);
  const chart = progressEvery(hp.epochs, POINTS);

  for (let epoch = 1; epoch <= hp.epochs; epoch++) {
    rng.shuffle(order);
    for (let start = 0; start < order.length; start += hp.batch_size) {
      const batch = order.slice(start, start + hp.batch_size);
      const grads = net.map(({ W, b }) => ({ W: W.map((r) => new Array(r.length).fill(0)), b: new Array(b.length).fill(0) }));
      for (const i of batch) {
        const { zs, as, p } = forward(net, act, X[i]);
        let delta = [p - y[i]];
        for (let l = net.length - 1; l >= 0; l--) {
          const input = as[l];
          for (let k = 0; k < delta.length; k++) {
            grads[l].b[k] += delta[k];
            const gRow = grads[l].W[k];
            for (let j = 0; j < input.length; j++) gRow[j] += delta[k] * input[j];
          }
          if (l > 0) {
            const W = net[l].W;
            delta = input.map((a, j) => {
              let s = 0;
              for (let k = 0; k < delta.length; k++) s += W[k][j] * delta[k];
              return s * act.df(zs[l - 1][j], a);
            });
          }
        }
      }
      const step = hp.lr / batch.length;
      for (let l = 0; l < net.length; l++) {
        for (let k = 0; k < net[l].W.length; k++) {
          const row = net[l].W[k];
          const gRow = grads[l].W[k];
          for (let j = 0; j < row.length; j++) row[j] -= step * gRow[j];
          net[l].b[k] -= step * grads[l].b[k];
        }
      }
    }
    if (!report(epoch) && !chart(epoch)) continue;
    const loss = logLoss(predictor(net, act)(X), y);
    if (chart(epoch) && Number.isFinite(loss)) {
      const val_accuracy = round6(accuracy(predictor(net, act)(val.X), val.y));
      progress({ step: epoch, total: hp.epochs, epoch, loss: round6(loss), val_accuracy });
    }
    if (report(epoch)) {
      if (!Number.isFinite(loss)) throw new TrainError(`loss diverged at epoch ${epoch}; try a smaller lr`);
      log(`epoch ${epoch}/${hp.epochs} loss ${loss.toFixed(4)}`);
    }
  }
  return {
    params: { sizes, activation: hp.activation, layers: net },
    predict: predictor(net, act),
    summary: { epochs: hp.epochs },
  };
}

/** The model a trained job's model.json holds, as a predictor again (for an ensemble). */
const fromParams = (params) => predictor(params.layers, activations[params.activation]);

module.exports = { hyper, checkHyper, train, fromParams };

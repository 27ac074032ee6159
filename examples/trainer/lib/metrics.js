'use strict';

const EPS = 1e-12;

function sigmoid(z) {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Mean binary cross-entropy; probabilities are clipped so one confident miss is finite. */
function logLoss(probs, labels) {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, probs[i]));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

function accuracy(probs, labels) {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if ((probs[i] >= 0.5 ? 1 : 0) === labels[i]) hits++;
  return hits / labels.length;
}

/** Six decimals: enough to compare runs, short enough to read in `cis490-jobs show`. */
function round6(x) {
  return Math.round(x * 1e6) / 1e6;
}

module.exports = { sigmoid, logLoss, accuracy, round6 };
